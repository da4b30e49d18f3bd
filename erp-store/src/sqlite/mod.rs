//! The store on SQLite: one file (or memory for tests), WAL, foreign keys on, a busy timeout,
//! migrations embedded and applied on open.
//!
//! Durability: WAL with `synchronous = NORMAL`, the setting SQLite recommends for WAL. A commit
//! survives the application crashing; after a power loss or an OS crash the last commits before
//! the failure may be rolled back, but the file is never corrupted. `SqliteStore::abrir_con`
//! takes `Sincronizacion::Full` for a commit that survives power loss too, at the cost of one
//! fsync per commit.
//!
//! Write units of work start with `BEGIN IMMEDIATE`: they take the write lock at once, so two
//! concurrent sales wait for each other instead of failing with `SQLITE_BUSY` when a deferred
//! transaction tries to upgrade its lock. Within one process they first queue for the store's
//! writer turn (an async FIFO lock): a writer waiting on SQLite's own lock would sleep in its busy
//! handler (1, 2, 5 … 100 ms steps) with its thread blocked, and could keep missing the lock
//! while others take it, which showed as a tail of 50–80 ms under 16 concurrent tills. Another
//! process on the same file still meets the busy timeout.
//!
//! Statements run through [`compat`], a thin layer over rusqlite, on the calling thread.

pub mod compat;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;

use compat::types::Text;

type Db = compat::Sqlite;
type Fila = compat::Fila;
type Conexion = compat::Conexion;

fn dec(d: Decimal) -> Text<Decimal> {
    Text(d)
}

fn dec_opt(d: Option<Decimal>) -> Option<Text<Decimal>> {
    d.map(Text)
}

fn leer_dec<I: compat::Indice>(r: &Fila, c: I) -> Result<Decimal> {
    r.try_get::<Text<Decimal>, _>(c)
        .map(|t| t.0)
        .map_err(error_sql)
}

fn leer_dec_opt<I: compat::Indice>(r: &Fila, c: I) -> Result<Option<Decimal>> {
    r.try_get::<Option<Text<Decimal>>, _>(c)
        .map(|t| t.map(|t| t.0))
        .map_err(error_sql)
}

/// Prices are compared as REAL only to filter and order lists, never to compute money.
fn bind_numero(qb: &mut compat::QueryBuilder<Db>, d: Decimal) {
    use rust_decimal::prelude::ToPrimitive;
    qb.push_bind(d.to_f64().unwrap_or(0.0));
}

async fn actualizar_saldos(
    tx: &mut compat::Transaction,
    rango: &crate::comun::Rango,
    saldos: &[SaldoMovimiento],
) -> Result<()> {
    // The new values go to a temporary table (many rows per INSERT), then one UPDATE walks the
    // ledger range by its index and picks each row's values by key: a backdated movement rewrites
    // every later row, and neither a round trip per row nor a planner scanning the table per
    // batch would do.
    compat::query(
        "CREATE TEMP TABLE IF NOT EXISTS _saldos (id BLOB PRIMARY KEY, costo TEXT, valor TEXT, \
         cantidad TEXT, valor_saldo TEXT, promedio TEXT) WITHOUT ROWID",
    )
    .execute(&mut **tx)
    .await
    .map_err(error_sql)?;
    compat::query("DELETE FROM _saldos")
        .execute(&mut **tx)
        .await
        .map_err(error_sql)?;
    for bloque in saldos.chunks(1000) {
        let mut qb = compat::QueryBuilder::<Db>::new("INSERT INTO _saldos VALUES ");
        let mut sep = qb.separated(", ");
        for s in bloque {
            sep.push("(");
            sep.push_bind_unseparated(s.id);
            for d in [
                s.costo_unitario,
                s.valor,
                s.cantidad_saldo,
                s.valor_saldo,
                s.costo_promedio_saldo,
            ] {
                sep.push_unseparated(", ");
                sep.push_bind_unseparated(dec(d));
            }
            sep.push_unseparated(")");
        }
        qb.build().execute(&mut **tx).await.map_err(error_sql)?;
    }
    compat::query(
        "UPDATE kardex SET costo_unitario = s.costo, valor = s.valor, cantidad_saldo = s.cantidad, \
         valor_saldo = s.valor_saldo, costo_promedio_saldo = s.promedio FROM _saldos AS s \
         WHERE kardex.empresa_id = $1 AND kardex.producto_id = $2 AND kardex.almacen_id = $3 \
         AND (kardex.fecha_us, kardex.secuencia) > ($4, $5) AND kardex.movimiento_id = s.id",
    )
    .bind(rango.empresa)
    .bind(rango.producto)
    .bind(rango.almacen)
    .bind(rango.desde.0)
    .bind(rango.desde.1)
    .execute(&mut **tx)
    .await
    .map_err(error_sql)?;
    compat::query("DELETE FROM _saldos")
        .execute(&mut **tx)
        .await
        .map_err(error_sql)?;
    Ok(())
}

