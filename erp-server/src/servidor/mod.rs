//! `erp serve`: the reference REST server. A handler parses, authorises, calls the engine and
//! wraps the answer in the envelope; no business rule lives here.

pub mod auth;
pub mod respuesta;
pub mod rutas;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use erp_core::Motor;
use erp_core::empresa::{AjustesEmpresa, Empresa, NuevaEmpresa};
use erp_core::seguridad::servicio::NuevoUsuario;
use erp_core::{Pais, Store};
use erp_store::{AnyStore, IdsV7, RelojSistema};
use uuid::Uuid;

use respuesta::ErrorApi;

/// Largest request body: far above any real sale (1,000 lines), small enough to bound memory.
pub const MAX_CUERPO: usize = 2 * 1024 * 1024;

/// What every handler reaches.
pub struct Estado {
    pub motor: Motor<AnyStore>,
    pub claves: auth::Claves,
    /// An argon2 hash of nothing, checked when a login's email is unknown (see `auth::login`).
    pub senuelo: String,
}

impl Estado {
    pub async fn new(store: AnyStore, claves: auth::Claves) -> Result<Arc<Self>, ErrorApi> {
        let senuelo = auth::hashear(Uuid::now_v7().to_string()).await?;
        Ok(Arc::new(Self {
            motor: Motor::new(store, Arc::new(RelojSistema), Arc::new(IdsV7)),
            claves,
            senuelo,
        }))
    }

    /// The state of a command line tool on this database (migrations applied).
    pub async fn abrir(db: &str) -> Result<Arc<Self>, String> {
        let store = AnyStore::abrir(db).await.map_err(|e| e.to_string())?;
        Self::new(store, auth::Claves::aleatorias())
            .await
            .map_err(|e| e.to_string())
    }
}

