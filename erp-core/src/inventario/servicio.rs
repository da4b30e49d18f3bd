//! Inventory flows over a unit of work. Each function takes the caller's [`Uow`] so that a larger
//! flow (a sale, a purchase) can put its stock movements in its own transaction; the engine's
//! façade opens and commits one for the simple cases.
//!
//! Every stock change locks the `Stock` row of its product and warehouse, appends immutable
//! ledger rows and updates the row, or fails and changes nothing (the caller drops the unit of
//! work). An outflow beyond the available quantity is `stock_insuficiente` unless it carries an
//! approval, which the row records.

use std::collections::{HashMap, VecDeque};

use rust_decimal::Decimal;
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::kardex::{self, Saldo};
use super::{
    Almacen, Categoria, EstadoSerie, FiltroProductos, Lote, Marca, MovimientoStock, Producto,
    ReferenciaMovimiento, SerieProducto, Stock, TipoMovimiento, a_microsegundos, codigo,
    desde_microsegundos,
};
use crate::dinero::{importe_maximo, redondear};
use crate::empresa::{texto_opcional, texto_requerido};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::eventos::Evento;
use crate::impuestos::ecuador::TarifaIva;
use crate::impuestos::peru::AfectacionIgv;
use crate::pais::Pais;
use crate::store::{GeneradorIds, Reloj, Uow};

/// What a flow needs besides its unit of work: the clock, the id source, and who acts.
#[derive(Clone, Copy)]
pub struct Contexto<'a> {
    pub reloj: &'a dyn Reloj,
    pub ids: &'a dyn GeneradorIds,
    pub usuario_id: Option<Uuid>,
    /// Where the act comes from (the client's address), for the audit log; empty when unknown.
    pub ip: &'a str,
    /// What the unit of work did, for the host once it commits.
    pub eventos: &'a crate::eventos::Eventos,
}

/// Decimals a quantity may have (grams of a kilogram, millilitres of a litre).
pub const DECIMALES_CANTIDAD: u32 = 6;
/// A movement may be dated this far ahead of the clock (clocks of tills drift).
const TOLERANCIA_FUTURO: Duration = Duration::minutes(5);
/// Bound of the recomputation after a backdated movement (transfers cascade between
/// warehouses); beyond it the ledger is inconsistent and the movement is refused.
const MAX_CASCADAS: usize = 10_000;

// ------------------------------------------------------------------------------------------
// Categories, brands, warehouses
// ------------------------------------------------------------------------------------------

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaCategoria {
    pub nombre: String,
    #[serde(default)]
    pub descripcion: String,
    #[serde(default)]
    pub padre_id: Option<Uuid>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosCategoria {
    pub nombre: Option<String>,
    pub descripcion: Option<String>,
    /// `Some(None)` makes it a root category.
    #[serde(default, deserialize_with = "doble_opcion")]
    pub padre_id: Option<Option<Uuid>>,
    pub activa: Option<bool>,
}

/// Tells "absent" (no change) from `null` (clear the value).
fn doble_opcion<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub async fn crear_categoria<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    nueva: NuevaCategoria,
) -> Result<Categoria> {
    let c = Categoria {
        id: ctx.ids.nuevo(),
        nombre: texto_requerido("nombre", &nueva.nombre, 100)?,
        descripcion: texto_opcional("descripcion", &nueva.descripcion, 1000)?,
        padre_id: nueva.padre_id,
        activa: true,
    };
    if let Some(padre) = c.padre_id {
        uow.categoria(padre)
            .await?
            .ok_or_else(|| Error::no_existe("categoría", padre))?;
    }
    uow.guardar_categoria(&c).await?;
    Ok(c)
}

pub async fn actualizar_categoria<U: Uow>(
    uow: &mut U,
    id: Uuid,
    cambios: CambiosCategoria,
) -> Result<Categoria> {
    let mut c = uow
        .categoria(id)
        .await?
        .ok_or_else(|| Error::no_existe("categoría", id))?;
    if let Some(n) = cambios.nombre {
        c.nombre = texto_requerido("nombre", &n, 100)?;
    }
    if let Some(d) = cambios.descripcion {
        c.descripcion = texto_opcional("descripcion", &d, 1000)?;
    }
    if let Some(a) = cambios.activa {
        c.activa = a;
    }
    if let Some(padre) = cambios.padre_id {
        if let Some(p) = padre {
            comprobar_sin_ciclo(uow, id, p).await?;
        }
        c.padre_id = padre;
    }
    uow.guardar_categoria(&c).await?;
    Ok(c)
}

