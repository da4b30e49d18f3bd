//! Inventory: products, hierarchical categories, brands, warehouses, the stock ledger with
//! weighted-average cost, lots with expiry and serial numbers.
//!
//! - [`codigo`]: automatic product codes (seed 002 §9).
//! - [`kardex`]: the pure arithmetic of the ledger (weighted average, running balances, the
//!   recomputation after a backdated movement).
//! - [`servicio`]: the flows over a unit of work (create, move stock, transfer, adjust, query).

pub mod codigo;
pub mod kardex;
pub mod servicio;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::impuestos::ecuador::TarifaIva;
use crate::impuestos::peru::AfectacionIgv;

/// A product category; `padre_id` makes the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Categoria {
    pub id: Uuid,
    pub nombre: String,
    pub descripcion: String,
    pub padre_id: Option<Uuid>,
    pub activa: bool,
}

/// A brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marca {
    pub id: Uuid,
    pub nombre: String,
    pub activa: bool,
}

/// A warehouse (the seeds' `Almacen`; seed 002 says `Bodega` for the same thing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Almacen {
    pub id: Uuid,
    pub nombre: String,
    pub direccion: String,
    pub sucursal: String,
    pub es_principal: bool,
    pub activo: bool,
}

/// A product or service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Producto {
    pub id: Uuid,
    /// Unique per company; generated as `CPCH-TRA-0001` when not given.
    pub codigo: String,
    pub codigo_barras: String,
    pub nombre: String,
    pub descripcion: String,
    pub categoria_id: Option<Uuid>,
    pub marca_id: Option<Uuid>,
    /// SUNAT catalog 03 (`NIU`, `ZZ`, `KGM`…).
    pub unidad_medida: String,
    /// Peru: IGV treatment (catalog 07).
    pub afectacion_igv: AfectacionIgv,
    /// Ecuador: IVA treatment.
    pub tarifa_iva: TarifaIva,
    /// Peru: plastic bag subject to ICBPER.
    pub icbper: bool,
    /// Ecuador: ICE code (Tabla 18) and ad valorem rate, when the product carries it.
    pub ice_codigo: Option<String>,
    pub ice_tarifa: Option<Decimal>,
    /// Sale price (unit), with or without taxes as `precio_incluye_impuesto` says.
    pub precio_venta: Decimal,
    pub precio_incluye_impuesto: bool,
    /// Purchase cost (unit, without taxes): the reference cost for entries that give none.
    pub costo: Decimal,
    pub stock_minimo: Decimal,
    pub stock_maximo: Decimal,
    pub requiere_serie: bool,
    pub requiere_lote: bool,
    /// A service moves no stock.
    pub es_servicio: bool,
    pub activo: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub eliminado_en: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub actualizado_en: OffsetDateTime,
}

/// Current stock of a product in a warehouse, and its weighted-average valuation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub producto_id: Uuid,
    pub almacen_id: Uuid,
    pub cantidad: Decimal,
    /// Reserved by confirmed sales orders: available = cantidad − reservado.
    pub reservado: Decimal,
    /// Total value at cost (2 decimals).
    pub valor: Decimal,
    /// Weighted-average unit cost (kept when the quantity reaches zero).
    pub costo_promedio: Decimal,
    /// Latest instant in the chain: a movement dated before it is backdated.
    pub ultima_fecha_us: i64,
    /// Highest sequence used in the chain; the next movement takes the one after.
    pub ultima_secuencia: i64,
}

impl Stock {
    pub fn vacio(producto_id: Uuid, almacen_id: Uuid) -> Self {
        Self {
            producto_id,
            almacen_id,
            cantidad: Decimal::ZERO,
            reservado: Decimal::ZERO,
            valor: Decimal::ZERO,
            costo_promedio: Decimal::ZERO,
            ultima_fecha_us: i64::MIN,
            ultima_secuencia: 0,
        }
    }

    /// What can still be sold or moved out.
    pub fn disponible(&self) -> Decimal {
        self.cantidad - self.reservado
    }
}

