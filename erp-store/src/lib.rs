//! The `Store` port of `erp-core`: SQLite (the embedded default, one file; rusqlite) and
//! PostgreSQL (production, many companies). One schema, in each dialect; one set of queries,
//! written once in [`comun`]; one conformance suite run against both (`tests/`).
//!
//! [`AnyStore`] is the one concrete type the server and the bindings hold: it opens SQLite for a
//! path or `sqlite:` URL and PostgreSQL for a `postgres://` URL.

mod comun;
pub mod piso;
pub mod postgres;
pub mod sqlite;

use erp_core::compras::{EstadoOrdenCompra, OrdenCompra, Recepcion};
use erp_core::comprobantes::{Comprobante, SerieComprobante, TipoComprobante};
use erp_core::empresa::{ConfiguracionEmpresa, Empresa};
use erp_core::error::Result;
use erp_core::inventario::{
    Almacen, Categoria, FilaKardex, FiltroMovimientos, FiltroProductos, Lote, Marca,
    MovimientoStock, Producto, SaldoMovimiento, SerieProducto, Stock,
};
use erp_core::seguridad::{EventoAuditoria, FiltroAuditoria, Rol, Sesion, Usuario};
use erp_core::store::{GeneradorIds, Reloj, Store, Uow};
use erp_core::terceros::{Cliente, Proveedor, TipoDocumentoCliente};
use erp_core::ventas::pedidos::{Cotizacion, OrdenVenta};
use erp_core::ventas::{FiltroVentas, Venta};
use uuid::Uuid;

pub use erp_core;
pub use postgres::{PgStore, PgUow};
pub use sqlite::{Sincronizacion, SqliteStore, SqliteUow};

/// SQLite or PostgreSQL, chosen by URL.
#[derive(Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a SQLite path or
    /// `sqlite:` URL (`sqlite::memory:` for a private in-memory database).
    pub async fn abrir(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(PgStore::abrir(url).await?))
        } else {
            Ok(Self::Sqlite(SqliteStore::abrir(url).await?))
        }
    }

    /// Refreshes the planner's statistics, as after a bulk load (a catalogue imported, opening
    /// stock): on a young database the planner otherwise guesses row counts and may pick poor
    /// plans until autovacuum (PostgreSQL) gets to it. Safe at any time; changes no data.
    pub async fn optimizar(&self) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.optimizar().await,
            Self::Postgres(s) => s.optimizar().await,
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn motor(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A unit of work of either backend.
pub enum AnyUow {
    Sqlite(SqliteUow),
    Postgres(PgUow),
}

macro_rules! delegar {
    ($self:ident, $m:ident ( $($a:expr),* )) => {
        match $self {
            AnyUow::Sqlite(u) => u.$m($($a),*).await,
            AnyUow::Postgres(u) => u.$m($($a),*).await,
        }
    };
}

impl Store for AnyStore {
    type Uow = AnyUow;

    async fn crear_empresa(&self, empresa: &Empresa) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.crear_empresa(empresa).await,
            Self::Postgres(s) => s.crear_empresa(empresa).await,
        }
    }

    async fn listar_empresas(&self) -> Result<Vec<Empresa>> {
        match self {
            Self::Sqlite(s) => s.listar_empresas().await,
            Self::Postgres(s) => s.listar_empresas().await,
        }
    }

    async fn empresas_de_email(&self, email: &str) -> Result<Vec<Uuid>> {
        match self {
            Self::Sqlite(s) => s.empresas_de_email(email).await,
            Self::Postgres(s) => s.empresas_de_email(email).await,
        }
    }

    async fn reclamar_envio(
        &self,
        ahora: time::OffsetDateTime,
        plazo: time::Duration,
        empresa: Option<Uuid>,
    ) -> Result<Option<(Uuid, Comprobante)>> {
        match self {
            Self::Sqlite(s) => s.reclamar_envio(ahora, plazo, empresa).await,
            Self::Postgres(s) => s.reclamar_envio(ahora, plazo, empresa).await,
        }
    }

    async fn reclamar_trabajo(
        &self,
        ahora: time::OffsetDateTime,
        plazo: time::Duration,
    ) -> Result<Option<(Uuid, erp_core::trabajos::Trabajo)>> {
        match self {
            Self::Sqlite(s) => s.reclamar_trabajo(ahora, plazo).await,
            Self::Postgres(s) => s.reclamar_trabajo(ahora, plazo).await,
        }
    }

    async fn empresa_por_subdominio(&self, subdominio: &str) -> Result<Option<Uuid>> {
        match self {
            Self::Sqlite(s) => s.empresa_por_subdominio(subdominio).await,
            Self::Postgres(s) => s.empresa_por_subdominio(subdominio).await,
        }
    }

    async fn begin(&self, empresa_id: Uuid) -> Result<AnyUow> {
        match self {
            Self::Sqlite(s) => s.begin(empresa_id).await.map(AnyUow::Sqlite),
            Self::Postgres(s) => s.begin(empresa_id).await.map(AnyUow::Postgres),
        }
    }

    async fn begin_lectura(&self, empresa_id: Uuid) -> Result<AnyUow> {
        match self {
            Self::Sqlite(s) => s.begin_lectura(empresa_id).await.map(AnyUow::Sqlite),
            Self::Postgres(s) => s.begin_lectura(empresa_id).await.map(AnyUow::Postgres),
        }
    }
}

