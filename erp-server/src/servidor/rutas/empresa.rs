//! The company, its users, roles and audit log, and the identity-document check.

use erp_core::empresa::CambiosEmpresa;
use erp_core::identidad::TipoDocumentoIdentidad;
use erp_core::seguridad::servicio::{CambiosUsuario, NuevoRol, NuevoUsuario};
use erp_core::seguridad::{FiltroAuditoria, PERMISOS};
use erp_core::{Codigo, Error};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Consulta, E, FiltroTexto, Id};
use crate::servidor::auth::{Acceso, hash_de_clave_nueva};
use crate::servidor::respuesta::{
    Cuerpo, Exito, Paginacion, Respuestas, RespuestasDeCreacion, Resultado, pagina,
};
use axum::extract::State;

// --- Company ------------------------------------------------------------------------------

/// The company as its users see it: the Nubefact token is a secret of the company, not
/// something every user may read.
fn empresa_visible(e: &erp_core::empresa::Empresa) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(aj) = v.get_mut("ajustes").and_then(|x| x.as_object_mut()) {
        aj.remove("nubefact_token");
    }
    v
}

#[utoipa::path(
    get,
    path = "/empresa/",
    tag = "empresa",
    responses(Respuestas),
    security(("jwt" = []))
)]
pub async fn empresa(State(e): E, a: Acceso) -> Resultado {
    Ok(Exito::ok(empresa_visible(
        &e.motor.empresa(a.empresa).await?,
    )))
}

#[utoipa::path(
    patch,
    path = "/empresa/",
    tag = "empresa",
    request_body = CambiosEmpresa,
    responses(Respuestas),
    security(("jwt" = ["empresa.configurar"]))
)]
pub async fn actualizar_empresa(
    State(e): E,
    a: Acceso,
    Cuerpo(c): Cuerpo<CambiosEmpresa>,
) -> Resultado {
    a.exigir("empresa.configurar")?;
    // Configuring Nubefact queues what was issued before (the engine's event wakes the outbox).
    let x = e.motor.actualizar_empresa(a.empresa, a.autor(), c).await?;
    Ok(Exito::ok(empresa_visible(&x)).con_mensaje("configuración guardada"))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct LimiteTrabajos {
    /// How many runs, 1 to 100 (50 when absent).
    limite: Option<u32>,
}

/// The company's background job runs, the latest due first: what is scheduled next, what ran
/// and what it did, what failed and why (the quotation expiry, the stock and quotation warnings).
#[utoipa::path(
    get,
    path = "/empresa/trabajos/",
    tag = "empresa",
    params(LimiteTrabajos),
    responses(Respuestas),
    security(("jwt" = ["empresa.configurar"]))
)]
pub async fn trabajos(State(e): E, a: Acceso, Consulta(l): Consulta<LimiteTrabajos>) -> Resultado {
    a.exigir("empresa.configurar")?;
    let limite = l.limite.unwrap_or(50);
    if !(1..=100).contains(&limite) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "limite",
            format!("limite {limite} fuera de rango: de 1 a 100"),
        )
        .into());
    }
    Ok(Exito::ok(e.motor.trabajos(a.empresa, limite).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentoAValidar {
    tipo: TipoDocumentoIdentidad,
    numero: String,
}

/// Checks an identity document by the rules of the company's country (check digits, lengths,
/// province codes): what a customer form asks before saving.
#[utoipa::path(
    post,
    path = "/validar-documento/",
    tag = "empresa",
    request_body = DocumentoAValidar,
    responses(Respuestas),
    security(("jwt" = []))
)]
pub async fn validar_documento(
    State(e): E,
    a: Acceso,
    Cuerpo(d): Cuerpo<DocumentoAValidar>,
) -> Resultado {
    let pais = e.motor.empresa(a.empresa).await?.pais;
    let doc = erp_core::validar_identidad(pais, d.tipo, &d.numero).map_err(|err| {
        // A type the country does not use stays on `tipo`; anything else is the number's.
        if err.campo() == Some("tipo") {
            err
        } else {
            err.con_campo("numero")
        }
    })?;
    Ok(Exito::ok(doc).con_mensaje("documento válido"))
}

