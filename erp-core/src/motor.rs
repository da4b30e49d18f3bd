//! `Motor`: the engine's façade over a [`Store`]. Each operation opens a unit of work for the
//! company, runs the flow, and commits; on any error the unit of work is dropped and nothing is
//! written. Flows that must share a transaction (a sale and its stock movements) call the
//! functions of the modules directly with one unit of work.

use std::sync::Arc;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::compras::{
    self, EstadoOrdenCompra, NuevaOrdenCompra, NuevaRecepcion, OrdenCompra, Recepcion,
};
use crate::comprobantes::{
    self, Comprobante, EstadoComprobante, FiltroComprobantes, NuevaSerie, SerieComprobante,
};
use crate::empresa::{CambiosEmpresa, ConfiguracionEmpresa, Empresa, NuevaEmpresa};
use crate::error::Result;
use crate::error::{Codigo, Error};
use crate::eventos::{Evento, Eventos, Observador};
use crate::facturacion::envio::{self, Emisor, LogEnvio, PoliticaEnvio, Solicitud};
use crate::facturacion::nubefact;
use crate::inventario::servicio::{
    self, AlertaStock, CambiosAlmacen, CambiosCategoria, CambiosProducto, Contexto, NuevaCategoria,
    NuevaMarca, NuevaTransferencia, NuevoAjuste, NuevoAlmacen, NuevoMovimiento, NuevoProducto,
    StockAFecha,
};
use crate::inventario::{
    Almacen, Categoria, EstadoSerie, FiltroMovimientos, FiltroProductos, Marca, MovimientoStock,
    Producto, SerieProducto, Stock,
};
use crate::seguridad::servicio::{self as seguridad, CambiosUsuario, NuevoRol, NuevoUsuario};
use crate::seguridad::{
    Autor, Credencial, EventoAuditoria, FiltroAuditoria, Plan, Rol, Sesion, Usuario,
};
use crate::store::{GeneradorIds, Reloj, Store, Uow};
use crate::terceros::{
    self, CambiosCliente, CambiosProveedor, Cliente, NuevoCliente, NuevoProveedor, Proveedor,
};
use crate::trabajos::{self, Notificacion, Trabajo};
use crate::ventas::pedidos::{
    self, Cotizacion, GenerarVenta, NuevaCotizacion, NuevaOrden, OrdenVenta,
};
use crate::ventas::servicio::{
    self as ventas, Anulacion, ClaseNotaCredito, Devolucion, NotaCreditoValor, NotaDebitoNueva,
    NuevaNotaCredito, VentaPos,
};
use crate::ventas::{FiltroVentas, NuevaVenta, Venta, VentaEmitida};

/// The engine over a store, with the clock and id source it is handed.
pub struct Motor<S: Store> {
    store: S,
    reloj: Arc<dyn Reloj>,
    ids: Arc<dyn GeneradorIds>,
    observador: Option<Arc<dyn Observador>>,
}

impl<S: Store + Clone> Clone for Motor<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            reloj: self.reloj.clone(),
            ids: self.ids.clone(),
            observador: self.observador.clone(),
        }
    }
}

/// Opens a unit of work, runs the flow on it with a context of the author (anything that converts
/// into an [`Autor`]), commits. An async block, so that an error ends the block (the unit of work
/// is dropped, rolled back) and the caller sees it.
macro_rules! en_uow {
    ($self:ident, $empresa:expr, $autor:expr, |$uow:ident, $ctx:ident| $cuerpo:expr) => {
        async {
            let autor: Autor = $autor.into();
            let empresa_id: Uuid = $empresa;
            let eventos = Eventos::default();
            let mut $uow = $self.store.begin(empresa_id).await?;
            let $ctx = Contexto {
                reloj: &*$self.reloj,
                ids: &*$self.ids,
                usuario_id: autor.usuario_id,
                ip: &autor.ip,
                eventos: &eventos,
            };
            let r = $cuerpo.await?;
            $uow.commit().await?;
            $self.notificar(empresa_id, eventos.tomar());
            Ok(r)
        }
        .await
    };
}

/// As [`en_uow!`], and writes the act to the audit log in the same unit of work: the log has an
/// entry exactly when the act committed. `|r| detalle` names what was acted on from the result.
macro_rules! auditado {
    (
        $self:ident, $empresa:expr, $autor:expr,
        ($accion:expr, $modulo:expr, |$r:ident| $detalle:expr),
        |$uow:ident, $ctx:ident| $cuerpo:expr
    ) => {
        en_uow!($self, $empresa, $autor, |$uow, $ctx| async {
            let r = $cuerpo.await?;
            let detalle: String = {
                let $r = &r;
                $detalle
            };
            seguridad::auditar(&mut $uow, &$ctx, $accion, $modulo, &detalle).await?;
            Ok::<_, Error>(r)
        })
    };
}

/// Opens a read-only unit of work and runs a query on it.
macro_rules! leer {
    ($self:ident, $empresa:expr, |$uow:ident| $cuerpo:expr) => {{
        let mut $uow = $self.store.begin_lectura($empresa).await?;
        $cuerpo.await
    }};
}

impl<S: Store> Motor<S> {
    pub fn new(store: S, reloj: Arc<dyn Reloj>, ids: Arc<dyn GeneradorIds>) -> Self {
        Self {
            store,
            reloj,
            ids,
            observador: None,
        }
    }

    /// The engine that tells `observador` what each unit of work did, once it has committed.
    pub fn con_observador(mut self, observador: Arc<dyn Observador>) -> Self {
        self.observador = Some(observador);
        self
    }

