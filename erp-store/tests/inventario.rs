//! Inventory flows on both databases: products and their codes, categories, the ledger with
//! weighted-average cost, outflows refused without stock, approvals, transfers, adjustments,
//! lots, serial numbers, stock at a past date, backdated movements and minimum-stock alerts.

#![allow(clippy::unwrap_used)]

mod comun;

use comun::*;
use erp_core::inventario::servicio::{
    Aprobacion, CambiosCategoria, CambiosProducto, NuevaCategoria, NuevaTransferencia, NuevoAjuste,
    NuevoMovimiento,
};
use erp_core::inventario::{
    EstadoSerie, FiltroMovimientos, FiltroProductos, ReferenciaMovimiento, TipoMovimiento,
};
use erp_core::seguridad::{Autor, FiltroAuditoria};
use erp_core::{Decimal, Error};
use erp_store::AnyStore;
use time::macros::datetime;

en_ambos!(
    codigos_de_producto,
    validaciones_de_producto,
    categorias_sin_ciclos,
    promedio_ponderado_y_kardex,
    salida_sin_stock_no_escribe_nada,
    salida_aprobada_queda_registrada,
    transferencia_en_dos_patas,
    ajustes_con_motivo,
    lotes_primero_en_vencer,
    series,
    stock_a_una_fecha_pasada,
    movimiento_con_fecha_pasada_revalua,
    fecha_pasada_que_dejaria_sin_stock,
    fecha_pasada_se_propaga_por_transferencias,
    alertas_de_stock_minimo,
    busqueda_de_productos,
    producto_eliminado,
    configuracion_tipada,
    entradas_invalidas,
);

