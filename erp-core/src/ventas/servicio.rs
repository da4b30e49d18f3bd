//! The sales flows over one unit of work. A sale either happens whole (stock out, lines, payments
//! or instalments, comprobante with its number) or not at all: every check comes before the first
//! write that could fail for a business reason, and any later failure drops the unit of work.
//!
//! Locks, in this order in every flow: the company's row when its plan limits comprobantes per
//! month (`bloquear_si_hay_limite`), the order or sale being changed, stock rows in product
//! order (so two sales of the same products cannot deadlock) and their lots, the customer (credit
//! sales), then the series row, taken last so that it is held as briefly as possible.

use crate::facturacion::envio::EnvioComprobante;
use rust_decimal::Decimal;
use serde::Deserialize;
use time::Duration;
use uuid::Uuid;

use super::{
    CondicionPago, Cuota, DetalleVenta, EstadoVenta, MetodoPago, NuevaVenta, Pago, TipoVenta,
    TributoLinea, Venta, VentaEmitida,
};
use crate::calculo::{self, DocumentoCalculado, IceLinea, Linea};
use crate::comprobantes::{self, Comprobante, EstadoComprobante, TipoComprobante};
use crate::dinero::{Moneda, redondear};
use crate::empresa::{Empresa, texto_opcional};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::eventos::Evento;
use crate::inventario::servicio::{self as inventario, Contexto, NuevoMovimiento};
use crate::inventario::{Producto, ReferenciaMovimiento, TipoMovimiento};
use crate::pais::Pais;
use crate::store::Uow;
use crate::terceros::{self, Cliente, TipoDocumentoCliente};

use crate::impuestos::peru::TOPE_BOLETA_ANONIMA_PEN;
/// An Ecuadorian factura to "consumidor final" may not exceed this (FICHA §9.10).
const TOPE_CONSUMIDOR_FINAL_USD: Decimal = Decimal::from_parts(50, 0, 0, false, 0);

fn error_campo(codigo: Codigo, campo: impl Into<String>, mensaje: impl Into<String>) -> Error {
    Error::validacion(codigo, campo, mensaje)
}

/// Makes a sale.
pub async fn vender<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaVenta,
) -> Result<VentaEmitida> {
    vender_con(uow, ctx, n, Vec::new()).await
}

/// A sale whose products may already be read (`leidos`, by line, as the POS finds them by code):
/// they were read in this same unit of work, so reading them again would only cost time.
async fn vender_con<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevaVenta,
    mut leidos: Vec<Producto>,
) -> Result<VentaEmitida> {
    bloquear_si_hay_limite(uow).await?;
    let clave = match clave_valida(n.clave_idempotencia.as_deref())? {
        Some(c) => {
            if let Some(v) = uow.venta_por_clave(&c).await? {
                return emitida(uow, v).await;
            }
            Some(c)
        }
        None => None,
    };
    let empresa = uow.empresa().await?;
    if n.lineas.is_empty() {
        return Err(error_campo(
            Codigo::DocumentoSinLineas,
            "lineas",
            "la venta no tiene líneas",
        ));
    }
    if n.lineas.len() > calculo::MAX_LINEAS {
        return Err(error_campo(
            Codigo::DocumentoDemasiadoGrande,
            "lineas",
            format!(
                "la venta tiene {} líneas; el máximo es {}",
                n.lineas.len(),
                calculo::MAX_LINEAS
            ),
        ));
    }
    let observaciones = texto_opcional("observaciones", &n.observaciones, 1000)?;
    let cliente = match n.cliente_id {
        Some(id) => match uow.cliente(id).await? {
            Some(c) if c.activo => c,
            Some(c) => {
                return Err(Error::conflicto(
                    Codigo::EstadoInvalido,
                    Some("cliente_id"),
                    format!("el cliente {} está desactivado", c.razon_social),
                ));
            }
            None => return Err(Error::no_existe("cliente", id)),
        },
        None => terceros::cliente_varios(uow, ctx).await?,
    };
    let almacen = inventario::almacen_elegido(uow, n.almacen_id, "almacen_id").await?;
    if leidos.len() != n.lineas.len()
        || leidos
            .iter()
            .zip(&n.lineas)
            .any(|(p, l)| p.id != l.producto_id)
    {
        leidos.clear();
    }
    let mut leidos = leidos.into_iter();
    let mut productos = Vec::with_capacity(n.lineas.len());
    for (i, l) in n.lineas.iter().enumerate() {
        let p = match leidos.next() {
            Some(p) if p.eliminado_en.is_none() => p,
            _ => inventario::producto_vigente(uow, l.producto_id)
                .await
                .map_err(|_| {
                    error_campo(
                        Codigo::NoEncontrado,
                        format!("lineas[{i}].producto_id"),
                        format!("línea {}: el producto {} no existe", i + 1, l.producto_id),
                    )
                })?,
        };
        if !p.activo {
            return Err(error_campo(
                Codigo::EstadoInvalido,
                format!("lineas[{i}].producto_id"),
                format!("línea {}: el producto {} está inactivo", i + 1, p.codigo),
            ));
        }
        productos.push(p);
    }
    let precios: Vec<Option<Decimal>> = n.lineas.iter().map(|l| l.precio).collect();
    let inc = base_de_precios(n.precios_incluyen_impuesto, &productos, &precios)?;
    let hoy = empresa.fecha_en(ctx.reloj.ahora());
    let moneda = n.moneda.unwrap_or(empresa.moneda);
    // A comprobante in dollars carries the exchange rate (Nubefact's `tipo_de_cambio` is
    // required for a foreign currency); a draft priced by the engine may leave it out.
    if empresa.pais == Pais::Peru && moneda != Moneda::Pen && n.tipo_de_cambio.is_none() {
        return Err(error_campo(
            Codigo::CampoRequerido,
            "tipo_de_cambio",
            format!(
                "una venta en {} indica el tipo de cambio (soles por {}, hasta 3 decimales)",
                moneda.codigo(),
                moneda.codigo()
            ),
        ));
    }
    let doc = calculo::Documento {
        pais: empresa.pais,
        fecha: hoy,
        moneda: Some(moneda),
        tipo_de_cambio: n.tipo_de_cambio,
        precios_incluyen_impuesto: inc,
        descuento_global: n.descuento_global,
        descuento_global_porcentaje: None,
        propina: None,
        configuracion: empresa.configuracion_tributaria(),
        retenciones: vec![],
        lineas: n
            .lineas
            .iter()
            .zip(&productos)
            .map(|(l, p)| {
                linea_de_calculo(
                    &empresa,
                    p,
                    l.cantidad,
                    l.precio.unwrap_or(p.precio_venta),
                    l.descuento,
                    l.descuento_porcentaje,
                )
            })
            .collect(),
    };
    let calculado = calculo::calcular_documento(&doc)?;
    let total = calculado.total();
    let tipo = tipo_de_comprobante(
        &empresa,
        &cliente,
        n.tipo_comprobante,
        total,
        moneda,
        n.tipo_de_cambio,
    )?;
    let venta_id = ctx.ids.nuevo();
    let (pagos, cuotas, vuelto) = validar_pagos(
        &empresa,
        &cliente,
        n.condicion,
        &n.pagos,
        &n.cuotas,
        (total, moneda, n.tipo_de_cambio),
        hoy,
    )?;

    // Stock, in product order.
    let mut orden: Vec<usize> = (0..n.lineas.len()).collect();
    orden.sort_by_key(|&i| productos[i].id);
    let pares: Vec<(Uuid, Uuid)> = productos
        .iter()
        .filter(|p| !p.es_servicio)
        .map(|p| (p.id, almacen.id))
        .collect();
    uow.bloquear_stocks(&pares).await?;
    let mut costos = vec![(Decimal::ZERO, Vec::new()); n.lineas.len()];
    for i in orden {
        let (l, p) = (&n.lineas[i], &productos[i]);
        if p.es_servicio {
            continue;
        }
        let mut m = NuevoMovimiento::new(TipoMovimiento::Salida, p.id, almacen.id, l.cantidad);
        m.series = l.series.clone();
        m.lote = l.lote.clone();
        m.referencia_tipo = Some(ReferenciaMovimiento::Venta);
        m.referencia_id = Some(venta_id);
        m.aprobacion = l.aprobacion;
        let filas = inventario::registrar_movimiento_de(uow, ctx, p, &almacen, m)
            .await
            .map_err(|e| en_linea(e, i))?;
        let costo: Decimal = filas.iter().map(|f| f.valor).sum();
        let lotes = filas
            .iter()
            .filter_map(|f| f.lote_id.map(|id| (id, f.cantidad)))
            .collect::<Vec<_>>();
        costos[i] = (costo, lotes);
    }

    if n.condicion == CondicionPago::Credito {
        let financiado = cuotas.iter().map(|c| c.importe).sum();
        verificar_credito(
            uow,
            &empresa,
            &cliente,
            financiado,
            moneda,
            n.tipo_de_cambio,
        )
        .await?;
    }
    let (serie, numero) = tomar_numero(uow, ctx, &empresa, tipo, n.serie.as_deref()).await?;
    let ahora = ctx.reloj.ahora();
    let comprobante = Comprobante {
        id: ctx.ids.nuevo(),
        tipo,
        serie,
        numero,
        venta_id,
        referencia_id: None,
        motivo_codigo: None,
        motivo: String::new(),
        estado: EstadoComprobante::Pendiente,
        cliente_id: cliente.id,
        cliente_tipo_documento: cliente.tipo_documento,
        cliente_numero_documento: cliente.numero_documento.clone(),
        cliente_razon_social: cliente.razon_social.clone(),
        cliente_direccion: cliente.direccion.clone(),
        fecha_emision: hoy,
        moneda,
        total,
        documento: serde_json::to_value(&calculado).map_err(Error::almacenamiento)?,
        creado_en: ahora,
        clave_idempotencia: None,
        envio: EnvioComprobante::al_emitir(&empresa, ahora),
    };
    let lineas = detalles(&empresa, &n, &productos, &calculado, costos);
    let costo_total = lineas.iter().map(|l| l.costo_total).sum();
    let venta = Venta {
        id: venta_id,
        cliente_id: cliente.id,
        almacen_id: almacen.id,
        fecha: hoy,
        moneda,
        tipo_de_cambio: n.tipo_de_cambio,
        precios_incluyen_impuesto: inc,
        tipo_venta: n.tipo_venta,
        condicion: n.condicion,
        estado: EstadoVenta::Completada,
        total,
        descuento_global: n.descuento_global,
        costo_total,
        vuelto,
        comprobante_id: comprobante.id,
        orden_id: n.orden_id,
        clave_idempotencia: clave,
        observaciones,
        usuario_id: ctx.usuario_id,
        lineas,
        pagos,
        cuotas,
        creado_en: ahora,
    };
    crate::facturacion::envio::verificar_emision(
        &empresa,
        &comprobante,
        None,
        &venta.cuotas,
        &cliente.email,
        &venta.observaciones,
    )?;
    uow.insertar_venta(&venta).await?;
    ctx.eventos.emitir(Evento::venta(&venta));
    uow.insertar_comprobante(&comprobante).await?;
    ctx.eventos.emitir(Evento::comprobante(&comprobante));
    Ok(VentaEmitida { venta, comprobante })
}

