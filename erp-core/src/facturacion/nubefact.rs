//! Nubefact's JSON API v1 (manual v2.9, `../shared/reference/peru.md` §1): the request of each of
//! the four operations built from a stored comprobante, the checks SUNAT would make before it is
//! sent, and the reading of Nubefact's answer.
//!
//! JSON types follow the manual's type column (integers, booleans, `DD-MM-YYYY` dates), except
//! amounts: they go as decimal strings (`"708.00"`), as in Nubefact's own example files, so that
//! no amount ever passes through a float. Conditional amounts that are zero are left out.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::calculo::{DocumentoPeru, LineaPeru};
use crate::comprobantes::{Comprobante, TipoComprobante, validar_serie};
use crate::dinero::{Moneda, redondear};
use crate::empresa::Empresa;
use crate::entrada::truncar;
use crate::error::{Codigo, Error, Result};
use crate::identidad::{TipoDocumentoIdentidad, validar_identidad};
use crate::impuestos::peru::{
    AfectacionIgv, GrupoIgv, MINIMO_DETRACCION_PEN, TOPE_BOLETA_ANONIMA_PEN,
};
use crate::pais::Pais;
use crate::terceros::TipoDocumentoCliente;
use crate::ventas::Cuota;

pub const GENERAR_COMPROBANTE: &str = "generar_comprobante";
pub const CONSULTAR_COMPROBANTE: &str = "consultar_comprobante";
pub const GENERAR_ANULACION: &str = "generar_anulacion";
pub const CONSULTAR_ANULACION: &str = "consultar_anulacion";

/// SUNAT's tolerance on its arithmetic checks (3271, 3103, 3277, 3280…): one unit of currency.
pub const TOLERANCIA_SUNAT: Decimal = Decimal::ONE;

/// A guía de remisión the comprobante refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guia {
    /// 1 remitente, 2 transportista.
    pub guia_tipo: u8,
    /// `0001-123`: series and number.
    pub guia_serie_numero: String,
}

/// A sale subject to the detracción (SPOT): the buyer deposits part of the total at the Banco de
/// la Nación.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detraccion {
    /// Nubefact's `detraccion_tipo`: its index of SUNAT catalog 54 (35 = 037 demás servicios
    /// gravados, 25 = 027 transporte de carga…).
    pub tipo: u8,
    /// Percentage of the total, IGV included (12, 10, 4…).
    pub porcentaje: Decimal,
    /// Nubefact's `medio_de_pago_detraccion` (1 = 001 depósito en cuenta).
    pub medio_de_pago: u8,
}

/// What the request takes besides the comprobante and the company.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// For notes: the comprobante they modify.
    pub referencia: Option<&'a Comprobante>,
    /// A credit sale's instalments.
    pub cuotas: &'a [Cuota],
    /// The buyer's email: Nubefact sends them the comprobante.
    pub cliente_email: &'a str,
    pub observaciones: &'a str,
    pub guias: &'a [Guia],
    pub detraccion: Option<Detraccion>,
    pub orden_compra_servicio: &'a str,
    pub placa_vehiculo: &'a str,
}

/// A line of `items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemNubefact {
    pub unidad_de_medida: String,
    pub codigo: String,
    pub descripcion: String,
    #[serde(with = "texto")]
    pub cantidad: Decimal,
    #[serde(with = "texto")]
    pub valor_unitario: Decimal,
    #[serde(with = "texto")]
    pub precio_unitario: Decimal,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descuento: Option<Decimal>,
    #[serde(with = "monto")]
    pub subtotal: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_igv: Option<u8>,
    /// A String in the manual: `"17"` (IVAP gravado) or `"101"` (IVAP gratuito).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_ivap: Option<String>,
    #[serde(with = "monto")]
    pub igv: Decimal,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub impuesto_bolsas: Option<Decimal>,
    #[serde(with = "monto")]
    pub total: Decimal,
    pub anticipo_regularizacion: bool,
}

/// An instalment of `venta_al_credito`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CuotaNubefact {
    pub cuota: u32,
    pub fecha_de_pago: String,
    #[serde(with = "monto")]
    pub importe: Decimal,
}

