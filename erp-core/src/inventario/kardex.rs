//! The arithmetic of the stock ledger (kardex), with no storage in it.
//!
//! Weighted average (seed 002 §6): an entry adds its value, `(stock × costo + ingreso × costo
//! del ingreso) / (stock + ingreso)`; an outflow leaves at the current average. Values are money
//! (2 decimals, half-up); the average cost is the exact ratio `valor / cantidad`, shown with 6
//! decimals. An outflow of the whole quantity takes the whole value, so no residue is left behind
//! by rounding; an outflow beyond the stock (an approved backorder) leaves at the last average.
//!
//! Replaying a ledger with [`aplicar`] from zero gives, row by row, the running balances stored
//! on the rows; the property tests hold the store to that.

use rust_decimal::{Decimal, RoundingStrategy};

use super::{MovimientoStock, SaldoMovimiento, Stock, TipoMovimiento};
use crate::dinero::redondear;

/// A running balance: quantity, value and average cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Saldo {
    pub cantidad: Decimal,
    pub valor: Decimal,
    pub costo_promedio: Decimal,
}

impl Saldo {
    pub fn de_stock(s: &Stock) -> Self {
        Self {
            cantidad: s.cantidad,
            valor: s.valor,
            costo_promedio: s.costo_promedio,
        }
    }

    pub fn de_movimiento(m: &MovimientoStock) -> Self {
        Self {
            cantidad: m.cantidad_saldo,
            valor: m.valor_saldo,
            costo_promedio: m.costo_promedio_saldo,
        }
    }
}

/// What a movement does to a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Efecto {
    /// Value of the movement (positive).
    pub valor: Decimal,
    /// Its unit cost (6 decimals).
    pub costo_unitario: Decimal,
    /// The balance after it.
    pub saldo: Saldo,
}

