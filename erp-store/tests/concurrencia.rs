//! Concurrency on both databases: many tasks selling the last units of one product at once sell
//! exactly what there is; the rest get `stock_insuficiente`; the ledger still balances.

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Arc;

use comun::*;
use erp_core::inventario::FiltroMovimientos;
use erp_core::inventario::kardex;
use erp_store::AnyStore;

async fn ultimas_unidades(store: AnyStore) {
    let m = Arc::new(motor(store));
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let p = producto(&m, e, "Oferta").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "10", "4.00"))
        .await
        .unwrap();
    let tareas: Vec<_> = (0..24)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move {
                m.registrar_movimiento(e, None, salida(p.id, a.id, "1"))
                    .await
            })
        })
        .collect();
    let mut vendidas = 0;
    let mut rechazadas = 0;
    for t in tareas {
        match t.await.unwrap() {
            Ok(_) => vendidas += 1,
            Err(err) => {
                assert_eq!(err.codigo(), "stock_insuficiente", "{err}");
                rechazadas += 1;
            }
        }
    }
    assert_eq!((vendidas, rechazadas), (10, 14));
    let stock = m.stock(e, Some(p.id), Some(a.id)).await.unwrap();
    assert_eq!((stock[0].cantidad, stock[0].valor), (d("0"), d("0.00")));
    let f = FiltroMovimientos {
        producto_id: Some(p.id),
        limite: 100,
        ..Default::default()
    };
    let mut k = m.movimientos(e, &f).await.unwrap();
    assert_eq!(k.len(), 11);
    k.reverse();
    let saldos = kardex::reproducir(&k);
    for (fila, saldo) in k.iter().zip(&saldos) {
        assert_eq!(
            (fila.cantidad_saldo, fila.valor_saldo),
            (saldo.cantidad, saldo.valor)
        );
        assert!(fila.cantidad_saldo >= d("0"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn ultimas_unidades_sqlite_archivo() {
    let (store, _dir) = sqlite_archivo().await;
    ultimas_unidades(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn ultimas_unidades_postgres() {
    if let Some(store) = postgres().await {
        ultimas_unidades(store).await;
    }
}

/// Transfers in opposite directions at once never deadlock (rows are locked in a fixed order),
/// and the total quantity and value are conserved.
async fn transferencias_cruzadas(store: AnyStore) {
    use erp_core::inventario::servicio::NuevaTransferencia;
    let m = Arc::new(motor(store));
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "A").await;
    let b = almacen(&m, e, "B").await;
    let p = producto(&m, e, "Ida y vuelta").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "100", "2"))
        .await
        .unwrap();
    m.registrar_movimiento(e, None, entrada(p.id, b.id, "100", "2"))
        .await
        .unwrap();
    let tareas: Vec<_> = (0..32)
        .map(|i| {
            let m = m.clone();
            let (o, dst) = if i % 2 == 0 {
                (a.id, b.id)
            } else {
                (b.id, a.id)
            };
            tokio::spawn(async move {
                m.transferir(
                    e,
                    None,
                    NuevaTransferencia {
                        producto_id: p.id,
                        almacen_origen_id: o,
                        almacen_destino_id: dst,
                        cantidad: d("3"),
                        fecha: None,
                        lote: None,
                        series: vec![],
                        motivo: String::new(),
                    },
                )
                .await
            })
        })
        .collect();
    for t in tareas {
        t.await.unwrap().unwrap();
    }
    let stock = m.stock(e, Some(p.id), None).await.unwrap();
    let total: erp_core::Decimal = stock.iter().map(|s| s.cantidad).sum();
    let valor: erp_core::Decimal = stock.iter().map(|s| s.valor).sum();
    assert_eq!((total, valor), (d("200"), d("400.00")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn transferencias_cruzadas_sqlite_archivo() {
    let (store, _dir) = sqlite_archivo().await;
    transferencias_cruzadas(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn transferencias_cruzadas_postgres() {
    if let Some(store) = postgres().await {
        transferencias_cruzadas(store).await;
    }
}
