//! The sales flows over one unit of work. A sale either happens whole (stock out, lines, payments
//! or instalments, comprobante with its number) or not at all: every check comes before the first
//! write that could fail for a business reason, and any later failure drops the unit of work.
//!
//! Locks: stock rows in product order (so two sales of the same products cannot deadlock), then
//! the series row, taken last so that it is held as briefly as possible.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Duration;
use uuid::Uuid;

use super::{
    CondicionPago, Cuota, DetalleVenta, EstadoVenta, MetodoPago, NuevaVenta, Pago, TipoVenta,
    Venta, VentaEmitida,
};
use crate::calculo::{self, DocumentoCalculado, IceLinea, Linea};
use crate::comprobantes::{self, Comprobante, EstadoComprobante, TipoComprobante};
use crate::dinero::{Moneda, redondear};
use crate::empresa::{Empresa, texto_opcional};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::inventario::servicio::{self as inventario, Contexto, NuevoMovimiento};
use crate::inventario::{Almacen, Producto, ReferenciaMovimiento, TipoMovimiento};
use crate::pais::Pais;
use crate::store::Uow;
use crate::terceros::{self, Cliente, TipoDocumentoCliente};

/// A boleta above this amount (soles) must identify the buyer (Reglamento de Comprobantes de
/// Pago; Nubefact labels `-` "VARIOS – ventas menores a S/ 700.00").
const TOPE_BOLETA_ANONIMA_PEN: Decimal = Decimal::from_parts(700, 0, 0, false, 0);
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
    let clave = match &n.clave_idempotencia {
        Some(c) => {
            let c = c.trim();
            if c.is_empty() || c.chars().count() > 100 {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "clave_idempotencia",
                    "la clave de idempotencia tiene de 1 a 100 caracteres",
                ));
            }
            if let Some(v) = uow.venta_por_clave(c).await? {
                let comprobante = uow
                    .comprobante(v.comprobante_id)
                    .await?
                    .ok_or_else(|| Error::no_existe("comprobante", v.comprobante_id))?;
                return Ok(VentaEmitida {
                    venta: v,
                    comprobante,
                });
            }
            Some(c.to_string())
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
    let almacen = almacen_de_venta(uow, n.almacen_id).await?;
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
    let hoy = ctx.reloj.ahora().to_offset(empresa.zona_horaria()).date();
    let moneda = n.moneda.unwrap_or(empresa.moneda);
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
        uow,
        &empresa,
        &cliente,
        n.condicion,
        &n.pagos,
        &n.cuotas,
        total,
        hoy,
    )
    .await?;

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
    };
    let lineas = detalles(&n, &productos, &calculado, costos);
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
    uow.insertar_venta(&venta).await?;
    uow.insertar_comprobante(&comprobante).await?;
    Ok(VentaEmitida { venta, comprobante })
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
        match uow.siguiente_numero(tipo, &s).await {
            Ok(numero) => return Ok((s, numero)),
            Err(Error::NoEncontrado { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let serie = comprobantes::elegir_serie(uow, ctx, tipo, None, pedida).await?;
    let numero = uow.siguiente_numero(tipo, &serie.serie).await?;
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

/// The line the tax engine computes for a product of the company's country.
pub(crate) fn linea_de_calculo(
    empresa: &Empresa,
    p: &Producto,
    cantidad: Decimal,
    precio: Decimal,
    descuento: Option<Decimal>,
    descuento_porcentaje: Option<Decimal>,
) -> Linea {
    let peru = empresa.pais == Pais::Peru;
    Linea {
        codigo: p.codigo.clone(),
        descripcion: p.nombre.clone(),
        unidad: Some(p.unidad_medida.clone()),
        cantidad,
        precio,
        descuento,
        descuento_porcentaje,
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

fn detalles(
    n: &NuevaVenta,
    productos: &[Producto],
    calculado: &DocumentoCalculado,
    costos: Vec<(Decimal, Vec<(Uuid, Decimal)>)>,
) -> Vec<DetalleVenta> {
    let montos: Vec<(Decimal, Decimal, Decimal)> = match calculado {
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
    };
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
            },
        )
        .collect()
}

async fn almacen_de_venta<U: Uow>(uow: &mut U, pedido: Option<Uuid>) -> Result<Almacen> {
    let almacenes = uow.listar_almacenes().await?;
    let elegido = match pedido {
        Some(id) => almacenes
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| Error::no_existe("almacén", id))?,
        None => {
            let activos: Vec<Almacen> = almacenes.into_iter().filter(|a| a.activo).collect();
            match activos.iter().find(|a| a.es_principal) {
                Some(a) => a.clone(),
                None if activos.len() == 1 => activos[0].clone(),
                None => {
                    return Err(error_campo(
                        Codigo::CampoRequerido,
                        "almacen_id",
                        "la empresa no tiene almacén principal: indique almacen_id",
                    ));
                }
            }
        }
    };
    if !elegido.activo {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("almacen_id"),
            format!("el almacén {} está desactivado", elegido.nombre),
        ));
    }
    Ok(elegido)
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
                let en_soles = match moneda {
                    Moneda::Pen => total,
                    Moneda::Usd => match tipo_de_cambio {
                        Some(tc) => total * tc,
                        None => {
                            return Err(error_campo(
                                Codigo::CampoRequerido,
                                "tipo_de_cambio",
                                "una venta en dólares indica el tipo de cambio",
                            ));
                        }
                    },
                };
                if en_soles > TOPE_BOLETA_ANONIMA_PEN {
                    return Err(error_campo(
                        Codigo::ValorNoPermitido,
                        "cliente_id",
                        format!(
                            "una boleta de más de S/ 700.00 (esta es de S/ {}) debe identificar al comprador: registre su DNI u otro documento",
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

#[allow(clippy::too_many_arguments)]
async fn validar_pagos<U: Uow>(
    uow: &mut U,
    empresa: &Empresa,
    cliente: &Cliente,
    condicion: CondicionPago,
    pagos: &[Pago],
    cuotas: &[super::CuotaNueva],
    total: Decimal,
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
            let deuda = uow.deuda_cliente(cliente.id).await?;
            let disponible = cliente.limite_credito - deuda;
            if financiado > disponible {
                return Err(Error::conflicto(
                    Codigo::LimiteCreditoExcedido,
                    Some("condicion"),
                    format!(
                        "el crédito de {} no alcanza: límite {}, deuda pendiente {}, disponible {}, se necesitan {}",
                        cliente.razon_social,
                        cliente.limite_credito,
                        redondear(deuda),
                        redondear(disponible.max(Decimal::ZERO)),
                        redondear(financiado)
                    ),
                ));
            }
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

// --- Counter sales ----------------------------------------------------------------------------

/// An item of a counter sale: a product by code or barcode, and a quantity.
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
        let comprobante = uow
            .comprobante(venta.comprobante_id)
            .await?
            .ok_or_else(|| Error::no_existe("comprobante", venta.comprobante_id))?;
        return Ok(VentaEmitida { venta, comprobante });
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anulacion {
    /// Peru: SUNAT catalog 09 code (`01` anulación de la operación by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
}

/// A partial return: some quantities of some lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Devolucion {
    pub lineas: Vec<LineaDevolucion>,
    /// Peru: catalog 09 (`07` devolución por ítem by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
}

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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotaDebitoNueva {
    pub items: Vec<CargoNotaDebito>,
    /// Peru: SUNAT catalog 10 (`01` intereses por mora by default).
    #[serde(default)]
    pub motivo_codigo: Option<String>,
    pub motivo: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CargoNotaDebito {
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
    let venta = uow
        .venta_bloqueada(venta_id)
        .await?
        .ok_or_else(|| Error::no_existe("venta", venta_id))?;
    if venta.estado == EstadoVenta::Anulada {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            "la venta ya está anulada",
        ));
    }
    let lineas: Vec<LineaDevolucion> = venta
        .lineas
        .iter()
        .filter(|l| l.cantidad > l.cantidad_devuelta)
        .map(|l| LineaDevolucion {
            numero: l.numero,
            cantidad: l.cantidad - l.cantidad_devuelta,
            series: l.series.clone(),
        })
        .collect();
    nota_de_credito(
        uow,
        ctx,
        venta,
        lineas,
        a.motivo_codigo.unwrap_or_else(|| "01".into()),
        a.motivo,
    )
    .await
}

/// Returns some quantities of a sale: a partial credit note and the stock back.
pub async fn devolver<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta_id: Uuid,
    d: Devolucion,
) -> Result<Comprobante> {
    let venta = uow
        .venta_bloqueada(venta_id)
        .await?
        .ok_or_else(|| Error::no_existe("venta", venta_id))?;
    if venta.estado == EstadoVenta::Anulada {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            "la venta está anulada: no admite devoluciones",
        ));
    }
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
    nota_de_credito(
        uow,
        ctx,
        venta,
        d.lineas,
        d.motivo_codigo.unwrap_or_else(|| "07".into()),
        d.motivo,
    )
    .await
}

fn validar_motivo(
    pais: Pais,
    tipo: TipoComprobante,
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
            let validos: &[&str] = match tipo {
                TipoComprobante::NotaCredito => &[
                    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13",
                ],
                _ => &["01", "02", "03", "11", "12"],
            };
            if !validos.contains(&codigo) {
                return Err(error_campo(
                    Codigo::ValorNoPermitido,
                    "motivo_codigo",
                    format!(
                        "motivo '{}' inválido: catálogo {} de SUNAT ({})",
                        entrada::recortar(codigo),
                        if tipo == TipoComprobante::NotaCredito {
                            "09"
                        } else {
                            "10"
                        },
                        validos.join(", ")
                    ),
                ));
            }
            Ok((Some(codigo.to_string()), motivo))
        }
        // The SRI takes the reason as text.
        Pais::Ecuador => Ok((None, motivo)),
    }
}