/// Refuses a parent that is the category itself or one of its descendants.
async fn comprobar_sin_ciclo<U: Uow>(uow: &mut U, id: Uuid, padre: Uuid) -> Result<()> {
    let mut actual = Some(padre);
    let mut pasos = 0;
    while let Some(a) = actual {
        if a == id {
            return Err(Error::conflicto(
                Codigo::CategoriaCiclo,
                Some("padre_id"),
                "la categoría no puede ser su propia ancestra: el padre elegido cuelga de ella",
            ));
        }
        pasos += 1;
        if pasos > 100 {
            return Err(Error::conflicto(
                Codigo::CategoriaCiclo,
                Some("padre_id"),
                "la jerarquía de categorías supera los 100 niveles",
            ));
        }
        let c = uow
            .categoria(a)
            .await?
            .ok_or_else(|| Error::no_existe("categoría", a))?;
        actual = c.padre_id;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaMarca {
    pub nombre: String,
}

pub async fn crear_marca<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    nueva: NuevaMarca,
) -> Result<Marca> {
    let m = Marca {
        id: ctx.ids.nuevo(),
        nombre: texto_requerido("nombre", &nueva.nombre, 100)?,
        activa: true,
    };
    uow.guardar_marca(&m).await?;
    Ok(m)
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoAlmacen {
    pub nombre: String,
    #[serde(default)]
    pub direccion: String,
    #[serde(default)]
    pub sucursal: String,
    #[serde(default)]
    pub es_principal: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosAlmacen {
    pub nombre: Option<String>,
    pub direccion: Option<String>,
    pub sucursal: Option<String>,
    pub es_principal: Option<bool>,
    pub activo: Option<bool>,
}

pub async fn crear_almacen<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    nuevo: NuevoAlmacen,
) -> Result<Almacen> {
    let a = Almacen {
        id: ctx.ids.nuevo(),
        nombre: texto_requerido("nombre", &nuevo.nombre, 100)?,
        direccion: texto_opcional("direccion", &nuevo.direccion, 300)?,
        sucursal: texto_opcional("sucursal", &nuevo.sucursal, 100)?,
        es_principal: nuevo.es_principal,
        activo: true,
    };
    if a.es_principal {
        quitar_principal(uow).await?;
    }
    uow.guardar_almacen(&a).await?;
    Ok(a)
}

pub async fn actualizar_almacen<U: Uow>(
    uow: &mut U,
    id: Uuid,
    c: CambiosAlmacen,
) -> Result<Almacen> {
    let mut a = uow
        .almacen(id)
        .await?
        .ok_or_else(|| Error::no_existe("almacén", id))?;
    if let Some(n) = c.nombre {
        a.nombre = texto_requerido("nombre", &n, 100)?;
    }
    if let Some(d) = c.direccion {
        a.direccion = texto_opcional("direccion", &d, 300)?;
    }
    if let Some(s) = c.sucursal {
        a.sucursal = texto_opcional("sucursal", &s, 100)?;
    }
    if let Some(activo) = c.activo {
        if !activo {
            let con_stock = uow.listar_stock(None, Some(id)).await?;
            if con_stock.iter().any(|s| !s.cantidad.is_zero()) {
                return Err(Error::conflicto(
                    Codigo::EstadoInvalido,
                    Some("activo"),
                    format!(
                        "el almacén {} aún tiene stock; transfiéralo antes de desactivarlo",
                        a.nombre
                    ),
                ));
            }
        }
        a.activo = activo;
    }
    if c.es_principal == Some(true) && !a.es_principal {
        quitar_principal(uow).await?;
        a.es_principal = true;
    } else if c.es_principal == Some(false) {
        a.es_principal = false;
    }
    uow.guardar_almacen(&a).await?;
    Ok(a)
}

/// A company has at most one main warehouse.
async fn quitar_principal<U: Uow>(uow: &mut U) -> Result<()> {
    for mut otro in uow.listar_almacenes().await? {
        if otro.es_principal {
            otro.es_principal = false;
            uow.guardar_almacen(&otro).await?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Products
// ------------------------------------------------------------------------------------------

/// A product to create. Money comes as exact decimals (strings in JSON).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoProducto {
    /// Generated (`CPCH-TRA-0001`) when absent.
    #[serde(default)]
    pub codigo: Option<String>,
    #[serde(default)]
    pub codigo_barras: String,
    pub nombre: String,
    #[serde(default)]
    pub descripcion: String,
    #[serde(default)]
    pub categoria_id: Option<Uuid>,
    #[serde(default)]
    pub marca_id: Option<Uuid>,
    #[serde(default)]
    pub unidad_medida: Option<String>,
    #[serde(default)]
    pub afectacion_igv: Option<AfectacionIgv>,
    #[serde(default)]
    pub tarifa_iva: Option<TarifaIva>,
    #[serde(default)]
    pub icbper: bool,
    #[serde(default)]
    pub ice_codigo: Option<String>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub ice_tarifa: Option<Decimal>,
    #[serde(deserialize_with = "entrada::decimal")]
    pub precio_venta: Decimal,
    #[serde(default)]
    pub precio_incluye_impuesto: bool,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub costo: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub stock_minimo: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub stock_maximo: Option<Decimal>,
    #[serde(default)]
    pub requiere_serie: bool,
    #[serde(default)]
    pub requiere_lote: bool,
    #[serde(default)]
    pub es_servicio: bool,
}

/// Changes to a product; absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosProducto {
    pub codigo_barras: Option<String>,
    pub nombre: Option<String>,
    pub descripcion: Option<String>,
    #[serde(default, deserialize_with = "doble_opcion")]
    pub categoria_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "doble_opcion")]
    pub marca_id: Option<Option<Uuid>>,
    pub unidad_medida: Option<String>,
    pub afectacion_igv: Option<AfectacionIgv>,
    pub tarifa_iva: Option<TarifaIva>,
    pub icbper: Option<bool>,
    #[serde(default, deserialize_with = "doble_opcion")]
    pub ice_codigo: Option<Option<String>>,
    #[serde(default, deserialize_with = "doble_opcion_decimal")]
    pub ice_tarifa: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub precio_venta: Option<Decimal>,
    pub precio_incluye_impuesto: Option<bool>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub costo: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub stock_minimo: Option<Decimal>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub stock_maximo: Option<Decimal>,
    pub requiere_serie: Option<bool>,
    pub requiere_lote: Option<bool>,
    pub activo: Option<bool>,
}

fn doble_opcion_decimal<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<Decimal>>, D::Error> {
    entrada::decimal_opcional(d).map(Some)
}

fn validar_importe(campo: &str, v: Decimal, decimales: u32) -> Result<()> {
    if v < Decimal::ZERO || !entrada::max_decimales(v, decimales) || v >= importe_maximo() {
        return Err(Error::validacion(
            Codigo::PrecioInvalido,
            campo,
            format!(
                "{campo} {v} inválido: un importe positivo de hasta 12 enteros y {decimales} decimales"
            ),
        ));
    }
    Ok(())
}

fn validar_cantidad_no_negativa(campo: &str, v: Decimal) -> Result<()> {
    if v < Decimal::ZERO
        || !entrada::max_decimales(v, DECIMALES_CANTIDAD)
        || !entrada::max_enteros(v, 12)
    {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            campo,
            format!(
                "{campo} {v} inválido: no puede ser negativo (hasta {DECIMALES_CANTIDAD} decimales)"
            ),
        ));
    }
    Ok(())
}

fn normalizar_unidad(u: &str) -> Result<String> {
    let u = u.trim().to_ascii_uppercase();
    if !(2..=5).contains(&u.len()) || !u.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "unidad_medida",
            format!(
                "unidad '{}' inválida: use un código del catálogo 03 de SUNAT (NIU, ZZ, KGM, LTR…)",
                entrada::recortar(&u)
            ),
        ));
    }
    Ok(u)
}

fn normalizar_codigo(campo: &str, c: &str) -> Result<String> {
    let c = c.trim().to_uppercase();
    if c.is_empty()
        || c.chars().count() > 50
        || !c
            .chars()
            .all(|x| x.is_ascii_alphanumeric() || matches!(x, '-' | '_' | '.' | '/'))
    {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            campo,
            format!(
                "código '{}' inválido: de 1 a 50 letras, dígitos o - _ . /",
                entrada::recortar(&c)
            ),
        ));
    }
    Ok(c)
}

/// Checks a product against the rules of seed 002 §9 and the company's country.
fn validar_producto(p: &Producto, pais: Pais) -> Result<()> {
    validar_importe("precio_venta", p.precio_venta, 10)?;
    validar_importe("costo", p.costo, 10)?;
    if p.precio_venta <= p.costo {
        return Err(Error::validacion(
            Codigo::PrecioInvalido,
            "precio_venta",
            format!(
                "el precio de venta ({}) debe ser mayor al costo de compra ({})",
                p.precio_venta, p.costo
            ),
        ));
    }
    validar_cantidad_no_negativa("stock_minimo", p.stock_minimo)?;
    validar_cantidad_no_negativa("stock_maximo", p.stock_maximo)?;
    if p.stock_maximo > Decimal::ZERO && p.stock_maximo < p.stock_minimo {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            "stock_maximo",
            "el stock máximo no puede ser menor que el mínimo",
        ));
    }
    if p.requiere_serie && p.requiere_lote {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "requiere_lote",
            "un producto se controla por serie o por lote, no por ambos",
        ));
    }
    if p.es_servicio && (p.requiere_serie || p.requiere_lote) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "es_servicio",
            "un servicio no lleva stock, series ni lotes",
        ));
    }
    match pais {
        Pais::Peru => {
            if p.ice_codigo.is_some() || p.ice_tarifa.is_some() {
                return Err(Error::validacion(
                    Codigo::CampoNoAplica,
                    "ice_codigo",
                    "el ICE solo aplica a empresas de Ecuador",
                ));
            }
        }
        Pais::Ecuador => {
            if p.icbper {
                return Err(Error::validacion(
                    Codigo::CampoNoAplica,
                    "icbper",
                    "el ICBPER solo aplica a empresas de Perú",
                ));
            }
            if let Some(c) = &p.ice_codigo
                && !(c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(Error::validacion(
                    Codigo::IceInvalido,
                    "ice_codigo",
                    "el código de ICE son 4 dígitos de la Tabla 18 del SRI",
                ));
            }
            if let Some(t) = p.ice_tarifa
                && (t < Decimal::ZERO || t > Decimal::from(300))
            {
                return Err(Error::validacion(
                    Codigo::IceInvalido,
                    "ice_tarifa",
                    "la tarifa de ICE es un porcentaje entre 0 y 300",
                ));
            }
        }
    }
    Ok(())
}

/// Checks that a code or barcode is not used by another product.
async fn comprobar_codigo_libre<U: Uow>(
    uow: &mut U,
    campo: &str,
    codigo: &str,
    propio: Uuid,
) -> Result<()> {
    if let Some(otro) = uow.producto_por_codigo(codigo).await?
        && otro.id != propio
    {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some(campo),
            format!(
                "el código {codigo} ya lo usa el producto {} ({})",
                otro.nombre, otro.codigo
            ),
        ));
    }
    Ok(())
}

