//! The Peruvian computation: IGV (or IVAP), free transfers, exports, ICBPER and discounts, with
//! Nubefact's names.
//!
//! Per line (`r` is the document's rate):
//! - prices without IGV: `subtotal = round(cantidad × valor_unitario − descuento)`,
//!   `igv = round(subtotal × r)`, `precio_unitario = valor_unitario × (1 + r)`;
//! - prices with IGV: the line pays `round(cantidad × precio_unitario − descuento)` exactly,
//!   `subtotal = round(that ÷ (1 + r))` and `igv` is the difference;
//! - free lines (catalog 07 codes 11–16, 21, 31–37): `precio_unitario = valor_unitario`,
//!   `igv = 0`, their value goes to `total_gratuita` (without IGV, as in Nubefact's example 5)
//!   and the referential IGV SUNAT needs (tax 9996) to `igv_gratuito`;
//! - `total = subtotal + igv + impuesto_bolsas`; for a free line `total = subtotal`, or its bag
//!   tax alone when it is a free bag (Nubefact's example 24).
//!
//! Header: the sums of the lines. With a global discount, the discount is split over the
//! gravada, exonerada, inafecta and export bases in proportion, the lines are left as they are,
//! and `total_igv` is recomputed on the discounted taxed base (Nubefact's example 7).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Documento, LineaBase, comprobar_unitario, descuento_global, error_linea, prorratear};
use crate::dinero::{
    Moneda, importe_maximo, porcentaje_dos_decimales, redondear, redondear_unitario,
};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::impuestos::peru::{
    AfectacionIgv, GrupoIgv, ICBPER, IGV_GENERAL, IGV_MYPE_RESTAURANTES, IVAP,
};
use crate::impuestos::vigente;

/// A computed line of a Peruvian document.
/// Also read back from a stored comprobante, to build its e-invoicing request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineaPeru {
    pub numero: u32,
    pub codigo: String,
    pub descripcion: String,
    pub unidad_de_medida: String,
    pub cantidad: Decimal,
    /// Unit value without IGV (10 decimals).
    pub valor_unitario: Decimal,
    /// Unit price with IGV (10 decimals); equals `valor_unitario` on untaxed and free lines.
    pub precio_unitario: Decimal,
    /// Line discount before taxes.
    pub descuento: Decimal,
    pub subtotal: Decimal,
    /// SUNAT catalog 07 code.
    pub afectacion_igv: AfectacionIgv,
    /// Nubefact's `tipo_de_igv`; absent on IVAP lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_igv: Option<u8>,
    /// Nubefact's `tipo_de_ivap` (17) on IVAP lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_ivap: Option<u8>,
    pub igv: Decimal,
    /// Referential IGV of a free taxed line (SUNAT tax 9996); zero otherwise.
    pub igv_gratuito: Decimal,
    pub impuesto_bolsas: Decimal,
    pub total: Decimal,
}

/// A computed Peruvian document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentoPeru {
    #[serde(
        serialize_with = "entrada::serializar_fecha",
        deserialize_with = "entrada::fecha"
    )]
    pub fecha: time::Date,
    pub moneda: Moneda,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_de_cambio: Option<Decimal>,
    pub precios_incluyen_impuesto: bool,
    /// `18.00`, the MYPE rate, or `4.00` for IVAP.
    pub porcentaje_de_igv: Decimal,
    pub lineas: Vec<LineaPeru>,
    /// Global discount before taxes.
    pub descuento_global: Decimal,
    /// Line discounts plus the global discount, before taxes.
    pub total_descuento: Decimal,
    pub total_gravada: Decimal,
    pub total_exonerada: Decimal,
    /// Includes exports, as Nubefact expects.
    pub total_inafecta: Decimal,
    /// The export part of `total_inafecta` (SUNAT tax 9995), for reports.
    pub total_exportacion: Decimal,
    pub total_gratuita: Decimal,
    pub total_igv: Decimal,
    pub total_igv_gratuito: Decimal,
    pub total_impuestos_bolsas: Decimal,
    pub total: Decimal,
}

