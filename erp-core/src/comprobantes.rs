//! Tax documents (comprobantes) and their series. A comprobante takes the next number of its
//! series inside the sale's unit of work: the series row stays locked until the commit, so numbers
//! are gapless (a failed sale rolls its number back) and never duplicated. It is stored
//! `pendiente`, for the e-invoicing issue to send.
//!
//! Series formats: Peru, four characters, `F…` for facturas and their notes, `B…` for boletas and
//! theirs (SUNAT rule 1001); Ecuador, `establecimiento-punto de emisión` (`001-001`), numbered per
//! document type.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::dinero::Moneda;
use crate::error::{Codigo, Error, Result};
use crate::inventario::servicio::Contexto;
use crate::pais::Pais;
use crate::store::Uow;
use crate::terceros::TipoDocumentoCliente;

/// Kinds of comprobante.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoComprobante {
    Factura,
    /// Peru only.
    Boleta,
    NotaCredito,
    NotaDebito,
}

impl TipoComprobante {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Factura => "factura",
            Self::Boleta => "boleta",
            Self::NotaCredito => "nota_credito",
            Self::NotaDebito => "nota_debito",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "factura" => Self::Factura,
            "boleta" => Self::Boleta,
            "nota_credito" => Self::NotaCredito,
            "nota_debito" => Self::NotaDebito,
            _ => return None,
        })
    }

    /// SUNAT catalog 01 (Peru) or SRI `codDoc` (Ecuador).
    pub fn codigo_autoridad(self, pais: Pais) -> &'static str {
        match (pais, self) {
            (Pais::Peru, Self::Factura) => "01",
            (Pais::Peru, Self::Boleta) => "03",
            (Pais::Peru, Self::NotaCredito) => "07",
            (Pais::Peru, Self::NotaDebito) => "08",
            (Pais::Ecuador, Self::Factura | Self::Boleta) => "01",
            (Pais::Ecuador, Self::NotaCredito) => "04",
            (Pais::Ecuador, Self::NotaDebito) => "05",
        }
    }

    pub fn es_nota(self) -> bool {
        matches!(self, Self::NotaCredito | Self::NotaDebito)
    }
}

/// A series of a document type, with the last number it issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerieComprobante {
    pub id: Uuid,
    pub tipo: TipoComprobante,
    pub serie: String,
    /// For notes: the kind of document they modify (factura or boleta).
    pub documento_afectado: Option<TipoComprobante>,
    /// Last number issued (0: none yet).
    pub correlativo: i64,
    pub activa: bool,
}

/// States of a comprobante toward the tax authority (contract enum).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoComprobante {
    Pendiente,
    Aceptado,
    Observado,
    Rechazado,
    Anulado,
    Error,
    ErrorPermanente,
}

impl EstadoComprobante {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Pendiente => "pendiente",
            Self::Aceptado => "aceptado",
            Self::Observado => "observado",
            Self::Rechazado => "rechazado",
            Self::Anulado => "anulado",
            Self::Error => "error",
            Self::ErrorPermanente => "error_permanente",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "pendiente" => Self::Pendiente,
            "aceptado" => Self::Aceptado,
            "observado" => Self::Observado,
            "rechazado" => Self::Rechazado,
            "anulado" => Self::Anulado,
            "error" => Self::Error,
            "error_permanente" => Self::ErrorPermanente,
            _ => return None,
        })
    }
}