// --- Users, roles, audit ------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/usuarios/",
    tag = "usuarios",
    params(FiltroTexto, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["usuarios.ver"]))
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
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

#[utoipa::path(
    post,
    path = "/usuarios/",
    tag = "usuarios",
    request_body = UsuarioNuevo,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["usuarios.crear"]))
)]
pub async fn crear_usuario(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<UsuarioNuevo>) -> Resultado {
    a.exigir("usuarios.crear")?;
    let u = e
        .motor
        .crear_usuario(
            a.empresa,
            a.autor(),
            NuevoUsuario {
                email: n.email,
                nombre: n.nombre,
                apellido: n.apellido,
                rol: n.rol,
                clave_hash: hash_de_clave_nueva(n.password).await?,
            },
        )
        .await?;
    Ok(Exito::creado(u, "usuario creado"))
}

#[utoipa::path(
    get,
    path = "/usuarios/{id}/",
    tag = "usuarios",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["usuarios.ver"]))
)]
pub async fn usuario(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("usuarios.ver")?;
    Ok(Exito::ok(e.motor.usuario(a.empresa, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
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

#[utoipa::path(
    patch,
    path = "/usuarios/{id}/",
    tag = "usuarios",
    params(Id),
    request_body = UsuarioCambios,
    responses(Respuestas),
    security(("jwt" = ["usuarios.editar"]))
)]
pub async fn actualizar_usuario(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(c): Cuerpo<UsuarioCambios>,
) -> Resultado {
    a.exigir("usuarios.editar")?;
    let clave_hash = match c.password {
        Some(p) => Some(hash_de_clave_nueva(p).await?),
        None => None,
    };
    let u = e
        .motor
        .actualizar_usuario(
            a.empresa,
            a.autor(),
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
    Ok(Exito::ok(u).con_mensaje("usuario actualizado"))
}

#[utoipa::path(
    delete,
    path = "/usuarios/{id}/",
    tag = "usuarios",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["usuarios.eliminar"]))
)]
pub async fn eliminar_usuario(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("usuarios.eliminar")?;
    e.motor.eliminar_usuario(a.empresa, a.autor(), id).await?;
    Ok(Exito::ok(serde_json::Value::Null)
        .con_mensaje("usuario eliminado; sus sesiones se cerraron"))
}

#[utoipa::path(
    get,
    path = "/usuarios/permisos/",
    tag = "usuarios",
    responses(Respuestas),
    security(("jwt" = ["roles.ver"]))
)]
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

#[utoipa::path(
    get,
    path = "/roles/",
    tag = "usuarios",
    responses(Respuestas),
    security(("jwt" = ["roles.ver"]))
)]
pub async fn roles(State(e): E, a: Acceso) -> Resultado {
    a.exigir("roles.ver")?;
    Ok(Exito::ok(e.motor.roles(a.empresa).await?))
}

#[utoipa::path(
    post,
    path = "/roles/",
    tag = "usuarios",
    request_body = NuevoRol,
    responses(RespuestasDeCreacion),
    security(("jwt" = ["roles.gestionar"]))
)]
pub async fn crear_rol(State(e): E, a: Acceso, Cuerpo(n): Cuerpo<NuevoRol>) -> Resultado {
    a.exigir("roles.gestionar")?;
    let r = e.motor.crear_rol(a.empresa, a.autor(), n).await?;
    Ok(Exito::creado(r, "rol creado"))
}