pub async fn crear_producto<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    nuevo: NuevoProducto,
) -> Result<Producto> {
    let empresa = uow.empresa().await?;
    let nombre = texto_requerido("nombre", &nuevo.nombre, 200)?;
    let categoria = match nuevo.categoria_id {
        Some(id) => Some(
            uow.categoria(id)
                .await?
                .ok_or_else(|| Error::no_existe("categoría", id))?,
        ),
        None => None,
    };
    if let Some(id) = nuevo.marca_id {
        uow.marca(id)
            .await?
            .ok_or_else(|| Error::no_existe("marca", id))?;
    }
    let ahora = ctx.reloj.ahora();
    let id = ctx.ids.nuevo();
    let unidad = match &nuevo.unidad_medida {
        Some(u) => normalizar_unidad(u)?,
        None if nuevo.es_servicio => "ZZ".to_string(),
        None => "NIU".to_string(),
    };
    let mut p = Producto {
        id,
        codigo: String::new(),
        codigo_barras: nuevo.codigo_barras.trim().to_string(),
        nombre,
        descripcion: texto_opcional("descripcion", &nuevo.descripcion, 2000)?,
        categoria_id: nuevo.categoria_id,
        marca_id: nuevo.marca_id,
        unidad_medida: unidad,
        afectacion_igv: nuevo
            .afectacion_igv
            .unwrap_or(AfectacionIgv::GravadoOneroso),
        tarifa_iva: nuevo.tarifa_iva.unwrap_or_default(),
        icbper: nuevo.icbper,
        ice_codigo: nuevo.ice_codigo.map(|c| c.trim().to_string()),
        ice_tarifa: nuevo.ice_tarifa,
        precio_venta: nuevo.precio_venta,
        precio_incluye_impuesto: nuevo.precio_incluye_impuesto,
        costo: nuevo.costo.unwrap_or(Decimal::ZERO),
        stock_minimo: nuevo.stock_minimo.unwrap_or(Decimal::ZERO),
        stock_maximo: nuevo.stock_maximo.unwrap_or(Decimal::ZERO),
        requiere_serie: nuevo.requiere_serie,
        requiere_lote: nuevo.requiere_lote,
        es_servicio: nuevo.es_servicio,
        activo: true,
        eliminado_en: None,
        creado_en: ahora,
        actualizado_en: ahora,
    };
    validar_producto(&p, empresa.pais)?;
    if !p.codigo_barras.is_empty() {
        p.codigo_barras = normalizar_codigo("codigo_barras", &p.codigo_barras)?;
        comprobar_codigo_libre(uow, "codigo_barras", &p.codigo_barras, id).await?;
    }
    p.codigo = match nuevo.codigo {
        Some(c) => {
            let c = normalizar_codigo("codigo", &c)?;
            comprobar_codigo_libre(uow, "codigo", &c, id).await?;
            c
        }
        None => {
            let prefijo = codigo::prefijo(&p.nombre, categoria.as_ref().map(|c| c.nombre.as_str()));
            // A user may have typed a code of the same shape by hand: skip the taken ones.
            loop {
                let n = uow
                    .siguiente_contador(&codigo::clave_contador(&prefijo))
                    .await?;
                let candidato = codigo::codigo(&prefijo, n);
                if uow.producto_por_codigo(&candidato).await?.is_none() {
                    break candidato;
                }
            }
        }
    };
    uow.guardar_producto(&p).await?;
    Ok(p)
}

pub async fn actualizar_producto<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    c: CambiosProducto,
) -> Result<Producto> {
    let empresa = uow.empresa().await?;
    let mut p = producto_vigente(uow, id).await?;
    if let Some(v) = c.codigo_barras {
        let v = v.trim().to_string();
        p.codigo_barras = if v.is_empty() {
            v
        } else {
            let v = normalizar_codigo("codigo_barras", &v)?;
            comprobar_codigo_libre(uow, "codigo_barras", &v, id).await?;
            v
        };
    }
    if let Some(v) = c.nombre {
        p.nombre = texto_requerido("nombre", &v, 200)?;
    }
    if let Some(v) = c.descripcion {
        p.descripcion = texto_opcional("descripcion", &v, 2000)?;
    }
    if let Some(v) = c.categoria_id {
        if let Some(cid) = v {
            uow.categoria(cid)
                .await?
                .ok_or_else(|| Error::no_existe("categoría", cid))?;
        }
        p.categoria_id = v;
    }
    if let Some(v) = c.marca_id {
        if let Some(mid) = v {
            uow.marca(mid)
                .await?
                .ok_or_else(|| Error::no_existe("marca", mid))?;
        }
        p.marca_id = v;
    }
    if let Some(v) = c.unidad_medida {
        p.unidad_medida = normalizar_unidad(&v)?;
    }
    entrada::poner(&mut p.afectacion_igv, c.afectacion_igv);
    entrada::poner(&mut p.tarifa_iva, c.tarifa_iva);
    entrada::poner(&mut p.icbper, c.icbper);
    entrada::poner(&mut p.ice_codigo, c.ice_codigo);
    entrada::poner(&mut p.ice_tarifa, c.ice_tarifa);
    entrada::poner(&mut p.precio_venta, c.precio_venta);
    entrada::poner(&mut p.precio_incluye_impuesto, c.precio_incluye_impuesto);
    entrada::poner(&mut p.costo, c.costo);
    entrada::poner(&mut p.stock_minimo, c.stock_minimo);
    entrada::poner(&mut p.stock_maximo, c.stock_maximo);
    let cambia_control = c.requiere_serie.is_some_and(|v| v != p.requiere_serie)
        || c.requiere_lote.is_some_and(|v| v != p.requiere_lote);
    if cambia_control {
        let stock = uow.listar_stock(Some(id), None).await?;
        if stock.iter().any(|s| !s.cantidad.is_zero()) {
            return Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("requiere_serie"),
                "no se puede cambiar el control por serie o lote de un producto con stock",
            ));
        }
        p.requiere_serie = c.requiere_serie.unwrap_or(p.requiere_serie);
        p.requiere_lote = c.requiere_lote.unwrap_or(p.requiere_lote);
    }
    entrada::poner(&mut p.activo, c.activo);
    validar_producto(&p, empresa.pais)?;
    p.actualizado_en = ctx.reloj.ahora();
    uow.guardar_producto(&p).await?;
    Ok(p)
}

/// Soft delete: the product disappears from lists and can no longer move, its history stays.
/// A product with stock cannot be deleted.
pub async fn eliminar_producto<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
) -> Result<Producto> {
    let mut p = producto_vigente(uow, id).await?;
    let stock = uow.listar_stock(Some(id), None).await?;
    if let Some(s) = stock.iter().find(|s| !s.cantidad.is_zero()) {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            None,
            format!(
                "el producto {} aún tiene stock ({}); no se puede eliminar",
                p.codigo, s.cantidad
            ),
        ));
    }
    let ahora = ctx.reloj.ahora();
    p.activo = false;
    p.eliminado_en = Some(ahora);
    p.actualizado_en = ahora;
    uow.guardar_producto(&p).await?;
    Ok(p)
}

/// A product that exists and is not deleted.
pub async fn producto_vigente<U: Uow>(uow: &mut U, id: Uuid) -> Result<Producto> {
    match uow.producto(id).await? {
        Some(p) if p.eliminado_en.is_none() => Ok(p),
        _ => Err(Error::no_existe("producto", id)),
    }
}

pub async fn buscar_productos<U: Uow>(
    uow: &mut U,
    filtro: &FiltroProductos,
) -> Result<(Vec<Producto>, u64)> {
    let mut f = filtro.clone();
    f.pagina = f.pagina.max(1);
    f.tamanio_pagina = f.tamanio_pagina.clamp(1, 100);
    if let Some(t) = &f.texto
        && t.chars().count() > 100
    {
        return Err(Error::validacion(
            Codigo::TextoDemasiadoLargo,
            "texto",
            "la búsqueda admite hasta 100 caracteres",
        ));
    }
    uow.buscar_productos(&f).await
}

// ------------------------------------------------------------------------------------------
// Stock movements
// ------------------------------------------------------------------------------------------

/// An approval of an outflow beyond the stock (a backorder), by a user allowed to give it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Aprobacion {
    pub usuario_id: Uuid,
}