async fn nota_de_credito<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    mut venta: Venta,
    lineas: Vec<LineaDevolucion>,
    motivo_codigo: String,
    motivo: String,
) -> Result<Comprobante> {
    let empresa = uow.empresa().await?;
    let (motivo_codigo, motivo) = validar_motivo(
        empresa.pais,
        TipoComprobante::NotaCredito,
        &motivo_codigo,
        &motivo,
    )?;
    let original = uow
        .comprobante(venta.comprobante_id)
        .await?
        .ok_or_else(|| Error::no_existe("comprobante", venta.comprobante_id))?;
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
        let descuento = if d.cantidad == l.cantidad {
            l.descuento
        } else {
            redondear(l.descuento * d.cantidad / l.cantidad)
        };
        calc_lineas.push(linea_de_calculo(
            &empresa,
            &p,
            d.cantidad,
            l.precio,
            Some(descuento),
            None,
        ));
        productos.push(p);
    }
    // A credit note reverses the sale's taxes: the rates of the sale's date, not today's (the
    // IVA that rose from 12 % to 15 %, a year's ICBPER).
    let doc = calculo::Documento {
        pais: empresa.pais,
        fecha: venta.fecha,
        moneda: Some(venta.moneda),
        tipo_de_cambio: venta.tipo_de_cambio,
        precios_incluyen_impuesto: venta.precios_incluyen_impuesto,
        descuento_global: venta
            .descuento_global
            .filter(|_| completa && sin_devoluciones),
        descuento_global_porcentaje: None,
        propina: None,
        configuracion: empresa.configuracion_tributaria(),
        retenciones: vec![],
        lineas: calc_lineas,
    };
    let calculado = calculo::calcular_documento(&doc)?;
    // Stock back, at the cost it left at, in product order.
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
            m.referencia_tipo = Some(ReferenciaMovimiento::NotaCredito);
            m.referencia_id = Some(venta.id);
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
            if p.requiere_lote {
                // Back into the lot it came from (the first one drawn that still owes units).
                let lotes = uow.lotes_bloqueados(p.id, venta.almacen_id).await?;
                let numero = l
                    .lotes
                    .first()
                    .and_then(|(id, _)| lotes.iter().find(|x| x.id == *id))
                    .map(|x| (x.numero_lote.clone(), x.fecha_vencimiento));
                if let Some((numero, vence)) = numero {
                    m.lote = Some(numero);
                    m.vencimiento = vence;
                }
            }
            inventario::registrar_movimiento(uow, ctx, m)
                .await
                .map_err(|e| en_linea(e, i))?;
        }
        l.cantidad_devuelta += d.cantidad;
    }
    let total = calculado.total();
    // A credit sale owes less: the latest instalments first.
    let mut resto = total;
    for c in venta.cuotas.iter_mut().rev() {
        let baja = c.saldo.min(resto);
        c.saldo -= baja;
        resto -= baja;
    }
    if venta
        .lineas
        .iter()
        .all(|l| l.cantidad_devuelta == l.cantidad)
    {
        venta.estado = EstadoVenta::Anulada;
    }
    let afectado = original.tipo;
    let serie =
        comprobantes::elegir_serie(uow, ctx, TipoComprobante::NotaCredito, Some(afectado), None)
            .await?;
    let numero = uow
        .siguiente_numero(TipoComprobante::NotaCredito, &serie.serie)
        .await?;
    let nota = Comprobante {
        id: ctx.ids.nuevo(),
        tipo: TipoComprobante::NotaCredito,
        serie: serie.serie,
        numero,
        venta_id: venta.id,
        referencia_id: Some(original.id),
        motivo_codigo,
        motivo,
        estado: EstadoComprobante::Pendiente,
        cliente_id: original.cliente_id,
        cliente_tipo_documento: original.cliente_tipo_documento,
        cliente_numero_documento: original.cliente_numero_documento.clone(),
        cliente_razon_social: original.cliente_razon_social.clone(),
        cliente_direccion: original.cliente_direccion.clone(),
        fecha_emision: ctx.reloj.ahora().to_offset(empresa.zona_horaria()).date(),
        moneda: venta.moneda,
        total,
        documento: serde_json::to_value(&calculado).map_err(Error::almacenamiento)?,
        creado_en: ctx.reloj.ahora(),
    };
    uow.actualizar_venta(&venta).await?;
    uow.insertar_comprobante(&nota).await?;
    Ok(nota)
}