/// The request of `generar_comprobante`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolicitudComprobante {
    pub operacion: String,
    pub tipo_de_comprobante: u8,
    pub serie: String,
    pub numero: i64,
    pub sunat_transaction: u8,
    pub cliente_tipo_de_documento: String,
    pub cliente_numero_de_documento: String,
    pub cliente_denominacion: String,
    pub cliente_direccion: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cliente_email: String,
    pub fecha_de_emision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_de_vencimiento: Option<String>,
    pub moneda: u8,
    #[serde(
        default,
        with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub tipo_de_cambio: Option<Decimal>,
    #[serde(with = "monto")]
    pub porcentaje_de_igv: Decimal,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descuento_global: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_descuento: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_gravada: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_inafecta: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_exonerada: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_igv: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_gratuita: Option<Decimal>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_impuestos_bolsas: Option<Decimal>,
    #[serde(with = "monto")]
    pub total: Decimal,
    pub detraccion: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detraccion_tipo: Option<u8>,
    #[serde(
        default,
        with = "monto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub detraccion_total: Option<Decimal>,
    #[serde(
        default,
        with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub detraccion_porcentaje: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medio_de_pago_detraccion: Option<u8>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub observaciones: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documento_que_se_modifica_tipo: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documento_que_se_modifica_serie: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documento_que_se_modifica_numero: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_nota_de_credito: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_nota_de_debito: Option<u8>,
    pub enviar_automaticamente_a_la_sunat: bool,
    pub enviar_automaticamente_al_cliente: bool,
    /// The comprobante's number: Nubefact refuses a second document with the same one.
    pub codigo_unico: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condiciones_de_pago: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub placa_vehiculo: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub orden_compra_servicio: String,
    pub items: Vec<ItemNubefact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guias: Vec<Guia>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub venta_al_credito: Vec<CuotaNubefact>,
}

/// The request of `consultar_comprobante`, `generar_anulacion` and `consultar_anulacion`: the
/// document by type, series and number (and, to annul, the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolicitudDocumento {
    pub operacion: String,
    pub tipo_de_comprobante: u8,
    pub serie: String,
    pub numero: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo_unico: Option<String>,
}

/// Nubefact's `tipo_de_comprobante`.
pub fn tipo_de_comprobante(t: TipoComprobante) -> u8 {
    match t {
        TipoComprobante::Factura => 1,
        TipoComprobante::Boleta => 2,
        TipoComprobante::NotaCredito => 3,
        TipoComprobante::NotaDebito => 4,
    }
}

/// The date as Nubefact writes it: `DD-MM-YYYY`.
pub fn fecha(d: Date) -> String {
    format!("{:02}-{:02}-{:04}", d.day(), u8::from(d.month()), d.year())
}

fn invalido(campo: &str, mensaje: impl Into<String>) -> Error {
    Error::validacion(Codigo::ComprobanteInvalido, campo, mensaje)
}

/// Nubefact's (SUNAT catalog 06) code of the buyer's document; Ecuador's documents have none.
fn tipo_documento_cliente(t: TipoDocumentoCliente) -> Result<&'static str> {
    match t {
        TipoDocumentoCliente::Cedula | TipoDocumentoCliente::ConsumidorFinal => Err(invalido(
            "cliente_tipo_documento",
            format!(
                "el documento '{}' es de Ecuador: un comprobante peruano identifica al comprador con RUC, DNI, carné de extranjería o pasaporte",
                t.codigo()
            ),
        )),
        _ => Ok(t.codigo_sunat()),
    }
}

/// Nubefact's `tipo_de_nota_de_credito` from SUNAT catalog 09: the same numbers except 11 and
/// 12, which Nubefact labels the other way round (IVAP 11, export 12); mapped by label.
fn tipo_nota_credito(codigo: &str) -> Option<u8> {
    let n: u8 = codigo.trim().parse().ok()?;
    match n {
        11 => Some(12),
        12 => Some(11),
        1..=13 => Some(n),
        _ => None,
    }
}

/// Nubefact's `tipo_de_nota_de_debito` from SUNAT catalog 10 (01, 02, 03, 11 export, 12 IVAP),
/// mapped by label to Nubefact's 1 to 5.
fn tipo_nota_debito(codigo: &str) -> Option<u8> {
    match codigo.trim() {
        "01" | "1" => Some(1),
        "02" | "2" => Some(2),
        "03" | "3" => Some(3),
        "12" => Some(4),
        "11" => Some(5),
        _ => None,
    }
}

/// The computed document a comprobante stores.
pub fn documento_de(c: &Comprobante) -> Result<DocumentoPeru> {
    serde_json::from_value(c.documento.clone()).map_err(|e| {
        Error::almacenamiento(format!(
            "el comprobante {} no guarda un documento peruano legible: {e}",
            c.numero_completo()
        ))
    })
}