/// A statement costs no round trip here, and `BEGIN IMMEDIATE` already holds the only write
/// lock: a sale's stock rows are read one by one by their keys.
const BLOQUEO_EN_BLOQUE: bool = false;

/// A unit of work on SQLite.
pub struct SqliteUow {
    tx: compat::Transaction,
    /// The process's writer turn, held until the transaction ends (declared after `tx`, so it is
    /// released after the commit or the rollback).
    _turno: Option<tokio::sync::OwnedMutexGuard<()>>,
    empresa: Uuid,
    /// The company as first read in this unit of work.
    empresa_leida: Option<Empresa>,
    /// Movements written at the next read of the ledger or at commit.
    pendientes: Vec<MovimientoStock>,
    /// Stock rows locked by `bloquear_stocks`, kept current by `guardar_stock`.
    bloqueados: std::collections::HashMap<(Uuid, Uuid), Stock>,
    /// The company's row is locked (`bloquear_empresa`): not asked for again.
    empresa_bloqueada: bool,
}

crate::comun::impl_uow!(
    compat,
    SqliteUow,
    "",
    "",
    "LIKE",
    "CAST(precio_venta AS REAL)"
);

/// How hard a commit is pushed to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sincronizacion {
    /// WAL + `synchronous = NORMAL`: survives an application crash (the default).
    #[default]
    Normal,
    /// WAL + `synchronous = FULL`: survives a power loss too.
    Full,
}

/// The store on a SQLite database.
#[derive(Clone)]
pub struct SqliteStore {
    pool: compat::Pool,
    /// One writer at a time, in arrival order (see the module's documentation).
    escritor: Arc<tokio::sync::Mutex<()>>,
    empresas: crate::comun::EmpresasConocidas,
}

const MIGRACIONES: &[(&str, &str)] = &[
    (
        "0001_inventario",
        include_str!("../../migrations/sqlite/0001_inventario.sql"),
    ),
    (
        "0002_ventas",
        include_str!("../../migrations/sqlite/0002_ventas.sql"),
    ),
    (
        "0003_pedidos",
        include_str!("../../migrations/sqlite/0003_pedidos.sql"),
    ),
    (
        "0004_notas",
        include_str!("../../migrations/sqlite/0004_notas.sql"),
    ),
    (
        "0005_seguridad",
        include_str!("../../migrations/sqlite/0005_seguridad.sql"),
    ),
    (
        "0006_cursor_movimientos",
        include_str!("../../migrations/sqlite/0006_cursor_movimientos.sql"),
    ),
    (
        "0007_plan",
        include_str!("../../migrations/sqlite/0007_plan.sql"),
    ),
    (
        "0008_trabajos",
        include_str!("../../migrations/sqlite/0008_trabajos.sql"),
    ),
    (
        "0009_envios",
        include_str!("../../migrations/sqlite/0009_envios.sql"),
    ),
    (
        "0010_bajas",
        include_str!("../../migrations/sqlite/0010_bajas.sql"),
    ),
    (
        "0011_compras",
        include_str!("../../migrations/sqlite/0011_compras.sql"),
    ),
];

impl SqliteStore {
    /// Opens (creating it if needed) a SQLite database: `sqlite://ruta/erp.db`, `sqlite:ruta` or a
    /// plain path, or `sqlite::memory:` for a private database that goes with the store.
    pub async fn abrir(url: &str) -> Result<Self> {
        Self::abrir_con(url, Sincronizacion::default()).await
    }

