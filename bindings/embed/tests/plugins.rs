//! The host's plug-ins through `erp-embed`, as every binding uses them: the events a committed
//! operation answers (none for one that failed), and a host sender that receives the payload of a
//! sale, then one that fails (the sale stays, the comprobante waits for its retry, the failure is
//! in the send log).

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Mutex;

use comun::Dir;
use erp_embed::{EmisorHost, Engine, EnvioHost, Salida, bloquear};
use serde_json::{Value, json};

fn valor(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

fn eventos(s: &Salida) -> Vec<Value> {
    valor(&s.eventos_json().unwrap())
        .as_array()
        .unwrap()
        .clone()
}

fn nombres(s: &Salida) -> Vec<String> {
    eventos(s)
        .iter()
        .map(|e| e["evento"].as_str().unwrap().to_string())
        .collect()
}

/// A shop in Peru with Nubefact configured, a product with 10 in stock.
async fn tienda(e: &Engine) -> (Value, Value) {
    let ej = |op: &'static str, a: Value| async move {
        valor(&e.ejecutar(op, &a.to_string()).await.unwrap().resultado)
    };
    ej(
        "crear_empresa",
        json!({
            "pais": "PE", "identificacion": "20600695771", "razon_social": "Ferretería S.A.C.",
            "ajustes": {"nubefact_ruta": "https://api.nubefact.com/api/v1/abc", "nubefact_token": "t0k3n"}
        }),
    )
    .await;
    let almacen = ej(
        "crear_almacen",
        json!({"nombre": "Tienda", "es_principal": true}),
    )
    .await;
    let producto = ej(
        "crear_producto",
        json!({"nombre": "Martillo", "precio_venta": "35.00", "precio_incluye_impuesto": true}),
    )
    .await;
    let s = e
        .ejecutar(
            "registrar_movimiento",
            &json!({"tipo": "entrada", "producto_id": producto["id"], "almacen_id": almacen["id"],
                    "cantidad": "10", "costo_unitario": "20.00"})
            .to_string(),
        )
        .await
        .unwrap();
    assert_eq!(nombres(&s), ["movimiento_stock"]);
    assert_eq!(eventos(&s)[0]["cantidad"], "10");
    (almacen, producto)
}

async fn vender(e: &Engine, producto: &Value) -> (Salida, Value) {
    let s = e
        .ejecutar(
            "venta_pos",
            &json!({"items": [{"codigo": producto["codigo"], "cantidad": "2"}],
                    "pagos": [{"metodo": "efectivo", "monto": "100.00"}]})
            .to_string(),
        )
        .await
        .unwrap();
    let v = valor(&s.resultado);
    (s, v)
}

/// Answers every request as Nubefact accepting it, and keeps what it received.
#[derive(Default)]
struct Acepta(Mutex<Vec<Value>>);

impl EmisorHost for Acepta {
    fn enviar(&self, solicitud: String) -> EnvioHost<'_> {
        self.0.lock().unwrap().push(valor(&solicitud));
        let r = json!({"aceptada_por_sunat": true, "sunat_responsecode": "0",
                       "sunat_description": "La Boleta ha sido aceptada", "codigo_hash": "abc="});
        Box::pin(async move { Ok(r.to_string()) })
    }
}

struct Falla;

impl EmisorHost for Falla {
    fn enviar(&self, _: String) -> EnvioHost<'_> {
        Box::pin(async { Err("ConnectionError: el proveedor no responde".into()) })
    }
}