/// `generar_comprobante` for a factura, boleta, credit note or debit note. Refuses, saying why,
/// what SUNAT would reject: a factura without a valid RUC, a boleta above S/ 700 without the
/// buyer's document, a series of the wrong letter, a note without the document it modifies or of
/// another currency, lines that do not add up to the totals.
pub fn generar_comprobante(
    empresa: &Empresa,
    c: &Comprobante,
    x: &Extras<'_>,
) -> Result<SolicitudComprobante> {
    if empresa.pais != Pais::Peru {
        return Err(invalido(
            "pais",
            "Nubefact emite comprobantes de Perú; esta empresa es de otro país",
        ));
    }
    let doc = documento_de(c)?;
    if !(1..=99_999_999).contains(&c.numero) {
        return Err(invalido(
            "numero",
            format!("el número {} no está entre 1 y 99999999", c.numero),
        ));
    }
    // A note takes the letter of the document it modifies.
    let referencia = if c.tipo.es_nota() {
        let r = x.referencia.ok_or_else(|| {
            invalido(
                "referencia",
                format!(
                    "la nota {} no indica el comprobante que modifica",
                    c.numero_completo()
                ),
            )
        })?;
        if r.tipo.es_nota() {
            return Err(invalido(
                "referencia",
                "una nota modifica una factura o una boleta, no otra nota",
            ));
        }
        if c.referencia_id.is_some_and(|id| id != r.id) {
            return Err(invalido(
                "referencia",
                format!(
                    "la nota {} no modifica {}",
                    c.numero_completo(),
                    r.numero_completo()
                ),
            ));
        }
        if r.moneda != c.moneda {
            // SUNAT 3209.
            return Err(invalido(
                "moneda",
                format!(
                    "la nota está en {} y {} en {}: deben ser de la misma moneda",
                    c.moneda.codigo(),
                    r.numero_completo(),
                    r.moneda.codigo()
                ),
            ));
        }
        Some(r)
    } else {
        None
    };
    let afectado = referencia.map(|r| r.tipo);
    validar_serie(Pais::Peru, c.tipo, &c.serie, afectado).map_err(|e| {
        invalido(
            "serie",
            format!("SUNAT rechazaría la serie {}: {}", c.serie, e.mensaje()),
        )
    })?;

    if doc.moneda != c.moneda {
        return Err(invalido(
            "moneda",
            "la moneda del comprobante no es la de su documento calculado",
        ));
    }
    if c.moneda != Moneda::Pen && doc.tipo_de_cambio.is_none() {
        return Err(invalido(
            "tipo_de_cambio",
            format!(
                "un comprobante en {} indica el tipo de cambio",
                c.moneda.codigo()
            ),
        ));
    }

    // Amounts SUNAT states in soles (the boleta's limit, the detracción) at the exchange rate.
    let en_soles = doc.total
        * doc
            .tipo_de_cambio
            .filter(|_| c.moneda != Moneda::Pen)
            .unwrap_or(Decimal::ONE);
    let exportacion = doc
        .lineas
        .iter()
        .any(|l| l.afectacion_igv == AfectacionIgv::Exportacion);
    if exportacion
        && doc.lineas.iter().any(|l| {
            !matches!(
                l.afectacion_igv.grupo(),
                GrupoIgv::Exportacion | GrupoIgv::Gratuito
            )
        })
    {
        return Err(invalido(
            "lineas",
            "una exportación no lleva líneas de venta interna: emita comprobantes separados",
        ));
    }
    let factura = c.tipo == TipoComprobante::Factura || afectado == Some(TipoComprobante::Factura);
    let tipo_doc = tipo_documento_cliente(c.cliente_tipo_documento)?;
    if exportacion {
        // SUNAT: an export's buyer is abroad: never a RUC (type 6), and identified.
        if matches!(
            c.cliente_tipo_documento,
            TipoDocumentoCliente::Ruc | TipoDocumentoCliente::SinDocumento
        ) {
            return Err(invalido(
                "cliente_tipo_documento",
                "una exportación identifica al comprador del exterior (pasaporte, carné de extranjería), no con RUC ni como cliente varios",
            ));
        }
    } else if factura {
        // SUNAT 2800: a factura's buyer has a RUC (2017: eleven digits), ours checks the digit.
        if c.cliente_tipo_documento != TipoDocumentoCliente::Ruc {
            return Err(invalido(
                "cliente_tipo_documento",
                format!(
                    "una factura (y sus notas) requiere un comprador con RUC; {} se identifica con {}",
                    c.cliente_razon_social,
                    c.cliente_tipo_documento.codigo()
                ),
            ));
        }
        validar_identidad(
            Pais::Peru,
            TipoDocumentoIdentidad::Ruc,
            &c.cliente_numero_documento,
        )
        .map_err(|e| invalido("cliente_numero_documento", e.mensaje()))?;
    }
    if c.tipo == TipoComprobante::Boleta
        && c.cliente_tipo_documento == TipoDocumentoCliente::SinDocumento
        && en_soles > TOPE_BOLETA_ANONIMA_PEN
    {
        return Err(invalido(
            "cliente_numero_documento",
            format!(
                "una boleta de más de S/ {} (esta es de S/ {}) identifica al comprador con su DNI u otro documento",
                redondear(TOPE_BOLETA_ANONIMA_PEN),
                redondear(en_soles)
            ),
        ));
    }
    if factura && c.cliente_direccion.trim().is_empty() {
        return Err(invalido(
            "cliente_direccion",
            format!(
                "una factura lleva la dirección del comprador; registre la de {}",
                c.cliente_razon_social
            ),
        ));
    }
    if c.cliente_razon_social.trim().is_empty() {
        return Err(invalido(
            "cliente_razon_social",
            "el comprobante no tiene el nombre del comprador",
        ));
    }
    let (tipo_nc, tipo_nd) = match c.tipo {
        TipoComprobante::NotaCredito => {
            let codigo = c.motivo_codigo.as_deref().unwrap_or("");
            let t = tipo_nota_credito(codigo).ok_or_else(|| {
                invalido(
                    "motivo_codigo",
                    format!("'{codigo}' no es un motivo de nota de crédito (catálogo 09: 01 a 13)"),
                )
            })?;
            if t == 13 {
                // Catalog 09 reason 13 changes the dates or amounts of a credit sale's payments:
                // all-zero amounts plus the new instalments. The engine does not issue it yet.
                return Err(invalido(
                    "motivo_codigo",
                    "la nota de crédito por ajuste de montos o fechas de pago (13) aún no se emite",
                ));
            }
            (Some(t), None)
        }
        TipoComprobante::NotaDebito => {
            let codigo = c.motivo_codigo.as_deref().unwrap_or("");
            let t = tipo_nota_debito(codigo).ok_or_else(|| {
                invalido(
                    "motivo_codigo",
                    format!(
                        "'{codigo}' no es un motivo de nota de débito (catálogo 10: 01, 02, 03, 11, 12)"
                    ),
                )
            })?;
            (None, Some(t))
        }
        _ => (None, None),
    };

    let detraccion = match x.detraccion {
        Some(d) => Some(detraccion(c, en_soles, d)?),
        None => None,
    };
    for (i, g) in x.guias.iter().enumerate() {
        validar_guia(i, g)?;
    }
    let cuotas = cuotas(c, &doc, x.cuotas, detraccion.map(|d| d.1))?;

    let no_cero = |d: Decimal| (!d.is_zero()).then_some(d);
    let mut observaciones = String::new();
    if c.tipo.es_nota() && !c.motivo.trim().is_empty() {
        observaciones.push_str(c.motivo.trim());
    }
    if !x.observaciones.trim().is_empty() {
        if !observaciones.is_empty() {
            observaciones.push_str("<br>");
        }
        observaciones.push_str(x.observaciones.trim());
    }
    let s = SolicitudComprobante {
        operacion: GENERAR_COMPROBANTE.into(),
        tipo_de_comprobante: tipo_de_comprobante(c.tipo),
        serie: c.serie.clone(),
        numero: c.numero,
        sunat_transaction: if detraccion.is_some() {
            30
        } else if exportacion {
            2
        } else {
            1
        },
        cliente_tipo_de_documento: tipo_doc.into(),
        cliente_numero_de_documento: if tipo_doc == "-" && c.cliente_numero_documento.is_empty() {
            "-".into()
        } else {
            truncar(&c.cliente_numero_documento, 15)
        },
        cliente_denominacion: truncar(&c.cliente_razon_social, 100),
        cliente_direccion: truncar(&c.cliente_direccion, 100),
        cliente_email: truncar(x.cliente_email.trim(), 250),
        fecha_de_emision: fecha(c.fecha_emision),
        fecha_de_vencimiento: cuotas.last().map(|q| q.fecha_de_pago.clone()),
        moneda: match c.moneda {
            Moneda::Pen => 1,
            Moneda::Usd => 2,
        },
        tipo_de_cambio: (c.moneda != Moneda::Pen)
            .then_some(doc.tipo_de_cambio)
            .flatten()
            .map(|t| t.round_dp(3)),
        porcentaje_de_igv: doc.porcentaje_de_igv,
        descuento_global: no_cero(doc.descuento_global),
        total_descuento: no_cero(doc.total_descuento),
        total_gravada: no_cero(doc.total_gravada),
        total_inafecta: no_cero(doc.total_inafecta),
        total_exonerada: no_cero(doc.total_exonerada),
        total_igv: no_cero(doc.total_igv),
        total_gratuita: no_cero(doc.total_gratuita),
        total_impuestos_bolsas: no_cero(doc.total_impuestos_bolsas),
        total: doc.total,
        detraccion: detraccion.is_some(),
        detraccion_tipo: detraccion.map(|d| d.0.tipo),
        detraccion_total: detraccion.map(|d| d.1),
        detraccion_porcentaje: detraccion.map(|d| d.0.porcentaje),
        medio_de_pago_detraccion: detraccion.map(|d| d.0.medio_de_pago),
        observaciones: truncar(&observaciones, 1000),
        documento_que_se_modifica_tipo: afectado.map(tipo_de_comprobante),
        documento_que_se_modifica_serie: referencia.map(|r| r.serie.clone()),
        documento_que_se_modifica_numero: referencia.map(|r| r.numero),
        tipo_de_nota_de_credito: tipo_nc,
        tipo_de_nota_de_debito: tipo_nd,
        enviar_automaticamente_a_la_sunat: true,
        enviar_automaticamente_al_cliente: !x.cliente_email.trim().is_empty(),
        codigo_unico: c.numero_completo(),
        condiciones_de_pago: if cuotas.is_empty() {
            String::new()
        } else {
            format!("CRÉDITO EN {} CUOTA(S)", cuotas.len())
        },
        placa_vehiculo: truncar(x.placa_vehiculo.trim(), 8),
        orden_compra_servicio: truncar(x.orden_compra_servicio.trim(), 20),
        items: doc.lineas.iter().map(item).collect(),
        guias: x.guias.to_vec(),
        venta_al_credito: cuotas,
    };
    verificar_sumas(&s)?;
    Ok(s)
}

