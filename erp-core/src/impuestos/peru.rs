//! Peru: IGV treatments (SUNAT catalog 07) with Nubefact's `tipo_de_igv`, and the dated rates of
//! IGV, the MYPE restaurant and hotel rate, IVAP and ICBPER.
//!
//! Sources (see `shared/reference/peru.md`): IGV 18 % (16 % IGV + 2 % IPM) since 01/03/2011, and
//! still 18 % in total under Ley 32387; Ley 31556 and its extension for MYPE restaurants, hotels
//! and lodging: 10 % in total from 01/09/2022 to 31/12/2025, 10.5 % in 2026 (8 % IGV + 2.5 % IPM);
//! the 2027 rate is not confirmed, so it is not in the table and a 2027 document of such a company
//! is refused until it is added. IVAP 4 %. ICBPER (Ley 30884) per bag: 0.10 (2019, from 01/08),
//! 0.20 (2020), 0.30 (2021), 0.40 (2022), 0.50 (2023 onwards).

use serde::{Deserialize, Serialize};

use time::macros::date;

use super::TasaFechada;

/// IGV treatment of a line: the code of SUNAT catalog 07 (`"10"`, or the number 10).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AfectacionIgv {
    #[serde(rename = "10")]
    GravadoOneroso,
    #[serde(rename = "11")]
    GravadoRetiroPremio,
    #[serde(rename = "12")]
    GravadoRetiroDonacion,
    #[serde(rename = "13")]
    GravadoRetiro,
    #[serde(rename = "14")]
    GravadoRetiroPublicidad,
    #[serde(rename = "15")]
    GravadoBonificacion,
    #[serde(rename = "16")]
    GravadoRetiroTrabajadores,
    #[serde(rename = "17")]
    GravadoIvap,
    #[serde(rename = "20")]
    ExoneradoOneroso,
    #[serde(rename = "21")]
    ExoneradoGratuito,
    #[serde(rename = "30")]
    InafectoOneroso,
    #[serde(rename = "31")]
    InafectoBonificacion,
    #[serde(rename = "32")]
    InafectoRetiro,
    #[serde(rename = "33")]
    InafectoMuestrasMedicas,
    #[serde(rename = "34")]
    InafectoConvenioColectivo,
    #[serde(rename = "35")]
    InafectoPremio,
    #[serde(rename = "36")]
    InafectoPublicidad,
    #[serde(rename = "37")]
    InafectoGratuito,
    #[serde(rename = "40")]
    Exportacion,
}

/// Where a line's value goes in the totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrupoIgv {
    /// Taxed and charged: `total_gravada` and `total_igv`.
    Gravado,
    Exonerado,
    Inafecto,
    /// Reported in `total_inafecta`, as Nubefact does (its example 6).
    Exportacion,
    /// Free transfer: `total_gratuita`, never `total`.
    Gratuito,
}

impl<'de> Deserialize<'de> for AfectacionIgv {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::entrada::codigo_de_catalogo(
            d,
            Self::desde_codigo,
            "10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 30, 31, 32, 33, 34, 35, 36, 37, 40 \
             (catálogo 07 de SUNAT)",
        )
    }
}

impl AfectacionIgv {
    /// The treatment of a catalog 07 code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        Self::TODAS
            .into_iter()
            .find(|a| a.codigo() == codigo.trim())
    }

    pub const TODAS: [Self; 19] = [
        Self::GravadoOneroso,
        Self::GravadoRetiroPremio,
        Self::GravadoRetiroDonacion,
        Self::GravadoRetiro,
        Self::GravadoRetiroPublicidad,
        Self::GravadoBonificacion,
        Self::GravadoRetiroTrabajadores,
        Self::GravadoIvap,
        Self::ExoneradoOneroso,
        Self::ExoneradoGratuito,
        Self::InafectoOneroso,
        Self::InafectoBonificacion,
        Self::InafectoRetiro,
        Self::InafectoMuestrasMedicas,
        Self::InafectoConvenioColectivo,
        Self::InafectoPremio,
        Self::InafectoPublicidad,
        Self::InafectoGratuito,
        Self::Exportacion,
    ];

    /// The SUNAT catalog 07 code.
    pub fn codigo(self) -> &'static str {
        match self {
            Self::GravadoOneroso => "10",
            Self::GravadoRetiroPremio => "11",
            Self::GravadoRetiroDonacion => "12",
            Self::GravadoRetiro => "13",
            Self::GravadoRetiroPublicidad => "14",
            Self::GravadoBonificacion => "15",
            Self::GravadoRetiroTrabajadores => "16",
            Self::GravadoIvap => "17",
            Self::ExoneradoOneroso => "20",
            Self::ExoneradoGratuito => "21",
            Self::InafectoOneroso => "30",
            Self::InafectoBonificacion => "31",
            Self::InafectoRetiro => "32",
            Self::InafectoMuestrasMedicas => "33",
            Self::InafectoConvenioColectivo => "34",
            Self::InafectoPremio => "35",
            Self::InafectoPublicidad => "36",
            Self::InafectoGratuito => "37",
            Self::Exportacion => "40",
        }
    }

    /// Nubefact's `tipo_de_igv`. IVAP has none: Nubefact takes `tipo_de_ivap` 17 instead.
    pub fn tipo_de_igv_nubefact(self) -> Option<u8> {
        Some(match self {
            Self::GravadoOneroso => 1,
            Self::GravadoRetiroPremio => 2,
            Self::GravadoRetiroDonacion => 3,
            Self::GravadoRetiro => 4,
            Self::GravadoRetiroPublicidad => 5,
            Self::GravadoBonificacion => 6,
            Self::GravadoRetiroTrabajadores => 7,
            Self::GravadoIvap => return None,
            Self::ExoneradoOneroso => 8,
            Self::ExoneradoGratuito => 17,
            Self::InafectoOneroso => 9,
            Self::InafectoBonificacion => 10,
            Self::InafectoRetiro => 11,
            Self::InafectoMuestrasMedicas => 12,
            Self::InafectoConvenioColectivo => 13,
            Self::InafectoPremio => 14,
            Self::InafectoPublicidad => 15,
            Self::InafectoGratuito => 20,
            Self::Exportacion => 16,
        })
    }

    pub fn grupo(self) -> GrupoIgv {
        match self {
            Self::GravadoOneroso | Self::GravadoIvap => GrupoIgv::Gravado,
            Self::ExoneradoOneroso => GrupoIgv::Exonerado,
            Self::InafectoOneroso => GrupoIgv::Inafecto,
            Self::Exportacion => GrupoIgv::Exportacion,
            _ => GrupoIgv::Gratuito,
        }
    }

    /// Free transfers of taxed goods (codes 11 to 16) carry a referential IGV (SUNAT tax 9996).
    pub fn gratuito_gravado(self) -> bool {
        matches!(
            self,
            Self::GravadoRetiroPremio
                | Self::GravadoRetiroDonacion
                | Self::GravadoRetiro
                | Self::GravadoRetiroPublicidad
                | Self::GravadoBonificacion
                | Self::GravadoRetiroTrabajadores
        )
    }

    pub fn es_ivap(self) -> bool {
        self == Self::GravadoIvap
    }
}

