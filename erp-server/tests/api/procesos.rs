//! Seed 000 processes 1 to 5 through the endpoints: the company's configuration, roles and
//! the document check; inventory (categories, warehouses, transfers, adjustments, alerts, the
//! ledger by cursor, costs hidden from who may not see them); customers and suppliers; and the
//! quotation → order → sale flow with its notes.

use std::collections::BTreeSet;

use super::*;

en_ambos!(
    configuracion_y_roles,
    inventario_por_la_api,
    movimientos_en_el_mismo_instante,
    clientes_y_proveedores,
    cotizacion_orden_venta_y_notas,
    trabajos_de_la_empresa,
);

/// The admin sees the company's background jobs (each kind scheduled once at its creation), not
/// another company's; a seller does not; the limit is bounded.
async fn trabajos_de_la_empresa(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let t = api.leido("/empresa/trabajos/", &admin).await;
    let mut tipos: Vec<(&str, &str)> = t
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["tipo"].as_str().unwrap(), x["estado"].as_str().unwrap()))
        .collect();
    tipos.sort();
    assert_eq!(
        tipos,
        [
            ("avisar_cotizaciones", "pendiente"),
            ("stock_minimo", "pendiente"),
            ("vencer_cotizaciones", "pendiente"),
        ],
        "{t}"
    );
    let t = api.leido("/empresa/trabajos/?limite=1", &admin).await;
    assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
    for malo in ["0", "101", "muchos"] {
        let (st, v) = api
            .get(&format!("/empresa/trabajos/?limite={malo}"), &admin)
            .await;
        assert_eq!(
            (st, v["codigo"].as_str()),
            (422, Some("valor_no_permitido")),
            "{v}"
        );
        assert!(v["errores"]["limite"].is_array(), "{v}");
    }
    let (_, vendedor) = usuario_con_rol(&api, &admin, "vendedor").await;
    let (st, _) = api.get("/empresa/trabajos/", &vendedor).await;
    assert_eq!(st, 403);
}

