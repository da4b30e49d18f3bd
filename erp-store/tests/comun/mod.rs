//! Helpers of the store suite: a store of each backend, companies with valid random RUCs, and
//! the macro that runs one test body against SQLite and PostgreSQL.
#![allow(dead_code, clippy::unwrap_used)]

use std::str::FromStr;
use std::sync::Arc;

use erp_core::empresa::{AjustesEmpresa, Empresa, NuevaEmpresa};
use erp_core::inventario::servicio::{NuevoAlmacen, NuevoMovimiento, NuevoProducto};
use erp_core::inventario::{Almacen, Producto, TipoMovimiento};
use erp_core::{Decimal, Motor, Pais};
use erp_store::{AnyStore, IdsV7, RelojSistema};
use uuid::Uuid;

pub type M = Motor<AnyStore>;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A clock the test moves by hand.
pub struct RelojMovil(std::sync::Mutex<time::OffsetDateTime>);

impl RelojMovil {
    pub fn en(t: time::OffsetDateTime) -> Arc<Self> {
        Arc::new(Self(std::sync::Mutex::new(t)))
    }

    pub fn poner(&self, t: time::OffsetDateTime) {
        *self.0.lock().unwrap() = t;
    }
}

impl erp_core::store::Reloj for RelojMovil {
    fn ahora(&self) -> time::OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

pub fn motor(store: AnyStore) -> M {
    Motor::new(store, Arc::new(RelojSistema), Arc::new(IdsV7))
}

/// A fresh private in-memory SQLite database.
pub async fn sqlite() -> AnyStore {
    AnyStore::abrir("sqlite::memory:").await.unwrap()
}

/// A SQLite file in a temporary directory (WAL needs a real file).
pub async fn sqlite_archivo() -> (AnyStore, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let store = AnyStore::abrir(&format!("sqlite://{}/erp.db", dir.0.display()))
        .await
        .unwrap();
    (store, dir)
}

/// The PostgreSQL of the test run (`ERP_PG_URL`). Without it the PostgreSQL half is skipped with
/// a notice, unless `ERP_EXIGIR_PG` is set (as `scripts/test` does), which makes it fail.
pub async fn postgres() -> Option<AnyStore> {
    Some(AnyStore::abrir(&pg_url()?).await.unwrap())
}

/// `ERP_PG_URL`, or none (with the notice, or the failure under `ERP_EXIGIR_PG`).
fn pg_url() -> Option<String> {
    match std::env::var("ERP_PG_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("ERP_EXIGIR_PG").is_ok() => {
            panic!("ERP_EXIGIR_PG está definido pero falta ERP_PG_URL")
        }
        Err(_) => {
            eprintln!(
                "ERP_PG_URL no está definido: se omite la mitad PostgreSQL (scripts/test la ejecuta)"
            );
            None
        }
    }
}

/// A PostgreSQL database of the test's own, in the run's cluster: for a test whose engine works
/// across companies (the outbox claims the due comprobantes of all of them).
pub async fn postgres_propia() -> Option<AnyStore> {
    use sqlx::{Connection, Executor};
    let url = pg_url()?;
    let nombre = format!("erp_{}", Uuid::now_v7().simple());
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {nombre}")))
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    Some(AnyStore::abrir(&format!("{base}/{nombre}")).await.unwrap())
}

/// Runs `async fn $nombre(store: AnyStore)` on SQLite and on PostgreSQL.
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // the helpers live in each test crate's `comun` module
macro_rules! en_ambos {
    ($($nombre:ident),* $(,)?) => {
        $(
            mod $nombre {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$nombre(crate::comun::sqlite().await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(s) = crate::comun::postgres().await {
                        super::$nombre(s).await;
                    }
                }
            }
        )*
    };
}

/// A valid RUC of a company (prefix 20) that no other test of the run uses: the shared
/// PostgreSQL keeps the companies of every test.
pub fn ruc_aleatorio() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CONTADOR: AtomicU64 = AtomicU64::new(0);
    let semilla = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.as_nanos() as u64)
        .unwrap_or(0);
    let n = (semilla / 1000 + CONTADOR.fetch_add(1, Ordering::Relaxed) * 7_919) % 100_000_000;
    let cuerpo = format!("20{n:08}");
    let pesos = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let s: u32 = cuerpo
        .chars()
        .zip(pesos)
        .map(|(c, p)| c.to_digit(10).unwrap() * p)
        .sum();
    format!("{cuerpo}{}", (11 - s % 11) % 10)
}

