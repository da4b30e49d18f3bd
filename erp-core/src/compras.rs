//! Purchases (contract §7): the purchase order and its receptions, which put the goods in stock.
//!
//! - A purchase order (`OC-000001`) is made `borrador` with its lines at the supplier's unit
//!   price before taxes; the engine taxes each line as a sale of that product would be taxed
//!   (IGV or IVA by the product's affectation), so the order shows what the supplier's invoice
//!   will show.
//! - Someone with `compras.aprobar_oc` approves it; it may then be marked `enviada` to the
//!   supplier. Only an approved (or sent) order is received.
//! - A reception takes, per order line, the quantity that arrived (less than ordered is a partial
//!   reception; more than still pending is refused: the order is amended first). Each line is a
//!   stock entry at the order's unit cost (converted to the company's currency at the reception's
//!   exchange rate), with `referencia_tipo = compra` and the order as reference; the order goes
//!   `recibida_parcial` or `recibida`, in the same unit of work.
//! - An order nothing has been received of may be cancelled; one received in part may be closed
//!   (`cerrada`: the rest will not come).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::calculo;
use crate::dinero::Moneda;
use crate::empresa::texto_opcional;
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::impuestos::peru::AfectacionIgv;
use crate::inventario::servicio::{self as inventario, Contexto, NuevoMovimiento};
use crate::inventario::{ReferenciaMovimiento, TipoMovimiento};
use crate::store::Uow;

/// The states of the contract's `enum_estado_orden_compra`. The engine's flows use all but
/// `pendiente_aprobacion`, which is read and approved as a draft is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoOrdenCompra {
    Borrador,
    PendienteAprobacion,
    Aprobada,
    Enviada,
    RecibidaParcial,
    Recibida,
    Cerrada,
    Cancelada,
}

impl EstadoOrdenCompra {
    pub const TODOS: [Self; 8] = [
        Self::Borrador,
        Self::PendienteAprobacion,
        Self::Aprobada,
        Self::Enviada,
        Self::RecibidaParcial,
        Self::Recibida,
        Self::Cerrada,
        Self::Cancelada,
    ];

    pub fn codigo(self) -> &'static str {
        match self {
            Self::Borrador => "borrador",
            Self::PendienteAprobacion => "pendiente_aprobacion",
            Self::Aprobada => "aprobada",
            Self::Enviada => "enviada",
            Self::RecibidaParcial => "recibida_parcial",
            Self::Recibida => "recibida",
            Self::Cerrada => "cerrada",
            Self::Cancelada => "cancelada",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Self::TODOS.into_iter().find(|e| e.codigo() == c)
    }

    /// Whether goods may be received against an order in this state.
    fn recibe(self) -> bool {
        matches!(self, Self::Aprobada | Self::Enviada | Self::RecibidaParcial)
    }
}

/// A line of a purchase order, with its taxes and what has arrived of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineaOrdenCompra {
    /// 1, 2, …: what a reception names.
    pub numero: u32,
    pub producto_id: Uuid,
    pub codigo: String,
    pub descripcion: String,
    pub unidad_medida: String,
    pub cantidad: Decimal,
    pub cantidad_recibida: Decimal,
    /// The supplier's unit price before taxes, in the order's currency.
    pub precio_unitario: Decimal,
    pub subtotal: Decimal,
    /// IGV (Peru, with ICBPER when the product carries it) or IVA and ICE (Ecuador).
    pub impuesto: Decimal,
    pub total: Decimal,
}

impl LineaOrdenCompra {
    pub fn pendiente(&self) -> Decimal {
        (self.cantidad - self.cantidad_recibida).max(Decimal::ZERO)
    }
}

/// A purchase order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdenCompra {
    pub id: Uuid,
    pub numero: String,
    pub proveedor_id: Uuid,
    pub almacen_destino_id: Uuid,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha: Date,
    #[serde(with = "crate::entrada::fecha_iso_opcional")]
    pub fecha_estimada_entrega: Option<Date>,
    pub estado: EstadoOrdenCompra,
    pub moneda: Moneda,
    pub lineas: Vec<LineaOrdenCompra>,
    pub total_base: Decimal,
    pub total_impuestos: Decimal,
    pub total: Decimal,
    pub notas: String,
    pub aprobado_por_id: Option<Uuid>,
    pub motivo_cancelacion: String,
    pub usuario_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// A line asked for in a purchase order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineaOrdenCompraNueva {
    pub producto_id: Uuid,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    /// Before taxes; the product's cost (`costo`) when absent.
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub precio_unitario: Option<Decimal>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaOrdenCompra {
    pub proveedor_id: Uuid,
    pub lineas: Vec<LineaOrdenCompraNueva>,
    /// The company's main warehouse when absent.
    #[serde(default)]
    pub almacen_destino_id: Option<Uuid>,
    #[serde(default, with = "crate::entrada::fecha_iso_opcional")]
    pub fecha_estimada_entrega: Option<Date>,
    /// The company's currency when absent.
    #[serde(default)]
    pub moneda: Option<Moneda>,
    #[serde(default)]
    pub notas: String,
}

