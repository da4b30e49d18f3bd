//! The outbox's worker in `erp serve`: a few tasks that send the comprobantes whose send is due
//! (the engine's `enviar_siguiente`), woken by a sale as soon as it commits and otherwise every
//! few seconds. Any number of servers may run it on one PostgreSQL: each comprobante is claimed by
//! one of them at a time.

use std::sync::Arc;
use std::time::Duration;

use erp_core::facturacion::envio::{Emisor, PoliticaEnvio};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Estado;

/// The running senders; `detener` lets the attempts in flight finish.
pub struct Despachador {
    parar: watch::Sender<bool>,
    tareas: Vec<JoinHandle<()>>,
}

impl Despachador {
    pub fn lanzar(
        estado: Arc<Estado>,
        emisor: Arc<dyn Emisor>,
        politica: PoliticaEnvio,
        cada: Duration,
        concurrentes: usize,
    ) -> Self {
        let (parar, parado) = watch::channel(false);
        let tareas = (0..concurrentes.max(1))
            .map(|_| {
                let (estado, emisor, mut parado) = (estado.clone(), emisor.clone(), parado.clone());
                tokio::spawn(async move {
                    loop {
                        while !*parado.borrow() {
                            match estado.motor.enviar_siguiente(&*emisor, &politica).await {
                                Ok(Some((empresa, c))) => tracing::info!(
                                    %empresa,
                                    comprobante = %c.numero_completo(),
                                    estado = c.estado.codigo(),
                                    intentos = c.envio.intentos,
                                    error = %c.envio.ultimo_error,
                                    "envío de comprobante"
                                ),
                                Ok(None) => break,
                                Err(e) => {
                                    tracing::error!(error = %e, "no se pudo enviar un comprobante");
                                    break;
                                }
                            }
                        }
                        tokio::select! {
                            () = tokio::time::sleep(cada) => {}
                            () = estado.envios.notified() => {}
                            _ = parado.changed() => {}
                        }
                        if *parado.borrow() {
                            break;
                        }
                    }
                })
            })
            .collect();
        Self { parar, tareas }
    }

    pub async fn detener(self) {
        let _ = self.parar.send(true);
        for t in self.tareas {
            if let Err(e) = t.await {
                // The comprobante it held is claimed again when its lease ends, consulting first.
                tracing::error!(error = %e, "un envío de comprobantes terminó mal");
            }
        }
    }
}
