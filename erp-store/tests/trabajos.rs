//! Background jobs with the database as the queue, on both databases: each company gets its runs
//! at its local time; a due run does its work, is marked done and schedules the next one in one
//! unit of work; a run claimed by a worker that died is claimed again when its lease ends; many
//! workers on one PostgreSQL run each run exactly once; the minimum-stock check notifies who sees
//! inventory, once while unread.

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Arc;

use comun::*;
use erp_core::Store;
use erp_core::seguridad::servicio::NuevoUsuario;
use erp_core::trabajos::{EstadoTrabajo, TipoTrabajo};
use erp_core::ventas::pedidos::{EstadoCotizacion, LineaPedidoNueva, NuevaCotizacion};
use erp_store::AnyStore;
use time::Duration;
use time::macros::datetime;

const LEASE: Duration = Duration::minutes(5);

/// One test of this file at a time: a worker claims the due runs of every company of the shared
/// PostgreSQL, so two of these tests at once would run each other's.
static TURNO: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn motor_en(store: AnyStore, t: time::OffsetDateTime) -> (M, Arc<RelojMovil>) {
    let reloj = RelojMovil::en(t);
    (
        erp_core::motor::Motor::new(store, reloj.clone(), Arc::new(erp_store::IdsV7)),
        reloj,
    )
}

/// Runs every due run; what ran, by kind.
async fn ejecutar_todo(m: &M, e: uuid::Uuid) -> Vec<(TipoTrabajo, String)> {
    let mut hechos = Vec::new();
    while let Some((empresa, t)) = m.ejecutar_trabajo(LEASE).await.unwrap() {
        // Other tests' companies share the PostgreSQL: their runs are due too.
        if empresa == e {
            assert_eq!(t.estado, EstadoTrabajo::Hecho, "{t:?}");
            hechos.push((t.tipo, t.resultado));
        }
    }
    hechos
}

