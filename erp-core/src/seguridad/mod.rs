//! Security (seed 000 process 2, seed 002 §3 and §4): users of a company, roles with permission
//! codes (`modulo.accion`), login sessions (one per refresh token) and the audit log.
//!
//! What stays outside the engine: password hashing and tokens (the server hashes with argon2 and
//! signs JWTs; the engine stores the hash and the sessions and applies the rules: who may log in,
//! lockout after repeated failures, a deactivated user's sessions end, a role's permissions).

pub mod plan;
pub mod servicio;

pub use plan::{Modulo, Plan};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The permission catalogue: code (`modulo.accion`) and what it allows. The codes of the contract
/// (44, plus `proveedores.*`, which its matrix uses) and the ones the engine's flows need.
pub const PERMISOS: &[(&str, &str)] = &[
    (
        "empresa.configurar",
        "Editar la configuración de la empresa",
    ),
    ("usuarios.ver", "Ver usuarios"),
    ("usuarios.crear", "Crear usuarios"),
    ("usuarios.editar", "Editar usuarios"),
    ("usuarios.eliminar", "Eliminar usuarios"),
    ("roles.ver", "Ver roles y permisos"),
    ("roles.gestionar", "Crear y editar roles"),
    ("auditoria.ver", "Ver el registro de auditoría"),
    ("clientes.ver", "Ver clientes"),
    ("clientes.crear", "Crear clientes"),
    ("clientes.editar", "Editar clientes"),
    ("clientes.eliminar", "Eliminar clientes"),
    ("proveedores.ver", "Ver proveedores"),
    ("proveedores.crear", "Crear proveedores"),
    ("proveedores.editar", "Editar proveedores"),
    (
        "inventario.ver",
        "Ver productos, categorías, almacenes y movimientos",
    ),
    (
        "inventario.productos_crear",
        "Crear productos, categorías y almacenes",
    ),
    ("inventario.productos_editar", "Editar y eliminar productos"),
    (
        "inventario.stock_ajustar",
        "Registrar entradas, salidas y ajustes de stock",
    ),
    ("inventario.transferir", "Transferir stock entre almacenes"),
    ("inventario.consultar_stock", "Consultar stock"),
    ("inventario.ver_costos", "Ver costos y valorización"),
    (
        "inventario.aprobar_sin_stock",
        "Aprobar salidas sin stock suficiente",
    ),
    ("ventas.ver", "Ver ventas"),
    ("ventas.crear", "Crear ventas"),
    ("ventas.editar", "Editar ventas"),
    ("ventas.anular", "Anular ventas y emitir notas"),
    (
        "ventas.descuento_mayor_20",
        "Aplicar descuentos mayores al 20 %",
    ),
    ("ventas.pos", "Vender en el punto de venta"),
    ("ventas.cotizaciones", "Cotizaciones y órdenes de venta"),
    ("ventas.aprobar_creditos", "Aprobar ventas al crédito"),
    ("facturacion.ver", "Ver comprobantes"),
    ("facturacion.emitir", "Emitir y reenviar comprobantes"),
    ("facturacion.anular", "Comunicar bajas"),
    (
        "facturacion.nota_credito",
        "Emitir notas de crédito y débito",
    ),
    ("facturacion.series", "Configurar series"),
    ("compras.ver", "Ver compras"),
    ("compras.crear_oc", "Crear órdenes de compra"),
    ("compras.aprobar_oc", "Aprobar órdenes de compra"),
    ("compras.recepcionar", "Recepcionar compras"),
    ("finanzas.ver", "Ver finanzas"),
    ("finanzas.registrar_pago", "Registrar pagos"),
    ("finanzas.asientos", "Asientos contables"),
    ("finanzas.reportes_tributarios", "Reportes tributarios"),
    ("distribucion.ver", "Ver distribución"),
    ("distribucion.asignar", "Asignar repartos"),
    (
        "distribucion.actualizar_estado",
        "Actualizar estado de repartos",
    ),
    ("distribucion.evidencia", "Registrar evidencia de entrega"),
    ("whatsapp.ver", "Ver WhatsApp"),
    ("whatsapp.enviar", "Enviar por WhatsApp"),
    ("whatsapp.configurar", "Configurar WhatsApp"),
    ("reportes.ver", "Ver reportes"),
    ("reportes.exportar", "Exportar reportes"),
    ("dashboard.ejecutivo", "Dashboard ejecutivo"),
    ("dashboard.operativo", "Dashboard operativo"),
];