/// A stored sale with its comprobante (what a retry gets back).
pub(crate) async fn emitida<U: Uow>(uow: &mut U, venta: Venta) -> Result<VentaEmitida> {
    let comprobante = comprobante_de(uow, &venta).await?;
    Ok(VentaEmitida { venta, comprobante })
}

/// The comprobante a sale was issued with (the one its notes refer to).
async fn comprobante_de<U: Uow>(uow: &mut U, venta: &Venta) -> Result<Comprobante> {
    uow.comprobante(venta.comprobante_id)
        .await?
        .ok_or_else(|| Error::no_existe("comprobante", venta.comprobante_id))
}

/// A client's idempotency key, trimmed: 1 to 100 characters.
fn clave_valida(clave: Option<&str>) -> Result<Option<String>> {
    match clave.map(str::trim) {
        None => Ok(None),
        Some(c) if c.is_empty() || c.chars().count() > 100 => Err(error_campo(
            Codigo::ValorNoPermitido,
            "clave_idempotencia",
            "la clave de idempotencia tiene de 1 a 100 caracteres",
        )),
        Some(c) => Ok(Some(c.to_string())),
    }
}

/// The note a retry with this key already issued on this sale. Read after the sale is locked, so
/// a retry racing the first attempt waits for it and then finds its note.
async fn nota_repetida<U: Uow>(
    uow: &mut U,
    venta_id: Uuid,
    clave: Option<&str>,
    tipo: TipoComprobante,
) -> Result<Option<Comprobante>> {
    let Some(clave) = clave else {
        return Ok(None);
    };
    let previa = uow
        .comprobantes_de_venta(venta_id)
        .await?
        .into_iter()
        .find(|c| c.clave_idempotencia.as_deref() == Some(clave));
    match previa {
        Some(c) if c.tipo == tipo => Ok(Some(c)),
        Some(c) => Err(Error::conflicto(
            Codigo::Duplicado,
            Some("clave_idempotencia"),
            format!(
                "la clave de idempotencia ya se usó en {}: use una clave nueva",
                c.numero_completo()
            ),
        )),
        None => Ok(None),
    }
}

/// Where a note goes: the sale, locked and open to notes, or the note a retry already got.
enum Destino {
    Venta(Box<Venta>),
    Repetida(Box<Comprobante>),
}

/// The sale a note is issued on, locked (so that a retry racing the first attempt waits for it
/// and then finds its note), refused with `si_anulada` when it is annulled.
async fn venta_para_nota<U: Uow>(
    uow: &mut U,
    venta_id: Uuid,
    clave: Option<&str>,
    tipo: TipoComprobante,
    si_anulada: &str,
) -> Result<Destino> {
    let venta = uow
        .venta_bloqueada(venta_id)
        .await?
        .ok_or_else(|| Error::no_existe("venta", venta_id))?;
    if let Some(n) = nota_repetida(uow, venta.id, clave, tipo).await? {
        return Ok(Destino::Repetida(Box::new(n)));
    }
    if venta.estado == EstadoVenta::Anulada {
        return Err(Error::conflicto(Codigo::EstadoInvalido, None, si_anulada));
    }
    if let Some(c) = uow.comprobante(venta.comprobante_id).await?
        && c.envio.baja_pendiente()
    {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            format!(
                "{} tiene una comunicación de baja en curso: espere la respuesta de SUNAT",
                c.numero_completo()
            ),
        ));
    }
    Ok(Destino::Venta(Box::new(venta)))
}

