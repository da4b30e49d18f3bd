//! The envelope of seed 002 on every response, errors included:
//! `{success, data, mensaje, error, info}`, and on errors a stable `codigo` and per-field
//! `errores`. Engine errors map to HTTP statuses here and nowhere else; storage details go to the
//! logs, never into a response.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use erp_core::{Codigo, Error};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The envelope of every answer, as the OpenAPI document shows it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Sobre {
    success: bool,
    /// The answer: a record, a list, or a page `{results, count, page, page_size}`.
    data: Option<Value>,
    mensaje: Option<String>,
    /// What went wrong, for a person.
    error: Option<String>,
    info: Option<Value>,
    /// On errors: a stable code (`permiso_insuficiente`, `stock_insuficiente`…).
    codigo: Option<String>,
    /// On errors: the messages per field (`{"items[0].cantidad": ["…"]}`).
    errores: Option<Value>,
}

/// The answers of an operation that reads or changes, as the OpenAPI document lists them.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Respuestas {
    #[response(status = 200, description = "el sobre con `data`")]
    Ok(Sobre),
    #[response(
        status = "4XX",
        description = "error en el sobre: `codigo`, `error`, `errores`"
    )]
    Error(Sobre),
}

/// The answers of an operation that creates.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum RespuestasDeCreacion {
    #[response(status = 201, description = "el sobre con `data`: lo creado")]
    Creado(Sobre),
    #[response(
        status = "4XX",
        description = "error en el sobre: `codigo`, `error`, `errores`"
    )]
    Error(Sobre),
}

/// A successful answer. `data` is kept as its JSON text, serialized once instead of through a tree
/// of `serde_json::Value` copied at every layer (which was most of a listing's time, in the
/// allocator). Answers that hide fields by role (`rutas::inventario_visible`, `venta_visible`)
/// still build one tree to remove them.
pub struct Exito {
    pub estado: StatusCode,
    data: Vec<u8>,
    pub mensaje: Option<String>,
}

fn a_json(data: impl Serialize) -> Vec<u8> {
    serde_json::to_vec(&data).unwrap_or_else(|e| {
        tracing::error!(error = %e, "respuesta no serializable");
        b"null".to_vec()
    })
}

impl Exito {
    pub fn ok(data: impl Serialize) -> Self {
        Self {
            estado: StatusCode::OK,
            data: a_json(data),
            mensaje: None,
        }
    }

    pub fn creado(data: impl Serialize, mensaje: &str) -> Self {
        Self {
            estado: StatusCode::CREATED,
            data: a_json(data),
            mensaje: Some(mensaje.to_string()),
        }
    }

    pub fn con_mensaje(mut self, mensaje: &str) -> Self {
        self.mensaje = Some(mensaje.to_string());
        self
    }
}

impl IntoResponse for Exito {
    fn into_response(self) -> Response {
        let mensaje = a_json(&self.mensaje);
        let mut cuerpo = Vec::with_capacity(self.data.len() + mensaje.len() + 64);
        cuerpo.extend_from_slice(br#"{"success":true,"data":"#);
        cuerpo.extend_from_slice(&self.data);
        cuerpo.extend_from_slice(br#","mensaje":"#);
        cuerpo.extend_from_slice(&mensaje);
        cuerpo.extend_from_slice(br#","error":null,"info":null}"#);
        (
            self.estado,
            [(header::CONTENT_TYPE, "application/json")],
            cuerpo,
        )
            .into_response()
    }
}

#[derive(Serialize)]
struct Pagina<T> {
    results: T,
    count: u64,
    page: u32,
    page_size: u32,
}

/// A page of a list, as every list answers.
pub fn pagina(filas: impl Serialize, total: u64, p: &Paginacion) -> Exito {
    Exito::ok(Pagina {
        results: filas,
        count: total,
        page: p.page,
        page_size: p.page_size,
    })
}

/// `?page=&page_size=`: 20 by default, 100 at most.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct Paginacion {
    pub page: u32,
    pub page_size: u32,
}

impl Default for Paginacion {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: 20,
        }
    }
}

impl Paginacion {
    pub fn validar(self) -> Result<Self, ErrorApi> {
        if self.page == 0 {
            return Err(campo("page", "page empieza en 1"));
        }
        validar_tamanio(self.page_size)?;
        Ok(self)
    }
}

/// A page's size, 1 to 100 (the paged lists and the ledger's cursor pages).
pub fn validar_tamanio(page_size: u32) -> Result<u32, ErrorApi> {
    if !(1..=100).contains(&page_size) {
        return Err(campo("page_size", "page_size va de 1 a 100"));
    }
    Ok(page_size)
}

fn campo(c: &str, m: &str) -> ErrorApi {
    ErrorApi::Motor(Error::validacion(Codigo::ValorNoPermitido, c, m))
}