/// A movement to register: an entry, an outflow, or a return. Transfers and adjustments have
/// their own functions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoMovimiento {
    pub tipo: TipoMovimiento,
    pub producto_id: Uuid,
    pub almacen_id: Uuid,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    /// Entries: unit cost without taxes (the product's cost when absent).
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub costo_unitario: Option<Decimal>,
    /// When the movement happened; now when absent. An earlier date than the last movement of the
    /// product in the warehouse revalues the later rows.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub fecha: Option<OffsetDateTime>,
    /// Lot number: required on entries of lot-tracked products; on outflows, the lot to draw
    /// from (first-expiry-first-out when absent).
    #[serde(default)]
    pub lote: Option<String>,
    #[serde(default, with = "crate::entrada::fecha_iso_opcional")]
    pub vencimiento: Option<Date>,
    /// Serial numbers of a serial-tracked product, one per unit.
    #[serde(default)]
    pub series: Vec<String>,
    #[serde(default)]
    pub referencia_tipo: Option<ReferenciaMovimiento>,
    #[serde(default)]
    pub referencia_id: Option<Uuid>,
    #[serde(default)]
    pub motivo: String,
    #[serde(default)]
    pub aprobacion: Option<Aprobacion>,
}

impl NuevoMovimiento {
    pub fn new(
        tipo: TipoMovimiento,
        producto_id: Uuid,
        almacen_id: Uuid,
        cantidad: Decimal,
    ) -> Self {
        Self {
            tipo,
            producto_id,
            almacen_id,
            cantidad,
            costo_unitario: None,
            fecha: None,
            lote: None,
            vencimiento: None,
            series: Vec::new(),
            referencia_tipo: None,
            referencia_id: None,
            motivo: String::new(),
            aprobacion: None,
        }
    }
}

/// One leg of a movement, ready to apply to one stock row.
struct Pierna<'a> {
    producto: &'a Producto,
    almacen: &'a Almacen,
    tipo: TipoMovimiento,
    cantidad: Decimal,
    /// Value of an entry; ignored for outflows.
    valor_entrada: Decimal,
    fecha: OffsetDateTime,
    lote_id: Option<Uuid>,
    id: Uuid,
    relacionado: Option<Uuid>,
    referencia_tipo: Option<ReferenciaMovimiento>,
    referencia_id: Option<Uuid>,
    motivo: String,
    aprobado_por: Option<Uuid>,
}

fn validar_cantidad(producto: &Producto, cantidad: Decimal) -> Result<()> {
    if cantidad <= Decimal::ZERO {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            "cantidad",
            format!("la cantidad debe ser mayor que cero (se recibió {cantidad})"),
        ));
    }
    if !entrada::max_decimales(cantidad, DECIMALES_CANTIDAD) || !entrada::max_enteros(cantidad, 12)
    {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            "cantidad",
            format!(
                "la cantidad {cantidad} admite hasta 12 enteros y {DECIMALES_CANTIDAD} decimales"
            ),
        ));
    }
    if producto.requiere_serie && !cantidad.fract().is_zero() {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            "cantidad",
            format!(
                "{} se controla por serie: la cantidad debe ser entera",
                producto.codigo
            ),
        ));
    }
    Ok(())
}

fn validar_fecha(ctx: &Contexto<'_>, fecha: Option<OffsetDateTime>) -> Result<OffsetDateTime> {
    let ahora = ctx.reloj.ahora();
    match fecha {
        None => Ok(ahora),
        Some(f) if f > ahora + TOLERANCIA_FUTURO => Err(Error::validacion(
            Codigo::FechaInvalida,
            "fecha",
            "un movimiento no puede tener fecha futura",
        )),
        Some(f) if f.year() < 2000 => Err(Error::validacion(
            Codigo::FechaInvalida,
            "fecha",
            "la fecha del movimiento es anterior al año 2000",
        )),
        Some(f) => Ok(f),
    }
}

/// The warehouse an operation works in: the one named, else the company's main one, else its
/// only active one; it must be active. `campo` is the field that names it in the request.
pub async fn almacen_elegido<U: Uow>(
    uow: &mut U,
    id: Option<Uuid>,
    campo: &str,
) -> Result<Almacen> {
    let elegido = match id {
        Some(id) => uow
            .almacen(id)
            .await?
            .ok_or_else(|| Error::no_existe("almacén", id))?,
        None => {
            let mut activos = uow.listar_almacenes().await?;
            activos.retain(|a| a.activo);
            let i = activos
                .iter()
                .position(|a| a.es_principal)
                .or((activos.len() == 1).then_some(0))
                .ok_or_else(|| {
                    Error::validacion(
                        Codigo::CampoRequerido,
                        campo,
                        format!("la empresa no tiene almacén principal: indique {campo}"),
                    )
                })?;
            activos.swap_remove(i)
        }
    };
    if !elegido.activo {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some(campo),
            format!("el almacén {} está desactivado", elegido.nombre),
        ));
    }
    Ok(elegido)
}

async fn almacen_activo<U: Uow>(uow: &mut U, id: Uuid) -> Result<Almacen> {
    match uow.almacen(id).await? {
        Some(a) if a.activo => Ok(a),
        Some(a) => Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("almacen_id"),
            format!("el almacén {} está desactivado", a.nombre),
        )),
        None => Err(Error::no_existe("almacén", id)),
    }
}

async fn producto_movible<U: Uow>(uow: &mut U, id: Uuid) -> Result<Producto> {
    let p = producto_vigente(uow, id).await?;
    if p.es_servicio {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("producto_id"),
            format!("{} es un servicio: no lleva stock", p.codigo),
        ));
    }
    Ok(p)
}

/// Registers an entry, an outflow or a return. Returns the ledger rows written: one, or one per
/// lot when an outflow draws from several lots.
pub async fn registrar_movimiento<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    m: NuevoMovimiento,
) -> Result<Vec<MovimientoStock>> {
    if matches!(
        m.tipo,
        TipoMovimiento::TransferenciaEntrada | TipoMovimiento::TransferenciaSalida
    ) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "tipo",
            "una transferencia se registra con su propia operación (origen y destino)",
        ));
    }
    let producto = producto_movible(uow, m.producto_id).await?;
    let almacen = almacen_activo(uow, m.almacen_id).await?;
    registrar_movimiento_de(uow, ctx, &producto, &almacen, m).await
}

/// [`registrar_movimiento`] for a product and warehouse the caller has already loaded and checked
/// (a sale does, for all its lines at once).
pub async fn registrar_movimiento_de<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    producto: &Producto,
    almacen: &Almacen,
    m: NuevoMovimiento,
) -> Result<Vec<MovimientoStock>> {
    let cantidad = m.cantidad;
    let filas = aplicar_movimiento(uow, ctx, producto, almacen, m).await?;
    // An outflow the approval let go below zero is an approval given: the log says who gave it,
    // in the movement's unit of work. An approval that was not needed is not one.
    if let Some(quien) = filas
        .iter()
        .find(|f| f.cantidad_saldo < Decimal::ZERO)
        .and_then(|f| f.aprobado_por)
    {
        let detalle = format!(
            "salida de {cantidad} {} de {} en {} sin stock suficiente, aprobada por {quien}",
            producto.unidad_medida, producto.codigo, almacen.nombre
        );
        crate::seguridad::servicio::auditar(uow, ctx, "aprobar", "inventario", &detalle).await?;
    }
    Ok(filas)
}