/// The contract's `enum_tipo_recepcion`: whether the reception completed the order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoRecepcion {
    Total,
    Parcial,
}

impl TipoRecepcion {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Parcial => "parcial",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "total" => Self::Total,
            "parcial" => Self::Parcial,
            _ => return None,
        })
    }
}

/// A line of a reception: what arrived of one order line, and at what cost it entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineaRecepcion {
    pub numero_linea: u32,
    pub producto_id: Uuid,
    pub cantidad_recibida: Decimal,
    /// In the company's currency, before taxes: the stock entry's unit cost.
    pub costo_unitario: Decimal,
    pub lote: Option<String>,
    pub movimientos: Vec<Uuid>,
}

/// A reception of goods against a purchase order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recepcion {
    pub id: Uuid,
    pub orden_compra_id: Uuid,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_recepcion: Date,
    pub almacen_id: Uuid,
    pub tipo: TipoRecepcion,
    /// The rate the order's currency was converted at; `None` when it is the company's.
    pub tipo_de_cambio: Option<Decimal>,
    pub lineas: Vec<LineaRecepcion>,
    pub observaciones: String,
    pub recibido_por_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// What arrived of one order line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineaRecepcionNueva {
    /// The order line (1, 2, …).
    pub numero: u32,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    /// Required for lot-tracked products.
    #[serde(default)]
    pub lote: Option<String>,
    #[serde(default, with = "crate::entrada::fecha_iso_opcional")]
    pub vencimiento: Option<Date>,
    /// One per unit, for serial-tracked products.
    #[serde(default)]
    pub series: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaRecepcion {
    pub orden_compra_id: Uuid,
    pub lineas: Vec<LineaRecepcionNueva>,
    /// The order's warehouse when absent.
    #[serde(default)]
    pub almacen_id: Option<Uuid>,
    /// When the goods arrived; now when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub fecha: Option<OffsetDateTime>,
    /// Required when the order is not in the company's currency: the rate its prices enter
    /// stock at.
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub tipo_de_cambio: Option<Decimal>,
    #[serde(default)]
    pub observaciones: String,
}

/// How a product sold under `a` is bought. A free transfer (a gift, a bonus, a sample: codes 11 to
/// 16, 21, 31 to 37) is how the company gives it away, not how a supplier sells it: bought, it is
/// taxed as the onerous operation of its kind. An export product is bought in the country with
/// IGV. IVAP (17), exonerated (20) and unaffected (30) goods are bought as they are sold.
fn afectacion_de_compra(a: AfectacionIgv) -> AfectacionIgv {
    use AfectacionIgv::*;
    match a {
        GravadoRetiroPremio
        | GravadoRetiroDonacion
        | GravadoRetiro
        | GravadoRetiroPublicidad
        | GravadoBonificacion
        | GravadoRetiroTrabajadores
        | Exportacion => GravadoOneroso,
        ExoneradoGratuito => ExoneradoOneroso,
        InafectoBonificacion
        | InafectoRetiro
        | InafectoMuestrasMedicas
        | InafectoConvenioColectivo
        | InafectoPremio
        | InafectoPublicidad
        | InafectoGratuito => InafectoOneroso,
        otra => otra,
    }
}

/// A stock entry's error about one of its fields, named as the reception's line field.
fn en_linea(e: Error, i: usize) -> Error {
    let campo = match &e {
        Error::Validacion { campo: Some(c), .. }
            if ["cantidad", "lote", "vencimiento", "series"].contains(&c.as_str()) =>
        {
            format!("lineas[{i}].{c}")
        }
        _ => return e,
    };
    e.con_campo(&campo)
}