    fn notificar(&self, empresa_id: Uuid, eventos: Vec<Evento>) {
        if let (Some(o), false) = (&self.observador, eventos.is_empty()) {
            o.notificar(empresa_id, &eventos);
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn ahora(&self) -> OffsetDateTime {
        self.reloj.ahora()
    }

    // --- Companies ------------------------------------------------------------------------------

    pub async fn crear_empresa(&self, nueva: NuevaEmpresa) -> Result<Empresa> {
        let empresa = nueva.construir(self.ids.nuevo(), self.reloj.ahora())?;
        self.store.crear_empresa(&empresa).await?;
        // Its background jobs from the start (a server also schedules any a company lacks).
        self.programar_trabajos(empresa.id).await?;
        Ok(empresa)
    }

    pub async fn empresa(&self, empresa: Uuid) -> Result<Empresa> {
        leer!(self, empresa, |uow| uow.empresa())
    }

    /// Edits the company's configuration (an admin's act: the caller checks who may).
    pub async fn actualizar_empresa(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        c: CambiosEmpresa,
    ) -> Result<Empresa> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "empresa", |r| r.identificacion.clone()),
            |uow, ctx| async {
                let e = c.aplicar(uow.empresa().await?)?;
                uow.actualizar_empresa(&e).await?;
                // Configured now: what was issued before waits no longer.
                if envio::envia(&e) && uow.programar_envios(ctx.reloj.ahora()).await? > 0 {
                    ctx.eventos.emitir(Evento::EnvioProgramado {
                        comprobante_id: None,
                    });
                }
                Ok::<_, Error>(e)
            }
        )
    }

    /// Sets the company's SaaS plan (the operator's command, not an endpoint: a company does not
    /// choose its own limits). Limits already exceeded stay as they are: they stop what comes next.
    pub async fn asignar_plan(&self, empresa: Uuid, plan: Plan) -> Result<Empresa> {
        en_uow!(self, empresa, None, |uow, ctx| async {
            let mut e = uow.empresa().await?;
            let detalle = serde_json::to_string(&plan).map_err(Error::almacenamiento)?;
            uow.guardar_plan(&plan).await?;
            e.plan = plan;
            seguridad::auditar(&mut uow, &ctx, "asignar_plan", "empresa", &detalle).await?;
            Ok::<_, Error>(e)
        })
    }

    pub async fn guardar_configuracion(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        c: ConfiguracionEmpresa,
    ) -> Result<ConfiguracionEmpresa> {
        c.valor_tipado()?;
        auditado!(
            self,
            empresa,
            autor,
            ("configurar", "empresa", |r| format!(
                "{} = {}",
                r.clave, r.valor
            )),
            |uow, ctx| async {
                uow.guardar_configuracion(&c).await?;
                Ok::<_, crate::error::Error>(c)
            }
        )
    }

    pub async fn configuracion(&self, empresa: Uuid) -> Result<Vec<ConfiguracionEmpresa>> {
        leer!(self, empresa, |uow| uow.listar_configuracion())
    }

    // --- Catalogue ------------------------------------------------------------------------------

    pub async fn crear_categoria(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaCategoria,
    ) -> Result<Categoria> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "inventario", |r| format!("categoría {}", r.nombre)),
            |uow, ctx| servicio::crear_categoria(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_categoria(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        c: CambiosCategoria,
    ) -> Result<Categoria> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "inventario", |r| format!(
                "categoría {}",
                r.nombre
            )),
            |uow, ctx| { servicio::actualizar_categoria(&mut uow, id, c) }
        )
    }

    pub async fn categoria(&self, empresa: Uuid, id: Uuid) -> Result<Categoria> {
        leer!(self, empresa, |uow| uow.categoria(id))?
            .ok_or_else(|| Error::no_existe("categoría", id))
    }

    pub async fn categorias(&self, empresa: Uuid) -> Result<Vec<Categoria>> {
        leer!(self, empresa, |uow| uow.listar_categorias())
    }

    pub async fn crear_marca(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaMarca,
    ) -> Result<Marca> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "inventario", |r| format!("marca {}", r.nombre)),
            |uow, ctx| servicio::crear_marca(&mut uow, &ctx, n)
        )
    }

    pub async fn marcas(&self, empresa: Uuid) -> Result<Vec<Marca>> {
        leer!(self, empresa, |uow| uow.listar_marcas())
    }

    pub async fn crear_almacen(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevoAlmacen,
    ) -> Result<Almacen> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "inventario", |r| format!("almacén {}", r.nombre)),
            |uow, ctx| servicio::crear_almacen(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_almacen(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        c: CambiosAlmacen,
    ) -> Result<Almacen> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "inventario", |r| format!("almacén {}", r.nombre)),
            |uow, ctx| { servicio::actualizar_almacen(&mut uow, id, c) }
        )
    }

    pub async fn almacen(&self, empresa: Uuid, id: Uuid) -> Result<Almacen> {
        leer!(self, empresa, |uow| uow.almacen(id))?.ok_or_else(|| Error::no_existe("almacén", id))
    }

    pub async fn almacenes(&self, empresa: Uuid) -> Result<Vec<Almacen>> {
        leer!(self, empresa, |uow| uow.listar_almacenes())
    }

    pub async fn crear_producto(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevoProducto,
    ) -> Result<Producto> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "inventario", |r| r.codigo.clone()),
            |uow, ctx| servicio::crear_producto(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_producto(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        c: CambiosProducto,
    ) -> Result<Producto> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "inventario", |r| r.codigo.clone()),
            |uow, ctx| { servicio::actualizar_producto(&mut uow, &ctx, id, c) }
        )
    }

    pub async fn eliminar_producto(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<Producto> {
        auditado!(
            self,
            empresa,
            autor,
            ("eliminar", "inventario", |r| r.codigo.clone()),
            |uow, ctx| { servicio::eliminar_producto(&mut uow, &ctx, id) }
        )
    }

    pub async fn producto(&self, empresa: Uuid, id: Uuid) -> Result<Producto> {
        leer!(self, empresa, |uow| servicio::producto_vigente(
            &mut uow, id
        ))
    }

    /// A product by code or barcode (the POS scanner).
    pub async fn producto_por_codigo(
        &self,
        empresa: Uuid,
        codigo: &str,
    ) -> Result<Option<Producto>> {
        let codigo = codigo.trim().to_uppercase();
        leer!(self, empresa, |uow| uow.producto_por_codigo(&codigo))
            .map(|p| p.filter(|p| p.eliminado_en.is_none()))
    }

    pub async fn buscar_productos(
        &self,
        empresa: Uuid,
        f: &FiltroProductos,
    ) -> Result<(Vec<Producto>, u64)> {
        leer!(self, empresa, |uow| servicio::buscar_productos(&mut uow, f))
    }

    // --- Stock ------------------------------------------------------------------------------------

    pub async fn registrar_movimiento(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        m: NuevoMovimiento,
    ) -> Result<Vec<MovimientoStock>> {
        auditado!(
            self,
            empresa,
            autor,
            ("movimiento", "inventario", |r| resumen_movimientos(r)),
            |uow, ctx| { servicio::registrar_movimiento(&mut uow, &ctx, m) }
        )
    }

    pub async fn transferir(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        t: NuevaTransferencia,
    ) -> Result<Vec<MovimientoStock>> {
        auditado!(
            self,
            empresa,
            autor,
            ("transferencia", "inventario", |r| resumen_movimientos(r)),
            |uow, ctx| servicio::transferir(&mut uow, &ctx, t)
        )
    }

    pub async fn ajustar(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        a: NuevoAjuste,
    ) -> Result<Vec<MovimientoStock>> {
        auditado!(
            self,
            empresa,
            autor,
            ("ajuste", "inventario", |r| resumen_movimientos(r)),
            |uow, ctx| servicio::ajustar(&mut uow, &ctx, a)
        )
    }

    pub async fn stock(
        &self,
        empresa: Uuid,
        producto: Option<Uuid>,
        almacen: Option<Uuid>,
    ) -> Result<Vec<Stock>> {
        leer!(self, empresa, |uow| uow.listar_stock(producto, almacen))
    }

    pub async fn stock_a_fecha(
        &self,
        empresa: Uuid,
        producto: Uuid,
        almacen: Option<Uuid>,
        instante: OffsetDateTime,
    ) -> Result<Vec<StockAFecha>> {
        leer!(self, empresa, |uow| servicio::stock_a_fecha(
            &mut uow, producto, almacen, instante
        ))
    }

    pub async fn movimientos(
        &self,
        empresa: Uuid,
        f: &FiltroMovimientos,
    ) -> Result<Vec<MovimientoStock>> {
        leer!(self, empresa, |uow| uow.listar_movimientos(f))
    }

    pub async fn alertas_stock_minimo(&self, empresa: Uuid) -> Result<Vec<AlertaStock>> {
        leer!(self, empresa, |uow| servicio::alertas_stock_minimo(
            &mut uow
        ))
    }

    pub async fn series(&self, empresa: Uuid, producto: Uuid) -> Result<Vec<SerieProducto>> {
        leer!(self, empresa, |uow| uow.listar_series(producto))
    }

    pub async fn cambiar_estado_serie(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        producto: Uuid,
        numero: &str,
        estado: EstadoSerie,
        observaciones: &str,
    ) -> Result<SerieProducto> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "inventario", |r| format!(
                "serie {} {}",
                r.numero_serie,
                r.estado.codigo()
            )),
            |uow, ctx| {
                servicio::cambiar_estado_serie(&mut uow, producto, numero, estado, observaciones)
            }
        )
    }

    // --- Customers and suppliers ----------------------------------------------------------------

    pub async fn crear_cliente(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevoCliente,
    ) -> Result<Cliente> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "clientes", |r| r.numero_documento.clone()),
            |uow, ctx| terceros::crear_cliente(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_cliente(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        c: CambiosCliente,
    ) -> Result<Cliente> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "clientes", |r| r.numero_documento.clone()),
            |uow, ctx| { terceros::actualizar_cliente(&mut uow, id, c) }
        )
    }

    pub async fn cliente(&self, empresa: Uuid, id: Uuid) -> Result<Cliente> {
        leer!(self, empresa, |uow| uow.cliente(id))?.ok_or_else(|| Error::no_existe("cliente", id))
    }

    /// Customers by name or document number.
    pub async fn buscar_clientes(
        &self,
        empresa: Uuid,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Cliente>, u64)> {
        leer!(self, empresa, |uow| uow
            .buscar_clientes(texto, pagina, tamanio))
    }

    /// A customer's sales, newest first.
    pub async fn historial_cliente(
        &self,
        empresa: Uuid,
        cliente: Uuid,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Venta>, u64)> {
        self.cliente(empresa, cliente).await?;
        let f = FiltroVentas {
            cliente_id: Some(cliente),
            pagina,
            tamanio_pagina: tamanio,
            ..Default::default()
        };
        leer!(self, empresa, |uow| uow.listar_ventas(&f))
    }

    pub async fn crear_proveedor(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevoProveedor,
    ) -> Result<Proveedor> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "proveedores", |r| r.ruc.clone()),
            |uow, ctx| terceros::crear_proveedor(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_proveedor(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        c: CambiosProveedor,
    ) -> Result<Proveedor> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "proveedores", |r| r.ruc.clone()),
            |uow, ctx| { terceros::actualizar_proveedor(&mut uow, id, c) }
        )
    }

    pub async fn proveedor(&self, empresa: Uuid, id: Uuid) -> Result<Proveedor> {
        leer!(self, empresa, |uow| uow.proveedor(id))?
            .ok_or_else(|| Error::no_existe("proveedor", id))
    }

    pub async fn buscar_proveedores(
        &self,
        empresa: Uuid,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Proveedor>, u64)> {
        leer!(self, empresa, |uow| uow
            .buscar_proveedores(texto, pagina, tamanio))
    }

    // --- Series, sales and notes ------------------------------------------------------------------

    pub async fn crear_serie(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaSerie,
    ) -> Result<SerieComprobante> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "facturacion", |r| r.serie.clone()),
            |uow, ctx| comprobantes::crear_serie(&mut uow, &ctx, n)
        )
    }

    pub async fn series_comprobante(&self, empresa: Uuid) -> Result<Vec<SerieComprobante>> {
        leer!(self, empresa, |uow| uow.series_comprobante())
    }

    /// Makes a sale. A retry with the same idempotency key, even one racing the first, returns
    /// the first sale and creates nothing.
    pub async fn vender(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaVenta,
    ) -> Result<VentaEmitida> {
        let inicio = self.reloj.ahora();
        let clave = n.clave_idempotencia.clone();
        let r: Result<VentaEmitida> = auditado!(
            self,
            empresa,
            autor,
            ("venta", "ventas", |r| resumen_venta(r, inicio)),
            |uow, ctx| ventas::vender(&mut uow, &ctx, n)
        );
        self.idempotente(empresa, clave, r).await
    }

    /// A counter sale: items by code or barcode.
    pub async fn venta_pos(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        v: VentaPos,
    ) -> Result<VentaEmitida> {
        let inicio = self.reloj.ahora();
        let clave = v.clave_idempotencia.clone();
        let r: Result<VentaEmitida> = auditado!(
            self,
            empresa,
            autor,
            ("venta", "ventas", |r| resumen_venta(r, inicio)),
            |uow, ctx| ventas::venta_pos(&mut uow, &ctx, v)
        );
        self.idempotente(empresa, clave, r).await
    }

    async fn idempotente(
        &self,
        empresa: Uuid,
        clave: Option<String>,
        r: Result<VentaEmitida>,
    ) -> Result<VentaEmitida> {
        match (r, clave) {
            (
                Err(Error::Conflicto {
                    codigo: Codigo::Duplicado,
                    campo: Some(c),
                    ..
                }),
                Some(clave),
            ) if c == "clave_idempotencia" => {
                let mut uow = self.store.begin_lectura(empresa).await?;
                let venta = uow
                    .venta_por_clave(clave.trim())
                    .await?
                    .ok_or_else(|| Error::almacenamiento("venta idempotente no encontrada"))?;
                ventas::emitida(&mut uow, venta).await
            }
            (r, _) => r,
        }
    }

    pub async fn anular_venta(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        venta: Uuid,
        a: Anulacion,
    ) -> Result<Comprobante> {
        let inicio = self.reloj.ahora();
        auditado!(
            self,
            empresa,
            autor,
            ("anular", "ventas", |r| resumen_nota(r, inicio)),
            |uow, ctx| ventas::anular(&mut uow, &ctx, venta, a)
        )
    }

    pub async fn devolver(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        venta: Uuid,
        d: Devolucion,
    ) -> Result<Comprobante> {
        let inicio = self.reloj.ahora();
        auditado!(
            self,
            empresa,
            autor,
            ("devolucion", "ventas", |r| resumen_nota(r, inicio)),
            |uow, ctx| ventas::devolver(&mut uow, &ctx, venta, d)
        )
    }

    /// A credit note on a comprobante: the annulment, a return or a note of value of its sale, as
    /// [`NuevaNotaCredito::clase`] reads the request.
    pub async fn nota_credito(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaNotaCredito,
    ) -> Result<Comprobante> {
        let c = self.comprobante(empresa, n.comprobante_id).await?;
        match n.clase(&c)? {
            ClaseNotaCredito::Anulacion(a) => {
                self.anular_venta(empresa, autor, c.venta_id, a).await
            }
            ClaseNotaCredito::Devolucion(d) => self.devolver(empresa, autor, c.venta_id, d).await,
            ClaseNotaCredito::Valor(v) => {
                self.nota_credito_valor(empresa, autor, c.venta_id, v).await
            }
        }
    }

    /// A credit note of value (a discount or a decrease after the sale): no stock moves.
    pub async fn nota_credito_valor(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        venta: Uuid,
        n: NotaCreditoValor,
    ) -> Result<Comprobante> {
        let inicio = self.reloj.ahora();
        auditado!(
            self,
            empresa,
            autor,
            ("nota_credito", "ventas", |r| resumen_nota(r, inicio)),
            |uow, ctx| { ventas::nota_credito_valor(&mut uow, &ctx, venta, n) }
        )
    }

    pub async fn nota_debito(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        venta: Uuid,
        n: NotaDebitoNueva,
    ) -> Result<Comprobante> {
        let inicio = self.reloj.ahora();
        auditado!(
            self,
            empresa,
            autor,
            ("nota_debito", "ventas", |r| resumen_nota(r, inicio)),
            |uow, ctx| ventas::nota_debito(&mut uow, &ctx, venta, n)
        )
    }

    pub async fn venta(&self, empresa: Uuid, id: Uuid) -> Result<Venta> {
        leer!(self, empresa, |uow| uow.venta(id))?.ok_or_else(|| Error::no_existe("venta", id))
    }

    pub async fn ventas(&self, empresa: Uuid, f: &FiltroVentas) -> Result<(Vec<Venta>, u64)> {
        leer!(self, empresa, |uow| uow.listar_ventas(f))
    }

    pub async fn comprobantes_de_venta(
        &self,
        empresa: Uuid,
        venta: Uuid,
    ) -> Result<Vec<Comprobante>> {
        leer!(self, empresa, |uow| uow.comprobantes_de_venta(venta))
    }

    // --- E-invoicing ---------------------------------------------------------------------------

    /// One attempt of the outbox: claims the oldest due comprobante of any company, sends it
    /// through `emisor` outside any transaction (consulting first when an earlier attempt may
    /// have arrived; consulting after "already exists", sending after "does not exist"), and
    /// records every request and the outcome in one unit of work. `None` when nothing is due.
    ///
    /// A failure to record (the database went away) loses nothing: the lease ends, the next claim
    /// finds it and consults before sending again.
    pub async fn enviar_siguiente(
        &self,
        emisor: &dyn Emisor,
        politica: &PoliticaEnvio,
    ) -> Result<Option<(Uuid, Comprobante)>> {
        self.enviar_siguiente_de(None, emisor, politica).await
    }

    /// As [`Motor::enviar_siguiente`], for one company's comprobantes only (an embedded engine
    /// bound to its company sends nobody else's).
    pub async fn enviar_siguiente_de(
        &self,
        empresa: Option<Uuid>,
        emisor: &dyn Emisor,
        politica: &PoliticaEnvio,
    ) -> Result<Option<(Uuid, Comprobante)>> {
        let Some((empresa_id, c)) = self
            .store
            .reclamar_envio(self.reloj.ahora(), politica.plazo, empresa)
            .await?
        else {
            return Ok(None);
        };
        let (politica, ahora) = (*politica, self.reloj.ahora());
        if let Some(r) = envio::abandonado(&c, &politica) {
            return self
                .registrar_envio(empresa_id, &c, Vec::new(), |a| {
                    envio::aplicar(a, &r, &politica, ahora)
                })
                .await;
        }
        // A baja in progress sends `generar_anulacion`; otherwise the comprobante itself.
        let baja = c.envio.baja_en_proceso().is_some();
        let operacion = if baja {
            nubefact::GENERAR_ANULACION
        } else {
            nubefact::GENERAR_COMPROBANTE
        };
        let (destino, generar, referencia) = {
            let mut uow = self.store.begin_lectura(empresa_id).await?;
            let empresa = uow.empresa().await?;
            let (cuerpo, referencia) = if baja {
                (envio::solicitud_de_baja(&c), None)
            } else {
                envio::emision_y_referencia(&mut uow, &empresa, &c).await?
            };
            let generar = cuerpo.map(|v| (operacion, v));
            (envio::destino(&empresa), generar, referencia)
        };
        // A note goes after SUNAT has the document it modifies (Nubefact refuses it before).
        if let Some(r) = referencia.filter(|r| !envio::aceptado(r)) {
            return self
                .registrar_envio(empresa_id, &c, Vec::new(), |a| {
                    envio::esperar_referencia(a, &r, &politica, ahora)
                })
                .await;
        }
        let mut logs = Vec::new();
        let resultado = match (destino, generar) {
            (None, _) => nubefact::Resultado::Permanente {
                codigo: 0,
                mensaje: "la empresa no tiene configuradas la ruta y el token de Nubefact".into(),
            },
            (Some(_), Err(e)) => {
                // SUNAT would reject it: said once, in the log, for a person to correct.
                let mensaje = e.mensaje().into_owned();
                logs.push(self.log(
                    &c,
                    operacion,
                    serde_json::Value::Null,
                    None,
                    String::new(),
                    ("invalido", mensaje.clone()),
                    self.reloj.ahora(),
                ));
                nubefact::Resultado::Permanente { codigo: 0, mensaje }
            }
            (Some(destino), Ok(generar)) => {
                self.intento(emisor, &destino, &c, generar, &mut logs)
                    .await?
            }
        };
        let ahora = self.reloj.ahora();
        self.registrar_envio(empresa_id, &c, logs, |a| {
            envio::aplicar(a, &resultado, &politica, ahora)
        })
        .await
    }

    /// Writes an attempt's requests, and its outcome (`desenlace`) unless the comprobante is no
    /// longer this attempt's (see [`Motor::enviar_siguiente`]). A baja SUNAT accepted annuls the
    /// sale here, in the same unit of work: the comprobante is `anulado` exactly when its stock
    /// is back.
    async fn registrar_envio(
        &self,
        empresa_id: Uuid,
        c: &Comprobante,
        logs: Vec<LogEnvio>,
        desenlace: impl Fn(&mut Comprobante) + Send + Sync,
    ) -> Result<Option<(Uuid, Comprobante)>> {
        match self.registrar(empresa_id, c, &logs, &desenlace, true).await {
            // SUNAT voided it, but its sale could not be annulled (a lot the sale did not
            // record…): what SUNAT said is recorded all the same, and a person returns the stock.
            Err(e) if !matches!(e, Error::Almacenamiento { .. }) => {
                let n = c.numero_completo();
                let aviso = move |a: &mut Comprobante| {
                    desenlace(a);
                    a.envio.ultimo_error = format!(
                        "SUNAT anuló {n}, pero la venta no se pudo anular: {}; devuelva el stock con un ajuste",
                        e.mensaje()
                    );
                };
                self.registrar(empresa_id, c, &logs, &aviso, false).await
            }
            r => r,
        }
    }

    async fn registrar(
        &self,
        empresa_id: Uuid,
        c: &Comprobante,
        logs: &[LogEnvio],
        desenlace: &(impl Fn(&mut Comprobante) + Send + Sync),
        anular_venta: bool,
    ) -> Result<Option<(Uuid, Comprobante)>> {
        let r: Option<Comprobante> = en_uow!(self, empresa_id, None, |uow, ctx| async {
            for l in logs {
                uow.insertar_log_envio(l).await?;
            }
            let Some(mut actual) = uow.comprobante_bloqueado(c.id).await? else {
                return Ok::<_, Error>(None);
            };
            // Another worker took it after this lease ended, or a person resent it: its outcome
            // is theirs to write; the requests stay logged.
            if actual.envio.reclamado_hasta != c.envio.reclamado_hasta {
                return Ok(Some(actual));
            }
            let antes = actual.estado;
            let baja_antes = actual.envio.baja.as_ref().map(|b| b.estado);
            desenlace(&mut actual);
            if anular_venta
                && antes != EstadoComprobante::Anulado
                && actual.estado == EstadoComprobante::Anulado
            {
                ventas::anular_por_baja(&mut uow, &ctx, &actual).await?;
            }
            uow.guardar_envio(&actual).await?;
            if actual.estado != antes {
                ctx.eventos.emitir(Evento::ComprobanteEstado {
                    comprobante_id: actual.id,
                    estado: actual.estado,
                });
            }
            if let Some(b) = actual
                .envio
                .baja
                .as_ref()
                .filter(|b| Some(b.estado) != baja_antes)
            {
                ctx.eventos.emitir(Evento::BajaEstado {
                    comprobante_id: actual.id,
                    estado: b.estado,
                });
            }
            Ok(Some(actual))
        })?;
        Ok(r.map(|c| (empresa_id, c)))
    }

    /// The requests of one attempt: consult or send, then follow what the gateway says.
    async fn intento(
        &self,
        emisor: &dyn Emisor,
        destino: &envio::Destino,
        c: &Comprobante,
        generar: envio::Peticion,
        logs: &mut Vec<LogEnvio>,
    ) -> Result<nubefact::Resultado> {
        let mut consultar = c.envio.incierto;
        // At most: consult → 24 → send → 23 → consult. Anything longer is contradictory.
        for _ in 0..3 {
            let (operacion, cuerpo) = if consultar {
                envio::solicitud_de_consulta(c)?
            } else {
                (generar.0, generar.1.clone())
            };
            let solicitud = Solicitud {
                operacion,
                comprobante_id: c.id,
                numero: c.numero_completo(),
                cuerpo,
            };
            let inicio = self.reloj.ahora();
            let r = emisor.enviar(destino, &solicitud).await;
            logs.push(self.log(
                c,
                operacion,
                solicitud.cuerpo,
                r.estado_http,
                r.cuerpo,
                envio::describir(&r.resultado),
                inicio,
            ));
            match (&r.resultado, consultar) {
                (nubefact::Resultado::YaExiste(_), false) => consultar = true,
                (nubefact::Resultado::NoExiste(_), true) => consultar = false,
                _ => return Ok(r.resultado),
            }
        }
        Ok(nubefact::Resultado::Transitorio(
            "Nubefact respondió a la vez que el número existe y que no existe".into(),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn log(
        &self,
        c: &Comprobante,
        operacion: &str,
        solicitud: serde_json::Value,
        estado_http: Option<u16>,
        respuesta: String,
        (resultado, mensaje): (&str, String),
        inicio: OffsetDateTime,
    ) -> LogEnvio {
        let ahora = self.reloj.ahora();
        LogEnvio {
            id: self.ids.nuevo(),
            comprobante_id: c.id,
            operacion: operacion.into(),
            intento: c.envio.intentos,
            solicitud,
            estado_http: estado_http.map(i32::from),
            respuesta: crate::entrada::truncar(&respuesta, 20_000),
            resultado: resultado.into(),
            mensaje: crate::entrada::truncar(&mensaje, 2_000),
            duracion_ms: i64::try_from((ahora - inicio).whole_milliseconds()).unwrap_or(i64::MAX),
            creado_en: inicio,
        }
    }

    /// A person's resend of a comprobante that failed (or waits with nothing due): due now, its
    /// attempts counted afresh. It consults first when an earlier attempt may have arrived.
    pub async fn reenviar_comprobante(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<Comprobante> {
        auditado!(
            self,
            empresa,
            autor,
            ("reenviar", "facturacion", |r| r.numero_completo()),
            |uow, ctx| async {
                let e = uow.empresa().await?;
                let mut c = uow
                    .comprobante_bloqueado(id)
                    .await?
                    .ok_or_else(|| Error::no_existe("comprobante", id))?;
                let ahora = ctx.reloj.ahora();
                // A failed baja that never reached SUNAT is asked anew: checked again as when it
                // was first asked (a note may have been issued since, the days may have passed).
                // One that may have reached SUNAT is consulted first, whatever the date.
                if c.envio.baja_por_rehacer() {
                    uow.venta_bloqueada(c.venta_id).await?;
                    let notas = uow.comprobantes_de_venta(c.venta_id).await?;
                    envio::admite_baja(&c, &notas, e.fecha_en(ahora))?;
                }
                let antes = c.estado;
                envio::reenviar(&e, &mut c, ahora)?;
                uow.guardar_envio(&c).await?;
                if c.estado != antes {
                    ctx.eventos.emitir(Evento::ComprobanteEstado {
                        comprobante_id: c.id,
                        estado: c.estado,
                    });
                }
                ctx.eventos.emitir(Evento::EnvioProgramado {
                    comprobante_id: Some(c.id),
                });
                Ok::<_, Error>(c)
            }
        )
    }

    /// A person's comunicación de baja of an accepted factura or boleta (audited): queued for
    /// the outbox, which sends it and follows SUNAT's ticket. When SUNAT accepts it the
    /// comprobante is `anulado` and its sale annulled, stock back (see
    /// [`Motor::enviar_siguiente`]).
    pub async fn anular_comprobante(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        motivo: &str,
    ) -> Result<Comprobante> {
        auditado!(
            self,
            empresa,
            autor,
            ("anular", "facturacion", |r| format!(
                "comunicación de baja de {}",
                r.numero_completo()
            )),
            |uow, ctx| async {
                let e = uow.empresa().await?;
                let mut c = uow
                    .comprobante_bloqueado(id)
                    .await?
                    .ok_or_else(|| Error::no_existe("comprobante", id))?;
                // The sale's lock orders this baja with any note on it: whichever commits first,
                // the other sees it (a note refuses a sale whose comprobante is being voided).
                uow.venta_bloqueada(c.venta_id).await?;
                let notas = uow.comprobantes_de_venta(c.venta_id).await?;
                let ahora = ctx.reloj.ahora();
                envio::solicitar_baja(&e, &mut c, &notas, motivo, ahora, e.fecha_en(ahora))?;
                uow.guardar_envio(&c).await?;
                ctx.eventos.emitir(Evento::EnvioProgramado {
                    comprobante_id: Some(c.id),
                });
                Ok::<_, Error>(c)
            }
        )
    }

    /// The `generar_comprobante` request Nubefact receives for a stored comprobante, as the
    /// outbox builds it (for a host that shows it or sends it by other means).
    pub async fn solicitud_nubefact(&self, empresa: Uuid, id: Uuid) -> Result<serde_json::Value> {
        let mut uow = self.store.begin_lectura(empresa).await?;
        let e = uow.empresa().await?;
        let c = uow
            .comprobante(id)
            .await?
            .ok_or_else(|| Error::no_existe("comprobante", id))?;
        envio::emision_y_referencia(&mut uow, &e, &c).await?.0
    }

    pub async fn comprobante(&self, empresa: Uuid, id: Uuid) -> Result<Comprobante> {
        leer!(self, empresa, |uow| uow.comprobante(id))?
            .ok_or_else(|| Error::no_existe("comprobante", id))
    }

    pub async fn comprobantes(
        &self,
        empresa: Uuid,
        f: &FiltroComprobantes,
    ) -> Result<(Vec<Comprobante>, u64)> {
        leer!(self, empresa, |uow| uow.listar_comprobantes(f))
    }

    /// The send log, newest first (of one comprobante, or all).
    pub async fn logs_envio(
        &self,
        empresa: Uuid,
        comprobante: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<LogEnvio>, u64)> {
        leer!(self, empresa, |uow| uow.logs_envio(
            comprobante,
            pagina,
            tamanio
        ))
    }

    // --- Quotations and orders -----------------------------------------------------------------

    pub async fn crear_cotizacion(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaCotizacion,
    ) -> Result<Cotizacion> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "ventas", |r| format!("cotización {}", r.numero)),
            |uow, ctx| pedidos::crear_cotizacion(&mut uow, &ctx, n)
        )
    }

    pub async fn duplicar_cotizacion(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<Cotizacion> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "ventas", |r| format!("cotización {}", r.numero)),
            |uow, ctx| { pedidos::duplicar_cotizacion(&mut uow, &ctx, id) }
        )
    }

    pub async fn rechazar_cotizacion(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        motivo: &str,
    ) -> Result<Cotizacion> {
        auditado!(
            self,
            empresa,
            autor,
            ("rechazar", "ventas", |r| format!("cotización {}", r.numero)),
            |uow, ctx| { pedidos::rechazar_cotizacion(&mut uow, &ctx, id, motivo) }
        )
    }

    /// The scheduler's job: expires the company's quotations past their validity.
    pub async fn vencer_cotizaciones(&self, empresa: Uuid) -> Result<u64> {
        en_uow!(
            self,
            empresa,
            None,
            |uow, ctx| pedidos::vencer_cotizaciones(&mut uow, &ctx)
        )
    }

    // --- Background jobs ---------------------------------------------------------------------------

    /// Schedules the company's next run of each kind of job it lacks (at company creation, at
    /// server start, and now and then for companies another process created).
    pub async fn programar_trabajos(&self, empresa: Uuid) -> Result<u32> {
        en_uow!(self, empresa, None, |uow, ctx| trabajos::programar(
            &mut uow, &ctx
        ))
    }

    /// Claims one due run of any company for `plazo` and runs it; `None` when none is due. A
    /// run that fails is recorded (and retried later): the answer is the run as it was left.
    pub async fn ejecutar_trabajo(&self, plazo: time::Duration) -> Result<Option<(Uuid, Trabajo)>> {
        let Some((empresa, t)) = self
            .store
            .reclamar_trabajo(self.reloj.ahora(), plazo)
            .await?
        else {
            return Ok(None);
        };
        let r: Result<Option<Trabajo>> = en_uow!(self, empresa, None, |uow, ctx| {
            trabajos::ejecutar(&mut uow, &ctx, t.id)
        });
        let error = match r {
            Ok(hecho) => return Ok(Some((empresa, hecho.unwrap_or(t)))),
            Err(e) => e,
        };
        let mensaje = error.to_string();
        let registrado: Option<Trabajo> = en_uow!(self, empresa, None, |uow, ctx| {
            trabajos::registrar_fallo(&mut uow, &ctx, t.id, &mensaje)
        })?;
        Ok(Some((empresa, registrado.unwrap_or(t))))
    }

    /// The company's latest job runs: what is due, what ran and what failed.
    pub async fn trabajos(&self, empresa: Uuid, limite: u32) -> Result<Vec<Trabajo>> {
        leer!(self, empresa, |uow| uow.trabajos(limite))
    }

    pub async fn notificaciones(
        &self,
        empresa: Uuid,
        usuario: Uuid,
        leida: Option<bool>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Notificacion>, u64)> {
        leer!(self, empresa, |uow| uow
            .notificaciones(usuario, leida, pagina, tamanio))
    }

    /// Marks one notification of the user (or all, with `None`) read; a notification that is not
    /// the user's is `no_encontrado`.
    pub async fn leer_notificaciones(
        &self,
        empresa: Uuid,
        usuario: Uuid,
        id: Option<Uuid>,
    ) -> Result<u64> {
        en_uow!(self, empresa, Some(usuario), |uow, _ctx| async {
            let n = uow.leer_notificaciones(usuario, id).await?;
            match id {
                Some(id) if n == 0 => Err(Error::no_existe("notificación", id)),
                _ => Ok::<_, Error>(n),
            }
        })
    }

    /// The company's date now, read in the unit of work.
    async fn hoy<U: Uow>(&self, uow: &mut U) -> Result<time::Date> {
        Ok(uow.empresa().await?.fecha_en(self.reloj.ahora()))
    }

    pub async fn cotizacion(&self, empresa: Uuid, id: Uuid) -> Result<Cotizacion> {
        let mut uow = self.store.begin_lectura(empresa).await?;
        let hoy = self.hoy(&mut uow).await?;
        let c = uow.cotizacion(id).await?;
        c.map(|c| c.al_dia(hoy))
            .ok_or_else(|| Error::no_existe("cotización", id))
    }

    pub async fn cotizaciones(
        &self,
        empresa: Uuid,
        cliente: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Cotizacion>, u64)> {
        let mut uow = self.store.begin_lectura(empresa).await?;
        let hoy = self.hoy(&mut uow).await?;
        let (filas, total) = uow.listar_cotizaciones(cliente, pagina, tamanio).await?;
        Ok((filas.into_iter().map(|c| c.al_dia(hoy)).collect(), total))
    }

    pub async fn convertir_a_orden(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        almacen: Option<Uuid>,
    ) -> Result<OrdenVenta> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "ventas", |r| format!("orden {}", r.numero)),
            |uow, ctx| { pedidos::convertir_a_orden(&mut uow, &ctx, id, almacen) }
        )
    }

    pub async fn crear_orden(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaOrden,
    ) -> Result<OrdenVenta> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "ventas", |r| format!("orden {}", r.numero)),
            |uow, ctx| pedidos::crear_orden(&mut uow, &ctx, n)
        )
    }

    pub async fn confirmar_orden(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<OrdenVenta> {
        auditado!(
            self,
            empresa,
            autor,
            ("confirmar", "ventas", |r| format!("orden {}", r.numero)),
            |uow, ctx| pedidos::confirmar_orden(&mut uow, id)
        )
    }

    pub async fn cancelar_orden(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        motivo: &str,
    ) -> Result<OrdenVenta> {
        auditado!(
            self,
            empresa,
            autor,
            ("cancelar", "ventas", |r| format!("orden {}", r.numero)),
            |uow, ctx| pedidos::cancelar_orden(&mut uow, id, motivo)
        )
    }

    pub async fn generar_venta(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        g: GenerarVenta,
    ) -> Result<VentaEmitida> {
        let inicio = self.reloj.ahora();
        auditado!(
            self,
            empresa,
            autor,
            ("venta", "ventas", |r| resumen_venta(r, inicio)),
            |uow, ctx| pedidos::generar_venta(&mut uow, &ctx, id, g)
        )
    }

    pub async fn orden(&self, empresa: Uuid, id: Uuid) -> Result<OrdenVenta> {
        leer!(self, empresa, |uow| uow.orden(id))?.ok_or_else(|| {
            Error::no_encontrado(
                "orden de venta",
                format!("orden {id} no existe en esta empresa"),
            )
        })
    }

    pub async fn ordenes(
        &self,
        empresa: Uuid,
        cliente: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<OrdenVenta>, u64)> {
        leer!(self, empresa, |uow| uow
            .listar_ordenes(cliente, pagina, tamanio))
    }
}

