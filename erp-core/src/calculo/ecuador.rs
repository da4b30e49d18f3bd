//! The Ecuadorian computation: IVA by `codigoPorcentaje`, ICE (ad valorem and specific, part of
//! the IVA base as FICHA Tabla 21 says), tips and retenciones, with the SRI's names.
//!
//! Per line (`v` the IVA rate, `a` the ICE ad valorem rate, `e` the specific ICE per unit):
//! - prices without tax: `precioTotalSinImpuesto = round(cantidad × precioUnitario − descuento)`,
//!   `ICE = round(base × a + cantidad × e)`, `IVA = round((base + ICE) × v)`;
//! - prices with tax: the line pays `round(cantidad × precio − descuento)` exactly; the base is
//!   taken back out of it, ICE computed on the base, and IVA is what remains.
//!
//! A global discount is split over the lines in proportion (largest remainder, whole cents) and
//! becomes part of each line's `descuento`: the SRI's `descuentoAdicional` is avoided because its
//! published examples do not add up (reference §9, question 2).
//! Header: `totalConImpuestos` groups the lines' taxes by `codigo` and `codigoPorcentaje`, each
//! the sum of the rounded line values; `importeTotal = totalSinImpuestos + taxes + propina`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::{
    Documento, LineaBase, comprobar_unitario, descuento_global, error_linea, porcentaje_valido,
    prorratear,
};
use crate::dinero::{Moneda, importe_maximo, porcentaje, redondear, redondear_unitario};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::impuestos::ecuador::{
    CODIGO_ICE, CODIGO_IVA, ImpuestoRetenido, TarifaIva, porcentaje_retencion,
};

/// A tax of a line or of the document (`impuesto` / `totalImpuesto`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpuestoEcuador {
    /// `2` IVA, `3` ICE.
    pub codigo: &'static str,
    pub codigo_porcentaje: String,
    /// Percent.
    pub tarifa: Decimal,
    pub base_imponible: Decimal,
    pub valor: Decimal,
}

/// A computed line of an Ecuadorian document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineaEcuador {
    pub numero: u32,
    pub codigo_principal: String,
    pub descripcion: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unidad_medida: Option<String>,
    pub cantidad: Decimal,
    /// Unit price without taxes (6 decimals).
    pub precio_unitario: Decimal,
    /// Line discount (including its share of a global discount), before taxes.
    pub descuento: Decimal,
    pub precio_total_sin_impuesto: Decimal,
    pub impuestos: Vec<ImpuestoEcuador>,
    /// What the line costs the customer, taxes included.
    pub total: Decimal,
}

/// A computed retention.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetencionCalculada {
    /// `1` renta, `2` IVA.
    pub codigo: &'static str,
    pub codigo_retencion: String,
    pub base_imponible: Decimal,
    pub porcentaje_retener: Decimal,
    pub valor_retenido: Decimal,
}

/// A computed Ecuadorian document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentoEcuador {
    #[serde(serialize_with = "entrada::serializar_fecha")]
    pub fecha: time::Date,
    pub moneda: Moneda,
    pub precios_incluyen_impuesto: bool,
    pub lineas: Vec<LineaEcuador>,
    pub total_sin_impuestos: Decimal,
    pub total_descuento: Decimal,
    pub total_con_impuestos: Vec<ImpuestoEcuador>,
    pub propina: Decimal,
    pub importe_total: Decimal,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retenciones: Vec<RetencionCalculada>,
    pub total_retenido: Decimal,
    /// `importeTotal − totalRetenido`: what is paid once the retentions are withheld.
    pub total_a_pagar: Decimal,
}

struct Ice {
    codigo: String,
    ad_valorem: Decimal,
    especifico: Decimal,
}

