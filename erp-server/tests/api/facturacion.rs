//! Electronic invoicing end to end: sales through the API, the outbox's worker sending them with
//! the real HTTP client to the Nubefact stand-in (`nubefact_prueba`), which checks every request.
//! Each test has a database of its own (a SQLite file, or a PostgreSQL database), because the
//! worker claims the due comprobantes of every company in it.

use std::sync::Arc;
use std::time::Duration;

use erp_core::facturacion::envio::PoliticaEnvio;
use erp_server::servidor::envios::Despachador;
use erp_server::servidor::nubefact::NubefactHttp;
use serde_json::{Value, json};

use crate::nubefact_prueba::{Modo, NubefactPrueba, TOKEN};
use crate::{Api, empresa, producto_con_stock, stock};

/// The client's timeout in these tests: the stand-in's late answers come after it.
const ESPERA: Duration = Duration::from_secs(2);

en_ambos!(
    @propia
    venta_pos_aceptada,
    factura_y_nota_en_orden,
    nubefact_caido_y_luego_de_vuelta,
    sin_respuesta_no_emite_dos_veces,
    ya_existe_se_consulta,
    fallas_hasta_error_permanente_y_reenvio,
    baja_de_factura_anula_la_venta,
    baja_rechazada_deja_la_factura,
    cargas_de_flujos_reales,
);

fn politica(max_intentos: i32) -> PoliticaEnvio {
    PoliticaEnvio {
        intervalo: time::Duration::milliseconds(300),
        max_intentos,
        plazo: time::Duration::seconds(10),
    }
}

fn despachar(api: &Api, p: PoliticaEnvio) -> Despachador {
    Despachador::lanzar(
        api.estado.clone(),
        Arc::new(NubefactHttp::new(ESPERA).unwrap()),
        p,
        Duration::from_millis(50),
        2,
    )
}