/// Issues a debit note on a sale's comprobante. It moves no stock.
pub async fn nota_debito<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    venta_id: Uuid,
    n: NotaDebitoNueva,
) -> Result<Comprobante> {
    let empresa = uow.empresa().await?;
    let venta = uow
        .venta_bloqueada(venta_id)
        .await?
        .ok_or_else(|| Error::no_existe("venta", venta_id))?;
    if venta.estado == EstadoVenta::Anulada {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            "la venta está anulada: no admite notas de débito",
        ));
    }
    let (motivo_codigo, motivo) = validar_motivo(
        empresa.pais,
        TipoComprobante::NotaDebito,
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
    let original = uow
        .comprobante(venta.comprobante_id)
        .await?
        .ok_or_else(|| Error::no_existe("comprobante", venta.comprobante_id))?;
    let mut lineas = Vec::with_capacity(n.items.len());
    for (i, c) in n.items.iter().enumerate() {
        let descripcion = crate::empresa::texto_requerido("descripcion", &c.descripcion, 250)
            .map_err(|e| en_linea(e, i))?;
        if c.monto <= Decimal::ZERO {
            return Err(error_campo(
                Codigo::PrecioInvalido,
                format!("items[{i}].monto"),
                format!("cargo {}: el monto debe ser positivo", i + 1),
            ));
        }
        lineas.push(Linea {
            codigo: format!("ND{}", i + 1),
            descripcion,
            unidad: Some("ZZ".into()),
            cantidad: Decimal::ONE,
            precio: c.monto,
            descuento: None,
            descuento_porcentaje: None,
            afectacion_igv: (empresa.pais == Pais::Peru)
                .then_some(crate::AfectacionIgv::GravadoOneroso),
            icbper: false,
            iva: (empresa.pais == Pais::Ecuador).then_some(crate::TarifaIva::General),
            ice: None,
        });
    }
    let doc = calculo::Documento {
        pais: empresa.pais,
        fecha: ctx.reloj.ahora().to_offset(empresa.zona_horaria()).date(),
        moneda: Some(venta.moneda),
        tipo_de_cambio: venta.tipo_de_cambio,
        precios_incluyen_impuesto: venta.precios_incluyen_impuesto,
        descuento_global: None,
        descuento_global_porcentaje: None,
        propina: None,
        configuracion: empresa.configuracion_tributaria(),
        retenciones: vec![],
        lineas,
    };
    let calculado = calculo::calcular_documento(&doc).map_err(|e| match e {
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
    let serie = comprobantes::elegir_serie(
        uow,
        ctx,
        TipoComprobante::NotaDebito,
        Some(original.tipo),
        None,
    )
    .await?;
    let numero = uow
        .siguiente_numero(TipoComprobante::NotaDebito, &serie.serie)
        .await?;
    let nota = Comprobante {
        id: ctx.ids.nuevo(),
        tipo: TipoComprobante::NotaDebito,
        serie: serie.serie,
        numero,
        venta_id: venta.id,
        referencia_id: Some(original.id),
        motivo_codigo,
        motivo,
        estado: EstadoComprobante::Pendiente,
        cliente_id: original.cliente_id,
        cliente_tipo_documento: original.cliente_tipo_documento,
        cliente_numero_documento: original.cliente_numero_documento.clone(),
        cliente_razon_social: original.cliente_razon_social.clone(),
        cliente_direccion: original.cliente_direccion.clone(),
        fecha_emision: doc.fecha,
        moneda: venta.moneda,
        total: calculado.total(),
        documento: serde_json::to_value(&calculado).map_err(Error::almacenamiento)?,
        creado_en: ctx.reloj.ahora(),
    };
    uow.insertar_comprobante(&nota).await?;
    Ok(nota)
}
