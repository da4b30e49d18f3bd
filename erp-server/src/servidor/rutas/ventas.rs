//! Sales: direct sales, the POS, annulments and notes, quotations and sales orders, and the
//! totals of a draft.

use axum::extract::State;
use erp_core::ventas::pedidos::{GenerarVenta, NuevaCotizacion, NuevaOrden};
use erp_core::ventas::servicio::{
    Anulacion, Devolucion, NotaCreditoValor, NotaDebitoNueva, VentaPos,
};
use erp_core::ventas::{FiltroVentas, NuevaVenta};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Consulta, E, Id, venta_visible};
use crate::servidor::auth::Acceso;
use crate::servidor::respuesta::{
    Cuerpo, ErrorApi, Exito, Paginacion, Respuestas, RespuestasDeCreacion, Resultado, pagina,
};

// --- Sales --------------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroVenta {
    cliente: Option<Uuid>,
    fecha_desde: Option<time::Date>,
    fecha_hasta: Option<time::Date>,
}

#[utoipa::path(
    get,
    path = "/ventas/",
    tag = "ventas",
    params(FiltroVenta, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["ventas.ver"]))
)]
pub async fn ventas(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroVenta>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("ventas.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .ventas(
            a.empresa,
            &FiltroVentas {
                cliente_id: f.cliente,
                desde: f.fecha_desde,
                hasta: f.fecha_hasta,
                pagina: p.page,
                tamanio_pagina: p.page_size,
            },
        )
        .await?;
    Ok(pagina(venta_visible(&a, &filas), total, &p))
}

/// Lines beyond the stock need the approval permission; the approval is the caller's own,
/// never one named in the body.
fn aprobaciones(a: &Acceso, n: &mut NuevaVenta) -> Result<(), ErrorApi> {
    if n.lineas.iter().any(|l| l.aprobacion.is_some()) {
        a.exigir("inventario.aprobar_sin_stock")?;
        for l in &mut n.lineas {
            if let Some(ap) = l.aprobacion.as_mut() {
                ap.usuario_id = a.usuario.id;
            }
        }
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/ventas/",
    tag = "ventas",
    request_body = NuevaVenta,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.crear"]))
)]
pub async fn vender(State(e): E, a: Acceso, Cuerpo(mut n): Cuerpo<NuevaVenta>) -> Resultado {
    a.exigir("ventas.crear")?;
    aprobaciones(&a, &mut n)?;
    let v = e.motor.vender(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(venta_visible(&a, &v), "venta registrada"))
}

#[utoipa::path(
    post,
    path = "/ventas/pos/",
    tag = "ventas",
    request_body = VentaPos,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.pos"]))
)]
pub async fn venta_pos(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<VentaPos>) -> Resultado {
    a.exigir("ventas.pos")?;
    let v = e.motor.venta_pos(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(venta_visible(&a, &v), "venta registrada"))
}

#[utoipa::path(
    get,
    path = "/ventas/{id}/",
    tag = "ventas",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["ventas.ver"]))
)]
pub async fn venta(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("ventas.ver")?;
    let v = e.motor.venta(a.empresa, id).await?;
    let comprobantes = e.motor.comprobantes_de_venta(a.empresa, id).await?;
    Ok(Exito::ok(json!({
        "venta": venta_visible(&a, &v),
        "comprobantes": comprobantes,
    })))
}

#[utoipa::path(
    post,
    path = "/ventas/{id}/anular/",
    tag = "ventas",
    params(Id),
    request_body = Anulacion,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.anular"]))
)]
pub async fn anular(State(e): E, a: Acceso, Id(id): Id, Cuerpo(n): Cuerpo<Anulacion>) -> Resultado {
    a.exigir("ventas.anular")?;
    let nota = e.motor.anular_venta(a.empresa, a.autor(), id, n).await?;
    Ok(Exito::creado(
        nota,
        "venta anulada; nota de crédito emitida",
    ))
}

/// A return of some units: a credit note (catalog 09 code 07 by default) and the goods back in.
#[utoipa::path(
    post,
    path = "/ventas/{id}/devolucion/",
    tag = "ventas",
    params(Id),
    request_body = Devolucion,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.anular"]))
)]
pub async fn devolucion(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(n): Cuerpo<Devolucion>,
) -> Resultado {
    a.exigir("ventas.anular")?;
    let nota = e.motor.devolver(a.empresa, a.autor(), id, n).await?;
    Ok(Exito::creado(
        nota,
        "devolución registrada; nota de crédito emitida",
    ))
}

/// A credit note of value (a discount or a correction after the sale): no goods move.
#[utoipa::path(
    post,
    path = "/ventas/{id}/nota-credito/",
    tag = "ventas",
    params(Id),
    request_body = NotaCreditoValor,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.anular"]))
)]
pub async fn nota_credito(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(n): Cuerpo<NotaCreditoValor>,
) -> Resultado {
    a.exigir("ventas.anular")?;
    let nota = e
        .motor
        .nota_credito_valor(a.empresa, a.autor(), id, n)
        .await?;
    Ok(Exito::creado(nota, "nota de crédito emitida"))
}

/// A debit note: interest, a penalty or a price raise charged on the sale.
#[utoipa::path(
    post,
    path = "/ventas/{id}/nota-debito/",
    tag = "ventas",
    params(Id),
    request_body = NotaDebitoNueva,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.anular"]))
)]
pub async fn nota_debito(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(n): Cuerpo<NotaDebitoNueva>,
) -> Resultado {
    a.exigir("ventas.anular")?;
    let nota = e.motor.nota_debito(a.empresa, a.autor(), id, n).await?;
    Ok(Exito::creado(nota, "nota de débito emitida"))
}

