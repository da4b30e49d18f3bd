//! `Motor`: the engine's façade over a [`Store`]. Each operation opens a unit of work for the
//! company, runs the flow, and commits; on any error the unit of work is dropped and nothing is
//! written. Flows that must share a transaction (a sale and its stock movements) call the
//! functions of the modules directly with one unit of work.

use std::sync::Arc;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::empresa::{ConfiguracionEmpresa, Empresa, NuevaEmpresa};
use crate::error::Result;
use crate::inventario::servicio::{
    self, AlertaStock, CambiosAlmacen, CambiosCategoria, CambiosProducto, Contexto, NuevaCategoria,
    NuevaMarca, NuevaTransferencia, NuevoAjuste, NuevoAlmacen, NuevoMovimiento, NuevoProducto,
    StockAFecha,
};
use crate::inventario::{
    Almacen, Categoria, EstadoSerie, FiltroMovimientos, FiltroProductos, Marca, MovimientoStock,
    Producto, SerieProducto, Stock,
};
use crate::store::{GeneradorIds, Reloj, Store, Uow};

/// The engine over a store, with the clock and id source it is handed.
pub struct Motor<S: Store> {
    store: S,
    reloj: Arc<dyn Reloj>,
    ids: Arc<dyn GeneradorIds>,
}

impl<S: Store + Clone> Clone for Motor<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            reloj: self.reloj.clone(),
            ids: self.ids.clone(),
        }
    }
}

/// Opens a unit of work, runs the flow on it with a context, commits.
macro_rules! en_uow {
    ($self:ident, $empresa:expr, $usuario:expr, |$uow:ident, $ctx:ident| $cuerpo:expr) => {{
        let mut $uow = $self.store.begin($empresa).await?;
        let $ctx = Contexto {
            reloj: &*$self.reloj,
            ids: &*$self.ids,
            usuario_id: $usuario,
        };
        let r = $cuerpo.await?;
        $uow.commit().await?;
        Ok(r)
    }};
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
        Self { store, reloj, ids }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn ahora(&self) -> OffsetDateTime {
        self.reloj.ahora()
    }

    pub fn contexto(&self, usuario_id: Option<Uuid>) -> Contexto<'_> {
        Contexto {
            reloj: &*self.reloj,
            ids: &*self.ids,
            usuario_id,
        }
    }

    // --- Companies ------------------------------------------------------------------------------

    pub async fn crear_empresa(&self, nueva: NuevaEmpresa) -> Result<Empresa> {
        let empresa = nueva.construir(self.ids.nuevo(), self.reloj.ahora())?;
        self.store.crear_empresa(&empresa).await?;
        Ok(empresa)
    }

    pub async fn empresa(&self, empresa: Uuid) -> Result<Empresa> {
        leer!(self, empresa, |uow| uow.empresa())
    }

    pub async fn guardar_configuracion(
        &self,
        empresa: Uuid,
        c: ConfiguracionEmpresa,
    ) -> Result<ConfiguracionEmpresa> {
        c.valor_tipado()?;
        en_uow!(self, empresa, None, |uow, _ctx| async {
            uow.guardar_configuracion(&c).await?;
            Ok::<_, crate::error::Error>(c)
        })
    }

    pub async fn configuracion(&self, empresa: Uuid) -> Result<Vec<ConfiguracionEmpresa>> {
        leer!(self, empresa, |uow| uow.listar_configuracion())
    }

    // --- Catalogue ------------------------------------------------------------------------------

    pub async fn crear_categoria(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        n: NuevaCategoria,
    ) -> Result<Categoria> {
        en_uow!(
            self,
            empresa,
            usuario,
            |uow, ctx| servicio::crear_categoria(&mut uow, &ctx, n)
        )
    }

    pub async fn actualizar_categoria(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        id: Uuid,
        c: CambiosCategoria,
    ) -> Result<Categoria> {
        en_uow!(self, empresa, usuario, |uow, _ctx| {
            servicio::actualizar_categoria(&mut uow, id, c)
        })
    }

    pub async fn categorias(&self, empresa: Uuid) -> Result<Vec<Categoria>> {
        leer!(self, empresa, |uow| uow.listar_categorias())
    }

    pub async fn crear_marca(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        n: NuevaMarca,
    ) -> Result<Marca> {
        en_uow!(self, empresa, usuario, |uow, ctx| servicio::crear_marca(
            &mut uow, &ctx, n
        ))
    }

    pub async fn marcas(&self, empresa: Uuid) -> Result<Vec<Marca>> {
        leer!(self, empresa, |uow| uow.listar_marcas())
    }

    pub async fn crear_almacen(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        n: NuevoAlmacen,
    ) -> Result<Almacen> {
        en_uow!(self, empresa, usuario, |uow, ctx| servicio::crear_almacen(
            &mut uow, &ctx, n
        ))
    }

    pub async fn actualizar_almacen(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        id: Uuid,
        c: CambiosAlmacen,
    ) -> Result<Almacen> {
        en_uow!(self, empresa, usuario, |uow, _ctx| {
            servicio::actualizar_almacen(&mut uow, id, c)
        })
    }

    pub async fn almacenes(&self, empresa: Uuid) -> Result<Vec<Almacen>> {
        leer!(self, empresa, |uow| uow.listar_almacenes())
    }

    pub async fn crear_producto(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        n: NuevoProducto,
    ) -> Result<Producto> {
        en_uow!(self, empresa, usuario, |uow, ctx| servicio::crear_producto(
            &mut uow, &ctx, n
        ))
    }

    pub async fn actualizar_producto(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        id: Uuid,
        c: CambiosProducto,
    ) -> Result<Producto> {
        en_uow!(self, empresa, usuario, |uow, ctx| {
            servicio::actualizar_producto(&mut uow, &ctx, id, c)
        })
    }

    pub async fn eliminar_producto(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        id: Uuid,
    ) -> Result<Producto> {
        en_uow!(self, empresa, usuario, |uow, ctx| {
            servicio::eliminar_producto(&mut uow, &ctx, id)
        })
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
        usuario: Option<Uuid>,
        m: NuevoMovimiento,
    ) -> Result<Vec<MovimientoStock>> {
        en_uow!(self, empresa, usuario, |uow, ctx| {
            servicio::registrar_movimiento(&mut uow, &ctx, m)
        })
    }

    pub async fn transferir(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        t: NuevaTransferencia,
    ) -> Result<Vec<MovimientoStock>> {
        en_uow!(self, empresa, usuario, |uow, ctx| servicio::transferir(
            &mut uow, &ctx, t
        ))
    }

    pub async fn ajustar(
        &self,
        empresa: Uuid,
        usuario: Option<Uuid>,
        a: NuevoAjuste,
    ) -> Result<Vec<MovimientoStock>> {
        en_uow!(self, empresa, usuario, |uow, ctx| servicio::ajustar(
            &mut uow, &ctx, a
        ))
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
        usuario: Option<Uuid>,
        producto: Uuid,
        numero: &str,
        estado: EstadoSerie,
        observaciones: &str,
    ) -> Result<SerieProducto> {
        en_uow!(self, empresa, usuario, |uow, _ctx| {
            servicio::cambiar_estado_serie(&mut uow, producto, numero, estado, observaciones)
        })
    }
}