/// Process 1 and 2: the admin edits the company (the Nubefact token survives an edit that does
/// not name it and is never shown), nobody else may; the document check; custom roles.
async fn configuracion_y_roles(api: Api) {
    let (e, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let (st, v) = api
        .patch(
            "/empresa/",
            &admin,
            json!({"nombre_comercial": "El Tornillo", "ajustes": {
                "nubefact_ruta": "https://api.nubefact.com/api/v1/abc", "nubefact_token": "secreto"}}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["nombre_comercial"], "El Tornillo");
    assert!(v["data"]["ajustes"].get("nubefact_token").is_none(), "{v}");
    let (st, v) = api
        .patch(
            "/empresa/",
            &admin,
            json!({"ajustes": {"agente_retencion": true}}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let guardada = api.estado.motor.empresa(e).await.unwrap();
    assert_eq!(guardada.ajustes.nubefact_token.as_deref(), Some("secreto"));
    assert!(guardada.ajustes.agente_retencion);
    assert_eq!(guardada.nombre_comercial, "El Tornillo");
    // SRI settings on a Peruvian company, an unknown setting: refused, nothing changed.
    let (st, v) = api
        .patch(
            "/empresa/",
            &admin,
            json!({"direccion": "otra", "ajustes": {"sri_ambiente": 1}}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert!(v["errores"]["ajustes.sri_*"].is_array(), "{v}");
    let (st, v) = api
        .patch("/empresa/", &admin, json!({"ajustes": {"iva": 15}}))
        .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["codigo"], "campo_desconocido", "{v}");
    assert!(v["errores"]["ajustes.iva"].is_array(), "{v}");
    assert_eq!(
        api.estado.motor.empresa(e).await.unwrap().direccion,
        "Jr. Lampa 555, Lima"
    );
    let (_, vendedor) = usuario_con_rol(&api, &admin, "vendedor").await;
    let (st, _) = api
        .patch("/empresa/", &vendedor, json!({"direccion": "x"}))
        .await;
    assert_eq!(st, 403);
    let (st, v) = api.get("/empresa/", &vendedor).await;
    assert_eq!(st, 200);
    assert!(v["data"]["ajustes"].get("nubefact_token").is_none());
    // The company edit is in the audit log.
    let log = api
        .leido("/usuarios/audit-logs/?modulo=empresa", &admin)
        .await;
    assert_eq!(log["count"], 2, "{log}");

    // Identity documents by the company's country.
    let (st, v) = api
        .post(
            "/validar-documento/",
            &vendedor,
            json!({"tipo": "ruc", "numero": "20100070970"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["numero"], "20100070970");
    let (st, v) = api
        .post(
            "/validar-documento/",
            &vendedor,
            json!({"tipo": "ruc", "numero": "20100070971"}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert!(v["errores"]["numero"].is_array(), "{v}");
    let (st, v) = api
        .post(
            "/validar-documento/",
            &vendedor,
            json!({"tipo": "cedula", "numero": "1710034065"}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert!(v["errores"]["tipo"].is_array(), "{v}");

    // A custom role, its permissions replaced, an unknown permission refused.
    let rol = api
        .creado(
            "/roles/",
            &admin,
            json!({"codigo": "caja_rapida", "nombre": "Caja rápida", "permisos": ["ventas.pos"]}),
        )
        .await;
    let ruta = format!("/usuarios/roles/{}/permisos/", id(&rol));
    let (st, v) = api
        .post(
            &ruta,
            &admin,
            json!({"permisos": ["ventas.pos", "clientes.ver"]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let p = api
        .leido(&format!("/roles/{}/permisos/", id(&rol)), &admin)
        .await;
    let permisos: BTreeSet<&str> = p["permisos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(permisos, BTreeSet::from(["clientes.ver", "ventas.pos"]));
    let (st, v) = api
        .post(&ruta, &admin, json!({"permisos": ["ventas.volar"]}))
        .await;
    assert_eq!(st, 422, "{v}");
    let (st, _) = api
        .post(&ruta, &vendedor, json!({"permisos": ["ventas.pos"]}))
        .await;
    assert_eq!(st, 403);

    // A second till: its own boleta series, numbered from 1.
    api.creado(
        "/facturacion/series/",
        &admin,
        json!({"tipo": "boleta", "serie": "B002"}),
    )
    .await;
    let (st, v) = api
        .post(
            "/facturacion/series/",
            &admin,
            json!({"tipo": "boleta", "serie": "B002"}),
        )
        .await;
    assert_eq!((st, v["codigo"].as_str()), (409, Some("duplicado")), "{v}");
    let (st, v) = api
        .post(
            "/facturacion/series/",
            &admin,
            json!({"tipo": "boleta", "serie": "F002"}),
        )
        .await;
    assert_eq!(st, 422, "a boleta series starts with B: {v}");
    let (st, _) = api
        .post(
            "/facturacion/series/",
            &vendedor,
            json!({"tipo": "boleta", "serie": "B003"}),
        )
        .await;
    assert_eq!(st, 403);
    let (_, codigo) = producto_con_stock(&api, &admin, "5").await;
    let v = api
        .creado(
            "/ventas/pos/",
            &vendedor,
            json!({"items": [{"codigo": codigo, "cantidad": "1"}], "serie": "B002"}),
        )
        .await;
    assert_eq!(
        (
            v["data"]["comprobante"]["serie"].as_str(),
            v["data"]["comprobante"]["numero"].as_i64()
        ),
        (Some("B002"), Some(1))
    );
    let series = api.leido("/facturacion/series/", &vendedor).await;
    let b002 = series
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["serie"] == "B002")
        .unwrap();
    assert_eq!(b002["correlativo"], 1);
}

/// Process 3: categories, warehouses, goods in, a transfer, adjustments, the alert below the
/// minimum, the ledger page by page, and the costs a seller does not see.
async fn inventario_por_la_api(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let padre = api
        .creado(
            "/inventario/categorias/",
            &admin,
            json!({"nombre": "Herramientas"}),
        )
        .await;
    let hija = api
        .creado(
            "/inventario/categorias/",
            &admin,
            json!({"nombre": "Manuales", "padre_id": id(&padre)}),
        )
        .await;
    let (st, v) = api
        .patch(
            &format!("/inventario/categorias/{}/", id(&hija)),
            &admin,
            json!({"nombre": "Herramientas manuales"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let c = api
        .leido(&format!("/inventario/categorias/{}/", id(&hija)), &admin)
        .await;
    assert_eq!(
        (c["nombre"].as_str(), c["padre_id"].as_str()),
        (Some("Herramientas manuales"), Some(id(&padre).as_str()))
    );
    assert_eq!(
        api.leido("/inventario/categorias/", &admin)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let tienda = id(&api
        .creado(
            "/inventario/almacenes/",
            &admin,
            json!({"nombre": "Tienda", "es_principal": true}),
        )
        .await);
    let deposito = id(&api
        .creado(
            "/inventario/almacenes/",
            &admin,
            json!({"nombre": "Depósito"}),
        )
        .await);
    let a = api
        .leido(&format!("/inventario/almacenes/{deposito}/"), &admin)
        .await;
    assert_eq!(a["nombre"], "Depósito");
    let p = api
        .creado(
            "/inventario/productos/",
            &admin,
            json!({"nombre": "Serrucho 20\"", "precio_venta": "45.00",
                "precio_incluye_impuesto": true, "costo": "25.00", "stock_minimo": "5",
                "categoria_id": id(&hija)}),
        )
        .await;
    let producto = id(&p);
    api.creado(
        "/inventario/entradas/",
        &admin,
        json!({"producto_id": producto, "almacen_id": tienda, "cantidad": "10", "costo_unitario": "25.00"}),
    )
    .await;
    let t = api
        .creado(
            "/inventario/movimientos/transferencia/",
            &admin,
            json!({"producto_id": producto, "almacen_origen_id": tienda,
                "almacen_destino_id": deposito, "cantidad": "4", "motivo": "reposición"}),
        )
        .await;
    assert_eq!(t["data"].as_array().unwrap().len(), 2, "{t}");
    // A count in the warehouse: one less (merma), then the shop counted at 1.
    api.creado(
        "/inventario/movimientos/ajuste/",
        &admin,
        json!({"producto_id": producto, "almacen_id": deposito, "diferencia": "-1", "motivo": "merma"}),
    )
    .await;
    let (st, v) = api
        .post(
            "/inventario/movimientos/ajuste/",
            &admin,
            json!({"producto_id": producto, "almacen_id": deposito, "diferencia": "-1"}),
        )
        .await;
    assert_eq!(st, 422, "an adjustment without a reason: {v}");
    assert_eq!(
        api.leido("/inventario/alertas-stock/", &admin).await,
        json!([])
    );
    api.creado(
        "/inventario/movimientos/ajuste/",
        &admin,
        json!({"producto_id": producto, "almacen_id": tienda, "cantidad_nueva": "1", "motivo": "conteo"}),
    )
    .await;
    let s = api
        .leido(&format!("/inventario/almacenes/{deposito}/stock/"), &admin)
        .await;
    assert_eq!(s.as_array().unwrap().len(), 1);
    assert_eq!(s[0]["cantidad"], "3");
    assert!(s[0].get("ultima_secuencia").is_none(), "{s}");
    let alertas = api.leido("/inventario/alertas-stock/", &admin).await;
    assert_eq!(alertas.as_array().unwrap().len(), 1, "{alertas}");
    assert_eq!(
        (&alertas[0]["stock_actual"], &alertas[0]["faltante"]),
        (&json!("4"), &json!("1"))
    );

    // The ledger: entry, transfer out and in, two adjustments out; newest first, by cursor.
    let mut vistos = Vec::new();
    let mut ruta = "/inventario/movimientos/?page_size=2".to_string();
    let mut paginas = 0;
    loop {
        let pag = api.leido(&ruta, &admin).await;
        paginas += 1;
        for m in pag["results"].as_array().unwrap() {
            vistos.push(m["id"].as_str().unwrap().to_string());
        }
        match pag["next"].as_str() {
            Some(c) => ruta = format!("/inventario/movimientos/?page_size=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!((paginas, vistos.len()), (3, 5), "{vistos:?}");
    assert_eq!(vistos.iter().collect::<BTreeSet<_>>().len(), 5);
    let todos = api
        .leido("/inventario/movimientos/?page_size=100", &admin)
        .await;
    let ids: Vec<String> = todos["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vistos, "the pages are the whole list, in order");
    assert_eq!(todos["results"][4]["tipo"], "entrada");
    assert_eq!(todos["results"][4]["costo_unitario"], "25");
    let solo = api
        .leido(
            &format!("/inventario/movimientos/?tipo=ajuste_salida&almacen={deposito}"),
            &admin,
        )
        .await;
    assert_eq!(solo["results"].as_array().unwrap().len(), 1);
    let viejos = api
        .leido("/inventario/movimientos/?fecha_hasta=2020-01-31", &admin)
        .await;
    assert_eq!(viejos["results"], json!([]));
    let (st, v) = api
        .get("/inventario/movimientos/?cursor=ayer", &admin)
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (422, Some("valor_no_permitido"))
    );
    let (st, v) = api.get("/inventario/movimientos/?tipo=robo", &admin).await;
    assert_eq!(st, 422);
    assert!(v["errores"]["tipo"].is_array(), "{v}");

    // A seller sees prices and stock, not what things cost.
    let (_, vendedor) = usuario_con_rol(&api, &admin, "vendedor").await;
    let visto = api
        .leido(&format!("/inventario/productos/{producto}/"), &vendedor)
        .await;
    assert_eq!(visto["precio_venta"], "45.00");
    assert!(visto.get("costo").is_none(), "{visto}");
    let lista = api.leido("/inventario/productos/", &vendedor).await;
    assert!(lista["results"][0].get("costo").is_none(), "{lista}");
    let st = api
        .leido(
            &format!("/inventario/productos/{producto}/stock/"),
            &vendedor,
        )
        .await;
    assert!(st[0].get("costo_promedio").is_none() && st[0].get("valor").is_none());
    let movs = api.leido("/inventario/movimientos/", &vendedor).await;
    assert!(movs["results"][0].get("costo_unitario").is_none(), "{movs}");
    assert!(movs["results"][0].get("valor_saldo").is_none());
    let (st, _) = api
        .post(
            "/inventario/movimientos/ajuste/",
            &vendedor,
            json!({"producto_id": producto, "almacen_id": tienda, "diferencia": "1", "motivo": "x"}),
        )
        .await;
    assert_eq!(st, 403);
    let visto = api
        .leido(&format!("/inventario/productos/{producto}/"), &admin)
        .await;
    assert_eq!(visto["costo"], "25.00");

    // Edit, then soft delete (refused while it has stock): gone from the list and the detail.
    let (st, v) = api
        .patch(
            &format!("/inventario/productos/{producto}/"),
            &admin,
            json!({"precio_venta": "49.90"}),
        )
        .await;
    assert_eq!(
        (st, v["data"]["precio_venta"].as_str()),
        (200, Some("49.90"))
    );
    let (st, v) = api
        .pedir(
            "DELETE",
            &format!("/inventario/productos/{producto}/"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
    for almacen in [&tienda, &deposito] {
        api.creado(
            "/inventario/movimientos/ajuste/",
            &admin,
            json!({"producto_id": producto, "almacen_id": almacen, "cantidad_nueva": "0",
                "motivo": "baja del producto"}),
        )
        .await;
    }
    let (st, v) = api
        .pedir(
            "DELETE",
            &format!("/inventario/productos/{producto}/"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = api
        .get(&format!("/inventario/productos/{producto}/"), &admin)
        .await;
    assert_eq!(st, 404);
    assert_eq!(
        api.leido("/inventario/productos/", &admin).await["count"],
        0
    );
}

/// Two transfers dated at the same instant: the rows of each product's chain share the instant
/// and the sequence (each second in its chain), and the cursor still walks every row once.
async fn movimientos_en_el_mismo_instante(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let mut almacenes = vec![];
    for (nombre, principal) in [("Tienda", true), ("Depósito", false)] {
        let a = api
            .creado(
                "/inventario/almacenes/",
                &admin,
                json!({"nombre": nombre, "es_principal": principal}),
            )
            .await;
        almacenes.push(id(&a));
    }
    let mut productos = vec![];
    for nombre in ["Clavo 2\"", "Clavo 3\""] {
        let p = api
            .creado(
                "/inventario/productos/",
                &admin,
                json!({"nombre": nombre, "precio_venta": "0.50"}),
            )
            .await;
        api.creado(
            "/inventario/entradas/",
            &admin,
            json!({"producto_id": id(&p), "almacen_id": almacenes[0], "cantidad": "100", "costo_unitario": "0.20"}),
        )
        .await;
        productos.push(id(&p));
    }
    let instante = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for p in &productos {
        api.creado(
            "/inventario/movimientos/transferencia/",
            &admin,
            json!({"producto_id": p, "almacen_origen_id": almacenes[0],
                "almacen_destino_id": almacenes[1], "cantidad": "10", "fecha": instante}),
        )
        .await;
    }
    let todos = api
        .leido("/inventario/movimientos/?page_size=100", &admin)
        .await;
    let filas = todos["results"].as_array().unwrap();
    assert_eq!(filas.len(), 6);
    let empates = filas
        .iter()
        .filter(|m| m["fecha"] == filas[0]["fecha"] && m["secuencia"] == filas[0]["secuencia"])
        .count();
    assert!(empates >= 2, "{filas:?}");
    let mut vistos = vec![];
    let mut ruta = "/inventario/movimientos/?page_size=1".to_string();
    loop {
        let pag = api.leido(&ruta, &admin).await;
        vistos.extend(
            pag["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].clone()),
        );
        match pag["next"].as_str() {
            Some(c) => ruta = format!("/inventario/movimientos/?page_size=1&cursor={c}"),
            None => break,
        }
    }
    let ids: Vec<Value> = filas.iter().map(|m| m["id"].clone()).collect();
    assert_eq!(vistos, ids);
}

/// Process 4: customers (edit, quick search, their sales) and suppliers.
async fn clientes_y_proveedores(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let c = api
        .creado(
            "/clientes/",
            &admin,
            json!({"numero_documento": "20100070970", "razon_social": "Gloria S.A.", "direccion": "Av. República de Panamá 2461, Lima"}),
        )
        .await;
    assert_eq!(c["data"]["tipo_documento"], "ruc");
    let cliente = id(&c);
    let (st, v) = api
        .post(
            "/clientes/",
            &admin,
            json!({"numero_documento": "20100070970", "razon_social": "Otra"}),
        )
        .await;
    assert_eq!((st, v["codigo"].as_str()), (409, Some("duplicado")), "{v}");
    let (st, v) = api
        .patch(
            &format!("/clientes/{cliente}/"),
            &admin,
            json!({"telefono": "014707170", "limite_credito": "1000"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["limite_credito"], "1000.00");
    let (st, v) = api
        .patch(
            &format!("/clientes/{cliente}/"),
            &admin,
            json!({"email": "no-es-correo"}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let (_, cajero) = usuario_con_rol(&api, &admin, "cajero").await;
    let hallados = api.leido("/clientes/buscar/?q=glor", &cajero).await;
    assert_eq!(hallados.as_array().unwrap().len(), 1, "{hallados}");
    let hallados = api.leido("/clientes/buscar/?q=201000", &cajero).await;
    assert_eq!(hallados[0]["id"], cliente.as_str());
    let (producto, _) = producto_con_stock(&api, &admin, "5").await;
    api.creado(
        "/ventas/",
        &admin,
        json!({"cliente_id": cliente, "lineas": [{"producto_id": producto, "cantidad": "2"}]}),
    )
    .await;
    let h = api
        .leido(&format!("/clientes/{cliente}/historial/"), &admin)
        .await;
    assert_eq!(h["count"], 1);
    assert_eq!(h["results"][0]["total"], "70.00");
    assert_eq!(h["results"][0]["costo_total"], "40.00");
    // A cashier reads the history without the sale's cost.
    let h = api
        .leido(&format!("/clientes/{cliente}/historial/"), &cajero)
        .await;
    assert_eq!(h["results"][0]["total"], "70.00");
    assert!(h["results"][0].get("costo_total").is_none(), "{h}");
    assert!(
        h["results"][0]["lineas"][0].get("costo_total").is_none(),
        "{h}"
    );

    let p = api
        .creado(
            "/proveedores/",
            &admin,
            json!({"ruc": "20131312955", "razon_social": "Sunat Proveedora S.A.", "dias_credito": 30}),
        )
        .await;
    let proveedor = id(&p);
    let (st, v) = api
        .patch(
            &format!("/proveedores/{proveedor}/"),
            &admin,
            json!({"contacto": "Rosa", "dias_credito": 45}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (
            v["data"]["contacto"].as_str(),
            v["data"]["dias_credito"].as_i64()
        ),
        (Some("Rosa"), Some(45))
    );
    let (st, v) = api
        .patch(
            &format!("/proveedores/{proveedor}/"),
            &admin,
            json!({"dias_credito": -3}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = api
        .post(
            "/proveedores/",
            &admin,
            json!({"ruc": "10000000000", "razon_social": "X"}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let lista = api.leido("/proveedores/?search=sunat", &admin).await;
    assert_eq!(lista["count"], 1);
    let (st, _) = api.get("/proveedores/", &cajero).await;
    assert_eq!(st, 403);
}

/// Process 5: a quotation, its copy, the order it becomes (confirmed: stock reserved), the sale
/// the order generates (a factura for a RUC), then a credit note of value, a return and a debit
/// note on that sale, each a numbered note with its exact total.
async fn cotizacion_orden_venta_y_notas(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let (producto, _) = producto_con_stock(&api, &admin, "10").await;
    let cliente = id(&api
        .creado(
            "/clientes/",
            &admin,
            json!({"numero_documento": "20100070970", "razon_social": "Gloria S.A.", "direccion": "Av. República de Panamá 2461, Lima"}),
        )
        .await);
    let (_, vendedor) = usuario_con_rol(&api, &admin, "vendedor").await;
    let cot = api
        .creado(
            "/ventas/cotizaciones/",
            &vendedor,
            json!({"cliente_id": cliente, "lineas": [{"producto_id": producto, "cantidad": "3"}],
                "dias_validez": 7}),
        )
        .await;
    assert_eq!(cot["data"]["total"], "105.00", "{cot}");
    assert_eq!(cot["data"]["estado"], "vigente");
    let cot_id = id(&cot);
    let copia = api
        .creado(
            &format!("/ventas/cotizaciones/{cot_id}/duplicar/"),
            &vendedor,
            json!(null),
        )
        .await;
    assert_ne!(copia["data"]["numero"], cot["data"]["numero"]);
    assert_eq!(copia["data"]["total"], "105.00");
    let (st, v) = api
        .post(
            &format!("/ventas/cotizaciones/{}/rechazar/", id(&copia)),
            &vendedor,
            json!({"motivo": "el cliente eligió otra"}),
        )
        .await;
    assert_eq!((st, v["data"]["estado"].as_str()), (200, Some("rechazada")));
    assert_eq!(
        api.leido("/ventas/cotizaciones/", &vendedor).await["count"],
        2
    );
    let orden = api
        .creado(
            &format!("/ventas/cotizaciones/{cot_id}/convertir-a-orden/"),
            &vendedor,
            json!({}),
        )
        .await;
    let orden_id = id(&orden);
    assert_eq!(orden["data"]["total"], "105.00");
    assert_eq!(
        api.leido(&format!("/ventas/cotizaciones/{cot_id}/"), &vendedor)
            .await["estado"],
        "aceptada"
    );
    // Converting twice is refused.
    let (st, v) = api
        .post(
            &format!("/ventas/cotizaciones/{cot_id}/convertir-a-orden/"),
            &vendedor,
            json!({}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    let (st, v) = api
        .post(
            &format!("/ventas/ordenes/{orden_id}/confirmar/"),
            &vendedor,
            json!(null),
        )
        .await;
    assert_eq!(
        (st, v["data"]["estado"].as_str()),
        (200, Some("confirmada"))
    );
    let s = api
        .leido(&format!("/inventario/productos/{producto}/stock/"), &admin)
        .await;
    assert_eq!(
        (s[0]["cantidad"].as_str(), s[0]["reservado"].as_str()),
        (Some("10"), Some("3"))
    );
    let venta = api
        .creado(
            &format!("/ventas/ordenes/{orden_id}/generar-venta/"),
            &vendedor,
            json!({"pagos": [{"metodo": "transferencia", "monto": "105.00"}]}),
        )
        .await;
    let v = &venta["data"];
    assert_eq!(v["venta"]["total"], "105.00");
    assert!(
        v["venta"].get("costo_total").is_none(),
        "a seller sees no margin"
    );
    assert_eq!(
        (
            v["comprobante"]["serie"].as_str(),
            v["comprobante"]["numero"].as_i64()
        ),
        (Some("F001"), Some(1))
    );
    let venta_id = v["venta"]["id"].as_str().unwrap().to_string();
    let s = api
        .leido(&format!("/inventario/productos/{producto}/stock/"), &admin)
        .await;
    assert_eq!(
        (s[0]["cantidad"].as_str(), s[0]["reservado"].as_str()),
        (Some("7"), Some("0"))
    );
    assert_eq!(
        api.leido(&format!("/ventas/ordenes/{orden_id}/"), &vendedor)
            .await["estado"],
        "completada"
    );
    let detalle = api.leido(&format!("/ventas/{venta_id}/"), &admin).await;
    assert_eq!(detalle["venta"]["costo_total"], "60.00");

    // Notes need `ventas.anular`: a seller may not.
    let (st, _) = api
        .post(
            &format!("/ventas/{venta_id}/devolucion/"),
            &vendedor,
            json!({"lineas": [{"numero": 1, "cantidad": "1"}], "motivo": "fallado"}),
        )
        .await;
    assert_eq!(st, 403);
    let valor = api
        .creado(
            &format!("/ventas/{venta_id}/nota-credito/"),
            &admin,
            json!({"items": [{"numero": 1, "monto": "5.00"}], "motivo": "descuento por demora"}),
        )
        .await;
    assert_eq!(
        (
            valor["data"]["serie"].as_str(),
            valor["data"]["numero"].as_i64()
        ),
        (Some("FC01"), Some(1))
    );
    assert_eq!(valor["data"]["total"], "5.00");
    assert_eq!(valor["data"]["documento"]["total_igv"], "0.76");
    assert_eq!(stock(&api, &admin, &producto).await, "7");
    let nota = api
        .creado(
            &format!("/ventas/{venta_id}/devolucion/"),
            &admin,
            json!({"lineas": [{"numero": 1, "cantidad": "1"}], "motivo": "fallado",
                "clave_idempotencia": "dev-1"}),
        )
        .await;
    assert_eq!(
        (
            nota["data"]["serie"].as_str(),
            nota["data"]["numero"].as_i64()
        ),
        (Some("FC01"), Some(2))
    );
    // The units are credited net of the earlier reduction: (105.00 − 5.00) / 3.
    assert_eq!(nota["data"]["total"], "33.33");
    assert_eq!(nota["data"]["motivo_codigo"], "07");
    // A retry of the same return issues nothing new.
    let otra = api
        .creado(
            &format!("/ventas/{venta_id}/devolucion/"),
            &admin,
            json!({"lineas": [{"numero": 1, "cantidad": "1"}], "motivo": "fallado",
                "clave_idempotencia": "dev-1"}),
        )
        .await;
    assert_eq!(otra["data"]["id"], nota["data"]["id"]);
    assert_eq!(stock(&api, &admin, &producto).await, "8");
    let debito = api
        .creado(
            &format!("/ventas/{venta_id}/nota-debito/"),
            &admin,
            json!({"items": [{"descripcion": "intereses por mora", "monto": "11.80"}],
                "motivo": "pago tardío"}),
        )
        .await;
    assert_eq!(
        (
            debito["data"]["serie"].as_str(),
            debito["data"]["total"].as_str()
        ),
        (Some("FD01"), Some("11.80"))
    );
    assert_eq!(debito["data"]["documento"]["total_igv"], "1.80");
    // The contract's /facturacion/notas-credito/ names the comprobante; what it credits says
    // which note it is. A note is not credited, nor lines and items at once; a seller may not.
    let factura = detalle["comprobantes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let devolucion = json!({"comprobante_id": factura, "tipo": "devolucion",
        "lineas": [{"numero": 1, "cantidad": "1"}], "motivo": "fallado"});
    for (cuerpo, campo) in [
        (
            json!({"comprobante_id": debito["data"]["id"], "tipo": "anulacion", "motivo": "x"}),
            "comprobante_id",
        ),
        (
            json!({"comprobante_id": factura, "tipo": "devolucion", "motivo": "x", "lineas": [],
                "items": [{"numero": 1, "monto": "1.00"}]}),
            "items",
        ),
        // An annulment is asked for by name, never inferred from what is missing.
        (json!({"comprobante_id": factura, "motivo": "x"}), "tipo"),
        (
            json!({"comprobante_id": factura, "tipo": "anulacion", "motivo": "x",
                "lineas": [{"numero": 1, "cantidad": "1"}]}),
            "lineas",
        ),
        (
            json!({"comprobante_id": factura, "tipo": "valor", "motivo": "x"}),
            "items",
        ),
    ] {
        let (st, v) = api
            .post("/facturacion/notas-credito/", &admin, cuerpo)
            .await;
        assert_eq!(st, 422, "{v}");
        assert!(v["errores"][campo].is_array(), "{v}");
    }
    let (st, _) = api
        .post("/facturacion/notas-credito/", &vendedor, devolucion.clone())
        .await;
    assert_eq!(st, 403);
    let (st, v) = api
        .post(
            "/facturacion/notas-credito/",
            &admin,
            json!({"comprobante_id": uuid::Uuid::now_v7(), "tipo": "anulacion", "motivo": "x"}),
        )
        .await;
    assert_eq!(st, 404, "{v}");
    let tercera = api
        .creado("/facturacion/notas-credito/", &admin, devolucion)
        .await;
    assert_eq!(
        (
            tercera["data"]["serie"].as_str(),
            tercera["data"]["numero"].as_i64(),
            tercera["data"]["total"].as_str(),
            tercera["data"]["referencia_id"].as_str(),
        ),
        (Some("FC01"), Some(3), Some("33.34"), Some(factura.as_str()))
    );
    // The last unit takes the cent the thirds left: 33.33 + 33.33 + 33.34 = the 100.00 owed.
    assert_eq!(stock(&api, &admin, &producto).await, "9");
    // A value note needs lines without returns; the annulment takes what is left.
    let (st, v) = api
        .post(
            "/facturacion/notas-credito/",
            &admin,
            json!({"comprobante_id": factura, "tipo": "valor",
                "items": [{"numero": 1, "monto": "3.34"}], "motivo": "descuento"}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (422, Some("valor_no_permitido")),
        "{v}"
    );
    let anulacion = api
        .creado(
            "/facturacion/notas-credito/",
            &admin,
            json!({"comprobante_id": factura, "tipo": "anulacion", "motivo": "cliente desiste"}),
        )
        .await;
    // The last unit, net of the reduction: 105.00 − 5.00 − 33.33 − 33.34 = 33.33.
    assert_eq!(
        (
            anulacion["data"]["numero"].as_i64(),
            anulacion["data"]["total"].as_str()
        ),
        (Some(4), Some("33.33"))
    );
    assert_eq!(stock(&api, &admin, &producto).await, "10");
    let detalle = api.leido(&format!("/ventas/{venta_id}/"), &admin).await;
    assert_eq!(detalle["venta"]["estado"], "anulada");
    assert_eq!(detalle["comprobantes"].as_array().unwrap().len(), 6);
    let log = api
        .leido("/usuarios/audit-logs/?modulo=ventas", &admin)
        .await;
    // Each act with what it acted on, written in its own unit of work; the retried return is
    // logged too (the request happened) and says it issued nothing.
    let actos: Vec<String> = log["results"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|f| {
            format!(
                "{} {}",
                f["accion"].as_str().unwrap(),
                f["detalle"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actos,
        [
            "crear cotización COT-000001",
            "crear cotización COT-000002",
            "rechazar cotización COT-000002",
            "crear orden OV-000001",
            "confirmar orden OV-000001",
            "venta F001-00000001 total PEN 105.00 (contado); pagos: transferencia 105.00",
            "nota_credito FC01-00000001",
            "devolucion FC01-00000002",
            "devolucion FC01-00000002 (reintento: ya emitida)",
            "nota_debito FD01-00000001",
            "devolucion FC01-00000003",
            "anular FC01-00000004",
        ],
        "{log}"
    );
}
