//! `liberp_uniffi.so`: the engine for Kotlin through uniffi, under the package `pe.erp` (written
//! by hand in `src/main/kotlin`, which users import). Values cross as JSON text: the engine writes
//! money as decimal strings and dates as `AAAA-MM-DD`, which `pe.erp` turns into `BigDecimal` and
//! `LocalDate`, so the JVM never holds a double of it. Calls block the calling thread (in a UI
//! application, a worker's: `Dispatchers.IO`) on the one runtime of `erp_embed::bloquear`. An
//! error is a `Fallo.Motor` with the engine's `codigo`, `mensaje` and `campo`, which `pe.erp`
//! raises as its `ErpException`. `calcular_documento` has a faster entry point too ([`directo`]).

use std::sync::Arc;

pub mod directo;

uniffi::setup_scaffolding!();

/// The engine's error as it crosses to Kotlin.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum Fallo {
    #[error("[{codigo}] {mensaje}")]
    Motor {
        codigo: String,
        mensaje: String,
        campo: Option<String>,
    },
}

impl From<erp_embed::Error> for Fallo {
    fn from(e: erp_embed::Error) -> Self {
        Fallo::Motor {
            codigo: e.codigo,
            mensaje: e.mensaje,
            campo: e.campo,
        }
    }
}

/// The engine's totals of a document (JSON text in and out): byte for byte what every binding and
/// the server answer.
#[uniffi::export]
pub fn calcular_documento(documento: String) -> Result<String, Fallo> {
    Ok(erp_embed::calcular_documento(&documento)?)
}

/// Validates an identity document (`pais` `PE` or `EC`); its normalized form as JSON.
#[uniffi::export]
pub fn validar_identidad(pais: String, tipo: String, numero: String) -> Result<String, Fallo> {
    Ok(erp_embed::validar_identidad(&pais, &tipo, &numero)?)
}

/// One operation `MotorNativo::ejecutar` knows and what its arguments are.
#[derive(uniffi::Record)]
pub struct Operacion {
    pub nombre: String,
    pub argumentos: String,
}

#[uniffi::export]
pub fn operaciones() -> Vec<Operacion> {
    erp_embed::OPERACIONES
        .iter()
        .map(|(n, a)| Operacion {
            nombre: n.to_string(),
            argumentos: a.to_string(),
        })
        .collect()
}

/// The fields that carry a decimal and those that carry a date (`erp_embed::claves`), each in
/// snake_case and in camelCase (Ecuador's documents), for `pe.erp` to give them their Kotlin type
/// by looking the key up: the rule of which key is which stays in erp-embed.
#[derive(uniffi::Record)]
pub struct Claves {
    pub decimales: Vec<String>,
    pub fechas: Vec<String>,
}

#[uniffi::export]
pub fn claves() -> Claves {
    let lista = |l: &[&str]| {
        l.iter()
            .flat_map(|s| [s.to_string(), erp_embed::claves::camello(s)])
            .collect()
    };
    Claves {
        decimales: lista(erp_embed::claves::DECIMALES),
        fechas: lista(erp_embed::claves::FECHAS),
    }
}

/// The code of a failed host plug-in (`erp_embed::PLUGIN_FALLIDO`).
#[uniffi::export]
pub fn codigo_plugin_fallido() -> String {
    erp_embed::PLUGIN_FALLIDO.into()
}

/// An operation's result and the events it committed, both as JSON text.
#[derive(uniffi::Record)]
pub struct Salida {
    pub resultado: String,
    pub eventos: String,
}

fn salida(s: erp_embed::Salida) -> Result<Salida, Fallo> {
    Ok(Salida {
        eventos: s.eventos_json()?,
        resultado: s.resultado,
    })
}

/// The application's e-invoicing sender, implemented in Kotlin (`pe.erp` wraps the user's
/// function): Nubefact's request as JSON text in, Nubefact's answer as JSON text out. A failure
/// is the failed attempt, with its message.
#[uniffi::export(with_foreign)]
pub trait EmisorNativo: Send + Sync {
    fn enviar(&self, solicitud: String) -> Result<String, FalloEmisor>;

    /// Whether the host asked to stop (the thread was interrupted): no further comprobante is
    /// taken.
    fn detenido(&self) -> bool;
}

/// Why the application's sender did not answer.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FalloEmisor {
    #[error("{mensaje}")]
    Host { mensaje: String },
}

// An exception the wrapper did not catch (it catches every Throwable, so this is a defect of
// the wrapper, not the user's) is a failed attempt too, not a panic across the FFI.
impl From<uniffi::UnexpectedUniFFICallbackError> for FalloEmisor {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        FalloEmisor::Host { mensaje: e.reason }
    }
}

struct Emisor(Arc<dyn EmisorNativo>);

impl erp_embed::EmisorHost for Emisor {
    fn enviar(&self, solicitud: String) -> erp_embed::EnvioHost<'_> {
        // Called (not awaited) where the engine sends: the caller's thread waits for Kotlin as it
        // would for the HTTP request this replaces.
        let r = self.0.enviar(solicitud).map_err(|e| e.to_string());
        Box::pin(std::future::ready(r))
    }

    fn detenido(&self) -> bool {
        self.0.detenido()
    }
}

/// The engine on a SQLite file or a PostgreSQL URL, bound to one company.
#[derive(uniffi::Object)]
pub struct MotorNativo {
    engine: erp_embed::Engine,
}

#[uniffi::export]
impl MotorNativo {
    /// Opens (and migrates) the database; `empresa` picks the company when it has several.
    #[uniffi::constructor]
    pub fn abrir(url: String, empresa: Option<String>) -> Result<Arc<Self>, Fallo> {
        let engine = erp_embed::bloquear(erp_embed::Engine::abrir(&url, empresa.as_deref()))?;
        Ok(Arc::new(Self { engine }))
    }

    /// The company's id, or none before `crear_empresa`.
    pub fn empresa_id(&self) -> Option<String> {
        self.engine.empresa_id().map(|u| u.to_string())
    }

    /// Runs an operation with its arguments as JSON text.
    pub fn ejecutar(&self, operacion: String, argumentos: String) -> Result<Salida, Fallo> {
        salida(erp_embed::bloquear(
            self.engine.ejecutar(&operacion, &argumentos),
        )?)
    }

    /// Sends the company's due comprobantes through `emisor`, up to `limite`.
    pub fn enviar_pendientes(
        &self,
        emisor: Arc<dyn EmisorNativo>,
        limite: u32,
    ) -> Result<Salida, Fallo> {
        let emisor = Emisor(emisor);
        salida(erp_embed::bloquear(
            self.engine.enviar_pendientes(&emisor, limite),
        )?)
    }
}
