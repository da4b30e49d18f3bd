//! The engine as the bindings see it. Python, Node and Kotlin call the same few functions here, so
//! each binding only converts its language's values to JSON and back: totals, stock and numbers
//! come from the one engine, not from three re-implementations.
//!
//! - [`calcular_documento`] and [`validar_identidad`]: pure, no database.
//! - [`Engine`]: the engine on a SQLite file or a PostgreSQL URL, bound to one company; its
//!   [`Engine::ejecutar`] takes an operation's name and its arguments as JSON and answers JSON.
//! - [`Error`]: the engine's error as every binding raises it, with its stable `codigo`.
//! - [`claves`]: which JSON fields carry money (a decimal) or a date, for the bindings that give
//!   them their language's type.
//! - Plug-ins of the host: every [`Engine::ejecutar`] answers the [`Evento`]s its unit of work
//!   committed (the binding hands them to the application's hook), and
//!   [`Engine::enviar_pendientes`] drives the e-invoicing outbox through an [`EmisorHost`]
//!   written in the host's language, the port the server's Nubefact client implements.

pub mod claves;
mod emisor;
mod operaciones;

use std::future::Future;
use std::sync::{Arc, OnceLock};

use erp_core::{Codigo, Motor};
use erp_store::{AnyStore, IdsV7, RelojSistema};
use serde::Serialize;
use uuid::Uuid;

pub use emisor::{EmisorHost, EnvioHost};
pub use erp_core::Evento;
pub use operaciones::OPERACIONES;

/// What an operation answers: its result as JSON, and the events its unit of work committed (in
/// the order they happened; none when it wrote nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Salida {
    pub resultado: String,
    pub eventos: Vec<Evento>,
}

impl Salida {
    /// The events as a JSON array, for a binding that hands them on as its language's values.
    pub fn eventos_json(&self) -> Result<String> {
        a_json(&self.eventos)
    }
}

/// An engine error as the bindings raise it: the stable machine `codigo`, the message for a
/// person, and the offending field's path when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub codigo: String,
    pub mensaje: String,
    pub campo: Option<String>,
}

/// The code of a failure that is nobody's input (a value the engine wrote that could not be read
/// back): the server answers it as a 500 with the same code.
pub const ERROR_INTERNO: &str = "error_interno";

/// The code of a failure inside a host plug-in (an event hook that raised). What the operation
/// did has committed: it must not be repeated.
pub const PLUGIN_FALLIDO: &str = "plugin_fallido";

impl Error {
    pub fn new(codigo: Codigo, campo: Option<&str>, mensaje: impl Into<String>) -> Self {
        Self::con_codigo(codigo.as_str(), campo, mensaje)
    }

    /// An internal failure ([`ERROR_INTERNO`]).
    pub fn interno(mensaje: impl Into<String>) -> Self {
        Self::con_codigo(ERROR_INTERNO, None, mensaje)
    }

    fn con_codigo(codigo: &str, campo: Option<&str>, mensaje: impl Into<String>) -> Self {
        Self {
            codigo: codigo.into(),
            mensaje: mensaje.into(),
            campo: campo.map(String::from),
        }
    }

    /// The error as JSON, `{codigo, mensaje, campo}`: how it crosses where a binding carries only
    /// text (a Node error's message, the Kotlin direct call's answer).
    pub fn json(&self) -> String {
        // Three strings always serialize; the fallback only keeps the signature total.
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"codigo":"error_interno","mensaje":"error sin forma JSON","campo":null}"#.into()
        })
    }

    /// A value of the host language that has no JSON form the engine reads (a float where money
    /// goes, an object of an unknown class).
    pub fn tipo(campo: &str, mensaje: impl Into<String>) -> Self {
        Self::new(Codigo::TipoInvalido, Some(campo), mensaje)
    }
}

