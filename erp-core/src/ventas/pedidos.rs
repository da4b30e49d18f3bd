//! Quotations and sales orders (contract flow 1): quotation → order → sale.
//!
//! - A quotation (`COT-000001`) is priced and taxed by `calcular_documento` when made, and is
//!   `vigente` until its validity date; a scheduled job marks it `vencida` the day after. An
//!   expired quotation is read-only: it can only be duplicated (new dates, `vigente`).
//!   Converting it makes a sales order and leaves it `aceptada`.
//! - A sales order (`OV-000001`) is `pendiente`; confirming it reserves its stock (available =
//!   on hand − reserved, so no one else can sell it); generating the sale releases the reservation
//!   and makes the sale in the same unit of work; cancelling releases it too.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::servicio::vender;
use super::{LineaVentaNueva, NuevaVenta, Pago, VentaEmitida};
use crate::calculo;
use crate::dinero::Moneda;
use crate::empresa::texto_opcional;
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::inventario::Stock;
use crate::inventario::servicio::{self as inventario, Contexto};
use crate::store::Uow;

/// A line of a quotation or order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineaPedido {
    pub producto_id: Uuid,
    pub codigo: String,
    pub descripcion: String,
    pub cantidad: Decimal,
    pub precio: Decimal,
    pub descuento: Option<Decimal>,
    pub descuento_porcentaje: Option<Decimal>,
    pub es_servicio: bool,
}

/// A line asked for in a quotation or order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineaPedidoNueva {
    pub producto_id: Uuid,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub precio: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento_porcentaje: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoCotizacion {
    Vigente,
    Aceptada,
    Vencida,
    Rechazada,
}

impl EstadoCotizacion {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Vigente => "vigente",
            Self::Aceptada => "aceptada",
            Self::Vencida => "vencida",
            Self::Rechazada => "rechazada",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "vigente" => Self::Vigente,
            "aceptada" => Self::Aceptada,
            "vencida" => Self::Vencida,
            "rechazada" => Self::Rechazada,
            _ => return None,
        })
    }
}

/// A quotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cotizacion {
    pub id: Uuid,
    pub numero: String,
    pub cliente_id: Uuid,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_emision: Date,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_validez: Date,
    pub estado: EstadoCotizacion,
    pub moneda: Moneda,
    pub precios_incluyen_impuesto: bool,
    pub descuento_global: Option<Decimal>,
    pub lineas: Vec<LineaPedido>,
    pub total: Decimal,
    /// The computed document (`DocumentoCalculado` as JSON).
    pub documento: serde_json::Value,
    pub notas: String,
    pub condiciones: String,
    /// The quotation this one was duplicated from.
    pub origen_id: Option<Uuid>,
    pub orden_id: Option<Uuid>,
    pub motivo_rechazo: String,
    pub usuario_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaCotizacion {
    pub cliente_id: Uuid,
    pub lineas: Vec<LineaPedidoNueva>,
    /// Days it stays valid (15 by default).
    #[serde(default)]
    pub dias_validez: Option<u32>,
    #[serde(default)]
    pub moneda: Option<Moneda>,
    #[serde(default)]
    pub precios_incluyen_impuesto: Option<bool>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento_global: Option<Decimal>,
    #[serde(default)]
    pub notas: String,
    #[serde(default)]
    pub condiciones: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoOrden {
    Pendiente,
    Confirmada,
    Completada,
    Cancelada,
}

impl EstadoOrden {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Pendiente => "pendiente",
            Self::Confirmada => "confirmada",
            Self::Completada => "completada",
            Self::Cancelada => "cancelada",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "pendiente" => Self::Pendiente,
            "confirmada" => Self::Confirmada,
            "completada" => Self::Completada,
            "cancelada" => Self::Cancelada,
            _ => return None,
        })
    }
}