fn item(l: &LineaPeru) -> ItemNubefact {
    ItemNubefact {
        unidad_de_medida: l.unidad_de_medida.clone(),
        codigo: truncar(&l.codigo, 250),
        descripcion: truncar(&l.descripcion, 250),
        cantidad: l.cantidad.normalize(),
        valor_unitario: l.valor_unitario.normalize(),
        precio_unitario: l.precio_unitario.normalize(),
        descuento: (!l.descuento.is_zero()).then_some(l.descuento),
        subtotal: l.subtotal,
        tipo_de_igv: l.tipo_de_igv,
        tipo_de_ivap: l.tipo_de_ivap.map(|t| t.to_string()),
        igv: l.igv,
        impuesto_bolsas: (!l.impuesto_bolsas.is_zero()).then_some(l.impuesto_bolsas),
        total: l.total,
        anticipo_regularizacion: false,
    }
}

/// The detracción and its amount in soles (SUNAT 3208), on the total with IGV.
fn detraccion(c: &Comprobante, en_soles: Decimal, d: Detraccion) -> Result<(Detraccion, Decimal)> {
    if !matches!(c.tipo, TipoComprobante::Factura) {
        return Err(invalido(
            "detraccion",
            "la detracción se indica en facturas",
        ));
    }
    if d.porcentaje <= Decimal::ZERO || d.porcentaje >= Decimal::ONE_HUNDRED {
        return Err(invalido(
            "detraccion.porcentaje",
            format!(
                "el porcentaje de detracción {} no está entre 0 y 100",
                d.porcentaje
            ),
        ));
    }
    if !(1..=99).contains(&d.tipo) {
        return Err(invalido(
            "detraccion.tipo",
            format!(
                "el tipo de detracción {} no existe (índice de Nubefact del catálogo 54, 1 a 99)",
                d.tipo
            ),
        ));
    }
    if !(1..=22).contains(&d.medio_de_pago) {
        return Err(invalido(
            "detraccion.medio_de_pago",
            format!(
                "el medio de pago de la detracción {} no existe (1 = depósito en cuenta … 22 = otros)",
                d.medio_de_pago
            ),
        ));
    }
    if en_soles <= MINIMO_DETRACCION_PEN {
        return Err(invalido(
            "detraccion",
            format!(
                "la detracción aplica a operaciones de más de S/ {}; esta es de S/ {}",
                redondear(MINIMO_DETRACCION_PEN),
                redondear(en_soles)
            ),
        ));
    }
    Ok((d, redondear(en_soles * d.porcentaje / Decimal::ONE_HUNDRED)))
}