async fn codigos_de_producto(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let cat = m
        .crear_categoria(
            e,
            None,
            NuevaCategoria {
                nombre: "Transmisión".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut n = nuevo_producto("Capuchones", "15.00", "9.50");
    n.categoria_id = Some(cat.id);
    let p1 = m.crear_producto(e, None, n.clone()).await.unwrap();
    assert_eq!(p1.codigo, "CPCH-TRA-0001");
    let p2 = m.crear_producto(e, None, n).await.unwrap();
    assert_eq!(p2.codigo, "CPCH-TRA-0002");
    let pines = m
        .crear_producto(e, None, nuevo_producto("Pines", "1", "0.5"))
        .await
        .unwrap();
    assert_eq!(pines.codigo, "PINS-GEN-0001");
    // A code typed by hand that the generator would produce next is skipped, not duplicated.
    let mut manual = nuevo_producto("Otro", "3", "1");
    manual.codigo = Some("pins-gen-0002".into());
    assert_eq!(
        m.crear_producto(e, None, manual).await.unwrap().codigo,
        "PINS-GEN-0002"
    );
    assert_eq!(
        m.crear_producto(e, None, nuevo_producto("Pines", "1", "0.5"))
            .await
            .unwrap()
            .codigo,
        "PINS-GEN-0003"
    );
    // A repeated code is refused with the product that holds it.
    let mut dup = nuevo_producto("Copia", "3", "1");
    dup.codigo = Some("CPCH-TRA-0001".into());
    let err = m.crear_producto(e, None, dup).await.unwrap_err();
    assert_eq!(err.codigo(), "duplicado");
    assert!(err.mensaje().contains("Capuchones"), "{err}");
    // The barcode finds the product, as a POS scanner does.
    let mut conbarras = nuevo_producto("Leche", "4.50", "3.20");
    conbarras.codigo_barras = "7751271000010".into();
    let leche = m.crear_producto(e, None, conbarras).await.unwrap();
    assert_eq!(
        m.producto_por_codigo(e, "7751271000010")
            .await
            .unwrap()
            .unwrap()
            .id,
        leche.id
    );
}

async fn validaciones_de_producto(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let err = m
        .crear_producto(e, None, nuevo_producto("Caro", "10", "10"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("precio_invalido", Some("precio_venta"))
    );
    assert!(err.mensaje().contains("mayor al costo"), "{err}");
    let mut n = nuevo_producto("X", "10", "5");
    n.stock_minimo = Some(d("-1"));
    assert_eq!(
        m.crear_producto(e, None, n).await.unwrap_err().campo(),
        Some("stock_minimo")
    );
    let mut n = nuevo_producto("X", "10", "5");
    n.ice_codigo = Some("3031".into());
    assert_eq!(
        m.crear_producto(e, None, n).await.unwrap_err().codigo(),
        "campo_no_aplica"
    );
    let mut n = nuevo_producto("X", "10", "5");
    n.categoria_id = Some(uuid::Uuid::now_v7());
    assert_eq!(
        m.crear_producto(e, None, n).await.unwrap_err().codigo(),
        "no_encontrado"
    );
    let mut n = nuevo_producto("X", "10", "5");
    n.unidad_medida = Some("kilos!".into());
    assert_eq!(
        m.crear_producto(e, None, n).await.unwrap_err().campo(),
        Some("unidad_medida")
    );
    let mut n = nuevo_producto("X", "10", "5");
    n.requiere_lote = true;
    n.requiere_serie = true;
    assert_eq!(
        m.crear_producto(e, None, n).await.unwrap_err().campo(),
        Some("requiere_lote")
    );
    let mut n = nuevo_producto(&"x".repeat(201), "10", "5");
    n.nombre = "x".repeat(201);
    assert_eq!(
        m.crear_producto(e, None, n).await.unwrap_err().codigo(),
        "texto_demasiado_largo"
    );
}

async fn categorias_sin_ciclos(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let nueva = |nombre: &str, padre| NuevaCategoria {
        nombre: nombre.into(),
        descripcion: String::new(),
        padre_id: padre,
    };
    let a = m
        .crear_categoria(e, None, nueva("Repuestos", None))
        .await
        .unwrap();
    let b = m
        .crear_categoria(e, None, nueva("Motor", Some(a.id)))
        .await
        .unwrap();
    let c = m
        .crear_categoria(e, None, nueva("Pistones", Some(b.id)))
        .await
        .unwrap();
    for padre in [c.id, a.id, b.id] {
        let err = m
            .actualizar_categoria(
                e,
                None,
                a.id,
                CambiosCategoria {
                    padre_id: Some(Some(padre)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.codigo(), "categoria_ciclo", "{err}");
    }
    // Nothing changed; a legal move still works.
    assert_eq!(
        m.categorias(e)
            .await
            .unwrap()
            .iter()
            .find(|x| x.id == a.id)
            .unwrap()
            .padre_id,
        None
    );
    let movida = m
        .actualizar_categoria(
            e,
            None,
            c.id,
            CambiosCategoria {
                padre_id: Some(Some(a.id)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(movida.padre_id, Some(a.id));
    let raiz = m
        .actualizar_categoria(
            e,
            None,
            c.id,
            CambiosCategoria {
                padre_id: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(raiz.padre_id, None);
}

async fn promedio_ponderado_y_kardex(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let p = producto(&m, e, "Tornillo").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "10", "5.00"))
        .await
        .unwrap();
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "10", "7.00"))
        .await
        .unwrap();
    let s = m
        .registrar_movimiento(e, None, salida(p.id, a.id, "5"))
        .await
        .unwrap();
    assert_eq!(s[0].valor, d("30.00"));
    assert_eq!(s[0].costo_unitario, d("6"));
    assert_eq!(
        (s[0].cantidad_saldo, s[0].valor_saldo),
        (d("15"), d("90.00"))
    );
    let stock = m.stock(e, Some(p.id), None).await.unwrap();
    assert_eq!(stock.len(), 1);
    assert_eq!(
        (stock[0].cantidad, stock[0].valor, stock[0].costo_promedio),
        (d("15"), d("90.00"), d("6"))
    );
    // The ledger, newest first, replays to the stock row.
    let f = FiltroMovimientos {
        producto_id: Some(p.id),
        limite: 50,
        ..Default::default()
    };
    let mut kardex = m.movimientos(e, &f).await.unwrap();
    kardex.reverse();
    let saldos = erp_core::inventario::kardex::reproducir(&kardex);
    assert_eq!(saldos.last().unwrap().valor, stock[0].valor);
    assert_eq!(
        kardex.iter().map(|k| k.tipo).collect::<Vec<_>>(),
        vec![
            TipoMovimiento::Entrada,
            TipoMovimiento::Entrada,
            TipoMovimiento::Salida
        ]
    );
}

async fn salida_sin_stock_no_escribe_nada(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Tienda").await;
    let p = producto(&m, e, "Cable").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "2", "3"))
        .await
        .unwrap();
    let err = m
        .registrar_movimiento(e, None, salida(p.id, a.id, "5"))
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "stock_insuficiente");
    assert_eq!(
        err.to_string(),
        format!(
            "Stock insuficiente para {} en Tienda: disponible 2, solicitado 5",
            p.codigo
        )
    );
    let f = FiltroMovimientos {
        producto_id: Some(p.id),
        limite: 50,
        ..Default::default()
    };
    assert_eq!(m.movimientos(e, &f).await.unwrap().len(), 1);
    assert_eq!(
        m.stock(e, Some(p.id), None).await.unwrap()[0].cantidad,
        d("2")
    );
}

async fn salida_aprobada_queda_registrada(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Tienda").await;
    let p = producto(&m, e, "Cable").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "2", "3"))
        .await
        .unwrap();
    let gerente = uuid::Uuid::now_v7();
    let mut s = salida(p.id, a.id, "5");
    s.aprobacion = Some(Aprobacion {
        usuario_id: gerente,
    });
    let cajero = uuid::Uuid::now_v7();
    let filas = m
        .registrar_movimiento(e, Autor::new(Some(cajero), "10.0.0.7"), s)
        .await
        .unwrap();
    assert_eq!(filas[0].aprobado_por, Some(gerente));
    assert_eq!(filas[0].cantidad_saldo, d("-3"));
    assert_eq!(filas[0].valor, d("15.00"));
    // The approval and the movement are in the audit log, by who moved the goods.
    let f = FiltroAuditoria {
        modulo: Some("inventario".into()),
        pagina: 1,
        tamanio_pagina: 10,
        ..Default::default()
    };
    let (log, _) = m.auditoria(e, &f).await.unwrap();
    let mut actos: Vec<_> = log
        .iter()
        .filter(|x| x.usuario_id == Some(cajero))
        .map(|x| (x.accion.as_str(), x.detalle.as_str(), x.ip.as_str()))
        .collect();
    actos.sort();
    let aprobacion = format!(
        "salida de 5 NIU de {} en Tienda sin stock suficiente, aprobada por {gerente}",
        p.codigo
    );
    let movimiento = format!("salida 5 de {} en {}", p.id, a.id);
    assert_eq!(
        actos,
        [
            ("aprobar", aprobacion.as_str(), "10.0.0.7"),
            ("movimiento", movimiento.as_str(), "10.0.0.7"),
        ]
    );
    // An approval on an outflow the stock covers was not needed: the movement is logged, the
    // approval is not.
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "10", "3"))
        .await
        .unwrap();
    let mut s = salida(p.id, a.id, "1");
    s.aprobacion = Some(Aprobacion {
        usuario_id: gerente,
    });
    m.registrar_movimiento(e, Autor::new(Some(cajero), "10.0.0.7"), s)
        .await
        .unwrap();
    let aprobaciones = FiltroAuditoria {
        accion: Some("aprobar".into()),
        ..f
    };
    assert_eq!(m.auditoria(e, &aprobaciones).await.unwrap().1, 1);
}