impl Uow for AnyUow {
    async fn commit(self) -> Result<()> {
        delegar!(self, commit())
    }

    async fn empresa(&mut self) -> Result<Empresa> {
        delegar!(self, empresa())
    }

    async fn actualizar_empresa(&mut self, empresa: &Empresa) -> Result<()> {
        delegar!(self, actualizar_empresa(empresa))
    }

    async fn configuracion(&mut self, clave: &str) -> Result<Option<ConfiguracionEmpresa>> {
        delegar!(self, configuracion(clave))
    }

    async fn listar_configuracion(&mut self) -> Result<Vec<ConfiguracionEmpresa>> {
        delegar!(self, listar_configuracion())
    }

    async fn guardar_configuracion(&mut self, c: &ConfiguracionEmpresa) -> Result<()> {
        delegar!(self, guardar_configuracion(c))
    }

    async fn siguiente_contador(&mut self, clave: &str) -> Result<i64> {
        delegar!(self, siguiente_contador(clave))
    }

    async fn guardar_categoria(&mut self, c: &Categoria) -> Result<()> {
        delegar!(self, guardar_categoria(c))
    }

    async fn categoria(&mut self, id: Uuid) -> Result<Option<Categoria>> {
        delegar!(self, categoria(id))
    }

    async fn listar_categorias(&mut self) -> Result<Vec<Categoria>> {
        delegar!(self, listar_categorias())
    }

    async fn guardar_marca(&mut self, m: &Marca) -> Result<()> {
        delegar!(self, guardar_marca(m))
    }

    async fn marca(&mut self, id: Uuid) -> Result<Option<Marca>> {
        delegar!(self, marca(id))
    }

    async fn listar_marcas(&mut self) -> Result<Vec<Marca>> {
        delegar!(self, listar_marcas())
    }

    async fn guardar_almacen(&mut self, a: &Almacen) -> Result<()> {
        delegar!(self, guardar_almacen(a))
    }

    async fn almacen(&mut self, id: Uuid) -> Result<Option<Almacen>> {
        delegar!(self, almacen(id))
    }

    async fn listar_almacenes(&mut self) -> Result<Vec<Almacen>> {
        delegar!(self, listar_almacenes())
    }

    async fn guardar_producto(&mut self, p: &Producto) -> Result<()> {
        delegar!(self, guardar_producto(p))
    }

    async fn producto(&mut self, id: Uuid) -> Result<Option<Producto>> {
        delegar!(self, producto(id))
    }

    async fn producto_por_codigo(&mut self, codigo: &str) -> Result<Option<Producto>> {
        delegar!(self, producto_por_codigo(codigo))
    }

    async fn productos_por_codigos(&mut self, codigos: &[String]) -> Result<Vec<Producto>> {
        delegar!(self, productos_por_codigos(codigos))
    }