fn validar_guia(i: usize, g: &Guia) -> Result<()> {
    let bien = matches!(g.guia_tipo, 1 | 2)
        && g.guia_serie_numero.split_once('-').is_some_and(|(s, n)| {
            s.len() == 4
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && (1..=8).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_digit())
        });
    if bien {
        Ok(())
    } else {
        Err(invalido(
            &format!("guias[{i}]"),
            format!(
                "la guía {} no es válida: tipo 1 (remitente) o 2 (transportista) y serie-número como T001-123",
                crate::entrada::recortar(&g.guia_serie_numero)
            ),
        ))
    }
}

/// A credit sale's instalments: what remains to be paid after the detracción, in the document's
/// currency, falls due on their dates.
fn cuotas(
    c: &Comprobante,
    doc: &DocumentoPeru,
    cuotas: &[Cuota],
    detraccion_soles: Option<Decimal>,
) -> Result<Vec<CuotaNubefact>> {
    if cuotas.is_empty() || c.tipo == TipoComprobante::NotaDebito {
        return Ok(Vec::new());
    }
    let suma: Decimal = cuotas.iter().map(|q| q.importe).sum();
    let detraccion = match (detraccion_soles, c.moneda, doc.tipo_de_cambio) {
        (Some(d), Moneda::Pen, _) => d,
        (Some(d), _, Some(tc)) if tc > Decimal::ZERO => redondear(d / tc),
        _ => Decimal::ZERO,
    };
    if suma > doc.total - detraccion {
        return Err(invalido(
            "cuotas",
            format!(
                "las cuotas suman {suma} y el comprobante deja {} por pagar a crédito",
                doc.total - detraccion
            ),
        ));
    }
    let mut v: Vec<&Cuota> = cuotas.iter().collect();
    v.sort_by_key(|q| (q.fecha_vencimiento, q.numero));
    for q in &v {
        if q.fecha_vencimiento <= c.fecha_emision {
            return Err(invalido(
                "cuotas",
                format!(
                    "la cuota {} vence el {}, no después de la emisión",
                    q.numero,
                    fecha(q.fecha_vencimiento)
                ),
            ));
        }
    }
    Ok(v.iter()
        .enumerate()
        .map(|(i, q)| CuotaNubefact {
            cuota: u32::try_from(i + 1).unwrap_or(u32::MAX),
            fecha_de_pago: fecha(q.fecha_vencimiento),
            importe: q.importe,
        })
        .collect())
}

