//! Ecuador: IVA rates with the SRI's `codigoPorcentaje` (FICHA técnica v2.32, Tabla 17), ICE,
//! and the codes and percentages of retenciones en la fuente (Tablas 19 and 20, and the ATS
//! catalogue as Odoo's `l10n_ec` carries it).
//!
//! Dates (see `shared/reference/ecuador.md`): 12 % until 31/05/2016; 14 % from 01/06/2016 to
//! 31/05/2017 (Ley Orgánica de Solidaridad); 12 % again until 31/03/2024; 15 % since 01/04/2024
//! (Decreto Ejecutivo 198), together with the 5 % rate for the closed list of construction
//! materials. 13 % (code 10) is in the SRI table but was never in force: Decreto 198 chose 15 %.
//! The tables start on 01/01/2012, the start of the SRI's electronic era; older dates are refused.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::date;

use super::{TasaFechada, Vigencia, vigente};

/// SRI tax codes (`<codigo>`, Tabla 16).
pub const CODIGO_IVA: &str = "2";
pub const CODIGO_ICE: &str = "3";

/// First date the Ecuadorian tables cover.
pub const INICIO_TABLAS: Date = date!(2012 - 01 - 01);

/// The IVA treatment of a line, as the user states it: the general rate of the date
/// (`"general"`), or an SRI `codigoPorcentaje` (`"0"`, `"5"`, `"6"`…, also as a number);
/// `"no_objeto"`, `"exento"` and `"diferenciado"` name codes 6, 7 and 8.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub enum TarifaIva {
    /// The general rate in force on the document's date (12 %, 14 % or 15 %).
    #[default]
    #[serde(rename = "general")]
    General,
    #[serde(rename = "0")]
    Cero,
    #[serde(rename = "2")]
    Doce,
    #[serde(rename = "3")]
    Catorce,
    #[serde(rename = "4")]
    Quince,
    #[serde(rename = "5")]
    Cinco,
    #[serde(rename = "6")]
    NoObjeto,
    #[serde(rename = "7")]
    Exento,
    #[serde(rename = "8")]
    Diferenciado,
    #[serde(rename = "10")]
    Trece,
}

impl<'de> Deserialize<'de> for TarifaIva {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::entrada::codigo_de_catalogo(
            d,
            Self::desde_codigo,
            "general, 0, 2, 3, 4, 5, 6 (no_objeto), 7 (exento), 8 (diferenciado), 10",
        )
    }
}

impl TarifaIva {
    /// The code as stored and as the JSON says it: `"general"` or the `codigoPorcentaje`.
    pub fn codigo(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Cero => "0",
            Self::Doce => "2",
            Self::Catorce => "3",
            Self::Quince => "4",
            Self::Cinco => "5",
            Self::NoObjeto => "6",
            Self::Exento => "7",
            Self::Diferenciado => "8",
            Self::Trece => "10",
        }
    }

    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        Some(match codigo.trim() {
            "general" => Self::General,
            "0" => Self::Cero,
            "2" => Self::Doce,
            "3" => Self::Catorce,
            "4" => Self::Quince,
            "5" => Self::Cinco,
            "6" | "no_objeto" => Self::NoObjeto,
            "7" | "exento" => Self::Exento,
            "8" | "diferenciado" => Self::Diferenciado,
            "10" => Self::Trece,
            _ => return None,
        })
    }
}

/// The general rate, with the `codigoPorcentaje` it is reported under.
const IVA_GENERAL: &[(Vigencia, TarifaIva)] = &[
    (
        Vigencia::new(INICIO_TABLAS, Some(date!(2016 - 05 - 31))),
        TarifaIva::Doce,
    ),
    (
        Vigencia::new(date!(2016 - 06 - 01), Some(date!(2017 - 05 - 31))),
        TarifaIva::Catorce,
    ),
    (
        Vigencia::new(date!(2017 - 06 - 01), Some(date!(2024 - 03 - 31))),
        TarifaIva::Doce,
    ),
    (
        Vigencia::new(date!(2024 - 04 - 01), None),
        TarifaIva::Quince,
    ),
];

/// An IVA rate resolved for a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IvaResuelto {
    pub codigo_porcentaje: &'static str,
    /// Percent: 15, 5, 0…
    pub tarifa: Decimal,
}