/// A sales order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdenVenta {
    pub id: Uuid,
    pub numero: String,
    pub cliente_id: Uuid,
    pub cotizacion_id: Option<Uuid>,
    pub almacen_id: Uuid,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha: Date,
    pub estado: EstadoOrden,
    pub moneda: Moneda,
    pub precios_incluyen_impuesto: bool,
    pub descuento_global: Option<Decimal>,
    pub lineas: Vec<LineaPedido>,
    pub total: Decimal,
    pub venta_id: Option<Uuid>,
    pub motivo_cancelacion: String,
    pub usuario_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaOrden {
    pub cliente_id: Uuid,
    pub lineas: Vec<LineaPedidoNueva>,
    #[serde(default)]
    pub almacen_id: Option<Uuid>,
    #[serde(default)]
    pub moneda: Option<Moneda>,
    #[serde(default)]
    pub precios_incluyen_impuesto: Option<bool>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub descuento_global: Option<Decimal>,
}

/// Prices and taxes lines for the customer, as a sale would.
struct Precio {
    lineas: Vec<LineaPedido>,
    inc: bool,
    moneda: Moneda,
    total: Decimal,
    documento: serde_json::Value,
}

async fn preciar<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    cliente_id: Uuid,
    lineas: &[LineaPedidoNueva],
    moneda: Option<Moneda>,
    inc: Option<bool>,
    descuento_global: Option<Decimal>,
) -> Result<Precio> {
    let empresa = uow.empresa().await?;
    match uow.cliente(cliente_id).await? {
        Some(c) if c.activo => {}
        Some(c) => {
            return Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("cliente_id"),
                format!("el cliente {} está desactivado", c.razon_social),
            ));
        }
        None => return Err(Error::no_existe("cliente", cliente_id)),
    }
    if lineas.is_empty() {
        return Err(Error::validacion(
            Codigo::DocumentoSinLineas,
            "lineas",
            "el documento no tiene líneas",
        ));
    }
    let mut productos = Vec::with_capacity(lineas.len());
    for (i, l) in lineas.iter().enumerate() {
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
        productos.push(p);
    }
    let precios: Vec<Option<Decimal>> = lineas.iter().map(|l| l.precio).collect();
    let inc = super::servicio::base_de_precios(inc, &productos, &precios)?;
    let moneda = moneda.unwrap_or(empresa.moneda);
    let hoy = empresa.fecha_en(ctx.reloj.ahora());
    let pedido: Vec<LineaPedido> = lineas
        .iter()
        .zip(&productos)
        .map(|(l, p)| LineaPedido {
            producto_id: p.id,
            codigo: p.codigo.clone(),
            descripcion: p.nombre.clone(),
            cantidad: l.cantidad,
            precio: l.precio.unwrap_or(p.precio_venta),
            descuento: l.descuento,
            descuento_porcentaje: l.descuento_porcentaje,
            es_servicio: p.es_servicio,
        })
        .collect();
    let doc = calculo::Documento {
        pais: empresa.pais,
        fecha: hoy,
        moneda: Some(moneda),
        tipo_de_cambio: None,
        precios_incluyen_impuesto: inc,
        descuento_global,
        descuento_global_porcentaje: None,
        propina: None,
        configuracion: empresa.configuracion_tributaria(),
        retenciones: vec![],
        lineas: pedido
            .iter()
            .zip(&productos)
            .map(|(l, p)| {
                super::servicio::linea_de_calculo(
                    &empresa,
                    p,
                    l.cantidad,
                    l.precio,
                    l.descuento,
                    l.descuento_porcentaje,
                )
            })
            .collect(),
    };
    let calculado = calculo::calcular_documento(&doc)?;
    Ok(Precio {
        lineas: pedido,
        inc,
        moneda,
        total: calculado.total(),
        documento: serde_json::to_value(&calculado).map_err(Error::almacenamiento)?,
    })
}

/// The next number of a document kind of the company: `COT-000001`, `OV-000001`, `OC-000001`.
pub(crate) async fn numero<U: Uow>(uow: &mut U, prefijo: &str) -> Result<String> {
    let n = uow.siguiente_contador(&format!("numero.{prefijo}")).await?;
    Ok(format!("{prefijo}-{n:06}"))
}