/// The series and the next number of a sale's comprobante. A till names its series: then the
/// number is taken straight away (the update finds only an active series of that type), and the
/// series is looked at only to explain a refusal.
async fn tomar_numero<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    empresa: &Empresa,
    tipo: TipoComprobante,
    pedida: Option<&str>,
) -> Result<(String, i64)> {
    if let Some(p) = pedida {
        let s = comprobantes::validar_serie(empresa.pais, tipo, p, None)?;
        match siguiente_numero(uow, ctx, empresa, tipo, &s).await {
            Ok(numero) => return Ok((s, numero)),
            Err(Error::NoEncontrado { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let serie = comprobantes::elegir_serie(uow, ctx, tipo, None, pedida).await?;
    let numero = siguiente_numero(uow, ctx, empresa, tipo, &serie.serie).await?;
    Ok((serie.serie, numero))
}

/// Whether a document's prices include taxes: as asked, or as its products' list prices are
/// when they agree. A line without a price takes its product's list price, so that price must be
/// on the document's basis: 118.00 with IGV read as a price without it would charge 139.24.
pub(crate) fn base_de_precios(
    pedida: Option<bool>,
    productos: &[Producto],
    precios: &[Option<Decimal>],
) -> Result<bool> {
    let Some(inc) = pedida else {
        let primero = productos.first().is_some_and(|p| p.precio_incluye_impuesto);
        if productos
            .iter()
            .any(|p| p.precio_incluye_impuesto != primero)
        {
            return Err(error_campo(
                Codigo::CampoRequerido,
                "precios_incluyen_impuesto",
                "los productos mezclan precios con y sin impuestos: indique precios_incluyen_impuesto",
            ));
        }
        return Ok(primero);
    };
    for (i, (p, precio)) in productos.iter().zip(precios).enumerate() {
        if precio.is_some() || p.precio_incluye_impuesto == inc {
            continue;
        }
        return Err(error_campo(
            Codigo::CampoRequerido,
            format!("lineas[{i}].precio"),
            format!(
                "línea {}: el precio de lista de {} {} impuestos y el documento {}: indique el precio",
                i + 1,
                p.codigo,
                if p.precio_incluye_impuesto {
                    "incluye"
                } else {
                    "no incluye"
                },
                if inc { "los incluye" } else { "no" },
            ),
        ));
    }
    Ok(inc)
}

fn en_linea(e: Error, i: usize) -> Error {
    match e {
        Error::Validacion {
            codigo,
            campo,
            mensaje,
        } => Error::Validacion {
            codigo,
            campo: Some(format!(
                "lineas[{i}].{}",
                campo.unwrap_or_else(|| "cantidad".into())
            )),
            mensaje: format!("línea {}: {mensaje}", i + 1),
        },
        Error::Conflicto {
            codigo,
            campo,
            mensaje,
        } => Error::Conflicto {
            codigo,
            campo: Some(format!(
                "lineas[{i}].{}",
                campo.unwrap_or_else(|| "cantidad".into())
            )),
            mensaje: format!("línea {}: {mensaje}", i + 1),
        },
        otro => otro,
    }
}

/// How a product of the company's country is taxed today.
pub(crate) fn tributo_de(empresa: &Empresa, p: &Producto) -> TributoLinea {
    let peru = empresa.pais == Pais::Peru;
    TributoLinea {
        afectacion_igv: peru.then_some(p.afectacion_igv),
        icbper: peru && p.icbper,
        iva: (!peru).then_some(p.tarifa_iva),
        ice: match (&p.ice_codigo, peru) {
            (Some(c), false) => Some(IceLinea {
                codigo: c.clone(),
                tarifa: p.ice_tarifa,
                valor_unitario: None,
            }),
            _ => None,
        },
    }
}

/// Taxes a line as `t` says.
fn aplicar_tributo(l: &mut Linea, t: &TributoLinea) {
    l.afectacion_igv = t.afectacion_igv;
    l.icbper = t.icbper;
    l.iva = t.iva;
    l.ice = t.ice.clone();
}

/// The line the tax engine computes for a product of the company's country.
pub(crate) fn linea_de_calculo(
    empresa: &Empresa,
    p: &Producto,
    cantidad: Decimal,
    precio: Decimal,
    descuento: Option<Decimal>,
    descuento_porcentaje: Option<Decimal>,
) -> Linea {
    let t = tributo_de(empresa, p);
    Linea {
        codigo: p.codigo.clone(),
        descripcion: p.nombre.clone(),
        unidad: Some(p.unidad_medida.clone()),
        cantidad,
        precio,
        descuento,
        descuento_porcentaje,
        afectacion_igv: t.afectacion_igv,
        icbper: t.icbper,
        iva: t.iva,
        ice: t.ice,
    }
}

/// Each line's base, taxes and total, whatever the country.
pub(crate) fn montos_por_linea(calculado: &DocumentoCalculado) -> Vec<(Decimal, Decimal, Decimal)> {
    match calculado {
        DocumentoCalculado::Peru(d) => d
            .lineas
            .iter()
            .map(|l| (l.subtotal, l.igv + l.impuesto_bolsas, l.total))
            .collect(),
        DocumentoCalculado::Ecuador(d) => d
            .lineas
            .iter()
            .map(|l| {
                (
                    l.precio_total_sin_impuesto,
                    l.impuestos.iter().map(|i| i.valor).sum(),
                    l.total,
                )
            })
            .collect(),
    }
}

fn detalles(
    empresa: &Empresa,
    n: &NuevaVenta,
    productos: &[Producto],
    calculado: &DocumentoCalculado,
    costos: Vec<(Decimal, Vec<(Uuid, Decimal)>)>,
) -> Vec<DetalleVenta> {
    let montos = montos_por_linea(calculado);
    n.lineas
        .iter()
        .zip(productos)
        .zip(montos)
        .zip(costos)
        .enumerate()
        .map(
            |(i, (((l, p), (subtotal, impuesto, total)), (costo, lotes)))| DetalleVenta {
                numero: (i + 1) as i32,
                producto_id: p.id,
                codigo: p.codigo.clone(),
                descripcion: p.nombre.clone(),
                cantidad: l.cantidad,
                precio: l.precio.unwrap_or(p.precio_venta),
                descuento: l.descuento.unwrap_or_else(|| {
                    l.descuento_porcentaje.map_or(Decimal::ZERO, |pct| {
                        redondear(
                            l.cantidad * l.precio.unwrap_or(p.precio_venta) * pct
                                / Decimal::ONE_HUNDRED,
                        )
                    })
                }),
                subtotal,
                impuesto,
                total,
                costo_total: redondear(costo),
                series: l.series.clone(),
                lotes,
                cantidad_devuelta: Decimal::ZERO,
                tributo: Some(tributo_de(empresa, p)),
                rebaja: Decimal::ZERO,
            },
        )
        .collect()
}

/// Factura or boleta, and the rules of each (Peru); factura (Ecuador).
fn tipo_de_comprobante(
    empresa: &Empresa,
    cliente: &Cliente,
    pedido: Option<TipoComprobante>,
    total: Decimal,
    moneda: Moneda,
    tipo_de_cambio: Option<Decimal>,
) -> Result<TipoComprobante> {
    let campo = "tipo_comprobante";
    if pedido.is_some_and(|t| t.es_nota()) {
        return Err(error_campo(
            Codigo::ValorNoPermitido,
            campo,
            "una venta emite factura o boleta; las notas se emiten al anular o devolver",
        ));
    }
    match empresa.pais {
        Pais::Peru => {
            let tiene_ruc = cliente.tipo_documento == TipoDocumentoCliente::Ruc;
            let tipo = pedido.unwrap_or(if tiene_ruc {
                TipoComprobante::Factura
            } else {
                TipoComprobante::Boleta
            });
            if tipo == TipoComprobante::Factura && !tiene_ruc {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    campo,
                    format!(
                        "una factura requiere un cliente con RUC; {} se identifica con {}: emita boleta",
                        cliente.razon_social,
                        cliente.tipo_documento.codigo()
                    ),
                ));
            }
            if tipo == TipoComprobante::Boleta
                && cliente.tipo_documento == TipoDocumentoCliente::SinDocumento
            {
                let en_soles = en_moneda_de_empresa(empresa, moneda, tipo_de_cambio, total)?;
                if en_soles > TOPE_BOLETA_ANONIMA_PEN {
                    return Err(error_campo(
                        Codigo::ValorNoPermitido,
                        "cliente_id",
                        format!(
                            "una boleta de más de S/ {} (esta es de S/ {}) debe identificar al comprador: registre su DNI u otro documento",
                            redondear(TOPE_BOLETA_ANONIMA_PEN),
                            redondear(en_soles)
                        ),
                    ));
                }
            }
            Ok(tipo)
        }
        Pais::Ecuador => {
            if pedido == Some(TipoComprobante::Boleta) {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    campo,
                    "en Ecuador no se emiten boletas: la venta emite factura",
                ));
            }
            if cliente.tipo_documento == TipoDocumentoCliente::ConsumidorFinal
                && total > TOPE_CONSUMIDOR_FINAL_USD
            {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "cliente_id",
                    format!(
                        "una factura a consumidor final no puede superar USD 50.00 (esta es de USD {total}): identifique al comprador"
                    ),
                ));
            }
            Ok(TipoComprobante::Factura)
        }
    }
}

/// The sale's payments or instalments and the change, checked against the total.
#[allow(clippy::too_many_arguments)]
fn validar_pagos(
    empresa: &Empresa,
    cliente: &Cliente,
    condicion: CondicionPago,
    pagos: &[Pago],
    cuotas: &[super::CuotaNueva],
    (total, moneda, tipo_de_cambio): (Decimal, Moneda, Option<Decimal>),
    hoy: time::Date,
) -> Result<(Vec<Pago>, Vec<Cuota>, Decimal)> {
    for (i, p) in pagos.iter().enumerate() {
        if p.monto <= Decimal::ZERO
            || !entrada::max_decimales(p.monto, 2)
            || !entrada::max_enteros(p.monto, 12)
        {
            return Err(error_campo(
                Codigo::ValorNoPermitido,
                format!("pagos[{i}].monto"),
                format!(
                    "pago {}: el monto {} debe ser positivo con hasta 2 decimales",
                    i + 1,
                    p.monto
                ),
            ));
        }
        if p.metodo == MetodoPago::YapePlin && empresa.pais != Pais::Peru {
            return Err(error_campo(
                Codigo::CampoNoAplica,
                format!("pagos[{i}].metodo"),
                "Yape/Plin solo existe en Perú",
            ));
        }
        texto_opcional("referencia", &p.referencia, 100)?;
    }
    let pagado: Decimal = pagos.iter().map(|p| p.monto).sum();
    let efectivo: Decimal = pagos
        .iter()
        .filter(|p| p.metodo == MetodoPago::Efectivo)
        .map(|p| p.monto)
        .sum();
    match condicion {
        CondicionPago::Contado => {
            if !cuotas.is_empty() {
                return Err(error_campo(
                    Codigo::CampoNoAplica,
                    "cuotas",
                    "una venta al contado no tiene cuotas",
                ));
            }
            if pagos.is_empty() {
                // A counter sale that names no payment is paid in cash, exactly.
                return Ok((
                    vec![Pago {
                        metodo: MetodoPago::Efectivo,
                        monto: total,
                        referencia: String::new(),
                    }],
                    vec![],
                    redondear(Decimal::ZERO),
                ));
            }
            if pagado < total {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "pagos",
                    format!(
                        "los pagos ({}) no cubren el total de la venta ({total}); faltan {}",
                        redondear(pagado),
                        redondear(total - pagado)
                    ),
                ));
            }
            let vuelto = pagado - total;
            if vuelto > efectivo {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "pagos",
                    format!(
                        "los pagos exceden el total en {}: solo el efectivo puede dar vuelto",
                        redondear(vuelto)
                    ),
                ));
            }
            Ok((pagos.to_vec(), vec![], redondear(vuelto)))
        }
        CondicionPago::Credito => {
            if cliente.es_varios {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "cliente_id",
                    "una venta al crédito requiere un cliente identificado",
                ));
            }
            if pagado >= total {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "condicion",
                    "los pagos cubren el total: la venta es al contado",
                ));
            }
            let financiado = total - pagado;
            // Checked here so that a missing rate is refused before any lock; the limit itself
            // is checked by `verificar_credito` once the stock is taken.
            en_moneda_de_empresa(empresa, moneda, tipo_de_cambio, financiado)?;
            let cuotas = if cuotas.is_empty() {
                let dias = if cliente.dias_credito > 0 {
                    cliente.dias_credito
                } else {
                    30
                };
                vec![Cuota {
                    numero: 1,
                    fecha_vencimiento: hoy + Duration::days(i64::from(dias)),
                    importe: financiado,
                    saldo: financiado,
                }]
            } else {
                let mut out = Vec::with_capacity(cuotas.len());
                for (i, c) in cuotas.iter().enumerate() {
                    if c.importe <= Decimal::ZERO || !entrada::max_decimales(c.importe, 2) {
                        return Err(error_campo(
                            Codigo::ValorNoPermitido,
                            format!("cuotas[{i}].importe"),
                            format!("cuota {}: importe inválido", i + 1),
                        ));
                    }
                    if c.fecha_vencimiento <= hoy {
                        return Err(error_campo(
                            Codigo::FechaInvalida,
                            format!("cuotas[{i}].fecha_vencimiento"),
                            format!("cuota {}: vence después de hoy", i + 1),
                        ));
                    }
                    out.push(Cuota {
                        numero: (i + 1) as i32,
                        fecha_vencimiento: c.fecha_vencimiento,
                        importe: c.importe,
                        saldo: c.importe,
                    });
                }
                let suma: Decimal = out.iter().map(|c| c.importe).sum();
                if suma != financiado {
                    return Err(error_campo(
                        Codigo::ValorNoPermitido,
                        "cuotas",
                        format!(
                            "las cuotas suman {} y el saldo a financiar es {}",
                            redondear(suma),
                            redondear(financiado)
                        ),
                    ));
                }
                out
            };
            Ok((pagos.to_vec(), cuotas, redondear(Decimal::ZERO)))
        }
    }
}

