//! Every route of the API, from one table: without a token → 401; with a role that lacks the
//! permission → 403; with another company's ids (in the path or the body) → 404; malformed JSON,
//! wrong types, unknown fields, a missing media type and oversized bodies → 4xx; methods a path
//! does not have → 405. Every answer carries the envelope and none is a 500.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

en_ambos!(cada_ruta);

/// Who may call a route.
#[derive(Clone, Copy, PartialEq)]
enum Acceso {
    /// No token needed (login, refresh, logout by refresh token).
    Publica,
    /// Any signed-in user of the company.
    Autenticada,
    /// This permission (or, for the POS helpers, one of the selling ones).
    Permiso,
}

struct Ruta {
    metodo: &'static str,
    /// With `{nombre}` for the ids of company B's records.
    ruta: &'static str,
    acceso: Acceso,
    /// A body good enough to reach the engine (ids of company B where the body names records).
    cuerpo: Option<Value>,
    /// Whether company B's ids in the path or body must give 404 to company A.
    ajena: bool,
}

fn r(metodo: &'static str, ruta: &'static str, acceso: Acceso) -> Ruta {
    Ruta {
        metodo,
        ruta,
        acceso,
        cuerpo: None,
        ajena: ruta.contains('{'),
    }
}

impl Ruta {
    fn con(mut self, cuerpo: Value) -> Self {
        self.ajena = self.ajena || cuerpo.to_string().contains("{b_");
        self.cuerpo = Some(cuerpo);
        self
    }
}