pub(super) fn calcular(doc: &Documento, bases: &[LineaBase]) -> Result<DocumentoEcuador> {
    let inc = doc.precios_incluyen_impuesto;
    let decimales = 6;
    // The global discount applies to the line amounts the customer sees, rounded to the cent.
    let netos: Vec<Decimal> = bases
        .iter()
        .map(|b| redondear(b.bruto - b.descuento))
        .collect();
    let global = descuento_global(doc, netos.iter().copied().sum())?;
    let partes = prorratear(global, &netos);

    let mut lineas = Vec::with_capacity(doc.lineas.len());
    let mut grupos: BTreeMap<(u8, u32), ImpuestoEcuador> = BTreeMap::new();
    for (i, l) in doc.lineas.iter().enumerate() {
        let iva = l
            .iva
            .unwrap_or(TarifaIva::General)
            .resolver(doc.fecha)
            .map_err(|m| error_linea(Codigo::TasaNoVigente, i, "iva", m))?;
        let v = iva.tarifa / Decimal::ONE_HUNDRED;
        let ice = l.ice.as_ref().map(|ice| validar_ice(i, ice)).transpose()?;
        let a = ice
            .as_ref()
            .map_or(Decimal::ZERO, |x| x.ad_valorem / Decimal::ONE_HUNDRED);
        let e = ice.as_ref().map_or(Decimal::ZERO, |x| x.especifico);
        let descuento_entrada = bases[i].descuento + partes[i];
        let neto = bases[i].bruto - descuento_entrada;
        let ice_especifico = l.cantidad * e;

        let (precio_unitario, descuento, base, valor_ice, valor_iva) = if inc {
            let total = redondear(neto);
            let sin_iva = total / (Decimal::ONE + v);
            if sin_iva < ice_especifico {
                return Err(error_linea(
                    Codigo::PrecioInvalido,
                    i,
                    "precio",
                    format!(
                        "el precio con impuestos no alcanza a cubrir el ICE específico de {} por unidad",
                        e.normalize()
                    ),
                ));
            }
            let mut base = redondear((sin_iva - ice_especifico) / (Decimal::ONE + a));
            let (mut valor_ice, mut valor_iva) = if v.is_zero() {
                (total - base, Decimal::ZERO)
            } else {
                let valor_ice = redondear(base * a + ice_especifico);
                (valor_ice, total - base - valor_ice)
            };
            // At a cent or two the rounded parts can exceed the total; give the cent back so
            // that no tax comes out negative.
            if valor_iva < Decimal::ZERO {
                valor_ice += valor_iva;
                valor_iva = Decimal::ZERO;
            }
            if valor_ice < Decimal::ZERO {
                base += valor_ice;
                valor_ice = Decimal::ZERO;
            }
            let precio = (l.precio / (Decimal::ONE + v) - e) / (Decimal::ONE + a);
            let precio = redondear_unitario(precio.max(Decimal::ZERO), decimales);
            let descuento = redondear(descuento_entrada / (Decimal::ONE + v) / (Decimal::ONE + a));
            let base = redondear(base);
            comprobar_unitario(i, l.cantidad, precio, descuento, base, decimales)?;
            (
                precio,
                descuento,
                base,
                redondear(valor_ice),
                redondear(valor_iva),
            )
        } else {
            let base = redondear(neto);
            let valor_ice = redondear(base * a + ice_especifico);
            let valor_iva = redondear((base + valor_ice) * v);
            (
                redondear_unitario(l.precio, decimales),
                redondear(descuento_entrada),
                base,
                valor_ice,
                valor_iva,
            )
        };

        let mut impuestos = Vec::with_capacity(2);
        if let Some(ice) = &ice {
            impuestos.push(ImpuestoEcuador {
                codigo: CODIGO_ICE,
                codigo_porcentaje: ice.codigo.clone(),
                tarifa: porcentaje(ice.ad_valorem),
                base_imponible: base,
                valor: valor_ice,
            });
        }
        impuestos.push(ImpuestoEcuador {
            codigo: CODIGO_IVA,
            codigo_porcentaje: iva.codigo_porcentaje.to_string(),
            tarifa: porcentaje(iva.tarifa),
            base_imponible: base + valor_ice,
            valor: valor_iva,
        });
        for imp in &impuestos {
            acumular(&mut grupos, imp, i)?;
        }
        lineas.push(LineaEcuador {
            numero: (i + 1) as u32,
            codigo_principal: l.codigo.clone(),
            descripcion: l.descripcion.clone(),
            unidad_medida: l.unidad.clone(),
            cantidad: l.cantidad.normalize(),
            precio_unitario,
            descuento,
            precio_total_sin_impuesto: base,
            impuestos,
            total: base + valor_ice + valor_iva,
        });
    }

    let total_sin_impuestos = redondear(lineas.iter().map(|l| l.precio_total_sin_impuesto).sum());
    let total_descuento = redondear(lineas.iter().map(|l| l.descuento).sum());
    let total_con_impuestos: Vec<ImpuestoEcuador> = grupos.into_values().collect();
    let impuestos: Decimal = total_con_impuestos.iter().map(|t| t.valor).sum();
    let total_iva: Decimal = total_con_impuestos
        .iter()
        .filter(|t| t.codigo == CODIGO_IVA)
        .map(|t| t.valor)
        .sum();
    let propina = validar_propina(doc.propina, total_sin_impuestos)?;
    let importe_total = redondear(total_sin_impuestos + impuestos + propina);
    if importe_total >= importe_maximo() {
        return Err(Error::validacion(
            Codigo::ImporteExcesivo,
            "lineas",
            format!("el importe total {importe_total} excede los 12 dígitos enteros"),
        ));
    }
    let retenciones = calcular_retenciones(doc, total_sin_impuestos, total_iva)?;
    let total_retenido = redondear(retenciones.iter().map(|r| r.valor_retenido).sum());
    Ok(DocumentoEcuador {
        fecha: doc.fecha,
        moneda: Moneda::Usd,
        precios_incluyen_impuesto: inc,
        lineas,
        total_sin_impuestos,
        total_descuento,
        total_con_impuestos,
        propina,
        importe_total,
        retenciones,
        total_retenido,
        total_a_pagar: importe_total - total_retenido,
    })
}