/// A company sending to `ruta`, its admin's token, and a product's code and id (100 in stock).
async fn tienda(api: &Api, ruta: &str) -> (String, String, String) {
    let (_, email, clave) = empresa(api).await;
    let t = api.entrar(&email, &clave).await;
    let (st, v) = api
        .pedir(
            "PATCH",
            "/empresa/",
            Some(&t),
            Some(json!({"ajustes": {"nubefact_ruta": ruta, "nubefact_token": TOKEN}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (producto, codigo) = producto_con_stock(api, &t, "100").await;
    (t, codigo, producto)
}

async fn pos(api: &Api, t: &str, codigo: &str) -> Value {
    let (st, v) = api
        .post(
            "/ventas/pos/",
            t,
            json!({"items": [{"codigo": codigo, "cantidad": "2"}], "pagos": [{"metodo": "efectivo", "monto": "70.00"}]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    v["data"]["comprobante"].clone()
}

/// The comprobante's detail once `listo` holds (up to 20 s).
async fn esperar(api: &Api, t: &str, id: &str, listo: impl Fn(&Value) -> bool) -> Value {
    let mut ultimo = Value::Null;
    for _ in 0..400 {
        let (st, v) = api
            .get(&format!("/facturacion/comprobantes/{id}/"), t)
            .await;
        assert_eq!(st, 200, "{v}");
        if listo(&v["data"]) {
            return v["data"].clone();
        }
        ultimo = v;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("el comprobante {id} no llegó al estado esperado: {ultimo}");
}

fn estado(d: &Value) -> &str {
    d["comprobante"]["estado"].as_str().unwrap_or("")
}

/// The send history, oldest first: (operation, result).
fn historial(d: &Value) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = d["historial"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["operacion"].as_str().unwrap().to_string(),
                l["resultado"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    h.reverse();
    h
}

fn par(o: &str, r: &str) -> (String, String) {
    (o.to_string(), r.to_string())
}

/// After an attempt whose answer was not seen, the last attempt consulted first and emitted only
/// when Nubefact did not have it: never sent twice.
fn termina_consultando_y_emitiendo(det: &Value) {
    let h = historial(det);
    assert!(h.len() >= 2, "{h:?}");
    assert_eq!(
        h[h.len() - 2..],
        [
            par("consultar_comprobante", "no_existe"),
            par("generar_comprobante", "aceptado")
        ]
    );
}

async fn venta_pos_aceptada(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    let (t, codigo, _) = tienda(&api, &nf.ruta).await;
    let d = despachar(&api, politica(5));
    let c = pos(&api, &t, &codigo).await;
    let id = c["id"].as_str().unwrap();
    let numero = format!("{}-{}", c["serie"].as_str().unwrap(), c["numero"]);
    let det = esperar(&api, &t, id, |d| estado(d) == "aceptado").await;
    d.detener().await;
    let r = &det["comprobante"]["envio"]["respuesta"];
    assert_eq!(
        r["enlace_pdf"],
        format!("https://www.nubefact.com/cpe/{numero}.pdf")
    );
    assert_eq!(
        r["enlace_xml"],
        format!("https://www.nubefact.com/cpe/{numero}.xml")
    );
    assert_eq!(
        r["enlace_cdr"],
        format!("https://www.nubefact.com/cpe/{numero}.cdr")
    );
    assert_eq!(r["codigo_hash"], "xMLFMnbgp1/bHEy572RKRTE9hPY=");
    assert_eq!(r["codigo"], "0");
    assert_eq!(det["comprobante"]["envio"]["programado"], Value::Null);
    assert_eq!(historial(&det), [par("generar_comprobante", "aceptado")]);
    let log = &det["historial"][0];
    assert_eq!(log["estado_http"], 200);
    assert_eq!(log["solicitud"]["serie"], c["serie"]);
    assert_eq!(log["solicitud"]["total"], "70.00");
    // The token goes in a header, never into the log, the detail or the company's data.
    let (_, empresa) = api.get("/empresa/", &t).await;
    let (_, logs) = api.get("/facturacion/logs/", &t).await;
    for v in [&det, &empresa, &logs] {
        assert!(!v.to_string().contains(TOKEN), "{v}");
    }
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.emisiones.get(&numero), Some(&1));
        assert_eq!(r.documentos.len(), 1);
    });
    // The list filters by state; the log lists the request.
    let (_, v) = api
        .get("/facturacion/comprobantes/?estado=aceptado", &t)
        .await;
    assert_eq!(v["data"]["count"], 1, "{v}");
    let (_, v) = api
        .get("/facturacion/comprobantes/?estado=pendiente", &t)
        .await;
    assert_eq!(v["data"]["count"], 0, "{v}");
    let (st, v) = api
        .get("/facturacion/comprobantes/?estado=perdido", &t)
        .await;
    assert_eq!(st, 422, "{v}");
    let (_, v) = api
        .get(&format!("/facturacion/logs/?comprobante={id}"), &t)
        .await;
    assert_eq!(v["data"]["count"], 1, "{v}");
    // An accepted comprobante is not resent.
    let (st, v) = api
        .post(
            &format!("/facturacion/comprobantes/{id}/reenviar/"),
            &t,
            json!({}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    assert_eq!(v["codigo"], "estado_invalido", "{v}");
}

/// A factura to a RUC and its annulment's credit note: the note waits for SUNAT to accept the
/// factura (Nubefact refuses a note of a document it lacks), then goes.
async fn factura_y_nota_en_orden(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    let (t, codigo, _) = tienda(&api, &nf.ruta).await;
    // Issued before the worker runs, so both are due together.
    let (venta, factura) = factura(&api, &t, &codigo, "1").await;
    let (st, v) = api
        .post(
            &format!("/ventas/{venta}/anular/"),
            &t,
            json!({"motivo": "error en el precio"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let nota = v["data"]["id"].as_str().unwrap().to_string();
    let d = despachar(&api, politica(5));
    let f = esperar(&api, &t, &factura, |d| estado(d) == "aceptado").await;
    let n = esperar(&api, &t, &nota, |d| estado(d) == "aceptado").await;
    d.detener().await;
    assert_eq!(historial(&f), [par("generar_comprobante", "aceptado")]);
    assert_eq!(historial(&n), [par("generar_comprobante", "aceptado")]);
    let s = &n["historial"][0]["solicitud"];
    assert_eq!(s["tipo_de_comprobante"], 3);
    assert_eq!(
        s["documento_que_se_modifica_serie"],
        f["comprobante"]["serie"]
    );
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.documentos.len(), 2);
    });
}

async fn nubefact_caido_y_luego_de_vuelta(api: Api) {
    // A port nobody listens on yet: connections are refused.
    let escucha = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let direccion = escucha.local_addr().unwrap();
    drop(escucha);
    let ruta = format!("http://{direccion}/api/v1/2f8a1d0c-prueba");
    let (t, codigo, _) = tienda(&api, &ruta).await;
    let d = despachar(&api, politica(50));
    // The sale does not wait for Nubefact, nor fail with it.
    let c = pos(&api, &t, &codigo).await;
    assert_eq!(c["estado"], "pendiente");
    let id = c["id"].as_str().unwrap().to_string();
    let det = esperar(&api, &t, &id, |d| estado(d) == "error").await;
    assert!(
        det["comprobante"]["envio"]["ultimo_error"]
            .as_str()
            .unwrap()
            .contains("no se pudo conectar"),
        "{det}"
    );
    assert_eq!(
        historial(&det)[0],
        par("generar_comprobante", "error_transitorio")
    );
    // Nubefact returns on that port; the next attempt sends it.
    let nf = NubefactPrueba::servir(tokio::net::TcpListener::bind(direccion).await.unwrap());
    let det = esperar(&api, &t, &id, |d| estado(d) == "aceptado").await;
    d.detener().await;
    termina_consultando_y_emitiendo(&det);
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.emisiones.values().sum::<u32>(), 1);
    });
}

/// Nubefact keeps the document but answers after the client gave up: the next attempt consults
/// and finds it accepted, and the number is issued once.
async fn sin_respuesta_no_emite_dos_veces(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    nf.modo(Modo::Lento {
        n: 1,
        espera: ESPERA * 3,
    });
    let (t, codigo, _) = tienda(&api, &nf.ruta).await;
    let d = despachar(&api, politica(5));
    let c = pos(&api, &t, &codigo).await;
    let id = c["id"].as_str().unwrap().to_string();
    let det = esperar(&api, &t, &id, |d| estado(d) == "aceptado").await;
    d.detener().await;
    assert_eq!(
        historial(&det),
        [
            par("generar_comprobante", "error_transitorio"),
            par("consultar_comprobante", "aceptado")
        ]
    );
    assert!(
        det["historial"][1]["mensaje"]
            .as_str()
            .unwrap()
            .contains("no respondió"),
        "{det}"
    );
    assert_eq!(
        det["comprobante"]["envio"]["respuesta"]["enlace_pdf"],
        format!(
            "https://www.nubefact.com/cpe/{}-{}.pdf",
            c["serie"].as_str().unwrap(),
            c["numero"]
        )
    );
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.emisiones.values().sum::<u32>(), 1, "{:?}", r.solicitudes);
    });
}

/// Nubefact already has the number (another system sent it, or an earlier attempt whose answer
/// was lost): the "already exists" leads to a consult, not to another emission.
async fn ya_existe_se_consulta(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    let (t, codigo, _) = tienda(&api, &nf.ruta).await;
    nf.precargar(2, "B001", 1);
    let d = despachar(&api, politica(5));
    let c = pos(&api, &t, &codigo).await;
    assert_eq!(
        (c["serie"].as_str(), c["numero"].as_i64()),
        (Some("B001"), Some(1))
    );
    let det = esperar(&api, &t, c["id"].as_str().unwrap(), |d| {
        estado(d) == "aceptado"
    })
    .await;
    d.detener().await;
    assert_eq!(
        historial(&det),
        [
            par("generar_comprobante", "ya_existe"),
            par("consultar_comprobante", "aceptado")
        ]
    );
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.documentos.len(), 1);
    });
}

