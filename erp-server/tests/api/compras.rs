//! Purchases through the endpoints: a purchase order taxed to the cent, approved by who may
//! approve it, received in two parts by the warehouse keeper (who sees no prices), the stock and
//! its cost after each part, the supplier's purchase history; and the receptions refused with
//! nothing changed.

use super::*;

en_ambos!(
    orden_de_compra_y_recepciones,
    compra_en_dolares,
    recepcion_entera_o_nada_y_cierre,
);

/// A product without stock: its id.
async fn producto(api: &Api, admin: &str, nombre: &str, costo: &str) -> String {
    let v = api
        .creado(
            "/inventario/productos/",
            admin,
            json!({"nombre": nombre, "precio_venta": "50.00", "costo": costo}),
        )
        .await;
    id(&v)
}

/// The company's main warehouse and a supplier: (warehouse, supplier).
async fn almacen_y_proveedor(api: &Api, admin: &str) -> (String, String) {
    let a = api
        .creado(
            "/inventario/almacenes/",
            admin,
            json!({"nombre": "Principal", "es_principal": true}),
        )
        .await;
    let p = api
        .creado(
            "/proveedores/",
            admin,
            json!({"ruc": "20100070970", "razon_social": "Gloria S.A.", "dias_credito": 30}),
        )
        .await;
    (id(&a), id(&p))
}

/// The product's ledger rows, newest first.
async fn kardex(api: &Api, token: &str, producto: &str) -> Vec<Value> {
    let v = api
        .leido(
            &format!("/inventario/movimientos/?producto={producto}"),
            token,
        )
        .await;
    v["results"].as_array().unwrap().clone()
}