/// Whether `codigo` is in the catalogue.
pub fn permiso_existe(codigo: &str) -> bool {
    PERMISOS.iter().any(|(c, _)| *c == codigo)
}

/// The seeded roles and their permissions (the contract's base matrix; read-only marks give
/// `.ver`). `admin` passes every check, whatever its list says.
pub const ROLES_BASE: &[(&str, &str, &[&str])] = &[
    ("admin", "Administrador", &["*"]),
    (
        "gerente",
        "Gerente",
        &[
            "usuarios.ver",
            "roles.ver",
            "auditoria.ver",
            "clientes.ver",
            "clientes.crear",
            "clientes.editar",
            "clientes.eliminar",
            "proveedores.ver",
            "proveedores.crear",
            "proveedores.editar",
            "inventario.ver",
            "inventario.productos_crear",
            "inventario.productos_editar",
            "inventario.stock_ajustar",
            "inventario.transferir",
            "inventario.consultar_stock",
            "inventario.ver_costos",
            "inventario.aprobar_sin_stock",
            "ventas.ver",
            "ventas.crear",
            "ventas.editar",
            "ventas.anular",
            "ventas.descuento_mayor_20",
            "ventas.pos",
            "ventas.cotizaciones",
            "ventas.aprobar_creditos",
            "facturacion.ver",
            "facturacion.emitir",
            "facturacion.anular",
            "facturacion.nota_credito",
            "compras.ver",
            "compras.crear_oc",
            "compras.aprobar_oc",
            "compras.recepcionar",
            "finanzas.ver",
            "finanzas.registrar_pago",
            "finanzas.reportes_tributarios",
            "distribucion.ver",
            "distribucion.asignar",
            "distribucion.actualizar_estado",
            "distribucion.evidencia",
            "whatsapp.ver",
            "whatsapp.enviar",
            "reportes.ver",
            "reportes.exportar",
            "dashboard.ejecutivo",
            "dashboard.operativo",
        ],
    ),
    (
        "supervisor",
        "Supervisor",
        &[
            "usuarios.ver",
            "clientes.ver",
            "clientes.crear",
            "clientes.editar",
            "proveedores.ver",
            "inventario.ver",
            "inventario.productos_crear",
            "inventario.productos_editar",
            "inventario.stock_ajustar",
            "inventario.transferir",
            "inventario.consultar_stock",
            "inventario.ver_costos",
            "inventario.aprobar_sin_stock",
            "ventas.ver",
            "ventas.crear",
            "ventas.editar",
            "ventas.anular",
            "ventas.descuento_mayor_20",
            "ventas.pos",
            "ventas.cotizaciones",
            "facturacion.ver",
            "facturacion.emitir",
            "facturacion.nota_credito",
            "compras.ver",
            "compras.crear_oc",
            "compras.recepcionar",
            "distribucion.ver",
            "distribucion.asignar",
            "distribucion.actualizar_estado",
            "distribucion.evidencia",
            "whatsapp.ver",
            "whatsapp.enviar",
            "reportes.ver",
            "reportes.exportar",
            "dashboard.operativo",
        ],
    ),
    (
        "vendedor",
        "Vendedor",
        &[
            "clientes.ver",
            "clientes.crear",
            "clientes.editar",
            "inventario.ver",
            "inventario.consultar_stock",
            "ventas.ver",
            "ventas.crear",
            "ventas.pos",
            "ventas.cotizaciones",
            "facturacion.ver",
            "facturacion.emitir",
            "reportes.ver",
            "dashboard.operativo",
        ],
    ),
    (
        "cajero",
        "Cajero",
        &[
            "clientes.ver",
            "clientes.crear",
            "inventario.consultar_stock",
            "ventas.ver",
            "ventas.crear",
            "ventas.pos",
            "facturacion.ver",
            "facturacion.emitir",
            "dashboard.operativo",
        ],
    ),
    (
        "almacenero",
        "Almacenero",
        &[
            "proveedores.ver",
            "inventario.ver",
            "inventario.stock_ajustar",
            "inventario.transferir",
            "inventario.consultar_stock",
            "compras.ver",
            "compras.recepcionar",
            "dashboard.operativo",
        ],
    ),
    (
        "contador",
        "Contador",
        &[
            "clientes.ver",
            "proveedores.ver",
            "inventario.ver_costos",
            "ventas.ver",
            "facturacion.ver",
            "compras.ver",
            "finanzas.ver",
            "finanzas.registrar_pago",
            "finanzas.asientos",
            "finanzas.reportes_tributarios",
            "reportes.ver",
            "reportes.exportar",
        ],
    ),
    (
        "repartidor",
        "Repartidor",
        &[
            "distribucion.ver",
            "distribucion.actualizar_estado",
            "distribucion.evidencia",
        ],
    ),
];