pub async fn crear_orden_compra<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaOrdenCompra,
) -> Result<OrdenCompra> {
    let empresa = uow.empresa().await?;
    match uow.proveedor(n.proveedor_id).await? {
        Some(p) if p.activo => {}
        Some(p) => {
            return Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("proveedor_id"),
                format!("el proveedor {} está desactivado", p.razon_social),
            ));
        }
        None => return Err(Error::no_existe("proveedor", n.proveedor_id)),
    }
    if n.lineas.is_empty() {
        return Err(Error::validacion(
            Codigo::DocumentoSinLineas,
            "lineas",
            "la orden de compra no tiene líneas",
        ));
    }
    // Before a product is read for each line.
    if n.lineas.len() > calculo::MAX_LINEAS {
        return Err(Error::validacion(
            Codigo::DocumentoDemasiadoGrande,
            "lineas",
            format!(
                "la orden tiene {} líneas; el máximo es {}",
                n.lineas.len(),
                calculo::MAX_LINEAS
            ),
        ));
    }
    let mut productos = Vec::with_capacity(n.lineas.len());
    for (i, l) in n.lineas.iter().enumerate() {
        let p = inventario::producto_vigente(uow, l.producto_id)
            .await
            .map_err(|_| {
                Error::validacion(
                    Codigo::NoEncontrado,
                    format!("lineas[{i}].producto_id"),
                    format!("línea {}: el producto {} no existe", i + 1, l.producto_id),
                )
            })?;
        if !p.activo {
            return Err(Error::validacion(
                Codigo::EstadoInvalido,
                format!("lineas[{i}].producto_id"),
                format!("línea {}: el producto {} está inactivo", i + 1, p.codigo),
            ));
        }
        if !entrada::max_decimales(l.cantidad, inventario::DECIMALES_CANTIDAD) {
            return Err(Error::validacion(
                Codigo::CantidadInvalida,
                format!("lineas[{i}].cantidad"),
                format!(
                    "línea {}: la cantidad {} admite hasta {} decimales",
                    i + 1,
                    l.cantidad,
                    inventario::DECIMALES_CANTIDAD
                ),
            ));
        }
        if p.requiere_serie && !l.cantidad.fract().is_zero() {
            return Err(Error::validacion(
                Codigo::CantidadInvalida,
                format!("lineas[{i}].cantidad"),
                format!(
                    "línea {}: {} se controla por serie: la cantidad debe ser entera",
                    i + 1,
                    p.codigo
                ),
            ));
        }
        if p.es_servicio {
            return Err(Error::validacion(
                Codigo::EstadoInvalido,
                format!("lineas[{i}].producto_id"),
                format!(
                    "línea {}: {} es un servicio: una orden de compra trae mercadería",
                    i + 1,
                    p.codigo
                ),
            ));
        }
        productos.push(p);
    }
    let almacen = inventario::almacen_elegido(uow, n.almacen_destino_id, "almacen_destino_id")
        .await?
        .id;
    let moneda = n.moneda.unwrap_or(empresa.moneda);
    let hoy = empresa.fecha_en(ctx.reloj.ahora());
    if let Some(f) = n.fecha_estimada_entrega.filter(|f| *f < hoy) {
        return Err(Error::validacion(
            Codigo::FechaInvalida,
            "fecha_estimada_entrega",
            format!(
                "la entrega estimada ({}) es anterior a hoy",
                entrada::formatear_fecha(f)
            ),
        ));
    }
    let precios: Vec<Decimal> = n
        .lineas
        .iter()
        .zip(&productos)
        .map(|(l, p)| l.precio_unitario.unwrap_or(p.costo))
        .collect();
    // Taxed as the engine taxes any document of the company: the same cents the supplier's
    // invoice carries, and the same validation of quantities, prices and currency.
    let doc = calculo::Documento {
        pais: empresa.pais,
        fecha: hoy,
        moneda: Some(moneda),
        tipo_de_cambio: None,
        precios_incluyen_impuesto: false,
        descuento_global: None,
        descuento_global_porcentaje: None,
        propina: None,
        configuracion: empresa.configuracion_tributaria(),
        retenciones: vec![],
        lineas: n
            .lineas
            .iter()
            .zip(&productos)
            .zip(&precios)
            .map(|((l, p), precio)| {
                let mut linea = crate::ventas::servicio::linea_de_calculo(
                    &empresa, p, l.cantidad, *precio, None, None,
                );
                linea.afectacion_igv = linea.afectacion_igv.map(afectacion_de_compra);
                linea
            })
            .collect(),
    };
    // The engine names the price `precio`; the order's caller sent `precio_unitario`.
    let calculado = calculo::calcular_documento(&doc).map_err(|e| match &e {
        Error::Validacion { campo: Some(c), .. } if c.ends_with(".precio") => {
            let campo = format!("{c}_unitario");
            e.con_campo(&campo)
        }
        _ => e,
    })?;
    let montos = crate::ventas::servicio::montos_por_linea(&calculado);
    let lineas: Vec<LineaOrdenCompra> = n
        .lineas
        .iter()
        .zip(&productos)
        .zip(precios)
        .zip(montos)
        .enumerate()
        .map(
            |(i, (((l, p), precio), (subtotal, impuesto, total)))| LineaOrdenCompra {
                numero: i as u32 + 1,
                producto_id: p.id,
                codigo: p.codigo.clone(),
                descripcion: p.nombre.clone(),
                unidad_medida: p.unidad_medida.clone(),
                cantidad: l.cantidad,
                cantidad_recibida: Decimal::ZERO,
                precio_unitario: precio,
                subtotal,
                impuesto,
                total,
            },
        )
        .collect();
    let total = calculado.total();
    let total_base: Decimal = lineas.iter().map(|l| l.subtotal).sum();
    let o = OrdenCompra {
        id: ctx.ids.nuevo(),
        numero: crate::ventas::pedidos::numero(uow, "OC").await?,
        proveedor_id: n.proveedor_id,
        almacen_destino_id: almacen,
        fecha: hoy,
        fecha_estimada_entrega: n.fecha_estimada_entrega,
        estado: EstadoOrdenCompra::Borrador,
        moneda,
        lineas,
        total_base,
        // The document's taxes are computed on its totals (Peru's IGV over the gravada), so
        // they are what the total leaves over the base, not the sum of the lines' rounding.
        total_impuestos: total - total_base,
        total,
        notas: texto_opcional("notas", &n.notas, 2000)?,
        aprobado_por_id: None,
        motivo_cancelacion: String::new(),
        usuario_id: ctx.usuario_id,
        creado_en: ctx.reloj.ahora(),
    };
    uow.guardar_orden_compra(&o).await?;
    Ok(o)
}

