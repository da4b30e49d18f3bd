//! The REST server end to end, over real HTTP on loopback, against a SQLite file and PostgreSQL:
//! login, tokens (refresh rotation, reuse detection, logout, forged and `alg: none` tokens),
//! permissions by role, tenant isolation, the envelope on every error, and the sale flow.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use erp_core::Pais;
use erp_core::empresa::{AjustesEmpresa, NuevaEmpresa};
use erp_server::servidor::{self, Estado, auth::Claves};
use erp_store::AnyStore;
use serde_json::{Value, json};

struct Api {
    base: String,
    http: reqwest::Client,
    estado: Arc<Estado>,
    _dir: Option<Dir>,
}

struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn sqlite_archivo() -> (AnyStore, Dir) {
    let dir = std::env::temp_dir().join(format!("erp-api-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = AnyStore::abrir(&format!("sqlite://{}/erp.db", dir.display()))
        .await
        .unwrap();
    (store, Dir(dir))
}

async fn postgres() -> Option<AnyStore> {
    match std::env::var("ERP_PG_URL") {
        Ok(url) => Some(AnyStore::abrir(&url).await.unwrap()),
        Err(_) if std::env::var("ERP_EXIGIR_PG").is_ok() => {
            panic!("ERP_EXIGIR_PG está definido pero falta ERP_PG_URL")
        }
        Err(_) => {
            eprintln!("ERP_PG_URL no está definido: se omite la mitad PostgreSQL");
            None
        }
    }
}

/// A server on a free loopback port, serving until the test ends.
async fn levantar(store: AnyStore, dir: Option<Dir>) -> Api {
    let estado = Estado::new(store, Claves::new(b"secreto-de-prueba-de-32-caracteres!!"))
        .await
        .unwrap();
    let escucha = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dir_red = escucha.local_addr().unwrap();
    let app = servidor::app(estado.clone());
    tokio::spawn(async move {
        axum::serve(
            escucha,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Api {
        base: format!("http://{dir_red}/api/v1"),
        http: reqwest::Client::new(),
        estado,
        _dir: dir,
    }
}

macro_rules! en_ambos {
    ($($nombre:ident),* $(,)?) => {
        $(
            mod $nombre {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite_archivo() {
                    let (store, dir) = super::sqlite_archivo().await;
                    super::$nombre(super::levantar(store, Some(dir)).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(store) = super::postgres().await {
                        super::$nombre(super::levantar(store, None).await).await;
                    }
                }
            }
        )*
    };
}

en_ambos!(
    venta_por_la_api,
    tokens_y_sesiones,
    permisos_por_rol,
    aislamiento_entre_empresas,
    errores_con_sobre,
    bloqueo_por_intentos,
);

impl Api {
    async fn pedir(
        &self,
        metodo: &str,
        ruta: &str,
        token: Option<&str>,
        cuerpo: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{ruta}", self.base);
        let mut r = self
            .http
            .request(reqwest::Method::from_bytes(metodo.as_bytes()).unwrap(), url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(c) = cuerpo {
            r = r.json(&c);
        }
        let resp = r.send().await.unwrap();
        let estado = resp.status().as_u16();
        let texto = resp.text().await.unwrap();
        let v: Value = serde_json::from_str(&texto)
            .unwrap_or_else(|_| panic!("respuesta sin JSON ({estado}): {texto}"));
        // The envelope, always.
        for k in ["success", "data", "mensaje", "error", "info"] {
            assert!(v.get(k).is_some(), "falta '{k}' en el sobre: {v}");
        }
        assert_eq!(v["success"], json!((200..300).contains(&estado)), "{v}");
        (estado, v)
    }

    async fn get(&self, ruta: &str, token: &str) -> (u16, Value) {
        self.pedir("GET", ruta, Some(token), None).await
    }

    async fn post(&self, ruta: &str, token: &str, cuerpo: Value) -> (u16, Value) {
        self.pedir("POST", ruta, Some(token), Some(cuerpo)).await
    }

    async fn login(&self, email: &str, clave: &str) -> (u16, Value) {
        self.pedir(
            "POST",
            "/auth/login/",
            None,
            Some(json!({"email": email, "password": clave})),
        )
        .await
    }

    /// A token of a fresh user with this role.
    async fn entrar(&self, email: &str, clave: &str) -> String {
        let (st, v) = self.login(email, clave).await;
        assert_eq!(st, 200, "{v}");
        v["data"]["access"].as_str().unwrap().to_string()
    }
}

/// A valid company RUC nobody else in the run uses (the PostgreSQL database is shared).
fn ruc() -> String {
    let n = uuid::Uuid::now_v7().as_u128();
    let cuerpo = format!("20{:08}", (n ^ (n >> 64)) % 100_000_000);
    let s: u32 = cuerpo
        .chars()
        .zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        .map(|(c, p)| c.to_digit(10).unwrap() * p)
        .sum();
    format!("{cuerpo}{}", (11 - s % 11) % 10)
}

fn correo(quien: &str) -> String {
    format!("{quien}-{}@tienda.pe", uuid::Uuid::now_v7().simple())
}

/// A company with its admin; returns (company id, admin email, password).
async fn empresa(api: &Api) -> (uuid::Uuid, String, String) {
    let (e, _) = servidor::asegurar_empresa(
        &api.estado,
        NuevaEmpresa {
            pais: Pais::Peru,
            tipo_identificacion: None,
            identificacion: ruc(),
            razon_social: "Ferretería El Tornillo S.A.C.".into(),
            nombre_comercial: String::new(),
            direccion: "Jr. Lampa 555, Lima".into(),
            moneda: None,
            subdominio: None,
            ajustes: AjustesEmpresa::default(),
        },
    )
    .await
    .unwrap();
    let email = correo("admin");
    let clave = "clave-segura-123".to_string();
    servidor::asegurar_admin(&api.estado, e.id, &email, Some(clave.clone()), "Ana")
        .await
        .unwrap();
    (e.id, email, clave)
}

/// Creates a user of a role through the API and logs in as them.
async fn usuario_con_rol(api: &Api, admin: &str, rol: &str) -> (String, String) {
    let email = correo(rol);
    let (st, v) = api
        .post(
            "/usuarios/",
            admin,
            json!({"email": email, "nombre": "Luis", "password": "otra-clave-456", "rol": rol}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let token = api.entrar(&email, "otra-clave-456").await;
    (v["data"]["id"].as_str().unwrap().to_string(), token)
}

/// A product with stock: returns (product id, code).
async fn producto_con_stock(api: &Api, admin: &str, cantidad: &str) -> (String, String) {
    let (st, v) = api
        .post(
            "/inventario/almacenes/",
            admin,
            json!({"nombre": "Tienda", "es_principal": true}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let almacen = v["data"]["id"].as_str().unwrap().to_string();
    let (st, v) = api
        .post(
            "/inventario/productos/",
            admin,
            json!({"nombre": "Martillo de uña 16 oz", "precio_venta": "35.00", "precio_incluye_impuesto": true, "costo": "20"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let codigo = v["data"]["codigo"].as_str().unwrap().to_string();
    let (st, v) = api
        .post(
            "/inventario/entradas/",
            admin,
            json!({"producto_id": id, "almacen_id": almacen, "cantidad": cantidad, "costo_unitario": "20.00"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    (id, codigo)
}

async fn stock(api: &Api, token: &str, producto: &str) -> String {
    let (st, v) = api
        .get(&format!("/inventario/productos/{producto}/stock/"), token)
        .await;
    assert_eq!(st, 200, "{v}");
    v["data"][0]["cantidad"].as_str().unwrap().to_string()
}

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
    assert!(v["data"]["count"].as_u64().unwrap() >= 2, "{v}");
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
