//! The background worker of `erp serve`: it runs the companies' due jobs (the engine's
//! `trabajos`: quotation expiry, the minimum-stock check) with the database as the queue. Any
//! number of servers may run it on one PostgreSQL: each run is claimed by one of them, and a run
//! claimed by a server that died is taken again when its lease ends.

use std::sync::Arc;
use std::time::Duration;

use erp_core::Store;
use erp_core::trabajos::EstadoTrabajo;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Estado;

/// How long a claimed run is this worker's: far beyond any run, short enough after a crash.
const PLAZO: time::Duration = time::Duration::minutes(5);
/// Every this many rounds, schedule the runs of companies that lack them: a safety net (every
/// company is scheduled when it is created and at server start; this covers a schedule lost to a
/// failure between the two).
const RONDAS_POR_PROGRAMACION: u64 = 10;

/// The running worker; `detener` lets the run in progress finish.
pub struct Trabajador {
    parar: watch::Sender<bool>,
    tarea: JoinHandle<()>,
}

impl Trabajador {
    pub fn lanzar(estado: Arc<Estado>, cada: Duration) -> Self {
        let (parar, mut parado) = watch::channel(false);
        let tarea = tokio::spawn(async move {
            let mut ronda = 0u64;
            loop {
                if ronda.is_multiple_of(RONDAS_POR_PROGRAMACION) {
                    programar(&estado).await;
                }
                ronda += 1;
                while !*parado.borrow() {
                    match estado.motor.ejecutar_trabajo(PLAZO).await {
                        Ok(Some((empresa, t))) if t.estado == EstadoTrabajo::Hecho => {
                            tracing::info!(%empresa, trabajo = t.tipo.codigo(), resultado = %t.resultado, "trabajo hecho");
                        }
                        Ok(Some((empresa, t))) => {
                            tracing::warn!(%empresa, trabajo = t.tipo.codigo(), intentos = t.intentos,
                                estado = t.estado.codigo(), error = %t.ultimo_error, "trabajo fallido");
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::error!(error = %e, "no se pudo tomar un trabajo");
                            break;
                        }
                    }
                }
                tokio::select! {
                    () = tokio::time::sleep(cada) => {}
                    _ = parado.changed() => {}
                }
                if *parado.borrow() {
                    break;
                }
            }
        });
        Self { parar, tarea }
    }

    pub async fn detener(self) {
        let _ = self.parar.send(true);
        if let Err(e) = self.tarea.await {
            // A panic ended the jobs early; the runs it left are claimed again by the next start.
            tracing::error!(error = %e, "el trabajador de trabajos en segundo plano terminó mal");
        }
    }
}

async fn programar(estado: &Estado) {
    let empresas = match estado.motor.store().listar_empresas().await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "no se pudieron listar las empresas para sus trabajos");
            return;
        }
    };
    for e in empresas.iter().filter(|e| e.activa) {
        if let Err(err) = estado.motor.programar_trabajos(e.id).await {
            tracing::error!(empresa = %e.id, error = %err, "no se pudieron programar sus trabajos");
        }
    }
}
