//! The floor of the sales benchmark (`erp bench ventas --modo sql`): the writes of a POS sale done
//! by hand-written SQL on the same pool and settings as the engine, so that the engine's rate can
//! be read against what the database itself allows. Per sale, in one transaction: for each line
//! (in product order) read and lock the stock row, compute the balance, insert the movement and
//! its kardex row, update the stock row; take the next number of the series; insert the sale and
//! its comprobante.

use rust_decimal::Decimal;
use uuid::Uuid;

use erp_core::dinero::redondear;
use erp_core::error::Result;
use erp_core::inventario::kardex::{self, Saldo};
use erp_core::inventario::{TipoMovimiento, a_microsegundos};

use crate::AnyStore;
use crate::comun::error_sql;
use crate::sqlite::compat;

/// What a floor sale writes: the products (id, code), its series and the JSON it stores.
pub struct VentaPiso<'a> {
    pub empresa: Uuid,
    pub almacen: Uuid,
    pub cliente: Uuid,
    pub serie: &'a str,
    /// Product ids of the lines (one unit each), any order.
    pub productos: &'a [Uuid],
    pub precio: Decimal,
    pub documento: &'a str,
    pub lineas_json: &'a str,
    pub pagos_json: &'a str,
}

macro_rules! piso {
    ($drv:ident, $nombre:ident, $pool:ty, $dec:expr, $leer:expr, $fu:literal, $begin:expr) => {
        async fn $nombre(pool: &$pool, v: &VentaPiso<'_>) -> Result<i64> {
            let ahora = a_microsegundos(time::OffsetDateTime::now_utc());
            let mut tx = $begin(pool).await.map_err(error_sql)?;
            let mut productos = v.productos.to_vec();
            productos.sort();
            let venta = Uuid::now_v7();
            for p in &productos {
                let fila = $drv::query(concat!(
                    "SELECT cantidad, valor, costo_promedio, ultima_secuencia FROM stock \
                     WHERE empresa_id = $1 AND producto_id = $2 AND almacen_id = $3",
                    $fu
                ))
                .bind(v.empresa)
                .bind(p)
                .bind(v.almacen)
                .fetch_one(&mut *tx)
                .await
                .map_err(error_sql)?;
                use $drv::Row as _;
                let saldo = Saldo { cantidad: $leer(&fila, 0)?, valor: $leer(&fila, 1)?, costo_promedio: $leer(&fila, 2)? };
                let secuencia: i64 = fila.try_get::<i64, _>(3).map_err(error_sql)? + 1;
                let ef = kardex::aplicar(&saldo, TipoMovimiento::Salida, Decimal::ONE, Decimal::ZERO);
                let id = Uuid::now_v7();
                $drv::query(
                    "INSERT INTO movimientos_stock (empresa_id, id, secuencia, fecha_us, producto_id, almacen_id, \
                     tipo, cantidad, referencia_tipo, referencia_id, motivo, creado_en_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'salida', $7, 'venta', $8, '', $4)",
                )
                .bind(v.empresa).bind(id).bind(secuencia).bind(ahora).bind(p).bind(v.almacen)
                .bind($dec(Decimal::ONE)).bind(venta)
                .execute(&mut *tx).await.map_err(error_sql)?;
                $drv::query(
                    "INSERT INTO kardex (empresa_id, producto_id, almacen_id, fecha_us, secuencia, movimiento_id, \
                     tipo, cantidad, costo_unitario, valor, cantidad_saldo, valor_saldo, costo_promedio_saldo) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'salida', $7, $8, $9, $10, $11, $12)",
                )
                .bind(v.empresa).bind(p).bind(v.almacen).bind(ahora).bind(secuencia).bind(id)
                .bind($dec(Decimal::ONE)).bind($dec(ef.costo_unitario)).bind($dec(ef.valor))
                .bind($dec(ef.saldo.cantidad)).bind($dec(ef.saldo.valor)).bind($dec(ef.saldo.costo_promedio))
                .execute(&mut *tx).await.map_err(error_sql)?;
                $drv::query(
                    "UPDATE stock SET cantidad = $4, valor = $5, costo_promedio = $6, ultima_fecha_us = $7, \
                     ultima_secuencia = $8 WHERE empresa_id = $1 AND producto_id = $2 AND almacen_id = $3",
                )
                .bind(v.empresa).bind(p).bind(v.almacen)
                .bind($dec(ef.saldo.cantidad)).bind($dec(ef.saldo.valor)).bind($dec(ef.saldo.costo_promedio))
                .bind(ahora).bind(secuencia)
                .execute(&mut *tx).await.map_err(error_sql)?;
            }
            let numero: i64 = $drv::query_scalar(
                "UPDATE series_comprobante SET correlativo = correlativo + 1 \
                 WHERE empresa_id = $1 AND tipo = 'boleta' AND serie = $2 RETURNING correlativo",
            )
            .bind(v.empresa).bind(v.serie)
            .fetch_one(&mut *tx).await.map_err(error_sql)?;
            let total = redondear(v.precio * Decimal::from(productos.len()));
            let comprobante = Uuid::now_v7();
            let hoy = time::OffsetDateTime::now_utc().date();
            $drv::query(
                "INSERT INTO ventas (empresa_id, id, cliente_id, almacen_id, fecha, moneda, precios_incluyen_impuesto, \
                 tipo_venta, condicion, estado, total, costo_total, vuelto, saldo_pendiente, comprobante_id, \
                 observaciones, lineas, pagos, cuotas, creado_en_us) VALUES ($1, $2, $3, $4, $5, 'PEN', $6, 'pos', \
                 'contado', 'completada', $7, $8, $9, $9, $10, '', $11, $12, '[]', $13)",
            )
            .bind(v.empresa).bind(venta).bind(v.cliente).bind(v.almacen).bind(hoy).bind(true)
            .bind($dec(total)).bind($dec(total)).bind($dec(redondear(Decimal::ZERO))).bind(comprobante)
            .bind(v.lineas_json).bind(v.pagos_json).bind(ahora)
            .execute(&mut *tx).await.map_err(error_sql)?;
            $drv::query(
                "INSERT INTO comprobantes (empresa_id, id, tipo, serie, numero, venta_id, motivo, estado, cliente_id, \
                 cliente_tipo_documento, cliente_numero_documento, cliente_razon_social, cliente_direccion, \
                 fecha_emision, moneda, total, documento, creado_en_us) VALUES ($1, $2, 'boleta', $3, $4, $5, '', \
                 'pendiente', $6, 'sin_documento', '-', 'CLIENTES VARIOS', '', $7, 'PEN', $8, $9, $10)",
            )
            .bind(v.empresa).bind(comprobante).bind(v.serie).bind(numero).bind(venta).bind(v.cliente)
            .bind(hoy).bind($dec(total)).bind(v.documento).bind(ahora)
            .execute(&mut *tx).await.map_err(error_sql)?;
            tx.commit().await.map_err(error_sql)?;
            Ok(numero)
        }
    };
}