async fn transferencia_en_dos_patas(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let b = almacen(&m, e, "Sucursal").await;
    let p = producto(&m, e, "Martillo").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "10", "12.50"))
        .await
        .unwrap();
    let t = |cantidad: &str, destino| NuevaTransferencia {
        producto_id: p.id,
        almacen_origen_id: a.id,
        almacen_destino_id: destino,
        cantidad: d(cantidad),
        fecha: None,
        lote: None,
        series: vec![],
        motivo: "reposición".into(),
    };
    let filas = m.transferir(e, None, t("4", b.id)).await.unwrap();
    assert_eq!(filas.len(), 2);
    assert_eq!(filas[0].tipo, TipoMovimiento::TransferenciaSalida);
    assert_eq!(filas[1].tipo, TipoMovimiento::TransferenciaEntrada);
    assert_eq!(filas[0].movimiento_relacionado_id, Some(filas[1].id));
    assert_eq!(filas[1].valor, d("50.00"));
    let stock = m.stock(e, Some(p.id), None).await.unwrap();
    let de = |id| stock.iter().find(|s| s.almacen_id == id).unwrap().clone();
    assert_eq!((de(a.id).cantidad, de(a.id).valor), (d("6"), d("75.00")));
    assert_eq!(
        (de(b.id).cantidad, de(b.id).valor, de(b.id).costo_promedio),
        (d("4"), d("50.00"), d("12.5"))
    );
    let err = m.transferir(e, None, t("1", a.id)).await.unwrap_err();
    assert_eq!(err.campo(), Some("almacen_destino_id"));
    let err = m.transferir(e, None, t("7", b.id)).await.unwrap_err();
    assert_eq!(err.codigo(), "stock_insuficiente");
    assert_eq!(
        m.stock(e, Some(p.id), Some(b.id)).await.unwrap()[0].cantidad,
        d("4")
    );
}