pub async fn crear_cotizacion<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaCotizacion,
) -> Result<Cotizacion> {
    let dias = n.dias_validez.unwrap_or(15);
    if !(1..=365).contains(&dias) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "dias_validez",
            "la validez es de 1 a 365 días",
        ));
    }
    let precio = preciar(
        uow,
        ctx,
        n.cliente_id,
        &n.lineas,
        n.moneda,
        n.precios_incluyen_impuesto,
        n.descuento_global,
    )
    .await?;
    let hoy = uow.empresa().await?.fecha_en(ctx.reloj.ahora());
    let c = Cotizacion {
        id: ctx.ids.nuevo(),
        numero: numero(uow, "COT").await?,
        cliente_id: n.cliente_id,
        fecha_emision: hoy,
        fecha_validez: hoy + Duration::days(i64::from(dias)),
        estado: EstadoCotizacion::Vigente,
        moneda: precio.moneda,
        precios_incluyen_impuesto: precio.inc,
        descuento_global: n.descuento_global,
        lineas: precio.lineas,
        total: precio.total,
        documento: precio.documento,
        notas: texto_opcional("notas", &n.notas, 2000)?,
        condiciones: texto_opcional("condiciones", &n.condiciones, 2000)?,
        origen_id: None,
        orden_id: None,
        motivo_rechazo: String::new(),
        usuario_id: ctx.usuario_id,
        creado_en: ctx.reloj.ahora(),
    };
    uow.guardar_cotizacion(&c).await?;
    Ok(c)
}

impl Cotizacion {
    /// The quotation as it is on `hoy` (the company's date): one past its validity is `vencida`
    /// even before the nightly job has marked it. Reads and flows both see it so.
    pub fn al_dia(mut self, hoy: Date) -> Self {
        if self.estado == EstadoCotizacion::Vigente && self.fecha_validez < hoy {
            self.estado = EstadoCotizacion::Vencida;
        }
        self
    }
}

/// The quotation locked for a change, as it is today.
async fn cotizacion_al_dia<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
) -> Result<Cotizacion> {
    let c = uow
        .cotizacion_bloqueada(id)
        .await?
        .ok_or_else(|| Error::no_existe("cotización", id))?;
    let hoy = uow.empresa().await?.fecha_en(ctx.reloj.ahora());
    Ok(c.al_dia(hoy))
}

/// Copies a quotation (any state) with new dates and current prices: the way out of an expired one.
pub async fn duplicar_cotizacion<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
) -> Result<Cotizacion> {
    let original = uow
        .cotizacion_bloqueada(id)
        .await?
        .ok_or_else(|| Error::no_existe("cotización", id))?;
    let dias = (original.fecha_validez - original.fecha_emision)
        .whole_days()
        .clamp(1, 365) as u32;
    let n = NuevaCotizacion {
        cliente_id: original.cliente_id,
        lineas: original
            .lineas
            .iter()
            .map(|l| LineaPedidoNueva {
                producto_id: l.producto_id,
                cantidad: l.cantidad,
                precio: Some(l.precio),
                descuento: l.descuento,
                descuento_porcentaje: l.descuento_porcentaje,
            })
            .collect(),
        dias_validez: Some(dias),
        moneda: Some(original.moneda),
        precios_incluyen_impuesto: Some(original.precios_incluyen_impuesto),
        descuento_global: original.descuento_global,
        notas: original.notas.clone(),
        condiciones: original.condiciones.clone(),
    };
    let mut c = crear_cotizacion(uow, ctx, n).await?;
    c.origen_id = Some(original.id);
    uow.guardar_cotizacion(&c).await?;
    Ok(c)
}

/// The scheduler's job: marks `vencida` every current quotation past its validity. Returns how
/// many it marked.
pub async fn vencer_cotizaciones<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<u64> {
    let hoy = uow.empresa().await?.fecha_en(ctx.reloj.ahora());
    uow.vencer_cotizaciones(hoy).await
}