/// Whether the customer's credit covers what this sale finances. The customer's row is locked
/// to the end of the unit of work: a second credit sale of the same customer waits here and then
/// sees this one's debt. It is taken after the stock rows (orders and sales lock stock first) and
/// before the series, so that no two flows take these locks in opposite orders.
async fn verificar_credito<U: Uow>(
    uow: &mut U,
    empresa: &Empresa,
    cliente: &Cliente,
    financiado: Decimal,
    moneda: Moneda,
    tipo_de_cambio: Option<Decimal>,
) -> Result<()> {
    let cliente = uow
        .cliente_bloqueado(cliente.id)
        .await?
        .ok_or_else(|| Error::no_existe("cliente", cliente.id))?;
    let pedido = en_moneda_de_empresa(empresa, moneda, tipo_de_cambio, financiado)?;
    let mut deuda = Decimal::ZERO;
    for d in uow.deuda_cliente(cliente.id).await? {
        let tc = d
            .tipo_de_cambio
            .or(tipo_de_cambio.filter(|_| d.moneda == moneda));
        deuda += en_moneda_de_empresa(empresa, d.moneda, tc, d.saldo)?;
    }
    let disponible = cliente.limite_credito - deuda;
    if pedido > disponible {
        return Err(Error::conflicto(
            Codigo::LimiteCreditoExcedido,
            Some("condicion"),
            format!(
                "el crédito de {} no alcanza: límite {}, deuda pendiente {}, disponible {}, se necesitan {}",
                cliente.razon_social,
                cliente.limite_credito,
                redondear(deuda),
                redondear(disponible.max(Decimal::ZERO)),
                redondear(pedido)
            ),
        ));
    }
    Ok(())
}

/// An amount in the company's currency (what the credit limit and the boleta's legal amount
/// are in): a foreign-currency amount at its exchange rate (units of the company's currency per
/// unit of the other).
fn en_moneda_de_empresa(
    empresa: &Empresa,
    moneda: Moneda,
    tipo_de_cambio: Option<Decimal>,
    monto: Decimal,
) -> Result<Decimal> {
    if moneda == empresa.moneda {
        return Ok(monto);
    }
    match tipo_de_cambio {
        Some(tc) if tc > Decimal::ZERO => Ok(monto * tc),
        _ => Err(error_campo(
            Codigo::CampoRequerido,
            "tipo_de_cambio",
            format!(
                "una venta en {} indica el tipo de cambio: sus importes se comparan en {}",
                moneda.codigo(),
                empresa.moneda.codigo()
            ),
        )),
    }
}

// --- Counter sales ----------------------------------------------------------------------------

/// An item of a counter sale: a product by code or barcode, and a quantity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemPos {
    pub codigo: String,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    #[serde(default)]
    pub series: Vec<String>,
}

/// A counter sale (`ventas/pos/`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VentaPos {
    pub items: Vec<ItemPos>,
    #[serde(default)]
    pub cliente_id: Option<Uuid>,
    #[serde(default)]
    pub almacen_id: Option<Uuid>,
    #[serde(default)]
    pub tipo_comprobante: Option<TipoComprobante>,
    #[serde(default)]
    pub serie: Option<String>,
    #[serde(default)]
    pub pagos: Vec<Pago>,
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

pub async fn venta_pos<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    v: VentaPos,
) -> Result<VentaEmitida> {
    if v.items.is_empty() {
        return Err(error_campo(
            Codigo::DocumentoSinLineas,
            "items",
            "la venta no tiene ítems",
        ));
    }
    if let Some(c) = v.clave_idempotencia.as_deref()
        && let Some(venta) = uow.venta_por_clave(c.trim()).await?
    {
        return emitida(uow, venta).await;
    }
    let codigos: Vec<String> = v
        .items
        .iter()
        .map(|item| item.codigo.trim().to_uppercase())
        .collect();
    if codigos.len() > calculo::MAX_LINEAS {
        return Err(error_campo(
            Codigo::DocumentoDemasiadoGrande,
            "items",
            format!(
                "la venta tiene {} ítems; el máximo es {}",
                codigos.len(),
                calculo::MAX_LINEAS
            ),
        ));
    }
    let encontrados = uow.productos_por_codigos(&codigos).await?;
    // A code names the product with that code; failing that, the one with that barcode.
    let buscar = |codigo: &str| {
        encontrados
            .iter()
            .find(|p| p.codigo == codigo)
            .or_else(|| {
                encontrados
                    .iter()
                    .find(|p| !codigo.is_empty() && p.codigo_barras == codigo)
            })
            .cloned()
    };
    let mut lineas = Vec::with_capacity(v.items.len());
    let mut leidos = Vec::with_capacity(v.items.len());
    for (i, (item, codigo)) in v.items.iter().zip(codigos.iter()).enumerate() {
        let p = match buscar(codigo) {
            Some(p) if p.eliminado_en.is_none() => p,
            _ => {
                return Err(error_campo(
                    Codigo::NoEncontrado,
                    format!("items[{i}].codigo"),
                    format!(
                        "ítem {}: no hay producto con código o código de barras '{}'",
                        i + 1,
                        entrada::recortar(codigo)
                    ),
                ));
            }
        };
        lineas.push(super::LineaVentaNueva {
            producto_id: p.id,
            cantidad: item.cantidad,
            precio: None,
            descuento: None,
            descuento_porcentaje: None,
            series: item.series.clone(),
            lote: None,
            aprobacion: None,
        });
        leidos.push(p);
    }
    vender_con(
        uow,
        ctx,
        NuevaVenta {
            cliente_id: v.cliente_id,
            almacen_id: v.almacen_id,
            tipo_comprobante: v.tipo_comprobante,
            serie: v.serie,
            lineas,
            pagos: v.pagos,
            tipo_venta: TipoVenta::Pos,
            clave_idempotencia: v.clave_idempotencia,
            ..Default::default()
        },
        leidos,
    )
    .await
    .map_err(|e| match e {
        Error::Validacion {
            codigo,
            campo: Some(c),
            mensaje,
        } if c.starts_with("lineas[") => Error::Validacion {
            codigo,
            campo: Some(c.replacen("lineas[", "items[", 1)),
            mensaje: mensaje.replacen("línea", "ítem", 1),
        },
        otro => otro,
    })
}

// --- Credit and debit notes -----------------------------------------------------------------

/// Annulment of a sale: a credit note for everything not yet returned.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anulacion {
    /// Peru: SUNAT catalog 09 code (`01` anulación de la operación by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
    /// A retry with the same key returns the first note and issues nothing.
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

/// A partial return: some quantities of some lines.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Devolucion {
    pub lineas: Vec<LineaDevolucion>,
    /// Peru: catalog 09 (`07` devolución por ítem by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
    /// A retry with the same key returns the first note and issues nothing.
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineaDevolucion {
    /// The sale line's number (1-based).
    pub numero: i32,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    /// For serial-tracked products, the serials that come back.
    #[serde(default)]
    pub series: Vec<String>,
}

/// A debit note on a sale: charges added after it (interest, penalties, price increases).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotaDebitoNueva {
    pub items: Vec<CargoNotaDebito>,
    /// Peru: SUNAT catalog 10 (`01` intereses por mora by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
    /// A retry with the same key returns the first note and issues nothing.
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CargoNotaDebito {
    /// The sale line the charge belongs to, whose taxes it takes; may be left out when all the
    /// sale's lines are taxed alike.
    #[serde(default)]
    pub numero: Option<i32>,
    pub descripcion: String,
    /// Amount, on the sale's price basis (with or without taxes as the sale was).
    #[serde(deserialize_with = "entrada::decimal")]
    pub monto: Decimal,
}