/// A role of a company: a named set of permission codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rol {
    pub id: Uuid,
    pub codigo: String,
    pub nombre: String,
    pub descripcion: String,
    pub permisos: Vec<String>,
    /// One of the seeded roles: its code and permissions are the engine's.
    pub de_sistema: bool,
    pub activo: bool,
}

impl Rol {
    /// Whether the role allows `permiso` (`admin` allows everything).
    pub fn permite(&self, permiso: &str) -> bool {
        self.activo && (self.codigo == "admin" || self.permisos.iter().any(|p| p == permiso))
    }

    /// The catalogue's permissions this role allows, by the same rule as [`Rol::permite`].
    pub fn permisos_efectivos(&self) -> Vec<&'static str> {
        PERMISOS
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| self.permite(c))
            .collect()
    }
}

/// A user of a company. The email is the login; the password is kept only as its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usuario {
    pub id: Uuid,
    pub email: String,
    pub nombre: String,
    pub apellido: String,
    #[serde(skip_serializing)]
    pub clave_hash: String,
    pub rol_id: Uuid,
    pub activo: bool,
    /// Consecutive failed logins.
    pub intentos_fallidos: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub bloqueado_hasta: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ultimo_acceso: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub eliminado_en: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

impl Usuario {
    /// Active and not deleted: may log in and act.
    pub fn vigente(&self) -> bool {
        self.activo && self.eliminado_en.is_none()
    }
}

/// Who a request comes from, as the store reads it in one go.
#[derive(Debug, Clone)]
pub struct Credencial {
    pub empresa_activa: bool,
    pub plan: Plan,
    pub sesion: Option<Sesion>,
    pub usuario: Usuario,
    pub rol: Rol,
}

/// A login session: one refresh token, by its id (`jti`). Refreshing ends it and starts
/// another; logging out or deactivating the user ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sesion {
    pub id: Uuid,
    pub usuario_id: Uuid,
    pub ip: String,
    pub agente: String,
    #[serde(with = "time::serde::rfc3339")]
    pub creada_en: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expira_en: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revocada_en: Option<OffsetDateTime>,
    /// The session that replaced it on refresh.
    pub reemplazada_por: Option<Uuid>,
}

/// Who performs an act, as the audit log records it: the user (none for the system's own jobs
/// and for an application that embeds the engine without users) and the address the request came
/// from (empty when there is none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Autor {
    pub usuario_id: Option<Uuid>,
    pub ip: String,
}

impl Autor {
    pub fn new(usuario_id: Option<Uuid>, ip: impl Into<String>) -> Self {
        Self {
            usuario_id,
            ip: ip.into(),
        }
    }
}

impl From<Option<Uuid>> for Autor {
    fn from(usuario_id: Option<Uuid>) -> Self {
        Self::new(usuario_id, "")
    }
}

impl From<Uuid> for Autor {
    fn from(usuario_id: Uuid) -> Self {
        Self::new(Some(usuario_id), "")
    }
}

/// An entry of the audit log (seed 002 §4): who did what, from where, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventoAuditoria {
    pub id: Uuid,
    pub usuario_id: Option<Uuid>,
    /// `crear`, `editar`, `eliminar`, `login`, `logout`, `login_fallido`, `aprobar`, `pago`…
    pub accion: String,
    pub modulo: String,
    pub detalle: String,
    pub ip: String,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiltroAuditoria {
    pub usuario_id: Option<Uuid>,
    pub accion: Option<String>,
    pub modulo: Option<String>,
    pub pagina: u32,
    pub tamanio_pagina: u32,
}