async fn cotizaciones_vencidas_a_las_23(store: AnyStore) {
    let _turno = TURNO.lock().await;
    let (m, reloj) = motor_en(store, datetime!(2026-11-19 10:00 -5));
    let e = empresa_pe(&m).await.id;
    // The company's runs exist from its creation, at Lima's 23:00, 07:30 and 08:00.
    let t = m.trabajos(e, 10).await.unwrap();
    assert_eq!(t.len(), 3, "{t:?}");
    let vencer = t
        .iter()
        .find(|t| t.tipo == TipoTrabajo::VencerCotizaciones)
        .unwrap();
    assert_eq!(vencer.programado, datetime!(2026-11-19 23:00 -5));
    assert_eq!(vencer.estado, EstadoTrabajo::Pendiente);
    let p = producto(&m, e, "Taladro").await;
    let c = m.crear_cliente(e, None, comun::sunat(None)).await.unwrap();
    let q = m
        .crear_cotizacion(
            e,
            None,
            NuevaCotizacion {
                cliente_id: c.id,
                lineas: vec![LineaPedidoNueva {
                    producto_id: p.id,
                    cantidad: d("1"),
                    precio: None,
                    descuento: None,
                    descuento_porcentaje: None,
                }],
                dias_validez: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Before 23:00 nothing of this company is due.
    reloj.poner(datetime!(2026-11-19 22:59 -5));
    assert!(ejecutar_todo(&m, e).await.is_empty());
    // At 23:00 of the 20th the quotation (valid to the 20th) still stands; at 23:00 of the 21st
    // it expires. The run of the 19th found nothing to do.
    reloj.poner(datetime!(2026-11-20 23:00 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert_eq!(hechos.len(), 3, "{hechos:?}"); // the 19th's 23:00, the 20th's 07:30 and 08:00
    assert!(hechos.contains(&(
        TipoTrabajo::VencerCotizaciones,
        "0 cotizaciones vencidas".into()
    )));
    // As stored (a read through the engine reports `vencida` from the clock alone).
    assert_eq!(guardada(&m, e, q.id).await, EstadoCotizacion::Vigente);
    reloj.poner(datetime!(2026-11-21 23:00:01 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert!(
        hechos.contains(&(
            TipoTrabajo::VencerCotizaciones,
            "1 cotizaciones vencidas".into()
        )),
        "{hechos:?}"
    );
    assert_eq!(guardada(&m, e, q.id).await, EstadoCotizacion::Vencida);
    // The next runs are scheduled, one pending per kind.
    let t = m.trabajos(e, 20).await.unwrap();
    let pendientes: Vec<_> = t
        .iter()
        .filter(|t| t.estado == EstadoTrabajo::Pendiente)
        .collect();
    assert_eq!(pendientes.len(), 3, "{t:?}");
    assert!(
        pendientes
            .iter()
            .any(|t| t.programado == datetime!(2026-11-22 23:00 -5))
    );
    assert!(
        pendientes
            .iter()
            .any(|t| t.programado == datetime!(2026-11-22 07:30 -5))
    );
    // Scheduling again adds nothing.
    assert_eq!(m.programar_trabajos(e).await.unwrap(), 0);
}

/// The 08:00 warning: a current quotation valid until today or within 3 days is notified once to
/// the user who made it (to every seller when its author no longer works with quotations); one
/// valid longer, or no longer current, is not.
async fn avisos_de_cotizaciones_por_vencer(store: AnyStore) {
    let _turno = TURNO.lock().await;
    let (m, reloj) = motor_en(store, datetime!(2026-11-21 06:00 -5));
    let e = empresa_pe(&m).await.id;
    let [ana, beto, almacenero] = usuarios(
        &m,
        e,
        [
            ("ana@t.pe", "vendedor"),
            ("beto@t.pe", "vendedor"),
            ("alm@t.pe", "almacenero"),
        ],
    )
    .await;
    let p = producto(&m, e, "Taladro").await;
    let c = m.crear_cliente(e, None, comun::sunat(None)).await.unwrap();
    let cotizar = |autor: Option<uuid::Uuid>, dias: u32| {
        m.crear_cotizacion(
            e,
            autor,
            NuevaCotizacion {
                cliente_id: c.id,
                lineas: vec![LineaPedidoNueva {
                    producto_id: p.id,
                    cantidad: d("2"),
                    precio: None,
                    descuento: None,
                    descuento_porcentaje: None,
                }],
                dias_validez: Some(dias),
                ..Default::default()
            },
        )
    };
    // Valid to the 23rd (2 days), the 24th (3 days), the 26th (5 days); one by nobody in
    // particular (made by the system) valid to the 22nd; one of Ana's rejected.
    let de_ana = cotizar(Some(ana.id), 2).await.unwrap();
    let de_beto = cotizar(Some(beto.id), 3).await.unwrap();
    let lejana = cotizar(Some(ana.id), 5).await.unwrap();
    let sin_autor = cotizar(None, 1).await.unwrap();
    let rechazada = cotizar(Some(ana.id), 1).await.unwrap();
    m.rechazar_cotizacion(e, None, rechazada.id, "no le interesa")
        .await
        .unwrap();
    // The store's window: both ends included, soonest first, current ones of this company only.
    {
        use erp_core::store::Uow;
        let entre = |a: time::Date, b: time::Date| {
            let m = &m;
            async move {
                let mut uow = m.store().begin_lectura(e).await.unwrap();
                let r = uow.cotizaciones_por_vencer(a, b).await.unwrap();
                r.into_iter().map(|c| c.id).collect::<Vec<_>>()
            }
        };
        use time::macros::date;
        assert_eq!(
            entre(date!(2026 - 11 - 23), date!(2026 - 11 - 24)).await,
            vec![de_ana.id, de_beto.id]
        );
        assert_eq!(
            entre(date!(2026 - 11 - 24), date!(2026 - 11 - 30)).await,
            vec![de_beto.id, lejana.id]
        );
        let otra = empresa_pe(&m).await.id;
        let mut uow = m.store().begin_lectura(otra).await.unwrap();
        let r = uow
            .cotizaciones_por_vencer(date!(2026 - 11 - 01), date!(2026 - 11 - 30))
            .await
            .unwrap();
        assert!(r.is_empty(), "{r:?}");
    }
    reloj.poner(datetime!(2026-11-21 08:00 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert!(
        hechos.contains(&(
            TipoTrabajo::AvisarCotizaciones,
            "3 cotizaciones por vencer, 4 avisos nuevos".into()
        )),
        "{hechos:?}"
    );
    let avisos = |u: uuid::Uuid| {
        let m = &m;
        async move {
            let (n, _) = m.notificaciones(e, u, None, 1, 20).await.unwrap();
            let mut r: Vec<_> = n
                .into_iter()
                .map(|n| (n.referencia_id.unwrap(), n.tipo, n.mensaje))
                .collect();
            r.sort();
            r
        }
    };
    let de_ana_avisos = avisos(ana.id).await;
    let mut esperado = vec![de_ana.id, sin_autor.id];
    esperado.sort();
    assert_eq!(
        de_ana_avisos.iter().map(|a| a.0).collect::<Vec<_>>(),
        esperado
    );
    assert!(de_ana_avisos.iter().all(|a| a.1 == "cotizacion_vencer"));
    let mensaje = &de_ana_avisos.iter().find(|a| a.0 == de_ana.id).unwrap().2;
    assert!(
        mensaje.contains(&de_ana.numero)
            && mensaje.contains("SUNAT")
            && mensaje.contains(&format!("PEN {}", de_ana.total))
            && mensaje.contains("en 2 días (2026-11-23)"),
        "{mensaje}"
    );
    let a_ana_sin_autor = &de_ana_avisos
        .iter()
        .find(|a| a.0 == sin_autor.id)
        .unwrap()
        .2;
    assert!(
        a_ana_sin_autor.contains("vence mañana (2026-11-22)"),
        "{a_ana_sin_autor}"
    );
    let mut esperado = vec![de_beto.id, sin_autor.id];
    esperado.sort();
    assert_eq!(
        avisos(beto.id)
            .await
            .iter()
            .map(|a| a.0)
            .collect::<Vec<_>>(),
        esperado
    );
    // Who does not work with quotations is not told; the one valid 5 days is not yet due.
    assert!(avisos(almacenero.id).await.is_empty());
    assert!(!avisos(ana.id).await.iter().any(|a| a.0 == lejana.id));
    // The next mornings: read or not, nothing is repeated; the far one's turn comes on the 23rd,
    // and Ana, no longer a seller, is replaced by everyone who is (Beto).
    m.leer_notificaciones(e, ana.id, None).await.unwrap();
    reloj.poner(datetime!(2026-11-22 08:00 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert!(
        hechos.contains(&(
            TipoTrabajo::AvisarCotizaciones,
            "3 cotizaciones por vencer, 0 avisos nuevos".into()
        )),
        "{hechos:?}"
    );
    m.actualizar_usuario(
        e,
        None,
        ana.id,
        erp_core::seguridad::servicio::CambiosUsuario {
            rol: Some("almacenero".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    reloj.poner(datetime!(2026-11-23 08:00 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert!(
        hechos.contains(&(
            TipoTrabajo::AvisarCotizaciones,
            "3 cotizaciones por vencer, 2 avisos nuevos".into()
        )),
        "{hechos:?}"
    );
    let de_beto_avisos = avisos(beto.id).await;
    assert_eq!(de_beto_avisos.len(), 4, "{de_beto_avisos:?}");
    assert!(de_beto_avisos.iter().any(|a| a.0 == de_ana.id));
    let lejano = de_beto_avisos.iter().find(|a| a.0 == lejana.id).unwrap();
    assert!(lejano.2.contains("en 3 días"), "{}", lejano.2);
    assert_eq!(avisos(ana.id).await.len(), 2);
}

/// The seeded roles and one active user per (email, role) of the company.
async fn usuarios<const N: usize>(
    m: &M,
    e: uuid::Uuid,
    cuales: [(&str, &str); N],
) -> [erp_core::seguridad::Usuario; N] {
    m.seed_permisos(e).await.unwrap();
    let mut hechos = Vec::new();
    for (email, rol) in cuales {
        let n = NuevoUsuario {
            email: email.into(),
            nombre: "X".into(),
            apellido: String::new(),
            rol: rol.into(),
            clave_hash: "x".into(),
        };
        hechos.push(m.crear_usuario(e, None, n).await.unwrap());
    }
    hechos.try_into().unwrap()
}

/// A quotation's state as the store holds it.
async fn guardada(m: &M, e: uuid::Uuid, id: uuid::Uuid) -> EstadoCotizacion {
    use erp_core::store::Uow;
    let mut uow = m.store().begin_lectura(e).await.unwrap();
    uow.cotizacion(id).await.unwrap().unwrap().estado
}

/// A worker claims a run and dies: nobody else runs it while its lease lasts; after, someone does.
async fn un_trabajador_que_muere_no_pierde_nada(store: AnyStore) {
    let _turno = TURNO.lock().await;
    let (m, reloj) = motor_en(store, datetime!(2026-11-21 07:00 -5));
    let e = empresa_pe(&m).await.id;
    reloj.poner(datetime!(2026-11-21 07:31 -5));
    // Claim this company's run as a worker that then dies (the runs of other tests' companies
    // it claims on the way stay claimed too).
    let mut reclamado = None;
    while let Some((empresa, t)) = m
        .store()
        .reclamar_trabajo(erp_core::store::Reloj::ahora(&*reloj), LEASE)
        .await
        .unwrap()
    {
        if empresa == e {
            reclamado = Some(t);
            break;
        }
    }
    let reclamado = reclamado.unwrap();
    assert_eq!(reclamado.tipo, TipoTrabajo::StockMinimo);
    assert_eq!(reclamado.intentos, 1);
    assert!(ejecutar_todo(&m, e).await.is_empty());
    reloj.poner(datetime!(2026-11-21 07:36:01 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert_eq!(hechos.len(), 1, "{hechos:?}");
    let t = m.trabajos(e, 10).await.unwrap();
    let hecho = t.iter().find(|x| x.id == reclamado.id).unwrap();
    assert_eq!((hecho.estado, hecho.intentos), (EstadoTrabajo::Hecho, 2));
}

/// Four workers, twelve companies with due runs: each run done once, by one worker.
async fn varios_trabajadores(store: AnyStore) {
    let _turno = TURNO.lock().await;
    let (m, reloj) = motor_en(store, datetime!(2026-11-21 06:00 -5));
    let m = Arc::new(m);
    let mut empresas = Vec::new();
    for _ in 0..12 {
        empresas.push(empresa_pe(&m).await.id);
    }
    reloj.poner(datetime!(2026-11-21 07:45 -5));
    let tareas: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move {
                let mut hechos = Vec::new();
                while let Some((empresa, t)) = m.ejecutar_trabajo(LEASE).await.unwrap() {
                    hechos.push((empresa, t.id, t.intentos));
                }
                hechos
            })
        })
        .collect();
    let mut todos = Vec::new();
    for t in tareas {
        todos.extend(t.await.unwrap());
    }
    for e in &empresas {
        let mios: Vec<_> = todos.iter().filter(|x| x.0 == *e).collect();
        assert_eq!(mios.len(), 1, "{mios:?}");
        assert_eq!(mios[0].2, 1, "reclamado dos veces: {mios:?}");
        let t = m.trabajos(*e, 10).await.unwrap();
        assert_eq!(
            t.iter()
                .filter(|x| x.estado == EstadoTrabajo::Hecho)
                .count(),
            1
        );
    }
}

async fn avisos_de_stock_minimo(store: AnyStore) {
    let _turno = TURNO.lock().await;
    let (m, reloj) = motor_en(store, datetime!(2026-11-21 06:00 -5));
    let e = empresa_pe(&m).await.id;
    let [almacenero, repartidor] = usuarios(
        &m,
        e,
        [("alm@t.pe", "almacenero"), ("rep@t.pe", "repartidor")],
    )
    .await;
    let a = almacen(&m, e, "Central").await;
    let mut n = nuevo_producto("Cemento Sol 42.5 kg", "32", "25");
    n.stock_minimo = Some(d("10"));
    let cemento = m.crear_producto(e, None, n).await.unwrap();
    m.registrar_movimiento(e, None, entrada(cemento.id, a.id, "4", "25"))
        .await
        .unwrap();
    reloj.poner(datetime!(2026-11-21 07:30 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert_eq!(
        hechos,
        vec![(
            TipoTrabajo::StockMinimo,
            "1 productos bajo su stock mínimo, 1 avisos nuevos".into()
        )]
    );
    let (avisos, total) = m
        .notificaciones(e, almacenero.id, Some(false), 1, 20)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(avisos[0].tipo, "stock_bajo");
    assert_eq!(avisos[0].referencia_id, Some(cemento.id));
    assert!(
        avisos[0].mensaje.contains("faltan 6"),
        "{}",
        avisos[0].mensaje
    );
    // Who does not see inventory is not told.
    let (_, total) = m
        .notificaciones(e, repartidor.id, None, 1, 20)
        .await
        .unwrap();
    assert_eq!(total, 0);
    // The next morning: still under, still unread: no second notice.
    reloj.poner(datetime!(2026-11-22 07:30 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert!(
        hechos.contains(&(
            TipoTrabajo::StockMinimo,
            "1 productos bajo su stock mínimo, 0 avisos nuevos".into()
        )),
        "{hechos:?}"
    );
    // Read: the morning after it is told again.
    assert_eq!(
        m.leer_notificaciones(e, almacenero.id, None).await.unwrap(),
        1
    );
    assert_eq!(
        m.leer_notificaciones(e, repartidor.id, Some(avisos[0].id))
            .await
            .unwrap_err()
            .codigo(),
        "no_encontrado"
    );
    reloj.poner(datetime!(2026-11-23 07:30 -5));
    ejecutar_todo(&m, e).await;
    let (_, total) = m
        .notificaciones(e, almacenero.id, Some(false), 1, 20)
        .await
        .unwrap();
    assert_eq!(total, 1);
    let (_, total) = m
        .notificaciones(e, almacenero.id, None, 1, 20)
        .await
        .unwrap();
    assert_eq!(total, 2);
    let (leidas, _) = m
        .notificaciones(e, almacenero.id, Some(true), 1, 20)
        .await
        .unwrap();
    assert_eq!(leidas.len(), 1);
    assert!(leidas[0].leida);
    // A plan without inventory: nobody is told about stock any more.
    m.leer_notificaciones(e, almacenero.id, None).await.unwrap();
    m.asignar_plan(
        e,
        erp_core::seguridad::Plan {
            modulos: Some([erp_core::seguridad::Modulo::Ventas].into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    reloj.poner(datetime!(2026-11-24 07:30 -5));
    let hechos = ejecutar_todo(&m, e).await;
    assert!(
        hechos.contains(&(
            TipoTrabajo::StockMinimo,
            "el plan de la empresa no incluye inventario".into()
        )),
        "{hechos:?}"
    );
    let (_, total) = m
        .notificaciones(e, almacenero.id, Some(false), 1, 20)
        .await
        .unwrap();
    assert_eq!(total, 0);
}

/// A run whose worker dies every time (a crash inside it): after MAX_INTENTOS claims it is left
/// `fallido`, said why, and the next regular run is scheduled; it is not claimed forever.
async fn un_trabajo_que_nunca_termina(store: AnyStore) {
    let _turno = TURNO.lock().await;
    let (m, reloj) = motor_en(store, datetime!(2026-11-21 07:00 -5));
    let e = empresa_pe(&m).await.id;
    let mut t = datetime!(2026-11-21 07:31 -5);
    let mut id = None;
    for _ in 0..=erp_core::trabajos::MAX_INTENTOS {
        reloj.poner(t);
        loop {
            let (empresa, r) = m
                .store()
                .reclamar_trabajo(t, LEASE)
                .await
                .unwrap()
                .expect("el trabajo de la empresa debía poder reclamarse");
            if empresa == e {
                id = Some(r.id);
                break;
            }
        }
        t += LEASE + Duration::seconds(1);
    }
    reloj.poner(t);
    let mut visto = false;
    while let Some((empresa, r)) = m.ejecutar_trabajo(LEASE).await.unwrap() {
        // Past 08:00 by now: the quotations warning, never claimed before, runs as usual.
        if empresa == e && r.tipo == TipoTrabajo::AvisarCotizaciones {
            assert_eq!(r.estado, EstadoTrabajo::Hecho, "{r:?}");
        } else if empresa == e {
            visto = true;
            assert_eq!(Some(r.id), id);
            assert_eq!(r.estado, EstadoTrabajo::Fallido, "{r:?}");
            assert!(r.ultimo_error.contains("sin terminar"), "{r:?}");
        }
    }
    assert!(visto, "el trabajo de la empresa no se volvió a tomar");
    let runs = m.trabajos(e, 10).await.unwrap();
    let siguiente = runs
        .iter()
        .find(|r| r.tipo == TipoTrabajo::StockMinimo && r.estado == EstadoTrabajo::Pendiente)
        .unwrap();
    assert_eq!(siguiente.programado, datetime!(2026-11-22 07:30 -5));
}

en_ambos!(
    cotizaciones_vencidas_a_las_23,
    un_trabajador_que_muere_no_pierde_nada,
    varios_trabajadores,
    avisos_de_stock_minimo,
    avisos_de_cotizaciones_por_vencer,
    un_trabajo_que_nunca_termina
);