/// Kinds of stock movement. The quantity of a movement is always positive; the kind gives the
/// direction.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoMovimiento {
    /// Goods in: a purchase reception or a manual entry.
    Entrada,
    /// Goods out: a sale, internal consumption, a write-off.
    Salida,
    TransferenciaSalida,
    TransferenciaEntrada,
    AjusteEntrada,
    AjusteSalida,
    /// A customer's return (credit note): goods back in.
    DevolucionEntrada,
    /// A return to the supplier: goods out.
    DevolucionSalida,
}

impl TipoMovimiento {
    pub const TODOS: [Self; 8] = [
        Self::Entrada,
        Self::Salida,
        Self::TransferenciaSalida,
        Self::TransferenciaEntrada,
        Self::AjusteEntrada,
        Self::AjusteSalida,
        Self::DevolucionEntrada,
        Self::DevolucionSalida,
    ];

    pub fn es_entrada(self) -> bool {
        matches!(
            self,
            Self::Entrada
                | Self::TransferenciaEntrada
                | Self::AjusteEntrada
                | Self::DevolucionEntrada
        )
    }

    pub fn codigo(self) -> &'static str {
        match self {
            Self::Entrada => "entrada",
            Self::Salida => "salida",
            Self::TransferenciaSalida => "transferencia_salida",
            Self::TransferenciaEntrada => "transferencia_entrada",
            Self::AjusteEntrada => "ajuste_entrada",
            Self::AjusteSalida => "ajuste_salida",
            Self::DevolucionEntrada => "devolucion_entrada",
            Self::DevolucionSalida => "devolucion_salida",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Self::TODOS.into_iter().find(|t| t.codigo() == c)
    }
}

/// The document a movement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenciaMovimiento {
    Venta,
    Compra,
    AjusteManual,
    Transferencia,
    Devolucion,
    NotaCredito,
    Manual,
}

impl ReferenciaMovimiento {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Venta => "venta",
            Self::Compra => "compra",
            Self::AjusteManual => "ajuste_manual",
            Self::Transferencia => "transferencia",
            Self::Devolucion => "devolucion",
            Self::NotaCredito => "nota_credito",
            Self::Manual => "manual",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "venta" => Self::Venta,
            "compra" => Self::Compra,
            "ajuste_manual" => Self::AjusteManual,
            "transferencia" => Self::Transferencia,
            "devolucion" => Self::Devolucion,
            "nota_credito" => Self::NotaCredito,
            "manual" => Self::Manual,
            _ => return None,
        })
    }
}

/// One immutable row of the stock ledger. Its facts (kind, quantity, date, origin) never change;
/// its valuation and running balance are recomputed when a backdated movement is inserted before
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovimientoStock {
    pub id: Uuid,
    /// Ledger order: `(fecha, secuencia)`.
    pub secuencia: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub fecha: OffsetDateTime,
    pub producto_id: Uuid,
    pub almacen_id: Uuid,
    pub tipo: TipoMovimiento,
    /// Always positive.
    pub cantidad: Decimal,
    /// Unit cost of the movement: the entry's cost, or the average cost an outflow left at.
    pub costo_unitario: Decimal,
    /// `cantidad × costo_unitario` at cost (2 decimals).
    pub valor: Decimal,
    /// Running balance after this movement.
    pub cantidad_saldo: Decimal,
    pub valor_saldo: Decimal,
    pub costo_promedio_saldo: Decimal,
    pub lote_id: Option<Uuid>,
    /// The other leg of a transfer.
    pub movimiento_relacionado_id: Option<Uuid>,
    pub referencia_tipo: Option<ReferenciaMovimiento>,
    pub referencia_id: Option<Uuid>,
    pub motivo: String,
    pub usuario_id: Option<Uuid>,
    /// The user who approved an outflow beyond the stock.
    pub aprobado_por: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// What the recomputation after a backdated movement reads of each later row: the facts and the
/// valuation, without the descriptive fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilaKardex {
    pub id: Uuid,
    pub secuencia: i64,
    pub fecha_us: i64,
    pub tipo: TipoMovimiento,
    pub cantidad: Decimal,
    pub costo_unitario: Decimal,
    pub valor: Decimal,
    pub cantidad_saldo: Decimal,
    pub valor_saldo: Decimal,
    pub costo_promedio_saldo: Decimal,
    pub movimiento_relacionado_id: Option<Uuid>,
    pub aprobado_por: Option<Uuid>,
}