async fn ajustes_con_motivo(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let p = producto(&m, e, "Clavos").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "100", "0.10"))
        .await
        .unwrap();
    let ajuste = |nueva: Option<&str>, dif: Option<&str>, motivo: &str| NuevoAjuste {
        producto_id: p.id,
        almacen_id: a.id,
        cantidad_nueva: nueva.map(d),
        diferencia: dif.map(d),
        motivo: motivo.into(),
        costo_unitario: None,
        lote: None,
        vencimiento: None,
        series: vec![],
    };
    let err = m
        .ajustar(e, None, ajuste(Some("90"), None, "  "))
        .await
        .unwrap_err();
    assert_eq!(err.campo(), Some("motivo"));
    let filas = m
        .ajustar(e, None, ajuste(Some("97"), None, "conteo físico"))
        .await
        .unwrap();
    assert_eq!(
        (filas[0].tipo, filas[0].cantidad),
        (TipoMovimiento::AjusteSalida, d("3"))
    );
    assert_eq!(
        filas[0].referencia_tipo,
        Some(ReferenciaMovimiento::AjusteManual)
    );
    assert_eq!(filas[0].motivo, "conteo físico");
    let filas = m
        .ajustar(e, None, ajuste(None, Some("5"), "hallazgo"))
        .await
        .unwrap();
    assert_eq!(
        (filas[0].tipo, filas[0].cantidad_saldo),
        (TipoMovimiento::AjusteEntrada, d("102"))
    );
    assert_eq!(
        m.ajustar(e, None, ajuste(Some("102"), None, "nada"))
            .await
            .unwrap_err()
            .codigo(),
        "cantidad_invalida"
    );
    assert_eq!(
        m.ajustar(e, None, ajuste(Some("1"), Some("1"), "x"))
            .await
            .unwrap_err()
            .codigo(),
        "campo_requerido"
    );
}

async fn lotes_primero_en_vencer(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Farmacia").await;
    let mut n = nuevo_producto("Paracetamol", "2", "1");
    n.requiere_lote = true;
    let p = m.crear_producto(e, None, n).await.unwrap();
    let err = m
        .registrar_movimiento(e, None, entrada(p.id, a.id, "10", "1"))
        .await
        .unwrap_err();
    assert_eq!(err.campo(), Some("lote"));
    let con_lote = |lote: &str, cantidad: &str, vence: Option<time::Date>| {
        let mut x = entrada(p.id, a.id, cantidad, "1");
        x.lote = Some(lote.into());
        x.vencimiento = vence;
        x
    };
    m.registrar_movimiento(
        e,
        None,
        con_lote("L-TARDE", "10", Some(time::macros::date!(2027 - 06 - 30))),
    )
    .await
    .unwrap();
    m.registrar_movimiento(
        e,
        None,
        con_lote("L-PRONTO", "4", Some(time::macros::date!(2027 - 01 - 31))),
    )
    .await
    .unwrap();
    m.registrar_movimiento(e, None, con_lote("L-SIN", "5", None))
        .await
        .unwrap();
    // 6 units: the 4 that expire first, then 2 of the next.
    let filas = m
        .registrar_movimiento(e, None, salida(p.id, a.id, "6"))
        .await
        .unwrap();
    assert_eq!(filas.len(), 2);
    assert_eq!(
        filas.iter().map(|f| f.cantidad).collect::<Vec<_>>(),
        vec![d("4"), d("2")]
    );
    // A named lot is taken from, and refused beyond its quantity.
    let mut s = salida(p.id, a.id, "5");
    s.lote = Some("L-SIN".into());
    m.registrar_movimiento(e, None, s).await.unwrap();
    let mut s = salida(p.id, a.id, "1");
    s.lote = Some("L-SIN".into());
    assert_eq!(
        m.registrar_movimiento(e, None, s)
            .await
            .unwrap_err()
            .codigo(),
        "stock_insuficiente"
    );
    assert_eq!(
        m.stock(e, Some(p.id), None).await.unwrap()[0].cantidad,
        d("8")
    );
}