/// The application: every route under `/api/v1/`, the envelope on every answer (unknown routes
/// and methods included), the body limit.
pub fn app(estado: Arc<Estado>) -> Router {
    use rutas::*;
    let api = Router::new()
        .route("/auth/login/", post(auth::login))
        .route("/auth/refresh/", post(auth::refrescar))
        .route("/auth/logout/", post(auth::logout))
        .route("/auth/me/", get(auth::me))
        .route("/empresa/", get(empresa).patch(actualizar_empresa))
        .route("/validar-documento/", post(validar_documento))
        .route("/usuarios/", get(usuarios).post(crear_usuario))
        .route("/usuarios/permisos/", get(permisos))
        .route("/usuarios/audit-logs/", get(auditoria))
        .route("/usuarios/roles/{id}/permisos/", post(asignar_permisos))
        .route(
            "/usuarios/{id}/",
            get(usuario)
                .patch(actualizar_usuario)
                .delete(eliminar_usuario),
        )
        .route("/roles/", get(roles).post(crear_rol))
        .route(
            "/roles/{id}/permisos/",
            get(permisos_de_rol).put(asignar_permisos),
        )
        .route(
            "/inventario/productos/",
            get(productos).post(crear_producto),
        )
        .route("/inventario/productos/buscar/", get(buscar_productos))
        .route(
            "/inventario/productos/{id}/",
            get(producto)
                .patch(actualizar_producto)
                .delete(eliminar_producto),
        )
        .route("/inventario/productos/{id}/stock/", get(stock_de_producto))
        .route(
            "/inventario/categorias/",
            get(categorias).post(crear_categoria),
        )
        .route(
            "/inventario/categorias/{id}/",
            get(categoria).patch(actualizar_categoria),
        )
        .route("/inventario/almacenes/", get(almacenes).post(crear_almacen))
        .route(
            "/inventario/almacenes/{id}/",
            get(almacen).patch(actualizar_almacen),
        )
        .route("/inventario/almacenes/{id}/stock/", get(stock_de_almacen))
        .route("/inventario/movimientos/", get(movimientos))
        .route("/inventario/movimientos/ajuste/", post(ajuste))
        .route(
            "/inventario/movimientos/transferencia/",
            post(transferencia),
        )
        .route("/inventario/entradas/", post(entrada))
        .route("/inventario/alertas-stock/", get(alertas_stock))
        .route("/clientes/", get(clientes).post(crear_cliente))
        .route("/clientes/buscar/", get(buscar_clientes))
        .route("/clientes/{id}/", get(cliente).patch(actualizar_cliente))
        .route("/clientes/{id}/historial/", get(historial_cliente))
        .route("/proveedores/", get(proveedores).post(crear_proveedor))
        .route(
            "/proveedores/{id}/",
            get(proveedor).patch(actualizar_proveedor),
        )
        .route("/ventas/", get(ventas).post(vender))
        .route("/ventas/pos/", post(venta_pos))
        .route(
            "/ventas/cotizaciones/",
            get(cotizaciones).post(crear_cotizacion),
        )
        .route("/ventas/cotizaciones/{id}/", get(cotizacion))
        .route(
            "/ventas/cotizaciones/{id}/duplicar/",
            post(duplicar_cotizacion),
        )
        .route(
            "/ventas/cotizaciones/{id}/rechazar/",
            post(rechazar_cotizacion),
        )
        .route(
            "/ventas/cotizaciones/{id}/convertir-a-orden/",
            post(convertir_a_orden),
        )
        .route("/ventas/ordenes/", get(ordenes).post(crear_orden))
        .route("/ventas/ordenes/{id}/", get(orden))
        .route("/ventas/ordenes/{id}/confirmar/", post(confirmar_orden))
        .route("/ventas/ordenes/{id}/cancelar/", post(cancelar_orden))
        .route("/ventas/ordenes/{id}/generar-venta/", post(generar_venta))
        .route("/ventas/{id}/", get(venta))
        .route("/ventas/{id}/anular/", post(anular))
        .route("/ventas/{id}/devolucion/", post(devolucion))
        .route("/ventas/{id}/nota-credito/", post(nota_credito))
        .route("/ventas/{id}/nota-debito/", post(nota_debito))
        .route("/calculo/documento/", post(calcular))
        .method_not_allowed_fallback(metodo_no_permitido);
    Router::new()
        .nest("/api/v1", api)
        .fallback(no_existe)
        .layer(DefaultBodyLimit::max(MAX_CUERPO))
        .with_state(estado)
}

async fn no_existe() -> ErrorApi {
    ErrorApi::http(
        StatusCode::NOT_FOUND,
        "ruta_no_encontrada",
        "la ruta no existe: vea /api/docs/",
    )
}

async fn metodo_no_permitido() -> ErrorApi {
    ErrorApi::http(
        StatusCode::METHOD_NOT_ALLOWED,
        "metodo_no_permitido",
        "el método no está permitido en esta ruta",
    )
}

/// How `erp serve` runs.
pub struct Configuracion {
    pub db: String,
    pub direccion: SocketAddr,
    pub demo: bool,
    pub secreto_jwt: Option<String>,
}

/// Opens the store (applying the migrations), optionally seeds the demo, and serves until
/// Ctrl-C or SIGTERM, letting requests in flight finish.
pub async fn servir(c: Configuracion) -> Result<(), String> {
    let store = AnyStore::abrir(&c.db).await.map_err(|e| e.to_string())?;
    let claves = match &c.secreto_jwt {
        Some(s) if s.len() >= 32 => auth::Claves::new(s.as_bytes()),
        Some(_) => return Err("ERP_JWT_SECRET debe tener al menos 32 caracteres".into()),
        None => {
            tracing::warn!(
                "sin ERP_JWT_SECRET: se usa un secreto aleatorio y los tokens no sobreviven a un reinicio"
            );
            auth::Claves::aleatorias()
        }
    };
    let estado = Estado::new(store, claves)
        .await
        .map_err(|e| e.to_string())?;
    if c.demo {
        let (empresa, email, clave) = demo(&estado).await.map_err(|e| e.to_string())?;
        println!("Demo: empresa {empresa}");
        match clave {
            Some(clave) => println!("Demo: administrador {email}, contraseña {clave}"),
            None => println!("Demo: administrador {email} (ya existía; su contraseña no cambió)"),
        }
    }
    let escucha = tokio::net::TcpListener::bind(c.direccion)
        .await
        .map_err(|e| format!("no se pudo escuchar en {}: {e}", c.direccion))?;
    let direccion = escucha.local_addr().map_err(|e| e.to_string())?;
    println!("Escuchando en http://{direccion}/api/v1/");
    axum::serve(
        escucha,
        app(estado).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(apagado())
    .await
    .map_err(|e| e.to_string())
}

async fn apagado() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("apagando: se terminan las solicitudes en curso");
}

