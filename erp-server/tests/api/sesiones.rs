//! Sessions, permissions, isolation and errors, and the POS sale through the API.

use super::*;

en_ambos!(
    venta_por_la_api,
    tokens_y_sesiones,
    permisos_por_rol,
    aislamiento_entre_empresas,
    errores_con_sobre,
    bloqueo_por_intentos,
);

/// Process 5 through the API: a POS sale by code, its comprobante, the stock after it, the
/// sale's detail, and its annulment with the stock back.
async fn venta_por_la_api(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let (producto, codigo) = producto_con_stock(&api, &admin, "10").await;
    let (st, v) = api
        .post(
            "/ventas/pos/",
            &admin,
            json!({"items": [{"codigo": codigo, "cantidad": "3"}], "pagos": [{"metodo": "efectivo", "monto": "110.00"}]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let venta = &v["data"]["venta"];
    assert_eq!(venta["total"], "105.00");
    assert_eq!(venta["vuelto"], "5.00");
    assert_eq!(v["data"]["comprobante"]["serie"], "B001");
    assert_eq!(v["data"]["comprobante"]["numero"], 1);
    assert_eq!(v["data"]["comprobante"]["estado"], "pendiente");
    assert_eq!(v["data"]["comprobante"]["documento"]["total_igv"], "16.02");
    assert_eq!(stock(&api, &admin, &producto).await, "7");
    let id = venta["id"].as_str().unwrap();
    let (st, v) = api.get(&format!("/ventas/{id}/"), &admin).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["comprobantes"].as_array().unwrap().len(), 1);
    let (st, v) = api.get("/ventas/?page=1&page_size=5", &admin).await;
    assert_eq!((st, v["data"]["count"].clone()), (200, json!(1)), "{v}");
    let (st, v) = api
        .post(
            &format!("/ventas/{id}/anular/"),
            &admin,
            json!({"motivo": "el cliente desiste"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["data"]["serie"], "BC01");
    assert_eq!(stock(&api, &admin, &producto).await, "10");
    // Annulling twice: a conflict, in the envelope.
    let (st, v) = api
        .post(
            &format!("/ventas/{id}/anular/"),
            &admin,
            json!({"motivo": "otra vez"}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (409, json!("estado_invalido")),
        "{v}"
    );
    // More than the stock: refused with the engine's message, nothing sold.
    let (st, v) = api
        .post(
            "/ventas/pos/",
            &admin,
            json!({"items": [{"codigo": codigo, "cantidad": "11"}]}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (409, json!("stock_insuficiente")),
        "{v}"
    );
    assert_eq!(stock(&api, &admin, &producto).await, "10");
    // The log has the sale (its payment) and the annulment, by the admin from the client's
    // address, written with them; the refused annulment and the refused sale are not there.
    let (_, log) = api.get("/usuarios/audit-logs/?modulo=ventas", &admin).await;
    let filas = log["data"]["results"].as_array().unwrap();
    let entradas: Vec<(&str, &str)> = filas
        .iter()
        .map(|f| {
            (
                f["accion"].as_str().unwrap(),
                f["detalle"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entradas,
        [
            ("anular", "BC01-00000001"),
            (
                "venta",
                "B001-00000001 total PEN 105.00 (contado); pagos: efectivo 110.00"
            ),
        ],
        "{log}"
    );
    let (_, yo) = api.get("/auth/me/", &admin).await;
    for f in filas {
        assert_eq!(f["ip"], "127.0.0.1", "{f}");
        assert_eq!(f["usuario_id"], yo["data"]["id"], "{f}");
    }
    // The draft calculator of a POS screen.
    let (st, v) = api
        .post(
            "/calculo/documento/",
            &admin,
            json!({"pais": "PE", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
                   "lineas": [{"codigo": "X", "descripcion": "x", "cantidad": "1", "precio": "118"}]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["total_igv"], "18.00");
}

/// Login answers both token spellings and `me`; refresh rotates; a refresh token used twice
/// ends every session of the user; logout ends the session; forged, expired-kind and
/// `alg: none` tokens are refused.
async fn tokens_y_sesiones(api: Api) {
    let (empresa, email, clave) = empresa(&api).await;
    let (st, v) = api.login(&email, &clave).await;
    assert_eq!(st, 200, "{v}");
    let d = &v["data"];
    assert_eq!(d["access"], d["access_token"]);
    assert_eq!(d["usuario"]["rol"]["codigo"], "admin");
    assert_eq!(d["usuario"]["empresa"]["id"], json!(empresa));
    let acceso = d["access"].as_str().unwrap().to_string();
    let refresco = d["refresh"].as_str().unwrap().to_string();
    let (st, v) = api.get("/auth/me/", &acceso).await;
    assert_eq!(st, 200, "{v}");
    assert!(
        v["data"]["permisos"]
            .as_array()
            .unwrap()
            .contains(&json!("usuarios.crear"))
    );
    // A refresh token is not an access token.
    let (st, _) = api.get("/auth/me/", &refresco).await;
    assert_eq!(st, 401);
    let (st, v) = api
        .pedir(
            "POST",
            "/auth/refresh/",
            None,
            Some(json!({"refresh": refresco})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let nuevo = v["data"]["refresh"].as_str().unwrap().to_string();
    assert_ne!(nuevo, refresco);
    // The old one again: a replay. Refused, and the new one dies with it.
    let (st, v) = api
        .pedir(
            "POST",
            "/auth/refresh/",
            None,
            Some(json!({"refresh": refresco})),
        )
        .await;
    assert_eq!((st, v["codigo"].clone()), (401, json!("auth_failed")));
    let (st, _) = api
        .pedir(
            "POST",
            "/auth/refresh/",
            None,
            Some(json!({"refresh": nuevo})),
        )
        .await;
    assert_eq!(st, 401);
    // Logout ends the session of that refresh token.
    let (_, v) = api.login(&email, &clave).await;
    let acceso = v["data"]["access"].as_str().unwrap().to_string();
    let refresco = v["data"]["refresh"].as_str().unwrap().to_string();
    // Logout takes the refresh token alone (the access token may have expired), and the access
    // tokens of that session stop with it.
    let (st, v) = api
        .pedir(
            "POST",
            "/auth/logout/",
            None,
            Some(json!({"refresh": refresco})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(api.get("/auth/me/", &acceso).await.0, 401);
    let acceso = api.entrar(&email, &clave).await;
    let (st, _) = api
        .pedir(
            "POST",
            "/auth/refresh/",
            None,
            Some(json!({"refresh": refresco})),
        )
        .await;
    assert_eq!(st, 401);
    // Forged: a valid token's payload with another signature; and `alg: none`.
    let partes: Vec<&str> = acceso.split('.').collect();
    let falso = format!("{}.{}.{}", partes[0], partes[1], "AAAA");
    assert_eq!(api.get("/auth/me/", &falso).await.0, 401);
    let nada = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", partes[1]);
    assert_eq!(api.get("/auth/me/", &nada).await.0, 401);
    let (st, v) = api.pedir("GET", "/auth/me/", None, None).await;
    assert_eq!((st, v["codigo"].clone()), (401, json!("auth_failed")));
    // The audit log has the logins and the logout.
    let (st, v) = api.get("/usuarios/audit-logs/?accion=login", &acceso).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["count"], 3, "{v}");
    let (_, v) = api
        .get("/usuarios/audit-logs/?accion=logout", &acceso)
        .await;
    assert_eq!(v["data"]["count"], 1, "{v}");
}

/// A vendedor sells but cannot reach the admin endpoints; a deleted user's tokens stop working.
async fn permisos_por_rol(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    let (_, codigo) = producto_con_stock(&api, &admin, "5").await;
    let (vendedor_id, vendedor) = usuario_con_rol(&api, &admin, "vendedor").await;
    for (metodo, ruta, cuerpo) in [
        ("GET", "/usuarios/", None),
        (
            "POST",
            "/usuarios/",
            Some(
                json!({"email": "x@y.pe", "nombre": "X", "password": "abcdefgh1", "rol": "admin"}),
            ),
        ),
        ("GET", "/usuarios/audit-logs/", None),
        (
            "POST",
            "/roles/",
            Some(json!({"codigo": "x", "nombre": "X"})),
        ),
        (
            "POST",
            "/inventario/productos/",
            Some(json!({"nombre": "X", "precio_venta": "1"})),
        ),
    ] {
        let (st, v) = api.pedir(metodo, ruta, Some(&vendedor), cuerpo).await;
        assert_eq!(
            (st, v["codigo"].clone()),
            (403, json!("permiso_insuficiente")),
            "{metodo} {ruta}: {v}"
        );
    }
    let (st, v) = api
        .post(
            "/ventas/pos/",
            &vendedor,
            json!({"items": [{"codigo": codigo, "cantidad": "1"}]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["data"]["venta"]["usuario_id"], json!(vendedor_id));
    // A cajero cannot annul.
    let venta = v["data"]["venta"]["id"].as_str().unwrap().to_string();
    let (_, cajero) = usuario_con_rol(&api, &admin, "cajero").await;
    let (st, _) = api
        .post(
            &format!("/ventas/{venta}/anular/"),
            &cajero,
            json!({"motivo": "x"}),
        )
        .await;
    assert_eq!(st, 403);
    // A custom role that manages users cannot hand out more than it has.
    let (st, v) = api
        .post(
            "/roles/",
            &admin,
            json!({"codigo": "jefe_personal", "nombre": "Jefe de personal",
                   "permisos": ["usuarios.ver", "usuarios.crear", "usuarios.editar"]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let (jefe_id, jefe) = usuario_con_rol(&api, &admin, "jefe_personal").await;
    let (st, v) = api
        .post(
            "/usuarios/",
            &jefe,
            json!({"email": correo("x"), "nombre": "X", "password": "abcdefgh1", "rol": "admin"}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (403, json!("permiso_insuficiente")),
        "{v}"
    );
    let (_, v) = api.get("/auth/me/", &admin).await;
    let admin_id = v["data"]["id"].as_str().unwrap().to_string();
    let (st, _) = api
        .pedir(
            "PATCH",
            &format!("/usuarios/{admin_id}/"),
            Some(&jefe),
            Some(json!({"password": "me-la-quedo-1"})),
        )
        .await;
    assert_eq!(st, 403);
    let (st, _) = api
        .pedir(
            "PATCH",
            &format!("/usuarios/{jefe_id}/"),
            Some(&jefe),
            Some(json!({"rol": "gerente"})),
        )
        .await;
    assert_eq!(st, 403);
    // Who manages roles puts in a role only what their own role has, or they could create a
    // role with everything (or widen their own) and take it.
    let (_, rrhh) = {
        let (st, v) = api
            .post(
                "/roles/",
                &admin,
                json!({"codigo": "rrhh", "nombre": "Recursos humanos",
                       "permisos": ["roles.ver", "roles.gestionar", "usuarios.ver"]}),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        usuario_con_rol(&api, &admin, "rrhh").await
    };
    let (st, v) = api
        .post(
            "/roles/",
            &rrhh,
            json!({"codigo": "todo", "nombre": "Todo", "permisos": ["ventas.anular"]}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (403, json!("permiso_insuficiente")),
        "{v}"
    );
    let (st, v) = api
        .post(
            "/roles/",
            &rrhh,
            json!({"codigo": "consulta", "nombre": "Consulta", "permisos": ["usuarios.ver"]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let (_, v) = api.get("/roles/", &admin).await;
    let propio = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["codigo"] == "rrhh")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, v) = api
        .post(
            &format!("/usuarios/roles/{propio}/permisos/"),
            &rrhh,
            json!({"permisos": ["roles.ver", "roles.gestionar", "usuarios.ver", "usuarios.eliminar"]}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (403, json!("permiso_insuficiente")),
        "{v}"
    );
    assert_eq!(api.login(&email, &clave).await.0, 200);
    // The admin deletes the vendedor: its token stops at once.
    let (st, v) = api
        .pedir(
            "DELETE",
            &format!("/usuarios/{vendedor_id}/"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = api.get("/auth/me/", &vendedor).await;
    assert_eq!(st, 401);
}

/// Company B's ids are not found by company A, whatever the route.
async fn aislamiento_entre_empresas(api: Api) {
    let (_, email_a, clave_a) = empresa(&api).await;
    let (_, email_b, clave_b) = empresa(&api).await;
    let a = api.entrar(&email_a, &clave_a).await;
    let b = api.entrar(&email_b, &clave_b).await;
    let (producto_b, codigo_b) = producto_con_stock(&api, &b, "5").await;
    let (_, v) = api
        .post(
            "/ventas/pos/",
            &b,
            json!({"items": [{"codigo": codigo_b, "cantidad": "1"}]}),
        )
        .await;
    let venta_b = v["data"]["venta"]["id"].as_str().unwrap().to_string();
    for ruta in [
        format!("/inventario/productos/{producto_b}/"),
        format!("/inventario/productos/{producto_b}/stock/"),
        format!("/ventas/{venta_b}/"),
    ] {
        let (st, v) = api.get(&ruta, &a).await;
        assert_eq!(
            (st, v["codigo"].clone()),
            (404, json!("no_encontrado")),
            "{ruta}: {v}"
        );
    }
    let (st, _) = api
        .post(
            &format!("/ventas/{venta_b}/anular/"),
            &a,
            json!({"motivo": "x"}),
        )
        .await;
    assert_eq!(st, 404);
    let (st, _) = api
        .post(
            "/ventas/pos/",
            &a,
            json!({"items": [{"codigo": codigo_b, "cantidad": "1"}]}),
        )
        .await;
    assert_eq!(st, 422);
    let (_, v) = api.get("/inventario/productos/", &a).await;
    assert_eq!(v["data"]["count"], 0);
    assert_eq!(stock(&api, &b, &producto_b).await, "4");
}

/// Malformed JSON, wrong types, unknown enum values and fields, wrong media type, oversized
/// bodies, unknown routes and methods: the envelope with a code, never a 500.
async fn errores_con_sobre(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let t = api.entrar(&email, &clave).await;
    let url = format!("{}/ventas/pos/", api.base);
    let crudo = |cuerpo: &'static str, tipo: &'static str| {
        api.http
            .post(url.clone())
            .bearer_auth(&t)
            .header("content-type", tipo)
            .body(cuerpo)
    };
    let r = crudo("{\"items\": [", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["codigo"], "json_invalido");
    let r = crudo("{}", "text/plain").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let (st, v) = api
        .post(
            "/ventas/pos/",
            &t,
            json!({"items": [{"codigo": 5, "cantidad": "1"}]}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (422, json!("tipo_invalido")),
        "{v}"
    );
    assert!(v["errores"]["items[0].codigo"].is_array(), "{v}");
    let (st, v) = api
        .post(
            "/ventas/pos/",
            &t,
            json!({"items": [], "pagos": [{"metodo": "bitcoin", "monto": "1"}]}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = api
        .post(
            "/ventas/pos/",
            &t,
            json!({"items": [{"codigo": "X", "cantidad": 1.5}]}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = api.post("/ventas/pos/", &t, json!({"itemz": []})).await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (422, json!("campo_desconocido")),
        "{v}"
    );
    let grande = "x".repeat(servidor::MAX_CUERPO + 10);
    let r = api
        .http
        .post(url.clone())
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body(format!("{{\"items\": [], \"x\": \"{grande}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let (st, v) = api.get("/no/existe/", &t).await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (404, json!("ruta_no_encontrada"))
    );
    let (st, v) = api.pedir("DELETE", "/ventas/pos/", Some(&t), None).await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (405, json!("metodo_no_permitido"))
    );
    let (st, _) = api.get("/ventas/no-es-uuid/", &t).await;
    assert_eq!(st, 404);
    let (st, v) = api.get("/inventario/productos/?page_size=500", &t).await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = api.get("/inventario/productos/?page=dos", &t).await;
    assert_eq!(st, 422, "{v}");
}

/// Five wrong passwords lock the account for a while: even the right one is refused then.
async fn bloqueo_por_intentos(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    for _ in 0..5 {
        let (st, v) = api.login(&email, "no-es-la-clave").await;
        assert_eq!((st, v["codigo"].clone()), (401, json!("auth_failed")));
    }
    // Locked: a wrong password still gets the plain answer (the lock is no oracle for emails);
    // the right one learns that the account is locked.
    let (st, v) = api.login(&email, "no-es-la-clave").await;
    assert_eq!((st, v["codigo"].clone()), (401, json!("auth_failed")));
    let (st, v) = api.login(&email, &clave).await;
    assert_eq!(
        (st, v["codigo"].clone()),
        (429, json!("cuenta_bloqueada")),
        "{v}"
    );
    // An unknown email gets the same answer as a wrong password.
    let (st, v) = api.login("nadie@ninguna.pe", "x-x-x-x-x").await;
    assert_eq!((st, v["codigo"].clone()), (401, json!("auth_failed")));
}
