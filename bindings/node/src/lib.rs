//! `erp.node`: the engine for Node.js, under `index.js` (which users import). Values cross as
//! JSON text: the engine writes money as decimal strings and dates as `AAAA-MM-DD`, so JavaScript
//! never holds a float of it. Engine calls are Promises run on napi's tokio runtime. An error is a
//! JavaScript `Error` whose message is the JSON of `{codigo, mensaje, campo}` (`index.js` turns it
//! into an `ErpError`).

use std::sync::Arc;

use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::{Error, Status};
use napi_derive::napi;

/// The engine's error as napi carries it: the JSON of `{codigo, mensaje, campo}` for a message
/// (an async function's error can carry no code of its own), which `index.js` reads back.
fn error(e: erp_embed::Error) -> Error {
    Error::new(Status::GenericFailure, e.json())
}

/// The engine's totals of a document (JSON text in and out): byte for byte what every binding and
/// the server answer.
#[napi]
pub fn calcular_documento(documento: String) -> napi::Result<String> {
    erp_embed::calcular_documento(&documento).map_err(error)
}

/// Validates an identity document (`pais` `PE` or `EC`); its normalized form as JSON.
#[napi]
pub fn validar_identidad(pais: String, tipo: String, numero: String) -> napi::Result<String> {
    erp_embed::validar_identidad(&pais, &tipo, &numero).map_err(error)
}

/// The operations `Motor.ejecutar` knows, as `[name, arguments]` pairs.
#[napi]
pub fn operaciones() -> Vec<Vec<String>> {
    erp_embed::OPERACIONES
        .iter()
        .map(|(n, a)| vec![n.to_string(), a.to_string()])
        .collect()
}

/// The code of a failed host plug-in (see `erp_embed::PLUGIN_FALLIDO`).
#[napi]
pub const PLUGIN_FALLIDO: &str = erp_embed::PLUGIN_FALLIDO;

/// An operation's result and the events it committed, both as JSON text.
#[napi(object)]
pub struct Salida {
    pub resultado: String,
    pub eventos: String,
}

fn salida(s: erp_embed::Salida) -> napi::Result<Salida> {
    Ok(Salida {
        eventos: s.eventos_json().map_err(error)?,
        resultado: s.resultado,
    })
}

/// The application's sender: a JavaScript function taking the request as JSON text and returning
/// a Promise of Nubefact's answer as JSON text (`index.js` wraps the user's function so).
type FuncionEmisor = ThreadsafeFunction<String, Promise<String>, String, Status, false>;

struct EmisorJs(FuncionEmisor);

impl erp_embed::EmisorHost for EmisorJs {
    fn enviar(&self, solicitud: String) -> erp_embed::EnvioHost<'_> {
        Box::pin(async move {
            // Called on the JavaScript thread, awaited here: a rejection is the failed attempt.
            let promesa = self
                .0
                .call_async_catch(solicitud)
                .await
                .map_err(|e| e.reason.clone())?;
            promesa.await.map_err(|e| e.reason.clone())
        })
    }
}

/// The engine on a SQLite file or a PostgreSQL URL, bound to one company.
#[napi]
pub struct Motor {
    engine: Arc<erp_embed::Engine>,
}

#[napi]
impl Motor {
    /// Opens (and migrates) the database; `empresa` picks the company when it has several.
    #[napi(factory)]
    pub async fn abrir(url: String, empresa: Option<String>) -> napi::Result<Motor> {
        let engine = erp_embed::Engine::abrir(&url, empresa.as_deref())
            .await
            .map_err(error)?;
        Ok(Motor {
            engine: Arc::new(engine),
        })
    }

    /// The company's id, or null before `crear_empresa`.
    #[napi(getter)]
    pub fn empresa_id(&self) -> Option<String> {
        self.engine.empresa_id().map(|u| u.to_string())
    }

    /// Runs an operation with its arguments as JSON text.
    #[napi]
    pub async fn ejecutar(&self, operacion: String, argumentos: String) -> napi::Result<Salida> {
        let engine = self.engine.clone();
        salida(
            engine
                .ejecutar(&operacion, &argumentos)
                .await
                .map_err(error)?,
        )
    }

    /// Sends the company's due comprobantes through `emisor`, up to `limite`.
    #[napi]
    pub async fn enviar_pendientes(
        &self,
        emisor: FuncionEmisor,
        limite: u32,
    ) -> napi::Result<Salida> {
        let engine = self.engine.clone();
        let emisor = EmisorJs(emisor);
        salida(
            engine
                .enviar_pendientes(&emisor, limite)
                .await
                .map_err(error)?,
        )
    }
}
