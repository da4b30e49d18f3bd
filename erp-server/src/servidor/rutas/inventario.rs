//! Inventory: products, categories, warehouses, stock, the ledger, adjustments, transfers and
//! minimum-stock alerts. Costs and valuation are shown only to roles with
//! `inventario.ver_costos`.

use axum::extract::State;
use erp_core::inventario::servicio::{
    CambiosAlmacen, CambiosCategoria, CambiosProducto, NuevaCategoria, NuevaTransferencia,
    NuevoAjuste, NuevoAlmacen, NuevoMovimiento, NuevoProducto,
};
use erp_core::inventario::{
    FiltroMovimientos, FiltroProductos, OrdenProductos, TipoMovimiento, a_microsegundos,
};
use erp_core::{Codigo, Error};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use time::{Date, Time};
use uuid::Uuid;

use super::{Consulta, E, Id, inventario_visible};
use crate::servidor::auth::Acceso;
use crate::servidor::respuesta::{
    Cuerpo, Exito, Paginacion, Respuestas, RespuestasDeCreacion, Resultado, pagina, validar_tamanio,
};

// --- Inventory ----------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroProducto {
    search: Option<String>,
    categoria: Option<Uuid>,
    marca: Option<Uuid>,
    activo: Option<bool>,
    precio_min: Option<Decimal>,
    precio_max: Option<Decimal>,
    ordering: Option<OrdenProductos>,
}

#[utoipa::path(
    get,
    path = "/inventario/productos/",
    tag = "inventario",
    params(FiltroProducto, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["inventario.ver"]))
)]
pub async fn productos(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroProducto>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("inventario.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .buscar_productos(
            a.empresa,
            &FiltroProductos {
                texto: f.search,
                categoria_id: f.categoria,
                marca_id: f.marca,
                activo: f.activo,
                precio_min: f.precio_min,
                precio_max: f.precio_max,
                orden: f.ordering.unwrap_or_default(),
                pagina: p.page,
                tamanio_pagina: p.page_size,
            },
        )
        .await?;
    Ok(pagina(inventario_visible(&a, &filas), total, &p))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct Busqueda {
    q: String,
}

/// The POS's quick search: by code, barcode or name, ten at most, any permission that sells.
#[utoipa::path(
    get,
    path = "/inventario/productos/buscar/",
    tag = "inventario",
    params(Busqueda),
    responses(Respuestas),
    security(("jwt" = ["inventario.ver", "ventas.pos"]))
)]
pub async fn buscar_productos(
    State(e): E,
    a: Acceso,
    Consulta(b): Consulta<Busqueda>,
) -> Resultado {
    a.exigir_alguno(&["ventas.pos", "inventario.ver"])?;
    let (filas, _) = e
        .motor
        .buscar_productos(
            a.empresa,
            &FiltroProductos {
                texto: Some(b.q),
                pagina: 1,
                tamanio_pagina: 10,
                ..Default::default()
            },
        )
        .await?;
    Ok(Exito::ok(inventario_visible(&a, &filas)))
}

#[utoipa::path(
    post,
    path = "/inventario/productos/",
    tag = "inventario",
    request_body = NuevoProducto,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["inventario.productos_crear"]))
)]
pub async fn crear_producto(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoProducto>) -> Resultado {
    a.exigir("inventario.productos_crear")?;
    let p = e.motor.crear_producto(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(inventario_visible(&a, &p), "producto creado"))
}

#[utoipa::path(
    get,
    path = "/inventario/productos/{id}/",
    tag = "inventario",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["inventario.ver"]))
)]
pub async fn producto(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.ver")?;
    let p = e.motor.producto(a.empresa, id).await?;
    Ok(Exito::ok(inventario_visible(&a, &p)))
}

#[utoipa::path(
    patch,
    path = "/inventario/productos/{id}/",
    tag = "inventario",
    params(Id),
    request_body = CambiosProducto,
    responses(Respuestas),
    security(("jwt" = ["inventario.productos_editar", "inventario.ver_costos"]))
)]
pub async fn actualizar_producto(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<CambiosProducto>,
) -> Resultado {
    a.exigir("inventario.productos_editar")?;
    // Changing what a product costs is the cost side of inventory.
    if c.costo.is_some() {
        a.exigir("inventario.ver_costos")?;
    }
    let p = e
        .motor
        .actualizar_producto(a.empresa, a.autor(), id, c)
        .await?;
    Ok(Exito::ok(inventario_visible(&a, &p)).con_mensaje("producto actualizado"))
}

#[utoipa::path(
    delete,
    path = "/inventario/productos/{id}/",
    tag = "inventario",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["inventario.productos_editar"]))
)]
pub async fn eliminar_producto(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.productos_editar")?;
    e.motor.eliminar_producto(a.empresa, a.autor(), id).await?;
    Ok(Exito::ok(serde_json::Value::Null).con_mensaje("producto eliminado"))
}