/// IGV of the general regime (IGV + IPM), percent.
pub const IGV_GENERAL: &[TasaFechada] = &[TasaFechada::new(date!(2011 - 03 - 01), None, (18, 0))];

/// Ley 31556 and its extension: MYPE restaurants, hotels and tourist lodging, percent in total.
pub const IGV_MYPE_RESTAURANTES: &[TasaFechada] = &[
    TasaFechada::new(date!(2022 - 09 - 01), Some(date!(2025 - 12 - 31)), (10, 0)),
    TasaFechada::new(date!(2026 - 01 - 01), Some(date!(2026 - 12 - 31)), (105, 1)),
];

/// A boleta above this amount (soles) must identify the buyer (Reglamento de Comprobantes de
/// Pago; Nubefact labels `-` "VARIOS – ventas menores a S/ 700.00").
pub const TOPE_BOLETA_ANONIMA_PEN: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(700, 0, 0, false, 0);
/// The detracción (SPOT) applies to operations above this amount in soles (R.S. 183-2004/SUNAT).
pub const MINIMO_DETRACCION_PEN: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(700, 0, 0, false, 0);

/// Impuesto a la venta de arroz pilado, percent.
pub const IVAP: &[TasaFechada] = &[TasaFechada::new(date!(2011 - 03 - 01), None, (4, 0))];

/// ICBPER, soles per plastic bag.
pub const ICBPER: &[TasaFechada] = &[
    TasaFechada::new(date!(2019 - 08 - 01), Some(date!(2019 - 12 - 31)), (10, 2)),
    TasaFechada::new(date!(2020 - 01 - 01), Some(date!(2020 - 12 - 31)), (20, 2)),
    TasaFechada::new(date!(2021 - 01 - 01), Some(date!(2021 - 12 - 31)), (30, 2)),
    TasaFechada::new(date!(2022 - 01 - 01), Some(date!(2022 - 12 - 31)), (40, 2)),
    TasaFechada::new(date!(2023 - 01 - 01), None, (50, 2)),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impuestos::vigente;

    #[test]
    fn tasas_por_fecha() {
        assert_eq!(
            vigente(IGV_GENERAL, date!(2026 - 11 - 21))
                .unwrap()
                .to_string(),
            "18"
        );
        assert!(vigente(IGV_GENERAL, date!(2011 - 02 - 28)).is_none());
        assert_eq!(
            vigente(IGV_MYPE_RESTAURANTES, date!(2025 - 06 - 01))
                .unwrap()
                .to_string(),
            "10"
        );
        assert_eq!(
            vigente(IGV_MYPE_RESTAURANTES, date!(2026 - 01 - 01))
                .unwrap()
                .to_string(),
            "10.5"
        );
        assert!(vigente(IGV_MYPE_RESTAURANTES, date!(2022 - 08 - 31)).is_none());
        assert!(vigente(IGV_MYPE_RESTAURANTES, date!(2027 - 01 - 01)).is_none());
        assert_eq!(
            vigente(ICBPER, date!(2021 - 12 - 31)).unwrap().to_string(),
            "0.30"
        );
        assert_eq!(
            vigente(ICBPER, date!(2030 - 01 - 01)).unwrap().to_string(),
            "0.50"
        );
        assert!(vigente(ICBPER, date!(2019 - 07 - 31)).is_none());
    }

    #[test]
    fn catalogo_07_y_nubefact() {
        for a in AfectacionIgv::TODAS {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.codigo()));
        }
        assert_eq!(AfectacionIgv::Exportacion.tipo_de_igv_nubefact(), Some(16));
        assert_eq!(
            AfectacionIgv::InafectoGratuito.tipo_de_igv_nubefact(),
            Some(20)
        );
        assert_eq!(
            AfectacionIgv::ExoneradoGratuito.tipo_de_igv_nubefact(),
            Some(17)
        );
        assert_eq!(AfectacionIgv::GravadoIvap.tipo_de_igv_nubefact(), None);
    }
}