pub async fn rechazar_cotizacion<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    motivo: &str,
) -> Result<Cotizacion> {
    let mut c = cotizacion_al_dia(uow, ctx, id).await?;
    if c.estado != EstadoCotizacion::Vigente {
        return Err(Error::estado_invalido(format!(
            "la cotización {} está {}: solo se rechaza una vigente",
            c.numero,
            c.estado.codigo()
        )));
    }
    c.estado = EstadoCotizacion::Rechazada;
    c.motivo_rechazo = texto_opcional("motivo", motivo, 500)?;
    uow.guardar_cotizacion(&c).await?;
    Ok(c)
}

/// Makes a sales order from a current quotation, which becomes `aceptada`.
pub async fn convertir_a_orden<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    almacen_id: Option<Uuid>,
) -> Result<OrdenVenta> {
    let mut c = cotizacion_al_dia(uow, ctx, id).await?;
    match c.estado {
        EstadoCotizacion::Vigente => {}
        // The frontend converts quotations it already marked as accepted: allowed once.
        EstadoCotizacion::Aceptada if c.orden_id.is_none() => {}
        EstadoCotizacion::Vencida => {
            return Err(Error::conflicto(
                Codigo::CotizacionVencida,
                Some("estado"),
                format!(
                    "la cotización {} venció el {}: solo puede duplicarse",
                    c.numero,
                    entrada::formatear_fecha(c.fecha_validez)
                ),
            ));
        }
        otro => {
            return Err(Error::estado_invalido(format!(
                "la cotización {} está {}: no se convierte",
                c.numero,
                otro.codigo()
            )));
        }
    }
    let n = NuevaOrden {
        cliente_id: c.cliente_id,
        lineas: c
            .lineas
            .iter()
            .map(|l| LineaPedidoNueva {
                producto_id: l.producto_id,
                cantidad: l.cantidad,
                precio: Some(l.precio),
                descuento: l.descuento,
                descuento_porcentaje: l.descuento_porcentaje,
            })
            .collect(),
        almacen_id,
        moneda: Some(c.moneda),
        precios_incluyen_impuesto: Some(c.precios_incluyen_impuesto),
        descuento_global: c.descuento_global,
    };
    let mut orden = crear_orden(uow, ctx, n).await?;
    orden.cotizacion_id = Some(c.id);
    uow.guardar_orden(&orden).await?;
    c.estado = EstadoCotizacion::Aceptada;
    c.orden_id = Some(orden.id);
    uow.guardar_cotizacion(&c).await?;
    Ok(orden)
}

pub async fn crear_orden<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaOrden,
) -> Result<OrdenVenta> {
    let precio = preciar(
        uow,
        ctx,
        n.cliente_id,
        &n.lineas,
        n.moneda,
        n.precios_incluyen_impuesto,
        n.descuento_global,
    )
    .await?;
    let almacen = inventario::almacen_elegido(uow, n.almacen_id, "almacen_id")
        .await?
        .id;
    let hoy = uow.empresa().await?.fecha_en(ctx.reloj.ahora());
    let o = OrdenVenta {
        id: ctx.ids.nuevo(),
        numero: numero(uow, "OV").await?,
        cliente_id: n.cliente_id,
        cotizacion_id: None,
        almacen_id: almacen,
        fecha: hoy,
        estado: EstadoOrden::Pendiente,
        moneda: precio.moneda,
        precios_incluyen_impuesto: precio.inc,
        descuento_global: n.descuento_global,
        lineas: precio.lineas,
        total: precio.total,
        venta_id: None,
        motivo_cancelacion: String::new(),
        usuario_id: ctx.usuario_id,
        creado_en: ctx.reloj.ahora(),
    };
    uow.guardar_orden(&o).await?;
    Ok(o)
}

