//! # erp-core
//!
//! The engine of the ERP: exact tax and pricing computation for Peru (IGV, ICBPER, Nubefact's
//! names) and Ecuador (IVA, ICE, retenciones, the SRI's names), identity-document validation,
//! and, as the later modules arrive, inventory, sales and e-invoicing over a storage port.
//!
//! It is pure: no SQL, no HTTP, no clock or randomness it is not handed. Money is
//! `rust_decimal::Decimal`, never a float. Every surface (the REST server, the command line, the
//! Python, Node and Kotlin bindings) calls the same functions, so they all compute the same cents.
//!
//! The entry point of the computation is [`calcular_documento`] (typed) or
//! [`calcular_documento_json`] (JSON in, JSON out); identity numbers go through
//! [`validar_identidad`].

#![forbid(unsafe_code)]

pub mod calculo;
pub mod compras;
pub mod comprobantes;
pub mod dinero;
pub mod empresa;
pub mod entrada;
pub mod error;
pub mod eventos;
pub mod facturacion;
pub mod identidad;
pub mod impuestos;
pub mod inventario;
pub mod motor;
pub mod pais;
pub mod seguridad;
pub mod store;
pub mod terceros;
pub mod trabajos;
pub mod ventas;

pub use calculo::{
    ConfiguracionTributaria, Documento, DocumentoCalculado, DocumentoEcuador, DocumentoPeru,
    IceLinea, Linea, LineaEcuador, LineaPeru, Periodo, SolicitudRetencion, calcular_documento,
    calcular_documento_json,
};
pub use dinero::Moneda;
pub use error::{Codigo, Error, Result};
pub use eventos::{Evento, Observador};
pub use identidad::{DocumentoIdentidad, TipoDocumentoIdentidad, validar_identidad};
pub use impuestos::ecuador::{ImpuestoRetenido, TarifaIva};
pub use impuestos::peru::AfectacionIgv;
pub use motor::Motor;
pub use pais::Pais;
pub use rust_decimal::Decimal;
pub use store::{GeneradorIds, Reloj, Store, Uow};