async fn series(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let b = almacen(&m, e, "Tienda").await;
    let mut n = nuevo_producto("Celular X", "900", "600");
    n.requiere_serie = true;
    let p = m.crear_producto(e, None, n).await.unwrap();
    let mut ent = entrada(p.id, a.id, "3", "600");
    ent.series = vec!["IMEI-1".into(), "IMEI-2".into()];
    assert_eq!(
        m.registrar_movimiento(e, None, ent.clone())
            .await
            .unwrap_err()
            .campo(),
        Some("series")
    );
    ent.series.push("IMEI-3".into());
    m.registrar_movimiento(e, None, ent.clone()).await.unwrap();
    // The same serial cannot enter twice.
    let mut otra = entrada(p.id, a.id, "1", "600");
    otra.series = vec!["IMEI-1".into()];
    assert_eq!(
        m.registrar_movimiento(e, None, otra)
            .await
            .unwrap_err()
            .codigo(),
        "duplicado"
    );
    let mut venta = salida(p.id, a.id, "1");
    venta.series = vec!["IMEI-2".into()];
    venta.referencia_tipo = Some(ReferenciaMovimiento::Venta);
    m.registrar_movimiento(e, None, venta.clone())
        .await
        .unwrap();
    // Sold: not available any more.
    let err = m.registrar_movimiento(e, None, venta).await.unwrap_err();
    assert_eq!(err.codigo(), "estado_invalido");
    let mut inexistente = salida(p.id, a.id, "1");
    inexistente.series = vec!["IMEI-9".into()];
    assert_eq!(
        m.registrar_movimiento(e, None, inexistente)
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    // A transfer moves the serial to the other warehouse.
    m.transferir(
        e,
        None,
        NuevaTransferencia {
            producto_id: p.id,
            almacen_origen_id: a.id,
            almacen_destino_id: b.id,
            cantidad: d("1"),
            fecha: None,
            lote: None,
            series: vec!["IMEI-3".into()],
            motivo: String::new(),
        },
    )
    .await
    .unwrap();
    let series = m.series(e, p.id).await.unwrap();
    let de = |n: &str| series.iter().find(|s| s.numero_serie == n).unwrap().clone();
    assert_eq!(de("IMEI-1").estado, EstadoSerie::Disponible);
    assert_eq!(de("IMEI-2").estado, EstadoSerie::Vendido);
    assert_eq!(de("IMEI-3").almacen_id, Some(b.id));
    let s = m
        .cambiar_estado_serie(e, None, p.id, "IMEI-1", EstadoSerie::Defectuoso, "pantalla")
        .await
        .unwrap();
    assert_eq!(s.estado, EstadoSerie::Defectuoso);
    let err = m
        .cambiar_estado_serie(e, None, p.id, "IMEI-1", EstadoSerie::Vendido, "")
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "estado_invalido");
}

async fn stock_a_una_fecha_pasada(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let p = producto(&m, e, "Arena").await;
    let con_fecha = |mut x: NuevoMovimiento, f| {
        x.fecha = Some(f);
        x
    };
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "2"),
            datetime!(2026-01-10 12:00 -5),
        ),
    )
    .await
    .unwrap();
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "4"),
            datetime!(2026-02-10 12:00 -5),
        ),
    )
    .await
    .unwrap();
    m.registrar_movimiento(
        e,
        None,
        con_fecha(salida(p.id, a.id, "5"), datetime!(2026-03-10 12:00 -5)),
    )
    .await
    .unwrap();
    let m = &m;
    let en = |f| async move { m.stock_a_fecha(e, p.id, Some(a.id), f).await.unwrap()[0].clone() };
    let s = en(datetime!(2026-01-05 00:00 -5)).await;
    assert_eq!((s.cantidad, s.valor), (Decimal::ZERO, Decimal::ZERO));
    let s = en(datetime!(2026-01-31 23:59 -5)).await;
    assert_eq!((s.cantidad, s.valor), (d("10"), d("20.00")));
    let s = en(datetime!(2026-02-28 23:59 -5)).await;
    assert_eq!(
        (s.cantidad, s.valor, s.costo_promedio),
        (d("20"), d("60.00"), d("3"))
    );
    let s = en(datetime!(2026-03-10 12:00 -5)).await;
    assert_eq!((s.cantidad, s.valor), (d("15"), d("45.00")));
}

