//! `erp bench ventas`: N POS sales of 3 lines each on a fresh database, by K concurrent clients
//! (each at its own series, as each till has its own), through the engine or, with `--modo sql`,
//! the same writes by hand-written SQL (the floor). Prints one JSON line.

use std::sync::Arc;
use std::time::Instant;

use erp_core::comprobantes::{NuevaSerie, TipoComprobante};
use erp_core::empresa::{AjustesEmpresa, NuevaEmpresa};
use erp_core::inventario::TipoMovimiento;
use erp_core::inventario::servicio::{NuevoAlmacen, NuevoMovimiento, NuevoProducto};
use erp_core::ventas::servicio::{ItemPos, VentaPos};
use erp_core::{Motor, Pais};
use erp_store::{AnyStore, IdsV7, RelojSistema, Sincronizacion, SqliteStore};
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Modo {
    /// Through the engine (`Motor::venta_pos`).
    Motor,
    /// The same writes by hand-written SQL.
    Sql,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sync {
    Normal,
    Full,
}

pub struct Opciones {
    pub ventas: usize,
    pub clientes: usize,
    pub db: Option<String>,
    pub modo: Modo,
    pub productos: usize,
    pub sincronizacion: Sync,
}

pub async fn ventas(o: Opciones) -> Result<serde_json::Value, String> {
    let clientes = o.clientes.clamp(1, 256);
    let dir = Directorio(std::env::temp_dir().join(format!("erp-bench-ventas-{}", Uuid::now_v7())));
    let dir = &dir.0;
    let store = match &o.db {
        Some(url) => AnyStore::abrir(url).await.map_err(|e| e.to_string())?,
        None => {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            let sync = match o.sincronizacion {
                Sync::Normal => Sincronizacion::Normal,
                Sync::Full => Sincronizacion::Full,
            };
            AnyStore::Sqlite(
                SqliteStore::abrir_con(&format!("sqlite://{}/erp.db", dir.display()), sync)
                    .await
                    .map_err(|e| e.to_string())?,
            )
        }
    };
    let db = store.motor();
    let m = Arc::new(Motor::new(
        store.clone(),
        Arc::new(RelojSistema),
        Arc::new(IdsV7),
    ));
    let e = m
        .crear_empresa(NuevaEmpresa {
            pais: Pais::Peru,
            tipo_identificacion: None,
            identificacion: ruc_de(Uuid::now_v7().as_u128()),
            razon_social: "Bodega de prueba S.A.C.".into(),
            nombre_comercial: String::new(),
            direccion: String::new(),
            moneda: None,
            subdominio: None,
            ajustes: AjustesEmpresa::default(),
            plan: Default::default(),
        })
        .await
        .map_err(|e| e.to_string())?
        .id;
    let almacen = m
        .crear_almacen(
            e,
            None,
            NuevoAlmacen {
                nombre: "Tienda".into(),
                es_principal: true,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?
        .id;
    let mut productos = Vec::with_capacity(o.productos);
    for i in 0..o.productos.max(3) {
        let p = m
            .crear_producto(
                e,
                None,
                NuevoProducto {
                    nombre: format!("Producto {i}"),
                    precio_venta: Decimal::new(1000, 2),
                    precio_incluye_impuesto: true,
                    costo: Some(Decimal::from(5)),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut ent = NuevoMovimiento::new(
            TipoMovimiento::Entrada,
            p.id,
            almacen,
            Decimal::from(100_000_000),
        );
        ent.costo_unitario = Some(Decimal::from(5));
        m.registrar_movimiento(e, None, ent)
            .await
            .map_err(|e| e.to_string())?;
        productos.push((p.id, p.codigo));
    }
    let mut series = Vec::with_capacity(clientes);
    for k in 0..clientes {
        let s = m
            .crear_serie(
                e,
                None,
                NuevaSerie {
                    tipo: TipoComprobante::Boleta,
                    serie: format!("B{:03}", k + 1),
                    documento_afectado: None,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        series.push(s.serie);
    }
    // Statistics after the load, as a shop's database would have them.
    store.optimizar().await.map_err(|e| e.to_string())?;
    // One sale made by the engine first: the floor reuses its customer and its JSON.
    let muestra = m
        .venta_pos(
            e,
            None,
            VentaPos {
                items: items(&productos, 0),
                serie: Some(series[0].clone()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let cliente = muestra.venta.cliente_id;
    let documento = Arc::new(muestra.comprobante.documento.to_string());
    let lineas = Arc::new(serde_json::to_string(&muestra.venta.lineas).map_err(|e| e.to_string())?);
    let pagos = Arc::new(serde_json::to_string(&muestra.venta.pagos).map_err(|e| e.to_string())?);
    let productos = Arc::new(productos);

    let inicio = Instant::now();
    let mut tareas = Vec::with_capacity(clientes);
    for (k, serie) in series.into_iter().enumerate() {
        let (m, store, productos) = (m.clone(), store.clone(), productos.clone());
        let (documento, lineas, pagos) = (documento.clone(), lineas.clone(), pagos.clone());
        let modo = o.modo;
        // Exactly `ventas` in all: the first `ventas % clientes` clients make one more.
        let por_cliente = o.ventas / clientes + usize::from(k < o.ventas % clientes);
        tareas.push(tokio::spawn(async move {
            for i in 0..por_cliente {
                let semilla = (k * 1_000_003 + i * 7_919 + 1) as u64;
                match modo {
                    Modo::Motor => {
                        m.venta_pos(
                            e,
                            None,
                            VentaPos {
                                items: items(&productos, semilla),
                                serie: Some(serie.clone()),
                                ..Default::default()
                            },
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    }
                    Modo::Sql => {
                        let ids: Vec<Uuid> = elegir(&productos, semilla)
                            .into_iter()
                            .map(|(id, _)| id)
                            .collect();
                        erp_store::piso::vender(
                            &store,
                            &erp_store::piso::VentaPiso {
                                empresa: e,
                                almacen,
                                cliente,
                                serie: &serie,
                                productos: &ids,
                                precio: Decimal::new(1000, 2),
                                documento: &documento,
                                lineas_json: &lineas,
                                pagos_json: &pagos,
                            },
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    }
                }
            }
            Ok::<usize, String>(por_cliente)
        }));
    }
    let mut hechas = 0;
    for t in tareas {
        hechas += t.await.map_err(|e| e.to_string())??;
    }
    let segundos = inicio.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "bench": "ventas",
        "mode": match o.modo { Modo::Motor => "motor", Modo::Sql => "sql" },
        "db": db,
        "sales": hechas,
        "lines_per_sale": 3,
        "clients": clientes,
        "products": productos.len(),
        "sqlite_synchronous": if db == "sqlite" && o.db.is_none() { match o.sincronizacion { Sync::Normal => "NORMAL", Sync::Full => "FULL" } } else { "" },
        "seconds": (segundos * 1000.0).round() / 1000.0,
        "sales_per_s": (hechas as f64 / segundos).round(),
        "lines_per_s": (3.0 * hechas as f64 / segundos).round(),
    }))
}

/// The benchmark's SQLite directory, removed however the run ends.
struct Directorio(std::path::PathBuf);

impl Drop for Directorio {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Three distinct products, from a deterministic generator.
fn elegir(productos: &[(Uuid, String)], semilla: u64) -> Vec<(Uuid, String)> {
    let mut x = semilla ^ 0x9e37_79b9_7f4a_7c15;
    let mut elegidos: Vec<usize> = Vec::with_capacity(3);
    while elegidos.len() < 3 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % productos.len() as u64) as usize;
        if !elegidos.contains(&i) {
            elegidos.push(i);
        }
    }
    elegidos.into_iter().map(|i| productos[i].clone()).collect()
}

fn items(productos: &[(Uuid, String)], semilla: u64) -> Vec<ItemPos> {
    elegir(productos, semilla)
        .into_iter()
        .map(|(_, codigo)| ItemPos {
            codigo,
            cantidad: Decimal::ONE,
            series: vec![],
        })
        .collect()
}

/// A valid company RUC from a number.
fn ruc_de(n: u128) -> String {
    let cuerpo = format!("20{:08}", n % 100_000_000);
    let s: u32 = cuerpo
        .chars()
        .zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        .map(|(c, p)| c.to_digit(10).unwrap_or(0) * p)
        .sum();
    format!("{cuerpo}{}", (11 - s % 11) % 10)
}

/// `erp bench envios`: the outbox against a gateway on loopback that accepts everything (an
/// answer like Nubefact's, after `demora_ms`): N POS sales are made first (queued, nothing sent),
/// then K senders drain the queue through the real HTTP client. Prints one JSON line with the
/// comprobantes sent per second; fails if any was sent twice or left unsent.
pub async fn envios(
    comprobantes: usize,
    concurrentes: usize,
    demora_ms: u64,
    db: Option<String>,
) -> Result<serde_json::Value, String> {
    use erp_core::facturacion::envio::PoliticaEnvio;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let dir = Directorio(std::env::temp_dir().join(format!("erp-bench-envios-{}", Uuid::now_v7())));
    let store = match &db {
        Some(url) => AnyStore::abrir(url).await.map_err(|e| e.to_string())?,
        None => {
            std::fs::create_dir_all(&dir.0).map_err(|e| e.to_string())?;
            AnyStore::abrir(&format!("sqlite://{}/erp.db", dir.0.display()))
                .await
                .map_err(|e| e.to_string())?
        }
    };
    // The senders claim the due comprobantes of every company: never on a database with real ones.
    if !erp_core::Store::listar_empresas(&store)
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Err(
            "erp bench envios necesita una base de datos vacía: enviaría los comprobantes \
                    de las empresas que ya tiene"
                .into(),
        );
    }
    // The gateway: accepts each number once (a repeated one answers 23, and is counted).
    let vistos = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let repetidos = Arc::new(AtomicUsize::new(0));
    let app = {
        let (vistos, repetidos) = (vistos.clone(), repetidos.clone());
        axum::Router::new().route(
            "/api/v1/bench",
            axum::routing::post(move |cuerpo: axum::body::Bytes| {
                let (vistos, repetidos) = (vistos.clone(), repetidos.clone());
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(demora_ms)).await;
                    let v: serde_json::Value = serde_json::from_slice(&cuerpo).unwrap_or_default();
                    let clave = format!("{}-{}", v["serie"], v["numero"]);
                    let nuevo = vistos.lock().map(|mut s| s.insert(clave)).unwrap_or(false);
                    if !nuevo {
                        repetidos.fetch_add(1, Ordering::Relaxed);
                        return serde_json::json!({"errors": "ya existe", "codigo": 23})
                            .to_string();
                    }
                    serde_json::json!({
                        "aceptada_por_sunat": true, "sunat_responsecode": "0",
                        "sunat_description": "aceptada", "codigo_hash": "abc=",
                        "enlace_del_pdf": "https://x/pdf", "enlace_del_xml": "https://x/xml",
                        "enlace_del_cdr": "https://x/cdr", "cadena_para_codigo_qr": "qr"
                    })
                    .to_string()
                }
            }),
        )
    };
    let escucha = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let ruta = format!(
        "http://{}/api/v1/bench",
        escucha.local_addr().map_err(|e| e.to_string())?
    );
    tokio::spawn(async move {
        let _ = axum::serve(escucha, app).await;
    });
    let m = Arc::new(Motor::new(
        store.clone(),
        Arc::new(RelojSistema),
        Arc::new(IdsV7),
    ));
    let e = m
        .crear_empresa(NuevaEmpresa {
            pais: Pais::Peru,
            tipo_identificacion: None,
            identificacion: ruc_de(Uuid::now_v7().as_u128()),
            razon_social: "Bodega de prueba S.A.C.".into(),
            nombre_comercial: String::new(),
            direccion: String::new(),
            moneda: None,
            subdominio: None,
            ajustes: AjustesEmpresa {
                nubefact_ruta: Some(ruta),
                nubefact_token: Some("token-de-bench".into()),
                ..Default::default()
            },
            plan: Default::default(),
        })
        .await
        .map_err(|e| e.to_string())?
        .id;
    let almacen = m
        .crear_almacen(
            e,
            None,
            NuevoAlmacen {
                nombre: "Tienda".into(),
                es_principal: true,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?
        .id;
    let p = m
        .crear_producto(
            e,
            None,
            NuevoProducto {
                nombre: "Producto".into(),
                precio_venta: Decimal::new(1000, 2),
                precio_incluye_impuesto: true,
                costo: Some(Decimal::from(5)),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut ent = NuevoMovimiento::new(
        TipoMovimiento::Entrada,
        p.id,
        almacen,
        Decimal::from(100_000_000),
    );
    ent.costo_unitario = Some(Decimal::from(5));
    m.registrar_movimiento(e, None, ent)
        .await
        .map_err(|e| e.to_string())?;
    for _ in 0..comprobantes {
        m.venta_pos(
            e,
            None,
            VentaPos {
                items: vec![ItemPos {
                    codigo: p.codigo.clone(),
                    cantidad: Decimal::ONE,
                    series: vec![],
                }],
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    let espera = time::Duration::seconds(10);
    let emisor: Arc<dyn erp_core::facturacion::envio::Emisor> = Arc::new(
        crate::servidor::nubefact::NubefactHttp::new(espera.unsigned_abs())?,
    );
    let politica = PoliticaEnvio::new(time::Duration::minutes(5), 5, espera);
    let concurrentes = concurrentes.clamp(1, 64);
    let inicio = Instant::now();
    let mut tareas = Vec::new();
    for _ in 0..concurrentes {
        let (m, emisor) = (m.clone(), emisor.clone());
        tareas.push(tokio::spawn(async move {
            let mut n = 0usize;
            while m
                .enviar_siguiente(&*emisor, &politica)
                .await
                .map_err(|e| e.to_string())?
                .is_some()
            {
                n += 1;
            }
            Ok::<_, String>(n)
        }));
    }
    let mut enviados = 0;
    for t in tareas {
        enviados += t.await.map_err(|e| e.to_string())??;
    }
    let segundos = inicio.elapsed().as_secs_f64();
    let (_, total_aceptados) = m
        .comprobantes(
            e,
            &erp_core::comprobantes::FiltroComprobantes {
                estado: Some(erp_core::comprobantes::EstadoComprobante::Aceptado),
                pagina: 1,
                tamanio_pagina: 1,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let repetidos = repetidos.load(Ordering::Relaxed);
    if total_aceptados != comprobantes as u64 || repetidos > 0 {
        return Err(format!(
            "{total_aceptados} de {comprobantes} aceptados, {repetidos} enviados dos veces"
        ));
    }
    Ok(serde_json::json!({
        "bench": "envios",
        "motor": store.motor(),
        "comprobantes": comprobantes,
        "concurrentes": concurrentes,
        "demora_ms": demora_ms,
        "intentos": enviados,
        "segundos": (segundos * 1000.0).round() / 1000.0,
        "comprobantes_por_segundo": (comprobantes as f64 / segundos).round(),
    }))
}
