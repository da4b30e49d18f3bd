//! Authentication (seed 000 process 2): argon2 password hashes, HS256 JWTs (access 60 min,
//! refresh 7 days with rotation; the refresh token's `jti` is the engine's session), the
//! `Acceso` extractor every protected route takes, and the auth endpoints.
//!
//! Only HS256 is accepted: a token with `alg: none` or any other algorithm, a forged signature,
//! an expired one, or a refresh token used as an access token is refused with 401.

use std::net::SocketAddr;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use erp_core::seguridad::servicio::{credenciales_invalidas, normalizar_email};
use erp_core::seguridad::{Autor, Plan, Rol, Usuario};
use erp_core::{Codigo, Error, Store};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use super::Estado;
use super::respuesta::{Cuerpo, ErrorApi, Exito, Respuestas, Resultado};

pub const VIDA_ACCESO: Duration = Duration::minutes(60);
pub const VIDA_REFRESCO: Duration = Duration::days(7);

/// The signing keys (one HS256 secret).
pub struct Claves {
    codificar: EncodingKey,
    decodificar: DecodingKey,
}

impl Claves {
    pub fn new(secreto: &[u8]) -> Self {
        Self {
            codificar: EncodingKey::from_secret(secreto),
            decodificar: DecodingKey::from_secret(secreto),
        }
    }

    /// A random secret: tokens do not survive a restart (the demo's choice).
    pub fn aleatorias() -> Self {
        let mut s = [0u8; 32];
        OsRng.fill_bytes(&mut s);
        Self::new(&s)
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Reclamos {
    /// The user.
    pub sub: Uuid,
    /// The company.
    pub emp: Uuid,
    /// The token's id; for a refresh token, the engine's session.
    pub jti: Uuid,
    /// `access` or `refresh`.
    pub typ: String,
    /// For an access token, the session it was issued for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    pub iat: i64,
    pub exp: i64,
}

fn firmar(claves: &Claves, r: &Reclamos) -> Result<String, ErrorApi> {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), r, &claves.codificar)
        .map_err(|e| ErrorApi::interno("firma JWT", e))
}

/// Reads a token of the given kind: signature, algorithm, expiry and kind checked.
pub fn leer_token(claves: &Claves, token: &str, tipo: &str) -> Result<Reclamos, ErrorApi> {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    v.set_required_spec_claims(&["exp", "sub", "iat"]);
    let datos = jsonwebtoken::decode::<Reclamos>(token, &claves.decodificar, &v).map_err(|_| {
        ErrorApi::no_autenticado("token inválido o expirado: inicie sesión de nuevo")
    })?;
    if datos.claims.typ != tipo {
        return Err(ErrorApi::no_autenticado(format!(
            "se esperaba un token de tipo {tipo}"
        )));
    }
    Ok(datos.claims)
}

/// The hash of a password a person chose: checked against the password rules first.
pub async fn hash_de_clave_nueva(clave: String) -> Result<String, ErrorApi> {
    erp_core::seguridad::servicio::validar_clave(&clave)?;
    hashear(clave).await
}

/// Hashes a password (argon2id, random salt), off the async threads.
pub async fn hashear(clave: String) -> Result<String, ErrorApi> {
    tokio::task::spawn_blocking(move || {
        let sal = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(clave.as_bytes(), &sal)
            .map(|h| h.to_string())
            .map_err(|e| ErrorApi::interno("argon2", e))
    })
    .await
    .map_err(|e| ErrorApi::interno("argon2", e))?
}

