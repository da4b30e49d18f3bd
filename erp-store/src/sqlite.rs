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
//! transaction tries to upgrade its lock.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::types::Text;

type Db = sqlx::Sqlite;
type Fila = SqliteRow;

fn dec(d: Decimal) -> Text<Decimal> {
    Text(d)
}

fn dec_opt(d: Option<Decimal>) -> Option<Text<Decimal>> {
    d.map(Text)
}

fn leer_dec<I: sqlx::ColumnIndex<Fila>>(r: &Fila, c: I) -> Result<Decimal> {
    r.try_get::<Text<Decimal>, _>(c)
        .map(|t| t.0)
        .map_err(error_sql)
}

fn leer_dec_opt<I: sqlx::ColumnIndex<Fila>>(r: &Fila, c: I) -> Result<Option<Decimal>> {
    r.try_get::<Option<Text<Decimal>>, _>(c)
        .map(|t| t.map(|t| t.0))
        .map_err(error_sql)
}

/// Prices are compared as REAL only to filter and order lists, never to compute money.
fn bind_numero(qb: &mut sqlx::QueryBuilder<Db>, d: Decimal) {
    use rust_decimal::prelude::ToPrimitive;
    qb.push_bind(d.to_f64().unwrap_or(0.0));
}

async fn actualizar_saldos(
    tx: &mut sqlx::Transaction<'static, Db>,
    rango: &crate::comun::Rango,
    saldos: &[SaldoMovimiento],
) -> Result<()> {
    // The new values go to a temporary table (many rows per INSERT), then one UPDATE walks the
    // ledger range by its index and picks each row's values by key: a backdated movement rewrites
    // every later row, and neither a round trip per row nor a planner scanning the table per
    // batch would do.
    sqlx::query(
        "CREATE TEMP TABLE IF NOT EXISTS _saldos (id BLOB PRIMARY KEY, costo TEXT, valor TEXT, \
         cantidad TEXT, valor_saldo TEXT, promedio TEXT) WITHOUT ROWID",
    )
    .execute(&mut **tx)
    .await
    .map_err(error_sql)?;
    sqlx::query("DELETE FROM _saldos")
        .execute(&mut **tx)
        .await
        .map_err(error_sql)?;
    for bloque in saldos.chunks(1000) {
        let mut qb = sqlx::QueryBuilder::<Db>::new("INSERT INTO _saldos VALUES ");
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
    sqlx::query(
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
    sqlx::query("DELETE FROM _saldos")
        .execute(&mut **tx)
        .await
        .map_err(error_sql)?;
    Ok(())
}

/// A unit of work on SQLite.
pub struct SqliteUow {
    tx: sqlx::Transaction<'static, Db>,
    empresa: Uuid,
}

crate::comun::impl_uow!(SqliteUow, "", "LIKE", "CAST(precio_venta AS REAL)");

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
    pool: sqlx::SqlitePool,
    empresas: Arc<RwLock<HashSet<Uuid>>>,
}

const MIGRACIONES: &[(&str, &str)] = &[
    (
        "0001_inventario",
        include_str!("../migrations/sqlite/0001_inventario.sql"),
    ),
    (
        "0002_ventas",
        include_str!("../migrations/sqlite/0002_ventas.sql"),
    ),
    (
        "0003_pedidos",
        include_str!("../migrations/sqlite/0003_pedidos.sql"),
    ),
];

impl SqliteStore {
    /// Opens (creating it if needed) a SQLite database: `sqlite://ruta/erp.db` or a plain path,
    /// or `sqlite::memory:` for a private in-memory database.
    pub async fn abrir(url: &str) -> Result<Self> {
        Self::abrir_con(url, Sincronizacion::default()).await
    }

    pub async fn abrir_con(url: &str, sync: Sincronizacion) -> Result<Self> {
        let memoria = url == "sqlite::memory:" || url.contains("mode=memory");
        let opciones = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(error_sql)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let opciones = opciones
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .journal_mode(if memoria {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(match sync {
                Sincronizacion::Normal => SqliteSynchronous::Normal,
                Sincronizacion::Full => SqliteSynchronous::Full,
            })
            // A sale touches a dozen pages; with SQLite's 2 MB default cache they are read back
            // from the file again and again. 64 MB per connection keeps the hot ones.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Checkpoint the WAL every 16 MB instead of 4 MB: fewer file syncs per sale.
            .pragma("wal_autocheckpoint", "4096");
        // An in-memory database lives in its one connection: keep exactly one, forever.
        let pool = if memoria {
            SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        }
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(opciones)
        .await
        .map_err(error_sql)?;
        migrar(&pool).await?;
        Ok(Self {
            pool,
            empresas: Arc::default(),
        })
    }

    /// The connection pool, for benchmarks that measure raw SQL on the same settings.
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    async fn comprobar_empresa(&self, id: Uuid) -> Result<()> {
        if self.empresas.read().is_ok_and(|e| e.contains(&id)) {
            return Ok(());
        }
        match leer_empresa(&self.pool, id).await? {
            Some(_) => {
                if let Ok(mut e) = self.empresas.write() {
                    e.insert(id);
                }
                Ok(())
            }
            None => Err(Error::no_encontrado(
                "empresa",
                format!("la empresa {id} no existe"),
            )),
        }
    }
}

async fn migrar(pool: &sqlx::SqlitePool) -> Result<()> {
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(error_sql)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS _migraciones (version TEXT PRIMARY KEY, aplicada_en_us INTEGER NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(error_sql)?;
    for (version, sql) in MIGRACIONES {
        let hecha: Option<String> =
            sqlx::query_scalar("SELECT version FROM _migraciones WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(error_sql)?;
        if hecha.is_some() {
            continue;
        }
        sqlx::raw_sql(*sql)
            .execute(&mut *tx)
            .await
            .map_err(error_sql)?;
        sqlx::query("INSERT INTO _migraciones (version, aplicada_en_us) VALUES ($1, $2)")
            .bind(version)
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
        insertar_empresa(&self.pool, empresa).await
    }

    async fn listar_empresas(&self) -> Result<Vec<Empresa>> {
        todas_las_empresas(&self.pool).await
    }

    async fn begin(&self, empresa_id: Uuid) -> Result<SqliteUow> {
        self.comprobar_empresa(empresa_id).await?;
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(error_sql)?;
        Ok(SqliteUow {
            tx,
            empresa: empresa_id,
        })
    }

    async fn begin_lectura(&self, empresa_id: Uuid) -> Result<SqliteUow> {
        self.comprobar_empresa(empresa_id).await?;
        let tx = self.pool.begin().await.map_err(error_sql)?;
        Ok(SqliteUow {
            tx,
            empresa: empresa_id,
        })
    }
}