// --- Quotations and sales orders ----------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroCliente {
    cliente: Option<Uuid>,
}

#[utoipa::path(
    get,
    path = "/ventas/cotizaciones/",
    tag = "ventas",
    params(FiltroCliente, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn cotizaciones(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroCliente>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .cotizaciones(a.empresa, f.cliente, p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

#[utoipa::path(
    post,
    path = "/ventas/cotizaciones/",
    tag = "ventas",
    request_body = NuevaCotizacion,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn crear_cotizacion(
    State(e): E,
    a: Acceso,
    Cuerpo(n): Cuerpo<NuevaCotizacion>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let c = e.motor.crear_cotizacion(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(c, "cotización creada"))
}

#[utoipa::path(
    get,
    path = "/ventas/cotizaciones/{id}/",
    tag = "ventas",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn cotizacion(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    Ok(Exito::ok(e.motor.cotizacion(a.empresa, id).await?))
}

/// A copy with today's date and prices, valid for the same number of days.
#[utoipa::path(
    post,
    path = "/ventas/cotizaciones/{id}/duplicar/",
    tag = "ventas",
    params(Id),
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn duplicar_cotizacion(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let c = e
        .motor
        .duplicar_cotizacion(a.empresa, a.autor(), id)
        .await?;
    Ok(Exito::creado(c, "cotización duplicada"))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Motivo {
    pub motivo: String,
}

#[utoipa::path(
    post,
    path = "/ventas/cotizaciones/{id}/rechazar/",
    tag = "ventas",
    params(Id),
    request_body = Motivo,
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn rechazar_cotizacion(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(m): Cuerpo<Motivo>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let c = e
        .motor
        .rechazar_cotizacion(a.empresa, a.autor(), id, &m.motivo)
        .await?;
    Ok(Exito::ok(c).con_mensaje("cotización rechazada"))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Conversion {
    almacen_id: Option<Uuid>,
}

#[utoipa::path(
    post,
    path = "/ventas/cotizaciones/{id}/convertir-a-orden/",
    tag = "ventas",
    params(Id),
    request_body = Conversion,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn convertir_a_orden(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<Conversion>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let o = e
        .motor
        .convertir_a_orden(a.empresa, a.autor(), id, c.almacen_id)
        .await?;
    Ok(Exito::creado(o, "orden de venta creada"))
}

#[utoipa::path(
    get,
    path = "/ventas/ordenes/",
    tag = "ventas",
    params(FiltroCliente, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn ordenes(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroCliente>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .ordenes(a.empresa, f.cliente, p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

#[utoipa::path(
    post,
    path = "/ventas/ordenes/",
    tag = "ventas",
    request_body = NuevaOrden,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn crear_orden(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevaOrden>) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let o = e.motor.crear_orden(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(o, "orden de venta creada"))
}

#[utoipa::path(
    get,
    path = "/ventas/ordenes/{id}/",
    tag = "ventas",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn orden(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    Ok(Exito::ok(e.motor.orden(a.empresa, id).await?))
}

/// Confirming reserves the order's stock.
#[utoipa::path(
    post,
    path = "/ventas/ordenes/{id}/confirmar/",
    tag = "ventas",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn confirmar_orden(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let o = e.motor.confirmar_orden(a.empresa, a.autor(), id).await?;
    Ok(Exito::ok(o).con_mensaje("orden confirmada; stock reservado"))
}

#[utoipa::path(
    post,
    path = "/ventas/ordenes/{id}/cancelar/",
    tag = "ventas",
    params(Id),
    request_body = Motivo,
    responses(Respuestas),
    security(("jwt" = ["ventas.cotizaciones"]))
)]
pub async fn cancelar_orden(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(m): Cuerpo<Motivo>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    let o = e
        .motor
        .cancelar_orden(a.empresa, a.autor(), id, &m.motivo)
        .await?;
    Ok(Exito::ok(o).con_mensaje("orden cancelada; reserva liberada"))
}

/// The order's sale: its comprobante, the stock out, the reservation released.
#[utoipa::path(
    post,
    path = "/ventas/ordenes/{id}/generar-venta/",
    tag = "ventas",
    params(Id),
    request_body = GenerarVenta,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["ventas.cotizaciones", "ventas.crear"]))
)]
pub async fn generar_venta(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(g): Cuerpo<GenerarVenta>,
) -> Resultado {
    a.exigir("ventas.cotizaciones")?;
    a.exigir("ventas.crear")?;
    let v = e.motor.generar_venta(a.empresa, a.autor(), id, g).await?;
    Ok(Exito::creado(venta_visible(&a, &v), "venta registrada"))
}

/// The engine's totals for a draft (a POS screen, a quotation form): nothing is stored.
#[utoipa::path(
    post,
    path = "/calculo/documento/",
    tag = "ventas",
    request_body = erp_core::Documento,
    responses(Respuestas),
    security(("jwt" = ["ventas.crear", "ventas.pos"]))
)]
pub async fn calcular(a: Acceso, Cuerpo(d): Cuerpo<erp_core::Documento>) -> Resultado {
    a.exigir_alguno(&["ventas.pos", "ventas.crear"])?;
    Ok(Exito::ok(erp_core::calcular_documento(&d)?))
}