    pub async fn abrir_con(url: &str, sync: Sincronizacion) -> Result<Self> {
        let ruta = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (ruta, parametros) = ruta.split_once('?').unwrap_or((ruta, ""));
        let memoria = ruta == ":memory:" || parametros.split('&').any(|p| p == "mode=memory");
        // A private "in-memory" database is a temporary file removed when the store goes: every
        // connection of the pool must see the same database, and SQLite's shared-cache memory
        // databases lock whole tables instead of waiting on the busy timeout.
        let (archivo, temporal) = if memoria {
            let f = std::env::temp_dir().join(format!("erp-{}.db", Uuid::now_v7()));
            (f.clone(), Some(f))
        } else {
            if ruta.is_empty() {
                return Err(Error::validacion(
                    erp_core::error::Codigo::CampoRequerido,
                    "url",
                    "falta la ruta del archivo SQLite (sqlite://ruta/erp.db)",
                ));
            }
            (PathBuf::from(ruta), None)
        };
        let sincronia = match (temporal.is_some(), sync) {
            (true, _) => "OFF",
            (false, Sincronizacion::Normal) => "NORMAL",
            (false, Sincronizacion::Full) => "FULL",
        };
        let ajustes = format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sincronia}; PRAGMA foreign_keys = ON; \
             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 4096;"
        );
        // A sale touches a dozen pages; with SQLite's 2 MB default cache they are read back from
        // the file again and again, so 64 MB per connection keeps the hot ones. The WAL is
        // checkpointed every 16 MB instead of 4 MB: fewer file syncs per sale.
        let abrir = move || -> rusqlite::Result<rusqlite::Connection> {
            let c = rusqlite::Connection::open(&archivo)?;
            c.busy_timeout(Duration::from_secs(30))?;
            c.execute_batch(&ajustes)?;
            // Every statement of the store stays prepared on each connection.
            c.set_prepared_statement_cache_capacity(256);
            Ok(c)
        };
        let pool = compat::Pool(Arc::new(compat::Interior {
            libres: Mutex::new(Vec::new()),
            abrir: Box::new(abrir),
            max_libres: 8,
            temporal,
        }));
        migrar(&pool).await?;
        Ok(Self {
            pool,
            escritor: Default::default(),
            empresas: Default::default(),
        })
    }

    /// The connection pool, for benchmarks that measure raw SQL on the same settings.
    pub fn pool(&self) -> &compat::Pool {
        &self.pool
    }

    /// `ANALYZE` (SQLite's planner uses it for the choice between indexes).
    pub async fn optimizar(&self) -> Result<()> {
        compat::raw_sql("ANALYZE")
            .execute(&self.pool)
            .await
            .map_err(error_sql)?;
        Ok(())
    }
}

async fn migrar(pool: &compat::Pool) -> Result<()> {
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(error_sql)?;
    compat::query(
        "CREATE TABLE IF NOT EXISTS _migraciones (version TEXT PRIMARY KEY, aplicada_en_us INTEGER NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(error_sql)?;
    for (version, sql) in MIGRACIONES {
        let hecha: Option<String> =
            compat::query_scalar("SELECT version FROM _migraciones WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(error_sql)?;
        if hecha.is_some() {
            continue;
        }
        compat::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(error_sql)?;
        compat::query("INSERT INTO _migraciones (version, aplicada_en_us) VALUES ($1, $2)")
            .bind(*version)
            .bind(a_microsegundos(time::OffsetDateTime::now_utc()))
            .execute(&mut *tx)
            .await
            .map_err(error_sql)?;
    }
    tx.commit().await.map_err(error_sql)
}

impl erp_core::store::Store for SqliteStore {
    type Uow = SqliteUow;

    async fn crear_empresa(&self, empresa: &Empresa) -> Result<()> {
        let _turno = self.escritor.lock().await;
        insertar_empresa(&self.pool, empresa).await
    }

    async fn listar_empresas(&self) -> Result<Vec<Empresa>> {
        todas_las_empresas(&self.pool).await
    }

    async fn empresas_de_email(&self, email: &str) -> Result<Vec<Uuid>> {
        empresas_de_email(&self.pool, email).await
    }

    async fn empresa_por_subdominio(&self, subdominio: &str) -> Result<Option<Uuid>> {
        empresa_por_subdominio(&self.pool, subdominio).await
    }

    async fn reclamar_envio(
        &self,
        ahora: time::OffsetDateTime,
        plazo: time::Duration,
        empresa: Option<Uuid>,
    ) -> Result<Option<(Uuid, erp_core::comprobantes::Comprobante)>> {
        let _turno = self.escritor.lock().await;
        reclamar_envio(&self.pool, ahora, plazo, empresa).await
    }

    async fn reclamar_trabajo(
        &self,
        ahora: time::OffsetDateTime,
        plazo: time::Duration,
    ) -> Result<Option<(Uuid, erp_core::trabajos::Trabajo)>> {
        let _turno = self.escritor.lock().await;
        reclamar_trabajo(&self.pool, ahora, plazo).await
    }

    async fn begin(&self, empresa_id: Uuid) -> Result<SqliteUow> {
        comprobar_empresa(&self.empresas, &self.pool, empresa_id).await?;
        let turno = self.escritor.clone().lock_owned().await;
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(error_sql)?;
        Ok(SqliteUow {
            tx,
            _turno: Some(turno),
            empresa: empresa_id,
            empresa_leida: None,
            pendientes: Vec::new(),
            bloqueados: Default::default(),
            empresa_bloqueada: false,
        })
    }

    async fn begin_lectura(&self, empresa_id: Uuid) -> Result<SqliteUow> {
        comprobar_empresa(&self.empresas, &self.pool, empresa_id).await?;
        let tx = self.pool.begin_with("BEGIN").await.map_err(error_sql)?;
        Ok(SqliteUow {
            tx,
            _turno: None,
            empresa: empresa_id,
            empresa_leida: None,
            pendientes: Vec::new(),
            bloqueados: Default::default(),
            empresa_bloqueada: false,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migraciones_registradas() {
        crate::comun::verificar_migraciones("sqlite", super::MIGRACIONES);
    }
}