/// The routes, as `servidor::app` declares them.
fn tabla() -> Vec<Ruta> {
    use Acceso::*;
    vec![
        r("POST", "/auth/login/", Publica).con(json!({"email": "x@y.pe", "password": "z"})),
        r("POST", "/auth/refresh/", Publica).con(json!({"refresh": "no-es-un-token"})),
        r("POST", "/auth/logout/", Publica).con(json!({"refresh": "no-es-un-token"})),
        r("GET", "/auth/me/", Autenticada),
        r("GET", "/empresa/", Autenticada),
        r("PATCH", "/empresa/", Permiso).con(json!({"direccion": "Av. Arequipa 100"})),
        r("GET", "/empresa/trabajos/", Permiso),
        r("POST", "/validar-documento/", Autenticada)
            .con(json!({"tipo": "ruc", "numero": "20100070970"})),
        r("GET", "/usuarios/", Permiso),
        r("POST", "/usuarios/", Permiso).con(json!({"email": "nuevo@y.pe", "nombre": "N",
            "password": "clave-larga-123", "rol": "vendedor"})),
        r("GET", "/usuarios/permisos/", Permiso),
        r("GET", "/usuarios/audit-logs/", Permiso),
        r("GET", "/usuarios/notificaciones/", Autenticada),
        // Company B's user's notification: not the caller's, 404.
        r(
            "POST",
            "/usuarios/notificaciones/{b_notificacion}/leer/",
            Autenticada,
        ),
        r("POST", "/usuarios/notificaciones/leer-todas/", Autenticada),
        r("POST", "/usuarios/roles/{b_rol}/permisos/", Permiso)
            .con(json!({"permisos": ["ventas.ver"]})),
        r("GET", "/usuarios/{b_usuario}/", Permiso),
        r("PATCH", "/usuarios/{b_usuario}/", Permiso).con(json!({"nombre": "Otro"})),
        r("DELETE", "/usuarios/{b_usuario}/", Permiso),
        r("GET", "/roles/", Permiso),
        r("POST", "/roles/", Permiso).con(json!({"codigo": "caja2", "nombre": "Caja 2"})),
        r("GET", "/roles/{b_rol}/permisos/", Permiso),
        r("PUT", "/roles/{b_rol}/permisos/", Permiso).con(json!({"permisos": ["ventas.ver"]})),
        r("GET", "/inventario/productos/", Permiso),
        r("POST", "/inventario/productos/", Permiso).con(
            json!({"nombre": "Clavo", "precio_venta": "1.00", "categoria_id": "{b_categoria}"}),
        ),
        r("GET", "/inventario/productos/buscar/", Permiso),
        r("GET", "/inventario/productos/{b_producto}/", Permiso),
        r("PATCH", "/inventario/productos/{b_producto}/", Permiso).con(json!({"nombre": "Otro"})),
        r("DELETE", "/inventario/productos/{b_producto}/", Permiso),
        r("GET", "/inventario/productos/{b_producto}/stock/", Permiso),
        r("GET", "/inventario/categorias/", Permiso),
        r("POST", "/inventario/categorias/", Permiso)
            .con(json!({"nombre": "Hijas", "padre_id": "{b_categoria}"})),
        r("GET", "/inventario/categorias/{b_categoria}/", Permiso),
        r("PATCH", "/inventario/categorias/{b_categoria}/", Permiso).con(json!({"nombre": "X"})),
        r("GET", "/inventario/almacenes/", Permiso),
        r("POST", "/inventario/almacenes/", Permiso).con(json!({"nombre": "Depósito"})),
        r("GET", "/inventario/almacenes/{b_almacen}/", Permiso),
        r("PATCH", "/inventario/almacenes/{b_almacen}/", Permiso).con(json!({"nombre": "X"})),
        r("GET", "/inventario/almacenes/{b_almacen}/stock/", Permiso),
        r("GET", "/inventario/movimientos/", Permiso),
        r("POST", "/inventario/movimientos/ajuste/", Permiso).con(json!({
            "producto_id": "{b_producto}", "almacen_id": "{b_almacen}", "diferencia": "1",
            "motivo": "conteo"})),
        r("POST", "/inventario/movimientos/transferencia/", Permiso).con(json!({
            "producto_id": "{b_producto}", "almacen_origen_id": "{b_almacen}",
            "almacen_destino_id": "{b_almacen2}", "cantidad": "1"})),
        r("POST", "/inventario/entradas/", Permiso).con(json!({
            "producto_id": "{b_producto}", "almacen_id": "{b_almacen}", "cantidad": "1",
            "costo_unitario": "2.00"})),
        r("GET", "/inventario/alertas-stock/", Permiso),
        r("GET", "/clientes/", Permiso),
        r("POST", "/clientes/", Permiso)
            .con(json!({"numero_documento": "20100070970", "razon_social": "Gloria S.A.", "direccion": "Av. República de Panamá 2461, Lima"})),
        r("GET", "/clientes/buscar/", Permiso),
        r("GET", "/clientes/{b_cliente}/", Permiso),
        r("PATCH", "/clientes/{b_cliente}/", Permiso).con(json!({"telefono": "999"})),
        r("GET", "/clientes/{b_cliente}/historial/", Permiso),
        r("GET", "/proveedores/", Permiso),
        r("POST", "/proveedores/", Permiso)
            .con(json!({"ruc": "20100070970", "razon_social": "Gloria S.A."})),
        r("GET", "/proveedores/{b_proveedor}/", Permiso),
        r("PATCH", "/proveedores/{b_proveedor}/", Permiso).con(json!({"telefono": "999"})),
        r("GET", "/proveedores/{b_proveedor}/compras/", Permiso),
        r("GET", "/compras/ordenes/", Permiso),
        r("POST", "/compras/ordenes/", Permiso).con(json!({"proveedor_id": "{b_proveedor}",
            "lineas": [{"producto_id": "{b_producto}", "cantidad": "1", "precio_unitario": "2.00"}]})),
        r("GET", "/compras/ordenes/{b_orden_compra}/", Permiso),
        r("POST", "/compras/ordenes/{b_orden_compra}/aprobar/", Permiso),
        r("POST", "/compras/ordenes/{b_orden_compra}/enviar/", Permiso),
        r("POST", "/compras/ordenes/{b_orden_compra}/cancelar/", Permiso)
            .con(json!({"motivo": "no"})),
        r("POST", "/compras/ordenes/{b_orden_compra}/cerrar/", Permiso)
            .con(json!({"motivo": "no llega"})),
        r("GET", "/compras/recepciones/", Permiso),
        r("POST", "/compras/recepciones/", Permiso).con(json!({
            "orden_compra_id": "{b_orden_compra}", "lineas": [{"numero": 1, "cantidad": "1"}]})),
        r("GET", "/ventas/", Permiso),
        r("POST", "/ventas/", Permiso).con(json!({"cliente_id": "{b_cliente}",
            "lineas": [{"producto_id": "{b_producto}", "cantidad": "1"}]})),
        r("POST", "/ventas/pos/", Permiso).con(json!({"cliente_id": "{b_cliente}",
            "items": [{"codigo": "{a_codigo}", "cantidad": "1"}]})),
        r("GET", "/ventas/cotizaciones/", Permiso),
        r("POST", "/ventas/cotizaciones/", Permiso).con(json!({"cliente_id": "{b_cliente}",
            "lineas": [{"producto_id": "{b_producto}", "cantidad": "1"}]})),
        r("GET", "/ventas/cotizaciones/{b_cotizacion}/", Permiso),
        r(
            "POST",
            "/ventas/cotizaciones/{b_cotizacion}/duplicar/",
            Permiso,
        ),
        r(
            "POST",
            "/ventas/cotizaciones/{b_cotizacion}/rechazar/",
            Permiso,
        )
        .con(json!({"motivo": "caro"})),
        r(
            "POST",
            "/ventas/cotizaciones/{b_cotizacion}/convertir-a-orden/",
            Permiso,
        )
        .con(json!({})),
        r("GET", "/ventas/ordenes/", Permiso),
        r("POST", "/ventas/ordenes/", Permiso).con(json!({"cliente_id": "{b_cliente}",
            "lineas": [{"producto_id": "{b_producto}", "cantidad": "1"}]})),
        r("GET", "/ventas/ordenes/{b_orden}/", Permiso),
        r("POST", "/ventas/ordenes/{b_orden}/confirmar/", Permiso),
        r("POST", "/ventas/ordenes/{b_orden}/cancelar/", Permiso).con(json!({"motivo": "no"})),
        r("POST", "/ventas/ordenes/{b_orden}/generar-venta/", Permiso).con(json!({})),
        r("GET", "/ventas/{b_venta}/", Permiso),
        r("POST", "/ventas/{b_venta}/anular/", Permiso).con(json!({"motivo": "error"})),
        r("POST", "/ventas/{b_venta}/devolucion/", Permiso)
            .con(json!({"lineas": [{"numero": 1, "cantidad": "1"}], "motivo": "fallado"})),
        r("POST", "/ventas/{b_venta}/nota-credito/", Permiso)
            .con(json!({"items": [{"numero": 1, "monto": "1.00"}], "motivo": "descuento"})),
        r("POST", "/ventas/{b_venta}/nota-debito/", Permiso)
            .con(json!({"items": [{"descripcion": "mora", "monto": "1.00"}], "motivo": "mora"})),
        r("GET", "/facturacion/comprobantes/", Permiso),
        r("GET", "/facturacion/comprobantes/{b_comprobante}/", Permiso),
        r("POST", "/facturacion/comprobantes/{b_comprobante}/reenviar/", Permiso),
        r("POST", "/facturacion/comprobantes/{b_comprobante}/anular/", Permiso)
            .con(json!({"motivo": "error en el RUC"})),
        r("POST", "/facturacion/notas-credito/", Permiso)
            .con(json!({"comprobante_id": "{b_comprobante}", "tipo": "anulacion", "motivo": "error"})),
        r("GET", "/facturacion/logs/", Permiso),
        r("GET", "/facturacion/series/", Permiso),
        r("POST", "/facturacion/series/", Permiso).con(json!({"tipo": "boleta", "serie": "B002"})),
        r("POST", "/calculo/documento/", Permiso).con(json!({"pais": "PE",
            "fecha": "2026-11-21", "lineas": [{"cantidad": "1", "precio": "10"}]})),
    ]
}