/// 503s until the attempts run out: `error_permanente`, visible in the pending list; a person's
/// resend sends it once Nubefact is back.
async fn fallas_hasta_error_permanente_y_reenvio(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    nf.modo(Modo::Falla { n: 1000 });
    let (t, codigo, _) = tienda(&api, &nf.ruta).await;
    let d = despachar(&api, politica(2));
    let c = pos(&api, &t, &codigo).await;
    let id = c["id"].as_str().unwrap().to_string();
    let det = esperar(&api, &t, &id, |d| estado(d) == "error_permanente").await;
    let e = &det["comprobante"]["envio"];
    assert_eq!(e["intentos"], 2, "{det}");
    assert_eq!(e["programado"], Value::Null);
    assert!(
        e["ultimo_error"].as_str().unwrap().contains("HTTP 503")
            && e["ultimo_error"]
                .as_str()
                .unwrap()
                .contains("tras 2 intentos"),
        "{det}"
    );
    let (_, v) = api
        .get("/facturacion/comprobantes/?estado=error_permanente", &t)
        .await;
    assert_eq!(v["data"]["count"], 1, "{v}");
    nf.modo(Modo::Normal);
    let (st, v) = api
        .post(
            &format!("/facturacion/comprobantes/{id}/reenviar/"),
            &t,
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["estado"], "pendiente");
    let det = esperar(&api, &t, &id, |d| estado(d) == "aceptado").await;
    d.detener().await;
    termina_consultando_y_emitiendo(&det);
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.documentos.len(), 1);
    });
    // The resend is in the audit log.
    let (_, v) = api
        .get("/usuarios/audit-logs/?modulo=facturacion", &t)
        .await;
    assert!(v.to_string().contains("reenviar"), "{v}");
}

