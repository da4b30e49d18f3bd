//! The two countries the engine serves. The company's country selects the tax regime, the
//! identity-document rules, the unit-value precision and the e-invoicing gateway.

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Pais {
    /// Perú: IGV, SUNAT, Nubefact.
    #[serde(rename = "PE")]
    Peru,
    /// Ecuador: IVA, ICE, SRI.
    #[serde(rename = "EC")]
    Ecuador,
}

impl Pais {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Peru => "PE",
            Self::Ecuador => "EC",
        }
    }

    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        match codigo.trim().to_ascii_uppercase().as_str() {
            "PE" => Some(Self::Peru),
            "EC" => Some(Self::Ecuador),
            _ => None,
        }
    }

    /// The civil time of the country: Peru and mainland Ecuador are UTC−5 all year.
    pub fn zona_horaria(self) -> time::UtcOffset {
        time::UtcOffset::from_hms(-5, 0, 0).unwrap_or(time::UtcOffset::UTC)
    }

    /// Decimals kept in unit values (`valor_unitario`, `precioUnitario`) and quantities:
    /// Nubefact accepts 10, the SRI's factura 1.1.0 accepts 6.
    pub fn decimales_unitarios(self) -> u32 {
        match self {
            Self::Peru => 10,
            Self::Ecuador => 6,
        }
    }
}