#[utoipa::path(
    get,
    path = "/inventario/productos/{id}/stock/",
    tag = "inventario",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["inventario.consultar_stock"]))
)]
pub async fn stock_de_producto(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    e.motor.producto(a.empresa, id).await?;
    let filas = e.motor.stock(a.empresa, Some(id), None).await?;
    Ok(Exito::ok(inventario_visible(&a, &filas)))
}

#[utoipa::path(
    get,
    path = "/inventario/almacenes/",
    tag = "inventario",
    responses(Respuestas),
    security(("jwt" = ["inventario.consultar_stock"]))
)]
pub async fn almacenes(State(e): E, a: Acceso) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    Ok(Exito::ok(e.motor.almacenes(a.empresa).await?))
}

#[utoipa::path(
    post,
    path = "/inventario/almacenes/",
    tag = "inventario",
    request_body = NuevoAlmacen,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["inventario.productos_crear"]))
)]
pub async fn crear_almacen(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoAlmacen>) -> Resultado {
    a.exigir("inventario.productos_crear")?;
    let x = e.motor.crear_almacen(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(x, "almacén creado"))
}

#[utoipa::path(
    get,
    path = "/inventario/almacenes/{id}/",
    tag = "inventario",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["inventario.consultar_stock"]))
)]
pub async fn almacen(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    Ok(Exito::ok(e.motor.almacen(a.empresa, id).await?))
}

#[utoipa::path(
    patch,
    path = "/inventario/almacenes/{id}/",
    tag = "inventario",
    params(Id),
    request_body = CambiosAlmacen,
    responses(Respuestas),
    security(("jwt" = ["inventario.productos_crear"]))
)]
pub async fn actualizar_almacen(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<CambiosAlmacen>,
) -> Resultado {
    a.exigir("inventario.productos_crear")?;
    let x = e
        .motor
        .actualizar_almacen(a.empresa, a.autor(), id, c)
        .await?;
    Ok(Exito::ok(x).con_mensaje("almacén actualizado"))
}

/// All the stock of a warehouse, one row per product.
#[utoipa::path(
    get,
    path = "/inventario/almacenes/{id}/stock/",
    tag = "inventario",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["inventario.consultar_stock"]))
)]
pub async fn stock_de_almacen(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    e.motor.almacen(a.empresa, id).await?;
    let filas = e.motor.stock(a.empresa, None, Some(id)).await?;
    Ok(Exito::ok(inventario_visible(&a, &filas)))
}

#[utoipa::path(
    get,
    path = "/inventario/categorias/",
    tag = "inventario",
    responses(Respuestas),
    security(("jwt" = ["inventario.ver"]))
)]
pub async fn categorias(State(e): E, a: Acceso) -> Resultado {
    a.exigir("inventario.ver")?;
    Ok(Exito::ok(e.motor.categorias(a.empresa).await?))
}

#[utoipa::path(
    post,
    path = "/inventario/categorias/",
    tag = "inventario",
    request_body = NuevaCategoria,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["inventario.productos_crear"]))
)]
pub async fn crear_categoria(
    State(e): E,
    a: Acceso,
    Cuerpo(n): Cuerpo<NuevaCategoria>,
) -> Resultado {
    a.exigir("inventario.productos_crear")?;
    let c = e.motor.crear_categoria(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(c, "categoría creada"))
}

#[utoipa::path(
    get,
    path = "/inventario/categorias/{id}/",
    tag = "inventario",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["inventario.ver"]))
)]
pub async fn categoria(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.ver")?;
    Ok(Exito::ok(e.motor.categoria(a.empresa, id).await?))
}

#[utoipa::path(
    patch,
    path = "/inventario/categorias/{id}/",
    tag = "inventario",
    params(Id),
    request_body = CambiosCategoria,
    responses(Respuestas),
    security(("jwt" = ["inventario.productos_editar"]))
)]
pub async fn actualizar_categoria(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<CambiosCategoria>,
) -> Resultado {
    a.exigir("inventario.productos_editar")?;
    let c = e
        .motor
        .actualizar_categoria(a.empresa, a.autor(), id, c)
        .await?;
    Ok(Exito::ok(c).con_mensaje("categoría actualizada"))
}

/// Goods in (a purchase reception without a purchase order, an opening balance).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Entrada {
    producto_id: Uuid,
    almacen_id: Uuid,
    #[serde(deserialize_with = "erp_core::entrada::decimal")]
    cantidad: Decimal,
    #[serde(deserialize_with = "erp_core::entrada::decimal")]
    costo_unitario: Decimal,
    #[serde(default)]
    lote: Option<String>,
    #[serde(default, with = "erp_core::entrada::fecha_iso_opcional")]
    vencimiento: Option<time::Date>,
    #[serde(default)]
    series: Vec<String>,
    #[serde(default)]
    motivo: String,
}

