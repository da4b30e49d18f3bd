//! The Nubefact sender: the engine's [`Emisor`] port over HTTP (reqwest with rustls). It posts
//! the request to the company's RUTA with its token (`Authorization: Token token="…"`, as
//! Nubefact's manual and examples write it), bounded by timeouts, and reads the answer with the
//! engine's [`interpretar`]. It never retries by itself: the outbox decides, and consults first
//! after any answer it did not see.

use std::time::Duration;

use erp_core::facturacion::envio::{Destino, Emisor, Envio, Respuesta, Solicitud};
use erp_core::facturacion::nubefact::{Resultado, interpretar};

/// The largest answer read: Nubefact's are a few kilobytes; a wrong RUTA may serve anything.
const MAX_RESPUESTA: usize = 1024 * 1024;

pub struct NubefactHttp {
    cliente: reqwest::Client,
    espera: Duration,
}

impl NubefactHttp {
    /// A sender whose requests wait at most `espera` for the whole answer (and 10 s to connect).
    pub fn new(espera: Duration) -> Result<Self, String> {
        let cliente = reqwest::Client::builder()
            .connect_timeout(espera.min(Duration::from_secs(10)))
            .timeout(espera)
            .user_agent(concat!("erp-server/", env!("CARGO_PKG_VERSION")))
            // Nubefact answers where it is asked; a redirect is a wrong RUTA, not a place to go.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("no se pudo crear el cliente HTTP de Nubefact: {e}"))?;
        Ok(Self { cliente, espera })
    }

    async fn post(&self, destino: &Destino, s: &Solicitud) -> Respuesta {
        let cuerpo = match serde_json::to_vec(&s.cuerpo) {
            Ok(c) => c,
            Err(e) => return fallo(format!("no se pudo escribir la solicitud: {e}")),
        };
        let r = self
            .cliente
            .post(&destino.ruta)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Token token=\"{}\"", destino.token),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(cuerpo)
            .send()
            .await;
        let mut r = match r {
            Ok(r) => r,
            // A request that could not even be built (a token with characters a header cannot
            // carry, a malformed RUTA) will not build next time either.
            Err(e) if e.is_builder() => {
                return Respuesta {
                    resultado: Resultado::Permanente {
                        codigo: 0,
                        mensaje: format!(
                            "no se pudo armar la solicitud a Nubefact (revise la ruta y el token): {}",
                            causa(&e)
                        ),
                    },
                    estado_http: None,
                    cuerpo: String::new(),
                };
            }
            Err(e) => return fallo(self.explicar(&e)),
        };
        let estado = r.status().as_u16();
        let mut leido = Vec::new();
        loop {
            match r.chunk().await {
                Ok(Some(trozo)) => {
                    if leido.len() + trozo.len() > MAX_RESPUESTA {
                        return fallo(format!(
                            "Nubefact respondió HTTP {estado} con más de {} KiB",
                            MAX_RESPUESTA / 1024
                        ));
                    }
                    leido.extend_from_slice(&trozo);
                }
                Ok(None) => break,
                Err(e) => return fallo(self.explicar(&e)),
            }
        }
        let texto = String::from_utf8_lossy(&leido).into_owned();
        let resultado = interpretar(estado, &texto);
        // The log keeps Nubefact's JSON answers; any other page is described, not kept.
        let cuerpo = if serde_json::from_str::<serde_json::Value>(&texto).is_ok() {
            texto
        } else {
            format!(
                "(respuesta HTTP {estado} que no es JSON, {} bytes)",
                leido.len()
            )
        };
        Respuesta {
            resultado,
            estado_http: Some(estado),
            cuerpo,
        }
    }

    fn explicar(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            format!(
                "Nubefact no respondió en {} s (pudo haberlo recibido: se consultará antes de reenviar)",
                self.espera.as_secs()
            )
        } else if e.is_connect() {
            format!("no se pudo conectar con Nubefact: {}", causa(e))
        } else {
            format!("falló la comunicación con Nubefact: {}", causa(e))
        }
    }
}

/// The innermost cause: reqwest's own message says only "error sending request".
fn causa(e: &(dyn std::error::Error + 'static)) -> String {
    let mut c = e;
    while let Some(s) = c.source() {
        c = s;
    }
    c.to_string()
}

fn fallo(m: String) -> Respuesta {
    Respuesta {
        resultado: Resultado::Transitorio(m.clone()),
        estado_http: None,
        cuerpo: m,
    }
}

impl Emisor for NubefactHttp {
    fn enviar<'a>(&'a self, destino: &'a Destino, solicitud: &'a Solicitud) -> Envio<'a> {
        Box::pin(self.post(destino, solicitud))
    }
}
