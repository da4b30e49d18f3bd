//! Purchases (contract §7, the `/compras/` module): purchase orders and their receptions.

use axum::extract::State;
use erp_core::compras::{EstadoOrdenCompra, NuevaOrdenCompra, NuevaRecepcion};
use serde::Deserialize;
use uuid::Uuid;

use super::{Consulta, E, Id, Motivo, compra_visible};
use crate::servidor::auth::Acceso;
use crate::servidor::respuesta::{
    Cuerpo, Exito, Paginacion, Respuestas, RespuestasDeCreacion, Resultado, pagina,
};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroOrdenesCompra {
    /// Only this supplier's orders.
    proveedor: Option<Uuid>,
    /// Only orders in this state.
    #[param(inline)]
    estado: Option<EstadoOrdenCompra>,
}

#[utoipa::path(
    get,
    path = "/compras/ordenes/",
    tag = "compras",
    params(FiltroOrdenesCompra, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["compras.ver"]))
)]
pub async fn ordenes_compra(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroOrdenesCompra>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("compras.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .ordenes_compra(a.empresa, f.proveedor, f.estado, p.page, p.page_size)
        .await?;
    Ok(pagina(compra_visible(&a, &filas), total, &p))
}

/// A draft order: its lines taxed as the supplier's invoice will be.
#[utoipa::path(
    post,
    path = "/compras/ordenes/",
    tag = "compras",
    request_body = NuevaOrdenCompra,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["compras.crear_oc"]))
)]
pub async fn crear_orden_compra(
    State(e): E,
    a: Acceso,
    Cuerpo(n): Cuerpo<NuevaOrdenCompra>,
) -> Resultado {
    a.exigir("compras.crear_oc")?;
    let o = e.motor.crear_orden_compra(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(
        compra_visible(&a, &o),
        "orden de compra creada en borrador",
    ))
}

#[utoipa::path(
    get,
    path = "/compras/ordenes/{id}/",
    tag = "compras",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["compras.ver"]))
)]
pub async fn orden_compra(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("compras.ver")?;
    let o = e.motor.orden_compra(a.empresa, id).await?;
    Ok(Exito::ok(compra_visible(&a, &o)))
}

#[utoipa::path(
    post,
    path = "/compras/ordenes/{id}/aprobar/",
    tag = "compras",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["compras.aprobar_oc"]))
)]
pub async fn aprobar_orden_compra(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("compras.aprobar_oc")?;
    let o = e
        .motor
        .aprobar_orden_compra(a.empresa, a.autor(), id)
        .await?;
    Ok(Exito::ok(compra_visible(&a, &o)).con_mensaje("orden de compra aprobada"))
}

#[utoipa::path(
    post,
    path = "/compras/ordenes/{id}/enviar/",
    tag = "compras",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["compras.crear_oc"]))
)]
pub async fn enviar_orden_compra(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("compras.crear_oc")?;
    let o = e
        .motor
        .enviar_orden_compra(a.empresa, a.autor(), id)
        .await?;
    Ok(Exito::ok(compra_visible(&a, &o)).con_mensaje("orden de compra enviada al proveedor"))
}

#[utoipa::path(
    post,
    path = "/compras/ordenes/{id}/cancelar/",
    tag = "compras",
    params(Id),
    request_body = Motivo,
    responses(Respuestas),
    security(("jwt" = ["compras.crear_oc"]))
)]
pub async fn cancelar_orden_compra(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(m): Cuerpo<Motivo>,
) -> Resultado {
    a.exigir("compras.crear_oc")?;
    let o = e
        .motor
        .cancelar_orden_compra(a.empresa, a.autor(), id, &m.motivo)
        .await?;
    Ok(Exito::ok(compra_visible(&a, &o)).con_mensaje("orden de compra cancelada"))
}

/// Closes an order received in part: what is pending will not come.
#[utoipa::path(
    post,
    path = "/compras/ordenes/{id}/cerrar/",
    tag = "compras",
    params(Id),
    request_body = Motivo,
    responses(Respuestas),
    security(("jwt" = ["compras.crear_oc"]))
)]
pub async fn cerrar_orden_compra(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(m): Cuerpo<Motivo>,
) -> Resultado {
    a.exigir("compras.crear_oc")?;
    let o = e
        .motor
        .cerrar_orden_compra(a.empresa, a.autor(), id, &m.motivo)
        .await?;
    Ok(Exito::ok(compra_visible(&a, &o))
        .con_mensaje("orden de compra cerrada con saldo sin recibir"))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroRecepciones {
    /// Only this order's receptions.
    orden_compra: Option<Uuid>,
}

#[utoipa::path(
    get,
    path = "/compras/recepciones/",
    tag = "compras",
    params(FiltroRecepciones, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["compras.ver"]))
)]
pub async fn recepciones(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroRecepciones>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("compras.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .recepciones(a.empresa, f.orden_compra, p.page, p.page_size)
        .await?;
    Ok(pagina(compra_visible(&a, &filas), total, &p))
}

/// Goods received against an approved or sent order: they enter stock at the order's cost, and
/// the answer has the reception and the order as it is now.
#[utoipa::path(
    post,
    path = "/compras/recepciones/",
    tag = "compras",
    request_body = NuevaRecepcion,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["compras.recepcionar"]))
)]
pub async fn recepcionar(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevaRecepcion>) -> Resultado {
    a.exigir("compras.recepcionar")?;
    let (recepcion, orden) = e.motor.recepcionar(a.empresa, a.autor(), n).await?;
    let mensaje = if orden.estado == EstadoOrdenCompra::Recibida {
        "mercadería recibida; la orden de compra está completa"
    } else {
        "mercadería recibida; la orden de compra tiene saldo pendiente"
    };
    Ok(Exito::creado(
        compra_visible(
            &a,
            &serde_json::json!({"recepcion": recepcion, "orden": orden}),
        ),
        mensaje,
    ))
}