fn leer_sqlite(f: &crate::sqlite::compat::Fila, i: usize) -> Result<Decimal> {
    use crate::sqlite::compat::Row as _;
    f.try_get::<crate::sqlite::compat::types::Text<Decimal>, _>(i)
        .map(|t| t.0)
        .map_err(error_sql)
}

fn leer_pg(f: &sqlx::postgres::PgRow, i: usize) -> Result<Decimal> {
    use sqlx::Row as _;
    f.try_get::<Decimal, _>(i).map_err(error_sql)
}

async fn begin_sqlite(
    pool: &crate::sqlite::compat::Pool,
) -> std::result::Result<crate::sqlite::compat::Transaction, crate::sqlite::compat::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

async fn begin_pg(pool: &sqlx::PgPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    pool.begin().await
}

piso!(
    compat,
    venta_sqlite,
    crate::sqlite::compat::Pool,
    crate::sqlite::compat::types::Text,
    leer_sqlite,
    "",
    begin_sqlite
);
piso!(
    sqlx,
    venta_pg,
    sqlx::PgPool,
    std::convert::identity,
    leer_pg,
    " FOR UPDATE",
    begin_pg
);

/// One floor sale; returns its comprobante number.
pub async fn vender(store: &AnyStore, v: &VentaPiso<'_>) -> Result<i64> {
    match store {
        AnyStore::Sqlite(s) => venta_sqlite(s.pool(), v).await,
        AnyStore::Postgres(s) => venta_pg(s.pool(), v).await,
    }
}