fn acumular(
    grupos: &mut BTreeMap<(u8, u32), ImpuestoEcuador>,
    imp: &ImpuestoEcuador,
    i: usize,
) -> Result<()> {
    let clave = (
        imp.codigo.parse::<u8>().unwrap_or(u8::MAX),
        imp.codigo_porcentaje.parse::<u32>().unwrap_or(u32::MAX),
    );
    match grupos.get_mut(&clave) {
        Some(g) => {
            if g.tarifa != imp.tarifa {
                return Err(error_linea(
                    Codigo::IceInvalido,
                    i,
                    "ice.tarifa",
                    format!(
                        "el ICE {} tiene tarifa {} en otra línea y {} en esta; un código lleva una sola tarifa",
                        imp.codigo_porcentaje, g.tarifa, imp.tarifa
                    ),
                ));
            }
            g.base_imponible += imp.base_imponible;
            g.valor += imp.valor;
        }
        None => {
            grupos.insert(clave, imp.clone());
        }
    }
    Ok(())
}

fn validar_ice(i: usize, ice: &super::IceLinea) -> Result<Ice> {
    let codigo = ice.codigo.trim();
    if !(codigo.len() == 4 && codigo.bytes().all(|b| b.is_ascii_digit())) {
        return Err(error_linea(
            Codigo::IceInvalido,
            i,
            "ice.codigo",
            format!(
                "código de ICE '{}' inválido: son 4 dígitos de la Tabla 18 del SRI (p. ej. 3031)",
                entrada::recortar(codigo)
            ),
        ));
    }
    if ice.tarifa.is_none() && ice.valor_unitario.is_none() {
        return Err(error_linea(
            Codigo::IceInvalido,
            i,
            "ice",
            "indique la tarifa ad valorem del ICE, su valor específico por unidad, o ambos".into(),
        ));
    }
    let ad_valorem = ice.tarifa.unwrap_or_default();
    if ad_valorem < Decimal::ZERO
        || ad_valorem > Decimal::from(300)
        || !entrada::max_decimales(ad_valorem, 4)
    {
        return Err(error_linea(
            Codigo::IceInvalido,
            i,
            "ice.tarifa",
            format!("tarifa de ICE {ad_valorem} inválida: un porcentaje entre 0 y 300"),
        ));
    }
    let especifico = ice.valor_unitario.unwrap_or_default();
    if especifico < Decimal::ZERO
        || !entrada::max_decimales(especifico, 6)
        || !entrada::max_enteros(especifico, 9)
    {
        return Err(error_linea(
            Codigo::IceInvalido,
            i,
            "ice.valor_unitario",
            format!(
                "ICE específico {especifico} inválido: un importe positivo con hasta 6 decimales"
            ),
        ));
    }
    Ok(Ice {
        codigo: codigo.to_string(),
        ad_valorem,
        especifico,
    })
}