    async fn buscar_productos(&mut self, filtro: &FiltroProductos) -> Result<(Vec<Producto>, u64)> {
        delegar!(self, buscar_productos(filtro))
    }

    async fn stock_bloqueado(&mut self, producto: Uuid, almacen: Uuid) -> Result<Option<Stock>> {
        delegar!(self, stock_bloqueado(producto, almacen))
    }

    async fn bloquear_stocks(&mut self, pares: &[(Uuid, Uuid)]) -> Result<()> {
        delegar!(self, bloquear_stocks(pares))
    }

    async fn guardar_stock(&mut self, s: &Stock) -> Result<()> {
        delegar!(self, guardar_stock(s))
    }

    async fn listar_stock(
        &mut self,
        producto: Option<Uuid>,
        almacen: Option<Uuid>,
    ) -> Result<Vec<Stock>> {
        delegar!(self, listar_stock(producto, almacen))
    }

    async fn insertar_movimiento(&mut self, m: &MovimientoStock) -> Result<()> {
        delegar!(self, insertar_movimiento(m))
    }

    async fn movimiento(&mut self, id: Uuid) -> Result<Option<MovimientoStock>> {
        delegar!(self, movimiento(id))
    }

    async fn movimiento_anterior(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
        fecha_us: i64,
        secuencia: i64,
    ) -> Result<Option<MovimientoStock>> {
        delegar!(
            self,
            movimiento_anterior(producto, almacen, fecha_us, secuencia)
        )
    }

    async fn kardex_posterior(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
        fecha_us: i64,
        secuencia: i64,
    ) -> Result<Vec<FilaKardex>> {
        delegar!(
            self,
            kardex_posterior(producto, almacen, fecha_us, secuencia)
        )
    }

    async fn actualizar_saldos(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
        desde: (i64, i64),
        saldos: &[SaldoMovimiento],
    ) -> Result<()> {
        delegar!(self, actualizar_saldos(producto, almacen, desde, saldos))
    }

    async fn listar_movimientos(
        &mut self,
        filtro: &FiltroMovimientos,
    ) -> Result<Vec<MovimientoStock>> {
        delegar!(self, listar_movimientos(filtro))
    }

    async fn guardar_lote(&mut self, l: &Lote) -> Result<()> {
        delegar!(self, guardar_lote(l))
    }

    async fn lotes_bloqueados(&mut self, producto: Uuid, almacen: Uuid) -> Result<Vec<Lote>> {
        delegar!(self, lotes_bloqueados(producto, almacen))
    }

    async fn guardar_serie(&mut self, s: &SerieProducto) -> Result<()> {
        delegar!(self, guardar_serie(s))
    }

    async fn series_bloqueadas(
        &mut self,
        producto: Uuid,
        numeros: &[String],
    ) -> Result<Vec<SerieProducto>> {
        delegar!(self, series_bloqueadas(producto, numeros))
    }

    async fn listar_series(&mut self, producto: Uuid) -> Result<Vec<SerieProducto>> {
        delegar!(self, listar_series(producto))
    }
    async fn guardar_cliente(&mut self, c: &Cliente) -> Result<()> {
        delegar!(self, guardar_cliente(c))
    }

    async fn asegurar_cliente(&mut self, c: &Cliente) -> Result<Cliente> {
        delegar!(self, asegurar_cliente(c))
    }

    async fn asegurar_serie_comprobante(
        &mut self,
        s: &SerieComprobante,
    ) -> Result<SerieComprobante> {
        delegar!(self, asegurar_serie_comprobante(s))
    }

    async fn cliente(&mut self, id: Uuid) -> Result<Option<Cliente>> {
        delegar!(self, cliente(id))
    }

    async fn cliente_por_documento(
        &mut self,
        tipo: TipoDocumentoCliente,
        numero: &str,
    ) -> Result<Option<Cliente>> {
        delegar!(self, cliente_por_documento(tipo, numero))
    }

    async fn buscar_clientes(
        &mut self,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Cliente>, u64)> {
        delegar!(self, buscar_clientes(texto, pagina, tamanio))
    }