#[utoipa::path(
    post,
    path = "/inventario/entradas/",
    tag = "inventario",
    request_body = Entrada,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["inventario.stock_ajustar"]))
)]
pub async fn entrada(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<Entrada>) -> Resultado {
    a.exigir("inventario.stock_ajustar")?;
    let mut m = NuevoMovimiento::new(
        TipoMovimiento::Entrada,
        n.producto_id,
        n.almacen_id,
        n.cantidad,
    );
    m.costo_unitario = Some(n.costo_unitario);
    m.lote = n.lote;
    m.vencimiento = n.vencimiento;
    m.series = n.series;
    m.motivo = n.motivo;
    let filas = e
        .motor
        .registrar_movimiento(a.empresa, a.autor(), m)
        .await?;
    Ok(Exito::creado(
        inventario_visible(&a, &filas),
        "entrada registrada",
    ))
}

#[utoipa::path(
    post,
    path = "/inventario/movimientos/ajuste/",
    tag = "inventario",
    request_body = NuevoAjuste,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["inventario.stock_ajustar"]))
)]
pub async fn ajuste(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoAjuste>) -> Resultado {
    a.exigir("inventario.stock_ajustar")?;
    let filas = e.motor.ajustar(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(
        inventario_visible(&a, &filas),
        "ajuste registrado",
    ))
}

#[utoipa::path(
    post,
    path = "/inventario/movimientos/transferencia/",
    tag = "inventario",
    request_body = NuevaTransferencia,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["inventario.transferir"]))
)]
pub async fn transferencia(
    State(e): E,
    a: Acceso,
    Cuerpo(n): Cuerpo<NuevaTransferencia>,
) -> Resultado {
    a.exigir("inventario.transferir")?;
    let filas = e.motor.transferir(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(
        inventario_visible(&a, &filas),
        "transferencia registrada",
    ))
}

#[utoipa::path(
    get,
    path = "/inventario/alertas-stock/",
    tag = "inventario",
    responses(Respuestas),
    security(("jwt" = ["inventario.consultar_stock"]))
)]
pub async fn alertas_stock(State(e): E, a: Acceso) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    Ok(Exito::ok(e.motor.alertas_stock_minimo(a.empresa).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroMovimiento {
    producto: Option<Uuid>,
    almacen: Option<Uuid>,
    tipo: Option<TipoMovimiento>,
    fecha_desde: Option<Date>,
    fecha_hasta: Option<Date>,
    cursor: Option<String>,
    page_size: Option<u32>,
}

/// The ledger, newest first, by cursor: `next` is the cursor of the following page (absent on
/// the last). A cursor stays valid while movements are added, unlike a page number.
#[utoipa::path(
    get,
    path = "/inventario/movimientos/",
    tag = "inventario",
    params(FiltroMovimiento),
    responses(Respuestas),
    security(("jwt" = ["inventario.ver"]))
)]
pub async fn movimientos(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroMovimiento>,
) -> Resultado {
    a.exigir("inventario.ver")?;
    let tamanio = validar_tamanio(f.page_size.unwrap_or(20))?;
    let antes_de = f.cursor.as_deref().map(leer_cursor).transpose()?;
    let zona = e.motor.empresa(a.empresa).await?.zona_horaria();
    // Dates are the company's calendar days: from the first instant of `desde` to the last of
    // `hasta`, in its time zone.
    let desde_us = f
        .fecha_desde
        .map(|d| a_microsegundos(d.with_time(Time::MIDNIGHT).assume_offset(zona)));
    let hasta_us = f.fecha_hasta.map(|d| {
        a_microsegundos(d.with_time(Time::MIDNIGHT).assume_offset(zona) + time::Duration::DAY) - 1
    });
    let mut filas = e
        .motor
        .movimientos(
            a.empresa,
            &FiltroMovimientos {
                producto_id: f.producto,
                almacen_id: f.almacen,
                tipo: f.tipo,
                desde_us,
                hasta_us,
                antes_de,
                limite: tamanio + 1,
            },
        )
        .await?;
    let siguiente = if filas.len() > tamanio as usize {
        filas.truncate(tamanio as usize);
        filas
            .last()
            .map(|m| format!("{}_{}_{}", a_microsegundos(m.fecha), m.secuencia, m.id))
    } else {
        None
    };
    Ok(Exito::ok(json!({
        "results": inventario_visible(&a, &filas),
        "next": siguiente,
        "page_size": tamanio,
    })))
}

fn leer_cursor(c: &str) -> Result<(i64, i64, Uuid), Error> {
    let mut partes = c.splitn(3, '_');
    let leido = (|| {
        Some((
            partes.next()?.parse().ok()?,
            partes.next()?.parse().ok()?,
            Uuid::parse_str(partes.next()?).ok()?,
        ))
    })();
    leido.ok_or_else(|| {
        Error::validacion(
            Codigo::ValorNoPermitido,
            "cursor",
            "cursor inválido: use el valor `next` de la página anterior",
        )
    })
}