/// An error answer.
#[derive(Debug)]
pub enum ErrorApi {
    Motor(Error),
    /// A status the engine does not produce (404 of a route, 405, 413, 415), with its code.
    Http(StatusCode, &'static str, String),
}

/// The message a person reads (the command line prints it).
impl std::fmt::Display for ErrorApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Motor(e) => f.write_str(&e.mensaje()),
            Self::Http(_, _, m) => f.write_str(m),
        }
    }
}

impl From<Error> for ErrorApi {
    fn from(e: Error) -> Self {
        Self::Motor(e)
    }
}

impl ErrorApi {
    pub fn http(estado: StatusCode, codigo: &'static str, mensaje: impl Into<String>) -> Self {
        Self::Http(estado, codigo, mensaje.into())
    }

    /// A failure of the server itself (signing a token, hashing a password), not of the
    /// database: the detail goes to the log, the answer says nothing was done.
    pub fn interno(que: &str, detalle: impl std::fmt::Display) -> Self {
        tracing::error!(que, %detalle, "error interno");
        Self::http(
            StatusCode::INTERNAL_SERVER_ERROR,
            "error_interno",
            "error interno del servidor; no se hizo nada: reintente, y si persiste avise al administrador",
        )
    }

    pub fn no_autenticado(mensaje: impl Into<String>) -> Self {
        Self::Motor(Error::conflicto(Codigo::AuthFailed, None, mensaje))
    }
}

/// The HTTP status of an engine error.
pub fn estado_de(e: &Error) -> StatusCode {
    match e {
        Error::Validacion {
            codigo: Codigo::JsonInvalido,
            ..
        } => StatusCode::BAD_REQUEST,
        Error::Validacion { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::NoEncontrado { .. } => StatusCode::NOT_FOUND,
        Error::StockInsuficiente { .. } => StatusCode::CONFLICT,
        Error::Conflicto { codigo, .. } => match codigo {
            Codigo::AuthFailed => StatusCode::UNAUTHORIZED,
            Codigo::PermisoInsuficiente
            | Codigo::ModuloNoHabilitado
            | Codigo::LimiteUsuarios
            | Codigo::LimiteTransacciones => StatusCode::FORBIDDEN,
            Codigo::CuentaBloqueada => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::CONFLICT,
        },
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ErrorApi {
    fn into_response(self) -> Response {
        let (estado, codigo, mensaje, errores) = match &self {
            Self::Motor(e) => {
                let estado = estado_de(e);
                if let Error::Almacenamiento { detalle, .. } = e {
                    tracing::error!(codigo = e.codigo(), detalle = %detalle, "error de almacenamiento");
                } else if estado.is_server_error() {
                    tracing::error!(codigo = e.codigo(), error = %e, "error interno");
                }
                let errores = match e.campo() {
                    Some(c) => json!({ c: [e.mensaje()] }),
                    None => json!({}),
                };
                (estado, e.codigo(), e.mensaje().into_owned(), errores)
            }
            Self::Http(estado, codigo, mensaje) => (*estado, *codigo, mensaje.clone(), json!({})),
        };
        let mut r = (
            estado,
            Json(json!({
                "success": false,
                "data": null,
                "mensaje": null,
                "error": mensaje,
                "info": null,
                "codigo": codigo,
                "errores": errores,
            })),
        )
            .into_response();
        if estado == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}

pub type Resultado = Result<Exito, ErrorApi>;

/// A JSON body read with the engine's own error messages (the field path, the expected type),
/// after checking its media type; its size is bounded by the router's body limit.
pub struct Cuerpo<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Cuerpo<T> {
    type Rejection = ErrorApi;

    async fn from_request(req: Request, estado: &S) -> Result<Self, Self::Rejection> {
        if !es_json(req.headers()) {
            return Err(ErrorApi::http(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "tipo_no_soportado",
                "el cuerpo debe ser JSON: envíe Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, estado).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ErrorApi::http(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "cuerpo_demasiado_grande",
                    format!(
                        "el cuerpo de la solicitud supera el máximo de {} MiB",
                        super::MAX_CUERPO / (1024 * 1024)
                    ),
                )
            } else {
                ErrorApi::http(
                    StatusCode::BAD_REQUEST,
                    "cuerpo_ilegible",
                    "no se pudo leer el cuerpo de la solicitud",
                )
            }
        })?;
        let texto = std::str::from_utf8(&bytes).map_err(|_| {
            ErrorApi::Motor(Error::sin_campo(
                Codigo::JsonInvalido,
                "el cuerpo no es texto UTF-8",
            ))
        })?;
        Ok(Self(erp_core::entrada::desde_json(texto)?))
    }
}

fn es_json(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            let t = t.trim();
            t.eq_ignore_ascii_case("application/json")
                || (t.starts_with("application/") && t.ends_with("+json"))
        })
}