#[test]
fn una_venta_emite_sus_eventos_y_un_error_ninguno() {
    let dir = Dir::new();
    let url = dir.0.join("erp.db");
    bloquear(async {
        let e = Engine::abrir(url.to_str().unwrap(), None).await?;
        let (almacen, producto) = tienda(&e).await;
        let (s, v) = vender(&e, &producto).await;
        let ev = eventos(&s);
        let mut n = nombres(&s);
        n.sort();
        assert_eq!(
            n,
            [
                "comprobante_emitido",
                "movimiento_stock",
                "venta_registrada"
            ]
        );
        let venta = ev
            .iter()
            .find(|x| x["evento"] == "venta_registrada")
            .unwrap();
        assert_eq!(venta["venta_id"], v["venta"]["id"]);
        assert_eq!(venta["total"], "70.00");
        let mov = ev
            .iter()
            .find(|x| x["evento"] == "movimiento_stock")
            .unwrap();
        assert_eq!(
            (&mov["tipo"], &mov["cantidad"], &mov["almacen_id"]),
            (&json!("salida"), &json!("2"), &almacen["id"])
        );
        let c = ev
            .iter()
            .find(|x| x["evento"] == "comprobante_emitido")
            .unwrap();
        assert_eq!(
            (&c["serie"], &c["numero"], &c["por_enviar"]),
            (&json!("B001"), &json!(1), &json!(true))
        );
        // A read writes nothing and tells nothing; a refused sale neither.
        assert!(e.ejecutar("almacenes", "{}").await?.eventos.is_empty());
        let err = e
            .ejecutar(
                "venta_pos",
                &json!({"items": [{"codigo": producto["codigo"], "cantidad": "15"}],
                        "pagos": [{"metodo": "efectivo", "monto": "600"}]})
                .to_string(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.codigo, "stock_insuficiente", "{err}");
        // The annulment: its note, the stock back, the sale annulled.
        let s = e
            .ejecutar(
                "anular_venta",
                &json!({"venta_id": v["venta"]["id"], "datos": {"motivo": "Error de caja"}})
                    .to_string(),
            )
            .await?;
        let mut n = nombres(&s);
        n.sort();
        assert_eq!(
            n,
            ["comprobante_emitido", "movimiento_stock", "venta_anulada"]
        );
        Ok::<_, erp_embed::Error>(())
    })
    .unwrap();
}

#[test]
fn el_emisor_de_la_aplicacion_recibe_la_carga_de_la_venta() {
    let dir = Dir::new();
    let url = dir.0.join("erp.db");
    bloquear(async {
        let e = Engine::abrir(url.to_str().unwrap(), None).await?;
        let (_, producto) = tienda(&e).await;
        let (_, v) = vender(&e, &producto).await;
        let id = v["comprobante"]["id"].clone();
        let carga = valor(
            &e.ejecutar("solicitud_nubefact", &json!({"id": id}).to_string())
                .await?
                .resultado,
        );
        let emisor = Acepta::default();
        let s = e.enviar_pendientes(&emisor, 100).await?;
        let recibidas = emisor.0.lock().unwrap().clone();
        assert_eq!(recibidas.len(), 1);
        let r = &recibidas[0];
        assert_eq!(r["operacion"], "generar_comprobante");
        assert_eq!(r["comprobante_id"], id);
        assert_eq!(r["numero"], "B001-00000001");
        assert_eq!(r["cuerpo"], carga, "the payload solicitud_nubefact shows");
        assert_eq!(r["cuerpo"]["total"], "70.00");
        assert_eq!(
            r["destino"],
            json!({"ruc": "20600695771", "ruta": "https://api.nubefact.com/api/v1/abc", "token": "t0k3n"})
        );
        let informe = valor(&s.resultado);
        assert_eq!(informe[0]["estado"], "aceptado");
        assert_eq!(informe[0]["error"], Value::Null);
        assert_eq!(
            eventos(&s),
            [json!({"evento": "comprobante_estado", "comprobante_id": id, "estado": "aceptado"})]
        );
        let c = valor(
            &e.ejecutar("comprobante", &json!({"id": id}).to_string())
                .await?
                .resultado,
        );
        assert_eq!(c["estado"], "aceptado");
        // Nothing more is due.
        assert_eq!(e.enviar_pendientes(&emisor, 100).await?.resultado, "[]");
        Ok::<_, erp_embed::Error>(())
    })
    .unwrap();
}

#[test]
fn un_emisor_que_falla_deja_la_venta_y_el_comprobante_pendiente() {
    let dir = Dir::new();
    let url = dir.0.join("erp.db");
    bloquear(async {
        let e = Engine::abrir(url.to_str().unwrap(), None).await?;
        let (_, producto) = tienda(&e).await;
        let (_, v) = vender(&e, &producto).await;
        let id = v["comprobante"]["id"].clone();
        let s = e.enviar_pendientes(&Falla, 100).await?;
        let informe = valor(&s.resultado);
        assert_eq!(
            informe.as_array().unwrap().len(),
            1,
            "tried once, then later"
        );
        // The contract's `error`: failed, to be retried (`error_permanente` when attempts run out).
        assert_eq!(informe[0]["estado"], "error");
        assert_eq!(informe[0]["intentos"], 1);
        let error = informe[0]["error"].as_str().unwrap();
        assert!(error.contains("el proveedor no responde"), "{error}");
        assert!(informe[0]["reintento"].is_string());
        assert_eq!(
            eventos(&s),
            [json!({"evento": "comprobante_estado", "comprobante_id": id, "estado": "error"})]
        );
        let venta = valor(
            &e.ejecutar("venta", &json!({"id": v["venta"]["id"]}).to_string())
                .await?
                .resultado,
        );
        assert_eq!(venta["estado"], "completada");
        let logs = valor(
            &e.ejecutar("logs_envio", &json!({"id": id}).to_string())
                .await?
                .resultado,
        );
        assert_eq!(logs.as_array().unwrap().len(), 1);
        assert_eq!(logs[0]["resultado"], "error_transitorio");
        let m = logs[0]["mensaje"].as_str().unwrap();
        assert!(
            m.contains("ConnectionError: el proveedor no responde"),
            "{m}"
        );
        // Not due again until its retry: the next round sends nothing.
        assert_eq!(e.enviar_pendientes(&Falla, 100).await?.resultado, "[]");
        Ok::<_, erp_embed::Error>(())
    })
    .unwrap();
}

/// An emisor that calls the engine back gets a clear error, not a deadlock or a panic.
#[test]
fn un_emisor_no_puede_llamar_al_motor_mientras_envia() {
    struct Vuelve(String);
    impl EmisorHost for Vuelve {
        fn enviar(&self, _: String) -> EnvioHost<'_> {
            // A blocking host's call, made where the engine calls the emisor.
            let r = bloquear(async {
                let e = Engine::abrir(&self.0, None).await?;
                e.ejecutar("empresa", "{}").await
            });
            Box::pin(async move { Err(r.unwrap_err().mensaje) })
        }
    }
    let dir = Dir::new();
    let url = dir.0.join("erp.db");
    let url = url.to_str().unwrap().to_string();
    let s = bloquear(async {
        let e = Engine::abrir(&url, None).await?;
        let (_, producto) = tienda(&e).await;
        vender(&e, &producto).await;
        e.enviar_pendientes(&Vuelve(url.clone()), 100).await
    })
    .unwrap();
    let informe = valor(&s.resultado);
    let error = informe[0]["error"].as_str().unwrap();
    assert!(
        error.contains("no se puede llamar desde un emisor"),
        "{error}"
    );
}