pub(super) fn calcular(doc: &Documento, bases: &[LineaBase]) -> Result<DocumentoPeru> {
    let afectaciones: Vec<AfectacionIgv> = doc
        .lineas
        .iter()
        .map(|l| l.afectacion_igv.unwrap_or(AfectacionIgv::GravadoOneroso))
        .collect();
    let tasa = tasa_del_documento(doc, &afectaciones)?;
    let r = tasa / Decimal::ONE_HUNDRED;
    let uno_r = Decimal::ONE + r;
    let inc = doc.precios_incluyen_impuesto;
    let decimales = 10;

    let icbper = if doc.lineas.iter().any(|l| l.icbper) {
        let i = doc.lineas.iter().position(|l| l.icbper).unwrap_or(0);
        Some(vigente(ICBPER, doc.fecha).ok_or_else(|| {
            error_linea(
                Codigo::TasaNoVigente,
                i,
                "icbper",
                format!(
                    "el ICBPER rige desde el 01/08/2019; no aplica al {}",
                    entrada::formatear_fecha(doc.fecha)
                ),
            )
        })?)
    } else {
        None
    };

    let mut lineas = Vec::with_capacity(doc.lineas.len());
    for (i, (l, (base, afectacion))) in doc
        .lineas
        .iter()
        .zip(bases.iter().zip(afectaciones.iter().copied()))
        .enumerate()
    {
        let unidad = match &l.unidad {
            Some(u) => {
                let u = u.trim().to_ascii_uppercase();
                if !(2..=5).contains(&u.len()) || !u.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(error_linea(
                        Codigo::ValorNoPermitido,
                        i,
                        "unidad",
                        format!(
                            "unidad '{}' inválida: use un código del catálogo 03 de SUNAT (NIU, ZZ, KGM…)",
                            entrada::recortar(&u)
                        ),
                    ));
                }
                u
            }
            None => "NIU".to_string(),
        };
        let grupo = afectacion.grupo();
        let impuesto_bolsas = match (l.icbper, icbper) {
            (true, Some(por_bolsa)) => {
                if !l.cantidad.fract().is_zero() {
                    return Err(error_linea(
                        Codigo::CantidadInvalida,
                        i,
                        "cantidad",
                        format!(
                            "una línea con ICBPER cuenta bolsas: la cantidad debe ser entera (se recibió {})",
                            l.cantidad
                        ),
                    ));
                }
                redondear(l.cantidad * por_bolsa)
            }
            _ => redondear(Decimal::ZERO),
        };
        if grupo == GrupoIgv::Gratuito && !base.descuento.is_zero() {
            return Err(error_linea(
                Codigo::DescuentoInvalido,
                i,
                "descuento",
                "una línea gratuita no admite descuento".into(),
            ));
        }
        let neto = base.bruto - base.descuento;
        let cero = redondear(Decimal::ZERO);
        let (valor_unitario, precio_unitario, descuento, subtotal, igv, igv_gratuito) = match grupo
        {
            GrupoIgv::Gravado if inc => {
                let total = redondear(neto);
                let subtotal = redondear(total / uno_r);
                (
                    redondear_unitario(l.precio / uno_r, decimales),
                    redondear_unitario(l.precio, decimales),
                    redondear(base.descuento / uno_r),
                    subtotal,
                    total - subtotal,
                    cero,
                )
            }
            GrupoIgv::Gravado => {
                let subtotal = redondear(neto);
                (
                    redondear_unitario(l.precio, decimales),
                    redondear_unitario(l.precio * uno_r, decimales),
                    redondear(base.descuento),
                    subtotal,
                    redondear(subtotal * r),
                    cero,
                )
            }
            GrupoIgv::Gratuito if afectacion.gratuito_gravado() => {
                // The referential value is entered like any price of the document.
                let (valor, subtotal, igv_ref) = if inc {
                    let referencial = redondear(neto);
                    let subtotal = redondear(referencial / uno_r);
                    (l.precio / uno_r, subtotal, referencial - subtotal)
                } else {
                    let subtotal = redondear(neto);
                    (l.precio, subtotal, redondear(subtotal * r))
                };
                let valor = redondear_unitario(valor, decimales);
                (valor, valor, cero, subtotal, cero, igv_ref)
            }
            GrupoIgv::Exonerado
            | GrupoIgv::Inafecto
            | GrupoIgv::Exportacion
            | GrupoIgv::Gratuito => {
                let valor = redondear_unitario(l.precio, decimales);
                (
                    valor,
                    valor,
                    redondear(base.descuento),
                    redondear(neto),
                    cero,
                    cero,
                )
            }
        };
        if inc {
            comprobar_unitario(
                i,
                l.cantidad,
                valor_unitario,
                descuento,
                subtotal,
                decimales,
            )?;
        }
        let total = match grupo {
            GrupoIgv::Gratuito if l.icbper => impuesto_bolsas,
            GrupoIgv::Gratuito => subtotal,
            _ => subtotal + igv + impuesto_bolsas,
        };
        lineas.push(LineaPeru {
            numero: (i + 1) as u32,
            codigo: l.codigo.clone(),
            descripcion: l.descripcion.clone(),
            unidad_de_medida: unidad,
            cantidad: l.cantidad.normalize(),
            valor_unitario,
            precio_unitario,
            descuento,
            subtotal,
            afectacion_igv: afectacion,
            tipo_de_igv: afectacion.tipo_de_igv_nubefact(),
            tipo_de_ivap: afectacion.es_ivap().then_some(17),
            igv,
            igv_gratuito,
            impuesto_bolsas,
            total,
        });
    }

    let suma = |f: &dyn Fn(&LineaPeru) -> Option<Decimal>| -> Decimal {
        redondear(lineas.iter().filter_map(f).sum())
    };
    let de_grupo =
        |g: GrupoIgv| move |l: &LineaPeru| (l.afectacion_igv.grupo() == g).then_some(l.subtotal);
    let base_gravada = suma(&de_grupo(GrupoIgv::Gravado));
    let base_exonerada = suma(&de_grupo(GrupoIgv::Exonerado));
    let base_inafecta = suma(&de_grupo(GrupoIgv::Inafecto));
    let base_exportacion = suma(&de_grupo(GrupoIgv::Exportacion));
    let total_gratuita = suma(&de_grupo(GrupoIgv::Gratuito));
    let igv_lineas = suma(&|l| Some(l.igv));
    let total_igv_gratuito = suma(&|l| Some(l.igv_gratuito));
    let total_impuestos_bolsas = suma(&|l| Some(l.impuesto_bolsas));
    let descuentos_lineas = suma(&|l| Some(l.descuento));

    let gravada_con_igv = base_gravada + igv_lineas;
    let pesos = if inc {
        [
            gravada_con_igv,
            base_exonerada,
            base_inafecta,
            base_exportacion,
        ]
    } else {
        [
            base_gravada,
            base_exonerada,
            base_inafecta,
            base_exportacion,
        ]
    };
    let descuento = descuento_global(doc, pesos.iter().copied().sum())?;
    let (total_gravada, total_igv, exonerada, inafecta, exportacion, descuento_global) =
        if descuento.is_zero() {
            (
                base_gravada,
                igv_lineas,
                base_exonerada,
                base_inafecta,
                base_exportacion,
                descuento,
            )
        } else {
            let partes = prorratear(descuento, &pesos);
            let (gravada, igv) = if inc {
                let con_igv = gravada_con_igv - partes[0];
                let gravada = redondear(con_igv / uno_r);
                (gravada, con_igv - gravada)
            } else {
                let gravada = base_gravada - partes[0];
                (gravada, redondear(gravada * r))
            };
            let sin_igv = (base_gravada - gravada) + partes[1] + partes[2] + partes[3];
            (
                gravada,
                igv,
                base_exonerada - partes[1],
                base_inafecta - partes[2],
                base_exportacion - partes[3],
                redondear(sin_igv),
            )
        };
    let total_inafecta = inafecta + exportacion;
    let total = total_gravada + exonerada + total_inafecta + total_igv + total_impuestos_bolsas;
    if total >= importe_maximo() || total_gratuita >= importe_maximo() {
        return Err(Error::validacion(
            Codigo::ImporteExcesivo,
            "lineas",
            format!("el total {total} excede los 12 dígitos enteros que admite la SUNAT"),
        ));
    }
    Ok(DocumentoPeru {
        fecha: doc.fecha,
        moneda: doc.moneda.unwrap_or(Moneda::Pen),
        tipo_de_cambio: doc.tipo_de_cambio.map(|t| {
            let mut t = t;
            t.rescale(3);
            t
        }),
        precios_incluyen_impuesto: inc,
        porcentaje_de_igv: porcentaje_dos_decimales(tasa),
        lineas,
        descuento_global,
        total_descuento: redondear(descuentos_lineas + descuento_global),
        total_gravada,
        total_exonerada: exonerada,
        total_inafecta,
        total_exportacion: exportacion,
        total_gratuita,
        total_igv,
        total_igv_gratuito,
        total_impuestos_bolsas,
        total,
    })
}