async fn orden_bloqueada<U: Uow>(uow: &mut U, id: Uuid) -> Result<OrdenCompra> {
    uow.orden_compra_bloqueada(id)
        .await?
        .ok_or_else(|| Error::no_existe("orden de compra", id))
}

/// Approves a draft order: from now on it may be sent and received.
pub async fn aprobar_orden_compra<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
) -> Result<OrdenCompra> {
    let mut o = orden_bloqueada(uow, id).await?;
    if !matches!(
        o.estado,
        EstadoOrdenCompra::Borrador | EstadoOrdenCompra::PendienteAprobacion
    ) {
        return Err(Error::estado_invalido(format!(
            "la orden {} está {}: solo se aprueba un borrador",
            o.numero,
            o.estado.codigo()
        )));
    }
    o.estado = EstadoOrdenCompra::Aprobada;
    o.aprobado_por_id = ctx.usuario_id;
    uow.guardar_orden_compra(&o).await?;
    Ok(o)
}

/// Marks an approved order as sent to the supplier.
pub async fn enviar_orden_compra<U: Uow>(uow: &mut U, id: Uuid) -> Result<OrdenCompra> {
    let mut o = orden_bloqueada(uow, id).await?;
    if o.estado != EstadoOrdenCompra::Aprobada {
        return Err(Error::estado_invalido(format!(
            "la orden {} está {}: solo se envía una aprobada",
            o.numero,
            o.estado.codigo()
        )));
    }
    o.estado = EstadoOrdenCompra::Enviada;
    uow.guardar_orden_compra(&o).await?;
    Ok(o)
}

/// Cancels an order nothing has been received of.
pub async fn cancelar_orden_compra<U: Uow>(
    uow: &mut U,
    id: Uuid,
    motivo: &str,
) -> Result<OrdenCompra> {
    let mut o = orden_bloqueada(uow, id).await?;
    match o.estado {
        EstadoOrdenCompra::Borrador
        | EstadoOrdenCompra::PendienteAprobacion
        | EstadoOrdenCompra::Aprobada
        | EstadoOrdenCompra::Enviada => {}
        otro => {
            return Err(Error::estado_invalido(format!(
                "la orden {} está {}: ya tiene mercadería recibida o está cerrada, no se cancela",
                o.numero,
                otro.codigo()
            )));
        }
    }
    o.estado = EstadoOrdenCompra::Cancelada;
    o.motivo_cancelacion = texto_opcional("motivo", motivo, 500)?;
    uow.guardar_orden_compra(&o).await?;
    Ok(o)
}