/// The engine's own hook (what a Rust host hands `Motor::con_observador`), recording.
#[derive(Default)]
struct Grabadora(Mutex<Vec<erp_core::Evento>>);

impl erp_core::Observador for Grabadora {
    fn notificar(&self, _: uuid::Uuid, eventos: &[erp_core::Evento]) {
        self.0.lock().unwrap().extend_from_slice(eventos);
    }
}

fn j<T: serde::de::DeserializeOwned>(v: Value) -> T {
    erp_core::entrada::desde_json(&v.to_string()).unwrap()
}

type MotorAny = erp_core::Motor<erp_store::AnyStore>;

async fn motor(url: &str) -> MotorAny {
    let store = erp_store::AnyStore::abrir(url).await.unwrap();
    erp_core::Motor::new(
        store,
        std::sync::Arc::new(erp_store::RelojSistema),
        std::sync::Arc::new(erp_store::IdsV7),
    )
}

/// A Peruvian company sending through Nubefact, with a warehouse and `productos` products at
/// 35.00 with IGV, each with `stock` units.
async fn empresa(m: &MotorAny, ruc: &str, stock: &[&str]) -> (uuid::Uuid, Vec<String>) {
    let e = m
        .crear_empresa(j(json!({
            "pais": "PE", "identificacion": ruc, "razon_social": format!("Empresa {ruc}"),
            "ajustes": {"nubefact_ruta": "https://api.nubefact.com/api/v1/abc", "nubefact_token": ruc}
        })))
        .await
        .unwrap()
        .id;
    let a = m
        .crear_almacen(
            e,
            None,
            j(json!({"nombre": "Tienda", "es_principal": true})),
        )
        .await
        .unwrap()
        .id;
    let mut codigos = Vec::new();
    for (i, cantidad) in stock.iter().enumerate() {
        let p = m
            .crear_producto(
                e,
                None,
                j(
                    json!({"nombre": format!("Producto {i}"), "precio_venta": "35.00",
                         "precio_incluye_impuesto": true}),
                ),
            )
            .await
            .unwrap();
        if *cantidad != "0" {
            m.registrar_movimiento(
                e,
                None,
                j(
                    json!({"tipo": "entrada", "producto_id": p.id, "almacen_id": a,
                         "cantidad": cantidad, "costo_unitario": "20"}),
                ),
            )
            .await
            .unwrap();
        }
        codigos.push(p.codigo);
    }
    (e, codigos)
}