/// The IGV (or IVAP) rate of the document, percent, for its date and the company's regime.
fn tasa_del_documento(doc: &Documento, afectaciones: &[AfectacionIgv]) -> Result<Decimal> {
    let fecha = entrada::formatear_fecha(doc.fecha);
    let ivap = afectaciones.iter().position(|a| a.es_ivap());
    let igv = afectaciones
        .iter()
        .position(|a| a.grupo() == GrupoIgv::Gravado && !a.es_ivap() || a.gratuito_gravado());
    if let (Some(_), Some(j)) = (ivap, igv) {
        return Err(error_linea(
            Codigo::AfectacionInvalida,
            j,
            "afectacion_igv",
            "un documento con IVAP (17) no puede tener líneas con IGV: Nubefact admite un solo \
             porcentaje por comprobante; emita documentos separados"
                .into(),
        ));
    }
    if ivap.is_some() {
        return vigente(IVAP, doc.fecha).ok_or_else(|| {
            Error::validacion(
                Codigo::TasaNoVigente,
                "fecha",
                format!("no hay tasa de IVAP registrada para el {fecha}"),
            )
        });
    }
    match doc.configuracion.mype_restaurante {
        Some(periodo) if periodo.cubre(doc.fecha) => {
            vigente(IGV_MYPE_RESTAURANTES, doc.fecha).ok_or_else(|| {
                Error::validacion(
                    Codigo::TasaNoVigente,
                    "configuracion.mype_restaurante",
                    format!(
                        "la tasa reducida de IGV para MYPE de restaurantes y hoteles (Ley 31556) no \
                         tiene tasa registrada para el {fecha}: rige del 01/09/2022 al 31/12/2026"
                    ),
                )
            })
        }
        _ => vigente(IGV_GENERAL, doc.fecha).ok_or_else(|| {
            Error::validacion(
                Codigo::TasaNoVigente,
                "fecha",
                format!("no hay tasa de IGV registrada para el {fecha}: el motor cubre desde el 01/03/2011"),
            )
        }),
    }
}
