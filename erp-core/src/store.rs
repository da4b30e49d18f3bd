//! The ports through which the engine reaches the outside: the [`Store`] (storage, opened as a
//! unit of work for one company), the [`Reloj`] (clock) and the [`GeneradorIds`] (id source).
//!
//! A [`Uow`] is one transaction bound to one company when it is opened. None of its methods takes
//! a company id: a flow cannot read or write another company's rows, whatever ids it is handed.
//! `commit` makes the work durable; dropping the unit of work without committing rolls it back,
//! so an early `?` in a flow leaves nothing half-written.
//!
//! The methods are shaped by the flows (lock this stock row, append this movement, the rows after
//! this point of the ledger), not one CRUD set per table. Reads a flow depends on lock what they
//! must: `stock_bloqueado`, `lotes_bloqueados`, `series_bloqueadas` and `siguiente_contador`
//! take row locks on PostgreSQL (SQLite serializes writers with `BEGIN IMMEDIATE`).

use std::future::Future;

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::compras::{EstadoOrdenCompra, OrdenCompra, Recepcion};
use crate::comprobantes::{Comprobante, FiltroComprobantes, SerieComprobante, TipoComprobante};
use crate::empresa::{ConfiguracionEmpresa, Empresa};
use crate::error::Result;
use crate::facturacion::envio::LogEnvio;
use crate::inventario::{
    Almacen, Categoria, FilaKardex, FiltroMovimientos, FiltroProductos, Lote, Marca,
    MovimientoStock, Producto, SaldoMovimiento, SerieProducto, Stock,
};
use crate::seguridad::{Credencial, EventoAuditoria, FiltroAuditoria, Rol, Sesion, Usuario};
use crate::terceros::{Cliente, Proveedor, TipoDocumentoCliente};
use crate::trabajos::{Notificacion, Trabajo};
use crate::ventas::pedidos::{Cotizacion, OrdenVenta};
use crate::ventas::{DeudaVenta, FiltroVentas, Venta};

/// The time, handed to the engine so that every flow is deterministic under test.
pub trait Reloj: Send + Sync {
    /// The instant; the engine takes the date in the company's time zone (never the UTC date).
    fn ahora(&self) -> OffsetDateTime;
}

/// New ids, handed to the engine for the same reason.
pub trait GeneradorIds: Send + Sync {
    fn nuevo(&self) -> Uuid;
}

/// Storage: companies, and units of work bound to one of them.
pub trait Store: Send + Sync + 'static {
    type Uow: Uow;

    /// Registers a new company (the one operation outside any company's unit of work).
    fn crear_empresa(&self, empresa: &Empresa) -> impl Future<Output = Result<()>> + Send;

    /// All companies (for the administration of a multi-company deployment).
    fn listar_empresas(&self) -> impl Future<Output = Result<Vec<Empresa>>> + Send;

    /// Opens a unit of work that may write, for one company. Fails with `no_encontrado` when the
    /// company does not exist.
    fn begin(&self, empresa_id: Uuid) -> impl Future<Output = Result<Self::Uow>> + Send;

    /// The active companies where a live user has this email: login opens the one (or asks
    /// which, by subdomain).
    fn empresas_de_email(&self, email: &str) -> impl Future<Output = Result<Vec<Uuid>>> + Send;

    /// The active company whose SaaS subdomain this is (seed 002 §2: it selects the company at
    /// login).
    fn empresa_por_subdominio(
        &self,
        subdominio: &str,
    ) -> impl Future<Output = Result<Option<Uuid>>> + Send;

    /// Claims the oldest due pending job run of any active company (`programado <= ahora`, not claimed
    /// or its lease ended) until `ahora + plazo`, counting the attempt, in one statement outside
    /// any unit of work. Concurrent workers never claim the same run (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    fn reclamar_trabajo(
        &self,
        ahora: OffsetDateTime,
        plazo: time::Duration,
    ) -> impl Future<Output = Result<Option<(Uuid, Trabajo)>>> + Send;

    /// Claims the oldest comprobante of any active company (or of `empresa` only) whose send is
    /// due (`programado <= ahora`, not claimed or its lease ended) until `ahora + plazo`, counting
    /// the attempt, in one statement outside any unit of work, and returns it as claimed. A claim
    /// that finds an earlier lease (its worker died or outlived it without recording an outcome)
    /// marks it `incierto`: the earlier request may have arrived. Concurrent workers never claim the same comprobante
    /// (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    fn reclamar_envio(
        &self,
        ahora: OffsetDateTime,
        plazo: time::Duration,
        empresa: Option<Uuid>,
    ) -> impl Future<Output = Result<Option<(Uuid, Comprobante)>>> + Send;

    /// Opens a read-only unit of work: it does not block writers.
    fn begin_lectura(&self, empresa_id: Uuid) -> impl Future<Output = Result<Self::Uow>> + Send;
}

