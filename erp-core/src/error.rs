//! The engine's one error type. Every variant carries a stable machine code (`codigo`) that the
//! server maps to an HTTP status and the bindings to a native exception, and a Spanish message a
//! person can act on. Validation errors also name the offending field as a path into the input
//! (`lineas[2].cantidad`: zero-based, as in the JSON), while the message counts lines from one.

use std::fmt;

use serde::Serialize;

/// Stable machine codes. Never rename one: clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Codigo {
    /// The input is not well-formed JSON.
    JsonInvalido,
    /// A required field is missing.
    CampoRequerido,
    /// A field the format does not have.
    CampoDesconocido,
    /// A field of the wrong JSON type.
    TipoInvalido,
    /// A value outside the allowed set (an unknown code or enumeration value).
    ValorNoPermitido,
    /// A number that is not a well-formed decimal.
    NumeroInvalido,
    /// A date that is not a valid `AAAA-MM-DD` date.
    FechaInvalida,
    /// A field that belongs to the other country's documents.
    CampoNoAplica,
    CantidadInvalida,
    PrecioInvalido,
    DescuentoInvalido,
    AfectacionInvalida,
    /// The document's date has no rate for the requested tax or treatment.
    TasaNoVigente,
    MonedaInvalida,
    TipoDeCambioInvalido,
    TextoDemasiadoLargo,
    DocumentoSinLineas,
    DocumentoDemasiadoGrande,
    /// An amount beyond the 12 integer digits the tax authorities accept.
    ImporteExcesivo,
    /// A number with more decimals than the field admits.
    PrecisionExcedida,
    RetencionInvalida,
    PropinaInvalida,
    IceInvalido,
    RucInvalido,
    DniInvalido,
    CeInvalido,
    PasaporteInvalido,
    CedulaInvalida,
    ConsumidorFinalInvalido,
    TipoDocumentoInvalido,
    /// A record the request names does not exist in the company (or was deleted).
    NoEncontrado,
    /// An outflow beyond the available stock.
    StockInsuficiente,
    /// A value that must be unique already exists (a product code, a serial…).
    Duplicado,
    /// A category whose parent would make it its own ancestor.
    CategoriaCiclo,
    /// A request that the record's current state does not allow.
    EstadoInvalido,
    /// The storage failed; the unit of work was rolled back. Details go to the logs.
    ErrorAlmacenamiento,
    /// A credit sale beyond the customer's available credit.
    LimiteCreditoExcedido,
    /// An expired quotation: it can only be duplicated.
    CotizacionVencida,
    /// Wrong credentials, or a token that is missing, expired, forged or revoked.
    AuthFailed,
    /// Too many failed logins: the account waits before the next attempt.
    CuentaBloqueada,
    /// The user's role lacks the permission the operation needs.
    PermisoInsuficiente,
    /// The company's plan does not include the module of the operation.
    ModuloNoHabilitado,
    /// The company's plan admits no more active users.
    LimiteUsuarios,
    /// The company's plan admits no more comprobantes this month.
    LimiteTransacciones,
    /// A comprobante SUNAT would reject (e-invoicing checks before sending).
    ComprobanteInvalido,
}

impl Codigo {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JsonInvalido => "json_invalido",
            Self::CampoRequerido => "campo_requerido",
            Self::CampoDesconocido => "campo_desconocido",
            Self::TipoInvalido => "tipo_invalido",
            Self::ValorNoPermitido => "valor_no_permitido",
            Self::NumeroInvalido => "numero_invalido",
            Self::FechaInvalida => "fecha_invalida",
            Self::CampoNoAplica => "campo_no_aplica",
            Self::CantidadInvalida => "cantidad_invalida",
            Self::PrecioInvalido => "precio_invalido",
            Self::DescuentoInvalido => "descuento_invalido",
            Self::AfectacionInvalida => "afectacion_invalida",
            Self::TasaNoVigente => "tasa_no_vigente",
            Self::MonedaInvalida => "moneda_invalida",
            Self::TipoDeCambioInvalido => "tipo_de_cambio_invalido",
            Self::TextoDemasiadoLargo => "texto_demasiado_largo",
            Self::DocumentoSinLineas => "documento_sin_lineas",
            Self::DocumentoDemasiadoGrande => "documento_demasiado_grande",
            Self::ImporteExcesivo => "importe_excesivo",
            Self::PrecisionExcedida => "precision_excedida",
            Self::RetencionInvalida => "retencion_invalida",
            Self::PropinaInvalida => "propina_invalida",
            Self::IceInvalido => "ice_invalido",
            Self::RucInvalido => "ruc_invalido",
            Self::DniInvalido => "dni_invalido",
            Self::CeInvalido => "ce_invalido",
            Self::PasaporteInvalido => "pasaporte_invalido",
            Self::CedulaInvalida => "cedula_invalida",
            Self::ConsumidorFinalInvalido => "consumidor_final_invalido",
            Self::TipoDocumentoInvalido => "tipo_documento_invalido",
            Self::NoEncontrado => "no_encontrado",
            Self::StockInsuficiente => "stock_insuficiente",
            Self::Duplicado => "duplicado",
            Self::CategoriaCiclo => "categoria_ciclo",
            Self::EstadoInvalido => "estado_invalido",
            Self::ErrorAlmacenamiento => "error_almacenamiento",
            Self::LimiteCreditoExcedido => "limite_credito_excedido",
            Self::CotizacionVencida => "cotizacion_vencida",
            Self::AuthFailed => "auth_failed",
            Self::CuentaBloqueada => "cuenta_bloqueada",
            Self::PermisoInsuficiente => "permiso_insuficiente",
            Self::ModuloNoHabilitado => "modulo_no_habilitado",
            Self::LimiteUsuarios => "limite_usuarios",
            Self::LimiteTransacciones => "limite_transacciones",
            Self::ComprobanteInvalido => "comprobante_invalido",
        }
    }
}