/// A comprobante as issued: its number, the buyer as it was, and the computed document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comprobante {
    pub id: Uuid,
    pub tipo: TipoComprobante,
    pub serie: String,
    pub numero: i64,
    pub venta_id: Uuid,
    /// For notes: the comprobante they modify.
    pub referencia_id: Option<Uuid>,
    /// For notes: reason code (Peru: SUNAT catalog 09 or 10).
    pub motivo_codigo: Option<String>,
    pub motivo: String,
    pub estado: EstadoComprobante,
    pub cliente_id: Uuid,
    pub cliente_tipo_documento: TipoDocumentoCliente,
    pub cliente_numero_documento: String,
    pub cliente_razon_social: String,
    pub cliente_direccion: String,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_emision: Date,
    pub moneda: Moneda,
    pub total: rust_decimal::Decimal,
    /// The computed document (`DocumentoCalculado` as JSON).
    pub documento: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
    /// A note's idempotency key (a sale's is on the sale).
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
    /// Where it stands in the e-invoicing outbox, and what the gateway answered.
    #[serde(default)]
    pub envio: crate::facturacion::envio::EnvioComprobante,
}

/// What a list of comprobantes is filtered by (the contract's filters), and the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiltroComprobantes {
    pub tipo: Option<TipoComprobante>,
    pub serie: Option<String>,
    pub numero: Option<i64>,
    pub cliente_id: Option<Uuid>,
    pub estado: Option<EstadoComprobante>,
    pub desde: Option<Date>,
    pub hasta: Option<Date>,
    pub pagina: u32,
    pub tamanio_pagina: u32,
}

impl Comprobante {
    /// How a document number is shown: `F001-00000012` in Peru (8 digits, as the contract
    /// says), `001-001-000000012` in Ecuador (the SRI's 9-digit secuencial). Ecuador's series
    /// are the only ones with a dash.
    pub fn numero_completo(&self) -> String {
        if self.serie.contains('-') {
            format!("{}-{:09}", self.serie, self.numero)
        } else {
            format!("{}-{:08}", self.serie, self.numero)
        }
    }
}

/// The last number a series can give: SUNAT's correlativo has up to 8 digits, the SRI's
/// secuencial 9.
pub fn numero_maximo(pais: Pais) -> i64 {
    match pais {
        Pais::Peru => 99_999_999,
        Pais::Ecuador => 999_999_999,
    }
}

/// A series code as it is stored: `f001 ` is `F001`.
pub fn normalizar_serie(serie: &str) -> String {
    serie.trim().to_ascii_uppercase()
}

/// Checks a series code against the country's format for the document type.
pub fn validar_serie(
    pais: Pais,
    tipo: TipoComprobante,
    serie: &str,
    afectado: Option<TipoComprobante>,
) -> Result<String> {
    let s = normalizar_serie(serie);
    let error = |m: String| Err(Error::validacion(Codigo::ValorNoPermitido, "serie", m));
    match pais {
        Pais::Peru => {
            let letra = match (tipo, afectado) {
                (TipoComprobante::Factura, _) => 'F',
                (TipoComprobante::Boleta, _) => 'B',
                (_, Some(TipoComprobante::Boleta)) => 'B',
                (_, Some(TipoComprobante::Factura)) => 'F',
                (_, _) => {
                    return error(
                        "una serie de notas indica si modifica facturas o boletas".to_string(),
                    );
                }
            };
            let bien = s.len() == 4
                && s.starts_with(letra)
                && s.as_bytes()[1..]
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !bien {
                return error(format!(
                    "serie '{}' inválida: 4 caracteres que empiezan con {letra} (p. ej. {letra}001)",
                    crate::entrada::recortar(&s)
                ));
            }
        }
        Pais::Ecuador => {
            if tipo == TipoComprobante::Boleta {
                return error("en Ecuador no se emiten boletas".to_string());
            }
            let partes: Vec<&str> = s.split('-').collect();
            let bien = partes.len() == 2
                && partes
                    .iter()
                    .all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()) && *p != "000");
            if !bien {
                return error(format!(
                    "serie '{}' inválida: establecimiento y punto de emisión, p. ej. 001-001",
                    crate::entrada::recortar(&s)
                ));
            }
        }
    }
    Ok(s)
}

