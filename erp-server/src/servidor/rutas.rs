//! The resource endpoints of seed 000 processes 1 to 5. Each checks its permission, calls the
//! engine and wraps the answer; ids of another company are simply not found (the unit of work is
//! bound to the caller's company).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use erp_core::inventario::FiltroProductos;
use erp_core::inventario::TipoMovimiento;
use erp_core::inventario::servicio::{NuevoAlmacen, NuevoMovimiento, NuevoProducto};
use erp_core::seguridad::servicio::{CambiosUsuario, NuevoRol, NuevoUsuario, validar_clave};
use erp_core::seguridad::{FiltroAuditoria, PERMISOS};
use erp_core::terceros::NuevoCliente;
use erp_core::ventas::servicio::{Anulacion, VentaPos};
use erp_core::ventas::{FiltroVentas, NuevaVenta};
use erp_core::{Codigo, Error};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::Estado;
use super::auth::{Acceso, hashear};
use super::respuesta::{Cuerpo, ErrorApi, Exito, Paginacion, Resultado, pagina};

type E = State<Arc<Estado>>;

/// An id in the path: a malformed one is a 404 like any id this company does not have.
pub struct Id(pub Uuid);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = ErrorApi;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, ErrorApi> {
        let Path(texto) = Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(|_| no_existe())?;
        Uuid::parse_str(&texto).map(Id).map_err(|_| no_existe())
    }
}

fn no_existe() -> ErrorApi {
    ErrorApi::Motor(Error::no_encontrado(
        "registro",
        "el registro no existe en esta empresa",
    ))
}

/// Query parameters read with clear errors (a wrong type is a 422 naming the parameter).
pub struct Consulta<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for Consulta<T>
{
    type Rejection = ErrorApi;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, ErrorApi> {
        Query::<T>::from_request_parts(parts, s)
            .await
            .map(|Query(t)| Self(t))
            .map_err(|e| {
                ErrorApi::Motor(Error::sin_campo(
                    Codigo::ValorNoPermitido,
                    format!("parámetros de consulta inválidos: {}", e.body_text()),
                ))
            })
    }
}

// --- Company ------------------------------------------------------------------------------

pub async fn empresa(State(e): E, a: Acceso) -> Resultado {
    let mut v = serde_json::to_value(e.motor.empresa(a.empresa).await?).unwrap_or_default();
    // The Nubefact token is a secret of the company, not something every user may read.
    if let Some(aj) = v.get_mut("ajustes").and_then(|x| x.as_object_mut()) {
        aj.remove("nubefact_token");
    }
    Ok(Exito::ok(v))
}

// --- Users, roles, audit ------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiltroTexto {
    search: Option<String>,
}