/// Annuls a sale: a credit note for what remains, stock back at its original cost, pending
/// instalments cancelled.
pub async fn anular<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta_id: Uuid,
    a: Anulacion,
) -> Result<Comprobante> {
    bloquear_si_hay_limite(uow).await?;
    let clave = clave_valida(a.clave_idempotencia.as_deref())?;
    let venta = match venta_para_nota(
        uow,
        venta_id,
        clave.as_deref(),
        TipoComprobante::NotaCredito,
        "la venta ya está anulada",
    )
    .await?
    {
        Destino::Venta(v) => *v,
        Destino::Repetida(n) => return Ok(*n),
    };
    let pais = uow.empresa().await?.pais;
    let motivo = validar_motivo(
        pais,
        UsoNota::Anulacion,
        a.motivo_codigo.as_deref().unwrap_or("01"),
        &a.motivo,
    )?;
    if motivo.0.as_deref() == Some("06")
        && venta
            .lineas
            .iter()
            .any(|l| !l.cantidad_devuelta.is_zero() || !l.rebaja.is_zero())
    {
        return Err(error_campo(
            Codigo::ValorNoPermitido,
            "motivo_codigo",
            "el motivo 06 (devolución total) es para una venta sin devoluciones ni rebajas previas: use 01",
        ));
    }
    let lineas = pendientes(&venta);
    nota_de_credito(uow, ctx, venta, lineas, motivo, clave).await
}

/// Returns some quantities of a sale: a partial credit note and the stock back.
pub async fn devolver<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta_id: Uuid,
    d: Devolucion,
) -> Result<Comprobante> {
    bloquear_si_hay_limite(uow).await?;
    let clave = clave_valida(d.clave_idempotencia.as_deref())?;
    let venta = match venta_para_nota(
        uow,
        venta_id,
        clave.as_deref(),
        TipoComprobante::NotaCredito,
        "la venta está anulada: no admite devoluciones",
    )
    .await?
    {
        Destino::Venta(v) => *v,
        Destino::Repetida(n) => return Ok(*n),
    };
    if d.lineas.is_empty() {
        return Err(error_campo(
            Codigo::DocumentoSinLineas,
            "lineas",
            "indique qué líneas se devuelven",
        ));
    }
    // Each line is checked against what remains of it; naming it twice would return it twice.
    let mut vistas = std::collections::HashSet::new();
    if let Some(i) = d.lineas.iter().position(|l| !vistas.insert(l.numero)) {
        return Err(error_campo(
            Codigo::ValorNoPermitido,
            format!("lineas[{i}].numero"),
            format!(
                "la línea {} de la venta figura más de una vez: indique su cantidad total una sola vez",
                d.lineas[i].numero
            ),
        ));
    }
    let pais = uow.empresa().await?.pais;
    let motivo = validar_motivo(
        pais,
        UsoNota::Devolucion,
        d.motivo_codigo.as_deref().unwrap_or("07"),
        &d.motivo,
    )?;
    nota_de_credito(uow, ctx, venta, d.lineas, motivo, clave).await
}

/// What a note does, which decides the reasons it may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UsoNota {
    /// Credits everything not yet returned, goods back.
    Anulacion,
    /// Credits some units, goods back.
    Devolucion,
    /// Credits value (a discount, a decrease): no goods move.
    Valor,
    Debito,
}

/// SUNAT catalog 09, the reasons of a credit note.
const MOTIVOS_NOTA_CREDITO: [(&str, &str); 13] = [
    ("01", "anulación de la operación"),
    ("02", "anulación por error en el RUC"),
    ("03", "corrección por error en la descripción"),
    ("04", "descuento global"),
    ("05", "descuento por ítem"),
    ("06", "devolución total"),
    ("07", "devolución por ítem"),
    ("08", "bonificación"),
    ("09", "disminución en el valor"),
    ("10", "otros conceptos"),
    ("11", "ajustes de operaciones de exportación"),
    ("12", "ajustes afectos al IVAP"),
    ("13", "ajustes de montos y/o fechas de pago"),
];

/// The catalog 09 reasons of each use. A reason says what the note does: an annulment code on
/// a discount would restock goods that never came back; codes 03, 08, 11, 12 and 13 need
/// documents (corrected descriptions, free goods, export or IVAP adjustments, new payment
/// dates) and `04` (a discount on the whole document) the engine does not issue yet.
const MOTIVOS_ANULACION: &[&str] = &["01", "02", "06"];
const MOTIVOS_DEVOLUCION: &[&str] = &["07"];
/// `04` (descuento global) is not among them: a value note here reduces named lines.
const MOTIVOS_VALOR: &[&str] = &["05", "09", "10"];
/// SUNAT catalog 10, the reasons of a debit note.
const MOTIVOS_NOTA_DEBITO: &[&str] = &["01", "02", "03", "11", "12"];

fn validar_motivo(
    pais: Pais,
    uso: UsoNota,
    codigo: &str,
    motivo: &str,
) -> Result<(Option<String>, String)> {
    let motivo = texto_opcional("motivo", motivo, 250)?;
    if motivo.is_empty() {
        return Err(error_campo(
            Codigo::CampoRequerido,
            "motivo",
            "indique el motivo de la nota",
        ));
    }
    let codigo = codigo.trim();
    match pais {
        Pais::Peru => {
            let validos = match uso {
                UsoNota::Anulacion => MOTIVOS_ANULACION,
                UsoNota::Devolucion => MOTIVOS_DEVOLUCION,
                UsoNota::Valor => MOTIVOS_VALOR,
                UsoNota::Debito => MOTIVOS_NOTA_DEBITO,
            };
            if validos.contains(&codigo) {
                return Ok((Some(codigo.to_string()), motivo));
            }
            let mensaje = if uso == UsoNota::Debito {
                format!(
                    "motivo '{}' inválido para una nota de débito: catálogo 10 de SUNAT ({})",
                    entrada::recortar(codigo),
                    validos.join(", ")
                )
            } else {
                let nombre = MOTIVOS_NOTA_CREDITO
                    .iter()
                    .find(|(c, _)| *c == codigo)
                    .map(|(_, n)| *n);
                let donde = if MOTIVOS_ANULACION.contains(&codigo) {
                    "se usa al anular la venta"
                } else if MOTIVOS_DEVOLUCION.contains(&codigo) {
                    "se usa al devolver líneas de la venta"
                } else if MOTIVOS_VALOR.contains(&codigo) {
                    "se usa en una nota de crédito de valor (descuento o disminución), que no mueve stock"
                } else {
                    "el sistema aún no emite notas con ese motivo"
                };
                match nombre {
                    Some(n) => format!(
                        "el motivo {codigo} ({n}) no corresponde aquí: {donde}; aquí valen {}",
                        validos.join(", ")
                    ),
                    None => format!(
                        "motivo '{}' inválido: catálogo 09 de SUNAT; aquí valen {}",
                        entrada::recortar(codigo),
                        validos.join(", ")
                    ),
                }
            };
            Err(error_campo(
                Codigo::ValorNoPermitido,
                "motivo_codigo",
                mensaje,
            ))
        }
        // The SRI takes the reason as text.
        Pais::Ecuador => Ok((None, motivo)),
    }
}

/// The credited part of a line's discounts (its own and later value notes) for `cantidad` of
/// its units: pro rata, and the last units take what is left, so every cent is credited once.
fn descuento_devuelto(l: &DetalleVenta, cantidad: Decimal) -> Decimal {
    let rebajas = l.descuento + l.rebaja;
    // What the units returned so far and these took, less what the earlier ones took: the
    // rounded parts add back to the whole over any number of returns.
    let hasta = |q: Decimal| {
        if q == l.cantidad {
            rebajas
        } else {
            redondear(rebajas * q / l.cantidad)
        }
    };
    hasta(l.cantidad_devuelta + cantidad) - hasta(l.cantidad_devuelta)
}

/// A line of a note, taxed as the sale's line was.
fn linea_de_nota(
    empresa: &Empresa,
    p: &Producto,
    l: &DetalleVenta,
    cantidad: Decimal,
    precio: Decimal,
    descuento: Decimal,
) -> Linea {
    let mut linea = linea_de_calculo(empresa, p, cantidad, precio, Some(descuento), None);
    linea.codigo = l.codigo.clone();
    linea.descripcion = l.descripcion.clone();
    if let Some(t) = &l.tributo {
        aplicar_tributo(&mut linea, t);
    }
    linea
}

/// The computed document of a note on a sale: the rates of the sale's date, not today's (the
/// IVA that rose from 12 % to 15 %, a year's ICBPER), on the sale's price basis.
fn calcular_nota(
    empresa: &Empresa,
    venta: &Venta,
    descuento_global: Option<Decimal>,
    lineas: Vec<Linea>,
) -> Result<DocumentoCalculado> {
    calcular_en(empresa, venta, venta.fecha, descuento_global, lineas)
}

