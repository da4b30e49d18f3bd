//! SaaS plan limits (seed 002), on both databases: a plan's active users and comprobantes per
//! month are counted inside the unit of work that adds one, so a refusal changes nothing and
//! concurrent requests cannot both take the last seat or the month's last comprobante.

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Arc;

use comun::*;
use erp_core::comprobantes::{NuevaSerie, TipoComprobante};
use erp_core::seguridad::Plan;
use erp_core::seguridad::servicio::{CambiosUsuario, NuevoUsuario};
use erp_core::ventas::servicio::{Anulacion, ItemPos, VentaPos};
use erp_store::AnyStore;
use time::macros::datetime;
use uuid::Uuid;

fn usuario(email: &str) -> NuevoUsuario {
    NuevoUsuario {
        email: email.into(),
        nombre: "Cajera".into(),
        apellido: String::new(),
        rol: "cajero".into(),
        clave_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    }
}

fn activo(a: bool) -> CambiosUsuario {
    CambiosUsuario {
        activo: Some(a),
        ..Default::default()
    }
}

async fn limite_de_usuarios(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    m.seed_permisos(e).await.unwrap();
    m.asignar_plan(
        e,
        Plan {
            nombre: "basico".into(),
            max_usuarios: Some(2),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ana = m.crear_usuario(e, None, usuario("ana@t.pe")).await.unwrap();
    m.crear_usuario(e, None, usuario("beto@t.pe"))
        .await
        .unwrap();
    let err = m
        .crear_usuario(e, None, usuario("carla@t.pe"))
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "limite_usuarios");
    assert!(err.mensaje().contains("2 usuarios"), "{}", err.mensaje());
    assert!(
        m.usuario_por_email(e, "carla@t.pe")
            .await
            .unwrap()
            .is_none()
    );

    // A deactivated user frees the seat; reactivating needs one again.
    m.actualizar_usuario(e, None, ana.id, activo(false))
        .await
        .unwrap();
    let carla = m
        .crear_usuario(e, None, usuario("carla@t.pe"))
        .await
        .unwrap();
    let err = m
        .actualizar_usuario(e, None, ana.id, activo(true))
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "limite_usuarios");
    assert!(!m.usuario(e, ana.id).await.unwrap().activo);
    // A deleted user frees it too.
    m.eliminar_usuario(e, None, carla.id).await.unwrap();
    m.actualizar_usuario(e, None, ana.id, activo(true))
        .await
        .unwrap();

    // Eight admins adding a user at once where one seat is left: exactly one gets it.
    m.asignar_plan(
        e,
        Plan {
            max_usuarios: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let m = Arc::new(m);
    let tareas: Vec<_> = (0..8)
        .map(|i| {
            let m = m.clone();
            tokio::spawn(async move {
                m.crear_usuario(e, None, usuario(&format!("u{i}@t.pe")))
                    .await
            })
        })
        .collect();
    let mut creados = 0;
    for t in tareas {
        match t.await.unwrap() {
            Ok(_) => creados += 1,
            Err(err) => assert_eq!(err.codigo(), "limite_usuarios", "{err}"),
        }
    }
    assert_eq!(creados, 1);
    // Without a plan there is no limit.
    m.asignar_plan(e, Plan::default()).await.unwrap();
    m.crear_usuario(e, None, usuario("libre@t.pe"))
        .await
        .unwrap();
}

fn una_chompa(serie: Option<&str>) -> VentaPos {
    VentaPos {
        items: vec![ItemPos {
            codigo: String::new(),
            cantidad: d("1"),
            series: vec![],
        }],
        serie: serie.map(str::to_string),
        tipo_comprobante: Some(TipoComprobante::Boleta),
        ..Default::default()
    }
}

async fn limite_de_comprobantes_por_mes(store: AnyStore) {
    // 23:00 in Lima on 30 November is already 1 December in UTC: the month is Lima's.
    let reloj = RelojMovil::en(datetime!(2026-11-30 23:00 -5));
    let m = erp_core::motor::Motor::new(store, reloj.clone(), Arc::new(erp_store::IdsV7));
    let e = empresa_pe(&m).await.id;
    let a = almacen_principal(&m, e, "Tienda").await;
    let p = producto(&m, e, "Chompa").await;
    m.registrar_movimiento(e, None, entrada(p.id, a.id, "50", "10"))
        .await
        .unwrap();
    m.asignar_plan(
        e,
        Plan {
            nombre: "micro".into(),
            max_transacciones_mes: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let vender = |serie: Option<&'static str>| {
        let mut v = una_chompa(serie);
        v.items[0].codigo = p.codigo.clone();
        v
    };
    let mut ventas = Vec::new();
    for _ in 0..3 {
        ventas.push(m.venta_pos(e, None, vender(None)).await.unwrap());
    }
    let err = m.venta_pos(e, None, vender(None)).await.unwrap_err();
    assert_eq!(err.codigo(), "limite_transacciones");
    assert!(err.mensaje().contains("2026-11"), "{}", err.mensaje());
    let stock = m.stock(e, Some(p.id), Some(a.id)).await.unwrap();
    assert_eq!(stock[0].cantidad, d("47"));
    // A credit note is a comprobante too: the annulment is refused and the sale stays.
    let err = m
        .anular_venta(
            e,
            None,
            ventas[0].venta.id,
            Anulacion {
                motivo: "error de digitación".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.codigo(), "limite_transacciones");
    let v = m.venta(e, ventas[0].venta.id).await.unwrap();
    assert_eq!(v.estado, ventas[0].venta.estado);

    // December in Lima: a new month; the refused sale took no number.
    reloj.poner(datetime!(2026-12-01 00:30 -5));
    let r = m.venta_pos(e, None, vender(None)).await.unwrap();
    assert_eq!(r.comprobante.numero, 4);

    // Six tills, each its own series and its own product (no stock row in common to make them
    // wait for each other), selling at once with two comprobantes of the month left: exactly
    // two sell.
    let mut codigos = Vec::new();
    for i in 1..=6 {
        let q = producto(&m, e, &format!("Gorro {i}")).await;
        m.registrar_movimiento(e, None, entrada(q.id, a.id, "5", "10"))
            .await
            .unwrap();
        codigos.push(q.codigo);
        m.crear_serie(
            e,
            None,
            NuevaSerie {
                tipo: TipoComprobante::Boleta,
                serie: format!("B10{i}"),
                documento_afectado: None,
            },
        )
        .await
        .unwrap();
    }
    let m = Arc::new(m);
    let series = ["B101", "B102", "B103", "B104", "B105", "B106"];
    let tareas: Vec<_> = series
        .into_iter()
        .zip(codigos)
        .map(|(s, codigo)| {
            let mut v = una_chompa(Some(s));
            v.items[0].codigo = codigo;
            let m = m.clone();
            tokio::spawn(async move { m.venta_pos(e, None, v).await })
        })
        .collect();
    let mut vendidas = 0;
    for t in tareas {
        match t.await.unwrap() {
            Ok(_) => vendidas += 1,
            Err(err) => assert_eq!(err.codigo(), "limite_transacciones", "{err}"),
        }
    }
    assert_eq!(vendidas, 2);
    let (_, emitidas) = m
        .ventas(
            e,
            &erp_core::ventas::FiltroVentas {
                pagina: 1,
                tamanio_pagina: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(emitidas, 6);
}

/// The one-read credential: the session must be the user's, and a missing role or user is
/// `None`, whatever the company.
async fn credencial_en_una_lectura(store: AnyStore) {
    let m = motor(store);
    let e = empresa_pe(&m).await.id;
    let otra = empresa_pe(&m).await.id;
    m.seed_permisos(e).await.unwrap();
    m.asignar_plan(
        e,
        Plan {
            modulos: Some([erp_core::seguridad::Modulo::Ventas].into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let u = m.crear_usuario(e, None, usuario("ana@t.pe")).await.unwrap();
    let s = m
        .registrar_login(
            e,
            u.id,
            true,
            time::Duration::hours(1),
            ("127.0.0.1", "test"),
        )
        .await
        .unwrap()
        .unwrap();
    let c = m.acceso(e, u.id, Some(s.id)).await.unwrap();
    assert_eq!(c.rol.codigo, "cajero");
    assert!(c.plan.habilita("ventas.pos"));
    assert!(!c.plan.habilita("inventario.ver"));
    assert_eq!(c.sesion.unwrap().id, s.id);
    assert!(m.acceso(e, u.id, None).await.is_ok());
    // Another session id, the user in another company, an unknown user: refused.
    assert_eq!(
        m.acceso(e, u.id, Some(Uuid::now_v7()))
            .await
            .unwrap_err()
            .codigo(),
        "auth_failed"
    );
    assert_eq!(
        m.acceso(otra, u.id, Some(s.id)).await.unwrap_err().codigo(),
        "auth_failed"
    );
    assert_eq!(
        m.acceso(e, Uuid::now_v7(), None)
            .await
            .unwrap_err()
            .codigo(),
        "auth_failed"
    );
    // Another user's live session of the same company does not stand for this user.
    let beto = m
        .crear_usuario(e, None, usuario("beto@t.pe"))
        .await
        .unwrap();
    let sb = m
        .registrar_login(
            e,
            beto.id,
            true,
            time::Duration::hours(1),
            ("127.0.0.1", "test"),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(m.acceso(e, beto.id, Some(sb.id)).await.is_ok());
    assert_eq!(
        m.acceso(e, u.id, Some(sb.id)).await.unwrap_err().codigo(),
        "auth_failed"
    );
    m.cerrar_sesion(e, u.id, s.id, "127.0.0.1").await.unwrap();
    assert_eq!(
        m.acceso(e, u.id, Some(s.id)).await.unwrap_err().codigo(),
        "auth_failed"
    );
}

en_ambos!(
    limite_de_usuarios,
    limite_de_comprobantes_por_mes,
    credencial_en_una_lectura
);