impl From<erp_core::Error> for Error {
    fn from(e: erp_core::Error) -> Self {
        Self {
            codigo: e.codigo().into(),
            mensaje: e.mensaje().into_owned(),
            campo: e.campo().map(String::from),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.campo {
            Some(c) => write!(f, "[{}] {c}: {}", self.codigo, self.mensaje),
            None => write!(f, "[{}] {}", self.codigo, self.mensaje),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The engine's totals of a document (`erp_core::Documento` as JSON), as JSON: the same bytes
/// the server's `POST /calculo/documento/` answers in its `data`.
pub fn calcular_documento(json: &str) -> Result<String> {
    Ok(erp_core::calculo::calcular_documento_json(json)?)
}

/// Validates an identity document of a country (`PE`, `EC`): its normalized form as JSON, or the
/// error that says what is wrong.
pub fn validar_identidad(pais: &str, tipo: &str, numero: &str) -> Result<String> {
    let pais = erp_core::Pais::desde_codigo(pais)
        .ok_or_else(|| Error::new(Codigo::ValorNoPermitido, Some("pais"), "el país es PE o EC"))?;
    let tipo = erp_core::TipoDocumentoIdentidad::desde_texto(tipo).ok_or_else(|| {
        Error::new(
            Codigo::TipoDocumentoInvalido,
            Some("tipo"),
            format!("tipo de documento desconocido: {tipo:?}"),
        )
    })?;
    let d = erp_core::validar_identidad(pais, tipo, numero)?;
    a_json(&d)
}

pub(crate) fn a_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::interno(e.to_string()))
}

/// Runs an engine call to its end on the tokio runtime of the blocking bindings (Python,
/// Kotlin): one per process, made anew in a child after `fork` (a runtime does not survive one).
/// An [`Engine`] opened before the fork holds connections of the parent's: open it in the child.
/// A call from inside another (an [`EmisorHost`] calling the engine back) is refused: it would
/// wait for itself.
pub fn bloquear<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    if emisor::en_emisor() {
        return Err(Error::new(
            Codigo::EstadoInvalido,
            None,
            "el motor no se puede llamar desde un emisor mientras envía: \
             el emisor recibe en la solicitud todo lo que necesita",
        ));
    }
    static RT: OnceLock<std::sync::Mutex<(u32, Arc<tokio::runtime::Runtime>)>> = OnceLock::new();
    let pid = std::process::id();
    let rt = {
        let celda = RT.get_or_init(|| std::sync::Mutex::new((pid, Arc::new(runtime()))));
        let mut g = celda.lock().unwrap_or_else(|p| p.into_inner());
        if g.0 != pid {
            // The parent's runtime is forgotten, not dropped: dropping it would wait for worker
            // threads that do not exist in the child.
            std::mem::forget(std::mem::replace(&mut *g, (pid, Arc::new(runtime()))));
        }
        g.1.clone()
    };
    rt.block_on(f)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("erp-embed")
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no se pudo iniciar el runtime de tokio: {e}"))
}

/// The engine on one database, bound to one company (the database's only company, or the one it
/// creates with [`Engine::ejecutar`]`("crear_empresa", …)`).
pub struct Engine {
    motor: Motor<AnyStore>,
    empresa: std::sync::RwLock<Option<Uuid>>,
    /// Held while `crear_empresa` checks and creates.
    creando_empresa: tokio::sync::Mutex<()>,
}

impl Engine {
    /// Opens a SQLite file (a path or `sqlite://…`; created if missing) or a PostgreSQL URL, and
    /// applies the migrations. With several companies in the database, `empresa` names the one.
    pub async fn abrir(url: &str, empresa: Option<&str>) -> Result<Self> {
        let store = AnyStore::abrir(url).await?;
        let motor = Motor::new(store, Arc::new(RelojSistema), Arc::new(IdsV7));
        let empresas = erp_core::Store::listar_empresas(motor.store()).await?;
        let elegida = match empresa {
            Some(id) => {
                let id = Uuid::parse_str(id.trim()).map_err(|_| {
                    Error::new(
                        Codigo::TipoInvalido,
                        Some("empresa"),
                        "no es un id de empresa",
                    )
                })?;
                if !empresas.iter().any(|e| e.id == id) {
                    return Err(erp_core::Error::no_existe("empresa", id).into());
                }
                Some(id)
            }
            None if empresas.len() == 1 => Some(empresas[0].id),
            None if empresas.is_empty() => None,
            None => {
                return Err(Error::new(
                    Codigo::ValorNoPermitido,
                    Some("empresa"),
                    format!(
                        "la base tiene {} empresas: indique con cuál trabajar",
                        empresas.len()
                    ),
                ));
            }
        };
        Ok(Self {
            motor,
            empresa: std::sync::RwLock::new(elegida),
            creando_empresa: tokio::sync::Mutex::new(()),
        })
    }

    /// The company this engine works with, if it has one yet.
    pub fn empresa_id(&self) -> Option<Uuid> {
        *self.empresa.read().unwrap_or_else(|p| p.into_inner())
    }

    fn empresa(&self) -> Result<Uuid> {
        self.empresa_id().ok_or_else(|| {
            Error::new(
                Codigo::EstadoInvalido,
                None,
                "la base no tiene empresa: créela primero (crear_empresa)",
            )
        })
    }

    /// Runs one operation of [`OPERACIONES`] with its arguments as a JSON object; answers JSON,
    /// and the events it committed. Nothing is written when it fails.
    pub async fn ejecutar(&self, operacion: &str, argumentos: &str) -> Result<Salida> {
        let buzon = Arc::new(Buzon::default());
        let motor = self.motor.clone().con_observador(buzon.clone());
        let resultado = operaciones::ejecutar(self, &motor, operacion, argumentos).await?;
        Ok(Salida {
            resultado,
            eventos: buzon.tomar(),
        })
    }

    /// Sends the company's due comprobantes (and bajas) through the host's `emisor`, up to
    /// `limite` of them, with the outbox's rules (one request at a time per comprobante; a failed
    /// attempt is retried later; a failure of the emisor is logged, and the comprobante waits
    /// for its retry). Answers what became of each, as JSON, and the events committed.
    pub async fn enviar_pendientes(&self, emisor: &dyn EmisorHost, limite: u32) -> Result<Salida> {
        let empresa = self.empresa()?;
        let buzon = Arc::new(Buzon::default());
        let motor = self.motor.clone().con_observador(buzon.clone());
        let enviados = emisor::enviar_pendientes(&motor, empresa, emisor, limite).await?;
        Ok(Salida {
            resultado: a_json(&enviados)?,
            eventos: buzon.tomar(),
        })
    }
}

/// Collects the events of one call, for the binding to hand on after it returns (outside the
/// runtime, so the host's hook may call the engine again).
#[derive(Default)]
struct Buzon(std::sync::Mutex<Vec<Evento>>);

impl Buzon {
    fn tomar(&self) -> Vec<Evento> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl erp_core::Observador for Buzon {
    fn notificar(&self, _empresa: Uuid, eventos: &[Evento]) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(eventos);
    }
}
