//! Annulment by comunicación de baja through the engine's outbox, on both databases, with a
//! scripted gateway (an `Emisor` in the test): a credit sale with lot, serial and service lines
//! voided by SUNAT comes back whole (stock into its lots, serials available, instalments
//! cancelled); a baja refused before it reached SUNAT lets a note be issued and is then not
//! resent over it; one that may have reached SUNAT blocks notes until it is resolved; and a baja
//! SUNAT accepts whose sale cannot be annulled is still recorded.
//!
//! One test per database, each of its own (the outbox claims the due comprobantes of every
//! company in it, and other suites leave theirs in the shared PostgreSQL); the scenarios run one
//! after another on one company.

#![allow(clippy::unwrap_used)]

mod comun;

use std::collections::VecDeque;
use std::sync::Mutex;

use comun::*;
use erp_core::Error;
use erp_core::comprobantes::{Comprobante, EstadoComprobante};
use erp_core::empresa::AjustesEmpresa;
use erp_core::facturacion::envio::{
    Destino, Emisor, Envio, EstadoBaja, PoliticaEnvio, Respuesta, Solicitud,
};
use erp_core::facturacion::nubefact::{RespuestaNubefact, Resultado};
use erp_core::inventario::servicio::CambiosProducto;
use erp_core::inventario::{EstadoSerie, FiltroMovimientos, TipoMovimiento};
use erp_core::ventas::servicio::{Anulacion, VentaPos};
use erp_core::ventas::{CondicionPago, EstadoVenta, NuevaVenta};
use erp_store::AnyStore;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    bajas(comun::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    if let Some(s) = comun::postgres_propia().await {
        bajas(s).await;
    }
}

/// Answers each operation from its own queue, and records what it was asked.
#[derive(Default)]
struct Guion {
    empresa: Mutex<Option<Uuid>>,
    respuestas: Mutex<Vec<(&'static str, VecDeque<Resultado>)>>,
    pedidos: Mutex<Vec<String>>,
}

impl Guion {
    fn responder(&self, operacion: &'static str, r: Resultado) {
        let mut rs = self.respuestas.lock().unwrap();
        match rs.iter_mut().find(|(o, _)| *o == operacion) {
            Some((_, q)) => q.push_back(r),
            None => rs.push((operacion, VecDeque::from([r]))),
        }
    }

    fn pedidos(&self) -> Vec<String> {
        std::mem::take(&mut *self.pedidos.lock().unwrap())
    }
}

impl Emisor for Guion {
    fn enviar<'a>(&'a self, destino: &'a Destino, s: &'a Solicitud) -> Envio<'a> {
        Box::pin(async move {
            // Another company's comprobante in the shared database would be a test leaking.
            assert_eq!(Some(destino.empresa_id), *self.empresa.lock().unwrap());
            self.pedidos.lock().unwrap().push(s.operacion.to_string());
            let r = self
                .respuestas
                .lock()
                .unwrap()
                .iter_mut()
                .find(|(o, _)| *o == s.operacion)
                .and_then(|(_, q)| q.pop_front())
                .unwrap_or_else(|| panic!("sin respuesta preparada para {}", s.operacion));
            Respuesta {
                resultado: r,
                estado_http: Some(200),
                cuerpo: "{}".into(),
            }
        })
    }
}

fn aceptado() -> Resultado {
    Resultado::Aceptado(RespuestaNubefact {
        aceptada_por_sunat: Some(true),
        sunat_responsecode: Some("0".into()),
        ..Default::default()
    })
}

fn ticket() -> Resultado {
    Resultado::EnProceso(RespuestaNubefact {
        aceptada_por_sunat: Some(false),
        sunat_ticket_numero: Some("1570000000042".into()),
        ..Default::default()
    })
}

const POLITICA: PoliticaEnvio = PoliticaEnvio {
    intervalo: time::Duration::ZERO,
    max_intentos: 2,
    plazo: time::Duration::minutes(1),
};

/// Runs the outbox until nothing is due.
async fn enviar_todo(m: &M, g: &Guion) {
    for _ in 0..20 {
        if m.enviar_siguiente(g, &POLITICA).await.unwrap().is_none() {
            return;
        }
    }
    panic!("el outbox no se vació");
}

async fn comprobante(m: &M, e: Uuid, id: Uuid) -> Comprobante {
    m.comprobante(e, id).await.unwrap()
}