/// One transaction of one company.
pub trait Uow: Send {
    /// Makes the unit of work durable.
    fn commit(self) -> impl Future<Output = Result<()>> + Send;

    // --- The company ---------------------------------------------------------------------------

    fn empresa(&mut self) -> impl Future<Output = Result<Empresa>> + Send;
    /// Saves the company's data and settings (not its plan).
    fn actualizar_empresa(&mut self, empresa: &Empresa) -> impl Future<Output = Result<()>> + Send;
    /// Saves the company's plan alone: an edit of the company's data that read the old plan
    /// cannot write it back over a new one.
    fn guardar_plan(
        &mut self,
        plan: &crate::seguridad::Plan,
    ) -> impl Future<Output = Result<()>> + Send;
    fn configuracion(
        &mut self,
        clave: &str,
    ) -> impl Future<Output = Result<Option<ConfiguracionEmpresa>>> + Send;
    fn listar_configuracion(
        &mut self,
    ) -> impl Future<Output = Result<Vec<ConfiguracionEmpresa>>> + Send;
    fn guardar_configuracion(
        &mut self,
        c: &ConfiguracionEmpresa,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The next value of a gapless counter of the company (`1` the first time), locked until the
    /// unit of work ends: product-code correlatives, document numbers.
    fn siguiente_contador(&mut self, clave: &str) -> impl Future<Output = Result<i64>> + Send;

    // --- Catalogue ----------------------------------------------------------------------------

    fn guardar_categoria(&mut self, c: &Categoria) -> impl Future<Output = Result<()>> + Send;
    fn categoria(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Categoria>>> + Send;
    fn listar_categorias(&mut self) -> impl Future<Output = Result<Vec<Categoria>>> + Send;

    fn guardar_marca(&mut self, m: &Marca) -> impl Future<Output = Result<()>> + Send;
    fn marca(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Marca>>> + Send;
    fn listar_marcas(&mut self) -> impl Future<Output = Result<Vec<Marca>>> + Send;

    fn guardar_almacen(&mut self, a: &Almacen) -> impl Future<Output = Result<()>> + Send;
    fn almacen(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Almacen>>> + Send;
    fn listar_almacenes(&mut self) -> impl Future<Output = Result<Vec<Almacen>>> + Send;

    /// Inserts or updates a product. A code already used by another product is `duplicado`.
    fn guardar_producto(&mut self, p: &Producto) -> impl Future<Output = Result<()>> + Send;
    fn producto(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Producto>>> + Send;
    /// The product with this code or barcode (active or not).
    fn producto_por_codigo(
        &mut self,
        codigo: &str,
    ) -> impl Future<Output = Result<Option<Producto>>> + Send;
    /// Every product whose code or (non-empty) barcode is one of `codigos`, in one query: a POS
    /// ticket's items are looked up at once.
    fn productos_por_codigos(
        &mut self,
        codigos: &[String],
    ) -> impl Future<Output = Result<Vec<Producto>>> + Send;
    /// A page of products and the total count of the filter.
    fn buscar_productos(
        &mut self,
        filtro: &FiltroProductos,
    ) -> impl Future<Output = Result<(Vec<Producto>, u64)>> + Send;

    // --- Stock and its ledger -----------------------------------------------------------------

    /// The stock row of a product in a warehouse, locked until the unit of work ends.
    fn stock_bloqueado(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
    ) -> impl Future<Output = Result<Option<Stock>>> + Send;
    /// Locks the existing stock rows of these (product, warehouse) pairs at once, in key order,
    /// so that the `stock_bloqueado` that follows for each of them needs no round trip. The rows
    /// stay locked until the unit of work ends, as with `stock_bloqueado`.
    fn bloquear_stocks(
        &mut self,
        pares: &[(Uuid, Uuid)],
    ) -> impl Future<Output = Result<()>> + Send;
    fn guardar_stock(&mut self, s: &Stock) -> impl Future<Output = Result<()>> + Send;
    /// Stock rows filtered by product and/or warehouse (both `None`: the whole company).
    fn listar_stock(
        &mut self,
        producto: Option<Uuid>,
        almacen: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<Stock>>> + Send;

    /// Appends a movement to the ledger. A store may hold the row back and write it with the
    /// others at the next read of the ledger or at commit, so a failure to write it (a duplicate
    /// id, a missing lot) may be reported there; either way the unit of work commits nothing.
    fn insertar_movimiento(
        &mut self,
        m: &MovimientoStock,
    ) -> impl Future<Output = Result<()>> + Send;
    fn movimiento(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<MovimientoStock>>> + Send;
    /// The last movement of a product in a warehouse strictly before the ledger point
    /// `(fecha_us, secuencia)` (microseconds since the epoch): its running balance is the stock
    /// at that point. `(t, i64::MAX)` asks for the stock at the instant `t`.
    fn movimiento_anterior(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
        fecha_us: i64,
        secuencia: i64,
    ) -> impl Future<Output = Result<Option<MovimientoStock>>> + Send;
    /// The ledger rows of a product in a warehouse after the point `(fecha_us, secuencia)`, in
    /// ledger order, as the recomputation after a backdated movement needs them.
    fn kardex_posterior(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
        fecha_us: i64,
        secuencia: i64,
    ) -> impl Future<Output = Result<Vec<FilaKardex>>> + Send;
    /// Rewrites the running balances (and derived values) of existing movements of a product in
    /// a warehouse, all after the ledger point `desde` (the range `kardex_posterior` returned),
    /// after a backdated movement.
    fn actualizar_saldos(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
        desde: (i64, i64),
        saldos: &[SaldoMovimiento],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Movements in ledger order, newest first, after the cursor given in the filter.
    fn listar_movimientos(
        &mut self,
        filtro: &FiltroMovimientos,
    ) -> impl Future<Output = Result<Vec<MovimientoStock>>> + Send;

    // --- Lots and serial numbers --------------------------------------------------------------

    fn guardar_lote(&mut self, l: &Lote) -> impl Future<Output = Result<()>> + Send;
    /// The lots of a product in a warehouse, locked, in first-expiry-first-out order (no expiry
    /// last, then oldest first).
    fn lotes_bloqueados(
        &mut self,
        producto: Uuid,
        almacen: Uuid,
    ) -> impl Future<Output = Result<Vec<Lote>>> + Send;

    fn guardar_serie(&mut self, s: &SerieProducto) -> impl Future<Output = Result<()>> + Send;
    /// The serial numbers of a product with these numbers that exist, locked.
    fn series_bloqueadas(
        &mut self,
        producto: Uuid,
        numeros: &[String],
    ) -> impl Future<Output = Result<Vec<SerieProducto>>> + Send;
    fn listar_series(
        &mut self,
        producto: Uuid,
    ) -> impl Future<Output = Result<Vec<SerieProducto>>> + Send;

    // --- Customers and suppliers ---------------------------------------------------------------

    fn guardar_cliente(&mut self, c: &Cliente) -> impl Future<Output = Result<()>> + Send;
    /// Inserts the customer unless an active one with the same document exists, and returns
    /// the stored one: safe when two units of work make the same customer at once.
    fn asegurar_cliente(&mut self, c: &Cliente) -> impl Future<Output = Result<Cliente>> + Send;
    fn cliente(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Cliente>>> + Send;
    /// The same, its row locked until the unit of work ends: what a credit sale reads, so that
    /// two credit sales of one customer cannot both spend the same available credit.
    fn cliente_bloqueado(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Cliente>>> + Send;
    /// The active customer with this document, or else the latest inactive one.
    fn cliente_por_documento(
        &mut self,
        tipo: TipoDocumentoCliente,
        numero: &str,
    ) -> impl Future<Output = Result<Option<Cliente>>> + Send;
    /// Customers whose name or document number contains `texto`, a page and the total.
    fn buscar_clientes(
        &mut self,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<Cliente>, u64)>> + Send;
    /// What a customer still owes on credit sales: each sale's currency, exchange rate and
    /// balance (only those with a balance).
    fn deuda_cliente(
        &mut self,
        cliente: Uuid,
    ) -> impl Future<Output = Result<Vec<DeudaVenta>>> + Send;

    fn guardar_proveedor(&mut self, p: &Proveedor) -> impl Future<Output = Result<()>> + Send;
    fn proveedor(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Proveedor>>> + Send;
    fn proveedor_por_ruc(
        &mut self,
        ruc: &str,
    ) -> impl Future<Output = Result<Option<Proveedor>>> + Send;
    fn buscar_proveedores(
        &mut self,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<Proveedor>, u64)>> + Send;

    // --- Series, sales, comprobantes -----------------------------------------------------------

    fn guardar_serie_comprobante(
        &mut self,
        s: &SerieComprobante,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Inserts the series unless it exists, and returns the stored one (safe under races).
    fn asegurar_serie_comprobante(
        &mut self,
        s: &SerieComprobante,
    ) -> impl Future<Output = Result<SerieComprobante>> + Send;
    fn serie_comprobante(
        &mut self,
        tipo: TipoComprobante,
        serie: &str,
    ) -> impl Future<Output = Result<Option<SerieComprobante>>> + Send;
    fn series_comprobante(&mut self) -> impl Future<Output = Result<Vec<SerieComprobante>>> + Send;
    /// Takes the next number of a series, locking the series until the unit of work ends: numbers
    /// are gapless and never repeat. Fails with `no_encontrado` for an unknown series.
    fn siguiente_numero(
        &mut self,
        tipo: TipoComprobante,
        serie: &str,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Inserts a sale; a repeated idempotency key is a `duplicado` conflict.
    fn insertar_venta(&mut self, v: &Venta) -> impl Future<Output = Result<()>> + Send;
    /// Saves a sale's state, lines (returned quantities) and instalments.
    fn actualizar_venta(&mut self, v: &Venta) -> impl Future<Output = Result<()>> + Send;
    fn venta(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Venta>>> + Send;
    /// The same, its row locked until the unit of work ends: what a change of its state reads,
    /// so that two changes of one venta (two annulments, two sales from one order) wait for each other.
    fn venta_bloqueada(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Venta>>> + Send;
    fn venta_por_clave(
        &mut self,
        clave: &str,
    ) -> impl Future<Output = Result<Option<Venta>>> + Send;
    /// Sales, newest first, a page and the total.
    fn listar_ventas(
        &mut self,
        f: &FiltroVentas,
    ) -> impl Future<Output = Result<(Vec<Venta>, u64)>> + Send;

    fn insertar_comprobante(&mut self, c: &Comprobante) -> impl Future<Output = Result<()>> + Send;
    fn comprobante(&mut self, id: Uuid)
    -> impl Future<Output = Result<Option<Comprobante>>> + Send;
    /// A sale's comprobante and its notes, in issue order.
    fn comprobantes_de_venta(
        &mut self,
        venta: Uuid,
    ) -> impl Future<Output = Result<Vec<Comprobante>>> + Send;
    /// The same, its row locked until the unit of work ends: what recording a send's outcome
    /// reads, so that it cannot race a person's resend.
    fn comprobante_bloqueado(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Comprobante>>> + Send;
    /// Comprobantes, newest first, filtered; a page and the total.
    fn listar_comprobantes(
        &mut self,
        f: &FiltroComprobantes,
    ) -> impl Future<Output = Result<(Vec<Comprobante>, u64)>> + Send;
    /// Saves a comprobante's state and its outbox entry (what the send and a resend change).
    fn guardar_envio(&mut self, c: &Comprobante) -> impl Future<Output = Result<()>> + Send;
    /// Queues, due `ahora`, the company's `pendiente` comprobantes that have no send due and were
    /// never tried (issued before the company configured its gateway); how many.
    fn programar_envios(
        &mut self,
        ahora: OffsetDateTime,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Appends a request and its answer to the send log.
    fn insertar_log_envio(&mut self, l: &LogEnvio) -> impl Future<Output = Result<()>> + Send;
    /// The send log, newest first, optionally of one comprobante; a page and the total.
    fn logs_envio(
        &mut self,
        comprobante: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<LogEnvio>, u64)>> + Send;

    // --- Quotations and sales orders ----------------------------------------------------------

    fn guardar_cotizacion(&mut self, c: &Cotizacion) -> impl Future<Output = Result<()>> + Send;
    fn cotizacion(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Cotizacion>>> + Send;
    /// The same, its row locked until the unit of work ends: what a change of its state reads,
    /// so that two changes of one cotizacion (two annulments, two sales from one order) wait for each other.
    fn cotizacion_bloqueada(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Cotizacion>>> + Send;
    /// Quotations, newest first, optionally of one customer; a page and the total.
    fn listar_cotizaciones(
        &mut self,
        cliente: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<Cotizacion>, u64)>> + Send;
    /// The current quotations valid until a day from `desde` to `hasta` (both included), the
    /// soonest to expire first.
    fn cotizaciones_por_vencer(
        &mut self,
        desde: time::Date,
        hasta: time::Date,
    ) -> impl Future<Output = Result<Vec<Cotizacion>>> + Send;
    /// Marks `vencida` the current quotations valid until before `hoy`; returns how many.
    fn vencer_cotizaciones(&mut self, hoy: time::Date) -> impl Future<Output = Result<u64>> + Send;
    fn guardar_orden(&mut self, o: &OrdenVenta) -> impl Future<Output = Result<()>> + Send;
    fn orden(&mut self, id: Uuid) -> impl Future<Output = Result<Option<OrdenVenta>>> + Send;
    /// The same, its row locked until the unit of work ends: what a change of its state reads,
    /// so that two changes of one orden (two annulments, two sales from one order) wait for each other.
    fn orden_bloqueada(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<OrdenVenta>>> + Send;
    fn listar_ordenes(
        &mut self,
        cliente: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<OrdenVenta>, u64)>> + Send;

    // --- Purchases ------------------------------------------------------------------------------

    fn guardar_orden_compra(&mut self, o: &OrdenCompra) -> impl Future<Output = Result<()>> + Send;
    fn orden_compra(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<OrdenCompra>>> + Send;
    /// The same, its row locked until the unit of work ends: two receptions of one order wait
    /// for each other, so neither receives what the other already did.
    fn orden_compra_bloqueada(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<OrdenCompra>>> + Send;
    /// Purchase orders, newest first, optionally of one supplier and in one state; a page and
    /// the total.
    fn listar_ordenes_compra(
        &mut self,
        proveedor: Option<Uuid>,
        estado: Option<EstadoOrdenCompra>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<OrdenCompra>, u64)>> + Send;
    fn guardar_recepcion(&mut self, r: &Recepcion) -> impl Future<Output = Result<()>> + Send;
    /// Receptions, newest first, optionally of one order; a page and the total.
    fn listar_recepciones(
        &mut self,
        orden: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<Recepcion>, u64)>> + Send;

    // --- Security ------------------------------------------------------------------------------

    /// Inserts or updates a role.
    fn guardar_rol(&mut self, r: &Rol) -> impl Future<Output = Result<()>> + Send;
    fn rol(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Rol>>> + Send;
    fn rol_por_codigo(&mut self, codigo: &str) -> impl Future<Output = Result<Option<Rol>>> + Send;
    fn roles(&mut self) -> impl Future<Output = Result<Vec<Rol>>> + Send;
    /// Inserts or updates a user.
    fn guardar_usuario(&mut self, u: &Usuario) -> impl Future<Output = Result<()>> + Send;
    fn usuario(&mut self, id: Uuid) -> impl Future<Output = Result<Option<Usuario>>> + Send;
    /// The same, its row locked: concurrent login attempts of one user count one by one.
    fn usuario_bloqueado(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Usuario>>> + Send;
    /// The live (not deleted) user with this email.
    fn usuario_por_email(
        &mut self,
        email: &str,
    ) -> impl Future<Output = Result<Option<Usuario>>> + Send;
    /// Live users whose name or email contains `texto`, a page and the total.
    fn listar_usuarios(
        &mut self,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<Usuario>, u64)>> + Send;
    /// Who a request comes from, in one read: the company's state and plan, the session (when
    /// one is named), the user and the user's role. `None` when the user or the role is missing.
    fn credencial(
        &mut self,
        usuario: Uuid,
        sesion: Option<Uuid>,
    ) -> impl Future<Output = Result<Option<Credencial>>> + Send;
    /// Active, live users (what a plan's user limit counts).
    fn contar_usuarios_activos(&mut self) -> impl Future<Output = Result<u64>> + Send;
    /// Comprobantes issued on or after `desde` (what a plan's monthly limit counts).
    fn contar_comprobantes_desde(
        &mut self,
        desde: Date,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Locks the company's row until the unit of work ends, so that a check of a plan limit and
    /// the insert it admits are not raced by another (PostgreSQL: `FOR NO KEY UPDATE`, which
    /// foreign-key checks do not wait for; SQLite serializes writers anyway).
    fn bloquear_empresa(&mut self) -> impl Future<Output = Result<()>> + Send;
    /// Inserts a pending job run unless the company has one of that kind already; whether it
    /// inserted.
    fn programar_trabajo(&mut self, t: &Trabajo) -> impl Future<Output = Result<bool>> + Send;
    /// A job run, its row locked until the unit of work ends.
    fn trabajo_bloqueado(
        &mut self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Trabajo>>> + Send;
    /// Saves a job run's state, attempts, error, result and times.
    fn guardar_trabajo(&mut self, t: &Trabajo) -> impl Future<Output = Result<()>> + Send;
    /// The company's job runs, newest due first (the last `limite`).
    fn trabajos(&mut self, limite: u32) -> impl Future<Output = Result<Vec<Trabajo>>> + Send;
    fn insertar_notificacion(
        &mut self,
        n: &Notificacion,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Who was notified of which of `referencias` with this kind of notification, as (user,
    /// record) pairs (only the unread ones with `solo_sin_leer`): one read for a job that
    /// notifies many users about many records.
    fn notificados(
        &mut self,
        tipo: &str,
        referencias: &[Uuid],
        solo_sin_leer: bool,
    ) -> impl Future<Output = Result<std::collections::HashSet<(Uuid, Uuid)>>> + Send;
    /// A user's notifications, newest first (only the read or unread ones with `leida`), a page
    /// and the total.
    fn notificaciones(
        &mut self,
        usuario: Uuid,
        leida: Option<bool>,
        pagina: u32,
        tamanio: u32,
    ) -> impl Future<Output = Result<(Vec<Notificacion>, u64)>> + Send;
    /// Marks a user's notification read (1 when it is the user's, read or not; 0 when not), or
    /// with `None` all of them (how many were unread).
    fn leer_notificaciones(
        &mut self,
        usuario: Uuid,
        id: Option<Uuid>,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Inserts or updates a session.
    fn guardar_sesion(&mut self, s: &Sesion) -> impl Future<Output = Result<()>> + Send;
    /// A session, its row locked: two refreshes of one token wait for each other, and the second
    /// sees it revoked.
    fn sesion_bloqueada(&mut self, id: Uuid)
    -> impl Future<Output = Result<Option<Sesion>>> + Send;
    /// Ends every open session of a user.
    fn revocar_sesiones(
        &mut self,
        usuario: Uuid,
        ahora: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    fn registrar_evento(&mut self, e: &EventoAuditoria) -> impl Future<Output = Result<()>> + Send;
    /// The audit log, newest first, a page and the total.
    fn eventos(
        &mut self,
        f: &FiltroAuditoria,
    ) -> impl Future<Output = Result<(Vec<EventoAuditoria>, u64)>> + Send;
}
