//! Quotation → order → sale on both databases, expiry and duplication, reservations.

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Arc;

use comun::*;
use erp_core::Motor;
use erp_core::inventario::EstadoSerie;
use erp_core::store::Reloj;
use erp_core::ventas::pedidos::{
    DespachoLinea, EstadoCotizacion, EstadoOrden, GenerarVenta, LineaPedidoNueva, NuevaCotizacion,
    NuevaOrden,
};
use erp_core::ventas::servicio::{ItemPos, VentaPos};
use erp_store::{AnyStore, IdsV7};
use time::{Duration, OffsetDateTime};

en_ambos!(
    cotizacion_orden_venta,
    cotizacion_vencida_solo_se_duplica,
    reserva_de_la_orden,
    orden_con_series_y_lotes
);

/// A clock that can be moved forward, to see quotations expire.
struct RelojMovible(std::sync::Mutex<OffsetDateTime>);

impl Reloj for RelojMovible {
    fn ahora(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

async fn preparar(
    store: AnyStore,
    reloj: Arc<RelojMovible>,
) -> (M, uuid::Uuid, uuid::Uuid, uuid::Uuid) {
    let m = Motor::new(store, reloj, Arc::new(IdsV7));
    let e = empresa_pe(&m).await.id;
    let a = almacen_principal(&m, e, "Central").await;
    let p = producto(&m, e, "Taladro").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "5", "10"))
        .await
        .unwrap();
    let c = m.crear_cliente(e, None, comun::sunat(None)).await.unwrap();
    (m, e, p.id, c.id)
}

fn reloj() -> Arc<RelojMovible> {
    let t = OffsetDateTime::now_utc();
    Arc::new(RelojMovible(std::sync::Mutex::new(
        t.replace_nanosecond(0).unwrap(),
    )))
}

fn cotizar(cliente: uuid::Uuid, p: uuid::Uuid, cantidad: &str) -> NuevaCotizacion {
    NuevaCotizacion {
        cliente_id: cliente,
        lineas: vec![LineaPedidoNueva {
            producto_id: p,
            cantidad: d(cantidad),
            precio: None,
            descuento: None,
            descuento_porcentaje: None,
        }],
        dias_validez: Some(10),
        ..Default::default()
    }
}

async fn cotizacion_orden_venta(store: AnyStore) {
    let (m, e, p, c) = preparar(store, reloj()).await;
    let cot = m
        .crear_cotizacion(e, None, cotizar(c, p, "2"))
        .await
        .unwrap();
    assert_eq!(
        (cot.numero.as_str(), cot.estado),
        ("COT-000001", EstadoCotizacion::Vigente)
    );
    assert_eq!(cot.total, d("47.20"));
    let orden = m.convertir_a_orden(e, None, cot.id, None).await.unwrap();
    assert_eq!(
        (orden.numero.as_str(), orden.estado, orden.cotizacion_id),
        ("OV-000001", EstadoOrden::Pendiente, Some(cot.id))
    );
    assert_eq!(
        m.cotizacion(e, cot.id).await.unwrap().estado,
        EstadoCotizacion::Aceptada
    );
    // Converting twice is refused.
    assert_eq!(
        m.convertir_a_orden(e, None, cot.id, None)
            .await
            .unwrap_err()
            .codigo(),
        "estado_invalido"
    );
    m.confirmar_orden(e, None, orden.id).await.unwrap();
    let venta = m
        .generar_venta(e, None, orden.id, GenerarVenta::default())
        .await
        .unwrap();
    assert_eq!(venta.venta.total, d("47.20"));
    assert_eq!(venta.venta.orden_id, Some(orden.id));
    assert_eq!(venta.comprobante.numero_completo(), "F001-00000001");
    let orden = m.orden(e, orden.id).await.unwrap();
    assert_eq!(
        (orden.estado, orden.venta_id),
        (EstadoOrden::Completada, Some(venta.venta.id))
    );
    let s = m.stock(e, Some(p), None).await.unwrap();
    assert_eq!((s[0].cantidad, s[0].reservado), (d("3"), d("0")));
    assert_eq!(
        m.generar_venta(e, None, orden.id, GenerarVenta::default())
            .await
            .unwrap_err()
            .codigo(),
        "estado_invalido"
    );
}

