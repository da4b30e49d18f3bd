//! Sales under concurrency, on both databases: numbers of one series are 1..N with no gap and no
//! duplicate; scarce stock is never oversold (and a refused sale gives its number back); racing
//! retries of one idempotent sale create it once; racing annulments of one sale credit it once;
//! racing credit sales of one customer never exceed the credit limit.

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Arc;

use comun::*;
use erp_core::ventas::servicio::{ItemPos, VentaPos};
use erp_store::AnyStore;

async fn preparar(store: AnyStore, stock: &str) -> (Arc<M>, uuid::Uuid, String) {
    let m = Arc::new(motor(store));
    let e = empresa_pe(&m).await.id;
    let a = almacen_principal(&m, e, "Tienda").await;
    let p = producto(&m, e, "Gaseosa").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, stock, "1.50"))
        .await
        .unwrap();
    (m, e, p.codigo)
}

fn pos(codigo: &str, clave: Option<String>) -> VentaPos {
    VentaPos {
        items: vec![ItemPos {
            codigo: codigo.into(),
            cantidad: d("1"),
            series: vec![],
        }],
        clave_idempotencia: clave,
        ..Default::default()
    }
}

async fn numeros_sin_huecos(store: AnyStore) {
    let (m, e, codigo) = preparar(store, "1000").await;
    let tareas: Vec<_> = (0..24)
        .map(|_| {
            let (m, codigo) = (m.clone(), codigo.clone());
            tokio::spawn(async move { m.venta_pos(e, None, pos(&codigo, None)).await })
        })
        .collect();
    let mut numeros = Vec::new();
    for t in tareas {
        numeros.push(t.await.unwrap().unwrap().comprobante.numero);
    }
    numeros.sort_unstable();
    assert_eq!(numeros, (1..=24).collect::<Vec<i64>>());
}

async fn stock_escaso_sin_sobreventa(store: AnyStore) {
    let (m, e, codigo) = preparar(store, "10").await;
    let tareas: Vec<_> = (0..24)
        .map(|_| {
            let (m, codigo) = (m.clone(), codigo.clone());
            tokio::spawn(async move { m.venta_pos(e, None, pos(&codigo, None)).await })
        })
        .collect();
    let mut numeros = Vec::new();
    let mut rechazadas = 0;
    for t in tareas {
        match t.await.unwrap() {
            Ok(r) => numeros.push(r.comprobante.numero),
            Err(err) => {
                assert_eq!(err.codigo(), "stock_insuficiente", "{err}");
                rechazadas += 1;
            }
        }
    }
    numeros.sort_unstable();
    assert_eq!(numeros, (1..=10).collect::<Vec<i64>>());
    assert_eq!(rechazadas, 14);
    assert_eq!(m.stock(e, None, None).await.unwrap()[0].cantidad, d("0"));
    assert_eq!(m.ventas(e, &Default::default()).await.unwrap().1, 10);
}

async fn reintentos_simultaneos(store: AnyStore) {
    let (m, e, codigo) = preparar(store, "100").await;
    let tareas: Vec<_> = (0..8)
        .map(|_| {
            let (m, codigo) = (m.clone(), codigo.clone());
            tokio::spawn(async move {
                m.venta_pos(e, None, pos(&codigo, Some("pos-7-000042".into())))
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tareas {
        ids.push(t.await.unwrap().unwrap().venta.id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "una sola venta");
    assert_eq!(m.ventas(e, &Default::default()).await.unwrap().1, 1);
    assert_eq!(m.stock(e, None, None).await.unwrap()[0].cantidad, d("99"));
}

macro_rules! en_archivo_y_postgres {
    ($($nombre:ident),*) => {
        $(
            mod $nombre {
                #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
                async fn sqlite_archivo() {
                    let (store, _dir) = crate::comun::sqlite_archivo().await;
                    super::$nombre(store).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
                async fn postgres() {
                    if let Some(store) = crate::comun::postgres().await {
                        super::$nombre(store).await;
                    }
                }
            }
        )*
    };
}

/// Eight annulments of one sale at once: one credit note, the stock back once.
async fn anulaciones_simultaneas(store: AnyStore) {
    let (m, e, codigo) = preparar(store, "10").await;
    let venta = m
        .venta_pos(e, None, pos(&codigo, None))
        .await
        .unwrap()
        .venta;
    let tareas: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move {
                m.anular_venta(
                    e,
                    None,
                    venta.id,
                    erp_core::ventas::servicio::Anulacion {
                        motivo: "cliente desiste".into(),
                        ..Default::default()
                    },
                )
                .await
            })
        })
        .collect();
    let mut notas = 0;
    for t in tareas {
        match t.await.unwrap() {
            Ok(_) => notas += 1,
            Err(err) => assert_eq!(err.codigo(), "estado_invalido", "{err}"),
        }
    }
    assert_eq!(notas, 1);
    assert_eq!(m.comprobantes_de_venta(e, venta.id).await.unwrap().len(), 2);
    assert_eq!(m.stock(e, None, None).await.unwrap()[0].cantidad, d("10"));
}

/// Twelve credit sales of S/ 23.60 at once for a customer with a limit of S/ 100.00: exactly
/// four fit (94.40); none reads the debt before another's sale is counted.
async fn credito_simultaneo(store: AnyStore) {
    let (m, e, codigo) = preparar(store, "100").await;
    let producto = m.producto_por_codigo(e, &codigo).await.unwrap().unwrap();
    let cliente = m
        .crear_cliente(e, None, comun::sunat(Some("100")))
        .await
        .unwrap()
        .id;
    let tareas: Vec<_> = (0..12)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move {
                m.vender(
                    e,
                    None,
                    erp_core::ventas::NuevaVenta {
                        cliente_id: Some(cliente),
                        condicion: erp_core::ventas::CondicionPago::Credito,
                        lineas: vec![linea(producto.id, "1")],
                        ..Default::default()
                    },
                )
                .await
            })
        })
        .collect();
    let mut hechas = 0;
    for t in tareas {
        match t.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.venta.total, d("23.60"));
                hechas += 1;
            }
            Err(err) => assert_eq!(err.codigo(), "limite_credito_excedido", "{err}"),
        }
    }
    assert_eq!(hechas, 4);
    assert_eq!(m.ventas(e, &Default::default()).await.unwrap().1, 4);
}

