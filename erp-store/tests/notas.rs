//! Notes on a sale, on both databases: each reason code does what it says (goods back or value
//! back), a note is taxed as the sale line was even after the product changed, returned lot
//! units go back to the lots they came from with the ledger naming the note, credit notes of
//! value, debit notes taxed as the line they belong to, and credit limits across currencies.

#![allow(clippy::unwrap_used)]

mod comun;

use comun::*;
use erp_core::inventario::servicio::CambiosProducto;
use erp_core::inventario::{FiltroMovimientos, TipoMovimiento};
use erp_core::ventas::servicio::{
    Anulacion, CargoNotaDebito, Devolucion, LineaDevolucion, NotaCreditoValor, NotaDebitoNueva,
    RebajaLinea,
};
use erp_core::ventas::{CondicionPago, LineaVentaNueva, NuevaVenta};
use erp_core::{AfectacionIgv, Moneda};
use erp_store::AnyStore;
use uuid::Uuid;

en_ambos!(
    cada_motivo_en_su_nota,
    nota_con_el_tributo_de_la_venta,
    lotes_vuelven_a_su_origen,
    nota_de_credito_de_valor,
    rebaja_sin_impuesto_a_las_bolsas,
    nota_de_debito_con_el_tributo_de_la_linea,
    credito_en_otra_moneda,
    notas_idempotentes,
);