/// Company B's records, by the names the table uses.
async fn registros_de_b(api: &Api) -> (uuid::Uuid, BTreeMap<&'static str, String>) {
    let (b, email, clave) = empresa(api).await;
    let t = api.entrar(&email, &clave).await;
    let mut ids = BTreeMap::new();
    let id = |v: &Value| v["data"]["id"].as_str().unwrap().to_string();
    let crear = |ruta: &'static str, cuerpo: Value| {
        let t = t.clone();
        async move {
            let (st, v) = api.post(ruta, &t, cuerpo).await;
            assert_eq!(st, 201, "{ruta}: {v}");
            v
        }
    };
    let v = crear("/inventario/categorias/", json!({"nombre": "Herramientas"})).await;
    ids.insert("b_categoria", id(&v));
    let v = crear(
        "/inventario/almacenes/",
        json!({"nombre": "Principal", "es_principal": true}),
    )
    .await;
    ids.insert("b_almacen", id(&v));
    let v = crear("/inventario/almacenes/", json!({"nombre": "Segundo"})).await;
    ids.insert("b_almacen2", id(&v));
    let (producto, _) = producto_con_stock(api, &t, "20").await;
    ids.insert("b_producto", producto.clone());
    let v = crear(
        "/clientes/",
        json!({"numero_documento": "20100070970", "razon_social": "Gloria S.A.", "direccion": "Av. República de Panamá 2461, Lima"}),
    )
    .await;
    let cliente = id(&v);
    ids.insert("b_cliente", cliente.clone());
    let v = crear(
        "/proveedores/",
        json!({"ruc": "20100070970", "razon_social": "Gloria S.A."}),
    )
    .await;
    let proveedor = id(&v);
    ids.insert("b_proveedor", proveedor.clone());
    // An approved purchase order: receivable, sendable and cancellable, were A able to reach it.
    let v = crear(
        "/compras/ordenes/",
        json!({"proveedor_id": proveedor, "lineas": [{"producto_id": producto, "cantidad": "3", "precio_unitario": "4.50"}]}),
    )
    .await;
    let orden_compra = id(&v);
    let (st, v) = api
        .post(
            &format!("/compras/ordenes/{orden_compra}/aprobar/"),
            &t,
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    ids.insert("b_orden_compra", orden_compra);
    let v = crear(
        "/ventas/",
        json!({"cliente_id": cliente, "lineas": [{"producto_id": producto, "cantidad": "2"}]}),
    )
    .await;
    ids.insert("b_venta", v["data"]["venta"]["id"].as_str().unwrap().into());
    ids.insert(
        "b_comprobante",
        v["data"]["comprobante"]["id"].as_str().unwrap().into(),
    );
    let lineas = json!([{"producto_id": producto, "cantidad": "1"}]);
    let v = crear(
        "/ventas/cotizaciones/",
        json!({"cliente_id": cliente, "lineas": lineas}),
    )
    .await;
    ids.insert("b_cotizacion", id(&v));
    let v = crear(
        "/ventas/ordenes/",
        json!({"cliente_id": cliente, "lineas": lineas}),
    )
    .await;
    ids.insert("b_orden", id(&v));
    let (usuario, _) = usuario_con_rol(api, &t, "vendedor").await;
    // A real notification of B's user (the jobs leave them; here written through the store).
    let notificacion = uuid::Uuid::now_v7();
    {
        use erp_core::{Store, Uow};
        let mut uow = api.estado.motor.store().begin(b).await.unwrap();
        uow.insertar_notificacion(&erp_core::trabajos::Notificacion {
            id: notificacion,
            usuario_id: usuario.parse().unwrap(),
            tipo: "sistema".into(),
            titulo: "Aviso".into(),
            mensaje: "Aviso de prueba".into(),
            leida: false,
            referencia_tipo: String::new(),
            referencia_id: None,
            creado_en: time::OffsetDateTime::now_utc(),
        })
        .await
        .unwrap();
        uow.commit().await.unwrap();
    }
    ids.insert("b_notificacion", notificacion.to_string());
    ids.insert("b_usuario", usuario);
    let v = crear(
        "/roles/",
        json!({"codigo": "caja_b", "nombre": "Caja B", "permisos": ["ventas.pos"]}),
    )
    .await;
    ids.insert("b_rol", id(&v));
    (b, ids)
}