async fn movimiento_con_fecha_pasada_revalua(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let p = producto(&m, e, "Cemento").await;
    let con_fecha = |mut x: NuevoMovimiento, f| {
        x.fecha = Some(f);
        x
    };
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "10"),
            datetime!(2026-03-01 10:00 -5),
        ),
    )
    .await
    .unwrap();
    let s = m
        .registrar_movimiento(
            e,
            None,
            con_fecha(salida(p.id, a.id, "4"), datetime!(2026-03-05 10:00 -5)),
        )
        .await
        .unwrap();
    assert_eq!(s[0].valor, d("40.00"));
    // An entry found later, dated before the outflow: 10 at 20 on 03-03. The outflow now leaves
    // at the new average, 15.00, and the later balances follow.
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "20"),
            datetime!(2026-03-03 10:00 -5),
        ),
    )
    .await
    .unwrap();
    let f = FiltroMovimientos {
        producto_id: Some(p.id),
        limite: 50,
        ..Default::default()
    };
    let mut k = m.movimientos(e, &f).await.unwrap();
    k.reverse();
    assert_eq!(k.len(), 3);
    assert_eq!(k[1].tipo, TipoMovimiento::Entrada);
    assert_eq!(
        (k[1].cantidad_saldo, k[1].valor_saldo),
        (d("20"), d("300.00"))
    );
    assert_eq!(k[2].tipo, TipoMovimiento::Salida);
    assert_eq!((k[2].valor, k[2].costo_unitario), (d("60.00"), d("15")));
    assert_eq!(
        (k[2].cantidad_saldo, k[2].valor_saldo),
        (d("16"), d("240.00"))
    );
    let stock = m.stock(e, Some(p.id), Some(a.id)).await.unwrap();
    assert_eq!((stock[0].cantidad, stock[0].valor), (d("16"), d("240.00")));
    // The stock at the dates in between reads the revalued rows.
    let s = m
        .stock_a_fecha(e, p.id, Some(a.id), datetime!(2026-03-04 00:00 -5))
        .await
        .unwrap();
    assert_eq!((s[0].cantidad, s[0].valor), (d("20"), d("300.00")));
}

async fn fecha_pasada_que_dejaria_sin_stock(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let p = producto(&m, e, "Ladrillo").await;
    let con_fecha = |mut x: NuevoMovimiento, f| {
        x.fecha = Some(f);
        x
    };
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "1"),
            datetime!(2026-04-01 10:00 -5),
        ),
    )
    .await
    .unwrap();
    m.registrar_movimiento(
        e,
        None,
        con_fecha(salida(p.id, a.id, "8"), datetime!(2026-04-10 10:00 -5)),
    )
    .await
    .unwrap();
    // Today there are 2; an outflow of 5 dated 04-05 would leave the 04-10 outflow short.
    let err = m
        .registrar_movimiento(
            e,
            None,
            con_fecha(salida(p.id, a.id, "5"), datetime!(2026-04-05 10:00 -5)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "stock_insuficiente", "{err}");
    // Before the first entry there was nothing at all.
    let err = m
        .registrar_movimiento(
            e,
            None,
            con_fecha(salida(p.id, a.id, "1"), datetime!(2026-03-01 10:00 -5)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StockInsuficiente { .. }), "{err}");
    let f = FiltroMovimientos {
        producto_id: Some(p.id),
        limite: 50,
        ..Default::default()
    };
    assert_eq!(m.movimientos(e, &f).await.unwrap().len(), 2);
    assert_eq!(
        m.stock(e, Some(p.id), None).await.unwrap()[0].cantidad,
        d("2")
    );
}

