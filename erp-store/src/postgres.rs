//! The store on PostgreSQL: the production, multi-company backend. Units of work run at READ
//! COMMITTED; the rows a flow depends on (stock, lots, serials, counters) are locked with
//! `FOR UPDATE` or an upsert, always in a fixed order, so concurrent sales neither oversell nor
//! take the same number, and never deadlock. Running balances are rewritten in one statement with
//! `UNNEST`.

use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::postgres::{PgPoolOptions, PgRow};

type Db = sqlx::Postgres;
type Fila = PgRow;
type Conexion = sqlx::PgConnection;

fn dec(d: Decimal) -> Decimal {
    d
}

fn dec_opt(d: Option<Decimal>) -> Option<Decimal> {
    d
}

fn leer_dec<I: sqlx::ColumnIndex<Fila>>(r: &Fila, c: I) -> Result<Decimal> {
    r.try_get::<Decimal, _>(c).map_err(error_sql)
}

fn leer_dec_opt<I: sqlx::ColumnIndex<Fila>>(r: &Fila, c: I) -> Result<Option<Decimal>> {
    r.try_get::<Option<Decimal>, _>(c).map_err(error_sql)
}

fn bind_numero(qb: &mut sqlx::QueryBuilder<Db>, d: Decimal) {
    qb.push_bind(d);
}

async fn actualizar_saldos(
    tx: &mut sqlx::Transaction<'static, Db>,
    rango: &crate::comun::Rango,
    saldos: &[SaldoMovimiento],
) -> Result<()> {
    let ids: Vec<Uuid> = saldos.iter().map(|s| s.id).collect();
    let costo: Vec<Decimal> = saldos.iter().map(|s| s.costo_unitario).collect();
    let valor: Vec<Decimal> = saldos.iter().map(|s| s.valor).collect();
    let cantidad: Vec<Decimal> = saldos.iter().map(|s| s.cantidad_saldo).collect();
    let valor_saldo: Vec<Decimal> = saldos.iter().map(|s| s.valor_saldo).collect();
    let promedio: Vec<Decimal> = saldos.iter().map(|s| s.costo_promedio_saldo).collect();
    sqlx::query(
        "UPDATE kardex AS m SET costo_unitario = u.costo, valor = u.valor, \
         cantidad_saldo = u.cantidad, valor_saldo = u.valor_saldo, costo_promedio_saldo = u.promedio \
         FROM UNNEST($2::uuid[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], \
         $7::numeric[]) AS u(id, costo, valor, cantidad, valor_saldo, promedio) \
         WHERE m.empresa_id = $1 AND m.producto_id = $8 AND m.almacen_id = $9 \
         AND (m.fecha_us, m.secuencia) > ($10, $11) AND m.movimiento_id = u.id",
    )
    .bind(rango.empresa)
    .bind(ids)
    .bind(costo)
    .bind(valor)
    .bind(cantidad)
    .bind(valor_saldo)
    .bind(promedio)
    .bind(rango.producto)
    .bind(rango.almacen)
    .bind(rango.desde.0)
    .bind(rango.desde.1)
    .execute(&mut **tx)
    .await
    .map_err(error_sql)?;
    Ok(())
}

/// A sale's stock rows are locked in one round trip (`bloquear_stocks`).
const BLOQUEO_EN_BLOQUE: bool = true;

/// A unit of work on PostgreSQL.
pub struct PgUow {
    tx: sqlx::Transaction<'static, Db>,
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
    sqlx,
    PgUow,
    " FOR UPDATE",
    " FOR UPDATE SKIP LOCKED",
    "ILIKE",
    "precio_venta"
);

/// The store on a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
    empresas: crate::comun::EmpresasConocidas,
}

const MIGRACIONES: &[(&str, &str)] = &[
    (
        "0001_inventario",
        include_str!("../migrations/postgres/0001_inventario.sql"),
    ),
    (
        "0002_ventas",
        include_str!("../migrations/postgres/0002_ventas.sql"),
    ),
    (
        "0003_pedidos",
        include_str!("../migrations/postgres/0003_pedidos.sql"),
    ),
    (
        "0004_notas",
        include_str!("../migrations/postgres/0004_notas.sql"),
    ),
    (
        "0005_seguridad",
        include_str!("../migrations/postgres/0005_seguridad.sql"),
    ),
    (
        "0006_cursor_movimientos",
        include_str!("../migrations/postgres/0006_cursor_movimientos.sql"),
    ),
    (
        "0007_plan",
        include_str!("../migrations/postgres/0007_plan.sql"),
    ),
    (
        "0008_trabajos",
        include_str!("../migrations/postgres/0008_trabajos.sql"),
    ),
    (
        "0009_envios",
        include_str!("../migrations/postgres/0009_envios.sql"),
    ),
    (
        "0010_bajas",
        include_str!("../migrations/postgres/0010_bajas.sql"),
    ),
    (
        "0011_compras",
        include_str!("../migrations/postgres/0011_compras.sql"),
    ),
];

impl PgStore {
    /// Connects to `postgres://usuario:clave@host:puerto/base` and applies the migrations.
    pub async fn abrir(url: &str) -> Result<Self> {
        Self::abrir_con(url, 16).await
    }

    pub async fn abrir_con(url: &str, conexiones: u32) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(conexiones.max(1))
            .acquire_timeout(Duration::from_secs(60))
            .connect(url)
            .await
            .map_err(error_sql)?;
        migrar(&pool).await?;
        Ok(Self {
            pool,
            empresas: Default::default(),
        })
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    /// `ANALYZE` of the whole database.
    pub async fn optimizar(&self) -> Result<()> {
        sqlx::query("ANALYZE")
            .execute(&self.pool)
            .await
            .map_err(error_sql)?;
        Ok(())
    }
}

async fn migrar(pool: &sqlx::PgPool) -> Result<()> {
    let mut tx = pool.begin().await.map_err(error_sql)?;
    // Several servers starting at once migrate one at a time.
    sqlx::query("SELECT pg_advisory_xact_lock(7256001)")
        .execute(&mut *tx)
        .await
        .map_err(error_sql)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS _migraciones (version TEXT PRIMARY KEY, aplicada_en_us BIGINT NOT NULL)",
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

impl erp_core::store::Store for PgStore {
    type Uow = PgUow;

    async fn crear_empresa(&self, empresa: &Empresa) -> Result<()> {
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
        reclamar_envio(&self.pool, ahora, plazo, empresa).await
    }

    async fn reclamar_trabajo(
        &self,
        ahora: time::OffsetDateTime,
        plazo: time::Duration,
    ) -> Result<Option<(Uuid, erp_core::trabajos::Trabajo)>> {
        reclamar_trabajo(&self.pool, ahora, plazo).await
    }

    async fn begin(&self, empresa_id: Uuid) -> Result<PgUow> {
        comprobar_empresa(&self.empresas, &self.pool, empresa_id).await?;
        let tx = self.pool.begin().await.map_err(error_sql)?;
        Ok(PgUow {
            tx,
            empresa: empresa_id,
            empresa_leida: None,
            pendientes: Vec::new(),
            bloqueados: Default::default(),
            empresa_bloqueada: false,
        })
    }

    async fn begin_lectura(&self, empresa_id: Uuid) -> Result<PgUow> {
        comprobar_empresa(&self.empresas, &self.pool, empresa_id).await?;
        let tx = self
            .pool
            .begin_with("BEGIN READ ONLY")
            .await
            .map_err(error_sql)?;
        Ok(PgUow {
            tx,
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
        crate::comun::verificar_migraciones("postgres", super::MIGRACIONES);
    }
}