impl fmt::Display for Codigo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks a rule; nothing was computed or changed.
    #[error("{mensaje}")]
    Validacion {
        codigo: Codigo,
        /// Path of the offending field in the input (`lineas[2].cantidad`), when there is one.
        campo: Option<String>,
        mensaje: String,
    },
    /// The record does not exist in this company. Another company's id gets this same answer,
    /// so that ids reveal nothing across tenants.
    #[error("{mensaje}")]
    NoEncontrado {
        entidad: &'static str,
        mensaje: String,
    },
    /// Not enough stock for an outflow; nothing was written.
    #[error(
        "Stock insuficiente para {producto} en {almacen}: disponible {disponible}, solicitado {solicitado}"
    )]
    StockInsuficiente {
        producto: String,
        almacen: String,
        disponible: rust_decimal::Decimal,
        solicitado: rust_decimal::Decimal,
    },
    /// A uniqueness rule or a state rule refused the change.
    #[error("{mensaje}")]
    Conflicto {
        codigo: Codigo,
        campo: Option<String>,
        mensaje: String,
    },
    /// The storage failed. The message is generic; `detalle` is for the logs only.
    #[error("{mensaje}")]
    Almacenamiento { mensaje: String, detalle: String },
}

impl Error {
    pub fn validacion(
        codigo: Codigo,
        campo: impl Into<String>,
        mensaje: impl Into<String>,
    ) -> Self {
        Self::Validacion {
            codigo,
            campo: Some(campo.into()),
            mensaje: mensaje.into(),
        }
    }

    pub fn sin_campo(codigo: Codigo, mensaje: impl Into<String>) -> Self {
        Self::Validacion {
            codigo,
            campo: None,
            mensaje: mensaje.into(),
        }
    }

    /// `no_encontrado` for a record named by its id: "producto 0190… no existe en esta empresa".
    pub fn no_existe(entidad: &'static str, id: impl std::fmt::Display) -> Self {
        Self::no_encontrado(entidad, format!("{entidad} {id} no existe en esta empresa"))
    }

    /// The same validation error, reported on `campo` (a nested value's own field name means
    /// nothing to the caller who sent the outer one).
    pub fn con_campo(self, campo: &str) -> Self {
        match self {
            Self::Validacion {
                codigo, mensaje, ..
            } => Self::Validacion {
                codigo,
                campo: Some(campo.into()),
                mensaje,
            },
            otro => otro,
        }
    }

    /// The record's state does not allow the act (`estado`): a 409.
    pub fn estado_invalido(mensaje: impl Into<String>) -> Self {
        Self::conflicto(Codigo::EstadoInvalido, Some("estado"), mensaje)
    }

    pub fn no_encontrado(entidad: &'static str, mensaje: impl Into<String>) -> Self {
        Self::NoEncontrado {
            entidad,
            mensaje: mensaje.into(),
        }
    }

    pub fn conflicto(codigo: Codigo, campo: Option<&str>, mensaje: impl Into<String>) -> Self {
        Self::Conflicto {
            codigo,
            campo: campo.map(String::from),
            mensaje: mensaje.into(),
        }
    }

    /// A storage failure: `detalle` (the driver's words) is kept for the logs, never shown.
    pub fn almacenamiento(detalle: impl std::fmt::Display) -> Self {
        Self::Almacenamiento {
            mensaje: "no se pudo completar la operación en la base de datos; no se guardó nada"
                .into(),
            detalle: detalle.to_string(),
        }
    }

    /// The stable machine code, e.g. `"cantidad_invalida"`.
    pub fn codigo(&self) -> &'static str {
        match self {
            Self::Validacion { codigo, .. } | Self::Conflicto { codigo, .. } => codigo.as_str(),
            Self::NoEncontrado { .. } => Codigo::NoEncontrado.as_str(),
            Self::StockInsuficiente { .. } => Codigo::StockInsuficiente.as_str(),
            Self::Almacenamiento { .. } => Codigo::ErrorAlmacenamiento.as_str(),
        }
    }

    /// The path of the offending field, when the error concerns one.
    pub fn campo(&self) -> Option<&str> {
        match self {
            Self::Validacion { campo, .. } | Self::Conflicto { campo, .. } => campo.as_deref(),
            _ => None,
        }
    }

    /// The message for a person. For a stock error it is built from its fields.
    pub fn mensaje(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Validacion { mensaje, .. }
            | Self::Conflicto { mensaje, .. }
            | Self::NoEncontrado { mensaje, .. }
            | Self::Almacenamiento { mensaje, .. } => std::borrow::Cow::Borrowed(mensaje),
            Self::StockInsuficiente { .. } => std::borrow::Cow::Owned(self.to_string()),
        }
    }

    /// The error as the JSON value every surface prints: `{codigo, campo, mensaje}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Serialized as `{"codigo", "campo", "mensaje"}`, in that order.
impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 3)?;
        st.serialize_field("codigo", self.codigo())?;
        st.serialize_field("campo", &self.campo())?;
        st.serialize_field("mensaje", &self.mensaje())?;
        st.end()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