    async fn cliente_bloqueado(&mut self, id: Uuid) -> Result<Option<Cliente>> {
        delegar!(self, cliente_bloqueado(id))
    }

    async fn deuda_cliente(&mut self, cliente: Uuid) -> Result<Vec<erp_core::ventas::DeudaVenta>> {
        delegar!(self, deuda_cliente(cliente))
    }

    async fn guardar_proveedor(&mut self, p: &Proveedor) -> Result<()> {
        delegar!(self, guardar_proveedor(p))
    }

    async fn proveedor(&mut self, id: Uuid) -> Result<Option<Proveedor>> {
        delegar!(self, proveedor(id))
    }

    async fn proveedor_por_ruc(&mut self, ruc: &str) -> Result<Option<Proveedor>> {
        delegar!(self, proveedor_por_ruc(ruc))
    }

    async fn buscar_proveedores(
        &mut self,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Proveedor>, u64)> {
        delegar!(self, buscar_proveedores(texto, pagina, tamanio))
    }

    async fn guardar_serie_comprobante(&mut self, s: &SerieComprobante) -> Result<()> {
        delegar!(self, guardar_serie_comprobante(s))
    }

    async fn serie_comprobante(
        &mut self,
        tipo: TipoComprobante,
        serie: &str,
    ) -> Result<Option<SerieComprobante>> {
        delegar!(self, serie_comprobante(tipo, serie))
    }

    async fn series_comprobante(&mut self) -> Result<Vec<SerieComprobante>> {
        delegar!(self, series_comprobante())
    }

    async fn siguiente_numero(&mut self, tipo: TipoComprobante, serie: &str) -> Result<i64> {
        delegar!(self, siguiente_numero(tipo, serie))
    }

    async fn insertar_venta(&mut self, v: &Venta) -> Result<()> {
        delegar!(self, insertar_venta(v))
    }

    async fn actualizar_venta(&mut self, v: &Venta) -> Result<()> {
        delegar!(self, actualizar_venta(v))
    }

    async fn venta(&mut self, id: Uuid) -> Result<Option<Venta>> {
        delegar!(self, venta(id))
    }

    async fn venta_bloqueada(&mut self, id: Uuid) -> Result<Option<Venta>> {
        delegar!(self, venta_bloqueada(id))
    }

    async fn venta_por_clave(&mut self, clave: &str) -> Result<Option<Venta>> {
        delegar!(self, venta_por_clave(clave))
    }

    async fn listar_ventas(&mut self, f: &FiltroVentas) -> Result<(Vec<Venta>, u64)> {
        delegar!(self, listar_ventas(f))
    }

    async fn insertar_comprobante(&mut self, c: &Comprobante) -> Result<()> {
        delegar!(self, insertar_comprobante(c))
    }

    async fn comprobante(&mut self, id: Uuid) -> Result<Option<Comprobante>> {
        delegar!(self, comprobante(id))
    }

    async fn comprobantes_de_venta(&mut self, venta: Uuid) -> Result<Vec<Comprobante>> {
        delegar!(self, comprobantes_de_venta(venta))
    }

    async fn comprobante_bloqueado(&mut self, id: Uuid) -> Result<Option<Comprobante>> {
        delegar!(self, comprobante_bloqueado(id))
    }

    async fn listar_comprobantes(
        &mut self,
        f: &erp_core::comprobantes::FiltroComprobantes,
    ) -> Result<(Vec<Comprobante>, u64)> {
        delegar!(self, listar_comprobantes(f))
    }

    async fn guardar_envio(&mut self, c: &Comprobante) -> Result<()> {
        delegar!(self, guardar_envio(c))
    }

    async fn programar_envios(&mut self, ahora: time::OffsetDateTime) -> Result<u64> {
        delegar!(self, programar_envios(ahora))
    }

    async fn insertar_log_envio(
        &mut self,
        l: &erp_core::facturacion::envio::LogEnvio,
    ) -> Result<()> {
        delegar!(self, insertar_log_envio(l))
    }