/// The same, at the rates of `fecha`.
fn calcular_en(
    empresa: &Empresa,
    venta: &Venta,
    fecha: time::Date,
    descuento_global: Option<Decimal>,
    lineas: Vec<Linea>,
) -> Result<DocumentoCalculado> {
    calculo::calcular_documento(&calculo::Documento {
        pais: empresa.pais,
        fecha,
        moneda: Some(venta.moneda),
        tipo_de_cambio: venta.tipo_de_cambio,
        precios_incluyen_impuesto: venta.precios_incluyen_impuesto,
        descuento_global,
        descuento_global_porcentaje: None,
        propina: None,
        configuracion: empresa.configuracion_tributaria(),
        retenciones: vec![],
        lineas,
    })
}

/// A credit sale owes less: the latest instalments first.
fn rebajar_cuotas(venta: &mut Venta, total: Decimal) {
    let mut resto = total;
    for c in venta.cuotas.iter_mut().rev() {
        let baja = c.saldo.min(resto);
        c.saldo -= baja;
        resto -= baja;
    }
}

/// A note on a sale's comprobante, with the next number of its series, to the same buyer.
#[allow(clippy::too_many_arguments)]
async fn emitir_nota<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    empresa: &Empresa,
    id: Uuid,
    tipo: TipoComprobante,
    original: &Comprobante,
    (motivo, clave): ((Option<String>, String), Option<String>),
    calculado: &DocumentoCalculado,
) -> Result<Comprobante> {
    let serie = comprobantes::elegir_serie(uow, ctx, tipo, Some(original.tipo), None).await?;
    let numero = siguiente_numero(uow, ctx, empresa, tipo, &serie.serie).await?;
    let nota = Comprobante {
        id,
        tipo,
        serie: serie.serie,
        numero,
        venta_id: original.venta_id,
        referencia_id: Some(original.id),
        motivo_codigo: motivo.0,
        motivo: motivo.1,
        estado: EstadoComprobante::Pendiente,
        cliente_id: original.cliente_id,
        cliente_tipo_documento: original.cliente_tipo_documento,
        cliente_numero_documento: original.cliente_numero_documento.clone(),
        cliente_razon_social: original.cliente_razon_social.clone(),
        cliente_direccion: original.cliente_direccion.clone(),
        fecha_emision: empresa.fecha_en(ctx.reloj.ahora()),
        moneda: original.moneda,
        total: calculado.total(),
        documento: serde_json::to_value(calculado).map_err(Error::almacenamiento)?,
        creado_en: ctx.reloj.ahora(),
        clave_idempotencia: clave,
        envio: EnvioComprobante::al_emitir(empresa, ctx.reloj.ahora()),
    };
    crate::facturacion::envio::verificar_emision(empresa, &nota, Some(original), &[], "", "")?;
    Ok(nota)
}

/// The next number of a series, refused past the last one the country's format can show
/// (8 digits in Peru, 9 in Ecuador): the unit of work drops, and the series stays as it was.
async fn siguiente_numero<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    empresa: &Empresa,
    tipo: TipoComprobante,
    serie: &str,
) -> Result<i64> {
    admitir_transaccion(uow, ctx, empresa).await?;
    let numero = uow.siguiente_numero(tipo, serie).await?;
    let maximo = comprobantes::numero_maximo(empresa.pais);
    if numero > maximo {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("serie"),
            format!(
                "la serie {serie} llegó a su último número ({maximo}): cree otra serie para {}",
                tipo.codigo()
            ),
        ));
    }
    Ok(numero)
}

/// A company with a monthly limit locks its row before any other lock a flow that issues a
/// comprobante takes (stock, series, the sale): the count at numbering then waits in the same
/// order in every flow, and two flows cannot deadlock on the company and a stock or series row.
pub(crate) async fn bloquear_si_hay_limite<U: Uow>(uow: &mut U) -> Result<()> {
    if uow.empresa().await?.plan.max_transacciones_mes.is_some() {
        uow.bloquear_empresa().await?;
    }
    Ok(())
}

/// Refuses a comprobante beyond the company's monthly plan. Every comprobante is numbered here,
/// so this is the one place that counts them; the company's row stays locked to the end of the
/// unit of work, so two tills cannot both take the month's last one.
async fn admitir_transaccion<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    empresa: &Empresa,
) -> Result<()> {
    if empresa.plan.max_transacciones_mes.is_none() {
        return Ok(());
    }
    uow.bloquear_empresa().await?;
    let hoy = empresa.fecha_en(ctx.reloj.ahora());
    let mes = hoy.replace_day(1).map_err(Error::almacenamiento)?;
    let emitidos = uow.contar_comprobantes_desde(mes).await?;
    empresa.plan.admitir_transaccion(emitidos, mes)
}

async fn nota_de_credito<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    mut venta: Venta,
    lineas: Vec<LineaDevolucion>,
    motivo: (Option<String>, String),
    clave: Option<String>,
) -> Result<Comprobante> {
    let empresa = uow.empresa().await?;
    let original = comprobante_de(uow, &venta).await?;
    let completa = lineas.iter().all(|d| {
        venta
            .lineas
            .iter()
            .any(|l| l.numero == d.numero && d.cantidad == l.cantidad - l.cantidad_devuelta)
    }) && venta
        .lineas
        .iter()
        .all(|l| l.cantidad == l.cantidad_devuelta || lineas.iter().any(|d| d.numero == l.numero));
    let sin_devoluciones = venta.lineas.iter().all(|l| l.cantidad_devuelta.is_zero());
    if venta.descuento_global.is_some_and(|d| !d.is_zero()) && !(completa && sin_devoluciones) {
        return Err(error_campo(
            Codigo::ValorNoPermitido,
            "lineas",
            "la venta tiene descuento global: solo admite la anulación completa (una devolución parcial no sabría qué parte del descuento devolver)",
        ));
    }
    let nota_id = ctx.ids.nuevo();
    let mut calc_lineas = Vec::with_capacity(lineas.len());
    let mut productos = Vec::with_capacity(lineas.len());
    for (i, d) in lineas.iter().enumerate() {
        let Some(l) = venta.lineas.iter().find(|l| l.numero == d.numero) else {
            return Err(error_campo(
                Codigo::NoEncontrado,
                format!("lineas[{i}].numero"),
                format!("la venta no tiene la línea {}", d.numero),
            ));
        };
        let pendiente = l.cantidad - l.cantidad_devuelta;
        if d.cantidad <= Decimal::ZERO || d.cantidad > pendiente {
            return Err(error_campo(
                Codigo::CantidadInvalida,
                format!("lineas[{i}].cantidad"),
                format!(
                    "línea {}: se pueden devolver hasta {} unidades (se pidieron {})",
                    l.numero,
                    pendiente.normalize(),
                    d.cantidad.normalize()
                ),
            ));
        }
        let p = uow
            .producto(l.producto_id)
            .await?
            .ok_or_else(|| Error::no_existe("producto", l.producto_id))?;
        let descuento = descuento_devuelto(l, d.cantidad);
        calc_lineas.push(linea_de_nota(
            &empresa, &p, l, d.cantidad, l.precio, descuento,
        ));
        productos.push(p);
    }
    let calculado = calcular_nota(
        &empresa,
        &venta,
        venta
            .descuento_global
            .filter(|_| completa && sin_devoluciones),
        calc_lineas,
    )?;
    devolver_stock(
        uow,
        ctx,
        &mut venta,
        &lineas,
        &productos,
        (ReferenciaMovimiento::NotaCredito, nota_id),
    )
    .await?;
    rebajar_cuotas(&mut venta, calculado.total());
    if venta
        .lineas
        .iter()
        .all(|l| l.cantidad_devuelta == l.cantidad)
    {
        venta.estado = EstadoVenta::Anulada;
        ctx.eventos
            .emitir(Evento::VentaAnulada { venta_id: venta.id });
    }
    let nota = emitir_nota(
        uow,
        ctx,
        &empresa,
        nota_id,
        TipoComprobante::NotaCredito,
        &original,
        (motivo, clave),
        &calculado,
    )
    .await?;
    uow.actualizar_venta(&venta).await?;
    uow.insertar_comprobante(&nota).await?;
    ctx.eventos.emitir(Evento::comprobante(&nota));
    Ok(nota)
}

/// What of a sale has not come back yet, line by line, with the serials still out: what an
/// annulment returns.
fn pendientes(venta: &Venta) -> Vec<LineaDevolucion> {
    venta
        .lineas
        .iter()
        .filter(|l| l.cantidad > l.cantidad_devuelta)
        .map(|l| LineaDevolucion {
            numero: l.numero,
            cantidad: l.cantidad - l.cantidad_devuelta,
            series: l.series.clone(),
        })
        .collect()
}