async fn cotizacion_vencida_solo_se_duplica(store: AnyStore) {
    let r = reloj();
    let (m, e, p, c) = preparar(store, r.clone()).await;
    let cot = m
        .crear_cotizacion(e, None, cotizar(c, p, "1"))
        .await
        .unwrap();
    let otra = m
        .crear_cotizacion(e, None, cotizar(c, p, "1"))
        .await
        .unwrap();
    // Eleven days later both are past their validity: read so before the nightly job runs.
    *r.0.lock().unwrap() += Duration::days(11);
    assert_eq!(
        m.cotizacion(e, cot.id).await.unwrap().estado,
        EstadoCotizacion::Vencida
    );
    let (lista, _) = m.cotizaciones(e, None, 1, 10).await.unwrap();
    assert_eq!(lista.len(), 2);
    assert!(lista.iter().all(|c| c.estado == EstadoCotizacion::Vencida));
    assert_eq!(m.vencer_cotizaciones(e).await.unwrap(), 2);
    assert_eq!(m.vencer_cotizaciones(e).await.unwrap(), 0);
    let err = m
        .convertir_a_orden(e, None, cot.id, None)
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "cotizacion_vencida");
    assert!(err.mensaje().contains("solo puede duplicarse"), "{err}");
    assert_eq!(
        m.rechazar_cotizacion(e, None, otra.id, "caro")
            .await
            .unwrap_err()
            .codigo(),
        "estado_invalido"
    );
    let copia = m.duplicar_cotizacion(e, None, cot.id).await.unwrap();
    assert_eq!(
        (copia.estado, copia.origen_id, copia.numero.as_str()),
        (EstadoCotizacion::Vigente, Some(cot.id), "COT-000003")
    );
    assert_eq!(
        copia.fecha_emision,
        r.ahora()
            .to_offset(time::UtcOffset::from_hms(-5, 0, 0).unwrap())
            .date()
    );
    assert_eq!(
        m.cotizacion(e, cot.id).await.unwrap().estado,
        EstadoCotizacion::Vencida
    );
    m.convertir_a_orden(e, None, copia.id, None).await.unwrap();
}

async fn reserva_de_la_orden(store: AnyStore) {
    let (m, e, p, c) = preparar(store, reloj()).await;
    let orden = m
        .convertir_a_orden(
            e,
            None,
            m.crear_cotizacion(e, None, cotizar(c, p, "4"))
                .await
                .unwrap()
                .id,
            None,
        )
        .await
        .unwrap();
    m.confirmar_orden(e, None, orden.id).await.unwrap();
    // 5 on hand, 4 reserved: a counter sale of 2 is refused, of 1 goes through.
    let codigo = m.producto(e, p).await.unwrap().codigo;
    let pos = |n: &str| VentaPos {
        items: vec![ItemPos {
            codigo: codigo.clone(),
            cantidad: d(n),
            series: vec![],
        }],
        ..Default::default()
    };
    let err = m.venta_pos(e, None, pos("2")).await.unwrap_err();
    assert_eq!(err.codigo(), "stock_insuficiente");
    assert!(err.mensaje().contains("disponible 1"), "{err}");
    m.venta_pos(e, None, pos("1")).await.unwrap();
    // Another order for the same stock cannot be confirmed.
    let otra = m
        .convertir_a_orden(
            e,
            None,
            m.crear_cotizacion(e, None, cotizar(c, p, "1"))
                .await
                .unwrap()
                .id,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        m.confirmar_orden(e, None, otra.id)
            .await
            .unwrap_err()
            .codigo(),
        "stock_insuficiente"
    );
    // Cancelling releases the reservation.
    let cancelada = m
        .cancelar_orden(e, None, orden.id, "cliente desiste")
        .await
        .unwrap();
    assert_eq!(cancelada.estado, EstadoOrden::Cancelada);
    assert_eq!(
        m.stock(e, Some(p), None).await.unwrap()[0].reservado,
        d("0")
    );
    m.confirmar_orden(e, None, otra.id).await.unwrap();
    assert_eq!(
        m.cancelar_orden(e, None, orden.id, "otra vez")
            .await
            .unwrap_err()
            .codigo(),
        "estado_invalido"
    );
}