impl TarifaIva {
    /// Resolves the treatment for a date, or says why the date does not have it.
    pub fn resolver(self, fecha: Date) -> Result<IvaResuelto, String> {
        if fecha < INICIO_TABLAS {
            return Err(format!(
                "no hay tarifas de IVA registradas antes del {}",
                crate::entrada::formatear_fecha(INICIO_TABLAS)
            ));
        }
        let concreta = match self {
            Self::General => IVA_GENERAL
                .iter()
                .find(|(v, _)| v.cubre(fecha))
                .map(|(_, t)| *t)
                .ok_or_else(|| "no hay tarifa general de IVA para la fecha".to_string())?,
            otra => otra,
        };
        let (codigo, tarifa, vigencias): (&str, Decimal, &[Vigencia]) = match concreta {
            Self::Cero => ("0", Decimal::ZERO, &[Vigencia::new(INICIO_TABLAS, None)]),
            Self::NoObjeto => ("6", Decimal::ZERO, &[Vigencia::new(INICIO_TABLAS, None)]),
            Self::Exento => ("7", Decimal::ZERO, &[Vigencia::new(INICIO_TABLAS, None)]),
            Self::Doce => (
                "2",
                Decimal::from(12),
                &[
                    Vigencia::new(INICIO_TABLAS, Some(date!(2016 - 05 - 31))),
                    Vigencia::new(date!(2017 - 06 - 01), Some(date!(2024 - 03 - 31))),
                ],
            ),
            Self::Catorce => (
                "3",
                Decimal::from(14),
                &[Vigencia::new(
                    date!(2016 - 06 - 01),
                    Some(date!(2017 - 05 - 31)),
                )],
            ),
            Self::Quince => (
                "4",
                Decimal::from(15),
                &[Vigencia::new(date!(2024 - 04 - 01), None)],
            ),
            Self::Cinco => (
                "5",
                Decimal::from(5),
                &[Vigencia::new(date!(2024 - 04 - 01), None)],
            ),
            // The tourism "IVA diferenciado" applies only on the days an executive decree names
            // (Ley Orgánica para el Desarrollo Económico y Sostenibilidad Fiscal, 29/11/2021);
            // the engine cannot know those days, so it accepts the rate when the user asks for it.
            Self::Diferenciado => (
                "8",
                Decimal::from(8),
                &[Vigencia::new(date!(2021 - 11 - 29), None)],
            ),
            Self::Trece => ("10", Decimal::from(13), &[]),
            // Already replaced by the concrete rate of the date above.
            Self::General => return Err("no hay tarifa general de IVA para la fecha".into()),
        };
        if vigencias.iter().any(|v| v.cubre(fecha)) {
            Ok(IvaResuelto {
                codigo_porcentaje: codigo,
                tarifa,
            })
        } else if vigencias.is_empty() {
            Err(format!(
                "la tarifa de IVA {tarifa} % (código {codigo}) nunca estuvo vigente; use 'general'"
            ))
        } else {
            Err(format!(
                "la tarifa de IVA {tarifa} % (código {codigo}) no está vigente el {}; use 'general' \
                 para la tarifa general de esa fecha",
                crate::entrada::formatear_fecha(fecha)
            ))
        }
    }
}

/// Which retention a line of a retention request asks for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpuestoRetenido {
    /// Impuesto a la renta: base is the subtotal without IVA.
    Renta,
    /// IVA: base is the IVA of the document.
    Iva,
}

impl ImpuestoRetenido {
    /// SRI `<codigo>` of the retention (Tabla 19).
    pub fn codigo_sri(self) -> &'static str {
        match self {
            Self::Renta => "1",
            Self::Iva => "2",
        }
    }
}

/// IVA retention percentages by `codigoRetencion` (FICHA Tabla 20).
const RETENCION_IVA: &[(&str, (i64, u32))] = &[
    ("9", (10, 0)),
    ("10", (20, 0)),
    ("1", (30, 0)),
    ("11", (50, 0)),
    ("2", (70, 0)),
    ("3", (100, 0)),
    ("7", (0, 0)),
    ("8", (0, 0)),
];

/// Income-tax retention percentages by ATS code, in force since the 2020 reform (Decreto 1021,
/// 01/04/2020) as Odoo's `l10n_ec` lists them. The SRI publishes the current table in its ATS
/// catalogue; a code not listed here can be used by giving its percentage explicitly.
const RETENCION_RENTA: &[(&str, TasaFechada)] = &[
    (
        "303",
        TasaFechada::new(date!(2020 - 04 - 01), None, (10, 0)),
    ),
    (
        "304",
        TasaFechada::new(date!(2020 - 04 - 01), None, (10, 0)),
    ),
    ("307", TasaFechada::new(date!(2020 - 04 - 01), None, (2, 0))),
    (
        "308",
        TasaFechada::new(date!(2020 - 04 - 01), None, (10, 0)),
    ),
    ("310", TasaFechada::new(date!(2020 - 04 - 01), None, (1, 0))),
    ("311", TasaFechada::new(date!(2020 - 04 - 01), None, (2, 0))),
    (
        "312",
        TasaFechada::new(date!(2020 - 04 - 01), None, (175, 2)),
    ),
    (
        "312A",
        TasaFechada::new(date!(2020 - 04 - 01), None, (1, 0)),
    ),
    ("319", TasaFechada::new(date!(2020 - 04 - 01), None, (2, 0))),
    (
        "322",
        TasaFechada::new(date!(2020 - 04 - 01), None, (175, 2)),
    ),
    ("332", TasaFechada::new(date!(2020 - 04 - 01), None, (0, 0))),
    ("343", TasaFechada::new(date!(2020 - 04 - 01), None, (1, 0))),
    (
        "343A",
        TasaFechada::new(date!(2020 - 04 - 01), None, (1, 0)),
    ),
    (
        "343B",
        TasaFechada::new(date!(2020 - 04 - 01), None, (1, 0)),
    ),
    (
        "3440",
        TasaFechada::new(date!(2020 - 04 - 01), None, (275, 2)),
    ),
    (
        "346",
        TasaFechada::new(date!(2020 - 04 - 01), None, (175, 2)),
    ),
];

