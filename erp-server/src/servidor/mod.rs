//! `erp serve`: the reference REST server. A handler parses, authorises, calls the engine and
//! wraps the answer in the envelope; no business rule lives here.

pub mod auth;
pub mod documentacion;
pub mod envios;
pub mod nubefact;
pub mod respuesta;
pub mod rutas;
pub mod trabajos;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use erp_core::Motor;
use erp_core::empresa::{AjustesEmpresa, Empresa, NuevaEmpresa};
use erp_core::seguridad::servicio::NuevoUsuario;
use erp_core::{Pais, Store};
use erp_store::{AnyStore, IdsV7, RelojSistema};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use respuesta::ErrorApi;

/// Largest request body: far above any real sale (1,000 lines), small enough to bound memory.
pub const MAX_CUERPO: usize = 2 * 1024 * 1024;

/// The server's observer of the engine: a comprobante queued (a sale, a note, a baja, a resend,
/// a configuration that releases what waited) wakes a sender, which sends it without waiting for
/// its round. The same port a binding's host hook implements.
struct AvisoEnvios(Arc<tokio::sync::Notify>);

impl erp_core::Observador for AvisoEnvios {
    fn notificar(&self, _empresa: Uuid, eventos: &[erp_core::Evento]) {
        if eventos.iter().any(erp_core::Evento::despierta_envios) {
            self.0.notify_one();
        }
    }
}

/// What every handler reaches.
pub struct Estado {
    pub motor: Motor<AnyStore>,
    pub claves: auth::Claves,
    /// An argon2 hash of nothing, checked when a login's email is unknown (see `auth::login`).
    pub senuelo: String,
    /// Wakes the outbox's senders (`envios::Despachador`) when a unit of work queued a send (the
    /// engine's events, through [`AvisoEnvios`]).
    pub envios: Arc<tokio::sync::Notify>,
}