/// The default series of a document type, as `setup-empresa` would create it.
pub fn serie_por_defecto(
    pais: Pais,
    tipo: TipoComprobante,
    afectado: Option<TipoComprobante>,
    ajustes: &crate::empresa::AjustesEmpresa,
) -> String {
    match pais {
        Pais::Peru => match (tipo, afectado) {
            (TipoComprobante::Factura, _) => "F001",
            (TipoComprobante::Boleta, _) => "B001",
            (TipoComprobante::NotaCredito, Some(TipoComprobante::Boleta)) => "BC01",
            (TipoComprobante::NotaCredito, _) => "FC01",
            (TipoComprobante::NotaDebito, Some(TipoComprobante::Boleta)) => "BD01",
            (TipoComprobante::NotaDebito, _) => "FD01",
        }
        .to_string(),
        Pais::Ecuador => format!(
            "{}-{}",
            ajustes.sri_establecimiento.as_deref().unwrap_or("001"),
            ajustes.sri_punto_emision.as_deref().unwrap_or("001")
        ),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaSerie {
    pub tipo: TipoComprobante,
    pub serie: String,
    #[serde(default)]
    pub documento_afectado: Option<TipoComprobante>,
}

pub async fn crear_serie<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaSerie,
) -> Result<SerieComprobante> {
    let pais = uow.empresa().await?.pais;
    let afectado = match n.tipo {
        TipoComprobante::NotaCredito | TipoComprobante::NotaDebito => {
            Some(n.documento_afectado.unwrap_or(TipoComprobante::Factura))
        }
        _ => None,
    };
    if afectado.is_some_and(|a| a.es_nota()) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "documento_afectado",
            "una nota modifica una factura o una boleta",
        ));
    }
    let serie = validar_serie(pais, n.tipo, &n.serie, afectado)?;
    if uow.serie_comprobante(n.tipo, &serie).await?.is_some() {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some("serie"),
            format!("la serie {serie} de {} ya existe", n.tipo.codigo()),
        ));
    }
    let s = SerieComprobante {
        id: ctx.ids.nuevo(),
        tipo: n.tipo,
        serie,
        documento_afectado: afectado,
        correlativo: 0,
        activa: true,
    };
    uow.guardar_serie_comprobante(&s).await?;
    Ok(s)
}

/// The series to use for a document: the one asked for, or the first active one of the type
/// (for notes, of the type of document they modify), created with its default code when the
/// company has none yet.
pub async fn elegir_serie<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    tipo: TipoComprobante,
    afectado: Option<TipoComprobante>,
    pedida: Option<&str>,
) -> Result<SerieComprobante> {
    let empresa = uow.empresa().await?;
    if let Some(p) = pedida {
        let s = validar_serie(empresa.pais, tipo, p, afectado)?;
        return match uow.serie_comprobante(tipo, &s).await? {
            Some(serie)
                if serie.activa && (!tipo.es_nota() || serie.documento_afectado == afectado) =>
            {
                Ok(serie)
            }
            Some(_) => Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("serie"),
                format!("la serie {s} está inactiva o no corresponde a este documento"),
            )),
            None => Err(Error::no_encontrado(
                "serie",
                format!("la serie {s} de {} no existe", tipo.codigo()),
            )),
        };
    }
    let series = uow.series_comprobante().await?;
    if let Some(s) = series.into_iter().find(|s| {
        s.tipo == tipo && s.activa && (!tipo.es_nota() || s.documento_afectado == afectado)
    }) {
        return Ok(s);
    }
    let codigo = serie_por_defecto(empresa.pais, tipo, afectado, &empresa.ajustes);
    let serie = SerieComprobante {
        id: ctx.ids.nuevo(),
        tipo,
        serie: validar_serie(empresa.pais, tipo, &codigo, afectado)?,
        documento_afectado: afectado,
        correlativo: 0,
        activa: true,
    };
    // Two first sales of a company may make the default series at once.
    uow.asegurar_serie_comprobante(&serie).await
}