/// The percentage of a retention code on a date, from the tables.
pub fn porcentaje_retencion(
    impuesto: ImpuestoRetenido,
    codigo: &str,
    fecha: Date,
) -> Result<Decimal, String> {
    match impuesto {
        ImpuestoRetenido::Iva => RETENCION_IVA
            .iter()
            .find(|(c, _)| *c == codigo)
            .map(|(_, (m, e))| Decimal::new(*m, *e))
            .ok_or_else(|| {
                format!(
                    "código de retención de IVA '{}' desconocido; códigos de la Tabla 20 del SRI: \
                     9 (10 %), 10 (20 %), 1 (30 %), 11 (50 %), 2 (70 %), 3 (100 %), 7 (0 %), \
                     8 (no procede)",
                    crate::entrada::recortar(codigo)
                )
            }),
        ImpuestoRetenido::Renta => {
            let filas: Vec<TasaFechada> = RETENCION_RENTA
                .iter()
                .filter(|(c, _)| *c == codigo)
                .map(|(_, t)| *t)
                .collect();
            if filas.is_empty() {
                return Err(format!(
                    "código de retención en la fuente '{}' no está en la tabla del motor; indique \
                     su 'porcentaje' según el catálogo ATS vigente",
                    crate::entrada::recortar(codigo)
                ));
            }
            vigente(&filas, fecha).ok_or_else(|| {
                format!(
                    "el código de retención {codigo} no tiene porcentaje registrado para el {}; \
                     indique su 'porcentaje'",
                    crate::entrada::formatear_fecha(fecha)
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarifa_general_por_fecha() {
        let r = |f| TarifaIva::General.resolver(f).unwrap();
        assert_eq!(r(date!(2016 - 05 - 31)).codigo_porcentaje, "2");
        assert_eq!(r(date!(2016 - 06 - 01)).codigo_porcentaje, "3");
        assert_eq!(r(date!(2017 - 05 - 31)).tarifa, Decimal::from(14));
        assert_eq!(r(date!(2017 - 06 - 01)).tarifa, Decimal::from(12));
        assert_eq!(r(date!(2024 - 03 - 31)).tarifa, Decimal::from(12));
        assert_eq!(r(date!(2024 - 04 - 01)).codigo_porcentaje, "4");
        assert_eq!(r(date!(2026 - 11 - 21)).tarifa, Decimal::from(15));
    }

    #[test]
    fn tarifas_fuera_de_su_periodo() {
        assert!(TarifaIva::Doce.resolver(date!(2025 - 01 - 01)).is_err());
        assert!(TarifaIva::Quince.resolver(date!(2024 - 03 - 31)).is_err());
        assert!(TarifaIva::Cinco.resolver(date!(2023 - 01 - 01)).is_err());
        assert!(TarifaIva::Trece.resolver(date!(2024 - 05 - 01)).is_err());
        assert!(TarifaIva::General.resolver(date!(2011 - 12 - 31)).is_err());
        assert_eq!(
            TarifaIva::NoObjeto
                .resolver(date!(2020 - 01 - 01))
                .unwrap()
                .codigo_porcentaje,
            "6"
        );
    }

    #[test]
    fn retenciones() {
        let f = date!(2026 - 01 - 10);
        assert_eq!(
            porcentaje_retencion(ImpuestoRetenido::Iva, "2", f).unwrap(),
            Decimal::from(70)
        );
        assert_eq!(
            porcentaje_retencion(ImpuestoRetenido::Renta, "312", f)
                .unwrap()
                .to_string(),
            "1.75"
        );
        assert!(porcentaje_retencion(ImpuestoRetenido::Iva, "4", f).is_err());
        assert!(porcentaje_retencion(ImpuestoRetenido::Renta, "999", f).is_err());
    }
}