/// SUNAT's arithmetic checks on a request, as `../shared/reference/peru.md` §2.2 states them:
/// each line's subtotal against quantity × unit value − discount (3271) and its IGV against the
/// subtotal × rate (3103), within one unit; a line's total is its subtotal, IGV and bag tax; the
/// sum of the header's bases against the lines less the global discount (3278) and its IGV
/// against the lines' (3294) within one unit; the bag tax exactly the lines' (3306); the total
/// exactly its parts. A request that fails would be rejected: it is not sent. (How Nubefact
/// states a global discount over taxed and untaxed lines to SUNAT, which 3277 checks on the taxed
/// base alone, is not documented; the engine splits it by each base's share.)
pub fn verificar_sumas(s: &SolicitudComprobante) -> Result<()> {
    // Bounded first, so that no product or sum below can overflow (Nubefact's amounts have at
    // most 12 integer digits).
    if s.items.len() > crate::calculo::MAX_LINEAS {
        return Err(invalido(
            "items",
            format!(
                "el comprobante tiene más de {} líneas",
                crate::calculo::MAX_LINEAS
            ),
        ));
    }
    let tope = Decimal::new(1_000_000_000_000, 0);
    let grande = |d: &Decimal| d.abs() >= tope;
    let importes = [
        Some(s.total),
        Some(s.porcentaje_de_igv),
        s.descuento_global,
        s.total_gravada,
        s.total_exonerada,
        s.total_inafecta,
        s.total_igv,
        s.total_impuestos_bolsas,
    ];
    let lineas = s.items.iter().flat_map(|l| {
        [
            Some(l.cantidad),
            Some(l.valor_unitario),
            Some(l.subtotal),
            Some(l.igv),
            Some(l.total),
            l.descuento,
            l.impuesto_bolsas,
        ]
    });
    if importes
        .into_iter()
        .chain(lineas)
        .flatten()
        .any(|d| grande(&d))
    {
        return Err(invalido(
            "total",
            "un importe del comprobante excede los 12 dígitos enteros que admite SUNAT",
        ));
    }
    let tasa = s.porcentaje_de_igv / Decimal::ONE_HUNDRED;
    let fuera = |a: Decimal, b: Decimal| (a - b).abs() > TOLERANCIA_SUNAT;
    let mut gravada = Decimal::ZERO;
    let mut otras = Decimal::ZERO;
    let mut igv = Decimal::ZERO;
    let mut bolsas = Decimal::ZERO;
    for (i, l) in s.items.iter().enumerate() {
        let campo = |c: &str| format!("items[{i}].{c}");
        let descuento = l.descuento.unwrap_or_default();
        let bolsa = l.impuesto_bolsas.unwrap_or_default();
        let gratuito = es_gratuito(l);
        if fuera(
            l.subtotal,
            redondear(l.cantidad * l.valor_unitario - descuento),
        ) {
            return Err(invalido(
                &campo("subtotal"),
                format!(
                    "línea {}: el subtotal {} no es cantidad × valor unitario − descuento ({} × {} − {}) (SUNAT 3271)",
                    i + 1,
                    l.subtotal,
                    l.cantidad,
                    l.valor_unitario,
                    descuento
                ),
            ));
        }
        let gravado =
            (!gratuito && l.tipo_de_igv == Some(1)) || l.tipo_de_ivap.as_deref() == Some("17");
        let igv_esperado = if gravado {
            l.subtotal * tasa
        } else {
            Decimal::ZERO
        };
        if fuera(l.igv, igv_esperado) || (!gravado && !l.igv.is_zero()) {
            return Err(invalido(
                &campo("igv"),
                format!(
                    "línea {}: el IGV {} no corresponde a {} × {}% (SUNAT 3103)",
                    i + 1,
                    l.igv,
                    l.subtotal,
                    s.porcentaje_de_igv
                ),
            ));
        }
        if !gratuito && !l.cantidad.is_zero() {
            // 3270: the unit price with tax against what the line charges per unit (its
            // discount added back: it is taken from that price). A line of a tiny quantity
            // whose amount rounds to the cent can miss it by more than one sol per unit.
            let factor = if gravado {
                Decimal::ONE + tasa
            } else {
                Decimal::ONE
            };
            let por_unidad = (l.subtotal + l.igv + descuento * factor) / l.cantidad;
            if fuera(l.precio_unitario, por_unidad) {
                return Err(invalido(
                    &campo("cantidad"),
                    format!(
                        "línea {}: {} unidades cobran {} con impuestos, {} por unidad, y el precio unitario es {}; SUNAT lo rechazaría (3270): con cantidades tan pequeñas venda en una unidad de medida menor",
                        i + 1,
                        l.cantidad,
                        l.subtotal + l.igv,
                        por_unidad.round_dp(5),
                        l.precio_unitario
                    ),
                ));
            }
        }
        let total_esperado = if gratuito {
            // A free line's value is not charged; a free bag still pays its tax.
            if bolsa.is_zero() { l.subtotal } else { bolsa }
        } else {
            l.subtotal + l.igv + bolsa
        };
        if l.total != total_esperado {
            return Err(invalido(
                &campo("total"),
                format!(
                    "línea {}: el total {} no es subtotal + IGV + impuesto a la bolsa ({})",
                    i + 1,
                    l.total,
                    total_esperado
                ),
            ));
        }
        if !gratuito {
            if gravado {
                gravada += l.subtotal;
            } else {
                otras += l.subtotal;
            }
            igv += l.igv;
        }
        bolsas += bolsa;
    }
    let cero = Decimal::ZERO;
    let descuento = s.descuento_global.unwrap_or(cero);
    let bases = s.total_gravada.unwrap_or(cero)
        + s.total_exonerada.unwrap_or(cero)
        + s.total_inafecta.unwrap_or(cero);
    if fuera(bases, gravada + otras - descuento) {
        return Err(invalido(
            "total_gravada",
            format!(
                "las bases ({bases}) no son la suma de las líneas menos el descuento global ({}) (SUNAT 3278)",
                gravada + otras - descuento
            ),
        ));
    }
    let total_igv = s.total_igv.unwrap_or(cero);
    let igv_esperado = if descuento.is_zero() {
        igv
    } else {
        s.total_gravada.unwrap_or(cero) * tasa
    };
    if fuera(total_igv, igv_esperado) {
        return Err(invalido(
            "total_igv",
            format!(
                "el IGV total {total_igv} no es el de las líneas ({igv_esperado}) (SUNAT 3294)"
            ),
        ));
    }
    if s.total_impuestos_bolsas.unwrap_or(cero) != bolsas {
        return Err(invalido(
            "total_impuestos_bolsas",
            format!(
                "el impuesto a la bolsa total no es la suma de las líneas ({bolsas}) (SUNAT 3306)"
            ),
        ));
    }
    let total = bases + total_igv + s.total_impuestos_bolsas.unwrap_or(cero);
    if s.total != total {
        return Err(invalido(
            "total",
            format!(
                "el total {} no es bases + IGV + impuesto a la bolsa ({total}) (SUNAT 3280)",
                s.total
            ),
        ));
    }
    if s.items.is_empty() {
        return Err(invalido("items", "el comprobante no tiene líneas"));
    }
    Ok(())
}