async fn aplicar_movimiento<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    producto: &Producto,
    almacen: &Almacen,
    m: NuevoMovimiento,
) -> Result<Vec<MovimientoStock>> {
    if producto.id != m.producto_id || almacen.id != m.almacen_id {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "producto_id",
            "el movimiento no corresponde al producto y almacén indicados",
        ));
    }
    let (producto, almacen) = (producto.clone(), almacen.clone());
    validar_cantidad(&producto, m.cantidad)?;
    let fecha = validar_fecha(ctx, m.fecha)?;
    let motivo = texto_opcional("motivo", &m.motivo, 500)?;
    let aprobado_por = validar_aprobacion(uow, m.aprobacion, m.tipo).await?;
    let base = |lote_id, cantidad, valor_entrada, id| Pierna {
        producto: &producto,
        almacen: &almacen,
        tipo: m.tipo,
        cantidad,
        valor_entrada,
        fecha,
        lote_id,
        id,
        relacionado: None,
        referencia_tipo: m.referencia_tipo,
        referencia_id: m.referencia_id,
        motivo: motivo.clone(),
        aprobado_por,
    };

    if m.tipo.es_entrada() {
        let costo = m.costo_unitario.unwrap_or(producto.costo);
        validar_importe("costo_unitario", costo, 10)?;
        let valor = redondear(m.cantidad * costo);
        let lote_id = if producto.requiere_lote {
            let numero = m.lote.as_deref().ok_or_else(|| {
                Error::validacion(
                    Codigo::CampoRequerido,
                    "lote",
                    format!(
                        "{} se controla por lote: indique el número de lote",
                        producto.codigo
                    ),
                )
            })?;
            Some(
                entrar_lote(
                    uow,
                    ctx,
                    &producto,
                    &almacen,
                    numero,
                    m.vencimiento,
                    m.cantidad,
                )
                .await?
                .id,
            )
        } else {
            rechazar_lote(&producto, &m.lote)?;
            None
        };
        let id = ctx.ids.nuevo();
        if producto.requiere_serie {
            entrar_series(
                uow,
                ctx,
                &producto,
                &almacen,
                &m.series,
                m.cantidad,
                id,
                m.referencia_tipo,
                m.referencia_id,
                fecha.date(),
            )
            .await?;
        } else {
            rechazar_series(&producto, &m.series)?;
        }
        let fila = aplicar_pierna(uow, ctx, base(lote_id, m.cantidad, valor, id)).await?;
        return Ok(vec![fila]);
    }

    // Outflows.
    let id = ctx.ids.nuevo();
    if producto.requiere_serie {
        let estado = match m.tipo {
            TipoMovimiento::Salida => EstadoSerie::Vendido,
            _ => EstadoSerie::DadoDeBaja,
        };
        sacar_series(
            uow,
            &producto,
            &almacen,
            &m.series,
            m.cantidad,
            id,
            estado,
            None,
            m.referencia_tipo,
            m.referencia_id,
        )
        .await?;
    } else {
        rechazar_series(&producto, &m.series)?;
    }
    if !producto.requiere_lote {
        rechazar_lote(&producto, &m.lote)?;
        let fila = aplicar_pierna(uow, ctx, base(None, m.cantidad, Decimal::ZERO, id)).await?;
        return Ok(vec![fila]);
    }
    let porciones = sacar_de_lotes(
        uow,
        &producto,
        &almacen,
        m.lote.as_deref(),
        m.cantidad,
        aprobado_por.is_some(),
    )
    .await?;
    let mut filas = Vec::with_capacity(porciones.len());
    for (i, (lote, cantidad)) in porciones.into_iter().enumerate() {
        let id = if i == 0 { id } else { ctx.ids.nuevo() };
        filas.push(aplicar_pierna(uow, ctx, base(Some(lote), cantidad, Decimal::ZERO, id)).await?);
    }
    Ok(filas)
}

async fn validar_aprobacion<U: Uow>(
    uow: &mut U,
    aprobacion: Option<Aprobacion>,
    tipo: TipoMovimiento,
) -> Result<Option<Uuid>> {
    let Some(a) = aprobacion else { return Ok(None) };
    if tipo.es_entrada() {
        return Ok(None);
    }
    if uow.empresa().await?.ajustes.prohibir_backorders {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("aprobacion"),
            "la empresa no permite salidas sin stock, ni con aprobación",
        ));
    }
    Ok(Some(a.usuario_id))
}

fn rechazar_lote(producto: &Producto, lote: &Option<String>) -> Result<()> {
    if lote.is_some() {
        return Err(Error::validacion(
            Codigo::CampoNoAplica,
            "lote",
            format!("{} no se controla por lote", producto.codigo),
        ));
    }
    Ok(())
}

fn rechazar_series(producto: &Producto, series: &[String]) -> Result<()> {
    if !series.is_empty() {
        return Err(Error::validacion(
            Codigo::CampoNoAplica,
            "series",
            format!("{} no se controla por serie", producto.codigo),
        ));
    }
    Ok(())
}

/// Applies one leg to its stock row: appended at the end of the ledger, or inserted in the past
/// with the later rows revalued.
async fn aplicar_pierna<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    p: Pierna<'_>,
) -> Result<MovimientoStock> {
    let stock = uow
        .stock_bloqueado(p.producto.id, p.almacen.id)
        .await?
        .unwrap_or_else(|| Stock::vacio(p.producto.id, p.almacen.id));
    // The chain's own sequence, under its stock row's lock: increasing in ledger order and
    // above every row already in the chain, so a backdated row goes after those of its instant.
    let secuencia = stock.ultima_secuencia + 1;
    let fecha_us = a_microsegundos(p.fecha);
    let atrasado = fecha_us < stock.ultima_fecha_us;
    let saldo_previo = if atrasado {
        uow.movimiento_anterior(p.producto.id, p.almacen.id, fecha_us, secuencia)
            .await?
            .map(|m| Saldo::de_movimiento(&m))
            .unwrap_or_default()
    } else {
        Saldo::de_stock(&stock)
    };
    if !p.tipo.es_entrada() && p.aprobado_por.is_none() {
        let disponible = if atrasado {
            saldo_previo.cantidad.min(stock.disponible())
        } else {
            stock.disponible()
        };
        if p.cantidad > disponible {
            return Err(stock_insuficiente(
                p.producto, p.almacen, disponible, p.cantidad,
            ));
        }
    }
    let efecto = kardex::aplicar(&saldo_previo, p.tipo, p.cantidad, p.valor_entrada);
    let fila = MovimientoStock {
        id: p.id,
        secuencia,
        fecha: desde_microsegundos(fecha_us),
        producto_id: p.producto.id,
        almacen_id: p.almacen.id,
        tipo: p.tipo,
        cantidad: p.cantidad,
        costo_unitario: efecto.costo_unitario,
        valor: efecto.valor,
        cantidad_saldo: efecto.saldo.cantidad,
        valor_saldo: efecto.saldo.valor,
        costo_promedio_saldo: efecto.saldo.costo_promedio,
        lote_id: p.lote_id,
        movimiento_relacionado_id: p.relacionado,
        referencia_tipo: p.referencia_tipo,
        referencia_id: p.referencia_id,
        motivo: p.motivo,
        usuario_id: ctx.usuario_id,
        aprobado_por: p.aprobado_por,
        creado_en: ctx.reloj.ahora(),
    };
    uow.insertar_movimiento(&fila).await?;
    ctx.eventos.emitir(Evento::movimiento(&fila));
    if !atrasado {
        let mut s = stock;
        s.cantidad = efecto.saldo.cantidad;
        s.valor = efecto.saldo.valor;
        s.costo_promedio = efecto.saldo.costo_promedio;
        s.ultima_fecha_us = fecha_us;
        s.ultima_secuencia = secuencia;
        uow.guardar_stock(&s).await?;
        return Ok(fila);
    }
    {
        // The backdated row took the chain's next sequence: record it before revaluing.
        let mut s = stock.clone();
        s.ultima_secuencia = secuencia;
        uow.guardar_stock(&s).await?;
    }
    // Backdated: revalue the rows after it, and what transfers carried to other warehouses.
    let permitir = p.aprobado_por.is_some();
    let mut cola: VecDeque<(Uuid, Decimal)> = recalcular_desde(
        uow,
        p.producto,
        p.almacen,
        (fecha_us, secuencia),
        &HashMap::new(),
        Some(fila.id),
        permitir,
    )
    .await?
    .into();
    let mut pasos = 0;
    while let Some((id_entrada, valor)) = cola.pop_front() {
        pasos += 1;
        if pasos > MAX_CASCADAS {
            return Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("fecha"),
                "el movimiento con fecha pasada afecta demasiadas transferencias posteriores",
            ));
        }
        let Some(e) = uow.movimiento(id_entrada).await? else {
            continue;
        };
        if e.valor == valor {
            continue;
        }
        let almacen = uow
            .almacen(e.almacen_id)
            .await?
            .ok_or_else(|| Error::no_existe("almacén", e.almacen_id))?;
        let fijos = HashMap::from([(e.id, valor)]);
        let punto = (a_microsegundos(e.fecha), e.secuencia);
        cola.extend(
            recalcular_desde(uow, p.producto, &almacen, punto, &fijos, None, permitir).await?,
        );
    }
    let fila = uow
        .movimiento(fila.id)
        .await?
        .ok_or_else(|| Error::no_existe("movimiento", fila.id))?;
    if !permitir && !p.tipo.es_entrada() {
        // The present must still cover what is reserved.
        let s = uow.stock_bloqueado(p.producto.id, p.almacen.id).await?;
        if let Some(s) = s
            && s.disponible() < Decimal::ZERO
        {
            return Err(stock_insuficiente(
                p.producto,
                p.almacen,
                s.disponible() + p.cantidad,
                p.cantidad,
            ));
        }
    }
    Ok(fila)
}