/// Purchases: orders to suppliers and the receptions that stock their goods.
impl<S: Store> Motor<S> {
    pub async fn crear_orden_compra(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaOrdenCompra,
    ) -> Result<OrdenCompra> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "compras", |r| format!(
                "orden de compra {} por {} {}",
                r.numero,
                r.moneda.codigo(),
                r.total
            )),
            |uow, ctx| compras::crear_orden_compra(&mut uow, &ctx, n)
        )
    }

    /// An approval: the audit log names who approved what amount.
    pub async fn aprobar_orden_compra(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<OrdenCompra> {
        auditado!(
            self,
            empresa,
            autor,
            ("aprobar", "compras", |r| format!(
                "orden de compra {} por {} {}",
                r.numero,
                r.moneda.codigo(),
                r.total
            )),
            |uow, ctx| compras::aprobar_orden_compra(&mut uow, &ctx, id)
        )
    }

    pub async fn enviar_orden_compra(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<OrdenCompra> {
        auditado!(
            self,
            empresa,
            autor,
            ("enviar", "compras", |r| format!(
                "orden de compra {}",
                r.numero
            )),
            |uow, ctx| compras::enviar_orden_compra(&mut uow, id)
        )
    }

    pub async fn cancelar_orden_compra(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        motivo: &str,
    ) -> Result<OrdenCompra> {
        auditado!(
            self,
            empresa,
            autor,
            ("cancelar", "compras", |r| format!(
                "orden de compra {}",
                r.numero
            )),
            |uow, ctx| compras::cancelar_orden_compra(&mut uow, id, motivo)
        )
    }

    /// Closes an order received in part: the rest will not come.
    pub async fn cerrar_orden_compra(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        motivo: &str,
    ) -> Result<OrdenCompra> {
        auditado!(
            self,
            empresa,
            autor,
            ("cerrar", "compras", |r| format!(
                "orden de compra {}",
                r.numero
            )),
            |uow, ctx| compras::cerrar_orden_compra(&mut uow, id, motivo)
        )
    }

    /// Receives goods against an order; returns the reception and the order as it is after it.
    pub async fn recepcionar(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevaRecepcion,
    ) -> Result<(Recepcion, OrdenCompra)> {
        auditado!(
            self,
            empresa,
            autor,
            ("recepcionar", "compras", |r| format!(
                "recepción {} de la orden de compra {} ({} líneas)",
                r.0.tipo.codigo(),
                r.1.numero,
                r.0.lineas.len()
            )),
            |uow, ctx| compras::recepcionar(&mut uow, &ctx, n)
        )
    }

    pub async fn orden_compra(&self, empresa: Uuid, id: Uuid) -> Result<OrdenCompra> {
        leer!(self, empresa, |uow| uow.orden_compra(id))?
            .ok_or_else(|| Error::no_existe("orden de compra", id))
    }

    pub async fn ordenes_compra(
        &self,
        empresa: Uuid,
        proveedor: Option<Uuid>,
        estado: Option<EstadoOrdenCompra>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<OrdenCompra>, u64)> {
        leer!(self, empresa, |uow| uow
            .listar_ordenes_compra(proveedor, estado, pagina, tamanio))
    }

    /// A supplier's purchase history (seed 000 process 4): its orders, newest first. A supplier
    /// of another company is not found, as its other reads.
    pub async fn compras_de_proveedor(
        &self,
        empresa: Uuid,
        proveedor: Uuid,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<OrdenCompra>, u64)> {
        let mut uow = self.store.begin_lectura(empresa).await?;
        if uow.proveedor(proveedor).await?.is_none() {
            return Err(Error::no_existe("proveedor", proveedor));
        }
        uow.listar_ordenes_compra(Some(proveedor), None, pagina, tamanio)
            .await
    }

    /// Receptions, newest first; those of one order when `orden` is given (which must exist).
    pub async fn recepciones(
        &self,
        empresa: Uuid,
        orden: Option<Uuid>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Recepcion>, u64)> {
        let mut uow = self.store.begin_lectura(empresa).await?;
        if let Some(id) = orden
            && uow.orden_compra(id).await?.is_none()
        {
            return Err(Error::no_existe("orden de compra", id));
        }
        uow.listar_recepciones(orden, pagina, tamanio).await
    }
}

/// Security: users, roles, sessions and the audit log.
impl<S: Store> Motor<S> {
    /// Creates the seeded roles, or brings them up to date (`erp seed-permisos`).
    pub async fn seed_permisos(&self, empresa: Uuid) -> Result<Vec<Rol>> {
        auditado!(
            self,
            empresa,
            None,
            ("seed_permisos", "roles", |r| format!("{} roles", r.len())),
            |uow, ctx| seguridad::seed_permisos(&mut uow, &ctx)
        )
    }

    pub async fn crear_usuario(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevoUsuario,
    ) -> Result<Usuario> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "usuarios", |r| r.email.clone()),
            |uow, ctx| seguridad::crear_usuario(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_usuario(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        c: CambiosUsuario,
    ) -> Result<Usuario> {
        auditado!(
            self,
            empresa,
            autor,
            ("editar", "usuarios", |r| r.email.clone()),
            |uow, ctx| { seguridad::actualizar_usuario(&mut uow, &ctx, id, c) }
        )
    }

    pub async fn eliminar_usuario(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
    ) -> Result<()> {
        auditado!(
            self,
            empresa,
            autor,
            ("eliminar", "usuarios", |_r| id.to_string()),
            |uow, ctx| { seguridad::eliminar_usuario(&mut uow, &ctx, id) }
        )
    }

    pub async fn usuario(&self, empresa: Uuid, id: Uuid) -> Result<Usuario> {
        leer!(self, empresa, |uow| seguridad::usuario_vigente(
            &mut uow, id
        ))
    }

    pub async fn usuarios(
        &self,
        empresa: Uuid,
        texto: Option<&str>,
        pagina: u32,
        tamanio: u32,
    ) -> Result<(Vec<Usuario>, u64)> {
        leer!(self, empresa, |uow| uow
            .listar_usuarios(texto, pagina, tamanio))
    }

    /// The live user with this email, for a login to check the password against.
    pub async fn usuario_por_email(&self, empresa: Uuid, email: &str) -> Result<Option<Usuario>> {
        leer!(self, empresa, |uow| uow.usuario_por_email(email))
    }

    /// Who a request comes from: a live session of an active user of an active company, in one
    /// read. A session that ended, expired or is another user's is `sesion_invalida`; any other
    /// failure is the same "credentials" refusal, whatever failed.
    pub async fn acceso(
        &self,
        empresa: Uuid,
        usuario: Uuid,
        sesion: Option<Uuid>,
    ) -> Result<Credencial> {
        let mut uow = self.store.begin_lectura(empresa).await?;
        let c = uow
            .credencial(usuario, sesion)
            .await?
            .ok_or_else(seguridad::credenciales_invalidas)?;
        if !c.empresa_activa || !c.usuario.vigente() {
            return Err(seguridad::credenciales_invalidas());
        }
        if sesion.is_some() {
            let ahora = self.reloj.ahora();
            match &c.sesion {
                Some(s)
                    if s.revocada_en.is_none()
                        && s.expira_en > ahora
                        && s.usuario_id == usuario => {}
                _ => return Err(seguridad::sesion_invalida()),
            }
        }
        Ok(c)
    }

    /// Records a login attempt whose password the caller checked (outside any transaction: a
    /// password hash takes tens of milliseconds, and SQLite has one writer). A correct one opens
    /// a session; both are audited, except a correct password on a locked account, which is
    /// refused (`cuenta_bloqueada`) and leaves nothing.
    pub async fn registrar_login(
        &self,
        empresa: Uuid,
        usuario: Uuid,
        correcto: bool,
        vida: time::Duration,
        origen: (&str, &str),
    ) -> Result<Option<Sesion>> {
        en_uow!(
            self,
            empresa,
            Autor::new(Some(usuario), origen.0),
            |uow, ctx| async {
                // Locked: concurrent attempts of one user count one by one.
                let u = match uow.usuario_bloqueado(usuario).await? {
                    Some(u) if u.vigente() => u,
                    _ => {
                        seguridad::auditar(&mut uow, &ctx, "login_fallido", "auth", "").await?;
                        return Ok(None);
                    }
                };
                if let Err(bloqueo) = seguridad::puede_ingresar(&u, ctx.reloj.ahora()) {
                    // Only who knows the password learns that the account is locked.
                    if correcto {
                        return Err(bloqueo);
                    }
                    seguridad::auditar(&mut uow, &ctx, "login_fallido", "auth", "").await?;
                    return Ok(None);
                }
                seguridad::registrar_intento(&mut uow, &ctx, u, correcto).await?;
                if correcto {
                    let s = seguridad::abrir_sesion(&mut uow, &ctx, usuario, vida, origen).await?;
                    seguridad::auditar(&mut uow, &ctx, "login", "auth", "").await?;
                    Ok(Some(s))
                } else {
                    seguridad::auditar(&mut uow, &ctx, "login_fallido", "auth", "").await?;
                    Ok(None)
                }
            }
        )
    }

    /// Refresh with rotation: the old session ends, a new one starts.
    pub async fn refrescar_sesion(
        &self,
        empresa: Uuid,
        sesion: Uuid,
        vida: time::Duration,
        origen: (&str, &str),
    ) -> Result<(Usuario, Sesion)> {
        en_uow!(self, empresa, None, |uow, ctx| seguridad::rotar_sesion(
            &mut uow, &ctx, sesion, vida, origen
        ))?
        .ok_or_else(seguridad::sesion_invalida)
    }

    pub async fn cerrar_sesion(
        &self,
        empresa: Uuid,
        usuario: Uuid,
        sesion: Uuid,
        ip: &str,
    ) -> Result<()> {
        en_uow!(
            self,
            empresa,
            Autor::new(Some(usuario), ip),
            |uow, ctx| async {
                seguridad::cerrar_sesion(&mut uow, &ctx, sesion).await?;
                seguridad::auditar(&mut uow, &ctx, "logout", "auth", "").await
            }
        )
    }

    pub async fn roles(&self, empresa: Uuid) -> Result<Vec<Rol>> {
        leer!(self, empresa, |uow| uow.roles())
    }

    pub async fn rol(&self, empresa: Uuid, id: Uuid) -> Result<Rol> {
        leer!(self, empresa, |uow| uow.rol(id))?.ok_or_else(|| Error::no_existe("rol", id))
    }

    pub async fn crear_rol(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        n: NuevoRol,
    ) -> Result<Rol> {
        auditado!(
            self,
            empresa,
            autor,
            ("crear", "roles", |r| r.codigo.clone()),
            |uow, ctx| seguridad::crear_rol(&mut uow, &ctx, n)
        )
    }

    pub async fn asignar_permisos(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        id: Uuid,
        permisos: Vec<String>,
    ) -> Result<Rol> {
        auditado!(
            self,
            empresa,
            autor,
            ("permisos", "roles", |r| r.codigo.clone()),
            |uow, ctx| { seguridad::asignar_permisos(&mut uow, &ctx, id, &permisos) }
        )
    }

    /// Writes an entry of the audit log in its own unit of work: for acts outside the engine (an
    /// export, a printed report). The engine's own acts are logged with them.
    pub async fn auditar(
        &self,
        empresa: Uuid,
        autor: impl Into<Autor>,
        (accion, modulo, detalle): (&str, &str, &str),
    ) -> Result<()> {
        en_uow!(self, empresa, autor, |uow, ctx| seguridad::auditar(
            &mut uow, &ctx, accion, modulo, detalle
        ))
    }

    pub async fn auditoria(
        &self,
        empresa: Uuid,
        f: &FiltroAuditoria,
    ) -> Result<(Vec<EventoAuditoria>, u64)> {
        leer!(self, empresa, |uow| uow.eventos(f))
    }

    /// The companies where a live user has this email.
    pub async fn empresas_de_email(&self, email: &str) -> Result<Vec<Uuid>> {
        self.store.empresas_de_email(email).await
    }
}

/// An audit entry's account of stock movements: kind, quantity, product and warehouse of each.
fn resumen_movimientos(filas: &[MovimientoStock]) -> String {
    filas
        .iter()
        .map(|m| {
            format!(
                "{} {} de {} en {}",
                m.tipo.codigo(),
                m.cantidad,
                m.producto_id,
                m.almacen_id
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Marks an entry of a retry that returned what an earlier request issued (an idempotency
/// key): made before this request began.
fn reintento(creado_en: OffsetDateTime, inicio: OffsetDateTime) -> &'static str {
    if creado_en < inicio {
        " (reintento: ya emitida)"
    } else {
        ""
    }
}

/// An audit entry's account of a note.
fn resumen_nota(c: &Comprobante, inicio: OffsetDateTime) -> String {
    format!("{}{}", c.numero_completo(), reintento(c.creado_en, inicio))
}

/// An audit entry's account of a sale: its comprobante, total and how it was paid.
fn resumen_venta(v: &VentaEmitida, inicio: OffsetDateTime) -> String {
    let pagos = v
        .venta
        .pagos
        .iter()
        .map(|p| format!("{} {}", p.metodo.codigo(), p.monto))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} total {} {} ({}); pagos: {}{}",
        v.comprobante.numero_completo(),
        v.venta.moneda.codigo(),
        v.venta.total,
        v.venta.condicion.codigo(),
        if pagos.is_empty() { "ninguno" } else { &pagos },
        reintento(v.venta.creado_en, inicio)
    )
}
