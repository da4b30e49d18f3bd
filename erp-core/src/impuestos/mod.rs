//! Tax rates and codes as dated data. A rate is never a constant in the code that computes: it is
//! looked up for the document's date in these tables, each row valid from one date to another
//! (both inclusive), so a change of law is a new row, and a date no row covers is an error rather
//! than a guess.

pub mod ecuador;
pub mod peru;

use rust_decimal::Decimal;
use time::Date;

/// A period of validity, both ends inclusive; `hasta: None` is open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vigencia {
    pub desde: Date,
    pub hasta: Option<Date>,
}

impl Vigencia {
    pub const fn new(desde: Date, hasta: Option<Date>) -> Self {
        Self { desde, hasta }
    }

    pub fn cubre(&self, fecha: Date) -> bool {
        fecha >= self.desde && self.hasta.is_none_or(|h| fecha <= h)
    }
}

/// A rate (a percentage, or an amount for per-unit taxes) with its validity.
#[derive(Debug, Clone, Copy)]
pub struct TasaFechada {
    pub vigencia: Vigencia,
    /// Scaled integer and scale, so that the tables stay `const`: `(105, 1)` is 10.5.
    pub valor: (i64, u32),
}

impl TasaFechada {
    pub const fn new(desde: Date, hasta: Option<Date>, valor: (i64, u32)) -> Self {
        Self {
            vigencia: Vigencia::new(desde, hasta),
            valor,
        }
    }

    pub fn valor(&self) -> Decimal {
        Decimal::new(self.valor.0, self.valor.1)
    }
}

/// The row of `tabla` in force on `fecha`.
pub fn vigente(tabla: &[TasaFechada], fecha: Date) -> Option<Decimal> {
    tabla
        .iter()
        .find(|t| t.vigencia.cubre(fecha))
        .map(TasaFechada::valor)
}