/// The recomputed valuation and balance of an existing movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaldoMovimiento {
    pub id: Uuid,
    pub costo_unitario: Decimal,
    pub valor: Decimal,
    pub cantidad_saldo: Decimal,
    pub valor_saldo: Decimal,
    pub costo_promedio_saldo: Decimal,
}

/// A lot of a product in a warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lote {
    pub id: Uuid,
    pub producto_id: Uuid,
    pub almacen_id: Uuid,
    pub numero_lote: String,
    #[serde(default, with = "crate::entrada::fecha_iso_opcional")]
    pub fecha_vencimiento: Option<Date>,
    pub cantidad_inicial: Decimal,
    pub cantidad_actual: Decimal,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// States of a serial number (seed 002 §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EstadoSerie {
    Disponible,
    Vendido,
    Defectuoso,
    EnGarantia,
    DadoDeBaja,
}

impl EstadoSerie {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Disponible => "DISPONIBLE",
            Self::Vendido => "VENDIDO",
            Self::Defectuoso => "DEFECTUOSO",
            Self::EnGarantia => "EN_GARANTIA",
            Self::DadoDeBaja => "DADO_DE_BAJA",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "DISPONIBLE" => Self::Disponible,
            "VENDIDO" => Self::Vendido,
            "DEFECTUOSO" => Self::Defectuoso,
            "EN_GARANTIA" => Self::EnGarantia,
            "DADO_DE_BAJA" => Self::DadoDeBaja,
            _ => return None,
        })
    }
}

/// A serial number of a serial-tracked product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerieProducto {
    pub id: Uuid,
    pub producto_id: Uuid,
    pub numero_serie: String,
    pub estado: EstadoSerie,
    /// Where it is while in stock.
    pub almacen_id: Option<Uuid>,
    #[serde(with = "crate::entrada::fecha_iso")]
    pub fecha_ingreso: Date,
    pub ultimo_movimiento_id: Option<Uuid>,
    pub referencia_tipo: Option<ReferenciaMovimiento>,
    pub referencia_id: Option<Uuid>,
    pub observaciones: String,
}

/// Filters for the product list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FiltroProductos {
    /// Matches name, code or barcode.
    pub texto: Option<String>,
    pub categoria_id: Option<Uuid>,
    pub marca_id: Option<Uuid>,
    /// `None`: active ones only; soft-deleted products are never listed.
    pub activo: Option<bool>,
    pub precio_min: Option<Decimal>,
    pub precio_max: Option<Decimal>,
    pub orden: OrdenProductos,
    /// 1-based page.
    pub pagina: u32,
    pub tamanio_pagina: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrdenProductos {
    #[default]
    Nombre,
    NombreDesc,
    Codigo,
    PrecioVenta,
    PrecioVentaDesc,
    Recientes,
}

/// Filters and cursor for the ledger history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiltroMovimientos {
    pub producto_id: Option<Uuid>,
    pub almacen_id: Option<Uuid>,
    pub tipo: Option<TipoMovimiento>,
    pub desde_us: Option<i64>,
    pub hasta_us: Option<i64>,
    /// Continue after this row `(fecha_us, secuencia, id)`, going back in time. The id breaks
    /// ties: rows of different chains (two lines of one sale) share an instant and a sequence.
    pub antes_de: Option<(i64, i64, Uuid)>,
    pub limite: u32,
}

/// Microseconds since the epoch: the ledger's time axis in storage.
pub fn a_microsegundos(t: OffsetDateTime) -> i64 {
    let ns = t.unix_timestamp_nanos() / 1_000;
    i64::try_from(ns).unwrap_or(if ns < 0 { i64::MIN } else { i64::MAX })
}

/// The instant of a microsecond timestamp (UTC).
pub fn desde_microsegundos(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