/// What company B's records look like: none of A's requests may change it.
async fn estado_de_b(api: &Api, b: uuid::Uuid, ids: &BTreeMap<&'static str, String>) -> Value {
    let m = &api.estado.motor;
    let id = |k: &str| uuid::Uuid::parse_str(&ids[k]).unwrap();
    let stock = m.stock(b, Some(id("b_producto")), None).await.unwrap();
    json!({
        "producto": m.producto(b, id("b_producto")).await.unwrap(),
        "stock": stock.iter().map(|s| (s.almacen_id, s.cantidad, s.reservado)).collect::<Vec<_>>(),
        "categorias": m.categorias(b).await.unwrap(),
        "almacenes": m.almacenes(b).await.unwrap(),
        "cliente": m.cliente(b, id("b_cliente")).await.unwrap(),
        "proveedor": m.proveedor(b, id("b_proveedor")).await.unwrap(),
        "venta": m.venta(b, id("b_venta")).await.unwrap(),
        "comprobantes": m.comprobantes_de_venta(b, id("b_venta")).await.unwrap(),
        "cotizacion": m.cotizacion(b, id("b_cotizacion")).await.unwrap(),
        "orden": m.orden(b, id("b_orden")).await.unwrap(),
        "orden_compra": m.orden_compra(b, id("b_orden_compra")).await.unwrap(),
        "recepciones": m.recepciones(b, None, 1, 100).await.unwrap(),
        "usuario": m.usuario(b, id("b_usuario")).await.unwrap(),
        "rol": m.rol(b, id("b_rol")).await.unwrap(),
        "empresa": m.empresa(b).await.unwrap(),
    })
}

