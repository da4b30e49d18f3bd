//! Sales (seed 000 process 5): the sale in one unit of work (customer and credit, stock out
//! through the ledger at weighted-average cost, lines taxed by `calcular_documento`, payments or
//! instalments, the comprobante with the next number of its series), the POS fast path,
//! idempotent retries, annulment with a credit note, partial returns and debit notes.

pub mod pedidos;
pub mod servicio;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::calculo::IceLinea;
use crate::comprobantes::TipoComprobante;
use crate::dinero::Moneda;
use crate::entrada;
use crate::inventario::servicio::Aprobacion;
use crate::{AfectacionIgv, TarifaIva};

/// Payment methods (contract `enum_metodo_pago`; `yape_plin` is Peru's).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetodoPago {
    Efectivo,
    Tarjeta,
    Transferencia,
    YapePlin,
}

impl MetodoPago {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Efectivo => "efectivo",
            Self::Tarjeta => "tarjeta",
            Self::Transferencia => "transferencia",
            Self::YapePlin => "yape_plin",
        }
    }
}

/// Cash or credit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CondicionPago {
    #[default]
    Contado,
    Credito,
}

impl CondicionPago {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Contado => "contado",
            Self::Credito => "credito",
        }
    }
}

/// Sales channel (contract `enum_tipo_venta`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TipoVenta {
    #[default]
    Directa,
    Pos,
    Online,
}

impl TipoVenta {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Directa => "directa",
            Self::Pos => "pos",
            Self::Online => "online",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoVenta {
    Completada,
    Anulada,
}

impl EstadoVenta {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Completada => "completada",
            Self::Anulada => "anulada",
        }
    }
}

/// A payment of a sale.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pago {
    pub metodo: MetodoPago,
    #[serde(deserialize_with = "entrada::decimal")]
    pub monto: Decimal,
    #[serde(default)]
    pub referencia: String,
}

/// An instalment of a credit sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cuota {
    pub numero: i32,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_vencimiento: Date,
    pub importe: Decimal,
    /// What remains to be collected.
    pub saldo: Decimal,
}

/// An instalment asked for in a credit sale.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CuotaNueva {
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_vencimiento: Date,
    #[serde(deserialize_with = "entrada::decimal")]
    pub importe: Decimal,
}

/// A line of a sale to make.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineaVentaNueva {
    pub producto_id: Uuid,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    /// Unit price; the product's sale price when absent.
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub precio: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento_porcentaje: Option<Decimal>,
    #[serde(default)]
    pub series: Vec<String>,
    #[serde(default)]
    pub lote: Option<String>,
    /// Sell beyond the stock, approved by a user allowed to.
    #[serde(default)]
    pub aprobacion: Option<Aprobacion>,
}

/// A sale to make.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaVenta {
    /// The "clientes varios" when absent.
    #[serde(default)]
    pub cliente_id: Option<Uuid>,
    /// The main warehouse when absent.
    #[serde(default)]
    pub almacen_id: Option<Uuid>,
    #[serde(default)]
    pub moneda: Option<Moneda>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub tipo_de_cambio: Option<Decimal>,
    /// Whether the prices include taxes; the products' own setting when absent.
    #[serde(default)]
    pub precios_incluyen_impuesto: Option<bool>,
    /// Peru: factura or boleta; by default factura for a customer with RUC, boleta otherwise.
    #[serde(default)]
    pub tipo_comprobante: Option<TipoComprobante>,
    #[serde(default)]
    pub serie: Option<String>,
    pub lineas: Vec<LineaVentaNueva>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento_global: Option<Decimal>,
    #[serde(default)]
    pub condicion: CondicionPago,
    #[serde(default)]
    pub pagos: Vec<Pago>,
    /// Credit sale: the instalments (a single one at the customer's credit days when absent).
    #[serde(default)]
    pub cuotas: Vec<CuotaNueva>,
    #[serde(default)]
    pub tipo_venta: TipoVenta,
    /// A retry with the same key returns the first result and creates nothing.
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
    #[serde(default)]
    pub observaciones: String,
    /// The sales order this sale completes.
    #[serde(skip)]
    pub orden_id: Option<Uuid>,
}

/// How a line was taxed when it was sold. A note on the sale reverses it this way, even if the
/// product's tax setting changed since (an exonerated product made taxable must not turn the
/// credit note of last month's sale into a taxed one SUNAT rejects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TributoLinea {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub afectacion_igv: Option<AfectacionIgv>,
    #[serde(default)]
    pub icbper: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iva: Option<TarifaIva>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ice: Option<IceLinea>,
}

/// A line of a sale as made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetalleVenta {
    pub numero: i32,
    pub producto_id: Uuid,
    pub codigo: String,
    pub descripcion: String,
    pub cantidad: Decimal,
    /// Unit price as entered (with or without taxes as the sale says).
    pub precio: Decimal,
    /// Line discount as entered.
    pub descuento: Decimal,
    pub subtotal: Decimal,
    pub impuesto: Decimal,
    pub total: Decimal,
    /// Cost of sale: the weighted-average value the stock left at.
    pub costo_total: Decimal,
    pub series: Vec<String>,
    /// Lots drawn and not returned yet (lot id, quantity), first-expiry first.
    pub lotes: Vec<(Uuid, Decimal)>,
    /// Quantity returned by credit notes.
    pub cantidad_devuelta: Decimal,
    /// The line's taxes as sold (absent in sales stored before it was recorded: the product's).
    #[serde(default)]
    pub tributo: Option<TributoLinea>,
    /// Price reductions granted afterwards by credit notes of value (discount, decrease in
    /// value), on the sale's price basis: a later return credits the units net of them.
    #[serde(default)]
    pub rebaja: Decimal,
}

/// A sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Venta {
    pub id: Uuid,
    pub cliente_id: Uuid,
    pub almacen_id: Uuid,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha: Date,
    pub moneda: Moneda,
    pub tipo_de_cambio: Option<Decimal>,
    pub precios_incluyen_impuesto: bool,
    pub tipo_venta: TipoVenta,
    pub condicion: CondicionPago,
    pub estado: EstadoVenta,
    pub total: Decimal,
    pub descuento_global: Option<Decimal>,
    pub costo_total: Decimal,
    /// Change given in cash.
    pub vuelto: Decimal,
    pub comprobante_id: Uuid,
    pub orden_id: Option<Uuid>,
    pub clave_idempotencia: Option<String>,
    pub observaciones: String,
    pub usuario_id: Option<Uuid>,
    pub lineas: Vec<DetalleVenta>,
    pub pagos: Vec<Pago>,
    pub cuotas: Vec<Cuota>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// A sale and its comprobante, as a sale returns them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VentaEmitida {
    pub venta: Venta,
    pub comprobante: crate::comprobantes::Comprobante,
}

/// What one credit sale still owes, in its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeudaVenta {
    pub moneda: Moneda,
    pub tipo_de_cambio: Option<Decimal>,
    pub saldo: Decimal,
}

/// Filters of the sales list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiltroVentas {
    pub cliente_id: Option<Uuid>,
    pub desde: Option<Date>,
    pub hasta: Option<Date>,
    pub pagina: u32,
    pub tamanio_pagina: u32,
}