fn stock_insuficiente(
    p: &Producto,
    a: &Almacen,
    disponible: Decimal,
    solicitado: Decimal,
) -> Error {
    Error::StockInsuficiente {
        producto: p.codigo.clone(),
        almacen: a.nombre.clone(),
        disponible: disponible.max(Decimal::ZERO).normalize(),
        solicitado: solicitado.normalize(),
    }
}

/// Recomputes the valuation and running balance of a product's ledger in one warehouse from
/// the point `desde` (inclusive) to the end, writes the rows that changed and the stock row,
/// and returns the transfer entries whose value changed (id of the other leg, new value).
async fn recalcular_desde<U: Uow>(
    uow: &mut U,
    producto: &Producto,
    almacen: &Almacen,
    desde: (i64, i64),
    fijos: &HashMap<Uuid, Decimal>,
    nuevo: Option<Uuid>,
    permitir_negativo: bool,
) -> Result<Vec<(Uuid, Decimal)>> {
    let mut stock = uow
        .stock_bloqueado(producto.id, almacen.id)
        .await?
        .unwrap_or_else(|| Stock::vacio(producto.id, almacen.id));
    let mut saldo = uow
        .movimiento_anterior(producto.id, almacen.id, desde.0, desde.1)
        .await?
        .map(|m| Saldo::de_movimiento(&m))
        .unwrap_or_default();
    let filas = uow
        .kardex_posterior(producto.id, almacen.id, desde.0, desde.1 - 1)
        .await?;
    let mut cambios = Vec::new();
    let mut cascadas = Vec::new();
    let (mut ultima_fecha, mut ultima_secuencia) = (stock.ultima_fecha_us, stock.ultima_secuencia);
    for r in &filas {
        let valor_entrada = fijos.get(&r.id).copied().unwrap_or(r.valor);
        let e = kardex::aplicar(&saldo, r.tipo, r.cantidad, valor_entrada);
        let es_nuevo = nuevo == Some(r.id);
        let empeora =
            e.saldo.cantidad < Decimal::ZERO && (es_nuevo || e.saldo.cantidad < r.cantidad_saldo);
        if empeora && !permitir_negativo && r.aprobado_por.is_none() {
            return Err(if es_nuevo {
                stock_insuficiente(producto, almacen, saldo.cantidad, r.cantidad)
            } else {
                Error::conflicto(
                    Codigo::StockInsuficiente,
                    Some("fecha"),
                    format!(
                        "el movimiento con esa fecha dejaría sin stock a {} en {} el {}, antes de \
                         un movimiento posterior de {} unidades",
                        producto.codigo,
                        almacen.nombre,
                        entrada::formatear_fecha(desde_microsegundos(r.fecha_us).date()),
                        r.cantidad.normalize()
                    ),
                )
            });
        }
        let cambio = e.valor != r.valor
            || e.saldo.cantidad != r.cantidad_saldo
            || e.saldo.valor != r.valor_saldo
            || e.saldo.costo_promedio != r.costo_promedio_saldo
            || e.costo_unitario != r.costo_unitario;
        if cambio {
            cambios.push(kardex::saldo_movimiento(r.id, &e));
        }
        if r.tipo == TipoMovimiento::TransferenciaSalida
            && e.valor != r.valor
            && let Some(otro) = r.movimiento_relacionado_id
        {
            cascadas.push((otro, e.valor));
        }
        saldo = e.saldo;
        ultima_fecha = ultima_fecha.max(r.fecha_us);
        ultima_secuencia = ultima_secuencia.max(r.secuencia);
    }
    uow.actualizar_saldos(producto.id, almacen.id, (desde.0, desde.1 - 1), &cambios)
        .await?;
    stock.cantidad = saldo.cantidad;
    stock.valor = saldo.valor;
    stock.costo_promedio = saldo.costo_promedio;
    stock.ultima_fecha_us = ultima_fecha;
    stock.ultima_secuencia = ultima_secuencia;
    uow.guardar_stock(&stock).await?;
    Ok(cascadas)
}

// --- Lots ---------------------------------------------------------------------------------

async fn entrar_lote<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    producto: &Producto,
    almacen: &Almacen,
    numero: &str,
    vencimiento: Option<Date>,
    cantidad: Decimal,
) -> Result<Lote> {
    let numero = texto_requerido("lote", numero, 50)?;
    let lotes = uow.lotes_bloqueados(producto.id, almacen.id).await?;
    let mut lote = match lotes.into_iter().find(|l| l.numero_lote == numero) {
        Some(mut l) => {
            if vencimiento.is_some()
                && l.fecha_vencimiento.is_some()
                && vencimiento != l.fecha_vencimiento
            {
                return Err(Error::validacion(
                    Codigo::FechaInvalida,
                    "vencimiento",
                    format!("el lote {numero} ya existe con otro vencimiento"),
                ));
            }
            l.fecha_vencimiento = l.fecha_vencimiento.or(vencimiento);
            l.cantidad_inicial += cantidad;
            l
        }
        None => Lote {
            id: ctx.ids.nuevo(),
            producto_id: producto.id,
            almacen_id: almacen.id,
            numero_lote: numero,
            fecha_vencimiento: vencimiento,
            cantidad_inicial: cantidad,
            cantidad_actual: Decimal::ZERO,
            creado_en: ctx.reloj.ahora(),
        },
    };
    lote.cantidad_actual += cantidad;
    uow.guardar_lote(&lote).await?;
    Ok(lote)
}

/// Takes `cantidad` out of the named lot, or first-expiry-first-out across the lots.
async fn sacar_de_lotes<U: Uow>(
    uow: &mut U,
    producto: &Producto,
    almacen: &Almacen,
    numero: Option<&str>,
    cantidad: Decimal,
    aprobado: bool,
) -> Result<Vec<(Uuid, Decimal)>> {
    let lotes = uow.lotes_bloqueados(producto.id, almacen.id).await?;
    if let Some(numero) = numero {
        let mut lote = lotes
            .into_iter()
            .find(|l| l.numero_lote == numero.trim())
            .ok_or_else(|| {
                Error::no_encontrado(
                    "lote",
                    format!(
                        "el lote {numero} de {} no está en {}",
                        producto.codigo, almacen.nombre
                    ),
                )
            })?;
        if lote.cantidad_actual < cantidad && !aprobado {
            return Err(Error::StockInsuficiente {
                producto: format!("{} lote {}", producto.codigo, lote.numero_lote),
                almacen: almacen.nombre.clone(),
                disponible: lote.cantidad_actual.normalize(),
                solicitado: cantidad.normalize(),
            });
        }
        lote.cantidad_actual -= cantidad;
        uow.guardar_lote(&lote).await?;
        return Ok(vec![(lote.id, cantidad)]);
    }
    let total: Decimal = lotes
        .iter()
        .map(|l| l.cantidad_actual.max(Decimal::ZERO))
        .sum();
    if total < cantidad && !aprobado {
        return Err(stock_insuficiente(producto, almacen, total, cantidad));
    }
    let mut resto = cantidad;
    let mut porciones = Vec::new();
    let mut ultimo = None;
    for mut l in lotes {
        ultimo = Some(l.id);
        if resto.is_zero() {
            break;
        }
        if l.cantidad_actual <= Decimal::ZERO {
            continue;
        }
        let toma = l.cantidad_actual.min(resto);
        l.cantidad_actual -= toma;
        resto -= toma;
        uow.guardar_lote(&l).await?;
        porciones.push((l.id, toma));
    }
    if resto > Decimal::ZERO {
        // An approved backorder beyond every lot: charged to the last lot.
        let id = ultimo.ok_or_else(|| stock_insuficiente(producto, almacen, total, cantidad))?;
        let mut lotes = uow.lotes_bloqueados(producto.id, almacen.id).await?;
        if let Some(l) = lotes.iter_mut().find(|l| l.id == id) {
            l.cantidad_actual -= resto;
            uow.guardar_lote(l).await?;
        }
        porciones.push((id, resto));
    }
    Ok(porciones)
}