async fn bajas(store: AnyStore) {
    let m = motor(store);
    let g = Guion::default();
    let e = empresa_pe_con(
        &m,
        AjustesEmpresa {
            nubefact_ruta: Some("https://api.nubefact.com/api/v1/prueba".into()),
            nubefact_token: Some("token".into()),
            ..Default::default()
        },
    )
    .await
    .id;
    *g.empresa.lock().unwrap() = Some(e);
    let almacen = almacen_principal(&m, e, "Tienda").await.id;
    let mut n = nuevo_producto("Pintura látex 1 gl", "45.00", "30");
    n.requiere_lote = true;
    let pintura = m.crear_producto(e, None, n).await.unwrap();
    let (pintura, codigo_pintura) = (pintura.id, pintura.codigo);
    let mut x = entrada(pintura, almacen, "10", "30");
    x.lote = Some("L-2026-11".into());
    m.registrar_movimiento(e, None, x).await.unwrap();
    let mut n = nuevo_producto("Taladro percutor", "320.00", "200");
    n.requiere_serie = true;
    let taladro = m.crear_producto(e, None, n).await.unwrap().id;
    let mut x = entrada(taladro, almacen, "2", "200");
    x.series = vec!["TP-0001".into(), "TP-0002".into()];
    m.registrar_movimiento(e, None, x).await.unwrap();
    let mut n = nuevo_producto("Instalación", "50.00", "0");
    n.es_servicio = true;
    let instalacion = m.crear_producto(e, None, n).await.unwrap().id;
    let cliente = m
        .crear_cliente(
            e,
            None,
            erp_core::terceros::NuevoCliente {
                dias_credito: Some(30),
                ..sunat(Some("5000"))
            },
        )
        .await
        .unwrap()
        .id;
    let stock = |p: Uuid| {
        let m = &m;
        async move { m.stock(e, Some(p), None).await.unwrap()[0].cantidad }
    };

    // 1. A credit factura with a lot line, a serial line and a service, voided by SUNAT.
    let mut serie = linea(taladro, "1");
    serie.series = vec!["TP-0001".into()];
    let r = m
        .vender(
            e,
            None,
            NuevaVenta {
                cliente_id: Some(cliente),
                lineas: vec![linea(pintura, "3"), serie, linea(instalacion, "1")],
                condicion: CondicionPago::Credito,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (stock(pintura).await, stock(taladro).await),
        (d("7"), d("1"))
    );
    g.responder("generar_comprobante", aceptado());
    enviar_todo(&m, &g).await;
    let f = r.comprobante.id;
    assert_eq!(
        comprobante(&m, e, f).await.estado,
        EstadoComprobante::Aceptado
    );
    m.anular_comprobante(e, None, f, "error en el RUC del cliente")
        .await
        .unwrap();
    // SUNAT takes its time with the ticket: consulted again, without spending attempts.
    // (More consults than max_intentos + 2 claims: counted, they would abandon the baja.)
    g.responder("generar_anulacion", ticket());
    for _ in 0..5 {
        g.responder("consultar_anulacion", ticket());
    }
    g.responder("consultar_anulacion", aceptado());
    g.pedidos();
    enviar_todo(&m, &g).await;
    let pedidos = g.pedidos();
    assert_eq!(pedidos.len(), 7, "{pedidos:?}");
    assert_eq!(pedidos[0], "generar_anulacion");
    assert!(
        pedidos[1..].iter().all(|p| p == "consultar_anulacion"),
        "{pedidos:?}"
    );
    let c = comprobante(&m, e, f).await;
    assert_eq!(c.estado, EstadoComprobante::Anulado);
    let b = c.envio.baja.unwrap();
    assert_eq!(
        (b.estado, b.ticket.as_str()),
        (EstadoBaja::Aceptada, "1570000000042")
    );
    let v = m.venta(e, r.venta.id).await.unwrap();
    assert_eq!(v.estado, EstadoVenta::Anulada);
    assert!(
        !v.cuotas.is_empty() && v.cuotas.iter().all(|q| q.saldo.is_zero()),
        "{v:?}"
    );
    assert_eq!(
        (stock(pintura).await, stock(taladro).await),
        (d("10"), d("2"))
    );
    let series = m.series(e, taladro).await.unwrap();
    assert!(
        series.iter().all(|s| s.estado == EstadoSerie::Disponible),
        "{series:?}"
    );
    // Back into the lot it came from, at its cost, the ledger naming the sale.
    let vuelta: Vec<_> = m
        .movimientos(
            e,
            &FiltroMovimientos {
                producto_id: Some(pintura),
                tipo: Some(TipoMovimiento::DevolucionEntrada),
                limite: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(vuelta.len(), 1);
    assert_eq!(vuelta[0].referencia_id, Some(r.venta.id));
    assert_eq!(
        (vuelta[0].cantidad, vuelta[0].costo_unitario),
        (d("3"), d("30"))
    );
    assert!(vuelta[0].lote_id.is_some());
    assert_eq!(
        m.stock(e, Some(instalacion), None).await.unwrap().len(),
        0,
        "a service has no stock"
    );

    // 2. A baja Nubefact refuses before SUNAT has it: the sale may take a note, and the baja is
    //    then not resent over it.
    let pos = |cantidad: &str| {
        let m = &m;
        let cantidad = cantidad.to_string();
        let codigo_pintura = codigo_pintura.clone();
        async move {
            m.venta_pos(
                e,
                None,
                VentaPos {
                    items: vec![erp_core::ventas::servicio::ItemPos {
                        codigo: codigo_pintura.clone(),
                        cantidad: d(&cantidad),
                        series: vec![],
                    }],
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let r = pos("1").await;
    g.responder("generar_comprobante", aceptado());
    enviar_todo(&m, &g).await;
    let b2 = r.comprobante.id;
    m.anular_comprobante(e, None, b2, "duplicada")
        .await
        .unwrap();
    g.responder(
        "generar_anulacion",
        Resultado::Permanente {
            codigo: 21,
            mensaje: "no se pudo completar la operación".into(),
        },
    );
    enviar_todo(&m, &g).await;
    let c = comprobante(&m, e, b2).await;
    assert_eq!(c.estado, EstadoComprobante::Aceptado);
    assert_eq!(c.envio.baja.as_ref().unwrap().estado, EstadoBaja::Error);
    assert!(!c.envio.incierto);
    let nota = m
        .anular_venta(
            e,
            None,
            r.venta.id,
            Anulacion {
                motivo: "cliente desiste".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let err = m.reenviar_comprobante(e, None, b2).await.unwrap_err();
    assert!(err.to_string().contains(&nota.numero_completo()), "{err}");
    g.responder("generar_comprobante", aceptado());
    enviar_todo(&m, &g).await;

    // 3. A baja whose answer was never seen, attempts exhausted: it may be at SUNAT, so the sale
    //    takes no note; a person's resend consults first and SUNAT's acceptance voids it.
    let r = pos("1").await;
    g.responder("generar_comprobante", aceptado());
    enviar_todo(&m, &g).await;
    let b3 = r.comprobante.id;
    m.anular_comprobante(e, None, b3, "duplicada")
        .await
        .unwrap();
    g.responder(
        "generar_anulacion",
        Resultado::Transitorio("HTTP 502".into()),
    );
    g.responder(
        "consultar_anulacion",
        Resultado::Transitorio("HTTP 502".into()),
    );
    g.pedidos();
    enviar_todo(&m, &g).await;
    assert_eq!(g.pedidos(), ["generar_anulacion", "consultar_anulacion"]);
    let c = comprobante(&m, e, b3).await;
    assert_eq!(c.envio.baja.as_ref().unwrap().estado, EstadoBaja::Error);
    assert!(c.envio.incierto);
    let err = m
        .anular_venta(
            e,
            None,
            r.venta.id,
            Anulacion {
                motivo: "cliente desiste".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflicto { .. }), "{err}");
    let err = m.anular_comprobante(e, None, b3, "otra").await.unwrap_err();
    assert!(err.to_string().contains("reenvíela"), "{err}");
    m.reenviar_comprobante(e, None, b3).await.unwrap();
    g.responder("consultar_anulacion", aceptado());
    enviar_todo(&m, &g).await;
    assert_eq!(
        g.pedidos(),
        ["consultar_anulacion"],
        "consulted, not asked again"
    );
    assert_eq!(
        comprobante(&m, e, b3).await.estado,
        EstadoComprobante::Anulado
    );
    assert_eq!(
        m.venta(e, r.venta.id).await.unwrap().estado,
        EstadoVenta::Anulada
    );

    // 4. SUNAT voids a comprobante whose sale cannot be annulled here (its product now asks for
    //    a lot the sale never recorded): the baja is recorded all the same, and says so.
    let cemento = m
        .crear_producto(e, None, nuevo_producto("Cemento 42.5 kg", "32.00", "25"))
        .await
        .unwrap()
        .id;
    m.registrar_movimiento(e, None, entrada(cemento, almacen, "2", "25"))
        .await
        .unwrap();
    let r = m
        .vender(
            e,
            None,
            NuevaVenta {
                lineas: vec![linea(cemento, "2")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    g.responder("generar_comprobante", aceptado());
    enviar_todo(&m, &g).await;
    m.actualizar_producto(
        e,
        None,
        cemento,
        CambiosProducto {
            requiere_lote: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    m.anular_comprobante(e, None, r.comprobante.id, "duplicada")
        .await
        .unwrap();
    g.responder("generar_anulacion", aceptado());
    enviar_todo(&m, &g).await;
    let c = comprobante(&m, e, r.comprobante.id).await;
    assert_eq!(
        c.estado,
        EstadoComprobante::Anulado,
        "SUNAT's answer is kept"
    );
    assert!(
        c.envio.ultimo_error.contains("la venta no se pudo anular"),
        "{}",
        c.envio.ultimo_error
    );
    assert_eq!(
        m.venta(e, r.venta.id).await.unwrap().estado,
        EstadoVenta::Completada
    );
    let logs = m
        .logs_envio(e, Some(r.comprobante.id), 1, 10)
        .await
        .unwrap()
        .0;
    assert_eq!(logs.len(), 2, "the emission and the baja are in the log");
}