pub async fn usuarios(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroTexto>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("usuarios.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .usuarios(a.empresa, f.search.as_deref(), p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsuarioNuevo {
    email: String,
    #[serde(alias = "first_name")]
    nombre: String,
    #[serde(default, alias = "last_name")]
    apellido: String,
    password: String,
    rol: String,
}

pub async fn crear_usuario(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<UsuarioNuevo>) -> Resultado {
    a.exigir("usuarios.crear")?;
    validar_clave(&n.password)?;
    let u = e
        .motor
        .crear_usuario(
            a.empresa,
            a.id(),
            NuevoUsuario {
                email: n.email,
                nombre: n.nombre,
                apellido: n.apellido,
                rol: n.rol,
                clave_hash: hashear(n.password).await?,
            },
        )
        .await?;
    e.motor
        .auditar(a.empresa, a.id(), ("crear", "usuarios", &u.email, &a.ip))
        .await?;
    Ok(Exito::creado(u, "usuario creado"))
}

pub async fn usuario(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("usuarios.ver")?;
    Ok(Exito::ok(e.motor.usuario(a.empresa, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsuarioCambios {
    #[serde(default)]
    nombre: Option<String>,
    #[serde(default)]
    apellido: Option<String>,
    #[serde(default)]
    rol: Option<String>,
    #[serde(default)]
    activo: Option<bool>,
    #[serde(default)]
    password: Option<String>,
}

pub async fn actualizar_usuario(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<UsuarioCambios>,
) -> Resultado {
    a.exigir("usuarios.editar")?;
    let clave_hash = match c.password {
        Some(p) => {
            validar_clave(&p)?;
            Some(hashear(p).await?)
        }
        None => None,
    };
    let u = e
        .motor
        .actualizar_usuario(
            a.empresa,
            a.id(),
            id,
            CambiosUsuario {
                nombre: c.nombre,
                apellido: c.apellido,
                rol: c.rol,
                activo: c.activo,
                clave_hash,
            },
        )
        .await?;
    e.motor
        .auditar(a.empresa, a.id(), ("editar", "usuarios", &u.email, &a.ip))
        .await?;
    Ok(Exito::ok(u).con_mensaje("usuario actualizado"))
}

pub async fn eliminar_usuario(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("usuarios.eliminar")?;
    e.motor.eliminar_usuario(a.empresa, a.id(), id).await?;
    e.motor
        .auditar(
            a.empresa,
            a.id(),
            ("eliminar", "usuarios", &id.to_string(), &a.ip),
        )
        .await?;
    Ok(Exito::ok(serde_json::Value::Null)
        .con_mensaje("usuario eliminado; sus sesiones se cerraron"))
}

pub async fn permisos(a: Acceso) -> Resultado {
    a.exigir("roles.ver")?;
    let v: Vec<_> = PERMISOS
        .iter()
        .map(|(c, n)| {
            let (modulo, accion) = c.split_once('.').unwrap_or((c, ""));
            json!({"codigo": c, "nombre": n, "modulo": modulo, "accion": accion})
        })
        .collect();
    Ok(Exito::ok(v))
}

pub async fn roles(State(e): E, a: Acceso) -> Resultado {
    a.exigir("roles.ver")?;
    Ok(Exito::ok(e.motor.roles(a.empresa).await?))
}

pub async fn crear_rol(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoRol>) -> Resultado {
    a.exigir("roles.gestionar")?;
    let r = e.motor.crear_rol(a.empresa, a.id(), n).await?;
    e.motor
        .auditar(a.empresa, a.id(), ("crear", "roles", &r.codigo, &a.ip))
        .await?;
    Ok(Exito::creado(r, "rol creado"))
}

pub async fn permisos_de_rol(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("roles.ver")?;
    let r = e.motor.rol(a.empresa, id).await?;
    Ok(Exito::ok(json!({"rol": r.codigo, "permisos": r.permisos})))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiltroLog {
    usuario: Option<Uuid>,
    accion: Option<String>,
    modulo: Option<String>,
}

pub async fn auditoria(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroLog>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    a.exigir("auditoria.ver")?;
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .auditoria(
            a.empresa,
            &FiltroAuditoria {
                usuario_id: f.usuario,
                accion: f.accion,
                modulo: f.modulo,
                pagina: p.page,
                tamanio_pagina: p.page_size,
            },
        )
        .await?;
    Ok(pagina(filas, total, &p))
}

// --- Inventory ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiltroProducto {
    search: Option<String>,
    categoria: Option<Uuid>,
    marca: Option<Uuid>,
    activo: Option<bool>,
    precio_min: Option<Decimal>,
    precio_max: Option<Decimal>,
}

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
                pagina: p.page,
                tamanio_pagina: p.page_size,
                ..Default::default()
            },
        )
        .await?;
    Ok(pagina(filas, total, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Busqueda {
    q: String,
}

/// The POS's quick search: by code, barcode or name, ten at most, any permission that sells.
pub async fn buscar_productos(
    State(e): E,
    a: Acceso,
    Consulta(b): Consulta<Busqueda>,
) -> Resultado {
    if !a.rol.permite("ventas.pos") {
        a.exigir("inventario.ver")?;
    }
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
    Ok(Exito::ok(filas))
}

pub async fn crear_producto(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoProducto>) -> Resultado {
    a.exigir("inventario.productos_crear")?;
    let p = e.motor.crear_producto(a.empresa, a.id(), n).await?;
    e.motor
        .auditar(a.empresa, a.id(), ("crear", "inventario", &p.codigo, &a.ip))
        .await?;
    Ok(Exito::creado(p, "producto creado"))
}

pub async fn producto(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.ver")?;
    Ok(Exito::ok(e.motor.producto(a.empresa, id).await?))
}

pub async fn stock_de_producto(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    e.motor.producto(a.empresa, id).await?;
    Ok(Exito::ok(e.motor.stock(a.empresa, Some(id), None).await?))
}

pub async fn almacenes(State(e): E, a: Acceso) -> Resultado {
    a.exigir("inventario.consultar_stock")?;
    Ok(Exito::ok(e.motor.almacenes(a.empresa).await?))
}

pub async fn crear_almacen(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoAlmacen>) -> Resultado {
    a.exigir("inventario.productos_crear")?;
    let x = e.motor.crear_almacen(a.empresa, a.id(), n).await?;
    Ok(Exito::creado(x, "almacén creado"))
}

/// Goods in (a purchase reception without a purchase order, an opening balance).
#[derive(Deserialize)]
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
    #[serde(default)]
    vencimiento: Option<time::Date>,
    #[serde(default)]
    series: Vec<String>,
    #[serde(default)]
    motivo: String,
}

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
    let filas = e.motor.registrar_movimiento(a.empresa, a.id(), m).await?;
    Ok(Exito::creado(filas, "entrada registrada"))
}

// --- Customers ----------------------------------------------------------------------------

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

pub async fn crear_cliente(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoCliente>) -> Resultado {
    a.exigir("clientes.crear")?;
    let c = e.motor.crear_cliente(a.empresa, a.id(), n).await?;
    Ok(Exito::creado(c, "cliente creado"))
}

pub async fn cliente(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("clientes.ver")?;
    Ok(Exito::ok(e.motor.cliente(a.empresa, id).await?))
}

// --- Sales --------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiltroVenta {
    cliente: Option<Uuid>,
    fecha_desde: Option<time::Date>,
    fecha_hasta: Option<time::Date>,
}

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
    Ok(pagina(filas, total, &p))
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

pub async fn vender(State(e): E, a: Acceso, Cuerpo(mut n): Cuerpo<NuevaVenta>) -> Resultado {
    a.exigir("ventas.crear")?;
    aprobaciones(&a, &mut n)?;
    let v = e.motor.vender(a.empresa, a.id(), n).await?;
    Ok(Exito::creado(v, "venta registrada"))
}

pub async fn venta_pos(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<VentaPos>) -> Resultado {
    a.exigir("ventas.pos")?;
    let v = e.motor.venta_pos(a.empresa, a.id(), n).await?;
    Ok(Exito::creado(v, "venta registrada"))
}

pub async fn venta(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("ventas.ver")?;
    let v = e.motor.venta(a.empresa, id).await?;
    let comprobantes = e.motor.comprobantes_de_venta(a.empresa, id).await?;
    Ok(Exito::ok(json!({"venta": v, "comprobantes": comprobantes})))
}

pub async fn anular(State(e): E, a: Acceso, Id(id): Id, Cuerpo(n): Cuerpo<Anulacion>) -> Resultado {
    a.exigir("ventas.anular")?;
    let nota = e.motor.anular_venta(a.empresa, a.id(), id, n).await?;
    e.motor
        .auditar(
            a.empresa,
            a.id(),
            ("anular", "ventas", &nota.numero_completo(), &a.ip),
        )
        .await?;
    Ok(Exito::creado(
        nota,
        "venta anulada; nota de crédito emitida",
    ))
}

/// The engine's totals for a draft (a POS screen, a quotation form): nothing is stored.
pub async fn calcular(a: Acceso, Cuerpo(d): Cuerpo<erp_core::Documento>) -> Resultado {
    if !a.rol.permite("ventas.pos") {
        a.exigir("ventas.crear")?;
    }
    Ok(Exito::ok(erp_core::calcular_documento(&d)?))
}