// --- Serial numbers -----------------------------------------------------------------------

fn normalizar_series(
    producto: &Producto,
    series: &[String],
    cantidad: Decimal,
) -> Result<Vec<String>> {
    let mut numeros: Vec<String> = series.iter().map(|s| s.trim().to_string()).collect();
    if Decimal::from(numeros.len()) != cantidad {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            "series",
            format!(
                "{} se controla por serie: indique {} números de serie (se recibieron {})",
                producto.codigo,
                cantidad.normalize(),
                numeros.len()
            ),
        ));
    }
    if let Some(s) = numeros
        .iter()
        .find(|s| s.is_empty() || s.chars().count() > 100)
    {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "series",
            format!(
                "número de serie '{}' inválido: de 1 a 100 caracteres",
                entrada::recortar(s)
            ),
        ));
    }
    numeros.sort();
    if let Some(w) = numeros.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::validacion(
            Codigo::Duplicado,
            "series",
            format!("el número de serie {} está repetido", w[0]),
        ));
    }
    Ok(numeros)
}

#[allow(clippy::too_many_arguments)]
async fn entrar_series<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    producto: &Producto,
    almacen: &Almacen,
    series: &[String],
    cantidad: Decimal,
    movimiento: Uuid,
    referencia_tipo: Option<ReferenciaMovimiento>,
    referencia_id: Option<Uuid>,
    fecha: Date,
) -> Result<()> {
    let numeros = normalizar_series(producto, series, cantidad)?;
    let existentes = uow.series_bloqueadas(producto.id, &numeros).await?;
    for numero in numeros {
        let serie = match existentes.iter().find(|s| s.numero_serie == numero) {
            Some(s) if s.estado == EstadoSerie::Disponible => {
                return Err(Error::conflicto(
                    Codigo::Duplicado,
                    Some("series"),
                    format!("la serie {numero} de {} ya está en stock", producto.codigo),
                ));
            }
            // Back in stock: a customer's return, a unit repaired.
            Some(s) => SerieProducto {
                estado: EstadoSerie::Disponible,
                almacen_id: Some(almacen.id),
                ultimo_movimiento_id: Some(movimiento),
                referencia_tipo,
                referencia_id,
                ..s.clone()
            },
            None => SerieProducto {
                id: ctx.ids.nuevo(),
                producto_id: producto.id,
                numero_serie: numero,
                estado: EstadoSerie::Disponible,
                almacen_id: Some(almacen.id),
                fecha_ingreso: fecha,
                ultimo_movimiento_id: Some(movimiento),
                referencia_tipo,
                referencia_id,
                observaciones: String::new(),
            },
        };
        uow.guardar_serie(&serie).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn sacar_series<U: Uow>(
    uow: &mut U,
    producto: &Producto,
    almacen: &Almacen,
    series: &[String],
    cantidad: Decimal,
    movimiento: Uuid,
    estado: EstadoSerie,
    destino: Option<Uuid>,
    referencia_tipo: Option<ReferenciaMovimiento>,
    referencia_id: Option<Uuid>,
) -> Result<()> {
    let numeros = normalizar_series(producto, series, cantidad)?;
    let existentes = uow.series_bloqueadas(producto.id, &numeros).await?;
    for numero in numeros {
        let Some(s) = existentes.iter().find(|s| s.numero_serie == numero) else {
            return Err(Error::no_encontrado(
                "serie",
                format!("la serie {numero} de {} no existe", producto.codigo),
            ));
        };
        if s.estado != EstadoSerie::Disponible || s.almacen_id != Some(almacen.id) {
            return Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("series"),
                format!(
                    "la serie {numero} de {} no está disponible en {} (estado {})",
                    producto.codigo,
                    almacen.nombre,
                    s.estado.codigo()
                ),
            ));
        }
        let serie = SerieProducto {
            estado,
            almacen_id: destino,
            ultimo_movimiento_id: Some(movimiento),
            referencia_tipo,
            referencia_id,
            ..s.clone()
        };
        uow.guardar_serie(&serie).await?;
    }
    Ok(())
}

/// Changes the state of a serial number outside a movement (defective, under warranty).
pub async fn cambiar_estado_serie<U: Uow>(
    uow: &mut U,
    producto_id: Uuid,
    numero: &str,
    estado: EstadoSerie,
    observaciones: &str,
) -> Result<SerieProducto> {
    let producto = producto_vigente(uow, producto_id).await?;
    let numero = numero.trim().to_string();
    let mut s = uow
        .series_bloqueadas(producto_id, std::slice::from_ref(&numero))
        .await?
        .pop()
        .ok_or_else(|| {
            Error::no_encontrado(
                "serie",
                format!("la serie {numero} de {} no existe", producto.codigo),
            )
        })?;
    let permitido = matches!(
        (s.estado, estado),
        (
            EstadoSerie::Disponible,
            EstadoSerie::Defectuoso | EstadoSerie::EnGarantia
        ) | (
            EstadoSerie::Defectuoso | EstadoSerie::EnGarantia,
            EstadoSerie::Disponible
        ) | (EstadoSerie::Vendido, EstadoSerie::EnGarantia)
            | (EstadoSerie::EnGarantia, EstadoSerie::Vendido)
    );
    if !permitido {
        return Err(Error::conflicto(
            Codigo::EstadoInvalido,
            Some("estado"),
            format!(
                "la serie {numero} no puede pasar de {} a {}; las altas y bajas de stock se hacen con movimientos",
                s.estado.codigo(),
                estado.codigo()
            ),
        ));
    }
    s.estado = estado;
    s.observaciones = texto_opcional("observaciones", observaciones, 1000)?;
    uow.guardar_serie(&s).await?;
    Ok(s)
}

// --- Transfers and adjustments ------------------------------------------------------------

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaTransferencia {
    pub producto_id: Uuid,
    pub almacen_origen_id: Uuid,
    pub almacen_destino_id: Uuid,
    #[serde(deserialize_with = "entrada::decimal")]
    pub cantidad: Decimal,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub fecha: Option<OffsetDateTime>,
    #[serde(default)]
    pub lote: Option<String>,
    #[serde(default)]
    pub series: Vec<String>,
    #[serde(default)]
    pub motivo: String,
}