impl Estado {
    pub async fn new(store: AnyStore, claves: auth::Claves) -> Result<Arc<Self>, ErrorApi> {
        let senuelo = auth::hashear(Uuid::now_v7().to_string()).await?;
        let envios = Arc::new(tokio::sync::Notify::new());
        let motor = Motor::new(store, Arc::new(RelojSistema), Arc::new(IdsV7))
            .con_observador(Arc::new(AvisoEnvios(envios.clone())));
        Ok(Arc::new(Self {
            motor,
            claves,
            senuelo,
            envios,
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
    let api = OpenApiRouter::new()
        .routes(routes!(auth::login))
        .routes(routes!(auth::refrescar))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(empresa, actualizar_empresa))
        .routes(routes!(trabajos))
        .routes(routes!(validar_documento))
        .routes(routes!(usuarios, crear_usuario))
        .routes(routes!(permisos))
        .routes(routes!(auditoria))
        .routes(routes!(notificaciones))
        .routes(routes!(leer_notificacion))
        .routes(routes!(leer_notificaciones))
        .routes(routes!(asignar_permisos))
        .routes(routes!(usuario, actualizar_usuario, eliminar_usuario))
        .routes(routes!(roles, crear_rol))
        .routes(routes!(permisos_de_rol, reemplazar_permisos))
        .routes(routes!(productos, crear_producto))
        .routes(routes!(buscar_productos))
        .routes(routes!(producto, actualizar_producto, eliminar_producto))
        .routes(routes!(stock_de_producto))
        .routes(routes!(categorias, crear_categoria))
        .routes(routes!(categoria, actualizar_categoria))
        .routes(routes!(almacenes, crear_almacen))
        .routes(routes!(almacen, actualizar_almacen))
        .routes(routes!(stock_de_almacen))
        .routes(routes!(movimientos))
        .routes(routes!(ajuste))
        .routes(routes!(transferencia))
        .routes(routes!(entrada))
        .routes(routes!(alertas_stock))
        .routes(routes!(clientes, crear_cliente))
        .routes(routes!(buscar_clientes))
        .routes(routes!(cliente, actualizar_cliente))
        .routes(routes!(historial_cliente))
        .routes(routes!(proveedores, crear_proveedor))
        .routes(routes!(proveedor, actualizar_proveedor))
        .routes(routes!(compras_de_proveedor))
        .routes(routes!(ordenes_compra, crear_orden_compra))
        .routes(routes!(orden_compra))
        .routes(routes!(aprobar_orden_compra))
        .routes(routes!(enviar_orden_compra))
        .routes(routes!(cancelar_orden_compra))
        .routes(routes!(cerrar_orden_compra))
        .routes(routes!(recepciones, recepcionar))
        .routes(routes!(ventas, vender))
        .routes(routes!(venta_pos))
        .routes(routes!(cotizaciones, crear_cotizacion))
        .routes(routes!(cotizacion))
        .routes(routes!(duplicar_cotizacion))
        .routes(routes!(rechazar_cotizacion))
        .routes(routes!(convertir_a_orden))
        .routes(routes!(ordenes, crear_orden))
        .routes(routes!(orden))
        .routes(routes!(confirmar_orden))
        .routes(routes!(cancelar_orden))
        .routes(routes!(generar_venta))
        .routes(routes!(venta))
        .routes(routes!(anular))
        .routes(routes!(devolucion))
        .routes(routes!(nota_credito))
        .routes(routes!(nota_debito))
        .routes(routes!(calcular))
        .routes(routes!(series, crear_serie))
        .routes(routes!(comprobantes))
        .routes(routes!(comprobante))
        .routes(routes!(reenviar))
        .routes(routes!(anular_comprobante))
        .routes(routes!(crear_nota_credito))
        .routes(routes!(logs_envio));
    let (api, doc) = OpenApiRouter::with_openapi(documentacion::Doc::openapi())
        .nest("/api/v1", api)
        .split_for_parts();
    Router::new()
        .merge(api)
        .method_not_allowed_fallback(metodo_no_permitido)
        .merge(documentacion::paginas(doc))
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
    /// Seconds between rounds of the background jobs; 0 runs none (another server does).
    pub trabajos_cada: u64,
    /// Seconds between rounds of the outbox when no sale wakes it; 0 sends nothing (another
    /// server does).
    pub envios_cada: u64,
    /// Comprobantes sent at once.
    pub envios_concurrentes: usize,
    /// Seconds between the attempts of a comprobante (at most a day).
    pub envio_intervalo: u64,
    /// Attempts before a comprobante is left `error_permanente`.
    pub envio_intentos: i32,
    /// How long a request to Nubefact may take, in seconds; the outbox's lease follows from it.
    pub nubefact_espera: u64,
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
    let trabajador = (c.trabajos_cada > 0).then(|| {
        trabajos::Trabajador::lanzar(
            estado.clone(),
            std::time::Duration::from_secs(c.trabajos_cada),
        )
    });
    let despachador = if c.envios_cada > 0 {
        let emisor =
            nubefact::NubefactHttp::new(std::time::Duration::from_secs(c.nubefact_espera))?;
        // The lease is derived from the sender's timeout here, where both are known.
        let politica = erp_core::facturacion::envio::PoliticaEnvio::new(
            time::Duration::seconds(c.envio_intervalo.min(86_400) as i64),
            c.envio_intentos,
            time::Duration::seconds(c.nubefact_espera as i64),
        );
        Some(envios::Despachador::lanzar(
            estado.clone(),
            Arc::new(emisor),
            politica,
            std::time::Duration::from_secs(c.envios_cada),
            c.envios_concurrentes,
        ))
    } else {
        None
    };
    let servido = axum::serve(
        escucha,
        app(estado).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(apagado())
    .await
    .map_err(|e| e.to_string());
    if let Some(t) = trabajador {
        t.detener().await;
    }
    if let Some(d) = despachador {
        d.detener().await;
    }
    servido
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
            plan: Default::default(),
        },
    )
    .await?;
    // Also when an earlier start stopped between the company and its warehouse.
    if creada || e.motor.almacenes(empresa.id).await?.is_empty() {
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
    let tipo = n
        .tipo_identificacion
        .unwrap_or(erp_core::identidad::TipoDocumentoIdentidad::Ruc);
    let (empresa, creada) = match empresa_identificada(e, n.pais, tipo, &n.identificacion).await? {
        Some(x) => (x, false),
        None => (e.motor.crear_empresa(n).await?, true),
    };
    e.motor.seed_permisos(empresa.id).await?;
    Ok((empresa, creada))
}

/// The company of this country with this identification, compared as stored: `20-601030013`
/// and `20601030013` are one RUC.
pub async fn empresa_identificada(
    e: &Estado,
    pais: Pais,
    tipo: erp_core::identidad::TipoDocumentoIdentidad,
    numero: &str,
) -> Result<Option<Empresa>, ErrorApi> {
    let numero = erp_core::validar_identidad(pais, tipo, numero)
        .map_err(|err| err.con_campo("identificacion"))?
        .numero;
    Ok(e.motor
        .store()
        .listar_empresas()
        .await?
        .into_iter()
        .find(|x| x.pais == pais && x.identificacion == numero))
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
    let clave = clave.unwrap_or_else(clave_aleatoria);
    e.motor
        .crear_usuario(
            empresa,
            None,
            NuevoUsuario {
                email,
                nombre: nombre.into(),
                apellido: String::new(),
                rol: "admin".into(),
                clave_hash: auth::hash_de_clave_nueva(clave.clone()).await?,
            },
        )
        .await?;
    Ok(Some(clave))
}

/// 16 characters from an alphabet without look-alikes, each equally likely (bytes past the
/// largest multiple of the alphabet's size are drawn again, so no character is favoured).
fn clave_aleatoria() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALFABETO: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let tope = 256 - 256 % ALFABETO.len();
    let mut clave = String::with_capacity(16);
    while clave.len() < 16 {
        let mut b = [0u8; 32];
        OsRng.fill_bytes(&mut b);
        clave.extend(
            b.iter()
                .map(|x| usize::from(*x))
                .filter(|x| *x < tope)
                .map(|x| char::from(ALFABETO[x % ALFABETO.len()]))
                .take(16 - clave.len()),
        );
    }
    clave
}
