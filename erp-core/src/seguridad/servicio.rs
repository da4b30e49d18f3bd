//! The security flows over one unit of work: seeding the roles, users, login attempts and
//! lockout, sessions (refresh tokens) with rotation, custom roles, the audit log.

use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{EventoAuditoria, PERMISOS, ROLES_BASE, Rol, Sesion, Usuario, permiso_existe};
use crate::empresa::{texto_opcional, texto_requerido};
use crate::entrada::truncar;
use crate::error::{Codigo, Error, Result};
use crate::inventario::servicio::Contexto;
use crate::store::Uow;

/// Failed logins in a row that lock an account, and for how long.
pub const MAX_INTENTOS: i32 = 5;
pub const BLOQUEO: Duration = Duration::minutes(15);

/// Creates the seeded roles that are missing and brings the existing ones to the current
/// catalogue. Safe to run again: it is what `erp seed-permisos` does.
pub async fn seed_permisos<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<Vec<Rol>> {
    let mut out = Vec::with_capacity(ROLES_BASE.len());
    for (codigo, nombre, permisos) in ROLES_BASE {
        let permisos: Vec<String> = if permisos.contains(&"*") {
            PERMISOS.iter().map(|(c, _)| (*c).to_string()).collect()
        } else {
            permisos.iter().map(|c| (*c).to_string()).collect()
        };
        let rol = match uow.rol_por_codigo(codigo).await? {
            Some(mut r) => {
                r.nombre = (*nombre).to_string();
                r.permisos = permisos;
                r.de_sistema = true;
                r.activo = true;
                r
            }
            None => Rol {
                id: ctx.ids.nuevo(),
                codigo: (*codigo).to_string(),
                nombre: (*nombre).to_string(),
                descripcion: String::new(),
                permisos,
                de_sistema: true,
                activo: true,
            },
        };
        uow.guardar_rol(&rol).await?;
        out.push(rol);
    }
    Ok(out)
}

/// A password as the user typed it: checked before the server hashes it.
pub fn validar_clave(clave: &str) -> Result<()> {
    let n = clave.chars().count();
    if !(8..=128).contains(&n) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "password",
            "la contraseña tiene de 8 a 128 caracteres",
        ));
    }
    if clave.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "password",
            "la contraseña no puede ser solo números",
        ));
    }
    Ok(())
}

/// An email as a login: trimmed and lower-case.
pub fn normalizar_email(email: &str) -> Result<String> {
    let e = crate::terceros::validar_email(&email.trim().to_lowercase())?;
    if e.is_empty() {
        return Err(Error::validacion(
            Codigo::CampoRequerido,
            "email",
            "indique el correo electrónico",
        ));
    }
    Ok(e)
}

/// A user to create. The password arrives hashed (the server hashes it).
#[derive(Debug, Clone)]
pub struct NuevoUsuario {
    pub email: String,
    pub nombre: String,
    pub apellido: String,
    /// The role's code (`vendedor`) or id.
    pub rol: String,
    pub clave_hash: String,
}

async fn rol_de<U: Uow>(uow: &mut U, rol: &str) -> Result<Rol> {
    let encontrado = match Uuid::parse_str(rol.trim()) {
        Ok(id) => uow.rol(id).await?,
        Err(_) => uow.rol_por_codigo(rol.trim()).await?,
    };
    match encontrado {
        Some(r) if r.activo => Ok(r),
        _ => Err(Error::validacion(
            Codigo::NoEncontrado,
            "rol",
            format!(
                "el rol '{}' no existe en esta empresa",
                crate::entrada::recortar(rol)
            ),
        )),
    }
}

/// The role of the user acting (`ctx.usuario_id`) when it limits what they may do to users and
/// roles: `None` for the system (setup commands) and for an administrator. An acting user or role
/// that cannot be found limits everything (it never counts as the system).
async fn autor_limitado<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<Option<Rol>> {
    let Some(id) = ctx.usuario_id else {
        return Ok(None);
    };
    let sin_autor = || prohibido("su usuario ya no existe en esta empresa".into());
    let u = uow.usuario(id).await?.ok_or_else(sin_autor)?;
    let rol = uow.rol(u.rol_id).await?.ok_or_else(sin_autor)?;
    Ok((rol.codigo != "admin").then_some(rol))
}

fn prohibido(m: String) -> Error {
    Error::conflicto(Codigo::PermisoInsuficiente, None, m)
}

