//! The REST server end to end, over real HTTP on loopback, against a SQLite file and PostgreSQL.
//! `sesiones`: login, tokens, permissions by role, tenant isolation, the envelope on errors;
//! `procesos`: the flows of seed 000 processes 1 to 5 through the endpoints; `rutas`: every
//! route against missing tokens, missing permissions, other companies' ids and bad bodies;
//! `planes`: login by subdomain and the SaaS plan's limits; `documentacion`: the OpenAPI
//! document, Swagger UI and ReDoc in headless Chromium; `facturacion`: the e-invoicing outbox
//! and the baja end to end against `nubefact_prueba`, a Nubefact stand-in that checks every
//! request.

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

/// The run's PostgreSQL, or `None` (with a notice) when the run has none and does not demand one.
fn pg_url() -> Option<String> {
    match std::env::var("ERP_PG_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("ERP_EXIGIR_PG").is_ok() => {
            panic!("ERP_EXIGIR_PG está definido pero falta ERP_PG_URL")
        }
        Err(_) => {
            eprintln!("ERP_PG_URL no está definido: se omite la mitad PostgreSQL");
            None
        }
    }
}

async fn postgres() -> Option<AnyStore> {
    Some(AnyStore::abrir(&pg_url()?).await.unwrap())
}

/// A PostgreSQL database of its own (on the run's server): for the tests whose workers claim
/// work of every company in the database, so that they meet only their own.
async fn postgres_aparte() -> Option<(AnyStore, String)> {
    use sqlx::{Connection, Executor};
    let url = pg_url()?;
    let nombre = format!("erp_{}", uuid::Uuid::now_v7().simple());
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {nombre}")))
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let propia = format!("{base}/{nombre}");
    Some((AnyStore::abrir(&propia).await.unwrap(), propia))
}

async fn postgres_propia() -> Option<AnyStore> {
    Some(postgres_aparte().await?.0)
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

/// Each test on a SQLite file and on PostgreSQL: the run's database, or with `@propia` a
/// database of its own (for tests whose workers claim work of every company in it).
macro_rules! en_ambos {
    ($($nombre:ident),* $(,)?) => { en_ambos!(@con crate::postgres; $($nombre),*); };
    (@propia $($nombre:ident),* $(,)?) => { en_ambos!(@con crate::postgres_propia; $($nombre),*); };
    (@con $pg:path; $($nombre:ident),* $(,)?) => {
        $(
            mod $nombre {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite_archivo() {
                    let (store, dir) = crate::sqlite_archivo().await;
                    super::$nombre(crate::levantar(store, Some(dir)).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(store) = $pg().await {
                        super::$nombre(crate::levantar(store, None).await).await;
                    }
                }
            }
        )*
    };
}

mod compras;
mod documentacion;
mod facturacion;
mod nubefact_prueba;
mod planes;
mod procesos;
mod rutas;
mod sesiones;

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

    async fn patch(&self, ruta: &str, token: &str, cuerpo: Value) -> (u16, Value) {
        self.pedir("PATCH", ruta, Some(token), Some(cuerpo)).await
    }

    /// A POST that must create: its envelope.
    async fn creado(&self, ruta: &str, token: &str, cuerpo: Value) -> Value {
        let (st, v) = self.post(ruta, token, cuerpo).await;
        assert_eq!(st, 201, "{ruta}: {v}");
        v
    }

    /// A GET that must succeed: its `data`.
    async fn leido(&self, ruta: &str, token: &str) -> Value {
        let (st, v) = self.get(ruta, token).await;
        assert_eq!(st, 200, "{ruta}: {v}");
        v["data"].clone()
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
/// The `id` of the record an envelope carries.
fn id(v: &Value) -> String {
    v["data"]["id"].as_str().unwrap().to_string()
}

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
            plan: Default::default(),
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