/// The demo company (a Peruvian shop with a main warehouse) and its administrator, created once;
/// returns the admin's email and, when it was just created, its password.
pub async fn demo(e: &Estado) -> Result<(Uuid, String, Option<String>), ErrorApi> {
    const RUC_DEMO: &str = "20601030013";
    let email = "admin@demo.pe".to_string();
    let (empresa, creada) = asegurar_empresa(
        e,
        NuevaEmpresa {
            pais: Pais::Peru,
            tipo_identificacion: None,
            identificacion: RUC_DEMO.into(),
            razon_social: "Bodega Demo S.A.C.".into(),
            nombre_comercial: "Bodega Demo".into(),
            direccion: "Av. Arequipa 1234, Lima".into(),
            moneda: None,
            subdominio: Some("demo".into()),
            ajustes: AjustesEmpresa::default(),
        },
    )
    .await?;
    if creada {
        e.motor
            .crear_almacen(
                empresa.id,
                None,
                erp_core::inventario::servicio::NuevoAlmacen {
                    nombre: "Principal".into(),
                    es_principal: true,
                    ..Default::default()
                },
            )
            .await?;
    }
    let clave = asegurar_admin(e, empresa.id, &email, None, "Administrador").await?;
    Ok((empresa.id, email, clave))
}

/// The company with this identification, created when missing (`setup-empresa` runs again
/// without harm), with its roles seeded.
pub async fn asegurar_empresa(e: &Estado, n: NuevaEmpresa) -> Result<(Empresa, bool), ErrorApi> {
    let existente = e
        .motor
        .store()
        .listar_empresas()
        .await?
        .into_iter()
        .find(|x| x.pais == n.pais && x.identificacion == n.identificacion.trim());
    let (empresa, creada) = match existente {
        Some(x) => (x, false),
        None => (e.motor.crear_empresa(n).await?, true),
    };
    e.motor.seed_permisos(empresa.id).await?;
    Ok((empresa, creada))
}

/// The company's administrator with this email, created when missing; returns the password
/// when it created one (the given one, or a random one).
pub async fn asegurar_admin(
    e: &Estado,
    empresa: Uuid,
    email: &str,
    clave: Option<String>,
    nombre: &str,
) -> Result<Option<String>, ErrorApi> {
    let email = erp_core::seguridad::servicio::normalizar_email(email)?;
    if e.motor.usuario_por_email(empresa, &email).await?.is_some() {
        return Ok(None);
    }
    let clave = match clave {
        Some(c) => {
            erp_core::seguridad::servicio::validar_clave(&c)?;
            c
        }
        None => clave_aleatoria(),
    };
    e.motor
        .crear_usuario(
            empresa,
            None,
            NuevoUsuario {
                email,
                nombre: nombre.into(),
                apellido: String::new(),
                rol: "admin".into(),
                clave_hash: auth::hashear(clave.clone()).await?,
            },
        )
        .await?;
    Ok(Some(clave))
}

/// 16 characters from an alphabet without look-alikes.
fn clave_aleatoria() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALFABETO: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.iter()
        .map(|x| ALFABETO[usize::from(*x) % ALFABETO.len()] as char)
        .collect()
}
