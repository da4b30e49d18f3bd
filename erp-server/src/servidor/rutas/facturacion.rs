//! Electronic invoicing (seed 000 process 6): the comprobantes and where each stands with the
//! tax authority, a person's resend, and the send log. The sending itself is the outbox's
//! (`servidor::envios`); these endpoints never wait for Nubefact.

use axum::extract::State;
use erp_core::comprobantes::{
    self, EstadoComprobante, FiltroComprobantes, NuevaSerie, TipoComprobante,
};
use erp_core::ventas::servicio::NuevaNotaCredito;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Consulta, E, Id};
use crate::servidor::auth::Acceso;
use crate::servidor::respuesta::{
    Cuerpo, Exito, Paginacion, Respuestas, RespuestasDeCreacion, Resultado, pagina,
};

/// The contract's filters of the comprobantes list.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroComprobante {
    tipo: Option<TipoComprobante>,
    serie: Option<String>,
    numero: Option<i64>,
    cliente: Option<Uuid>,
    /// The state with SUNAT: pendiente, aceptado, observado, rechazado, anulado, error,
    /// error_permanente.
    estado: Option<EstadoComprobante>,
    fecha_desde: Option<time::Date>,
    fecha_hasta: Option<time::Date>,
}

#[utoipa::path(
    get,
    path = "/facturacion/comprobantes/",
    tag = "facturacion",
    params(FiltroComprobante, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["facturacion.ver"]))
)]
pub async fn comprobantes(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroComprobante>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("facturacion.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .comprobantes(
            a.empresa,
            &FiltroComprobantes {
                tipo: f.tipo,
                serie: f.serie.as_deref().map(comprobantes::normalizar_serie),
                numero: f.numero,
                cliente_id: f.cliente,
                estado: f.estado,
                desde: f.fecha_desde,
                hasta: f.fecha_hasta,
                pagina: p.page,
                tamanio_pagina: p.page_size,
            },
        )
        .await?;
    Ok(pagina(filas, total, &p))
}

/// A comprobante with its links (PDF, XML, CDR: in `envio.respuesta`) and its send history,
/// newest first.
#[utoipa::path(
    get,
    path = "/facturacion/comprobantes/{id}/",
    tag = "facturacion",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["facturacion.ver"]))
)]
pub async fn comprobante(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("facturacion.ver")?;
    let c = e.motor.comprobante(a.empresa, id).await?;
    let (historial, total) = e.motor.logs_envio(a.empresa, Some(id), 1, 100).await?;
    Ok(Exito::ok(json!({
        "comprobante": c,
        "numero_completo": c.numero_completo(),
        "historial": historial,
        "historial_total": total,
    })))
}

/// Sends again, now, a comprobante that failed (or waits with no send due). It consults first
/// when an earlier attempt may have reached Nubefact, so it never issues a number twice.
#[utoipa::path(
    post,
    path = "/facturacion/comprobantes/{id}/reenviar/",
    tag = "facturacion",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["facturacion.emitir"]))
)]
pub async fn reenviar(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("facturacion.emitir")?;
    let c = e
        .motor
        .reenviar_comprobante(a.empresa, a.autor(), id)
        .await?;
    Ok(Exito::ok(c).con_mensaje("comprobante en cola de envío"))
}

/// A credit note on a factura or boleta, of the `tipo` asked: `devolucion` with `lineas` (the
/// units come back to stock), `valor` with `items` (amounts off some lines), `anulacion` of the
/// whole sale. The same notes as `/ventas/{id}/devolucion|nota-credito|anular/`, named by the
/// comprobante.
#[utoipa::path(
    post,
    path = "/facturacion/notas-credito/",
    tag = "facturacion",
    request_body = NuevaNotaCredito,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["facturacion.nota_credito"]))
)]
pub async fn crear_nota_credito(
    State(e): E,
    a: Acceso,
    Cuerpo(n): Cuerpo<NuevaNotaCredito>,
) -> Resultado {
    a.exigir("facturacion.nota_credito")?;
    let nota = e.motor.nota_credito(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(nota, "nota de crédito emitida"))
}

/// A comunicación de baja's reason.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolicitudBaja {
    /// What SUNAT is told (up to 100 characters).
    motivo: String,
}

/// Voids an accepted factura or boleta by comunicación de baja, within 7 days of its issue and
/// when no note modifies it (otherwise a credit note annuls the sale). The baja is queued: when
/// SUNAT accepts it the comprobante is `anulado` and its sale annulled, stock back; its state is
/// in `envio.baja` of the comprobante.
#[utoipa::path(
    post,
    path = "/facturacion/comprobantes/{id}/anular/",
    tag = "facturacion",
    params(Id),
    request_body = SolicitudBaja,
    responses(Respuestas),
    security(("jwt" = ["facturacion.anular"]))
)]
pub async fn anular_comprobante(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(s): Cuerpo<SolicitudBaja>,
) -> Resultado {
    a.exigir("facturacion.anular")?;
    let c = e
        .motor
        .anular_comprobante(a.empresa, a.autor(), id, &s.motivo)
        .await?;
    Ok(Exito::ok(c).con_mensaje("comunicación de baja en cola de envío"))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroLogs {
    /// Only the requests of this comprobante.
    comprobante: Option<Uuid>,
}

/// Every request sent to Nubefact and its answer (the contract's `log_envio_nubefact`), newest
/// first.
#[utoipa::path(
    get,
    path = "/facturacion/logs/",
    tag = "facturacion",
    params(FiltroLogs, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["facturacion.ver"]))
)]
pub async fn logs_envio(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroLogs>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("facturacion.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .logs_envio(a.empresa, f.comprobante, p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

// --- Series ---------------------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/facturacion/series/",
    tag = "facturacion",
    responses(Respuestas),
    security(("jwt" = ["facturacion.ver"]))
)]
pub async fn series(State(e): E, a: Acceso) -> Resultado {
    a.exigir("facturacion.ver")?;
    Ok(Exito::ok(e.motor.series_comprobante(a.empresa).await?))
}

/// A series of a document type (one per till, for instance: `B002`), checked against the
/// country's format; its numbers start at 1.
#[utoipa::path(
    post,
    path = "/facturacion/series/",
    tag = "facturacion",
    request_body = NuevaSerie,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["facturacion.series"]))
)]
pub async fn crear_serie(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevaSerie>) -> Resultado {
    a.exigir("facturacion.series")?;
    let x = e.motor.crear_serie(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(x, "serie creada"))
}
