//! The API's own documentation, built from the handlers' annotations: the OpenAPI document at
//! `/api/schema/`, Swagger UI at `/api/docs/` and ReDoc at `/api/redoc/`. Every asset is inside
//! the binary (Swagger UI from the `vendored` crate, ReDoc's bundle from npm's `redoc@3.0.1`,
//! committed under `assets/redoc/`), so the pages work without internet.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::Estado;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ERP Perú–Ecuador",
        description = "La API REST del motor ERP: inventario, clientes, proveedores, ventas, \
            cotizaciones, órdenes, notas, compras y usuarios. Cada respuesta lleva el sobre \
            `{success, data, mensaje, error, info}`; los errores añaden `codigo` y `errores` por \
            campo. Autentíquese con `POST /api/v1/auth/login/` y envíe \
            `Authorization: Bearer <access>`; cada operación indica el permiso que exige.",
    ),
    // Schemas that only query parameters and responses name (request bodies register theirs).
    components(schemas(
        super::respuesta::Sobre,
        erp_core::inventario::TipoMovimiento,
        erp_core::inventario::OrdenProductos,
        erp_core::comprobantes::TipoComprobante,
        erp_core::comprobantes::EstadoComprobante,
    )),
    modifiers(&Seguridad),
    tags(
        (name = "auth", description = "Sesiones: login, refresco, logout, perfil"),
        (name = "empresa", description = "Configuración de la empresa y validación de documentos"),
        (name = "usuarios", description = "Usuarios, roles, permisos y auditoría"),
        (name = "inventario", description = "Productos, categorías, almacenes, stock y kardex"),
        (name = "clientes", description = "Clientes"),
        (name = "proveedores", description = "Proveedores"),
        (name = "compras", description = "Órdenes de compra y recepciones de mercadería"),
        (name = "ventas", description = "Ventas, POS, notas, cotizaciones y órdenes"),
        (name = "facturacion", description = "Comprobantes electrónicos: su estado ante SUNAT, reenvío, historial de envíos a Nubefact y series"),
    )
)]
pub struct Doc;

struct Seguridad;

impl Modify for Seguridad {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "El token `access` del login. Los «scopes» de cada operación son los \
                         permisos que exige; cuando lista varios, los exige todos, salvo las \
                         búsquedas rápidas de productos y clientes y el cálculo de documentos, \
                         que admiten cualquiera de ellos, y la edición de un producto, que exige \
                         `inventario.ver_costos` solo si cambia el costo.",
                    ))
                    .build(),
            ),
        );
    }
}

const REDOC_JS: &[u8] = include_bytes!("../../assets/redoc/redoc.standalone.js");

const REDOC_HTML: &str = r#"<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ERP Perú–Ecuador · ReDoc</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/api/schema/"></redoc>
<script type="module" src="/api/redoc/redoc.standalone.js"></script>
</body>
</html>
"#;

/// The routes of the documentation pages.
pub fn paginas(doc: utoipa::openapi::OpenApi) -> Router<Arc<Estado>> {
    Router::new()
        // Swagger UI serves the document itself, at the contract's path.
        .merge(SwaggerUi::new("/api/docs").url("/api/schema/", doc))
        .route("/api/redoc/", get(|| async { Html(REDOC_HTML) }))
        .route(
            "/api/redoc",
            get(|| async { axum::response::Redirect::permanent("/api/redoc/") }),
        )
        .route(
            "/api/redoc/redoc.standalone.js",
            get(|| async {
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            "application/javascript; charset=utf-8",
                        ),
                        (header::CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    REDOC_JS,
                )
                    .into_response()
            }),
        )
}
