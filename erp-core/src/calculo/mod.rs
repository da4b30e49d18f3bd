//! `calcular_documento`: the one computation of a commercial document's lines and totals, used by
//! every surface (the server, the command line, the bindings, the sales flow).
//!
//! A [`Documento`] comes in (country, date, currency, prices with or without tax, lines,
//! discounts); a [`DocumentoCalculado`] goes out, with the authority's own field names: Nubefact's
//! for Peru (`total_gravada`, `total_igv`, …), the SRI's for Ecuador (`totalSinImpuestos`,
//! `importeTotal`, …). The conventions, chosen deliberately:
//!
//! - Amounts round half-up to cents at each line (subtotal, tax); header taxes are the sums of the
//!   rounded line taxes, so the document adds up exactly. The one exception is Peru's global
//!   discount, where (as Nubefact's example 7 shows) the lines stay as they are and the header
//!   IGV is recomputed on the discounted base.
//! - With prices that include tax, the line total is exactly `cantidad × precio − descuento`
//!   (rounded to the cent) and the tax is what separates it from its base: the customer pays
//!   exactly what the shelf label says.
//! - Unit values keep 10 decimals in Peru and 6 in Ecuador.

mod ecuador;
mod peru;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::dinero::{Moneda, importe_maximo, redondear};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::impuestos::ecuador::{ImpuestoRetenido, TarifaIva};
use crate::impuestos::peru::AfectacionIgv;
use crate::pais::Pais;

pub use ecuador::{DocumentoEcuador, ImpuestoEcuador, LineaEcuador, RetencionCalculada};
pub use peru::{DocumentoPeru, LineaPeru};

/// Most lines a document may have.
pub const MAX_LINEAS: usize = 5_000;

/// A document to compute.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Documento {
    pub pais: Pais,
    /// Issue date: selects the rates in force.
    #[serde(
        deserialize_with = "entrada::fecha",
        serialize_with = "entrada::serializar_fecha"
    )]
    pub fecha: Date,
    /// PEN or USD in Peru; USD in Ecuador. Defaults to the country's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moneda: Option<Moneda>,
    /// Exchange rate of a foreign-currency document (3 decimals, as Nubefact takes it).
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub tipo_de_cambio: Option<Decimal>,
    /// Whether `precio`, `descuento` and `descuento_global` include the taxes.
    #[serde(default)]
    pub precios_incluyen_impuesto: bool,
    /// Discount on the whole document, an amount on the same basis as the prices.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descuento_global: Option<Decimal>,
    /// Discount on the whole document as a percentage (0–100).
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descuento_global_porcentaje: Option<Decimal>,
    /// Ecuador: tip (propina), at most 10 % of the subtotal.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub propina: Option<Decimal>,
    /// The company's tax settings that change the computation.
    #[serde(default)]
    pub configuracion: ConfiguracionTributaria,
    /// Ecuador: retenciones en la fuente to compute on this document (a purchase, or a sale to a
    /// retention agent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retenciones: Vec<SolicitudRetencion>,
    pub lineas: Vec<Linea>,
}

/// The company settings the tax computation depends on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguracionTributaria {
    /// Peru: the period in which the company is a MYPE restaurant, hotel or lodging under
    /// Ley 31556 and takes the reduced IGV rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mype_restaurante: Option<Periodo>,
}

/// A period, both ends inclusive; no `hasta` means open-ended.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Periodo {
    #[serde(
        deserialize_with = "entrada::fecha",
        serialize_with = "entrada::serializar_fecha"
    )]
    pub desde: Date,
    #[serde(
        default,
        deserialize_with = "entrada::fecha_opcional",
        serialize_with = "entrada::serializar_fecha_opcional"
    )]
    pub hasta: Option<Date>,
}

impl Periodo {
    pub fn cubre(&self, fecha: Date) -> bool {
        fecha >= self.desde && self.hasta.is_none_or(|h| fecha <= h)
    }
}