/// Moves stock between two warehouses of the company: an outflow and an entry in one unit of
/// work, the entry valued at what the outflow left at.
pub async fn transferir<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    t: NuevaTransferencia,
) -> Result<Vec<MovimientoStock>> {
    if t.almacen_origen_id == t.almacen_destino_id {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "almacen_destino_id",
            "el almacén de destino debe ser distinto del de origen",
        ));
    }
    let producto = producto_movible(uow, t.producto_id).await?;
    let origen = almacen_activo(uow, t.almacen_origen_id).await?;
    let destino = almacen_activo(uow, t.almacen_destino_id).await?;
    validar_cantidad(&producto, t.cantidad)?;
    let fecha = validar_fecha(ctx, t.fecha)?;
    let motivo = texto_opcional("motivo", &t.motivo, 500)?;
    // Both stock rows in a fixed order, so that two opposite transfers cannot deadlock.
    let (a, b) = if origen.id < destino.id {
        (origen.id, destino.id)
    } else {
        (destino.id, origen.id)
    };
    uow.stock_bloqueado(producto.id, a).await?;
    uow.stock_bloqueado(producto.id, b).await?;
    let referencia_id = Some(ctx.ids.nuevo());

    let porciones: Vec<(Option<Uuid>, Option<Lote>, Decimal)> = if producto.requiere_lote {
        let lotes_antes = uow.lotes_bloqueados(producto.id, origen.id).await?;
        let partes = sacar_de_lotes(
            uow,
            &producto,
            &origen,
            t.lote.as_deref(),
            t.cantidad,
            false,
        )
        .await?;
        partes
            .into_iter()
            .map(|(id, c)| {
                (
                    Some(id),
                    lotes_antes.iter().find(|l| l.id == id).cloned(),
                    c,
                )
            })
            .collect()
    } else {
        rechazar_lote(&producto, &t.lote)?;
        vec![(None, None, t.cantidad)]
    };
    let mut filas = Vec::new();
    for (lote_origen, lote, cantidad) in porciones {
        let id_salida = ctx.ids.nuevo();
        let id_entrada = ctx.ids.nuevo();
        if producto.requiere_serie {
            sacar_series(
                uow,
                &producto,
                &origen,
                &t.series,
                cantidad,
                id_salida,
                EstadoSerie::Disponible,
                Some(destino.id),
                Some(ReferenciaMovimiento::Transferencia),
                referencia_id,
            )
            .await?;
        } else {
            rechazar_series(&producto, &t.series)?;
        }
        let salida = aplicar_pierna(
            uow,
            ctx,
            Pierna {
                producto: &producto,
                almacen: &origen,
                tipo: TipoMovimiento::TransferenciaSalida,
                cantidad,
                valor_entrada: Decimal::ZERO,
                fecha,
                lote_id: lote_origen,
                id: id_salida,
                relacionado: Some(id_entrada),
                referencia_tipo: Some(ReferenciaMovimiento::Transferencia),
                referencia_id,
                motivo: motivo.clone(),
                aprobado_por: None,
            },
        )
        .await?;
        let lote_destino = match &lote {
            Some(l) => Some(
                entrar_lote(
                    uow,
                    ctx,
                    &producto,
                    &destino,
                    &l.numero_lote,
                    l.fecha_vencimiento,
                    cantidad,
                )
                .await?
                .id,
            ),
            None => None,
        };
        let entrada = aplicar_pierna(
            uow,
            ctx,
            Pierna {
                producto: &producto,
                almacen: &destino,
                tipo: TipoMovimiento::TransferenciaEntrada,
                cantidad,
                valor_entrada: salida.valor,
                fecha,
                lote_id: lote_destino,
                id: id_entrada,
                relacionado: Some(id_salida),
                referencia_tipo: Some(ReferenciaMovimiento::Transferencia),
                referencia_id,
                motivo: motivo.clone(),
                aprobado_por: None,
            },
        )
        .await?;
        filas.push(salida);
        filas.push(entrada);
    }
    Ok(filas)
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoAjuste {
    pub producto_id: Uuid,
    pub almacen_id: Uuid,
    /// The counted quantity (the stock becomes this) …
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub cantidad_nueva: Option<Decimal>,
    /// … or the difference to apply (positive or negative).
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub diferencia: Option<Decimal>,
    /// Mandatory: merma, conteo, daño…
    pub motivo: String,
    /// Unit cost of a positive adjustment (the current average when absent).
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub costo_unitario: Option<Decimal>,
    #[serde(default)]
    pub lote: Option<String>,
    #[serde(default, with = "crate::entrada::fecha_iso_opcional")]
    pub vencimiento: Option<Date>,
    #[serde(default)]
    pub series: Vec<String>,
}

/// A manual adjustment of stock, with its reason.
pub async fn ajustar<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    a: NuevoAjuste,
) -> Result<Vec<MovimientoStock>> {
    let motivo = a.motivo.trim();
    if motivo.is_empty() {
        return Err(Error::validacion(
            Codigo::CampoRequerido,
            "motivo",
            "un ajuste de stock necesita su motivo (merma, conteo, daño…)",
        ));
    }
    let producto = producto_movible(uow, a.producto_id).await?;
    almacen_activo(uow, a.almacen_id).await?;
    let stock = uow
        .stock_bloqueado(producto.id, a.almacen_id)
        .await?
        .unwrap_or_else(|| Stock::vacio(producto.id, a.almacen_id));
    let diferencia = match (a.cantidad_nueva, a.diferencia) {
        (Some(n), None) => {
            validar_cantidad_no_negativa("cantidad_nueva", n)?;
            n - stock.cantidad
        }
        (None, Some(d)) => d,
        _ => {
            return Err(Error::validacion(
                Codigo::CampoRequerido,
                "cantidad_nueva",
                "indique cantidad_nueva o diferencia (una de las dos)",
            ));
        }
    };
    if diferencia.is_zero() {
        return Err(Error::validacion(
            Codigo::CantidadInvalida,
            "diferencia",
            "el ajuste no cambia el stock",
        ));
    }
    let tipo = if diferencia > Decimal::ZERO {
        TipoMovimiento::AjusteEntrada
    } else {
        TipoMovimiento::AjusteSalida
    };
    let costo = a.costo_unitario.or(Some(if stock.costo_promedio.is_zero() {
        producto.costo
    } else {
        stock.costo_promedio
    }));
    let m = NuevoMovimiento {
        tipo,
        producto_id: producto.id,
        almacen_id: a.almacen_id,
        cantidad: diferencia.abs(),
        costo_unitario: costo,
        fecha: None,
        lote: a.lote,
        vencimiento: a.vencimiento,
        series: a.series,
        referencia_tipo: Some(ReferenciaMovimiento::AjusteManual),
        referencia_id: None,
        motivo: motivo.to_string(),
        aprobacion: None,
    };
    registrar_movimiento(uow, ctx, m).await
}

// --- Queries --------------------------------------------------------------------------------

/// Stock of a product in a warehouse at a moment, from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StockAFecha {
    pub almacen_id: Uuid,
    pub cantidad: Decimal,
    pub valor: Decimal,
    pub costo_promedio: Decimal,
}

/// Stock and value of a product at an instant, per warehouse, answered from the running
/// balances of the ledger (one indexed read per warehouse, never a replay).
pub async fn stock_a_fecha<U: Uow>(
    uow: &mut U,
    producto_id: Uuid,
    almacen_id: Option<Uuid>,
    instante: OffsetDateTime,
) -> Result<Vec<StockAFecha>> {
    producto_vigente(uow, producto_id).await?;
    let almacenes: Vec<Uuid> = match almacen_id {
        Some(a) => vec![
            uow.almacen(a)
                .await?
                .ok_or_else(|| Error::no_existe("almacén", a))?
                .id,
        ],
        None => uow
            .listar_almacenes()
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect(),
    };
    let t = a_microsegundos(instante);
    let mut out = Vec::with_capacity(almacenes.len());
    for a in almacenes {
        let saldo = uow
            .movimiento_anterior(producto_id, a, t, i64::MAX)
            .await?
            .map(|m| Saldo::de_movimiento(&m))
            .unwrap_or_default();
        out.push(StockAFecha {
            almacen_id: a,
            cantidad: saldo.cantidad,
            valor: saldo.valor,
            costo_promedio: saldo.costo_promedio,
        });
    }
    Ok(out)
}

/// A product below its minimum stock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AlertaStock {
    pub producto_id: Uuid,
    pub codigo: String,
    pub nombre: String,
    pub stock_minimo: Decimal,
    pub stock_actual: Decimal,
    pub faltante: Decimal,
}

/// Active products whose stock across warehouses is below their minimum.
pub async fn alertas_stock_minimo<U: Uow>(uow: &mut U) -> Result<Vec<AlertaStock>> {
    let mut por_producto: HashMap<Uuid, Decimal> = HashMap::new();
    for s in uow.listar_stock(None, None).await? {
        *por_producto.entry(s.producto_id).or_default() += s.cantidad;
    }
    let mut alertas = Vec::new();
    let mut pagina = 1;
    loop {
        let filtro = FiltroProductos {
            activo: Some(true),
            pagina,
            tamanio_pagina: 100,
            ..Default::default()
        };
        let (productos, total) = uow.buscar_productos(&filtro).await?;
        for p in &productos {
            if p.es_servicio || p.stock_minimo <= Decimal::ZERO {
                continue;
            }
            let actual = por_producto.get(&p.id).copied().unwrap_or_default();
            if actual < p.stock_minimo {
                alertas.push(AlertaStock {
                    producto_id: p.id,
                    codigo: p.codigo.clone(),
                    nombre: p.nombre.clone(),
                    stock_minimo: p.stock_minimo,
                    stock_actual: actual,
                    faltante: p.stock_minimo - actual,
                });
            }
        }
        if u64::from(pagina) * 100 >= total || productos.is_empty() {
            break;
        }
        pagina += 1;
    }
    alertas.sort_by(|a, b| a.codigo.cmp(&b.codigo));
    Ok(alertas)
}