pub async fn empresa_pe(m: &M) -> Empresa {
    empresa_pe_con(m, AjustesEmpresa::default()).await
}

/// A Peruvian company with these settings (Nubefact's route and token, for instance).
pub async fn empresa_pe_con(m: &M, ajustes: AjustesEmpresa) -> Empresa {
    m.crear_empresa(NuevaEmpresa {
        pais: Pais::Peru,
        tipo_identificacion: None,
        identificacion: ruc_aleatorio(),
        razon_social: "Ferretería Los Andes S.A.C.".into(),
        nombre_comercial: String::new(),
        direccion: "Av. Grau 123, Lima".into(),
        moneda: None,
        subdominio: None,
        ajustes,
        plan: Default::default(),
    })
    .await
    .unwrap()
}

pub async fn almacen(m: &M, e: Uuid, nombre: &str) -> Almacen {
    m.crear_almacen(
        e,
        None,
        NuevoAlmacen {
            nombre: nombre.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

pub fn nuevo_producto(nombre: &str, precio: &str, costo: &str) -> NuevoProducto {
    NuevoProducto {
        nombre: nombre.into(),
        precio_venta: d(precio),
        costo: Some(d(costo)),
        ..Default::default()
    }
}

pub async fn producto(m: &M, e: Uuid, nombre: &str) -> Producto {
    m.crear_producto(e, None, nuevo_producto(nombre, "20", "10"))
        .await
        .unwrap()
}

pub fn entrada(p: Uuid, a: Uuid, cantidad: &str, costo: &str) -> NuevoMovimiento {
    let mut m = NuevoMovimiento::new(TipoMovimiento::Entrada, p, a, d(cantidad));
    m.costo_unitario = Some(d(costo));
    m
}

pub fn salida(p: Uuid, a: Uuid, cantidad: &str) -> NuevoMovimiento {
    NuevoMovimiento::new(TipoMovimiento::Salida, p, a, d(cantidad))
}

pub mod tempdir {
    /// A temporary directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);

    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("erp-test-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&p).unwrap();
            Self(p)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A shop of the sales suites.
pub struct Tienda {
    pub m: M,
    pub e: Uuid,
    pub almacen: Uuid,
    pub chompa: Producto,
}

/// The company's main warehouse (what a sale takes when none is named).
pub async fn almacen_principal(m: &M, e: Uuid, nombre: &str) -> Almacen {
    m.crear_almacen(
        e,
        None,
        NuevoAlmacen {
            nombre: nombre.into(),
            es_principal: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// A Peruvian shop with a warehouse and a sweater at 24.99 with IGV, 20 in stock at 10.00.
pub async fn tienda(store: AnyStore) -> Tienda {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let almacen = almacen_principal(&m, e, "Tienda").await.id;
    let mut n = nuevo_producto("Chompa de alpaca", "24.99", "10");
    n.precio_incluye_impuesto = true;
    n.codigo_barras = "7750000000017".into();
    let chompa = m.crear_producto(e, None, n).await.unwrap();
    m.registrar_movimiento(e, None, entrada(chompa.id, almacen, "20", "10"))
        .await
        .unwrap();
    Tienda {
        m,
        e,
        almacen,
        chompa,
    }
}

/// A line of `cantidad` units at the list price.
pub fn linea(p: Uuid, cantidad: &str) -> erp_core::ventas::LineaVentaNueva {
    erp_core::ventas::LineaVentaNueva {
        producto_id: p,
        cantidad: d(cantidad),
        precio: None,
        descuento: None,
        descuento_porcentaje: None,
        series: vec![],
        lote: None,
        aprobacion: None,
    }
}

/// A customer with RUC (SUNAT's own), a credit limit and 30 days.
/// SUNAT itself as a customer with a RUC (a factura carries the buyer's address), with this
/// credit ceiling.
pub fn sunat(limite: Option<&str>) -> erp_core::terceros::NuevoCliente {
    erp_core::terceros::NuevoCliente {
        numero_documento: "20131312955".into(),
        razon_social: "SUNAT".into(),
        direccion: "AV. GARCILASO DE LA VEGA 1472, LIMA".into(),
        limite_credito: limite.map(d),
        ..Default::default()
    }
}

pub async fn cliente_ruc(t: &Tienda, limite: &str) -> Uuid {
    t.m.crear_cliente(
        t.e,
        None,
        erp_core::terceros::NuevoCliente {
            dias_credito: Some(30),
            ..sunat(Some(limite))
        },
    )
    .await
    .unwrap()
    .id
}