fn llenar(texto: &str, ids: &BTreeMap<&'static str, String>) -> String {
    let mut s = texto.to_string();
    for (k, v) in ids {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    assert!(!s.contains("{b_") && !s.contains("{a_"), "sin llenar: {s}");
    s
}

/// A request with a raw body: (status, envelope).
async fn crudo(
    api: &Api,
    metodo: &str,
    ruta: &str,
    token: Option<&str>,
    tipo: Option<&str>,
    cuerpo: String,
) -> (u16, Value) {
    let mut q = api.http.request(
        reqwest::Method::from_bytes(metodo.as_bytes()).unwrap(),
        format!("{}{ruta}", api.base),
    );
    if let Some(t) = token {
        q = q.bearer_auth(t);
    }
    if let Some(t) = tipo {
        q = q.header("content-type", t);
    }
    let resp = q.body(cuerpo).send().await.unwrap();
    let st = resp.status().as_u16();
    let texto = resp.text().await.unwrap();
    let v: Value = serde_json::from_str(&texto)
        .unwrap_or_else(|_| panic!("{metodo} {ruta}: respuesta sin JSON ({st}): {texto}"));
    assert_eq!(v["success"], json!(false), "{metodo} {ruta}: {v}");
    assert!(v["codigo"].is_string(), "{metodo} {ruta}: sin código: {v}");
    (st, v)
}

/// Each top-level field replaced by a value of a type no field takes.
fn con_tipos_equivocados(cuerpo: &Value) -> Vec<(String, Value)> {
    let Some(m) = cuerpo.as_object() else {
        return vec![];
    };
    m.keys()
        .map(|k| {
            let mut c = cuerpo.clone();
            c[k] = json!({"no": ["es", "esto"]});
            (k.clone(), c)
        })
        .collect()
}

async fn cada_ruta(api: Api) {
    let (_, email, clave) = empresa(&api).await;
    let admin = api.entrar(&email, &clave).await;
    // A role of the contract that none of these endpoints admits.
    let (_, sin_permisos) = usuario_con_rol(&api, &admin, "repartidor").await;
    let (b, mut ids) = registros_de_b(&api).await;
    // A's own product, so that a POS sale to B's customer fails on the customer alone.
    let (_, codigo) = producto_con_stock(&api, &admin, "5").await;
    ids.insert("a_codigo", codigo);
    let antes = estado_de_b(&api, b, &ids).await;
    let tabla = tabla();
    // The table is the router: the OpenAPI document (generated from the handlers) lists exactly
    // these operations.
    let doc: Value = api
        .http
        .get(api.base.replace("/api/v1", "/api/schema/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documentadas: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(ruta, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|m| m.as_str() != "parameters")
                .map(move |m| (m.to_uppercase(), ruta.clone()))
        })
        .collect();
    let en_tabla: BTreeSet<(String, String)> = tabla
        .iter()
        .map(|r| {
            let ruta = r
                .ruta
                .replace("{b_", "{")
                .split('{')
                .enumerate()
                .map(|(i, p)| {
                    if i == 0 {
                        p.to_string()
                    } else {
                        format!("{{id}}{}", &p[p.find('}').unwrap() + 1..])
                    }
                })
                .collect::<String>();
            (r.metodo.to_string(), format!("/api/v1{ruta}"))
        })
        .collect();
    assert_eq!(
        documentadas.difference(&en_tabla).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rutas sin revisar en la tabla"
    );
    assert_eq!(
        en_tabla.difference(&documentadas).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rutas de la tabla que el documento no tiene"
    );
    let mut por_ruta: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for ruta in &tabla {
        por_ruta.entry(ruta.ruta).or_default().insert(ruta.metodo);
        let camino = llenar(ruta.ruta, &ids);
        let cuerpo = ruta.cuerpo.as_ref().map(|c| llenar(&c.to_string(), &ids));
        let (m, nombre) = (ruta.metodo, format!("{} {}", ruta.metodo, ruta.ruta));
        let valor: Option<Value> = cuerpo.as_ref().map(|c| serde_json::from_str(c).unwrap());
        // Without a token.
        let (st, v) = api.pedir(m, &camino, None, valor.clone()).await;
        if ruta.acceso == Acceso::Publica {
            assert!((400..500).contains(&st), "{nombre} sin token: {st} {v}");
        } else {
            assert_eq!(
                (st, v["codigo"].as_str()),
                (401, Some("auth_failed")),
                "{nombre} sin token: {v}"
            );
        }
        // A garbage token.
        if ruta.acceso != Acceso::Publica {
            let (st, v) = api.pedir(m, &camino, Some("a.b.c"), valor.clone()).await;
            assert_eq!(
                (st, v["codigo"].as_str()),
                (401, Some("auth_failed")),
                "{nombre} con token basura: {v}"
            );
        }
        // With a role that lacks the permission: 403 before anything is read or written.
        if ruta.acceso == Acceso::Permiso {
            let (st, v) = api
                .pedir(m, &camino, Some(&sin_permisos), valor.clone())
                .await;
            assert_eq!(
                (st, v["codigo"].as_str()),
                (403, Some("permiso_insuficiente")),
                "{nombre} sin permiso: {v}"
            );
        }
        // Company B's records seen by company A's admin: as if they did not exist.
        if ruta.ajena {
            let (st, v) = api.pedir(m, &camino, Some(&admin), valor.clone()).await;
            assert_eq!(
                (st, v["codigo"].as_str()),
                (404, Some("no_encontrado")),
                "{nombre} con ids de otra empresa: {v}"
            );
        }
        if let Some(c) = &cuerpo {
            let token = (ruta.acceso != Acceso::Publica).then_some(admin.as_str());
            // Malformed JSON.
            let (st, v) = crudo(
                &api,
                m,
                &camino,
                token,
                Some("application/json"),
                "{\"a\": [".into(),
            )
            .await;
            assert_eq!(
                (st, v["codigo"].as_str()),
                (400, Some("json_invalido")),
                "{nombre}: {v}"
            );
            // Not JSON at all, or no media type.
            for tipo in [Some("text/plain"), None] {
                let (st, v) = crudo(&api, m, &camino, token, tipo, c.clone()).await;
                assert_eq!(
                    (st, v["codigo"].as_str()),
                    (415, Some("tipo_no_soportado")),
                    "{nombre} ({tipo:?}): {v}"
                );
            }
            // An array where an object belongs; every field of the wrong type; a field that
            // does not exist.
            let (st, v) = crudo(
                &api,
                m,
                &camino,
                token,
                Some("application/json"),
                "[1, 2]".into(),
            )
            .await;
            assert_eq!(st, 422, "{nombre} con un arreglo: {v}");
            for (campo, malo) in con_tipos_equivocados(&serde_json::from_str(c).unwrap()) {
                let (st, v) = crudo(
                    &api,
                    m,
                    &camino,
                    token,
                    Some("application/json"),
                    malo.to_string(),
                )
                .await;
                assert_eq!(st, 422, "{nombre} con {campo} de otro tipo: {v}");
                assert!(v["errores"].is_object(), "{nombre} con {campo}: {v}");
            }
            let mut extra: Value = serde_json::from_str(c).unwrap();
            if let Some(o) = extra.as_object_mut() {
                o.insert("campo_que_no_existe".into(), json!(1));
            }
            let (st, v) = crudo(
                &api,
                m,
                &camino,
                token,
                Some("application/json"),
                extra.to_string(),
            )
            .await;
            assert_eq!(
                (st, v["codigo"].as_str()),
                (422, Some("campo_desconocido")),
                "{nombre} con un campo desconocido: {v}"
            );
            // Oversized.
            let grande = format!("{{\"x\": \"{}\"}}", "x".repeat(servidor::MAX_CUERPO));
            let (st, v) = crudo(&api, m, &camino, token, Some("application/json"), grande).await;
            assert_eq!(
                (st, v["codigo"].as_str()),
                (413, Some("cuerpo_demasiado_grande")),
                "{nombre}: {v}"
            );
        }
    }
    // Methods a path does not have.
    for (ruta, metodos) in &por_ruta {
        let camino = llenar(ruta, &ids);
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if !metodos.contains(m) {
                let (st, v) = api.pedir(m, &camino, Some(&admin), None).await;
                assert_eq!(
                    (st, v["codigo"].as_str()),
                    (405, Some("metodo_no_permitido")),
                    "{m} {ruta}: {v}"
                );
            }
        }
    }
    assert_eq!(
        estado_de_b(&api, b, &ids).await,
        antes,
        "los registros de la otra empresa cambiaron"
    );
}