/// Stock back for `lineas` of a sale, at the cost it left at, in product order (`productos` are
/// the lines' products, in the same order); the ledger names `referencia` (the credit note, or
/// the sale voided by a baja). The stock rows are locked before any lot, as a sale locks them.
async fn devolver_stock<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta: &mut Venta,
    lineas: &[LineaDevolucion],
    productos: &[Producto],
    (referencia_tipo, referencia_id): (ReferenciaMovimiento, Uuid),
) -> Result<()> {
    // Goods that come back come back, even to a warehouse deactivated or of a product deleted
    // since the sale: the checks of a new movement are not asked of a return.
    let almacen = uow
        .almacen(venta.almacen_id)
        .await?
        .ok_or_else(|| Error::no_existe("almacén", venta.almacen_id))?;
    let pares: Vec<(Uuid, Uuid)> = productos
        .iter()
        .filter(|p| !p.es_servicio)
        .map(|p| (p.id, venta.almacen_id))
        .collect();
    uow.bloquear_stocks(&pares).await?;
    let mut orden: Vec<usize> = (0..lineas.len()).collect();
    orden.sort_by_key(|&i| productos[i].id);
    for i in orden {
        let (d, p) = (&lineas[i], &productos[i]);
        let Some(l) = venta.lineas.iter_mut().find(|l| l.numero == d.numero) else {
            continue;
        };
        if !p.es_servicio {
            let costo_unitario = if l.cantidad.is_zero() {
                Decimal::ZERO
            } else {
                l.costo_total / l.cantidad
            };
            let mut m = NuevoMovimiento::new(
                TipoMovimiento::DevolucionEntrada,
                p.id,
                venta.almacen_id,
                d.cantidad,
            );
            m.costo_unitario = Some(costo_unitario.round_dp(10));
            m.referencia_tipo = Some(referencia_tipo);
            m.referencia_id = Some(referencia_id);
            if p.requiere_serie {
                let series =
                    if d.series.is_empty() && d.cantidad == l.cantidad - l.cantidad_devuelta {
                        l.series.clone()
                    } else {
                        d.series.clone()
                    };
                if let Some(s) = series.iter().find(|s| !l.series.contains(s)) {
                    return Err(error_campo(
                        Codigo::ValorNoPermitido,
                        format!("lineas[{i}].series"),
                        format!("la serie {s} no se vendió en la línea {}", l.numero),
                    ));
                }
                l.series.retain(|s| !series.contains(s));
                m.series = series;
            }
            let mut partes = Vec::new();
            if p.requiere_lote {
                // Back into the lots they came from, in the order they were drawn.
                let lotes = uow.lotes_bloqueados(p.id, venta.almacen_id).await?;
                let mut resto = d.cantidad;
                for (id, q) in l.lotes.iter_mut() {
                    let toma = (*q).min(resto);
                    let Some(lote) = lotes.iter().find(|x| x.id == *id) else {
                        continue;
                    };
                    if toma <= Decimal::ZERO {
                        continue;
                    }
                    *q -= toma;
                    resto -= toma;
                    let mut parte = m.clone();
                    parte.cantidad = toma;
                    parte.lote = Some(lote.numero_lote.clone());
                    parte.vencimiento = lote.fecha_vencimiento;
                    partes.push(parte);
                }
                l.lotes.retain(|(_, q)| !q.is_zero());
                if resto > Decimal::ZERO {
                    // Units whose lot is not known (a sale stored before lots were recorded):
                    // the ledger asks for a lot and says so.
                    m.cantidad = resto;
                    partes.push(m);
                }
            } else {
                partes.push(m);
            }
            for m in partes {
                inventario::registrar_movimiento_de(uow, ctx, p, &almacen, m)
                    .await
                    .map_err(|e| en_linea(e, i))?;
            }
        }
        l.cantidad_devuelta += d.cantidad;
    }
    Ok(())
}

/// The sale of a comprobante SUNAT voided by a comunicación de baja: annulled, all its stock
/// back (the ledger names the sale), its instalments cancelled. No note is issued: the baja
/// itself is the tax record. Called in the unit of work that records SUNAT's answer.
pub(crate) async fn anular_por_baja<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    c: &Comprobante,
) -> Result<()> {
    let mut venta = uow
        .venta_bloqueada(c.venta_id)
        .await?
        .ok_or_else(|| Error::no_existe("venta", c.venta_id))?;
    if venta.estado == EstadoVenta::Anulada {
        return Ok(());
    }
    let lineas = pendientes(&venta);
    let mut productos = Vec::with_capacity(lineas.len());
    for l in venta
        .lineas
        .iter()
        .filter(|l| l.cantidad > l.cantidad_devuelta)
    {
        productos.push(
            uow.producto(l.producto_id)
                .await?
                .ok_or_else(|| Error::no_existe("producto", l.producto_id))?,
        );
    }
    let referencia = (ReferenciaMovimiento::Venta, venta.id);
    devolver_stock(uow, ctx, &mut venta, &lineas, &productos, referencia).await?;
    for cuota in &mut venta.cuotas {
        cuota.saldo = Decimal::ZERO;
    }
    venta.estado = EstadoVenta::Anulada;
    uow.actualizar_venta(&venta).await?;
    ctx.eventos
        .emitir(Evento::VentaAnulada { venta_id: venta.id });
    Ok(())
}

/// Which credit note: the annulment of the whole sale, a return of some units, or a note of
/// value (amounts off some lines).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoNotaCredito {
    Anulacion,
    Devolucion,
    Valor,
}

/// A credit note on a comprobante (the contract's `POST /facturacion/notas-credito/`). `tipo`
/// says which, explicitly (an annulment returns everything: it is never inferred from what is
/// missing): `anulacion` takes neither `lineas` nor `items`; `devolucion` takes `lineas` (units
/// that come back); `valor` takes `items` (amounts off some lines).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaNotaCredito {
    /// The factura or boleta it modifies.
    pub comprobante_id: Uuid,
    pub tipo: TipoNotaCredito,
    #[serde(default)]
    pub lineas: Option<Vec<LineaDevolucion>>,
    #[serde(default)]
    pub items: Option<Vec<RebajaLinea>>,
    /// Peru: SUNAT catalog 09 (by default `01` for an annulment, `07` for a return, `09` for a
    /// note of value).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
    /// A retry with the same key returns the first note and issues nothing.
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

/// Which credit note a [`NuevaNotaCredito`] asks for, on which sale.
pub enum ClaseNotaCredito {
    Anulacion(Anulacion),
    Devolucion(Devolucion),
    Valor(NotaCreditoValor),
}

impl NuevaNotaCredito {
    /// The note, given the comprobante it names (a sale's own factura or boleta).
    pub fn clase(self, c: &Comprobante) -> Result<ClaseNotaCredito> {
        if c.tipo.es_nota() {
            return Err(error_campo(
                Codigo::ValorNoPermitido,
                "comprobante_id",
                format!(
                    "{} es una nota: la nota de crédito modifica la factura o boleta de la venta",
                    c.numero_completo()
                ),
            ));
        }
        let (motivo_codigo, motivo, clave_idempotencia) =
            (self.motivo_codigo, self.motivo, self.clave_idempotencia);
        let sobra =
            |campo: &str, m: &str| Err(error_campo(Codigo::CampoNoAplica, campo, m.to_string()));
        let falta =
            |campo: &str, m: &str| Err(error_campo(Codigo::CampoRequerido, campo, m.to_string()));
        Ok(match (self.tipo, self.lineas, self.items) {
            (TipoNotaCredito::Anulacion, Some(_), _) => {
                return sobra(
                    "lineas",
                    "una anulación devuelve toda la venta: no lleva lineas",
                );
            }
            (TipoNotaCredito::Anulacion, _, Some(_)) => {
                return sobra(
                    "items",
                    "una anulación devuelve toda la venta: no lleva items",
                );
            }
            (TipoNotaCredito::Anulacion, None, None) => ClaseNotaCredito::Anulacion(Anulacion {
                motivo_codigo,
                motivo,
                clave_idempotencia,
            }),
            (TipoNotaCredito::Devolucion, _, Some(_)) => {
                return sobra(
                    "items",
                    "una devolución lleva lineas (unidades que vuelven)",
                );
            }
            (TipoNotaCredito::Devolucion, None, None) => {
                return falta("lineas", "indique las líneas y cantidades que vuelven");
            }
            (TipoNotaCredito::Devolucion, Some(lineas), None) => {
                ClaseNotaCredito::Devolucion(Devolucion {
                    lineas,
                    motivo_codigo,
                    motivo,
                    clave_idempotencia,
                })
            }
            (TipoNotaCredito::Valor, Some(_), _) => {
                return sobra("lineas", "una nota de valor lleva items (montos por línea)");
            }
            (TipoNotaCredito::Valor, None, None) => {
                return falta("items", "indique los montos que se rebajan por línea");
            }
            (TipoNotaCredito::Valor, None, Some(items)) => {
                ClaseNotaCredito::Valor(NotaCreditoValor {
                    items,
                    motivo_codigo,
                    motivo,
                    clave_idempotencia,
                })
            }
        })
    }
}

/// A credit note of value on a sale: a discount or a decrease in the price of some lines after
/// the sale (catalog 09 codes 05, 09, 10). No goods come back; a credit sale owes less, and a
/// later return of those units credits them net of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotaCreditoValor {
    pub items: Vec<RebajaLinea>,
    /// Peru: catalog 09 (`09` disminución en el valor by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
    /// A retry with the same key returns the first note and issues nothing.
    #[serde(default)]
    pub clave_idempotencia: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RebajaLinea {
    /// The sale line's number (1-based).
    pub numero: i32,
    /// The reduction of the line's amount, on the sale's price basis (with or without taxes as
    /// the sale was).
    #[serde(deserialize_with = "entrada::decimal")]
    pub monto: Decimal,
}