/// A line of a document to compute.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linea {
    #[serde(default)]
    pub codigo: String,
    #[serde(default)]
    pub descripcion: String,
    /// Peru: unit of SUNAT catalog 03 (`NIU` by default, `ZZ` for services, `KGM`…).
    /// Ecuador: free text (`unidadMedida`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unidad: Option<String>,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    /// Unit price, with or without tax as the document says. For a free line, its referential
    /// value.
    #[serde(deserialize_with = "entrada::decimal")]
    pub precio: Decimal,
    /// Line discount, an amount on the same basis as the price.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descuento: Option<Decimal>,
    /// Line discount as a percentage of `cantidad × precio`.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descuento_porcentaje: Option<Decimal>,
    /// Peru: IGV treatment, SUNAT catalog 07 code (`"10"` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub afectacion_igv: Option<AfectacionIgv>,
    /// Peru: the line is plastic bags subject to ICBPER (`cantidad` bags).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub icbper: bool,
    /// Ecuador: IVA treatment, `"general"` (default) or an SRI `codigoPorcentaje`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iva: Option<TarifaIva>,
    /// Ecuador: ICE on the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ice: Option<IceLinea>,
}

/// ICE of a line: its Tabla 18 code and an ad valorem rate, a specific amount per unit, or both.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceLinea {
    pub codigo: String,
    /// Ad valorem rate, percent of the line's value.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub tarifa: Option<Decimal>,
    /// Specific amount per unit, in USD.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub valor_unitario: Option<Decimal>,
}

/// A retention to compute (Ecuador).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolicitudRetencion {
    pub impuesto: ImpuestoRetenido,
    /// `codigoRetencion`: an ATS code for renta (`"312"`), a Tabla 20 code for IVA (`"1"`).
    pub codigo: String,
    /// Percentage; required for a renta code the engine's table lacks, else taken from it.
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub porcentaje: Option<Decimal>,
    /// Base; by default the subtotal without IVA (renta) or the IVA of the document (IVA).
    #[serde(
        default,
        deserialize_with = "entrada::decimal_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_imponible: Option<Decimal>,
}

/// A computed document, tagged by country (`"pais": "PE"` or `"EC"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "pais")]
pub enum DocumentoCalculado {
    #[serde(rename = "PE")]
    Peru(DocumentoPeru),
    #[serde(rename = "EC")]
    Ecuador(DocumentoEcuador),
}