/// A sale whose first line takes its stock (its ledger row written, its event collected) and
/// whose second line has none: rolled back, so the hook hears nothing of it.
#[test]
fn una_venta_que_falla_despues_de_mover_stock_no_se_avisa() {
    let dir = Dir::new();
    let url = dir.0.join("erp.db");
    bloquear(async {
        let grabadora = std::sync::Arc::new(Grabadora::default());
        let m = motor(url.to_str().unwrap())
            .await
            .con_observador(grabadora.clone());
        let (e, codigos) = empresa(&m, "20600695771", &["10", "0"]).await;
        assert_eq!(grabadora.0.lock().unwrap().len(), 1, "the stock entry");
        grabadora.0.lock().unwrap().clear();
        let err = m
            .venta_pos(
                e,
                None,
                j(json!({"items": [{"codigo": codigos[0], "cantidad": "1"},
                                   {"codigo": codigos[1], "cantidad": "1"}]})),
            )
            .await
            .unwrap_err();
        assert_eq!(err.codigo(), "stock_insuficiente");
        assert!(grabadora.0.lock().unwrap().is_empty());
        m.venta_pos(
            e,
            None,
            j(json!({"items": [{"codigo": codigos[0], "cantidad": "1"}]})),
        )
        .await
        .unwrap();
        assert_eq!(grabadora.0.lock().unwrap().len(), 3);
        Ok::<_, erp_embed::Error>(())
    })
    .unwrap();
}

/// An engine bound to its company sends its own comprobantes, never another company's of the
/// same database (whose Nubefact token the host would otherwise receive).
#[test]
fn el_emisor_solo_recibe_los_comprobantes_de_su_empresa() {
    let dir = Dir::new();
    let url = dir.0.join("erp.db");
    let url = url.to_str().unwrap();
    bloquear(async {
        let m = motor(url).await;
        let (a, codigos_a) = empresa(&m, "20600695771", &["10"]).await;
        let (b, codigos_b) = empresa(&m, "20100070970", &["10"]).await;
        for (e, c) in [(b, &codigos_b), (a, &codigos_a)] {
            m.venta_pos(
                e,
                None,
                j(json!({"items": [{"codigo": c[0], "cantidad": "1"}]})),
            )
            .await
            .unwrap();
        }
        let engine = Engine::abrir(url, Some(&a.to_string())).await?;
        let emisor = Acepta::default();
        let informe = valor(&engine.enviar_pendientes(&emisor, 100).await?.resultado);
        assert_eq!(informe.as_array().unwrap().len(), 1);
        let recibidas = emisor.0.lock().unwrap().clone();
        assert_eq!(recibidas.len(), 1);
        assert_eq!(recibidas[0]["destino"]["ruc"], "20600695771");
        // B's is still due, for B's engine.
        let engine_b = Engine::abrir(url, Some(&b.to_string())).await?;
        let informe = valor(&engine_b.enviar_pendientes(&emisor, 100).await?.resultado);
        assert_eq!(informe[0]["estado"], "aceptado");
        assert_eq!(emisor.0.lock().unwrap()[1]["destino"]["ruc"], "20100070970");
        Ok::<_, erp_embed::Error>(())
    })
    .unwrap();
}

/// An answer that is not Nubefact's is a failed attempt, not "received, in process".
#[test]
fn una_respuesta_que_no_es_de_nubefact_es_un_intento_fallido() {
    struct Responde(&'static str);
    impl EmisorHost for Responde {
        fn enviar(&self, _: String) -> EnvioHost<'_> {
            Box::pin(async { Ok(self.0.to_string()) })
        }
    }
    for respuesta in [
        r#"{}"#,
        r#"{"ok": true}"#,
        r#"{"errors": "x"}"#,
        "[1]",
        "no json",
    ] {
        let dir = Dir::new();
        let url = dir.0.join("erp.db");
        bloquear(async {
            let e = Engine::abrir(url.to_str().unwrap(), None).await?;
            let (_, producto) = tienda(&e).await;
            vender(&e, &producto).await;
            let informe = valor(
                &e.enviar_pendientes(&Responde(respuesta), 100)
                    .await?
                    .resultado,
            );
            assert_eq!(informe[0]["estado"], "error", "{respuesta}");
            let error = informe[0]["error"].as_str().unwrap();
            assert!(error.contains("no es una respuesta de Nubefact"), "{error}");
            Ok::<_, erp_embed::Error>(())
        })
        .unwrap();
    }
}
