//! Money: currencies and the rounding the law uses.
//!
//! Amounts are `rust_decimal::Decimal`, never floats. The authorities round half-up (SUNAT's
//! stylesheets use `round(x*100) div 100`; the SRI's published examples agree), so every amount is
//! rounded half away from zero to two decimals at the points the law rounds, and carried with
//! exactly two decimals so that it prints as `"12.30"`, never `"12.3"`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::pais::Pais;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Moneda {
    /// Sol peruano.
    #[serde(rename = "PEN")]
    Pen,
    /// Dólar estadounidense; Ecuador's currency.
    #[serde(rename = "USD")]
    Usd,
}

impl Moneda {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Pen => "PEN",
            Self::Usd => "USD",
        }
    }

    /// The currency a document of the country uses when none is given.
    pub fn por_defecto(pais: Pais) -> Self {
        match pais {
            Pais::Peru => Self::Pen,
            Pais::Ecuador => Self::Usd,
        }
    }

    /// Whether a document of that country may be issued in this currency.
    pub fn admitida_en(self, pais: Pais) -> bool {
        match pais {
            Pais::Peru => true,
            Pais::Ecuador => self == Self::Usd,
        }
    }
}

/// The largest amount the authorities accept: 12 integer digits (SUNAT's `n(12,2)`, the SRI's
/// 14-digit fields are wider).
pub fn importe_maximo() -> Decimal {
    Decimal::from(1_000_000_000_000_i64)
}

/// Rounds half-up to two decimals and fixes the scale at two: `12.345 → 12.35`, `12.3 → 12.30`.
pub fn redondear(valor: Decimal) -> Decimal {
    let mut r = valor.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// Rounds half-up to `decimales` and drops trailing zeros, keeping at least two decimals: the
/// form of unit values (`21.1779661017`, `24.99`, `10.00`).
pub fn redondear_unitario(valor: Decimal, decimales: u32) -> Decimal {
    let mut r = valor
        .round_dp_with_strategy(decimales, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    if r.scale() < 2 {
        r.rescale(2);
    }
    r
}

/// A rate or percentage in its shortest form: `15`, `10.5`, `1.75`.
pub fn porcentaje(valor: Decimal) -> Decimal {
    valor.normalize()
}

/// A percentage with two decimals, as Nubefact's `porcentaje_de_igv` (`18.00`).
pub fn porcentaje_dos_decimales(valor: Decimal) -> Decimal {
    redondear(valor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn redondeo_half_up_no_half_even() {
        // Ties where banker's rounding would go down.
        assert_eq!(redondear(d("0.125")).to_string(), "0.13");
        assert_eq!(redondear(d("2.345")).to_string(), "2.35");
        assert_eq!(redondear(d("0.005")).to_string(), "0.01");
        assert_eq!(redondear(d("0.9999")).to_string(), "1.00");
        assert_eq!(redondear(d("12.3")).to_string(), "12.30");
        assert_eq!(redondear(d("-0.125")).to_string(), "-0.13");
    }

    #[test]
    fn unitarios_conservan_decimales_legales() {
        assert_eq!(
            redondear_unitario(d("21.177966101694915"), 10).to_string(),
            "21.1779661017"
        );
        assert_eq!(
            redondear_unitario(d("0.8695652173913"), 6).to_string(),
            "0.869565"
        );
        assert_eq!(redondear_unitario(d("10"), 10).to_string(), "10.00");
        assert_eq!(redondear_unitario(d("24.990"), 10).to_string(), "24.99");
    }
}