/// A customer with a RUC and an address (what a factura needs), and a POS factura of
/// `cantidad` units to it: (sale id, comprobante id).
async fn factura(api: &Api, t: &str, codigo: &str, cantidad: &str) -> (String, String) {
    let (st, v) = api
        .post(
            "/clientes/",
            t,
            json!({"numero_documento": "20100070970", "razon_social": "Gloria S.A.", "direccion": "Av. República de Panamá 2461, Lima"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let (st, v) = api
        .post(
            "/ventas/pos/",
            t,
            json!({"cliente_id": v["data"]["id"], "items": [{"codigo": codigo, "cantidad": cantidad}]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["data"]["comprobante"]["tipo"], "factura");
    (
        v["data"]["venta"]["id"].as_str().unwrap().to_string(),
        v["data"]["comprobante"]["id"].as_str().unwrap().to_string(),
    )
}

async fn pedir_baja(api: &Api, t: &str, id: &str, cuerpo: Value) -> (u16, Value) {
    api.post(
        &format!("/facturacion/comprobantes/{id}/anular/"),
        t,
        cuerpo,
    )
    .await
}

/// An accepted factura voided by comunicación de baja: refused before SUNAT has it and with a
/// bad reason; once asked, no note may be issued on the sale; the outbox sends
/// `generar_anulacion`, follows the ticket with `consultar_anulacion`, and SUNAT's acceptance
/// leaves the factura `anulado`, the sale `anulada` and the stock back, in the audit log.
async fn baja_de_factura_anula_la_venta(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    let (t, codigo, producto) = tienda(&api, &nf.ruta).await;
    let (venta, id) = factura(&api, &t, &codigo, "2").await;
    assert_eq!(stock(&api, &t, &producto).await, "98");
    // Not sent yet (no worker runs): nothing to void at SUNAT.
    let (st, v) = pedir_baja(&api, &t, &id, json!({"motivo": "error en el RUC"})).await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (409, Some("estado_invalido")),
        "{v}"
    );
    assert!(
        v["error"].as_str().unwrap().contains("está pendiente"),
        "{v}"
    );
    let d = despachar(&api, politica(5));
    esperar(&api, &t, &id, |d| estado(d) == "aceptado").await;
    d.detener().await;
    // A reason is required, of at most 100 characters; unknown fields are refused.
    for cuerpo in [
        json!({}),
        json!({"motivo": "  "}),
        json!({"motivo": "x".repeat(101)}),
        json!({"motivo": "error", "fecha": "2026-01-01"}),
    ] {
        let (st, v) = pedir_baja(&api, &t, &id, cuerpo.clone()).await;
        assert_eq!(st, 422, "{cuerpo}: {v}");
        assert_eq!(v["success"], false, "{v}");
    }
    let (st, v) = pedir_baja(
        &api,
        &t,
        &id,
        json!({"motivo": "error en el RUC del cliente"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let baja = &v["data"]["envio"]["baja"];
    assert_eq!(baja["estado"], "en_proceso", "{v}");
    assert_eq!(baja["motivo"], "error en el RUC del cliente");
    assert_eq!(
        v["data"]["estado"], "aceptado",
        "SUNAT has not voided it yet: {v}"
    );
    // While the baja is in progress: not asked twice, and no note on its sale.
    let (st, v) = pedir_baja(&api, &t, &id, json!({"motivo": "otra vez"})).await;
    assert_eq!(st, 409, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("ya está en curso"),
        "{v}"
    );
    let (st, v) = api
        .post(
            &format!("/ventas/{venta}/anular/"),
            &t,
            json!({"motivo": "devolución"}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("comunicación de baja en curso"),
        "{v}"
    );
    let d = despachar(&api, politica(5));
    let det = esperar(&api, &t, &id, |d| estado(d) == "anulado").await;
    d.detener().await;
    assert_eq!(
        historial(&det),
        [
            par("generar_comprobante", "aceptado"),
            par("generar_anulacion", "en_proceso"),
            par("consultar_anulacion", "aceptado"),
        ]
    );
    let baja = &det["comprobante"]["envio"]["baja"];
    assert_eq!(baja["estado"], "aceptada", "{det}");
    assert_eq!(baja["ticket"], "1570000000000001");
    assert_eq!(baja["respuesta"]["codigo"], "0");
    let s = &det["historial"][1]["solicitud"];
    assert_eq!(s["operacion"], "generar_anulacion");
    assert_eq!(s["motivo"], "error en el RUC del cliente");
    assert_eq!(s["tipo_de_comprobante"], 1);
    // The comprobante's own links stay (the printed factura), the baja has its own.
    assert!(
        det["comprobante"]["envio"]["respuesta"]["enlace_pdf"]
            .as_str()
            .unwrap()
            .contains("/cpe/"),
        "{det}"
    );
    let (st, v) = api.get(&format!("/ventas/{venta}/"), &t).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["venta"]["estado"], "anulada", "{v}");
    assert_eq!(stock(&api, &t, &producto).await, "100");
    // A voided comprobante is not voided again, nor resent, and its sale takes no note.
    let (st, v) = pedir_baja(&api, &t, &id, json!({"motivo": "otra vez"})).await;
    assert_eq!(st, 409, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("ya está anulado"),
        "{v}"
    );
    let (st, v) = api
        .post(
            &format!("/facturacion/comprobantes/{id}/reenviar/"),
            &t,
            json!({}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    let (st, v) = api
        .post(
            &format!("/ventas/{venta}/anular/"),
            &t,
            json!({"motivo": "devolución"}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    let (_, v) = api
        .get("/usuarios/audit-logs/?modulo=facturacion", &t)
        .await;
    assert!(
        v.to_string().contains("comunicación de baja de F001-"),
        "{v}"
    );
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(
            r.anulaciones.values().sum::<u32>(),
            1,
            "{:?}",
            r.solicitudes
        );
    });
}

/// SUNAT refuses the baja: the factura stands (accepted, its sale and stock untouched), the baja
/// is `rechazada` with SUNAT's reason, and neither a resend nor another baja is offered: a credit
/// note annuls the sale, and it can.
async fn baja_rechazada_deja_la_factura(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    nf.rechazar_bajas();
    let (t, codigo, producto) = tienda(&api, &nf.ruta).await;
    let (venta, id) = factura(&api, &t, &codigo, "2").await;
    let d = despachar(&api, politica(5));
    esperar(&api, &t, &id, |d| estado(d) == "aceptado").await;
    let (st, v) = pedir_baja(&api, &t, &id, json!({"motivo": "venta duplicada"})).await;
    assert_eq!(st, 200, "{v}");
    let det = esperar(&api, &t, &id, |d| {
        d["comprobante"]["envio"]["baja"]["estado"] == "rechazada"
    })
    .await;
    d.detener().await;
    assert_eq!(estado(&det), "aceptado");
    let e = &det["comprobante"]["envio"];
    assert!(
        e["ultimo_error"].as_str().unwrap().contains("2220"),
        "{det}"
    );
    assert_eq!(e["programado"], Value::Null);
    assert_eq!(stock(&api, &t, &producto).await, "98");
    for (ruta, cuerpo) in [
        (
            format!("/facturacion/comprobantes/{id}/reenviar/"),
            json!({}),
        ),
        (
            format!("/facturacion/comprobantes/{id}/anular/"),
            json!({"motivo": "otra vez"}),
        ),
    ] {
        let (st, v) = api.post(&ruta, &t, cuerpo).await;
        assert_eq!(st, 409, "{ruta}: {v}");
        assert!(
            v["error"].as_str().unwrap().contains("nota de crédito"),
            "{v}"
        );
    }
    let (st, v) = api
        .post(
            &format!("/ventas/{venta}/anular/"),
            &t,
            json!({"motivo": "venta duplicada"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(stock(&api, &t, &producto).await, "100");
    nf.ver(|r| assert!(r.violaciones.is_empty(), "{:?}", r.violaciones));
}

/// The payload as sent, with the dates relative to today (`<hoy>`, `<hoy+30>`), so a snapshot
/// holds on any day.
fn sin_fechas(v: &Value, hoy: time::Date) -> Value {
    match v {
        Value::String(t) => {
            let f = time::macros::format_description!("[day]-[month]-[year]");
            match time::Date::parse(t, &f) {
                Ok(d) => {
                    let dias = (d - hoy).whole_days();
                    Value::String(match dias {
                        0 => "<hoy>".into(),
                        n => format!("<hoy{n:+}>"),
                    })
                }
                Err(_) => v.clone(),
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| sin_fechas(x, hoy)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), sin_fechas(x, hoy)))
                .collect(),
        ),
        x => x.clone(),
    }
}

/// Compares a payload with `tests/api/cargas/{nombre}.json` (written anew, to review in the
/// diff, with `ERP_ACTUALIZAR_CARGAS=1`).
fn instantanea(nombre: &str, carga: &Value) {
    let ruta = format!(
        "{}/tests/api/cargas/{nombre}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let texto = serde_json::to_string_pretty(carga).unwrap() + "\n";
    if std::env::var_os("ERP_ACTUALIZAR_CARGAS").is_some() {
        std::fs::write(&ruta, &texto).unwrap();
        return;
    }
    let esperado = std::fs::read_to_string(&ruta)
        .unwrap_or_else(|e| panic!("{ruta}: {e} (ERP_ACTUALIZAR_CARGAS=1 la escribe)"));
    assert_eq!(
        texto, esperado,
        "la carga de {nombre} cambió: revise la diferencia (ERP_ACTUALIZAR_CARGAS=1 la reescribe)"
    );
}

/// The payloads Nubefact receives from real flows through the API, as snapshots: a factura on
/// credit in two instalments with a discounted line, a POS boleta, a credit note for a partial
/// return of the factura, and a debit note of late-payment interest on it. The stand-in checks
/// each against the manual's rules and SUNAT's arithmetic; the snapshot pins every field.
async fn cargas_de_flujos_reales(api: Api) {
    let nf = NubefactPrueba::nuevo().await;
    let (t, codigo, producto) = tienda(&api, &nf.ruta).await;
    let (st, v) = api
        .post(
            "/clientes/",
            &t,
            json!({"numero_documento": "20100070970", "razon_social": "Gloria S.A.",
                "direccion": "Av. República de Panamá 2461, Lima", "email": "compras@gloria.com.pe", "limite_credito": "5000"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let cliente = v["data"]["id"].as_str().unwrap().to_string();
    // The boleta first: its date is the server's today (the test's clock could be a day off
    // around midnight).
    let boleta = pos(&api, &t, &codigo).await;
    let hoy = time::Date::parse(
        boleta["fecha_emision"].as_str().unwrap(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .unwrap();
    let boleta = boleta["id"].as_str().unwrap().to_string();
    let iso = |d: time::Date| d.to_string();
    let (st, v) = api
        .post(
            "/ventas/",
            &t,
            json!({
                "cliente_id": cliente,
                "lineas": [{"producto_id": producto, "cantidad": "10", "descuento_porcentaje": "5"}],
                "condicion": "credito",
                "cuotas": [
                    {"fecha_vencimiento": iso(hoy + time::Duration::days(15)), "importe": "150.00"},
                    {"fecha_vencimiento": iso(hoy + time::Duration::days(30)), "importe": "182.50"}
                ],
                "observaciones": "Entrega en almacén Lurín"
            }),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let venta = v["data"]["venta"]["id"].as_str().unwrap().to_string();
    let factura = v["data"]["comprobante"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["comprobante"]["total"], "332.50", "{v}");
    assert_eq!(
        v["data"]["venta"]["cuotas"][1]["fecha_vencimiento"],
        iso(hoy + time::Duration::days(30)),
        "dates as AAAA-MM-DD: {v}"
    );
    assert_eq!(v["data"]["venta"]["fecha"], iso(hoy));
    let (st, v) = api
        .post(
            &format!("/ventas/{venta}/devolucion/"),
            &t,
            json!({"lineas": [{"numero": 1, "cantidad": "2"}], "motivo": "dos unidades con falla"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let credito = v["data"]["id"].as_str().unwrap().to_string();
    let (st, v) = api
        .post(
            &format!("/ventas/{venta}/nota-debito/"),
            &t,
            json!({"items": [{"descripcion": "Intereses por mora", "monto": "11.80"}], "motivo": "pago fuera de plazo"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let debito = v["data"]["id"].as_str().unwrap().to_string();
    let d = despachar(&api, politica(5));
    for (nombre, id) in [
        ("factura_credito", &factura),
        ("boleta_pos", &boleta),
        ("nota_credito_devolucion", &credito),
        ("nota_debito_intereses", &debito),
    ] {
        let det = esperar(&api, &t, id, |d| estado(d) == "aceptado").await;
        assert_eq!(historial(&det), [par("generar_comprobante", "aceptado")]);
        instantanea(nombre, &sin_fechas(&det["historial"][0]["solicitud"], hoy));
    }
    d.detener().await;
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.documentos.len(), 4);
    });
}

/// Kills a spawned server when the test ends, however it ends.
struct Proceso(std::process::Child);

impl Drop for Proceso {
    fn drop(&mut self) {
        // SIGTERM: the server stops its senders after the attempts in flight (and their log
        // lines); SIGKILL only if it does not stop.
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two `erp serve` processes on one PostgreSQL database, both sending: each comprobante reaches
/// Nubefact exactly once, and both processes did part of the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dos_servidores_en_un_postgres() {
    use std::io::{BufRead, BufReader};
    let Some((store, url)) = crate::postgres_aparte().await else {
        return;
    };
    // This process only sells (it runs no worker); the two servers send.
    let api = crate::levantar(store, None).await;
    let nf = NubefactPrueba::nuevo().await;
    nf.demora(Duration::from_millis(100));
    let (t, codigo, _) = tienda(&api, &nf.ruta).await;
    let servidor = || {
        let mut hijo = std::process::Command::new(env!("CARGO_BIN_EXE_erp"))
            .args(["serve", "--db", &url, "--direccion", "127.0.0.1:0"])
            .args(["--trabajos-cada", "0", "--envios-cada", "1"])
            .args(["--envios-concurrentes", "2", "--envio-intervalo", "1"])
            .args(["--nubefact-espera", "5"])
            .env("ERP_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Serving once it says where it listens.
        let mut salida = BufReader::new(hijo.stdout.take().unwrap());
        let mut linea = String::new();
        while !linea.contains("Escuchando") {
            linea.clear();
            assert!(
                salida.read_line(&mut linea).unwrap() > 0,
                "el servidor terminó"
            );
        }
        let errores = hijo.stderr.take().unwrap();
        let lector = std::thread::spawn(move || {
            BufReader::new(errores)
                .lines()
                .map_while(Result::ok)
                .filter(|l| l.contains("envío de comprobante"))
                .count()
        });
        (Proceso(hijo), lector)
    };
    let (uno, lector_uno) = servidor();
    let (dos, lector_dos) = servidor();
    const N: usize = 40;
    for _ in 0..N {
        pos(&api, &t, &codigo).await;
    }
    let mut aceptados = 0;
    for _ in 0..600 {
        let (_, v) = api
            .get("/facturacion/comprobantes/?estado=aceptado", &t)
            .await;
        aceptados = v["data"]["count"].as_u64().unwrap();
        if aceptados == N as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop((uno, dos));
    let (por_uno, por_dos) = (lector_uno.join().unwrap(), lector_dos.join().unwrap());
    assert_eq!(aceptados, N as u64);
    nf.ver(|r| {
        assert!(r.violaciones.is_empty(), "{:?}", r.violaciones);
        assert_eq!(r.documentos.len(), N);
        assert!(r.emisiones.values().all(|&n| n == 1), "{:?}", r.emisiones);
        assert_eq!(
            r.solicitudes.len(),
            N,
            "one request per comprobante: {:?}",
            r.solicitudes
        );
    });
    assert_eq!(por_uno + por_dos, N, "{por_uno} + {por_dos}");
    assert!(
        por_uno > 0 && por_dos > 0,
        "both sent: {por_uno} + {por_dos}"
    );
}