    async fn logs_envio(
        &mut self,
        comprobante: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<erp_core::facturacion::envio::LogEnvio>, u64)> {
        delegar!(self, logs_envio(comprobante, pagina, tamanio))
    }
    async fn guardar_cotizacion(&mut self, c: &Cotizacion) -> Result<()> {
        delegar!(self, guardar_cotizacion(c))
    }

    async fn cotizacion(&mut self, id: Uuid) -> Result<Option<Cotizacion>> {
        delegar!(self, cotizacion(id))
    }

    async fn cotizacion_bloqueada(&mut self, id: Uuid) -> Result<Option<Cotizacion>> {
        delegar!(self, cotizacion_bloqueada(id))
    }

    async fn listar_cotizaciones(
        &mut self,
        cliente: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Cotizacion>, u64)> {
        delegar!(self, listar_cotizaciones(cliente, pagina, tamanio))
    }

    async fn cotizaciones_por_vencer(
        &mut self,
        desde: time::Date,
        hasta: time::Date,
    ) -> Result<Vec<Cotizacion>> {
        delegar!(self, cotizaciones_por_vencer(desde, hasta))
    }

    async fn vencer_cotizaciones(&mut self, hoy: time::Date) -> Result<u64> {
        delegar!(self, vencer_cotizaciones(hoy))
    }

    async fn guardar_orden(&mut self, o: &OrdenVenta) -> Result<()> {
        delegar!(self, guardar_orden(o))
    }

    async fn orden(&mut self, id: Uuid) -> Result<Option<OrdenVenta>> {
        delegar!(self, orden(id))
    }

    async fn orden_bloqueada(&mut self, id: Uuid) -> Result<Option<OrdenVenta>> {
        delegar!(self, orden_bloqueada(id))
    }

    async fn listar_ordenes(
        &mut self,
        cliente: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<OrdenVenta>, u64)> {
        delegar!(self, listar_ordenes(cliente, pagina, tamanio))
    }

    async fn guardar_orden_compra(&mut self, o: &OrdenCompra) -> Result<()> {
        delegar!(self, guardar_orden_compra(o))
    }

    async fn orden_compra(&mut self, id: Uuid) -> Result<Option<OrdenCompra>> {
        delegar!(self, orden_compra(id))
    }

    async fn orden_compra_bloqueada(&mut self, id: Uuid) -> Result<Option<OrdenCompra>> {
        delegar!(self, orden_compra_bloqueada(id))
    }

    async fn listar_ordenes_compra(
        &mut self,
        proveedor: Option<Uuid>,
        estado: Option<EstadoOrdenCompra>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<OrdenCompra>, u64)> {
        delegar!(
            self,
            listar_ordenes_compra(proveedor, estado, pagina, tamanio)
        )
    }

    async fn guardar_recepcion(&mut self, r: &Recepcion) -> Result<()> {
        delegar!(self, guardar_recepcion(r))
    }

    async fn listar_recepciones(
        &mut self,
        orden: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Recepcion>, u64)> {
        delegar!(self, listar_recepciones(orden, pagina, tamanio))
    }

    async fn guardar_rol(&mut self, r: &Rol) -> Result<()> {
        delegar!(self, guardar_rol(r))
    }

    async fn rol(&mut self, id: Uuid) -> Result<Option<Rol>> {
        delegar!(self, rol(id))
    }

    async fn rol_por_codigo(&mut self, codigo: &str) -> Result<Option<Rol>> {
        delegar!(self, rol_por_codigo(codigo))
    }

    async fn roles(&mut self) -> Result<Vec<Rol>> {
        delegar!(self, roles())
    }

    async fn guardar_usuario(&mut self, u: &Usuario) -> Result<()> {
        delegar!(self, guardar_usuario(u))
    }

    async fn usuario(&mut self, id: Uuid) -> Result<Option<Usuario>> {
        delegar!(self, usuario(id))
    }

    async fn usuario_bloqueado(&mut self, id: Uuid) -> Result<Option<Usuario>> {
        delegar!(self, usuario_bloqueado(id))
    }

    async fn credencial(
        &mut self,
        usuario: Uuid,
        sesion: Option<Uuid>,
    ) -> Result<Option<erp_core::seguridad::Credencial>> {
        delegar!(self, credencial(usuario, sesion))
    }