fn validar_propina(propina: Option<Decimal>, subtotal: Decimal) -> Result<Decimal> {
    let Some(p) = propina else {
        return Ok(redondear(Decimal::ZERO));
    };
    if p < Decimal::ZERO || !entrada::max_decimales(p, 2) {
        return Err(Error::validacion(
            Codigo::PropinaInvalida,
            "propina",
            format!("la propina {p} debe ser un importe positivo con hasta 2 decimales"),
        ));
    }
    let maximo = redondear(subtotal / Decimal::TEN);
    if p > maximo {
        return Err(Error::validacion(
            Codigo::PropinaInvalida,
            "propina",
            format!("la propina {p} supera el 10 % del subtotal ({maximo})"),
        ));
    }
    Ok(redondear(p))
}

fn calcular_retenciones(
    doc: &Documento,
    total_sin_impuestos: Decimal,
    total_iva: Decimal,
) -> Result<Vec<RetencionCalculada>> {
    let mut out = Vec::with_capacity(doc.retenciones.len());
    for (i, r) in doc.retenciones.iter().enumerate() {
        let campo = |c: &str| format!("retenciones[{i}].{c}");
        let error = |c: &str, m: String| {
            Error::validacion(
                Codigo::RetencionInvalida,
                campo(c),
                format!("retención {}: {m}", i + 1),
            )
        };
        let codigo = r.codigo.trim();
        if codigo.is_empty()
            || codigo.len() > 5
            || !codigo.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(error(
                "codigo",
                format!(
                    "código '{}' inválido: de 1 a 5 caracteres alfanuméricos",
                    entrada::recortar(codigo)
                ),
            ));
        }
        let pct = match r.porcentaje {
            Some(p) if porcentaje_valido(p) => p,
            Some(p) => {
                return Err(error(
                    "porcentaje",
                    format!("porcentaje {p} fuera de 0 a 100"),
                ));
            }
            None => porcentaje_retencion(r.impuesto, codigo, doc.fecha)
                .map_err(|m| error("codigo", m))?,
        };
        let base = match r.base_imponible {
            Some(b) if b >= Decimal::ZERO && entrada::max_decimales(b, 2) => redondear(b),
            Some(b) => {
                return Err(error(
                    "base_imponible",
                    format!("base {b} inválida: un importe positivo con hasta 2 decimales"),
                ));
            }
            None => match r.impuesto {
                ImpuestoRetenido::Renta => total_sin_impuestos,
                ImpuestoRetenido::Iva => redondear(total_iva),
            },
        };
        out.push(RetencionCalculada {
            codigo: r.impuesto.codigo_sri(),
            codigo_retencion: codigo.to_string(),
            base_imponible: base,
            porcentaje_retener: porcentaje(pct),
            valor_retenido: redondear(base * pct / Decimal::ONE_HUNDRED),
        });
    }
    Ok(out)
}