/// Adds (or with `signo` −1 releases) an order's reservation, line by line in product order.
async fn reservar<U: Uow>(uow: &mut U, o: &OrdenVenta, signo: Decimal) -> Result<()> {
    let mut lineas: Vec<&LineaPedido> = o.lineas.iter().filter(|l| !l.es_servicio).collect();
    lineas.sort_by_key(|l| l.producto_id);
    // All the rows locked in one go (the store's batch lock), as a sale does.
    let pares: Vec<(Uuid, Uuid)> = lineas
        .iter()
        .map(|l| (l.producto_id, o.almacen_id))
        .collect();
    uow.bloquear_stocks(&pares).await?;
    for l in lineas {
        let mut s = uow
            .stock_bloqueado(l.producto_id, o.almacen_id)
            .await?
            .unwrap_or_else(|| Stock::vacio(l.producto_id, o.almacen_id));
        if signo > Decimal::ZERO && s.disponible() < l.cantidad {
            // The message names the warehouse as people know it, not by its id.
            let almacen = uow
                .almacen(o.almacen_id)
                .await?
                .map_or_else(|| o.almacen_id.to_string(), |a| a.nombre);
            return Err(Error::StockInsuficiente {
                producto: l.codigo.clone(),
                almacen,
                disponible: s.disponible().max(Decimal::ZERO).normalize(),
                solicitado: l.cantidad.normalize(),
            });
        }
        s.reservado = (s.reservado + signo * l.cantidad).max(Decimal::ZERO);
        uow.guardar_stock(&s).await?;
    }
    Ok(())
}

/// Confirms an order: its stock is reserved.
pub async fn confirmar_orden<U: Uow>(uow: &mut U, id: Uuid) -> Result<OrdenVenta> {
    let mut o = uow
        .orden_bloqueada(id)
        .await?
        .ok_or_else(|| Error::no_existe("orden de venta", id))?;
    if o.estado != EstadoOrden::Pendiente {
        return Err(Error::estado_invalido(format!(
            "la orden {} está {}: solo se confirma una pendiente",
            o.numero,
            o.estado.codigo()
        )));
    }
    reservar(uow, &o, Decimal::ONE).await?;
    o.estado = EstadoOrden::Confirmada;
    uow.guardar_orden(&o).await?;
    Ok(o)
}

/// Cancels an order, releasing its reservation.
pub async fn cancelar_orden<U: Uow>(uow: &mut U, id: Uuid, motivo: &str) -> Result<OrdenVenta> {
    let mut o = uow
        .orden_bloqueada(id)
        .await?
        .ok_or_else(|| Error::no_existe("orden de venta", id))?;
    match o.estado {
        EstadoOrden::Pendiente => {}
        EstadoOrden::Confirmada => reservar(uow, &o, -Decimal::ONE).await?,
        otro => {
            return Err(Error::estado_invalido(format!(
                "la orden {} está {}: no se cancela",
                o.numero,
                otro.codigo()
            )));
        }
    }
    o.estado = EstadoOrden::Cancelada;
    o.motivo_cancelacion = texto_opcional("motivo", motivo, 500)?;
    uow.guardar_orden(&o).await?;
    Ok(o)
}

/// What completing an order needs besides the order: how it is paid, and what only the
/// dispatch knows (which serials leave, from which lot).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerarVenta {
    #[serde(default)]
    pub condicion: super::CondicionPago,
    #[serde(default)]
    pub pagos: Vec<Pago>,
    #[serde(default)]
    pub cuotas: Vec<super::CuotaNueva>,
    #[serde(default)]
    pub tipo_comprobante: Option<crate::comprobantes::TipoComprobante>,
    #[serde(default)]
    pub serie: Option<String>,
    /// For an order in a foreign currency.
    #[serde(default, deserialize_with = "crate::entrada::decimal_opcional")]
    pub tipo_de_cambio: Option<Decimal>,
    /// Serials and lots of the order's lines, by line number.
    #[serde(default)]
    pub lineas: Vec<DespachoLinea>,
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