impl DocumentoCalculado {
    /// What the customer pays: Peru's `total`, Ecuador's `importeTotal`.
    pub fn total(&self) -> Decimal {
        match self {
            Self::Peru(d) => d.total,
            Self::Ecuador(d) => d.importe_total,
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings, decimals and vectors cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Computes a document.
pub fn calcular_documento(doc: &Documento) -> Result<DocumentoCalculado> {
    let bases = validar_comun(doc)?;
    match doc.pais {
        Pais::Peru => peru::calcular(doc, &bases).map(DocumentoCalculado::Peru),
        Pais::Ecuador => ecuador::calcular(doc, &bases).map(DocumentoCalculado::Ecuador),
    }
}

/// Computes a document given as JSON and returns the computed document as JSON: the form every
/// binding and the command line use, so that all of them print the same bytes.
pub fn calcular_documento_json(json: &str) -> Result<String> {
    let doc: Documento = entrada::desde_json(json)?;
    calcular_documento(&doc).map(|c| c.to_json())
}

/// What the common validation leaves for each line: the exact gross amount and the line
/// discount, both on the basis the prices were entered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineaBase {
    pub bruto: Decimal,
    pub descuento: Decimal,
}

pub(crate) fn error_linea(codigo: Codigo, i: usize, campo: &str, mensaje: String) -> Error {
    Error::validacion(
        codigo,
        format!("lineas[{i}].{campo}"),
        format!("línea {}: {mensaje}", i + 1),
    )
}

fn validar_comun(doc: &Documento) -> Result<Vec<LineaBase>> {
    if doc.lineas.is_empty() {
        return Err(Error::validacion(
            Codigo::DocumentoSinLineas,
            "lineas",
            "el documento no tiene líneas",
        ));
    }
    if doc.lineas.len() > MAX_LINEAS {
        return Err(Error::validacion(
            Codigo::DocumentoDemasiadoGrande,
            "lineas",
            format!(
                "el documento tiene {} líneas; el máximo es {MAX_LINEAS}",
                doc.lineas.len()
            ),
        ));
    }
    let moneda = doc.moneda.unwrap_or(Moneda::por_defecto(doc.pais));
    if !moneda.admitida_en(doc.pais) {
        return Err(Error::validacion(
            Codigo::MonedaInvalida,
            "moneda",
            format!(
                "un documento de Ecuador se emite en USD, no en {}",
                moneda.codigo()
            ),
        ));
    }
    if let Some(tc) = doc.tipo_de_cambio {
        if doc.pais == Pais::Ecuador || moneda == Moneda::Pen {
            return Err(Error::validacion(
                Codigo::TipoDeCambioInvalido,
                "tipo_de_cambio",
                "el tipo de cambio solo aplica a documentos de Perú en moneda extranjera",
            ));
        }
        if !entrada::tipo_de_cambio_valido(tc) {
            return Err(Error::validacion(
                Codigo::TipoDeCambioInvalido,
                "tipo_de_cambio",
                format!(
                    "tipo de cambio {tc} inválido: debe ser positivo y tener hasta 3 decimales"
                ),
            ));
        }
    }
    validar_descuento_global(doc)?;
    validar_campos_de_pais(doc)?;

    let decimales = doc.pais.decimales_unitarios();
    let (max_codigo, max_descripcion) = match doc.pais {
        Pais::Peru => (250, 250),
        Pais::Ecuador => (25, 300),
    };
    let mut bases = Vec::with_capacity(doc.lineas.len());
    for (i, l) in doc.lineas.iter().enumerate() {
        validar_texto(i, "codigo", &l.codigo, max_codigo)?;
        validar_texto(i, "descripcion", &l.descripcion, max_descripcion)?;
        if let Some(u) = &l.unidad {
            validar_texto(i, "unidad", u, 50)?;
        }
        if l.cantidad <= Decimal::ZERO {
            return Err(error_linea(
                Codigo::CantidadInvalida,
                i,
                "cantidad",
                format!(
                    "la cantidad debe ser mayor que cero (se recibió {})",
                    l.cantidad
                ),
            ));
        }
        validar_numero(
            i,
            "cantidad",
            l.cantidad,
            decimales,
            Codigo::CantidadInvalida,
        )?;
        if l.precio < Decimal::ZERO {
            return Err(error_linea(
                Codigo::PrecioInvalido,
                i,
                "precio",
                format!("el precio no puede ser negativo (se recibió {})", l.precio),
            ));
        }
        validar_numero(i, "precio", l.precio, decimales, Codigo::PrecioInvalido)?;
        let bruto = multiplicar_exacto(l.cantidad, l.precio).ok_or_else(|| {
            error_linea(
                Codigo::PrecisionExcedida,
                i,
                "precio",
                "cantidad × precio excede la precisión que el motor calcula exactamente".into(),
            )
        })?;
        if bruto >= importe_maximo() {
            return Err(error_linea(
                Codigo::ImporteExcesivo,
                i,
                "precio",
                format!(
                    "el importe {bruto} excede los 12 dígitos enteros que admite la SUNAT/el SRI"
                ),
            ));
        }
        let descuento = match (l.descuento, l.descuento_porcentaje) {
            (Some(_), Some(_)) => {
                return Err(error_linea(
                    Codigo::DescuentoInvalido,
                    i,
                    "descuento",
                    "indique descuento o descuento_porcentaje, no ambos".into(),
                ));
            }
            (Some(d), None) => {
                if d < Decimal::ZERO || !entrada::max_decimales(d, 2) {
                    return Err(error_linea(
                        Codigo::DescuentoInvalido,
                        i,
                        "descuento",
                        format!(
                            "el descuento {d} debe ser un importe positivo con hasta 2 decimales"
                        ),
                    ));
                }
                d
            }
            (None, Some(p)) => {
                if !porcentaje_valido(p) {
                    return Err(error_linea(
                        Codigo::DescuentoInvalido,
                        i,
                        "descuento_porcentaje",
                        format!("el porcentaje de descuento {p} debe estar entre 0 y 100"),
                    ));
                }
                redondear(bruto * p / Decimal::ONE_HUNDRED)
            }
            (None, None) => Decimal::ZERO,
        };
        if descuento > bruto {
            return Err(error_linea(
                Codigo::DescuentoInvalido,
                i,
                "descuento",
                format!("el descuento {descuento} supera el importe de la línea {bruto}"),
            ));
        }
        bases.push(LineaBase { bruto, descuento });
    }
    Ok(bases)
}

fn validar_descuento_global(doc: &Documento) -> Result<()> {
    match (doc.descuento_global, doc.descuento_global_porcentaje) {
        (Some(_), Some(_)) => Err(Error::validacion(
            Codigo::DescuentoInvalido,
            "descuento_global",
            "indique descuento_global o descuento_global_porcentaje, no ambos",
        )),
        (Some(d), None) if d < Decimal::ZERO || !entrada::max_decimales(d, 2) => {
            Err(Error::validacion(
                Codigo::DescuentoInvalido,
                "descuento_global",
                format!(
                    "el descuento global {d} debe ser un importe positivo con hasta 2 decimales"
                ),
            ))
        }
        (None, Some(p)) if !porcentaje_valido(p) => Err(Error::validacion(
            Codigo::DescuentoInvalido,
            "descuento_global_porcentaje",
            format!("el porcentaje de descuento global {p} debe estar entre 0 y 100"),
        )),
        _ => Ok(()),
    }
}

/// The amount of the global discount, given the total it applies to (on the entered basis).
pub(crate) fn descuento_global(doc: &Documento, sobre: Decimal) -> Result<Decimal> {
    let d = match (doc.descuento_global, doc.descuento_global_porcentaje) {
        (Some(d), _) => d,
        (None, Some(p)) => redondear(sobre * p / Decimal::ONE_HUNDRED),
        (None, None) => return Ok(redondear(Decimal::ZERO)),
    };
    if d > sobre {
        return Err(Error::validacion(
            Codigo::DescuentoInvalido,
            "descuento_global",
            format!("el descuento global {d} supera el importe sobre el que se aplica ({sobre})"),
        ));
    }
    Ok(redondear(d))
}

fn validar_campos_de_pais(doc: &Documento) -> Result<()> {
    let no_aplica = |campo: String, pais: &str| {
        Error::validacion(
            Codigo::CampoNoAplica,
            campo.clone(),
            format!("{campo} solo aplica a documentos de {pais}"),
        )
    };
    match doc.pais {
        Pais::Peru => {
            if doc.propina.is_some() {
                return Err(no_aplica("propina".into(), "Ecuador"));
            }
            if !doc.retenciones.is_empty() {
                return Err(no_aplica("retenciones".into(), "Ecuador"));
            }
            for (i, l) in doc.lineas.iter().enumerate() {
                if l.iva.is_some() {
                    return Err(no_aplica(format!("lineas[{i}].iva"), "Ecuador"));
                }
                if l.ice.is_some() {
                    return Err(no_aplica(format!("lineas[{i}].ice"), "Ecuador"));
                }
            }
        }
        Pais::Ecuador => {
            if doc.configuracion.mype_restaurante.is_some() {
                return Err(no_aplica("configuracion.mype_restaurante".into(), "Perú"));
            }
            for (i, l) in doc.lineas.iter().enumerate() {
                if l.afectacion_igv.is_some() {
                    return Err(no_aplica(format!("lineas[{i}].afectacion_igv"), "Perú"));
                }
                if l.icbper {
                    return Err(no_aplica(format!("lineas[{i}].icbper"), "Perú"));
                }
            }
        }
    }
    Ok(())
}

fn validar_texto(i: usize, campo: &str, valor: &str, max: usize) -> Result<()> {
    let largo = valor.chars().count();
    if largo > max {
        return Err(error_linea(
            Codigo::TextoDemasiadoLargo,
            i,
            campo,
            format!("{campo} tiene {largo} caracteres; el máximo es {max}"),
        ));
    }
    Ok(())
}

fn validar_numero(i: usize, campo: &str, v: Decimal, decimales: u32, codigo: Codigo) -> Result<()> {
    if !entrada::max_decimales(v, decimales) {
        return Err(error_linea(
            codigo,
            i,
            campo,
            format!("{campo} {v} tiene más de {decimales} decimales"),
        ));
    }
    if !entrada::max_enteros(v, 12) {
        return Err(error_linea(
            Codigo::ImporteExcesivo,
            i,
            campo,
            format!("{campo} {v} excede los 12 dígitos enteros"),
        ));
    }
    Ok(())
}

/// With tax-included prices the unit value is derived, and the authority checks that
/// `cantidad × valor unitario − descuento` matches the line's base within ±1.00 (SUNAT 3271; the
/// SRI publishes no tolerance, so the same one is used). Beyond it the document would be rejected:
/// refuse it here, with the way out.
pub(crate) fn comprobar_unitario(
    i: usize,
    cantidad: Decimal,
    unitario: Decimal,
    descuento: Decimal,
    base: Decimal,
    decimales: u32,
) -> Result<()> {
    let diferencia = (cantidad * unitario - descuento - base).abs();
    if diferencia > Decimal::ONE {
        return Err(error_linea(
            Codigo::PrecisionExcedida,
            i,
            "cantidad",
            format!(
                "con precios que incluyen impuestos, el valor unitario sin impuestos de {decimales} \
                 decimales no reproduce el importe de {} unidades (diferencia {}); registre esta \
                 línea con precio sin impuestos",
                cantidad.normalize(),
                redondear(diferencia)
            ),
        ));
    }
    Ok(())
}

pub(crate) fn porcentaje_valido(p: Decimal) -> bool {
    p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED && entrada::max_decimales(p, 6)
}

/// `a × b` when it can be computed without rounding, else `None`.
pub(crate) fn multiplicar_exacto(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (a, b) = (a.normalize(), b.normalize());
    let escala = a.scale() + b.scale();
    if escala > 28 {
        return None;
    }
    let p = a.checked_mul(b)?;
    // rust_decimal keeps the full scale when the product fits; a smaller scale means it rounded.
    (p.scale() == escala || p.is_zero()).then_some(p)
}

/// Splits `total` (cents) over `pesos` in proportion, by the largest-remainder method, so that
/// the shares are whole cents and add up to `total` exactly. Zero weights get nothing.
pub(crate) fn prorratear(total: Decimal, pesos: &[Decimal]) -> Vec<Decimal> {
    let suma: Decimal = pesos.iter().copied().filter(|p| *p > Decimal::ZERO).sum();
    if suma.is_zero() || total.is_zero() {
        return vec![Decimal::ZERO; pesos.len()];
    }
    let centimo = Decimal::new(1, 2);
    let mut partes = Vec::with_capacity(pesos.len());
    let mut restos = Vec::with_capacity(pesos.len());
    for (i, p) in pesos.iter().enumerate() {
        if *p <= Decimal::ZERO {
            partes.push(Decimal::ZERO);
            continue;
        }
        let exacta = total * *p / suma;
        let mut piso = exacta.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
        piso.rescale(2);
        restos.push((exacta - piso, i));
        partes.push(piso);
    }
    let asignado: Decimal = partes.iter().copied().sum();
    let mut faltan = ((total - asignado) / centimo).round();
    // Largest remainder first; ties go to the earlier line, so the split is deterministic.
    restos.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in restos {
        if faltan <= Decimal::ZERO {
            break;
        }
        partes[i] += centimo;
        faltan -= Decimal::ONE;
    }
    partes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn producto_exacto() {
        assert_eq!(
            multiplicar_exacto(d("3"), d("0.3333")).unwrap(),
            d("0.9999")
        );
        assert_eq!(multiplicar_exacto(d("1.5"), d("2.0")).unwrap(), d("3"));
        assert!(
            multiplicar_exacto(d("999999999999.9999999999"), d("999999999999.9999999999"))
                .is_none()
        );
    }

    #[test]
    fn prorrateo_suma_exacta() {
        let partes = prorratear(d("10.00"), &[d("1"), d("1"), d("1")]);
        assert_eq!(partes, vec![d("3.34"), d("3.33"), d("3.33")]);
        let partes = prorratear(d("0.05"), &[d("0"), d("2"), d("3")]);
        assert_eq!(partes.iter().copied().sum::<Decimal>(), d("0.05"));
        assert_eq!(partes[0], Decimal::ZERO);
        assert_eq!(prorratear(d("1.00"), &[d("0")]), vec![Decimal::ZERO]);
    }
}
