//! Property: random sequences of operations (entries at random costs, outflows, transfers,
//! adjustments, backdated movements) keep every `Stock` row equal to the replay of its ledger, in
//! quantity and value, on both databases; outflows and transfer entries carry the value the
//! replay gives them; and no sequence without an approval drives any running balance negative.

#![allow(clippy::unwrap_used)]

mod comun;

use std::collections::HashMap;

use comun::*;
use erp_core::inventario::kardex::{self, Saldo};
use erp_core::inventario::servicio::{NuevaTransferencia, NuevoAjuste};
use erp_core::inventario::{FiltroMovimientos, MovimientoStock, TipoMovimiento};
use erp_core::{Decimal, Error};
use erp_store::AnyStore;
use proptest::prelude::*;
use time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Op {
    Entrada {
        p: usize,
        a: usize,
        cantidad: u32,
        costo_centimos: u32,
        atras: Option<u8>,
    },
    Salida {
        p: usize,
        a: usize,
        cantidad: u32,
        atras: Option<u8>,
    },
    Transferencia {
        p: usize,
        a: usize,
        b: usize,
        cantidad: u32,
        atras: Option<u8>,
    },
    Ajuste {
        p: usize,
        a: usize,
        diferencia: i32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let atras = prop::option::weighted(0.3, 1u8..30);
    prop_oneof![
        4 => (0..2usize, 0..3usize, 1..40u32, 1..20_000u32, atras.clone())
            .prop_map(|(p, a, cantidad, costo_centimos, atras)| Op::Entrada { p, a, cantidad, costo_centimos, atras }),
        4 => (0..2usize, 0..3usize, 1..30u32, atras.clone())
            .prop_map(|(p, a, cantidad, atras)| Op::Salida { p, a, cantidad, atras }),
        2 => (0..2usize, 0..3usize, 0..3usize, 1..20u32, atras)
            .prop_filter("otro almacén", |(_, a, b, _, _)| a != b)
            .prop_map(|(p, a, b, cantidad, atras)| Op::Transferencia { p, a, b, cantidad, atras }),
        1 => (0..2usize, 0..3usize, -10..10i32)
            .prop_filter("cambia algo", |(_, _, d)| *d != 0)
            .prop_map(|(p, a, diferencia)| Op::Ajuste { p, a, diferencia }),
    ]
}

fn aceptable(e: &Error) -> bool {
    matches!(e, Error::StockInsuficiente { .. }) || e.codigo() == "stock_insuficiente"
}

async fn ejecutar(store: AnyStore, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let almacenes = [
        almacen(&m, e, "A").await.id,
        almacen(&m, e, "B").await.id,
        almacen(&m, e, "C").await.id,
    ];
    let productos = [
        producto(&m, e, "Uno").await.id,
        producto(&m, e, "Dos").await.id,
    ];
    let ahora = m.ahora();
    let fecha = |atras: Option<u8>| {
        atras.map(|d| ahora - Duration::days(i64::from(d)) - Duration::minutes(1))
    };
    for op in ops {
        let r = match op {
            Op::Entrada {
                p,
                a,
                cantidad,
                costo_centimos,
                atras,
            } => {
                let mut x = entrada(productos[p], almacenes[a], &cantidad.to_string(), "0");
                x.costo_unitario = Some(Decimal::new(i64::from(costo_centimos), 2));
                x.fecha = fecha(atras);
                m.registrar_movimiento(e, None, x).await.map(|_| ())
            }
            Op::Salida {
                p,
                a,
                cantidad,
                atras,
            } => {
                let mut x = salida(productos[p], almacenes[a], &cantidad.to_string());
                x.fecha = fecha(atras);
                m.registrar_movimiento(e, None, x).await.map(|_| ())
            }
            Op::Transferencia {
                p,
                a,
                b,
                cantidad,
                atras,
            } => m
                .transferir(
                    e,
                    None,
                    NuevaTransferencia {
                        producto_id: productos[p],
                        almacen_origen_id: almacenes[a],
                        almacen_destino_id: almacenes[b],
                        cantidad: Decimal::from(cantidad),
                        fecha: fecha(atras),
                        lote: None,
                        series: vec![],
                        motivo: String::new(),
                    },
                )
                .await
                .map(|_| ()),
            Op::Ajuste { p, a, diferencia } => m
                .ajustar(
                    e,
                    None,
                    NuevoAjuste {
                        producto_id: productos[p],
                        almacen_id: almacenes[a],
                        cantidad_nueva: None,
                        diferencia: Some(Decimal::from(diferencia)),
                        motivo: "conteo".into(),
                        costo_unitario: None,
                        lote: None,
                        vencimiento: None,
                        series: vec![],
                    },
                )
                .await
                .map(|_| ()),
        };
        if let Err(err) = r {
            prop_assert!(
                aceptable(&err),
                "error inesperado: {} {}",
                err.codigo(),
                err
            );
        }
    }
    let mut por_id: HashMap<Uuid, MovimientoStock> = HashMap::new();
    for p in productos {
        for a in almacenes {
            let f = FiltroMovimientos {
                producto_id: Some(p),
                almacen_id: Some(a),
                limite: 1000,
                ..Default::default()
            };
            let mut k = m.movimientos(e, &f).await.unwrap();
            k.reverse();
            let mut saldo = Saldo::default();
            for fila in &k {
                let efecto = kardex::aplicar(&saldo, fila.tipo, fila.cantidad, fila.valor);
                prop_assert_eq!(efecto.valor, fila.valor, "valor de {:?}", fila.tipo);
                prop_assert_eq!(
                    (
                        efecto.saldo.cantidad,
                        efecto.saldo.valor,
                        efecto.saldo.costo_promedio
                    ),
                    (
                        fila.cantidad_saldo,
                        fila.valor_saldo,
                        fila.costo_promedio_saldo
                    )
                );
                prop_assert!(
                    fila.cantidad_saldo >= Decimal::ZERO,
                    "saldo negativo sin aprobación"
                );
                saldo = efecto.saldo;
                por_id.insert(fila.id, fila.clone());
            }
            let stock = m.stock(e, Some(p), Some(a)).await.unwrap();
            match stock.first() {
                Some(s) => prop_assert_eq!((s.cantidad, s.valor), (saldo.cantidad, saldo.valor)),
                None => prop_assert!(k.is_empty()),
            }
        }
    }
    // A transfer's entry is worth exactly what its outflow left at.
    for fila in por_id
        .values()
        .filter(|f| f.tipo == TipoMovimiento::TransferenciaEntrada)
    {
        let otra = &por_id[&fila.movimiento_relacionado_id.unwrap()];
        prop_assert_eq!(fila.valor, otra.valor);
    }
    Ok(())
}

fn casos() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48)
}

/// Runs one case on its own runtime; the store is opened inside it, because sqlx's
/// connections belong to the runtime that made them.
fn correr<F>(abrir: impl FnOnce() -> F, ops: Vec<Op>) -> Result<(), TestCaseError>
where
    F: std::future::Future<Output = Option<AnyStore>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        match abrir().await {
            Some(s) => ejecutar(s, ops).await,
            None => Ok(()),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: casos(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn stock_igual_a_la_reproduccion_sqlite(ops in prop::collection::vec(op(), 1..40)) {
        correr(|| async { Some(sqlite().await) }, ops)?;
    }

    #[test]
    fn stock_igual_a_la_reproduccion_postgres(ops in prop::collection::vec(op(), 1..40)) {
        correr(postgres, ops)?;
    }
}
