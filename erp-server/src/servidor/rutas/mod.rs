//! The resource endpoints of seed 000 processes 1 to 5. Each checks its permission, calls the
//! engine and wraps the answer; ids of another company are simply not found (the unit of work is
//! bound to the caller's company).

use std::sync::Arc;

use axum::extract::{Path, State};
use erp_core::{Codigo, Error};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::Estado;
use super::auth::Acceso;
use super::respuesta::ErrorApi;

mod compras;
mod empresa;
mod facturacion;
mod inventario;
mod terceros;
mod ventas;

pub use compras::*;
pub use empresa::*;
pub use facturacion::*;
pub use inventario::*;
pub use terceros::*;
pub use ventas::*;

pub(crate) type E = State<Arc<Estado>>;

/// An id in the path: a malformed one is a 404 like any id this company does not have.
pub struct Id(pub Uuid);

/// The path's `id` as the OpenAPI document shows it, written once for every route that takes one.
impl utoipa::IntoParams for Id {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        vec![
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(utoipa::openapi::Required::True)
                .description(Some("id del registro en la empresa del token"))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                ))
                .build(),
        ]
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = ErrorApi;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, ErrorApi> {
        let Path(texto) = Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(|_| registro_inexistente())?;
        Uuid::parse_str(&texto)
            .map(Id)
            .map_err(|_| registro_inexistente())
    }
}

pub(crate) fn registro_inexistente() -> ErrorApi {
    ErrorApi::Motor(Error::no_encontrado(
        "registro",
        "el registro no existe en esta empresa",
    ))
}

/// Query parameters read with clear errors: a wrong value is a 422 whose `errores` names the
/// parameter.
pub struct Consulta<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for Consulta<T>
{
    type Rejection = ErrorApi;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ErrorApi> {
        let texto = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(texto.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| {
            let campo = e.path().to_string();
            let motivo = e.into_inner();
            ErrorApi::Motor(if campo.is_empty() || campo == "." {
                Error::sin_campo(
                    Codigo::ValorNoPermitido,
                    format!("parámetros de consulta inválidos: {motivo}"),
                )
            } else {
                Error::validacion(
                    Codigo::ValorNoPermitido,
                    campo.clone(),
                    format!("el parámetro de consulta `{campo}` no es válido: {motivo}"),
                )
            })
        })
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FiltroTexto {
    search: Option<String>,
}

/// What a role without `inventario.ver_costos` does not see in inventory answers: unit costs and
/// valuation. Prices stay.
const CAMPOS_DE_COSTO: &[&str] = &[
    "costo",
    "costo_unitario",
    "valor",
    "valor_saldo",
    "costo_promedio",
    "costo_promedio_saldo",
];

/// What it does not see in sales: their cost (the margin). Narrower than inventory's, since a
/// sale's documents carry tax amounts named `valor` (Ecuador).
const COSTO_DE_VENTA: &[&str] = &["costo_total"];

/// What it does not see in purchases: the supplier's prices and what they add up to, and the
/// cost the goods entered stock at. A warehouse keeper receives quantities.
const PRECIOS_DE_COMPRA: &[&str] = &[
    "precio_unitario",
    "subtotal",
    "impuesto",
    "total",
    "total_base",
    "total_impuestos",
    "costo_unitario",
    "tipo_de_cambio",
];

/// Bookkeeping of the stock chain, never meant for a reader.
const CAMPOS_INTERNOS: &[&str] = &["ultima_fecha_us", "ultima_secuencia"];

/// An inventory answer (products, stock, movements) as the caller may see it.
pub(crate) fn inventario_visible<T: serde::Serialize>(a: &Acceso, valor: &T) -> Value {
    visible(a, valor, CAMPOS_INTERNOS, CAMPOS_DE_COSTO)
}

/// A sale answer (sales, their lines) as the caller may see it.
pub(crate) fn venta_visible<T: serde::Serialize>(a: &Acceso, valor: &T) -> Value {
    visible(a, valor, &[], COSTO_DE_VENTA)
}

/// A purchase answer (orders, receptions) as the caller may see it.
pub(crate) fn compra_visible<T: serde::Serialize>(a: &Acceso, valor: &T) -> Value {
    visible(a, valor, &[], PRECIOS_DE_COMPRA)
}

/// `valor` without the fields nobody sees (`internos`) and, for a caller who may not see costs,
/// without `de_costo`.
fn visible<T: serde::Serialize>(
    a: &Acceso,
    valor: &T,
    internos: &[&str],
    de_costo: &[&str],
) -> Value {
    let mut v = serde_json::to_value(valor).unwrap_or(Value::Null);
    if !internos.is_empty() {
        quitar(&mut v, internos);
    }
    if !a.ve_costos() {
        quitar(&mut v, de_costo);
    }
    v
}

fn quitar(v: &mut Value, campos: &[&str]) {
    match v {
        Value::Object(m) => {
            for c in campos {
                m.remove(*c);
            }
            m.values_mut().for_each(|x| quitar(x, campos));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| quitar(x, campos)),
        _ => {}
    }
}
