//! Customers and suppliers.

use axum::extract::State;
use erp_core::terceros::{CambiosCliente, CambiosProveedor, NuevoCliente, NuevoProveedor};

use super::{Consulta, E, FiltroTexto, Id, compra_visible, venta_visible};
use crate::servidor::auth::Acceso;
use crate::servidor::respuesta::{
    Cuerpo, Exito, Paginacion, Respuestas, RespuestasDeCreacion, Resultado, pagina,
};

// --- Customers ----------------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/clientes/",
    tag = "clientes",
    params(FiltroTexto, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["clientes.ver"]))
)]
pub async fn clientes(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroTexto>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("clientes.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .buscar_clientes(a.empresa, f.search.as_deref(), p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

#[utoipa::path(
    post,
    path = "/clientes/",
    tag = "clientes",
    request_body = NuevoCliente,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["clientes.crear"]))
)]
pub async fn crear_cliente(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoCliente>) -> Resultado {
    a.exigir("clientes.crear")?;
    let c = e.motor.crear_cliente(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(c, "cliente creado"))
}

#[utoipa::path(
    get,
    path = "/clientes/{id}/",
    tag = "clientes",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["clientes.ver"]))
)]
pub async fn cliente(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("clientes.ver")?;
    Ok(Exito::ok(e.motor.cliente(a.empresa, id).await?))
}

#[utoipa::path(
    patch,
    path = "/clientes/{id}/",
    tag = "clientes",
    params(Id),
    request_body = CambiosCliente,
    responses(Respuestas),
    security(("jwt" = ["clientes.editar"]))
)]
pub async fn actualizar_cliente(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<CambiosCliente>,
) -> Resultado {
    a.exigir("clientes.editar")?;
    let c = e
        .motor
        .actualizar_cliente(a.empresa, a.autor(), id, c)
        .await?;
    Ok(Exito::ok(c).con_mensaje("cliente actualizado"))
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BusquedaCliente {
    q: String,
}

/// The sale screen's quick search: by name or document number, ten at most.
#[utoipa::path(
    get,
    path = "/clientes/buscar/",
    tag = "clientes",
    params(BusquedaCliente),
    responses(Respuestas),
    security(("jwt" = ["clientes.ver", "ventas.pos"]))
)]
pub async fn buscar_clientes(
    State(e): E,
    a: Acceso,
    Consulta(b): Consulta<BusquedaCliente>,
) -> Resultado {
    a.exigir_alguno(&["ventas.pos", "clientes.ver"])?;
    let (filas, _) = e
        .motor
        .buscar_clientes(a.empresa, Some(&b.q), 1, 10)
        .await?;
    Ok(Exito::ok(filas))
}

/// The customer's sales, newest first.
#[utoipa::path(
    get,
    path = "/clientes/{id}/historial/",
    tag = "clientes",
    params(Id, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["clientes.ver", "ventas.ver"]))
)]
pub async fn historial_cliente(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("clientes.ver")?;
    a.exigir("ventas.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .historial_cliente(a.empresa, id, p.page, p.page_size)
        .await?;
    Ok(pagina(venta_visible(&a, &filas), total, &p))
}

// --- Suppliers ----------------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/proveedores/",
    tag = "proveedores",
    params(FiltroTexto, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["proveedores.ver"]))
)]
pub async fn proveedores(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroTexto>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("proveedores.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .buscar_proveedores(a.empresa, f.search.as_deref(), p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

#[utoipa::path(
    post,
    path = "/proveedores/",
    tag = "proveedores",
    request_body = NuevoProveedor,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["proveedores.crear"]))
)]
pub async fn crear_proveedor(
    State(e): E,
    a: Acceso,
    Cuerpo(n): Cuerpo<NuevoProveedor>,
) -> Resultado {
    a.exigir("proveedores.crear")?;
    let p = e.motor.crear_proveedor(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(p, "proveedor creado"))
}

#[utoipa::path(
    get,
    path = "/proveedores/{id}/",
    tag = "proveedores",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["proveedores.ver"]))
)]
pub async fn proveedor(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("proveedores.ver")?;
    Ok(Exito::ok(e.motor.proveedor(a.empresa, id).await?))
}

#[utoipa::path(
    patch,
    path = "/proveedores/{id}/",
    tag = "proveedores",
    params(Id),
    request_body = CambiosProveedor,
    responses(Respuestas),
    security(("jwt" = ["proveedores.editar"]))
)]
pub async fn actualizar_proveedor(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<CambiosProveedor>,
) -> Resultado {
    a.exigir("proveedores.editar")?;
    let p = e
        .motor
        .actualizar_proveedor(a.empresa, a.autor(), id, c)
        .await?;
    Ok(Exito::ok(p).con_mensaje("proveedor actualizado"))
}

/// The supplier's purchase history (seed 000 process 4): its purchase orders, newest first,
/// with what has been received of each.
#[utoipa::path(
    get,
    path = "/proveedores/{id}/compras/",
    tag = "proveedores",
    params(Id, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["proveedores.ver", "compras.ver"]))
)]
pub async fn compras_de_proveedor(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("proveedores.ver")?;
    a.exigir("compras.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .compras_de_proveedor(a.empresa, id, p.page, p.page_size)
        .await?;
    Ok(pagina(compra_visible(&a, &filas), total, &p))
}