#[utoipa::path(
    get,
    path = "/roles/{id}/permisos/",
    tag = "usuarios",
    params(Id),
    responses(Respuestas),
    security(("jwt" = ["roles.ver"]))
)]
pub async fn permisos_de_rol(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    a.exigir("roles.ver")?;
    let r = e.motor.rol(a.empresa, id).await?;
    Ok(Exito::ok(json!({"rol": r.codigo, "permisos": r.permisos})))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroLog {
    usuario: Option<Uuid>,
    accion: Option<String>,
    modulo: Option<String>,
}

#[utoipa::path(
    get,
    path = "/usuarios/audit-logs/",
    tag = "usuarios",
    params(FiltroLog, Paginacion),
    responses(Respuestas),
    security(("jwt" = ["auditoria.ver"]))
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermisosDeRol {
    permisos: Vec<String>,
}

/// Replaces a custom role's permission set.
#[utoipa::path(
    post,
    path = "/usuarios/roles/{id}/permisos/",
    tag = "usuarios",
    params(Id),
    request_body = PermisosDeRol,
    responses(Respuestas),
    security(("jwt" = ["roles.gestionar"]))
)]
pub async fn asignar_permisos(
    State(e): E,
    a: Acceso,
    Id(id): Id,
    Cuerpo(p): Cuerpo<PermisosDeRol>,
) -> Resultado {
    a.exigir("roles.gestionar")?;
    let r = e
        .motor
        .asignar_permisos(a.empresa, a.autor(), id, p.permisos)
        .await?;
    Ok(Exito::ok(json!({"rol": r.codigo, "permisos": r.permisos}))
        .con_mensaje("permisos asignados"))
}

/// The same as `POST /usuarios/roles/{id}/permisos/`, at the path of the roles.
#[utoipa::path(
    put,
    path = "/roles/{id}/permisos/",
    tag = "usuarios",
    params(Id),
    request_body = PermisosDeRol,
    responses(Respuestas),
    security(("jwt" = ["roles.gestionar"]))
)]
pub async fn reemplazar_permisos(
    e: E,
    a: Acceso,
    id: Id,
    cuerpo: Cuerpo<PermisosDeRol>,
) -> Resultado {
    asignar_permisos(e, a, id, cuerpo).await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroNotificaciones {
    /// `false`: only the unread ones; `true`: only the read ones.
    leida: Option<bool>,
}

/// The caller's notifications (the bell), newest first: what the background jobs told them.
#[utoipa::path(
    get,
    path = "/usuarios/notificaciones/",
    tag = "usuarios",
    params(FiltroNotificaciones, Paginacion),
    responses(Respuestas),
    security(("jwt" = []))
)]
pub async fn notificaciones(
    State(e): E,
    a: Acceso,
    Consulta(f): Consulta<FiltroNotificaciones>,
    Consulta(p): Consulta<Paginacion>,
) -> Resultado {
    let p = p.validar()?;
    let (filas, total) = e
        .motor
        .notificaciones(a.empresa, a.usuario.id, f.leida, p.page, p.page_size)
        .await?;
    Ok(pagina(filas, total, &p))
}

#[utoipa::path(
    post,
    path = "/usuarios/notificaciones/{id}/leer/",
    tag = "usuarios",
    params(Id),
    responses(Respuestas),
    security(("jwt" = []))
)]
pub async fn leer_notificacion(State(e): E, a: Acceso, Id(id): Id) -> Resultado {
    e.motor
        .leer_notificaciones(a.empresa, a.usuario.id, Some(id))
        .await?;
    Ok(Exito::ok(json!({"id": id, "leida": true})).con_mensaje("notificación leída"))
}

#[utoipa::path(
    post,
    path = "/usuarios/notificaciones/leer-todas/",
    tag = "usuarios",
    responses(Respuestas),
    security(("jwt" = []))
)]
pub async fn leer_notificaciones(State(e): E, a: Acceso) -> Resultado {
    let n = e
        .motor
        .leer_notificaciones(a.empresa, a.usuario.id, None)
        .await?;
    Ok(Exito::ok(json!({"leidas": n})).con_mensaje("notificaciones leídas"))
}