async fn vender(t: &Tienda, lineas: Vec<LineaVentaNueva>) -> erp_core::ventas::VentaEmitida {
    t.m.vender(
        t.e,
        None,
        NuevaVenta {
            lineas,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn cantidad(t: &Tienda, p: Uuid) -> erp_core::Decimal {
    t.m.stock(t.e, Some(p), Some(t.almacen)).await.unwrap()[0].cantidad
}

fn devolucion(numero: i32, cantidad: &str, codigo: Option<&str>) -> Devolucion {
    Devolucion {
        lineas: vec![LineaDevolucion {
            numero,
            cantidad: d(cantidad),
            series: vec![],
        }],
        motivo_codigo: codigo.map(Into::into),
        motivo: "devolución".into(),
        clave_idempotencia: None,
    }
}

fn rebaja(numero: i32, monto: &str, codigo: Option<&str>) -> NotaCreditoValor {
    NotaCreditoValor {
        items: vec![RebajaLinea {
            numero,
            monto: d(monto),
        }],
        motivo_codigo: codigo.map(Into::into),
        motivo: "descuento acordado".into(),
        clave_idempotencia: None,
    }
}

/// A discount code on an annulment would restock goods that never came back; an annulment code
/// on a value note would credit without restocking. Each is refused with where it belongs, and
/// nothing changes.
async fn cada_motivo_en_su_nota(store: AnyStore) {
    let t = tienda(store).await;
    let r = vender(&t, vec![linea(t.chompa.id, "2")]).await;
    let anular = |codigo: &str| Anulacion {
        motivo_codigo: Some(codigo.into()),
        motivo: "x".into(),
        clave_idempotencia: None,
    };
    let err =
        t.m.anular_venta(t.e, None, r.venta.id, anular("05"))
            .await
            .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("valor_no_permitido", Some("motivo_codigo"))
    );
    assert!(
        err.mensaje().contains("descuento por ítem") && err.mensaje().contains("de valor"),
        "{err}"
    );
    let err =
        t.m.devolver(t.e, None, r.venta.id, devolucion(1, "1", Some("01")))
            .await
            .unwrap_err();
    assert!(err.mensaje().contains("al anular"), "{err}");
    let err =
        t.m.nota_credito_valor(t.e, None, r.venta.id, rebaja(1, "1", Some("07")))
            .await
            .unwrap_err();
    assert!(err.mensaje().contains("al devolver"), "{err}");
    let err =
        t.m.nota_credito_valor(t.e, None, r.venta.id, rebaja(1, "1", Some("13")))
            .await
            .unwrap_err();
    assert!(err.mensaje().contains("aún no"), "{err}");
    assert_eq!(cantidad(&t, t.chompa.id).await, d("18"));
    assert_eq!(
        t.m.comprobantes_de_venta(t.e, r.venta.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // "06 devolución total" is an annulment.
    let nc =
        t.m.anular_venta(t.e, None, r.venta.id, anular("06"))
            .await
            .unwrap();
    assert_eq!(nc.motivo_codigo.as_deref(), Some("06"));
    assert_eq!(cantidad(&t, t.chompa.id).await, d("20"));
}

/// A book sold exonerated, then made taxable: its credit note stays exonerated, and keeps the
/// name it was sold under.
async fn nota_con_el_tributo_de_la_venta(store: AnyStore) {
    let t = tienda(store).await;
    let mut n = nuevo_producto("Libro de cuentos", "50", "30");
    n.afectacion_igv = Some(AfectacionIgv::ExoneradoOneroso);
    let libro = t.m.crear_producto(t.e, None, n).await.unwrap();
    t.m.registrar_movimiento(t.e, None, entrada(libro.id, t.almacen, "5", "30"))
        .await
        .unwrap();
    let r = vender(&t, vec![linea(libro.id, "2")]).await;
    assert_eq!(r.comprobante.documento["total_exonerada"], "100.00");
    t.m.actualizar_producto(
        t.e,
        None,
        libro.id,
        CambiosProducto {
            afectacion_igv: Some(AfectacionIgv::GravadoOneroso),
            nombre: Some("Libro (edición nueva)".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let nc =
        t.m.anular_venta(
            t.e,
            None,
            r.venta.id,
            Anulacion {
                motivo: "error".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(nc.total, d("100.00"));
    assert_eq!(nc.documento["total_exonerada"], "100.00");
    assert_eq!(nc.documento["total_igv"], "0.00");
    assert_eq!(nc.documento["lineas"][0]["descripcion"], "Libro de cuentos");
    assert_eq!(nc.documento["lineas"][0]["tipo_de_igv"], 8);
}

/// Three units drawn from two lots (2 from the one expiring first, 1 from the other) come back
/// to those lots, first drawn first, whatever the order of the returns; the ledger rows name the
/// credit note that brought them back.
async fn lotes_vuelven_a_su_origen(store: AnyStore) {
    let t = tienda(store).await;
    let mut n = nuevo_producto("Jarabe", "12", "6");
    n.requiere_lote = true;
    let jarabe = t.m.crear_producto(t.e, None, n).await.unwrap();
    for (lote, vence, cantidad) in [
        ("TARDE", time::macros::date!(2027 - 12 - 31), "5"),
        ("PRONTO", time::macros::date!(2027 - 03 - 31), "2"),
    ] {
        let mut x = entrada(jarabe.id, t.almacen, cantidad, "6");
        x.lote = Some(lote.into());
        x.vencimiento = Some(vence);
        t.m.registrar_movimiento(t.e, None, x).await.unwrap();
    }
    let r = vender(&t, vec![linea(jarabe.id, "3")]).await;
    let (pronto, tarde) = (r.venta.lineas[0].lotes[0].0, r.venta.lineas[0].lotes[1].0);
    let devueltos = |nota: Uuid| {
        let m = &t.m;
        let (e, p) = (t.e, jarabe.id);
        async move {
            let mut v: Vec<_> = m
                .movimientos(
                    e,
                    &FiltroMovimientos {
                        producto_id: Some(p),
                        tipo: Some(TipoMovimiento::DevolucionEntrada),
                        limite: 50,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .into_iter()
                .filter(|x| x.referencia_id == Some(nota))
                .map(|x| (x.lote_id.unwrap(), x.cantidad, x.costo_unitario))
                .collect();
            v.sort();
            v
        }
    };
    let nc1 =
        t.m.devolver(t.e, None, r.venta.id, devolucion(1, "1", None))
            .await
            .unwrap();
    assert_eq!(devueltos(nc1.id).await, vec![(pronto, d("1"), d("6"))]);
    let nc2 =
        t.m.devolver(t.e, None, r.venta.id, devolucion(1, "2", None))
            .await
            .unwrap();
    let mut esperado = vec![(pronto, d("1"), d("6")), (tarde, d("1"), d("6"))];
    esperado.sort();
    assert_eq!(devueltos(nc2.id).await, esperado);
    assert!(
        t.m.venta(t.e, r.venta.id).await.unwrap().lineas[0]
            .lotes
            .is_empty()
    );
    assert_eq!(cantidad(&t, jarabe.id).await, d("7"));
    // Sold again, first-expiry-first-out finds the two returned units in PRONTO.
    let r2 = vender(&t, vec![linea(jarabe.id, "2")]).await;
    assert_eq!(r2.venta.lineas[0].lotes, vec![(pronto, d("2"))]);
}

/// A discount granted after a credit sale: a credit note of value, no stock back, the customer
/// owes less; later returns credit the units net of it, and the notes add up to the sale to the
/// cent.
async fn nota_de_credito_de_valor(store: AnyStore) {
    let t = tienda(store).await;
    let c = cliente_ruc(&t, "500").await;
    let r =
        t.m.vender(
            t.e,
            None,
            NuevaVenta {
                cliente_id: Some(c),
                condicion: CondicionPago::Credito,
                lineas: vec![linea(t.chompa.id, "3")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.venta.total, d("74.97"));
    // More than what is left of the line is refused.
    let err =
        t.m.nota_credito_valor(t.e, None, r.venta.id, rebaja(1, "74.98", None))
            .await
            .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("valor_no_permitido", Some("items[0].monto"))
    );
    let nc =
        t.m.nota_credito_valor(t.e, None, r.venta.id, rebaja(1, "10.00", None))
            .await
            .unwrap();
    assert_eq!(
        (nc.serie.as_str(), nc.motivo_codigo.as_deref(), nc.total),
        ("FC01", Some("09"), d("10.00"))
    );
    assert_eq!(nc.documento["total_gravada"], "8.47");
    assert_eq!(nc.documento["total_igv"], "1.53");
    assert_eq!(cantidad(&t, t.chompa.id).await, d("17"));
    let v = t.m.venta(t.e, r.venta.id).await.unwrap();
    assert_eq!(v.cuotas[0].saldo, d("64.97"));
    // One unit back: 24.99 less its third of the discount (3.33).
    let d1 =
        t.m.devolver(t.e, None, r.venta.id, devolucion(1, "1", None))
            .await
            .unwrap();
    assert_eq!(d1.total, d("21.66"));
    // The second takes 6.67 − 3.33 = 3.34, so the three thirds add up to 10.00.
    let d2 =
        t.m.devolver(t.e, None, r.venta.id, devolucion(1, "1", None))
            .await
            .unwrap();
    assert_eq!(d2.total, d("21.65"));
    // A line with returns takes no more value notes (the discount is per whole line).
    let err =
        t.m.nota_credito_valor(t.e, None, r.venta.id, rebaja(1, "1", None))
            .await
            .unwrap_err();
    assert_eq!(err.campo(), Some("items[0].numero"));
    // The last: 24.99 less the 3.33 of the discount not yet credited.
    let d3 =
        t.m.anular_venta(
            t.e,
            None,
            r.venta.id,
            Anulacion {
                motivo: "resto".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(d3.total, d("21.66"));
    assert_eq!(nc.total + d1.total + d2.total + d3.total, r.venta.total);
    let v = t.m.venta(t.e, r.venta.id).await.unwrap();
    assert_eq!(v.cuotas[0].saldo, d("0.00"));
    assert_eq!(cantidad(&t, t.chompa.id).await, d("20"));
}

/// Interest on a sale of an exonerated book and a taxed sweater: the charge names its line and
/// takes that line's IGV treatment; with mixed lines and no line named it is refused.
async fn nota_de_debito_con_el_tributo_de_la_linea(store: AnyStore) {
    let t = tienda(store).await;
    let mut n = nuevo_producto("Libro", "50", "30");
    n.afectacion_igv = Some(AfectacionIgv::ExoneradoOneroso);
    n.precio_incluye_impuesto = true;
    let libro = t.m.crear_producto(t.e, None, n).await.unwrap();
    t.m.registrar_movimiento(t.e, None, entrada(libro.id, t.almacen, "5", "30"))
        .await
        .unwrap();
    let r = vender(&t, vec![linea(libro.id, "1"), linea(t.chompa.id, "1")]).await;
    let cargo = |numero: Option<i32>, monto: &str| NotaDebitoNueva {
        items: vec![CargoNotaDebito {
            numero,
            descripcion: "Intereses por mora".into(),
            monto: d(monto),
        }],
        motivo_codigo: None,
        motivo: "pago fuera de plazo".into(),
        clave_idempotencia: None,
    };
    let err =
        t.m.nota_debito(t.e, None, r.venta.id, cargo(None, "5"))
            .await
            .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("campo_requerido", Some("items[0].numero"))
    );
    let nd =
        t.m.nota_debito(t.e, None, r.venta.id, cargo(Some(1), "5.00"))
            .await
            .unwrap();
    assert_eq!(nd.documento["total_exonerada"], "5.00");
    assert_eq!(nd.documento["total_igv"], "0.00");
    assert_eq!(nd.total, d("5.00"));
    let nd =
        t.m.nota_debito(t.e, None, r.venta.id, cargo(Some(2), "11.80"))
            .await
            .unwrap();
    assert_eq!(nd.documento["total_igv"], "1.80");
    let err =
        t.m.nota_debito(t.e, None, r.venta.id, cargo(Some(3), "1"))
            .await
            .unwrap_err();
    assert_eq!(err.campo(), Some("items[0].numero"));
}

/// The credit limit is in soles; a credit sale in dollars counts at its exchange rate, and
/// needs one.
async fn credito_en_otra_moneda(store: AnyStore) {
    let t = tienda(store).await;
    let c = cliente_ruc(&t, "100").await;
    let credito = |moneda: Moneda, precio: &str, tc: Option<&str>| NuevaVenta {
        cliente_id: Some(c),
        condicion: CondicionPago::Credito,
        moneda: Some(moneda),
        tipo_de_cambio: tc.map(d),
        precios_incluyen_impuesto: Some(true),
        lineas: vec![LineaVentaNueva {
            precio: Some(d(precio)),
            ..linea(t.chompa.id, "1")
        }],
        ..Default::default()
    };
    let err =
        t.m.vender(t.e, None, credito(Moneda::Usd, "20", None))
            .await
            .unwrap_err();
    assert_eq!(err.campo(), Some("tipo_de_cambio"), "{err}");
    // USD 20.00 at 3.80 uses S/ 76.00 of the S/ 100.00.
    t.m.vender(t.e, None, credito(Moneda::Usd, "20", Some("3.80")))
        .await
        .unwrap();
    // USD 7.00 more would be S/ 26.60: above the S/ 24.00 left.
    let err =
        t.m.vender(t.e, None, credito(Moneda::Usd, "7", Some("3.80")))
            .await
            .unwrap_err();
    assert_eq!(err.codigo(), "limite_credito_excedido");
    assert!(
        err.mensaje().contains("disponible 24.00") && err.mensaje().contains("26.60"),
        "{err}"
    );
    // S/ 24.00 fits exactly.
    t.m.vender(t.e, None, credito(Moneda::Pen, "24", None))
        .await
        .unwrap();
    assert_eq!(cantidad(&t, t.chompa.id).await, d("18"));
}

/// Ten bags sold with the bag tax (S/ 0.50 each in 2026): a reduction of their price returns no
/// bag tax (the bags stay sold); returning them does.
async fn rebaja_sin_impuesto_a_las_bolsas(store: AnyStore) {
    let t = tienda(store).await;
    let mut n = nuevo_producto("Bolsa plástica", "0.20", "0.05");
    n.icbper = true;
    n.precio_incluye_impuesto = true;
    let bolsa = t.m.crear_producto(t.e, None, n).await.unwrap();
    t.m.registrar_movimiento(t.e, None, entrada(bolsa.id, t.almacen, "100", "0.05"))
        .await
        .unwrap();
    let r = vender(&t, vec![linea(bolsa.id, "10")]).await;
    let icbper = r.comprobante.documento["total_impuestos_bolsas"].clone();
    assert_eq!(icbper, "5.00");
    let nc =
        t.m.nota_credito_valor(t.e, None, r.venta.id, rebaja(1, "1.00", None))
            .await
            .unwrap();
    assert_eq!(nc.total, d("1.00"));
    assert_eq!(nc.documento["total_impuestos_bolsas"], "0.00");
    let dev =
        t.m.anular_venta(
            t.e,
            None,
            r.venta.id,
            Anulacion {
                motivo: "devueltas".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(dev.documento["total_impuestos_bolsas"], "5.00");
    assert_eq!(nc.total + dev.total, r.venta.total);
}

/// A till that retries a return or an annulment after a timeout gets the first note back: the
/// stock comes back once. The same key on another kind of note, or on another sale, is refused.
async fn notas_idempotentes(store: AnyStore) {
    let t = tienda(store).await;
    let r = vender(&t, vec![linea(t.chompa.id, "3")]).await;
    let dev = || Devolucion {
        clave_idempotencia: Some("caja1-dev-77".into()),
        ..devolucion(1, "1", None)
    };
    let a = t.m.devolver(t.e, None, r.venta.id, dev()).await.unwrap();
    let b = t.m.devolver(t.e, None, r.venta.id, dev()).await.unwrap();
    assert_eq!((a.id, a.numero), (b.id, b.numero));
    assert_eq!(cantidad(&t, t.chompa.id).await, d("18"));
    let err =
        t.m.nota_debito(
            t.e,
            None,
            r.venta.id,
            NotaDebitoNueva {
                items: vec![CargoNotaDebito {
                    numero: None,
                    descripcion: "flete".into(),
                    monto: d("5"),
                }],
                motivo: "flete".into(),
                clave_idempotencia: Some("caja1-dev-77".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("duplicado", Some("clave_idempotencia"))
    );
    let otra = vender(&t, vec![linea(t.chompa.id, "1")]).await;
    let err =
        t.m.devolver(t.e, None, otra.venta.id, dev())
            .await
            .unwrap_err();
    assert_eq!(
        (err.codigo(), err.campo()),
        ("duplicado", Some("clave_idempotencia"))
    );
    let anular = || Anulacion {
        motivo: "desiste".into(),
        clave_idempotencia: Some("caja1-anula-78".into()),
        ..Default::default()
    };
    let x =
        t.m.anular_venta(t.e, None, r.venta.id, anular())
            .await
            .unwrap();
    let y =
        t.m.anular_venta(t.e, None, r.venta.id, anular())
            .await
            .unwrap();
    assert_eq!(x.id, y.id);
    assert_eq!(x.total, d("49.98"));
    assert_eq!(cantidad(&t, t.chompa.id).await, d("19"));
    assert_eq!(
        t.m.comprobantes_de_venta(t.e, r.venta.id)
            .await
            .unwrap()
            .len(),
        3
    );
}