async fn orden_de_compra_y_recepciones(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let yo = api.leido("/auth/me/", &admin).await;
    let (_, proveedor) = almacen_y_proveedor(&api, &admin).await;
    let cemento = producto(&api, &admin, "Cemento Sol 42.5 kg", "20.00").await;
    let clavos = producto(&api, &admin, "Clavos de 2 pulgadas (kg)", "7.00").await;
    let (_, almacenero) = usuario_con_rol(&api, &admin, "almacenero").await;

    // The order: each line taxed as the supplier's factura will be (IGV 18 %), the IGV of the
    // whole computed on its base: 150.20 × 18 % = 27.036 → 27.04.
    let v = api
        .creado(
            "/compras/ordenes/",
            &admin,
            json!({"proveedor_id": proveedor, "notas": "entregar por la mañana", "lineas": [
                {"producto_id": cemento, "cantidad": "10", "precio_unitario": "12.50"},
                {"producto_id": clavos, "cantidad": "3", "precio_unitario": "8.40"}]}),
        )
        .await;
    let orden = id(&v);
    let o = &v["data"];
    assert_eq!(o["numero"], "OC-000001");
    assert_eq!(o["estado"], "borrador");
    assert_eq!(o["moneda"], "PEN");
    let montos = |l: &Value| {
        [&l["subtotal"], &l["impuesto"], &l["total"]]
            .map(|x| x.as_str().unwrap().to_string())
            .join(" ")
    };
    assert_eq!(montos(&o["lineas"][0]), "125.00 22.50 147.50");
    assert_eq!(montos(&o["lineas"][1]), "25.20 4.54 29.74");
    assert_eq!(
        [&o["total_base"], &o["total_impuestos"], &o["total"]],
        ["150.20", "27.04", "177.24"]
    );

    // Nothing is received of a draft, and the warehouse keeper cannot approve.
    let recibir = |lineas: Value| json!({"orden_compra_id": orden, "lineas": lineas});
    let (st, v) = api
        .post(
            "/compras/recepciones/",
            &almacenero,
            recibir(json!([{"numero": 1, "cantidad": "4"}])),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
    let ruta_aprobar = format!("/compras/ordenes/{orden}/aprobar/");
    let (st, v) = api.post(&ruta_aprobar, &almacenero, json!({})).await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (403, Some("permiso_insuficiente")),
        "{v}"
    );
    let (st, v) = api.post(&ruta_aprobar, &admin, json!({})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["estado"], "aprobada");
    assert_eq!(v["data"]["aprobado_por_id"], yo["id"]);
    let (st, v) = api.post(&ruta_aprobar, &admin, json!({})).await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );

    // The first part: 4 bags. The keeper's answer has quantities, not prices.
    let v = api
        .creado(
            "/compras/recepciones/",
            &almacenero,
            recibir(json!([{"numero": 1, "cantidad": "4"}])),
        )
        .await;
    let r = &v["data"];
    assert_eq!(r["recepcion"]["tipo"], "parcial");
    assert_eq!(r["orden"]["estado"], "recibida_parcial");
    assert_eq!(r["orden"]["lineas"][0]["cantidad_recibida"], "4");
    assert_eq!(r["orden"]["lineas"][1]["cantidad_recibida"], "0");
    for oculto in ["precio_unitario", "subtotal", "total"] {
        assert!(
            r["orden"]["lineas"][0].get(oculto).is_none(),
            "{oculto}: {r}"
        );
    }
    assert!(r["orden"].get("total").is_none(), "{r}");
    assert!(
        r["recepcion"]["lineas"][0].get("costo_unitario").is_none(),
        "{r}"
    );
    assert_eq!(stock(&api, &admin, &cemento).await, "4");
    let k = kardex(&api, &admin, &cemento).await;
    assert_eq!(k.len(), 1, "{k:?}");
    assert_eq!(
        (
            k[0]["tipo"].as_str(),
            k[0]["referencia_tipo"].as_str(),
            k[0]["referencia_id"].as_str(),
            k[0]["costo_unitario"].as_str(),
            k[0]["valor"].as_str(),
        ),
        (
            Some("entrada"),
            Some("compra"),
            Some(orden.as_str()),
            Some("12.5"),
            Some("50.00")
        )
    );

    // Refused, each with nothing changed: more than is pending (6), a line the order does not
    // have, a line twice, nothing at all.
    for (lineas, codigo, campo) in [
        (
            json!([{"numero": 1, "cantidad": "7"}]),
            "cantidad_invalida",
            "lineas[0].cantidad",
        ),
        (
            json!([{"numero": 3, "cantidad": "1"}]),
            "valor_no_permitido",
            "lineas[0].numero",
        ),
        (
            json!([{"numero": 2, "cantidad": "1"}, {"numero": 2, "cantidad": "1"}]),
            "duplicado",
            "lineas[1].numero",
        ),
        (
            json!([{"numero": 2, "cantidad": "0"}]),
            "cantidad_invalida",
            "lineas[0].cantidad",
        ),
        (json!([]), "documento_sin_lineas", "lineas"),
    ] {
        let (st, v) = api
            .post(
                "/compras/recepciones/",
                &almacenero,
                recibir(lineas.clone()),
            )
            .await;
        assert_eq!(
            (st, v["codigo"].as_str()),
            (422, Some(codigo)),
            "{lineas}: {v}"
        );
        assert!(v["errores"].get(campo).is_some(), "{lineas}: {v}");
    }
    assert_eq!(stock(&api, &admin, &cemento).await, "4");
    assert_eq!(kardex(&api, &admin, &clavos).await.len(), 0);

    // The rest: the order is complete, and each product's stock and cost are the order's.
    let v = api
        .creado(
            "/compras/recepciones/",
            &admin,
            recibir(json!([{"numero": 2, "cantidad": "3"}, {"numero": 1, "cantidad": "6"}])),
        )
        .await;
    let r = &v["data"];
    assert_eq!(r["recepcion"]["tipo"], "total");
    // Its lines in the order's order (line 1 first), each at its line's cost.
    assert_eq!(
        (
            r["recepcion"]["lineas"][0]["costo_unitario"].as_str(),
            r["recepcion"]["lineas"][1]["costo_unitario"].as_str()
        ),
        (Some("12.50"), Some("8.40"))
    );
    assert_eq!(r["orden"]["estado"], "recibida");
    assert_eq!(stock(&api, &admin, &cemento).await, "10");
    assert_eq!(stock(&api, &admin, &clavos).await, "3");
    let k = kardex(&api, &admin, &clavos).await;
    assert_eq!(
        (
            k[0]["valor"].as_str(),
            k[0]["costo_promedio_saldo"].as_str()
        ),
        (Some("25.20"), Some("8.4"))
    );
    let (st, v) = api
        .post(
            "/compras/recepciones/",
            &admin,
            recibir(json!([{"numero": 1, "cantidad": "1"}])),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
    let (st, v) = api
        .post(
            &format!("/compras/ordenes/{orden}/cancelar/"),
            &admin,
            json!({"motivo": "ya no"}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );

    // A second order, sent and then cancelled: the history has both, newest first.
    let v = api
        .creado(
            "/compras/ordenes/",
            &admin,
            json!({"proveedor_id": proveedor, "lineas": [{"producto_id": clavos, "cantidad": "1"}]}),
        )
        .await;
    let segunda = id(&v);
    // Without a price, the product's cost.
    assert_eq!(v["data"]["lineas"][0]["precio_unitario"], "7.00");
    let (st, v) = api
        .post(
            &format!("/compras/ordenes/{segunda}/enviar/"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
    api.post(
        &format!("/compras/ordenes/{segunda}/aprobar/"),
        &admin,
        json!({}),
    )
    .await;
    let (st, v) = api
        .post(
            &format!("/compras/ordenes/{segunda}/enviar/"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        (st, v["data"]["estado"].as_str()),
        (200, Some("enviada")),
        "{v}"
    );
    let (st, v) = api
        .post(
            &format!("/compras/ordenes/{segunda}/cancelar/"),
            &admin,
            json!({"motivo": "el proveedor no tiene stock"}),
        )
        .await;
    assert_eq!(
        (st, v["data"]["estado"].as_str()),
        (200, Some("cancelada")),
        "{v}"
    );
    let h = api
        .leido(&format!("/proveedores/{proveedor}/compras/"), &admin)
        .await;
    assert_eq!(h["count"], 2, "{h}");
    assert_eq!(
        [&h["results"][0]["numero"], &h["results"][1]["numero"]],
        ["OC-000002", "OC-000001"]
    );
    assert_eq!(h["results"][1]["total"], "177.24");
    let h = api.leido("/compras/ordenes/?estado=recibida", &admin).await;
    assert_eq!(h["count"], 1, "{h}");
    let h = api
        .leido(
            &format!("/compras/recepciones/?orden_compra={orden}"),
            &admin,
        )
        .await;
    assert_eq!(h["count"], 2, "{h}");
    // A bad parameter is named: a state that does not exist, an id that is not one.
    for (consulta, campo) in [("estado=perdida", "estado"), ("proveedor=7", "proveedor")] {
        let (st, v) = api
            .get(&format!("/compras/ordenes/?{consulta}"), &admin)
            .await;
        assert_eq!(
            (st, v["codigo"].as_str()),
            (422, Some("valor_no_permitido")),
            "{v}"
        );
        assert!(v["errores"][campo].is_array(), "{consulta}: {v}");
    }
    // A seller sees neither purchases nor the history.
    let (_, vendedor) = usuario_con_rol(&api, &admin, "vendedor").await;
    let (st, _) = api
        .get(&format!("/proveedores/{proveedor}/compras/"), &vendedor)
        .await;
    assert_eq!(st, 403);
    // The approval is in the audit log, with the amount.
    let log = api
        .leido(
            "/usuarios/audit-logs/?modulo=compras&accion=aprobar",
            &admin,
        )
        .await;
    assert_eq!(log["count"], 2, "{log}");
    let detalles: Vec<&str> = log["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detalle"].as_str().unwrap())
        .collect();
    assert!(
        detalles.contains(&"orden de compra OC-000001 por PEN 177.24"),
        "{detalles:?}"
    );
}

/// An order in dollars of a company in soles: its goods enter stock in soles, at the rate the
/// reception gives, and a reception without one is refused.
async fn compra_en_dolares(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let (_, proveedor) = almacen_y_proveedor(&api, &admin).await;
    let taladro = producto(&api, &admin, "Taladro percutor 750 W", "0").await;
    let v = api
        .creado(
            "/compras/ordenes/",
            &admin,
            json!({"proveedor_id": proveedor, "moneda": "USD", "lineas": [
                {"producto_id": taladro, "cantidad": "2", "precio_unitario": "45.99"}]}),
        )
        .await;
    let orden = id(&v);
    assert_eq!(
        [
            &v["data"]["total_base"],
            &v["data"]["total_impuestos"],
            &v["data"]["total"]
        ],
        ["91.98", "16.56", "108.54"]
    );
    api.post(
        &format!("/compras/ordenes/{orden}/aprobar/"),
        &admin,
        json!({}),
    )
    .await;
    let lineas = json!([{"numero": 1, "cantidad": "2"}]);
    let (st, v) = api
        .post(
            "/compras/recepciones/",
            &admin,
            json!({"orden_compra_id": orden, "lineas": lineas}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (422, Some("tipo_de_cambio_invalido")),
        "{v}"
    );
    assert_eq!(kardex(&api, &admin, &taladro).await.len(), 0);
    // Two tills receive the whole order at once: one does, the other finds it received.
    let cuerpo = json!({"orden_compra_id": orden, "lineas": lineas, "tipo_de_cambio": "3.745"});
    let (a, b) = tokio::join!(
        api.post("/compras/recepciones/", &admin, cuerpo.clone()),
        api.post("/compras/recepciones/", &admin, cuerpo.clone()),
    );
    let mut estados = [a.0, b.0];
    estados.sort();
    assert_eq!(estados, [201, 409], "{a:?} {b:?}");
    let v = if a.0 == 201 { a.1 } else { b.1 };
    // 45.99 × 3.745 = 172.23255 soles a unit, 344.47 the two (the ledger's unit cost is its
    // value over its quantity).
    let r = &v["data"]["recepcion"];
    assert_eq!(
        (
            r["tipo_de_cambio"].as_str(),
            r["lineas"][0]["costo_unitario"].as_str()
        ),
        (Some("3.745"), Some("172.23255"))
    );
    let k = kardex(&api, &admin, &taladro).await;
    assert_eq!(k.len(), 1, "{k:?}");
    assert_eq!(stock(&api, &admin, &taladro).await, "2");
    assert_eq!(
        (k[0]["valor"].as_str(), k[0]["costo_unitario"].as_str()),
        (Some("344.47"), Some("172.235"))
    );
}

/// A reception whose second line fails (a lot-tracked product without its lot) leaves nothing:
/// not the first line's stock, not the order's quantities. Then a short delivery is closed. A
/// product the company gives away (code 15, bonificación) is bought taxed as an onerous sale.
async fn recepcion_entera_o_nada_y_cierre(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let (_, proveedor) = almacen_y_proveedor(&api, &admin).await;
    let regalo = api
        .creado(
            "/inventario/productos/",
            &admin,
            json!({"nombre": "Llavero promocional", "precio_venta": "5.00", "costo": "1.00",
                "afectacion_igv": "15"}),
        )
        .await;
    let regalo = id(&regalo);
    let yogur = api
        .creado(
            "/inventario/productos/",
            &admin,
            json!({"nombre": "Yogur Gloria 1 L", "precio_venta": "9.00", "costo": "6.00",
                "requiere_lote": true}),
        )
        .await;
    let yogur = id(&yogur);
    let v = api
        .creado(
            "/compras/ordenes/",
            &admin,
            json!({"proveedor_id": proveedor, "lineas": [
                {"producto_id": regalo, "cantidad": "100", "precio_unitario": "0.80"},
                {"producto_id": yogur, "cantidad": "24", "precio_unitario": "5.50"}]}),
        )
        .await;
    let orden = id(&v);
    // 80.00 + 132.00 = 212.00, IGV 38.16 on all of it.
    assert_eq!(
        [
            &v["data"]["total_base"],
            &v["data"]["total_impuestos"],
            &v["data"]["total"]
        ],
        ["212.00", "38.16", "250.16"]
    );
    assert_eq!(v["data"]["lineas"][0]["impuesto"], "14.40");
    api.post(
        &format!("/compras/ordenes/{orden}/aprobar/"),
        &admin,
        json!({}),
    )
    .await;
    let (st, v) = api
        .post(
            "/compras/recepciones/",
            &admin,
            json!({"orden_compra_id": orden, "lineas": [
                {"numero": 1, "cantidad": "100"}, {"numero": 2, "cantidad": "24"}]}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (422, Some("campo_requerido")),
        "{v}"
    );
    assert!(v["errores"]["lineas[1].lote"].is_array(), "{v}");
    assert_eq!(kardex(&api, &admin, &regalo).await.len(), 0);
    let o = api
        .leido(&format!("/compras/ordenes/{orden}/"), &admin)
        .await;
    assert_eq!(
        (
            o["estado"].as_str(),
            o["lineas"][0]["cantidad_recibida"].as_str()
        ),
        (Some("aprobada"), Some("0"))
    );
    let cerrar = format!("/compras/ordenes/{orden}/cerrar/");
    let (st, v) = api.post(&cerrar, &admin, json!({"motivo": "x"})).await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
    // 20 of the 24 yogurts come, with their lot; the other 4 never will.
    let v = api
        .creado(
            "/compras/recepciones/",
            &admin,
            json!({"orden_compra_id": orden, "lineas": [
                {"numero": 2, "cantidad": "20", "lote": "L-2611", "vencimiento": "2026-12-20"},
                {"numero": 1, "cantidad": "100"}]}),
        )
        .await;
    assert_eq!(v["data"]["orden"]["estado"], "recibida_parcial");
    // The reception's lines in the order's order, whatever order they were entered in.
    assert_eq!(v["data"]["recepcion"]["lineas"][0]["numero_linea"], 1);
    let (st, v) = api
        .post(
            &cerrar,
            &admin,
            json!({"motivo": "el proveedor no tiene más"}),
        )
        .await;
    assert_eq!(
        (st, v["data"]["estado"].as_str()),
        (200, Some("cerrada")),
        "{v}"
    );
    assert_eq!(stock(&api, &admin, &yogur).await, "20");
    assert_eq!(stock(&api, &admin, &regalo).await, "100");
    let (st, v) = api
        .post(
            "/compras/recepciones/",
            &admin,
            json!({"orden_compra_id": orden, "lineas": [{"numero": 2, "cantidad": "4",
                "lote": "L-2611"}]}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
}