/// A free line: Nubefact's `tipo_de_igv` 2–7, 10–15, 17 and 20, or IVAP 101.
fn es_gratuito(l: &ItemNubefact) -> bool {
    matches!(l.tipo_de_igv, Some(2..=7 | 10..=15 | 17 | 20))
        || l.tipo_de_ivap.as_deref() == Some("101")
}

/// An operation on a document Nubefact already has: its type, series and number.
fn documento(operacion: &str, c: &Comprobante) -> SolicitudDocumento {
    SolicitudDocumento {
        operacion: operacion.into(),
        tipo_de_comprobante: tipo_de_comprobante(c.tipo),
        serie: c.serie.clone(),
        numero: c.numero,
        motivo: None,
        codigo_unico: None,
    }
}

/// `consultar_comprobante`: what Nubefact and SUNAT know of a document already sent.
pub fn consultar_comprobante(c: &Comprobante) -> SolicitudDocumento {
    documento(CONSULTAR_COMPROBANTE, c)
}

/// `generar_anulacion` (comunicación de baja) of an accepted comprobante, with the reason.
pub fn generar_anulacion(c: &Comprobante, motivo: &str) -> Result<SolicitudDocumento> {
    let motivo = crate::empresa::texto_requerido("motivo", motivo, 100)?;
    Ok(SolicitudDocumento {
        motivo: Some(motivo),
        codigo_unico: Some(c.numero_completo()),
        ..documento(GENERAR_ANULACION, c)
    })
}

/// `consultar_anulacion`: the state of a comunicación de baja (SUNAT answers by ticket).
pub fn consultar_anulacion(c: &Comprobante) -> SolicitudDocumento {
    documento(CONSULTAR_ANULACION, c)
}

/// Nubefact's answer to any of the four operations, as far as the engine reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RespuestaNubefact {
    pub enlace: Option<String>,
    pub aceptada_por_sunat: Option<bool>,
    pub sunat_description: Option<String>,
    pub sunat_note: Option<String>,
    #[serde(deserialize_with = "texto_o_numero")]
    pub sunat_responsecode: Option<String>,
    pub sunat_soap_error: Option<String>,
    pub sunat_ticket_numero: Option<String>,
    pub anulado: Option<bool>,
    pub cadena_para_codigo_qr: Option<String>,
    pub codigo_hash: Option<String>,
    pub enlace_del_pdf: Option<String>,
    pub enlace_del_xml: Option<String>,
    pub enlace_del_cdr: Option<String>,
    /// The error's text (Nubefact answers `{"errors": "…", "codigo": 20}`).
    pub errors: Option<String>,
    #[serde(deserialize_with = "entero_o_texto")]
    pub codigo: Option<i64>,
}