/// Checks a password against a stored hash, off the async threads.
async fn verificar(clave: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(clave.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// The caller of a protected route: a live, active user of the token's company, and the role.
pub struct Acceso {
    pub empresa: Uuid,
    pub usuario: Usuario,
    pub rol: Rol,
    /// The company's plan: the modules it may use.
    pub plan: Plan,
    pub ip: String,
}

impl Acceso {
    /// Refuses with 403 unless the role allows `permiso`.
    pub fn exigir(&self, permiso: &str) -> Result<(), ErrorApi> {
        // The plan first: no role can be given a module the company has not contracted.
        self.plan.exigir_modulo(permiso)?;
        if self.rol.permite(permiso) {
            return Ok(());
        }
        tracing::warn!(usuario = %self.usuario.id, permiso, "permiso denegado");
        Err(ErrorApi::Motor(Error::conflicto(
            Codigo::PermisoInsuficiente,
            None,
            format!(
                "su rol ({}) no tiene el permiso {permiso}: pídalo a un administrador",
                self.rol.nombre
            ),
        )))
    }

    /// Refuses with 403 unless the role allows one of `permisos` (the message names them all).
    pub fn exigir_alguno(&self, permisos: &[&str]) -> Result<(), ErrorApi> {
        match permisos {
            _ if permisos.iter().any(|p| self.permite(p)) => Ok(()),
            [primero, ..] if !permisos.iter().any(|p| self.plan.habilita(p)) => {
                self.plan.exigir_modulo(primero).map_err(ErrorApi::Motor)
            }
            _ => {
                tracing::warn!(usuario = %self.usuario.id, ?permisos, "permiso denegado");
                Err(ErrorApi::Motor(Error::conflicto(
                    Codigo::PermisoInsuficiente,
                    None,
                    format!(
                        "su rol ({}) no tiene ninguno de los permisos {}: pídalo a un administrador",
                        self.rol.nombre,
                        permisos.join(", ")
                    ),
                )))
            }
        }
    }

    /// Whether the caller sees the cost side of inventory (costs, valuation, margins).
    pub fn ve_costos(&self) -> bool {
        self.permite("inventario.ver_costos")
    }

    /// Whether the company's plan includes `permiso` and the role allows it.
    pub fn permite(&self, permiso: &str) -> bool {
        self.plan.habilita(permiso) && self.rol.permite(permiso)
    }

    /// The caller as the audit log records the acts it asks for: the user and the client's address.
    pub fn autor(&self) -> Autor {
        Autor::new(Some(self.usuario.id), self.ip.clone())
    }
}

fn bearer(h: &HeaderMap) -> Option<&str> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (esquema, token) = v.split_once(' ')?;
    esquema.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn ip_de(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

impl FromRequestParts<Arc<Estado>> for Acceso {
    type Rejection = ErrorApi;

    async fn from_request_parts(parts: &mut Parts, e: &Arc<Estado>) -> Result<Self, ErrorApi> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ErrorApi::no_autenticado("falta el token: envíe Authorization: Bearer <access>")
        })?;
        let r = leer_token(&e.claves, token, "access")?;
        let c = e
            .motor
            .acceso(r.emp, r.sub, r.sid)
            .await
            .map_err(|err| match err {
                Error::Almacenamiento { .. } => ErrorApi::Motor(err),
                _ => ErrorApi::no_autenticado("la sesión ya no es válida: inicie sesión de nuevo"),
            })?;
        Ok(Self {
            empresa: r.emp,
            usuario: c.usuario,
            rol: c.rol,
            plan: c.plan,
            ip: ip_de(parts),
        })
    }
}