/// Closes a partly received order: what is still pending will not come (the supplier delivered
/// short). What arrived stays in stock.
pub async fn cerrar_orden_compra<U: Uow>(
    uow: &mut U,
    id: Uuid,
    motivo: &str,
) -> Result<OrdenCompra> {
    let mut o = orden_bloqueada(uow, id).await?;
    if o.estado != EstadoOrdenCompra::RecibidaParcial {
        return Err(Error::estado_invalido(format!(
            "la orden {} está {}: se cierra una orden recibida en parte (una sin recepciones se \
             cancela)",
            o.numero,
            o.estado.codigo()
        )));
    }
    o.estado = EstadoOrdenCompra::Cerrada;
    o.motivo_cancelacion = texto_opcional("motivo", motivo, 500)?;
    uow.guardar_orden_compra(&o).await?;
    Ok(o)
}

/// A price of the order in the company's currency. `tc` is the reception's rate, given as
/// everywhere in Peru (soles per dollar) whichever way the conversion goes: a dollar company's
/// order in soles divides by it.
fn en_moneda_empresa(precio: Decimal, orden: Moneda, empresa: Moneda, tc: Decimal) -> Decimal {
    let valor = match (orden, empresa) {
        (a, b) if a == b => precio,
        (Moneda::Pen, _) => precio / tc,
        _ => precio * tc,
    };
    crate::dinero::redondear_unitario(valor, 10)
}

/// The reception's rate: none when the order is in the company's currency, required otherwise.
fn tipo_de_cambio(o: &OrdenCompra, moneda_empresa: Moneda, tc: Option<Decimal>) -> Result<Decimal> {
    match (o.moneda == moneda_empresa, tc) {
        (true, None) => Ok(Decimal::ONE),
        (true, Some(_)) => Err(Error::validacion(
            Codigo::TipoDeCambioInvalido,
            "tipo_de_cambio",
            format!(
                "la orden {} está en {}, la moneda de la empresa: no lleva tipo de cambio",
                o.numero,
                o.moneda.codigo()
            ),
        )),
        (false, None) => Err(Error::validacion(
            Codigo::TipoDeCambioInvalido,
            "tipo_de_cambio",
            format!(
                "la orden {} está en {}: indique el tipo de cambio a {} para valorizar el stock",
                o.numero,
                o.moneda.codigo(),
                moneda_empresa.codigo()
            ),
        )),
        (false, Some(tc)) if entrada::tipo_de_cambio_valido(tc) => Ok(tc),
        (false, Some(tc)) => Err(Error::validacion(
            Codigo::TipoDeCambioInvalido,
            "tipo_de_cambio",
            format!("tipo de cambio {tc} inválido: debe ser positivo y tener hasta 3 decimales"),
        )),
    }
}