pub fn costo_6(valor: Decimal) -> Decimal {
    valor
        .round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

fn promedio(cantidad: Decimal, valor: Decimal, anterior: Decimal) -> Decimal {
    if cantidad > Decimal::ZERO {
        costo_6(valor / cantidad)
    } else {
        anterior
    }
}

/// The value at which `cantidad` leaves a balance.
pub fn valor_salida(saldo: &Saldo, cantidad: Decimal) -> Decimal {
    if saldo.cantidad <= Decimal::ZERO {
        return redondear(cantidad * saldo.costo_promedio);
    }
    if cantidad == saldo.cantidad {
        return redondear(saldo.valor);
    }
    if cantidad > saldo.cantidad {
        let resto = cantidad - saldo.cantidad;
        return redondear(saldo.valor + resto * saldo.costo_promedio);
    }
    redondear(cantidad * saldo.valor / saldo.cantidad)
}

/// An entry of `cantidad` worth `valor`.
pub fn entrada(saldo: &Saldo, cantidad: Decimal, valor: Decimal) -> Efecto {
    let cantidad_nueva = saldo.cantidad + cantidad;
    let valor_nuevo = saldo.valor + valor;
    Efecto {
        valor,
        costo_unitario: if cantidad.is_zero() {
            Decimal::ZERO
        } else {
            costo_6(valor / cantidad)
        },
        saldo: Saldo {
            cantidad: cantidad_nueva,
            valor: valor_nuevo,
            costo_promedio: promedio(
                cantidad_nueva,
                valor_nuevo,
                // The first entry of an empty balance sets the average.
                if saldo.cantidad <= Decimal::ZERO && saldo.costo_promedio.is_zero() {
                    if cantidad.is_zero() {
                        Decimal::ZERO
                    } else {
                        costo_6(valor / cantidad)
                    }
                } else {
                    saldo.costo_promedio
                },
            ),
        },
    }
}

/// An outflow of `cantidad` at the current average.
pub fn salida(saldo: &Saldo, cantidad: Decimal) -> Efecto {
    let valor = valor_salida(saldo, cantidad);
    let cantidad_nueva = saldo.cantidad - cantidad;
    let valor_nuevo = saldo.valor - valor;
    Efecto {
        valor,
        costo_unitario: if cantidad.is_zero() {
            Decimal::ZERO
        } else {
            costo_6(valor / cantidad)
        },
        saldo: Saldo {
            cantidad: cantidad_nueva,
            valor: valor_nuevo,
            costo_promedio: promedio(cantidad_nueva, valor_nuevo, saldo.costo_promedio),
        },
    }
}

/// Applies a movement to a balance. `valor_entrada` is the value of an entry (its cost, or the
/// value the other leg of a transfer left at); outflows ignore it.
pub fn aplicar(
    saldo: &Saldo,
    tipo: TipoMovimiento,
    cantidad: Decimal,
    valor_entrada: Decimal,
) -> Efecto {
    if tipo.es_entrada() {
        entrada(saldo, cantidad, valor_entrada)
    } else {
        salida(saldo, cantidad)
    }
}

/// The new valuation of a row, as the update the store applies.
pub fn saldo_movimiento(id: uuid::Uuid, e: &Efecto) -> SaldoMovimiento {
    SaldoMovimiento {
        id,
        costo_unitario: e.costo_unitario,
        valor: e.valor,
        cantidad_saldo: e.saldo.cantidad,
        valor_saldo: e.saldo.valor,
        costo_promedio_saldo: e.saldo.costo_promedio,
    }
}

/// Replays a ledger from zero: the balance after each row.
pub fn reproducir(movimientos: &[MovimientoStock]) -> Vec<Saldo> {
    let mut saldo = Saldo::default();
    movimientos
        .iter()
        .map(|m| {
            saldo = aplicar(&saldo, m.tipo, m.cantidad, m.valor).saldo;
            saldo
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn promedio_ponderado_de_la_semilla() {
        // 10 at 5.00, then 10 at 7.00: average 6.00; 5 leave at 6.00 = 30.00.
        let s = entrada(&Saldo::default(), d("10"), d("50.00")).saldo;
        assert_eq!(s.costo_promedio, d("5"));
        let s = entrada(&s, d("10"), d("70.00")).saldo;
        assert_eq!(
            (s.cantidad, s.valor, s.costo_promedio),
            (d("20"), d("120.00"), d("6"))
        );
        let e = salida(&s, d("5"));
        assert_eq!(e.valor, d("30.00"));
        assert_eq!(e.saldo.valor, d("90.00"));
    }

    #[test]
    fn la_ultima_unidad_se_lleva_el_valor_restante() {
        // 3 at 0.3333 → value 1.00 (rounded), average 0.333333. One leaves at 0.33; the 2 left
        // are worth 0.67, so the next leaves at 0.335 → 0.34; the last takes the 0.33 that
        // remains. 1.00 in, 1.00 out, never a residue.
        let s = entrada(&Saldo::default(), d("3"), redondear(d("3") * d("0.3333"))).saldo;
        assert_eq!(s.valor, d("1.00"));
        let a = salida(&s, d("1"));
        let b = salida(&a.saldo, d("1"));
        let c = salida(&b.saldo, d("1"));
        assert_eq!(
            (a.valor, b.valor, c.valor),
            (d("0.33"), d("0.34"), d("0.33"))
        );
        assert_eq!((c.saldo.cantidad, c.saldo.valor), (d("0"), d("0.00")));
        // The average of the last unit survives the empty balance, for an approved outflow.
        assert_eq!(c.saldo.costo_promedio, d("0.33"));
    }

    #[test]
    fn salida_aprobada_mas_alla_del_stock() {
        let s = entrada(&Saldo::default(), d("2"), d("20.00")).saldo;
        let e = salida(&s, d("5"));
        assert_eq!(e.valor, d("50.00"));
        assert_eq!((e.saldo.cantidad, e.saldo.valor), (d("-3"), d("-30.00")));
        let e = salida(&e.saldo, d("1"));
        assert_eq!(e.valor, d("10.00"));
    }
}