async fn fecha_pasada_se_propaga_por_transferencias(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "Central").await;
    let b = almacen(&m, e, "Sucursal").await;
    let p = producto(&m, e, "Pintura").await;
    let con_fecha = |mut x: NuevoMovimiento, f| {
        x.fecha = Some(f);
        x
    };
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "10"),
            datetime!(2026-05-01 10:00 -5),
        ),
    )
    .await
    .unwrap();
    m.transferir(
        e,
        None,
        NuevaTransferencia {
            producto_id: p.id,
            almacen_origen_id: a.id,
            almacen_destino_id: b.id,
            cantidad: d("5"),
            fecha: Some(datetime!(2026-05-10 10:00 -5)),
            lote: None,
            series: vec![],
            motivo: String::new(),
        },
    )
    .await
    .unwrap();
    m.registrar_movimiento(
        e,
        None,
        con_fecha(salida(p.id, b.id, "2"), datetime!(2026-05-15 10:00 -5)),
    )
    .await
    .unwrap();
    // A backdated entry in A changes A's average before the transfer, so the 5 units arrive in B
    // at another cost, and B's later outflow follows.
    m.registrar_movimiento(
        e,
        None,
        con_fecha(
            entrada(p.id, a.id, "10", "30"),
            datetime!(2026-05-05 10:00 -5),
        ),
    )
    .await
    .unwrap();
    let stock = m.stock(e, Some(p.id), None).await.unwrap();
    let de = |id| stock.iter().find(|s| s.almacen_id == id).unwrap().clone();
    // A: 20 units worth 400 → average 20; 5 leave at 100.00 → 15 worth 300.
    assert_eq!((de(a.id).cantidad, de(a.id).valor), (d("15"), d("300.00")));
    // B: 5 arrive worth 100.00, 2 leave at 40.00 → 3 worth 60.00.
    assert_eq!((de(b.id).cantidad, de(b.id).valor), (d("3"), d("60.00")));
    let f = FiltroMovimientos {
        producto_id: Some(p.id),
        almacen_id: Some(b.id),
        limite: 50,
        ..Default::default()
    };
    let kb = m.movimientos(e, &f).await.unwrap();
    assert_eq!(kb[0].valor, d("40.00"));
    assert_eq!(kb[1].valor, d("100.00"));
}

async fn alertas_de_stock_minimo(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "A").await;
    let b = almacen(&m, e, "B").await;
    let mut n = nuevo_producto("Foco", "5", "2");
    n.stock_minimo = Some(d("10"));
    let foco = m.crear_producto(e, None, n.clone()).await.unwrap();
    n.nombre = "Enchufe".into();
    let enchufe = m.crear_producto(e, None, n).await.unwrap();
    m.registrar_movimiento(e, None, entrada(foco.id, a.id, "6", "2"))
        .await
        .unwrap();
    m.registrar_movimiento(e, None, entrada(foco.id, b.id, "6", "2"))
        .await
        .unwrap();
    m.registrar_movimiento(e, None, entrada(enchufe.id, a.id, "3", "2"))
        .await
        .unwrap();
    let alertas = m.alertas_stock_minimo(e).await.unwrap();
    assert_eq!(alertas.len(), 1);
    assert_eq!(
        (
            alertas[0].producto_id,
            alertas[0].stock_actual,
            alertas[0].faltante
        ),
        (enchufe.id, d("3"), d("7"))
    );
}