/// Receives goods against an approved or sent order: each line enters stock at its cost, and the
/// order records what arrived. All or nothing: a line that fails leaves no stock and no change.
pub async fn recepcionar<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaRecepcion,
) -> Result<(Recepcion, OrdenCompra)> {
    let empresa = uow.empresa().await?;
    let mut o = orden_bloqueada(uow, n.orden_compra_id).await?;
    if !o.estado.recibe() {
        return Err(Error::estado_invalido(format!(
            "la orden {} está {}: se recibe mercadería de una orden aprobada o enviada",
            o.numero,
            o.estado.codigo()
        )));
    }
    if n.lineas.is_empty() {
        return Err(Error::validacion(
            Codigo::DocumentoSinLineas,
            "lineas",
            "la recepción no tiene líneas",
        ));
    }
    let tc = tipo_de_cambio(&o, empresa.moneda, n.tipo_de_cambio)?;
    let almacen = inventario::almacen_elegido(
        uow,
        Some(n.almacen_id.unwrap_or(o.almacen_destino_id)),
        "almacen_id",
    )
    .await?;
    // Each order line once, and no more than is pending of it.
    let mut vistas = std::collections::BTreeSet::new();
    for (i, l) in n.lineas.iter().enumerate() {
        let campo = format!("lineas[{i}]");
        let Some(linea) = o.lineas.iter().find(|x| x.numero == l.numero) else {
            return Err(Error::validacion(
                Codigo::ValorNoPermitido,
                format!("{campo}.numero"),
                format!(
                    "la orden {} no tiene línea {} (tiene de 1 a {})",
                    o.numero,
                    l.numero,
                    o.lineas.len()
                ),
            ));
        };
        if !vistas.insert(l.numero) {
            return Err(Error::validacion(
                Codigo::Duplicado,
                format!("{campo}.numero"),
                format!("la línea {} se repite en la recepción", l.numero),
            ));
        }
        if l.cantidad <= Decimal::ZERO {
            return Err(Error::validacion(
                Codigo::CantidadInvalida,
                format!("{campo}.cantidad"),
                format!(
                    "línea {}: la cantidad recibida debe ser mayor que cero",
                    l.numero
                ),
            ));
        }
        if l.cantidad > linea.pendiente() {
            return Err(Error::validacion(
                Codigo::CantidadInvalida,
                format!("{campo}.cantidad"),
                format!(
                    "línea {} ({}): llegan {} pero quedan {} por recibir de {}; corrija la orden \
                     antes de recibir de más",
                    l.numero,
                    linea.codigo,
                    l.cantidad.normalize(),
                    linea.pendiente().normalize(),
                    linea.cantidad.normalize()
                ),
            ));
        }
    }
    let ahora = ctx.reloj.ahora();
    let fecha = n.fecha.unwrap_or(ahora);
    let recepcion_id = ctx.ids.nuevo();
    // The lines in product order: their stock rows are locked in one go in that order, as a sale
    // does, and a product's first row is made in that order too, so two receptions (or a sale)
    // of the same products wait for each other instead of deadlocking.
    let mut pedidas: Vec<(Uuid, usize, LineaRecepcionNueva)> = n
        .lineas
        .into_iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let producto = o.lineas.iter().find(|x| x.numero == l.numero)?.producto_id;
            Some((producto, i, l))
        })
        .collect();
    pedidas.sort_by_key(|(producto, i, _)| (*producto, *i));
    let mut pares: Vec<(Uuid, Uuid)> = pedidas.iter().map(|(p, ..)| (*p, almacen.id)).collect();
    pares.dedup();
    uow.bloquear_stocks(&pares).await?;
    let mut lineas = Vec::with_capacity(pedidas.len());
    for (_, i, l) in pedidas {
        let Some(linea) = o.lineas.iter_mut().find(|x| x.numero == l.numero) else {
            continue;
        };
        let producto = inventario::producto_vigente(uow, linea.producto_id).await?;
        let costo = en_moneda_empresa(linea.precio_unitario, o.moneda, empresa.moneda, tc);
        let mut m =
            NuevoMovimiento::new(TipoMovimiento::Entrada, producto.id, almacen.id, l.cantidad);
        m.costo_unitario = Some(costo);
        m.fecha = Some(fecha);
        m.lote = l.lote.clone();
        m.vencimiento = l.vencimiento;
        m.series = l.series;
        m.referencia_tipo = Some(ReferenciaMovimiento::Compra);
        m.referencia_id = Some(o.id);
        m.motivo = format!("recepción de la orden de compra {}", o.numero);
        let filas = inventario::registrar_movimiento_de(uow, ctx, &producto, &almacen, m)
            .await
            .map_err(|e| en_linea(e, i))?;
        linea.cantidad_recibida += l.cantidad;
        lineas.push(LineaRecepcion {
            numero_linea: l.numero,
            producto_id: producto.id,
            cantidad_recibida: l.cantidad,
            costo_unitario: costo,
            lote: l.lote,
            movimientos: filas.iter().map(|f| f.id).collect(),
        });
    }
    lineas.sort_by_key(|l| l.numero_linea);
    let completa = o.lineas.iter().all(|l| l.pendiente().is_zero());
    o.estado = if completa {
        EstadoOrdenCompra::Recibida
    } else {
        EstadoOrdenCompra::RecibidaParcial
    };
    let r = Recepcion {
        id: recepcion_id,
        orden_compra_id: o.id,
        fecha_recepcion: empresa.fecha_en(fecha),
        almacen_id: almacen.id,
        tipo: if completa {
            TipoRecepcion::Total
        } else {
            TipoRecepcion::Parcial
        },
        tipo_de_cambio: (o.moneda != empresa.moneda).then_some(tc),
        lineas,
        observaciones: texto_opcional("observaciones", &n.observaciones, 2000)?,
        recibido_por_id: ctx.usuario_id,
        creado_en: ahora,
    };
    uow.guardar_recepcion(&r).await?;
    uow.guardar_orden_compra(&o).await?;
    Ok((r, o))
}