/// Issues a credit note of value on a sale.
pub async fn nota_credito_valor<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta_id: Uuid,
    n: NotaCreditoValor,
) -> Result<Comprobante> {
    bloquear_si_hay_limite(uow).await?;
    let clave = clave_valida(n.clave_idempotencia.as_deref())?;
    let empresa = uow.empresa().await?;
    let mut venta = match venta_para_nota(
        uow,
        venta_id,
        clave.as_deref(),
        TipoComprobante::NotaCredito,
        "la venta está anulada: no admite notas de crédito",
    )
    .await?
    {
        Destino::Venta(v) => *v,
        Destino::Repetida(n) => return Ok(*n),
    };
    let motivo = validar_motivo(
        empresa.pais,
        UsoNota::Valor,
        n.motivo_codigo.as_deref().unwrap_or("09"),
        &n.motivo,
    )?;
    if n.items.is_empty() {
        return Err(error_campo(
            Codigo::DocumentoSinLineas,
            "items",
            "indique qué líneas se rebajan y en cuánto",
        ));
    }
    if venta.descuento_global.is_some_and(|d| !d.is_zero()) {
        return Err(error_campo(
            Codigo::ValorNoPermitido,
            "items",
            "la venta tiene descuento global: una rebaja por línea no sabría cómo repartirlo; anule la venta y emita otra",
        ));
    }
    let mut vistas = std::collections::HashSet::new();
    let mut calc_lineas = Vec::with_capacity(n.items.len());
    for (i, r) in n.items.iter().enumerate() {
        let campo = |c: &str| format!("items[{i}].{c}");
        if !vistas.insert(r.numero) {
            return Err(error_campo(
                Codigo::ValorNoPermitido,
                campo("numero"),
                format!("la línea {} figura más de una vez", r.numero),
            ));
        }
        let Some(l) = venta.lineas.iter().find(|l| l.numero == r.numero) else {
            return Err(error_campo(
                Codigo::NoEncontrado,
                campo("numero"),
                format!("la venta no tiene la línea {}", r.numero),
            ));
        };
        if !l.cantidad_devuelta.is_zero() {
            return Err(error_campo(
                Codigo::ValorNoPermitido,
                campo("numero"),
                format!(
                    "la línea {} ya tiene unidades devueltas: una rebaja se aplica a líneas completas",
                    l.numero
                ),
            ));
        }
        let neto = l.cantidad * l.precio - l.descuento - l.rebaja;
        if r.monto <= Decimal::ZERO || !entrada::max_decimales(r.monto, 2) || r.monto > neto {
            return Err(error_campo(
                Codigo::ValorNoPermitido,
                campo("monto"),
                format!(
                    "línea {}: la rebaja debe ser positiva, con hasta 2 decimales y de hasta {} (lo que queda de la línea)",
                    l.numero,
                    redondear(neto.max(Decimal::ZERO))
                ),
            ));
        }
        let p = uow
            .producto(l.producto_id)
            .await?
            .ok_or_else(|| Error::no_existe("producto", l.producto_id))?;
        // One unit of the reduction, taxed as the line was.
        let mut linea = linea_de_nota(&empresa, &p, l, Decimal::ONE, r.monto, Decimal::ZERO);
        linea.descuento = None;
        // The bag tax is per bag: a lower price returns none of it (a return does).
        linea.icbper = false;
        calc_lineas.push(linea);
    }
    let calculado = calcular_nota(&empresa, &venta, None, calc_lineas)?;
    for r in &n.items {
        if let Some(l) = venta.lineas.iter_mut().find(|l| l.numero == r.numero) {
            l.rebaja += r.monto;
        }
    }
    rebajar_cuotas(&mut venta, calculado.total());
    let original = comprobante_de(uow, &venta).await?;
    let nota = emitir_nota(
        uow,
        ctx,
        &empresa,
        ctx.ids.nuevo(),
        TipoComprobante::NotaCredito,
        &original,
        (motivo, clave),
        &calculado,
    )
    .await?;
    uow.actualizar_venta(&venta).await?;
    uow.insertar_comprobante(&nota).await?;
    ctx.eventos.emitir(Evento::comprobante(&nota));
    Ok(nota)
}

/// How a debit note's charge is taxed: as the sale line it names, or as all the sale's lines
/// when they agree. The charge carries the line's IGV or IVA treatment, not its bag tax or ICE
/// (those are per unit of goods; interest or a penalty is not a good).
fn tributo_de_cargo(
    venta: &Venta,
    tributos: &[TributoLinea],
    numero: Option<i32>,
    i: usize,
) -> Result<TributoLinea> {
    let t = match numero {
        Some(n) => match venta.lineas.iter().position(|l| l.numero == n) {
            Some(k) => tributos[k].clone(),
            None => {
                return Err(error_campo(
                    Codigo::NoEncontrado,
                    format!("items[{i}].numero"),
                    format!("la venta no tiene la línea {n}"),
                ));
            }
        },
        None => {
            let igual = |a: &TributoLinea, b: &TributoLinea| {
                a.afectacion_igv == b.afectacion_igv && a.iva == b.iva
            };
            match tributos.split_first() {
                Some((primero, resto)) if resto.iter().all(|t| igual(t, primero)) => {
                    primero.clone()
                }
                _ => {
                    return Err(error_campo(
                        Codigo::CampoRequerido,
                        format!("items[{i}].numero"),
                        format!(
                            "cargo {}: las líneas de la venta tienen distintos impuestos: indique a qué línea corresponde el cargo (numero)",
                            i + 1
                        ),
                    ));
                }
            }
        }
    };
    Ok(TributoLinea {
        afectacion_igv: t.afectacion_igv,
        icbper: false,
        iva: t.iva,
        ice: None,
    })
}

/// Issues a debit note on a sale's comprobante. It moves no stock.
pub async fn nota_debito<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta_id: Uuid,
    n: NotaDebitoNueva,
) -> Result<Comprobante> {
    bloquear_si_hay_limite(uow).await?;
    let clave = clave_valida(n.clave_idempotencia.as_deref())?;
    let empresa = uow.empresa().await?;
    let venta = match venta_para_nota(
        uow,
        venta_id,
        clave.as_deref(),
        TipoComprobante::NotaDebito,
        "la venta está anulada: no admite notas de débito",
    )
    .await?
    {
        Destino::Venta(v) => *v,
        Destino::Repetida(n) => return Ok(*n),
    };
    let motivo = validar_motivo(
        empresa.pais,
        UsoNota::Debito,
        n.motivo_codigo.as_deref().unwrap_or("01"),
        &n.motivo,
    )?;
    if n.items.is_empty() {
        return Err(error_campo(
            Codigo::DocumentoSinLineas,
            "items",
            "la nota de débito no tiene cargos",
        ));
    }
    let original = comprobante_de(uow, &venta).await?;
    let mut tributos = Vec::with_capacity(venta.lineas.len());
    for l in &venta.lineas {
        tributos.push(match &l.tributo {
            Some(t) => t.clone(),
            None => {
                let p = uow
                    .producto(l.producto_id)
                    .await?
                    .ok_or_else(|| Error::no_existe("producto", l.producto_id))?;
                tributo_de(&empresa, &p)
            }
        });
    }
    let mut lineas = Vec::with_capacity(n.items.len());
    for (i, c) in n.items.iter().enumerate() {
        let descripcion = crate::empresa::texto_requerido("descripcion", &c.descripcion, 250)
            .map_err(|e| en_linea(e, i))?;
        if c.monto <= Decimal::ZERO
            || !entrada::max_decimales(c.monto, 2)
            || !entrada::max_enteros(c.monto, 12)
        {
            return Err(error_campo(
                Codigo::PrecioInvalido,
                format!("items[{i}].monto"),
                format!(
                    "cargo {}: el monto debe ser positivo con hasta 2 decimales",
                    i + 1
                ),
            ));
        }
        let tributo = tributo_de_cargo(&venta, &tributos, c.numero, i)?;
        let mut linea = Linea {
            codigo: format!("ND{}", i + 1),
            descripcion,
            unidad: Some("ZZ".into()),
            cantidad: Decimal::ONE,
            precio: c.monto,
            descuento: None,
            descuento_porcentaje: None,
            afectacion_igv: None,
            icbper: false,
            iva: None,
            ice: None,
        };
        aplicar_tributo(&mut linea, &tributo);
        lineas.push(linea);
    }
    // A charge made today (interest, a penalty) is taxed at today's rates.
    let hoy = empresa.fecha_en(ctx.reloj.ahora());
    let calculado = calcular_en(&empresa, &venta, hoy, None, lineas).map_err(|e| match e {
        Error::Validacion {
            codigo,
            campo,
            mensaje,
        } => Error::Validacion {
            codigo,
            campo: campo.map(|c| c.replacen("lineas[", "items[", 1)),
            mensaje,
        },
        otro => otro,
    })?;
    let nota = emitir_nota(
        uow,
        ctx,
        &empresa,
        ctx.ids.nuevo(),
        TipoComprobante::NotaDebito,
        &original,
        (motivo, clave),
        &calculado,
    )
    .await?;
    uow.insertar_comprobante(&nota).await?;
    ctx.eventos.emitir(Evento::comprobante(&nota));
    Ok(nota)
}