/// Who manages users hands out no more than they have: a role to assign allows nothing the
/// actor's role does not (and `admin`, which allows everything, only an administrator assigns).
fn autorizar_rol(autor: Option<&Rol>, rol: &Rol) -> Result<()> {
    match autor {
        Some(a) if rol.codigo == "admin" || rol.permisos.iter().any(|p| !a.permite(p)) => {
            Err(prohibido(format!(
                "no puede asignar el rol {}: tiene permisos que su rol no tiene",
                rol.codigo
            )))
        }
        _ => Ok(()),
    }
}

/// The same rule for the permissions of a role being created or edited: who manages roles puts
/// in a role only what their own role allows (else they could grant it to themselves).
fn autorizar_permisos(autor: Option<&Rol>, permisos: &[String]) -> Result<()> {
    match autor.and_then(|a| permisos.iter().find(|p| !a.permite(p))) {
        Some(p) => Err(prohibido(format!(
            "no puede dar el permiso {p}: su rol no lo tiene"
        ))),
        None => Ok(()),
    }
}

/// Only an administrator changes an administrator.
async fn autorizar_objetivo<U: Uow>(uow: &mut U, autor: Option<&Rol>, u: &Usuario) -> Result<()> {
    if autor.is_some()
        && uow
            .rol(u.rol_id)
            .await?
            .is_some_and(|r| r.codigo == "admin")
    {
        return Err(prohibido(
            "solo un administrador modifica a un administrador".into(),
        ));
    }
    Ok(())
}

pub async fn crear_usuario<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevoUsuario,
) -> Result<Usuario> {
    let email = normalizar_email(&n.email)?;
    let nombre = texto_requerido("nombre", &n.nombre, 150)?;
    let apellido = texto_opcional("apellido", &n.apellido, 150)?;
    let rol = rol_de(uow, &n.rol).await?;
    autorizar_rol(autor_limitado(uow, ctx).await?.as_ref(), &rol)?;
    if let Some(u) = uow.usuario_por_email(&email).await?
        && u.eliminado_en.is_none()
    {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some("email"),
            format!("ya existe un usuario con el correo {email}"),
        ));
    }
    admitir_usuario(uow).await?;
    let u = Usuario {
        id: ctx.ids.nuevo(),
        email,
        nombre,
        apellido,
        clave_hash: n.clave_hash,
        rol_id: rol.id,
        activo: true,
        intentos_fallidos: 0,
        bloqueado_hasta: None,
        ultimo_acceso: None,
        eliminado_en: None,
        creado_en: ctx.reloj.ahora(),
    };
    uow.guardar_usuario(&u).await?;
    Ok(u)
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosUsuario {
    pub nombre: Option<String>,
    pub apellido: Option<String>,
    pub rol: Option<String>,
    pub activo: Option<bool>,
    /// Set by the server from a new password, never read from a request.
    #[serde(skip)]
    pub clave_hash: Option<String>,
}

pub async fn actualizar_usuario<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    c: CambiosUsuario,
) -> Result<Usuario> {
    let mut u = usuario_vigente(uow, id).await?;
    let autor = autor_limitado(uow, ctx).await?;
    autorizar_objetivo(uow, autor.as_ref(), &u).await?;
    let rol = match &c.rol {
        Some(r) => {
            let rol = rol_de(uow, r).await?;
            autorizar_rol(autor.as_ref(), &rol)?;
            Some(rol)
        }
        None => None,
    };
    if c.clave_hash.is_some() && ctx.usuario_id != Some(id) && autor.is_some() {
        return Err(prohibido(
            "solo un administrador cambia la contraseña de otro usuario".into(),
        ));
    }
    if ctx.usuario_id == Some(id) && (c.activo == Some(false) || c.rol.is_some()) {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            "un usuario no puede desactivarse ni cambiar su propio rol: pídalo a otro administrador",
        ));
    }
    if let Some(n) = &c.nombre {
        u.nombre = texto_requerido("nombre", n, 150)?;
    }
    if let Some(a) = &c.apellido {
        u.apellido = texto_opcional("apellido", a, 150)?;
    }
    if let Some(r) = rol {
        u.rol_id = r.id;
    }
    if let Some(h) = c.clave_hash {
        u.clave_hash = h;
        // A new password ends every session opened with the old one.
        uow.revocar_sesiones(u.id, ctx.reloj.ahora()).await?;
    }
    if let Some(a) = c.activo {
        if a && !u.activo {
            admitir_usuario(uow).await?;
        }
        if !a && u.activo {
            uow.revocar_sesiones(u.id, ctx.reloj.ahora()).await?;
        }
        u.activo = a;
        if a {
            u.intentos_fallidos = 0;
            u.bloqueado_hasta = None;
        }
    }
    uow.guardar_usuario(&u).await?;
    Ok(u)
}

