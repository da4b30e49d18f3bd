//! The e-invoicing sender written in the host's language: the engine's outward port
//! ([`erp_core::facturacion::envio::Emisor`], which the server's Nubefact HTTP client implements)
//! with JSON on both sides, so a Python, JavaScript or Kotlin function can route comprobantes
//! through another provider, or be a test double.

use std::future::Future;
use std::pin::Pin;

use erp_core::Motor;
use erp_core::facturacion::envio::{
    self, Destino, Emisor, Envio, PoliticaEnvio, Respuesta, Solicitud,
};
use erp_core::facturacion::nubefact::{self, Resultado};
use erp_store::AnyStore;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::Result;

/// The host's sender. It receives one request as JSON:
///
/// ```json
/// {"operacion": "generar_comprobante", "comprobante_id": "…", "numero": "F001-00000012",
///  "cuerpo": {…Nubefact's body…}, "destino": {"ruc": "…", "ruta": "…", "token": "…"}}
/// ```
///
/// and answers the gateway's answer in Nubefact's JSON form (`{"aceptada_por_sunat": true, …}`,
/// or `{"errors": "…", "codigo": 20}`), which the engine reads as it reads Nubefact's. An `Err` is
/// a failure to deliver (the host's exception, with its message): the attempt is logged, the
/// comprobante is left `error` and retried later (`error_permanente` when the attempts run out,
/// for a person to resend); its sale stands. `operacion` is Nubefact's:
/// `generar_comprobante`, `consultar_comprobante`, `generar_anulacion`, `consultar_anulacion`.
///
/// A future, so that an asynchronous host (a JavaScript function returning a Promise) is awaited
/// without holding a thread; a blocking host answers a ready one.
pub trait EmisorHost: Send + Sync {
    fn enviar(&self, solicitud: String) -> EnvioHost<'_>;

    /// Whether the host asked to stop (Ctrl-C in Python): no further comprobante is taken.
    fn detenido(&self) -> bool {
        false
    }
}

/// How long an asynchronous host's answer is awaited: the wait [`PoliticaEnvio::default`]'s lease
/// is derived from, so no other worker takes the comprobante while this one waits. A blocking
/// host (Python) answers before this can apply: it needs a timeout of its own.
pub const ESPERA_EMISOR: std::time::Duration =
    std::time::Duration::from_secs(envio::ESPERA_POR_DEFECTO.whole_seconds().unsigned_abs());

thread_local! {
    /// Set while a blocking host's sender runs on this thread, inside the engine's call.
    static EN_EMISOR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a host's sender (its engine call is still running).
pub(crate) fn en_emisor() -> bool {
    EN_EMISOR.with(|c| c.get())
}

/// What an [`EmisorHost`] returns.
pub type EnvioHost<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<String, String>> + Send + 'a>>;

/// The host's sender as the engine's port.
struct Puente<'a>(&'a dyn EmisorHost);

impl Emisor for Puente<'_> {
    fn enviar<'a>(&'a self, destino: &'a Destino, s: &'a Solicitud) -> Envio<'a> {
        let pedido = json!({
            "operacion": s.operacion,
            "comprobante_id": s.comprobante_id,
            "numero": s.numero,
            "cuerpo": s.cuerpo,
            "destino": {"ruc": destino.ruc, "ruta": destino.ruta, "token": destino.token},
        })
        .to_string();
        Box::pin(async move {
            let envio = {
                EN_EMISOR.with(|c| c.set(true));
                let envio = self.0.enviar(pedido);
                EN_EMISOR.with(|c| c.set(false));
                envio
            };
            let fallo = |mensaje: String, cuerpo: String| Respuesta {
                resultado: Resultado::Transitorio(mensaje),
                estado_http: None,
                cuerpo,
            };
            match tokio::time::timeout(ESPERA_EMISOR, envio).await {
                Ok(Ok(cuerpo)) => Respuesta {
                    resultado: nubefact::interpretar(200, &cuerpo),
                    estado_http: Some(200),
                    cuerpo,
                },
                Ok(Err(mensaje)) => fallo(
                    format!("el emisor de la aplicación falló: {mensaje}"),
                    mensaje,
                ),
                Err(_) => fallo(
                    format!(
                        "el emisor de la aplicación no respondió en {} s",
                        ESPERA_EMISOR.as_secs()
                    ),
                    String::new(),
                ),
            }
        })
    }
}

/// What became of one comprobante the outbox took.
#[derive(Debug, Serialize)]
pub(crate) struct Enviado {
    comprobante_id: Uuid,
    numero: String,
    estado: erp_core::comprobantes::EstadoComprobante,
    intentos: i32,
    /// Why it is not accepted yet (the gateway's message, or the emisor's failure).
    error: Option<String>,
    /// When it is tried again, if it is.
    #[serde(with = "time::serde::rfc3339::option")]
    reintento: Option<time::OffsetDateTime>,
}

pub(crate) async fn enviar_pendientes(
    motor: &Motor<AnyStore>,
    empresa: Uuid,
    emisor: &dyn EmisorHost,
    limite: u32,
) -> Result<Vec<Enviado>> {
    let puente = Puente(emisor);
    let politica = PoliticaEnvio::default();
    let mut enviados = Vec::new();
    for _ in 0..limite {
        if emisor.detenido() {
            break;
        }
        let siguiente = match motor
            .enviar_siguiente_de(Some(empresa), &puente, &politica)
            .await
        {
            Ok(s) => s,
            // What was sent before stays reported (its events too); the next round meets the
            // failure again if it lasts.
            Err(_) if !enviados.is_empty() => break,
            Err(e) => return Err(e.into()),
        };
        let Some((_, c)) = siguiente else {
            break;
        };
        enviados.push(Enviado {
            comprobante_id: c.id,
            numero: c.numero_completo(),
            estado: c.estado,
            intentos: c.envio.intentos,
            error: Some(c.envio.ultimo_error.clone()).filter(|e| !e.is_empty()),
            reintento: c.envio.programado,
        });
    }
    Ok(enviados)
}