/// Confirmed credit orders completed while direct credit sales of the same customer and product
/// run: both flows take the stock rows before the customer, so none deadlocks and all finish.
async fn ordenes_y_ventas_al_credito(store: AnyStore) {
    use erp_core::ventas::pedidos::{GenerarVenta, LineaPedidoNueva, NuevaOrden};
    let (m, e, codigo) = preparar(store, "100").await;
    let producto = m.producto_por_codigo(e, &codigo).await.unwrap().unwrap();
    let cliente = m
        .crear_cliente(e, None, comun::sunat(Some("100000")))
        .await
        .unwrap()
        .id;
    let mut ordenes = Vec::new();
    for _ in 0..6 {
        let o = m
            .crear_orden(
                e,
                None,
                NuevaOrden {
                    cliente_id: cliente,
                    lineas: vec![LineaPedidoNueva {
                        producto_id: producto.id,
                        cantidad: d("1"),
                        precio: None,
                        descuento: None,
                        descuento_porcentaje: None,
                    }],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        m.confirmar_orden(e, None, o.id).await.unwrap();
        ordenes.push(o.id);
    }
    let mut tareas = Vec::new();
    for o in ordenes {
        let m1 = m.clone();
        tareas.push(tokio::spawn(async move {
            m1.generar_venta(
                e,
                None,
                o,
                GenerarVenta {
                    condicion: erp_core::ventas::CondicionPago::Credito,
                    ..Default::default()
                },
            )
            .await
            .map(|_| ())
        }));
        let m = m.clone();
        let p = producto.id;
        tareas.push(tokio::spawn(async move {
            m.vender(
                e,
                None,
                erp_core::ventas::NuevaVenta {
                    cliente_id: Some(cliente),
                    condicion: erp_core::ventas::CondicionPago::Credito,
                    lineas: vec![linea(p, "1")],
                    ..Default::default()
                },
            )
            .await
            .map(|_| ())
        }));
    }
    for t in tareas {
        t.await.unwrap().unwrap();
    }
    assert_eq!(m.ventas(e, &Default::default()).await.unwrap().1, 12);
    let s = m.stock(e, None, None).await.unwrap();
    assert_eq!((s[0].cantidad, s[0].reservado), (d("88"), d("0")));
}

en_archivo_y_postgres!(
    ordenes_y_ventas_al_credito,
    numeros_sin_huecos,
    stock_escaso_sin_sobreventa,
    reintentos_simultaneos,
    anulaciones_simultaneas,
    credito_simultaneo
);

/// The first sales of a new company, of different products, at once: the "clientes varios" and
/// the default series are made once, and the numbers are still 1..N.
async fn primeras_ventas_simultaneas(store: AnyStore) {
    let m = Arc::new(motor(store));
    let e = empresa_pe(&m).await.id;
    let a = almacen_principal(&m, e, "Tienda").await;
    let mut codigos = Vec::new();
    for i in 0..12 {
        let p = producto(&m, e, &format!("Producto {i}")).await;
        m.registrar_movimiento(e, None, entrada(p.id, a.id, "5", "1"))
            .await
            .unwrap();
        codigos.push(p.codigo);
    }
    let tareas: Vec<_> = codigos
        .into_iter()
        .map(|codigo| {
            let m = m.clone();
            tokio::spawn(async move { m.venta_pos(e, None, pos(&codigo, None)).await })
        })
        .collect();
    let mut numeros = Vec::new();
    for t in tareas {
        numeros.push(t.await.unwrap().unwrap().comprobante.numero);
    }
    numeros.sort_unstable();
    assert_eq!(numeros, (1..=12).collect::<Vec<i64>>());
    assert_eq!(m.series_comprobante(e).await.unwrap().len(), 1);
    assert_eq!(m.buscar_clientes(e, None, 1, 10).await.unwrap().1, 1);
}

en_archivo_y_postgres!(primeras_ventas_simultaneas);