/// Refuses one more active user beyond the company's plan. The company's row stays locked to
/// the end of the unit of work, so two admins adding the last seat at once do not both get it.
async fn admitir_usuario<U: Uow>(uow: &mut U) -> Result<()> {
    let plan = uow.empresa().await?.plan;
    if plan.max_usuarios.is_none() {
        return Ok(());
    }
    uow.bloquear_empresa().await?;
    let activos = uow.contar_usuarios_activos().await?;
    plan.admitir_usuario(activos)
}

/// Soft delete: the user can no longer log in and every session ends.
pub async fn eliminar_usuario<U: Uow>(uow: &mut U, ctx: &Contexto<'_>, id: Uuid) -> Result<()> {
    let mut u = usuario_vigente(uow, id).await?;
    let autor = autor_limitado(uow, ctx).await?;
    autorizar_objetivo(uow, autor.as_ref(), &u).await?;
    if ctx.usuario_id == Some(id) {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            "un usuario no puede eliminarse a sí mismo",
        ));
    }
    let ahora = ctx.reloj.ahora();
    u.activo = false;
    u.eliminado_en = Some(ahora);
    uow.revocar_sesiones(u.id, ahora).await?;
    uow.guardar_usuario(&u).await
}

/// A user that exists and is not deleted.
pub async fn usuario_vigente<U: Uow>(uow: &mut U, id: Uuid) -> Result<Usuario> {
    match uow.usuario(id).await? {
        Some(u) if u.eliminado_en.is_none() => Ok(u),
        _ => Err(Error::no_existe("usuario", id)),
    }
}

/// The one answer to bad credentials, whatever was wrong: it must not tell which emails exist.
pub fn credenciales_invalidas() -> Error {
    Error::conflicto(
        Codigo::AuthFailed,
        None,
        "correo o contraseña incorrectos (si su correo está en varias empresas, indique el subdominio de la suya)",
    )
}

/// Whether the user may log in now (active, not locked).
pub fn puede_ingresar(u: &Usuario, ahora: OffsetDateTime) -> Result<()> {
    if !u.vigente() {
        return Err(credenciales_invalidas());
    }
    if let Some(hasta) = u.bloqueado_hasta
        && hasta > ahora
    {
        let minutos = ((hasta - ahora).whole_seconds() + 59) / 60;
        return Err(Error::conflicto(
            Codigo::CuentaBloqueada,
            None,
            format!(
                "la cuenta está bloqueada por {MAX_INTENTOS} intentos fallidos: intente de nuevo en {minutos} minuto(s) o pida a un administrador que la desbloquee"
            ),
        ));
    }
    Ok(())
}

/// Records a login attempt: a failure counts towards the lockout, a success resets it.
pub async fn registrar_intento<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    mut u: Usuario,
    correcto: bool,
) -> Result<Usuario> {
    let ahora = ctx.reloj.ahora();
    if correcto {
        u.intentos_fallidos = 0;
        u.bloqueado_hasta = None;
        u.ultimo_acceso = Some(ahora);
    } else {
        u.intentos_fallidos += 1;
        if u.intentos_fallidos >= MAX_INTENTOS {
            u.intentos_fallidos = 0;
            u.bloqueado_hasta = Some(ahora + BLOQUEO);
        }
    }
    uow.guardar_usuario(&u).await?;
    Ok(u)
}

/// Opens a session for a refresh token that lives `vida`.
pub async fn abrir_sesion<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    usuario_id: Uuid,
    vida: Duration,
    (ip, agente): (&str, &str),
) -> Result<Sesion> {
    let ahora = ctx.reloj.ahora();
    let s = Sesion {
        id: ctx.ids.nuevo(),
        usuario_id,
        ip: truncar(ip, 45),
        agente: truncar(agente, 300),
        creada_en: ahora,
        expira_en: ahora + vida,
        revocada_en: None,
        reemplazada_por: None,
    };
    uow.guardar_sesion(&s).await?;
    Ok(s)
}

