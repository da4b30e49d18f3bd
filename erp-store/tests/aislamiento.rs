//! Tenancy: a unit of work opened for company B can neither read nor change company A's rows,
//! whatever ids it is handed; A's data stays as it was.

#![allow(clippy::unwrap_used)]

mod comun;

use comun::*;
use erp_core::inventario::servicio::{CambiosProducto, NuevaCategoria, NuevaTransferencia};
use erp_core::inventario::{FiltroMovimientos, FiltroProductos};
use erp_core::store::{Store, Uow};
use erp_store::AnyStore;

async fn una_empresa_no_ve_otra(store: AnyStore) {
    let m = motor(store.clone());
    let ea = empresa_pe(&m).await.id;
    let eb = empresa_pe(&m).await.id;
    let aa = almacen(&m, ea, "Almacén de A").await;
    let ab = almacen(&m, eb, "Almacén de B").await;
    let pa = producto(&m, ea, "Producto de A").await;
    let ca = m
        .crear_categoria(
            ea,
            None,
            NuevaCategoria {
                nombre: "Cat A".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    m.registrar_movimiento(ea, None, entrada(pa.id, aa.id, "5", "1"))
        .await
        .unwrap();

    // Reads through B: nothing of A exists.
    assert_eq!(
        m.producto(eb, pa.id).await.unwrap_err().codigo(),
        "no_encontrado"
    );
    assert!(
        m.producto_por_codigo(eb, &pa.codigo)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        m.buscar_productos(eb, &FiltroProductos::default())
            .await
            .unwrap()
            .1,
        0
    );
    assert!(m.stock(eb, Some(pa.id), None).await.unwrap().is_empty());
    assert!(
        m.movimientos(
            eb,
            &FiltroMovimientos {
                limite: 100,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(m.categorias(eb).await.unwrap().is_empty());
    assert_eq!(
        m.stock_a_fecha(eb, pa.id, None, m.ahora())
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );

    // Writes through B with A's ids: refused, nothing written.
    for mov in [
        entrada(pa.id, ab.id, "1", "1"),
        salida(pa.id, aa.id, "1"),
        entrada(pa.id, aa.id, "1", "1"),
    ] {
        assert_eq!(
            m.registrar_movimiento(eb, None, mov)
                .await
                .unwrap_err()
                .codigo(),
            "no_encontrado"
        );
    }
    let cambio = CambiosProducto {
        precio_venta: Some(d("99")),
        ..Default::default()
    };
    assert_eq!(
        m.actualizar_producto(eb, None, pa.id, cambio)
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    assert_eq!(
        m.eliminar_producto(eb, None, pa.id)
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    let hija = NuevaCategoria {
        nombre: "Hija".into(),
        descripcion: String::new(),
        padre_id: Some(ca.id),
    };
    assert_eq!(
        m.crear_categoria(eb, None, hija)
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    let t = NuevaTransferencia {
        producto_id: pa.id,
        almacen_origen_id: aa.id,
        almacen_destino_id: ab.id,
        cantidad: d("1"),
        fecha: None,
        lote: None,
        series: vec![],
        motivo: String::new(),
    };
    assert_eq!(
        m.transferir(eb, None, t).await.unwrap_err().codigo(),
        "no_encontrado"
    );

    // Even the raw port refuses: a stock row of A's product cannot be made in B.
    let mut uow = store.begin(eb).await.unwrap();
    assert!(uow.producto(pa.id).await.unwrap().is_none());
    assert!(uow.almacen(aa.id).await.unwrap().is_none());
    assert!(uow.stock_bloqueado(pa.id, aa.id).await.is_err());
    drop(uow);

    // A is untouched.
    let pa2 = m.producto(ea, pa.id).await.unwrap();
    assert_eq!(pa2.precio_venta, pa.precio_venta);
    assert_eq!(
        m.stock(ea, Some(pa.id), None).await.unwrap()[0].cantidad,
        d("5")
    );
    assert_eq!(
        m.movimientos(
            ea,
            &FiltroMovimientos {
                limite: 100,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .len(),
        1
    );
    // An unknown company cannot open a unit of work at all.
    assert_eq!(
        m.almacenes(uuid::Uuid::now_v7())
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
}

en_ambos!(una_empresa_no_ve_otra);