    async fn contar_usuarios_activos(&mut self) -> Result<u64> {
        delegar!(self, contar_usuarios_activos())
    }

    async fn contar_comprobantes_desde(&mut self, desde: time::Date) -> Result<u64> {
        delegar!(self, contar_comprobantes_desde(desde))
    }

    async fn bloquear_empresa(&mut self) -> Result<()> {
        delegar!(self, bloquear_empresa())
    }

    async fn guardar_plan(&mut self, plan: &erp_core::seguridad::Plan) -> Result<()> {
        delegar!(self, guardar_plan(plan))
    }

    async fn programar_trabajo(&mut self, t: &erp_core::trabajos::Trabajo) -> Result<bool> {
        delegar!(self, programar_trabajo(t))
    }

    async fn trabajo_bloqueado(&mut self, id: Uuid) -> Result<Option<erp_core::trabajos::Trabajo>> {
        delegar!(self, trabajo_bloqueado(id))
    }

    async fn guardar_trabajo(&mut self, t: &erp_core::trabajos::Trabajo) -> Result<()> {
        delegar!(self, guardar_trabajo(t))
    }

    async fn trabajos(&mut self, limite: u32) -> Result<Vec<erp_core::trabajos::Trabajo>> {
        delegar!(self, trabajos(limite))
    }

    async fn insertar_notificacion(&mut self, n: &erp_core::trabajos::Notificacion) -> Result<()> {
        delegar!(self, insertar_notificacion(n))
    }

    async fn notificados(
        &mut self,
        tipo: &str,
        referencias: &[Uuid],
        solo_sin_leer: bool,
    ) -> Result<std::collections::HashSet<(Uuid, Uuid)>> {
        delegar!(self, notificados(tipo, referencias, solo_sin_leer))
    }

    async fn notificaciones(
        &mut self,
        usuario: Uuid,
        leida: Option<bool>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<erp_core::trabajos::Notificacion>, u64)> {
        delegar!(self, notificaciones(usuario, leida, pagina, tamanio))
    }

    async fn leer_notificaciones(&mut self, usuario: Uuid, id: Option<Uuid>) -> Result<u64> {
        delegar!(self, leer_notificaciones(usuario, id))
    }

    async fn usuario_por_email(&mut self, email: &str) -> Result<Option<Usuario>> {
        delegar!(self, usuario_por_email(email))
    }

    async fn listar_usuarios(
        &mut self,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Usuario>, u64)> {
        delegar!(self, listar_usuarios(texto, pagina, tamanio))
    }

    async fn guardar_sesion(&mut self, s: &Sesion) -> Result<()> {
        delegar!(self, guardar_sesion(s))
    }

    async fn sesion_bloqueada(&mut self, id: Uuid) -> Result<Option<Sesion>> {
        delegar!(self, sesion_bloqueada(id))
    }

    async fn revocar_sesiones(&mut self, usuario: Uuid, ahora: time::OffsetDateTime) -> Result<()> {
        delegar!(self, revocar_sesiones(usuario, ahora))
    }

    async fn registrar_evento(&mut self, e: &EventoAuditoria) -> Result<()> {
        delegar!(self, registrar_evento(e))
    }

    async fn eventos(&mut self, f: &FiltroAuditoria) -> Result<(Vec<EventoAuditoria>, u64)> {
        delegar!(self, eventos(f))
    }
}

/// The system clock, at the precision the stores keep (microseconds), so that what a flow
/// returns equals what a later read gives back.
#[derive(Debug, Clone, Copy, Default)]
pub struct RelojSistema;

impl Reloj for RelojSistema {
    fn ahora(&self) -> time::OffsetDateTime {
        let t = time::OffsetDateTime::now_utc();
        t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
            .unwrap_or(t)
    }
}

/// Time-ordered UUIDs (version 7): new rows land at the end of the primary-key index.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdsV7;

impl GeneradorIds for IdsV7 {
    fn nuevo(&self) -> Uuid {
        Uuid::now_v7()
    }
}