/// The serials (serial-tracked products) or the lot (lot-tracked ones) of an order line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DespachoLinea {
    /// The order line's number (1-based).
    pub numero: usize,
    #[serde(default)]
    pub series: Vec<String>,
    #[serde(default)]
    pub lote: Option<String>,
}

/// Completes an order with its sale, in one unit of work.
pub async fn generar_venta<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    g: GenerarVenta,
) -> Result<VentaEmitida> {
    super::servicio::bloquear_si_hay_limite(uow).await?;
    let mut o = uow
        .orden_bloqueada(id)
        .await?
        .ok_or_else(|| Error::no_existe("orden de venta", id))?;
    // A retry of a completed order returns its sale, as a retried sale does.
    if let (Some(clave), Some(venta_id)) = (g.clave_idempotencia.as_deref(), o.venta_id)
        && let Some(v) = uow.venta_por_clave(clave.trim()).await?
        && v.id == venta_id
    {
        return super::servicio::emitida(uow, v).await;
    }
    let mut despacho: Vec<Option<DespachoLinea>> = vec![None; o.lineas.len()];
    for (i, d) in g.lineas.into_iter().enumerate() {
        match despacho.get_mut(d.numero.wrapping_sub(1)) {
            Some(hueco @ None) => *hueco = Some(d),
            Some(Some(_)) => {
                return Err(Error::validacion(
                    Codigo::ValorNoPermitido,
                    format!("lineas[{i}].numero"),
                    format!("la línea {} figura más de una vez", d.numero),
                ));
            }
            None => {
                return Err(Error::validacion(
                    Codigo::NoEncontrado,
                    format!("lineas[{i}].numero"),
                    format!(
                        "la orden {} no tiene la línea {} (tiene {})",
                        o.numero,
                        d.numero,
                        o.lineas.len()
                    ),
                ));
            }
        }
    }
    match o.estado {
        EstadoOrden::Pendiente => {}
        EstadoOrden::Confirmada => reservar(uow, &o, -Decimal::ONE).await?,
        otro => {
            return Err(Error::estado_invalido(format!(
                "la orden {} está {}: no genera venta",
                o.numero,
                otro.codigo()
            )));
        }
    }
    let venta = vender(
        uow,
        ctx,
        NuevaVenta {
            cliente_id: Some(o.cliente_id),
            almacen_id: Some(o.almacen_id),
            moneda: Some(o.moneda),
            precios_incluyen_impuesto: Some(o.precios_incluyen_impuesto),
            tipo_comprobante: g.tipo_comprobante,
            serie: g.serie,
            tipo_de_cambio: g.tipo_de_cambio,
            clave_idempotencia: g.clave_idempotencia,
            lineas: o
                .lineas
                .iter()
                .zip(despacho)
                .map(|(l, d)| {
                    let d = d.unwrap_or_default();
                    LineaVentaNueva {
                        producto_id: l.producto_id,
                        cantidad: l.cantidad,
                        precio: Some(l.precio),
                        descuento: l.descuento,
                        descuento_porcentaje: l.descuento_porcentaje,
                        series: d.series,
                        lote: d.lote,
                        aprobacion: None,
                    }
                })
                .collect(),
            descuento_global: o.descuento_global,
            condicion: g.condicion,
            pagos: g.pagos,
            cuotas: g.cuotas,
            orden_id: Some(o.id),
            ..Default::default()
        },
    )
    .await?;
    // The key named another sale (a direct one, another order's): that sale came back, and this
    // order has none.
    if venta.venta.orden_id != Some(o.id) {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some("clave_idempotencia"),
            format!(
                "la clave de idempotencia ya se usó en otra venta ({}): use una clave nueva para la orden {}",
                venta.comprobante.numero_completo(),
                o.numero
            ),
        ));
    }
    o.estado = EstadoOrden::Completada;
    o.venta_id = Some(venta.venta.id);
    uow.guardar_orden(&o).await?;
    Ok(venta)
}