/// An order of a serial-tracked phone and a lot-tracked syrup: the dispatch names the serial and
/// the lot when the sale is generated; without the serial the sale is refused and the order stays
/// as it was. A retry with the same key returns the same sale. An inactive product cannot be
/// ordered.
async fn orden_con_series_y_lotes(store: AnyStore) {
    let (m, e, _, c) = preparar(store, reloj()).await;
    let a = m.almacenes(e).await.unwrap()[0].id;
    let mut n = nuevo_producto("Celular", "900", "600");
    n.requiere_serie = true;
    let cel = m.crear_producto(e, None, n).await.unwrap();
    let mut ent = entrada(cel.id, a, "2", "600");
    ent.series = vec!["IMEI-A".into(), "IMEI-B".into()];
    m.registrar_movimiento(e, None, ent).await.unwrap();
    let mut n = nuevo_producto("Jarabe", "12", "6");
    n.requiere_lote = true;
    let jarabe = m.crear_producto(e, None, n).await.unwrap();
    for lote in ["L1", "L2"] {
        let mut x = entrada(jarabe.id, a, "5", "6");
        x.lote = Some(lote.into());
        m.registrar_movimiento(e, None, x).await.unwrap();
    }
    let pedido = |p: uuid::Uuid, cantidad: &str| LineaPedidoNueva {
        producto_id: p,
        cantidad: d(cantidad),
        precio: None,
        descuento: None,
        descuento_porcentaje: None,
    };
    let orden = m
        .crear_orden(
            e,
            None,
            NuevaOrden {
                cliente_id: c,
                lineas: vec![pedido(cel.id, "1"), pedido(jarabe.id, "2")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    m.confirmar_orden(e, None, orden.id).await.unwrap();
    let err = m
        .generar_venta(e, None, orden.id, GenerarVenta::default())
        .await
        .unwrap_err();
    assert_eq!(err.campo(), Some("lineas[0].series"), "{err}");
    assert_eq!(
        m.orden(e, orden.id).await.unwrap().estado,
        EstadoOrden::Confirmada
    );
    let s = m.stock(e, Some(cel.id), None).await.unwrap();
    assert_eq!(s[0].reservado, d("1"));
    let err = m
        .generar_venta(
            e,
            None,
            orden.id,
            GenerarVenta {
                lineas: vec![DespachoLinea {
                    numero: 3,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.campo(), Some("lineas[0].numero"), "{err}");
    // A key already used by a direct sale cannot complete the order with that sale.
    m.venta_pos(
        e,
        None,
        VentaPos {
            items: vec![ItemPos {
                codigo: cel.codigo.clone(),
                cantidad: d("1"),
                series: vec!["IMEI-A".into()],
            }],
            clave_idempotencia: Some("usada".into()),
            cliente_id: Some(c),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = m
        .generar_venta(
            e,
            None,
            orden.id,
            GenerarVenta {
                clave_idempotencia: Some("usada".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("duplicado", Some("clave_idempotencia"))
    );
    let o = m.orden(e, orden.id).await.unwrap();
    assert_eq!((o.estado, o.venta_id), (EstadoOrden::Confirmada, None));
    let despacho = GenerarVenta {
        lineas: vec![
            DespachoLinea {
                numero: 1,
                series: vec!["IMEI-B".into()],
                lote: None,
            },
            DespachoLinea {
                numero: 2,
                series: vec![],
                lote: Some("L2".into()),
            },
        ],
        clave_idempotencia: Some("orden-1".into()),
        ..Default::default()
    };
    let venta = m
        .generar_venta(e, None, orden.id, despacho.clone())
        .await
        .unwrap();
    assert_eq!(venta.venta.lineas[0].series, vec!["IMEI-B".to_string()]);
    let l2 = venta.venta.lineas[1].lotes.clone();
    assert_eq!(l2.len(), 1);
    let series = m.series(e, cel.id).await.unwrap();
    let b = series.iter().find(|s| s.numero_serie == "IMEI-B").unwrap();
    assert_eq!(b.estado, EstadoSerie::Vendido);
    // The retry after a timeout gets the same sale.
    let otra = m.generar_venta(e, None, orden.id, despacho).await.unwrap();
    assert_eq!(otra.venta.id, venta.venta.id);
    assert_eq!(m.ventas(e, &Default::default()).await.unwrap().1, 2);
    let s = m.stock(e, Some(cel.id), None).await.unwrap();
    assert_eq!((s[0].cantidad, s[0].reservado), (d("0"), d("0")));
    // The syrup left lot L2 (not the first-expiry default).
    let movs = m
        .movimientos(
            e,
            &erp_core::inventario::FiltroMovimientos {
                producto_id: Some(jarabe.id),
                tipo: Some(erp_core::inventario::TipoMovimiento::Salida),
                limite: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(movs.len(), 1);
    assert_eq!(movs[0].lote_id, Some(l2[0].0));
    assert_eq!(movs[0].cantidad, d("2"));
    // An inactive product cannot be ordered.
    m.actualizar_producto(
        e,
        None,
        jarabe.id,
        erp_core::inventario::servicio::CambiosProducto {
            activo: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = m
        .crear_orden(
            e,
            None,
            NuevaOrden {
                cliente_id: c,
                lineas: vec![pedido(jarabe.id, "1")],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("estado_invalido", Some("lineas[0].producto_id"))
    );
}