/// What an answer means for the comprobante.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resultado {
    /// SUNAT accepted it (with observations when `sunat_note` says so: codes 4000 and up).
    Aceptado(RespuestaNubefact),
    /// Nubefact took it; SUNAT has not answered yet (a ticket, or its queue): ask again later.
    EnProceso(RespuestaNubefact),
    /// SUNAT rejected it (codes 1000–3999): it needs a correction, not a resend.
    Rechazado(RespuestaNubefact),
    /// Nubefact already has a document with this number (code 23): consult it, never resend.
    YaExiste(String),
    /// Nubefact does not have it (code 24): it was never received.
    NoExiste(String),
    /// The request or the account is wrong (10, 11, 12, 20, 21, 22, 50, 51): a person must act.
    Permanente { codigo: i64, mensaje: String },
    /// Worth retrying: Nubefact's internal error (40), a 5xx, an unreadable answer.
    Transitorio(String),
}

/// Reads an answer of `generar_comprobante` or `consultar_comprobante` (and of the annulment
/// operations, whose "accepted" means the baja was accepted).
pub fn interpretar(estado_http: u16, cuerpo: &str) -> Resultado {
    let r: RespuestaNubefact = match serde_json::from_str(cuerpo) {
        Ok(r) => r,
        Err(_) if estado_http >= 500 => {
            return Resultado::Transitorio(format!("Nubefact respondió HTTP {estado_http}"));
        }
        // A 4xx page that is not Nubefact's JSON: a wrong RUTA or a proxy; retrying won't help.
        Err(_) if estado_http >= 400 => {
            return Resultado::Permanente {
                codigo: 0,
                mensaje: format!(
                    "Nubefact respondió HTTP {estado_http} sin su formato de error: revise la ruta"
                ),
            };
        }
        Err(e) => {
            return Resultado::Transitorio(format!(
                "la respuesta no es una respuesta de Nubefact legible (HTTP {estado_http}): {e}"
            ));
        }
    };
    if let Some(codigo) = r
        .codigo
        .filter(|_| r.errors.is_some() || estado_http >= 400)
    {
        let mensaje = r.errors.clone().unwrap_or_default();
        return match codigo {
            23 => Resultado::YaExiste(mensaje),
            24 => Resultado::NoExiste(mensaje),
            40 => Resultado::Transitorio(mensaje),
            _ => Resultado::Permanente { codigo, mensaje },
        };
    }
    if estado_http >= 500 {
        return Resultado::Transitorio(format!("Nubefact respondió HTTP {estado_http}"));
    }
    if estado_http >= 400 {
        return Resultado::Permanente {
            codigo: 0,
            mensaje: r
                .errors
                .unwrap_or_else(|| format!("Nubefact respondió HTTP {estado_http}")),
        };
    }
    let codigo_sunat: Option<u32> = r
        .sunat_responsecode
        .as_deref()
        .and_then(|c| c.trim().parse().ok());
    // SUNAT's codes: 0 accepted, 100–999 its service failed (send again), 1000–1999 the
    // document cannot be processed as sent (1032, 1033: already reported), 2000–3999 rejected,
    // 4000 and up accepted with observations.
    // Every answer of Nubefact's carries one of these; without them (`{}`, a proxy's JSON, an
    // error without its code) "SUNAT has not answered yet" would be a guess, and the document
    // would be consulted instead of sent.
    if r.aceptada_por_sunat.is_none()
        && r.sunat_responsecode.is_none()
        && r.sunat_ticket_numero.is_none()
    {
        return Resultado::Transitorio(
            "la respuesta no es una respuesta de Nubefact: no trae aceptada_por_sunat, \
             sunat_responsecode ni sunat_ticket_numero"
                .into(),
        );
    }
    match (r.aceptada_por_sunat, codigo_sunat) {
        (Some(true), _) => Resultado::Aceptado(r),
        (_, Some(1000..=3999)) => Resultado::Rechazado(r),
        (_, Some(100..=999)) => Resultado::Transitorio(format!(
            "SUNAT no procesó el comprobante ({}): {}",
            r.sunat_responsecode.as_deref().unwrap_or(""),
            r.sunat_description.as_deref().unwrap_or("")
        )),
        _ => Resultado::EnProceso(r),
    }
}

fn entero_o_texto<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<i64>, D::Error> {
    Ok(texto_o_numero(d)?.and_then(|t| t.trim().parse().ok()))
}

fn texto_o_numero<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    let v: Option<serde_json::Value> = Option::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// An amount: two decimals, as a string.
mod monto {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::dinero::redondear(*v).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        crate::entrada::decimal(d)
    }
}

mod monto_opcional {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::monto::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        crate::entrada::decimal_opcional(d)
    }
}

/// A quantity, unit value or rate: its own decimals (up to 10), trailing zeros dropped.
mod texto {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.normalize().to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        crate::entrada::decimal(d)
    }
}

mod texto_opcional {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::texto::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        crate::entrada::decimal_opcional(d)
    }
}