/// Ends a session and opens its successor (refresh with rotation). A refresh token used twice
/// means it was stolen or replayed: every session of the user ends. `None` is a refusal whose
/// effects (those revocations) must still be committed; the caller answers `sesion_invalida`.
pub async fn rotar_sesion<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    vida: Duration,
    origen: (&str, &str),
) -> Result<Option<(Usuario, Sesion)>> {
    let ahora = ctx.reloj.ahora();
    let Some(mut vieja) = uow.sesion_bloqueada(id).await? else {
        return Ok(None);
    };
    if vieja.revocada_en.is_some() {
        if vieja.reemplazada_por.is_some() {
            uow.revocar_sesiones(vieja.usuario_id, ahora).await?;
        }
        return Ok(None);
    }
    if vieja.expira_en <= ahora {
        return Ok(None);
    }
    let u = match uow.usuario(vieja.usuario_id).await? {
        Some(u) if u.vigente() => u,
        _ => return Ok(None),
    };
    if !uow.empresa().await?.activa {
        return Ok(None);
    }
    let nueva = abrir_sesion(uow, ctx, u.id, vida, origen).await?;
    vieja.revocada_en = Some(ahora);
    vieja.reemplazada_por = Some(nueva.id);
    uow.guardar_sesion(&vieja).await?;
    Ok(Some((u, nueva)))
}

/// Ends a session (logout). Ending an ended one is not an error.
pub async fn cerrar_sesion<U: Uow>(uow: &mut U, ctx: &Contexto<'_>, id: Uuid) -> Result<()> {
    if let Some(mut s) = uow.sesion_bloqueada(id).await?
        && s.revocada_en.is_none()
    {
        s.revocada_en = Some(ctx.reloj.ahora());
        uow.guardar_sesion(&s).await?;
    }
    Ok(())
}

pub fn sesion_invalida() -> Error {
    Error::conflicto(
        Codigo::AuthFailed,
        None,
        "la sesión expiró o fue cerrada: inicie sesión de nuevo",
    )
}

/// A custom role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoRol {
    pub codigo: String,
    pub nombre: String,
    #[serde(default)]
    pub descripcion: String,
    #[serde(default)]
    pub permisos: Vec<String>,
}

pub async fn crear_rol<U: Uow>(uow: &mut U, ctx: &Contexto<'_>, n: NuevoRol) -> Result<Rol> {
    let codigo = texto_requerido("codigo", &n.codigo, 30)?.to_lowercase();
    if !codigo
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "codigo",
            "el código del rol lleva solo letras minúsculas, dígitos y '_'",
        ));
    }
    if uow.rol_por_codigo(&codigo).await?.is_some() {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some("codigo"),
            format!("ya existe un rol con el código {codigo}"),
        ));
    }
    let permisos = validar_permisos(&n.permisos)?;
    autorizar_permisos(autor_limitado(uow, ctx).await?.as_ref(), &permisos)?;
    let rol = Rol {
        id: ctx.ids.nuevo(),
        codigo,
        nombre: texto_requerido("nombre", &n.nombre, 100)?,
        descripcion: texto_opcional("descripcion", &n.descripcion, 500)?,
        permisos,
        de_sistema: false,
        activo: true,
    };
    uow.guardar_rol(&rol).await?;
    Ok(rol)
}

/// Replaces a custom role's permissions. Seeded roles keep the engine's.
pub async fn asignar_permisos<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    permisos: &[String],
) -> Result<Rol> {
    let mut rol = uow
        .rol(id)
        .await?
        .ok_or_else(|| Error::no_existe("rol", id))?;
    if rol.de_sistema {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("permisos"),
            format!(
                "el rol {} es del sistema: sus permisos no se editan; cree un rol propio",
                rol.codigo
            ),
        ));
    }
    rol.permisos = validar_permisos(permisos)?;
    autorizar_permisos(autor_limitado(uow, ctx).await?.as_ref(), &rol.permisos)?;
    uow.guardar_rol(&rol).await?;
    Ok(rol)
}

fn validar_permisos(permisos: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(permisos.len());
    for (i, p) in permisos.iter().enumerate() {
        let p = p.trim();
        if !permiso_existe(p) {
            return Err(Error::validacion(
                Codigo::ValorNoPermitido,
                format!("permisos[{i}]"),
                format!(
                    "el permiso '{}' no existe (formato modulo.accion; vea /api/v1/usuarios/permisos/)",
                    crate::entrada::recortar(p)
                ),
            ));
        }
        if !out.iter().any(|x| x == p) {
            out.push(p.to_string());
        }
    }
    Ok(out)
}

/// Writes an entry of the audit log, by the context's user and from its address.
pub async fn auditar<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    accion: &str,
    modulo: &str,
    detalle: &str,
) -> Result<()> {
    uow.registrar_evento(&EventoAuditoria {
        id: ctx.ids.nuevo(),
        usuario_id: ctx.usuario_id,
        accion: truncar(accion, 50),
        modulo: truncar(modulo, 30),
        detalle: truncar(detalle, 2000),
        ip: truncar(ctx.ip, 45),
        creado_en: ctx.reloj.ahora(),
    })
    .await
}