async fn busqueda_de_productos(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    for (nombre, precio) in [
        ("Tubo PVC 1/2", "3.50"),
        ("Tubo PVC 3/4", "4.80"),
        ("Codo PVC", "1.20"),
        ("Llave 100%", "25"),
    ] {
        m.crear_producto(e, None, nuevo_producto(nombre, precio, "1"))
            .await
            .unwrap();
    }
    let m = &m;
    let buscar = |f: FiltroProductos| async move { m.buscar_productos(e, &f).await.unwrap() };
    let (r, total) = buscar(FiltroProductos {
        texto: Some("tubo".into()),
        tamanio_pagina: 20,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 2);
    assert_eq!(r.len(), 2);
    // `%` is a character to look for, not a wildcard.
    let (r, _) = buscar(FiltroProductos {
        texto: Some("100%".into()),
        tamanio_pagina: 20,
        ..Default::default()
    })
    .await;
    assert_eq!(r.len(), 1);
    let (r, total) = buscar(FiltroProductos {
        precio_min: Some(d("3.50")),
        precio_max: Some(d("5")),
        orden: erp_core::inventario::OrdenProductos::PrecioVentaDesc,
        tamanio_pagina: 20,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 2);
    assert_eq!(r[0].precio_venta, d("4.80"));
    let (r, total) = buscar(FiltroProductos {
        pagina: 2,
        tamanio_pagina: 3,
        ..Default::default()
    })
    .await;
    assert_eq!((r.len(), total), (1, 4));
}

async fn producto_eliminado(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "A").await;
    let p = producto(&m, e, "Viejo").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "1", "1"))
        .await
        .unwrap();
    assert_eq!(
        m.eliminar_producto(e, None, p.id)
            .await
            .unwrap_err()
            .codigo(),
        "estado_invalido"
    );
    m.registrar_movimiento(e, None, salida(p.id, a.id, "1"))
        .await
        .unwrap();
    m.eliminar_producto(e, None, p.id).await.unwrap();
    assert_eq!(
        m.producto(e, p.id).await.unwrap_err().codigo(),
        "no_encontrado"
    );
    assert_eq!(
        m.buscar_productos(e, &FiltroProductos::default())
            .await
            .unwrap()
            .1,
        0
    );
    assert_eq!(
        m.registrar_movimiento(e, None, entrada(p.id, a.id, "1", "1"))
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    let cambios = CambiosProducto {
        precio_venta: Some(d("2")),
        ..Default::default()
    };
    assert_eq!(
        m.actualizar_producto(e, None, p.id, cambios)
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
}

async fn configuracion_tipada(store: AnyStore) {
    use erp_core::empresa::{ConfiguracionEmpresa, TipoDato, ValorConfiguracion};
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    m.guardar_configuracion(
        e,
        None,
        ConfiguracionEmpresa::nueva("dias_credito_default", TipoDato::Integer, "30", "").unwrap(),
    )
    .await
    .unwrap();
    m.guardar_configuracion(
        e,
        None,
        ConfiguracionEmpresa::nueva("tasa_interes_mora", TipoDato::Decimal, "1.5", "").unwrap(),
    )
    .await
    .unwrap();
    m.guardar_configuracion(
        e,
        None,
        ConfiguracionEmpresa::nueva("dias_credito_default", TipoDato::Integer, "45", "").unwrap(),
    )
    .await
    .unwrap();
    let c = m.configuracion(e).await.unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].valor_tipado().unwrap(), ValorConfiguracion::Entero(45));
    assert_eq!(
        c[1].valor_tipado().unwrap(),
        ValorConfiguracion::Decimal(d("1.5"))
    );
}

async fn entradas_invalidas(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let a = almacen(&m, e, "A").await;
    let p = producto(&m, e, "Algo").await;
    let otro = uuid::Uuid::now_v7();
    assert_eq!(
        m.registrar_movimiento(e, None, entrada(otro, a.id, "1", "1"))
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    assert_eq!(
        m.registrar_movimiento(e, None, entrada(p.id, otro, "1", "1"))
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    for mala in ["0", "-1", "1.1234567"] {
        let err = m
            .registrar_movimiento(e, None, entrada(p.id, a.id, mala, "1"))
            .await
            .unwrap_err();
        assert_eq!(
            (err.codigo(), err.campo()),
            ("cantidad_invalida", Some("cantidad")),
            "{mala}"
        );
    }
    assert_eq!(
        m.registrar_movimiento(e, None, entrada(p.id, a.id, "1", "-2"))
            .await
            .unwrap_err()
            .campo(),
        Some("costo_unitario")
    );
    // A cost that is not a number never reaches the engine: the JSON reader names it.
    let json = format!(
        r#"{{"tipo":"entrada","producto_id":"{}","almacen_id":"{}","cantidad":"1","costo_unitario":"diez"}}"#,
        p.id, a.id
    );
    let err = erp_core::entrada::desde_json::<NuevoMovimiento>(&json).unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("numero_invalido", Some("costo_unitario"))
    );
    let mut futuro = entrada(p.id, a.id, "1", "1");
    futuro.fecha = Some(time::OffsetDateTime::now_utc() + time::Duration::days(2));
    assert_eq!(
        m.registrar_movimiento(e, None, futuro)
            .await
            .unwrap_err()
            .campo(),
        Some("fecha")
    );
    let mut t = NuevoMovimiento::new(TipoMovimiento::TransferenciaEntrada, p.id, a.id, d("1"));
    t.costo_unitario = Some(d("1"));
    assert_eq!(
        m.registrar_movimiento(e, None, t)
            .await
            .unwrap_err()
            .campo(),
        Some("tipo")
    );
    // Nothing of the above left a row.
    let f = FiltroMovimientos {
        limite: 50,
        ..Default::default()
    };
    assert!(m.movimientos(e, &f).await.unwrap().is_empty());
}