/// The caller's address and user agent, for sessions and the audit log.
pub struct Origen {
    pub ip: String,
    pub agente: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Origen {
    type Rejection = ErrorApi;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ErrorApi> {
        Ok(Self {
            ip: ip_de(parts),
            agente: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect(),
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
    /// SaaS mode: the company's subdomain, when the Host header does not carry it.
    #[serde(default)]
    subdominio: Option<String>,
}

/// The company a login is for: by subdomain (body or Host), or the only one the email has.
async fn empresa_de_login(
    e: &Estado,
    email: &str,
    subdominio: Option<String>,
    h: &HeaderMap,
) -> Result<Option<Uuid>, ErrorApi> {
    let candidatas = e.motor.empresas_de_email(email).await?;
    // `tienda.erp.pe` names `tienda`; an address or `localhost` names nothing, and a host whose
    // first label is no company's (a single company at its own domain) names nothing either.
    let del_host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|host| host.split(':').next())
        .and_then(|host| host.split_once('.'))
        .filter(|(primero, resto)| {
            resto.contains('.') && !primero.chars().all(|c| c.is_ascii_digit())
        })
        .map(|(primero, _)| primero.to_lowercase());
    // A subdomain given in the body names one company: an unknown one names none.
    if let Some(sub) = subdominio {
        let id = e
            .motor
            .store()
            .empresa_por_subdominio(&sub.trim().to_lowercase())
            .await?;
        return Ok(id.filter(|id| candidatas.contains(id)));
    }
    if let Some(sub) = del_host
        && let Some(id) = e.motor.store().empresa_por_subdominio(&sub).await?
    {
        return Ok(candidatas.contains(&id).then_some(id));
    }
    // Several companies and no subdomain: the same answer as a wrong password, whose message
    // says to give the subdomain (it must not tell that this email exists).
    match candidatas.as_slice() {
        [una] => Ok(Some(*una)),
        _ => Ok(None),
    }
}

#[utoipa::path(
    post,
    path = "/auth/login/",
    tag = "auth",
    request_body = Login,
    responses(Respuestas),
    security(())
)]
pub async fn login(
    State(e): State<Arc<Estado>>,
    origen: Origen,
    h: HeaderMap,
    Cuerpo(l): Cuerpo<Login>,
) -> Resultado {
    let email = normalizar_email(&l.email)?;
    let Some(empresa) = empresa_de_login(&e, &email, l.subdominio, &h).await? else {
        verificar(l.password, e.senuelo.clone()).await;
        return Err(credenciales_invalidas().into());
    };
    let Some(u) = e.motor.usuario_por_email(empresa, &email).await? else {
        verificar(l.password, e.senuelo.clone()).await;
        return Err(credenciales_invalidas().into());
    };
    // The password first, always: a locked or inactive account answers only after the same
    // work, and says it is locked only to who knows the password (`registrar_login`).
    let correcto = verificar(l.password, u.clave_hash.clone()).await;
    let sesion = e
        .motor
        .registrar_login(
            empresa,
            u.id,
            correcto,
            VIDA_REFRESCO,
            (&origen.ip, &origen.agente),
        )
        .await?;
    let Some(sesion) = sesion else {
        return Err(credenciales_invalidas().into());
    };
    let tokens = emitir(&e, empresa, u.id, sesion.id)?;
    let c = e.motor.acceso(empresa, u.id, Some(sesion.id)).await?;
    let mut data = tokens;
    data["usuario"] = perfil(&e, empresa, &c.usuario, &c.rol).await?;
    Ok(Exito::ok(data).con_mensaje("sesión iniciada"))
}

/// A new token pair for a session.
fn emitir(
    e: &Estado,
    empresa: Uuid,
    usuario: Uuid,
    sesion: Uuid,
) -> Result<serde_json::Value, ErrorApi> {
    let ahora = time::OffsetDateTime::now_utc().unix_timestamp();
    let acceso = firmar(
        &e.claves,
        &Reclamos {
            sub: usuario,
            emp: empresa,
            jti: Uuid::now_v7(),
            typ: "access".into(),
            sid: Some(sesion),
            iat: ahora,
            exp: ahora + VIDA_ACCESO.whole_seconds(),
        },
    )?;
    let refresco = firmar(
        &e.claves,
        &Reclamos {
            sub: usuario,
            emp: empresa,
            jti: sesion,
            typ: "refresh".into(),
            sid: None,
            iat: ahora,
            exp: ahora + VIDA_REFRESCO.whole_seconds(),
        },
    )?;
    // Both spellings: the contract's acceptance check says `access_token`, the Django library
    // its frontend was written against answers `access`.
    Ok(json!({
        "access": acceso,
        "refresh": refresco,
        "access_token": acceso,
        "refresh_token": refresco,
        "token_type": "Bearer",
        "expires_in": VIDA_ACCESO.whole_seconds(),
    }))
}

/// `me`: the user, the role and its permissions, the company.
async fn perfil(
    e: &Estado,
    empresa: Uuid,
    u: &Usuario,
    rol: &Rol,
) -> Result<serde_json::Value, ErrorApi> {
    let emp = e.motor.empresa(empresa).await?;
    // What the user can do: the role's permissions within the modules of the company's plan.
    let permisos: Vec<_> = rol
        .permisos_efectivos()
        .into_iter()
        .filter(|p| emp.plan.habilita(p))
        .collect();
    Ok(json!({
        "id": u.id,
        "email": u.email,
        "nombre": u.nombre,
        "apellido": u.apellido,
        "rol": {"id": rol.id, "codigo": rol.codigo, "nombre": rol.nombre},
        "permisos": permisos,
        "empresa": {
            "id": emp.id,
            "pais": emp.pais,
            "ruc": emp.identificacion,
            "razon_social": emp.razon_social,
            "nombre_comercial": emp.nombre_comercial,
            "plan": emp.plan,
        },
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refresco {
    refresh: String,
}

#[utoipa::path(
    post,
    path = "/auth/refresh/",
    tag = "auth",
    request_body = Refresco,
    responses(Respuestas),
    security(())
)]
pub async fn refrescar(
    State(e): State<Arc<Estado>>,
    origen: Origen,
    Cuerpo(r): Cuerpo<Refresco>,
) -> Resultado {
    let t = leer_token(&e.claves, &r.refresh, "refresh")?;
    let (u, sesion) = e
        .motor
        .refrescar_sesion(t.emp, t.jti, VIDA_REFRESCO, (&origen.ip, &origen.agente))
        .await?;
    Ok(Exito::ok(emitir(&e, t.emp, u.id, sesion.id)?))
}

/// Logout takes the refresh token alone: a client whose access token expired can still end its
/// session. The access tokens of that session stop with it.
#[utoipa::path(
    post,
    path = "/auth/logout/",
    tag = "auth",
    request_body = Refresco,
    responses(Respuestas),
    security(())
)]
pub async fn logout(
    State(e): State<Arc<Estado>>,
    origen: Origen,
    Cuerpo(r): Cuerpo<Refresco>,
) -> Resultado {
    let t = leer_token(&e.claves, &r.refresh, "refresh")?;
    e.motor
        .cerrar_sesion(t.emp, t.sub, t.jti, &origen.ip)
        .await?;
    Ok(Exito::ok(serde_json::Value::Null).con_mensaje("sesión cerrada"))
}

#[utoipa::path(
    get,
    path = "/auth/me/",
    tag = "auth",
    responses(Respuestas),
    security(("jwt" = []))
)]
pub async fn me(State(e): State<Arc<Estado>>, acceso: Acceso) -> Resultado {
    Ok(Exito::ok(
        perfil(&e, acceso.empresa, &acceso.usuario, &acceso.rol).await?,
    ))
}
