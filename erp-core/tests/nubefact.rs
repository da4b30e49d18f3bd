//! Nubefact requests built from comprobantes: Nubefact's published examples reproduced to the
//! cent (NF-EJ in `shared/reference/peru.md`), whole payloads as snapshots, the checks that stop
//! what SUNAT would reject, the reading of Nubefact's answers, and a property test of SUNAT's
//! arithmetic on random documents, checked on the JSON as it would go on the wire.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use erp_core::comprobantes::{Comprobante, EstadoComprobante, TipoComprobante};
use erp_core::empresa::{Empresa, NuevaEmpresa};
use erp_core::facturacion::nubefact::{
    self, Detraccion, Extras, Guia, Resultado, generar_comprobante,
};
use erp_core::terceros::TipoDocumentoCliente;
use erp_core::ventas::Cuota;
use erp_core::{Decimal, Moneda, Pais, calcular_documento_json};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::{date, datetime};
use uuid::Uuid;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn empresa(pais: Pais) -> Empresa {
    let (tipo, id) = match pais {
        Pais::Peru => ("ruc", "20601030013"),
        Pais::Ecuador => ("ruc", "1790016919001"),
    };
    let n: NuevaEmpresa = serde_json::from_value(json!({
        "pais": pais, "tipo_identificacion": tipo, "identificacion": id,
        "razon_social": "Ferretería El Tornillo S.A.C.", "direccion": "Av. Grau 123, Lima",
    }))
    .unwrap();
    n.construir(Uuid::nil(), datetime!(2025-12-17 10:00 UTC))
        .unwrap()
}

/// A comprobante as a sale stores it, with its computed document.
fn comprobante(
    tipo: TipoComprobante,
    serie: &str,
    numero: i64,
    cliente: (TipoDocumentoCliente, &str, &str),
    documento: Value,
) -> Comprobante {
    let calculado: Value =
        serde_json::from_str(&calcular_documento_json(&documento.to_string()).unwrap()).unwrap();
    let moneda: Moneda = serde_json::from_value(calculado["moneda"].clone()).unwrap();
    Comprobante {
        id: Uuid::from_u128(numero as u128),
        tipo,
        serie: serie.into(),
        numero,
        venta_id: Uuid::from_u128(numero as u128),
        referencia_id: None,
        motivo_codigo: None,
        motivo: String::new(),
        estado: EstadoComprobante::Pendiente,
        cliente_id: Uuid::from_u128(numero as u128),
        cliente_tipo_documento: cliente.0,
        cliente_numero_documento: cliente.1.into(),
        cliente_razon_social: cliente.2.into(),
        cliente_direccion: "CALLE LIBERTAD 116 MIRAFLORES - LIMA - PERU".into(),
        fecha_emision: date!(2025 - 12 - 17),
        moneda,
        total: d(calculado["total"].as_str().unwrap()),
        documento: calculado,
        creado_en: datetime!(2025-12-17 10:00 UTC),
        clave_idempotencia: None,
        envio: Default::default(),
    }
}

/// The two lines almost every Nubefact example uses: 1 × 500 and 5 × 20, without IGV.
fn doc_nubefact(extra: Value) -> Value {
    let mut v = json!({"pais": "PE", "fecha": "2025-12-17", "lineas": [
        {"codigo": "001", "descripcion": "DETALLE DEL PRODUCTO", "unidad": "NIU",
         "cantidad": "1", "precio": "500"},
        {"codigo": "002", "descripcion": "DETALLE DEL SERVICIO", "unidad": "ZZ",
         "cantidad": "5", "precio": "20"},
    ]});
    if let (Value::Object(v), Value::Object(e)) = (&mut v, extra) {
        v.extend(e);
    }
    v
}

const NUBEFACT_SA: (TipoDocumentoCliente, &str, &str) =
    (TipoDocumentoCliente::Ruc, "20600695771", "NUBEFACT SA");
const JORGE: (TipoDocumentoCliente, &str, &str) =
    (TipoDocumentoCliente::Dni, "41920371", "JORGE LOPEZ");
const VARIOS: (TipoDocumentoCliente, &str, &str) =
    (TipoDocumentoCliente::SinDocumento, "", "CLIENTES VARIOS");

fn payload(c: &Comprobante, x: &Extras<'_>) -> Value {
    let s = generar_comprobante(&empresa(Pais::Peru), c, x)
        .unwrap_or_else(|e| panic!("{e} ({:?})", e.campo()));
    serde_json::to_value(&s).unwrap()
}

fn rechazo(c: &Comprobante, x: &Extras<'_>) -> erp_core::Error {
    let e = generar_comprobante(&empresa(Pais::Peru), c, x).expect_err("SUNAT lo rechazaría");
    assert_eq!(e.codigo(), "comprobante_invalido", "{e}");
    e
}

fn items_ejemplo() -> Value {
    json!([
        {"unidad_de_medida": "NIU", "codigo": "001", "descripcion": "DETALLE DEL PRODUCTO",
         "cantidad": "1", "valor_unitario": "500", "precio_unitario": "590",
         "subtotal": "500.00", "tipo_de_igv": 1, "igv": "90.00", "total": "590.00",
         "anticipo_regularizacion": false},
        {"unidad_de_medida": "ZZ", "codigo": "002", "descripcion": "DETALLE DEL SERVICIO",
         "cantidad": "5", "valor_unitario": "20", "precio_unitario": "23.6",
         "subtotal": "100.00", "tipo_de_igv": 1, "igv": "18.00", "total": "118.00",
         "anticipo_regularizacion": false},
    ])
}

/// NF-EJ example 1 (factura gravada): the whole request.
#[test]
fn factura_gravada_ejemplo_1() {
    let c = comprobante(
        TipoComprobante::Factura,
        "F001",
        1,
        NUBEFACT_SA,
        doc_nubefact(json!({})),
    );
    let p = payload(
        &c,
        &Extras {
            cliente_email: "demo@nubefact.com",
            ..Default::default()
        },
    );
    assert_eq!(
        p,
        json!({
            "operacion": "generar_comprobante",
            "tipo_de_comprobante": 1,
            "serie": "F001",
            "numero": 1,
            "sunat_transaction": 1,
            "cliente_tipo_de_documento": "6",
            "cliente_numero_de_documento": "20600695771",
            "cliente_denominacion": "NUBEFACT SA",
            "cliente_direccion": "CALLE LIBERTAD 116 MIRAFLORES - LIMA - PERU",
            "cliente_email": "demo@nubefact.com",
            "fecha_de_emision": "17-12-2025",
            "moneda": 1,
            "porcentaje_de_igv": "18.00",
            "total_gravada": "600.00",
            "total_igv": "108.00",
            "total": "708.00",
            "detraccion": false,
            "enviar_automaticamente_a_la_sunat": true,
            "enviar_automaticamente_al_cliente": true,
            "codigo_unico": "F001-00000001",
            "items": items_ejemplo(),
        })
    );
}

/// NF-EJ example 7 (boleta with a global discount of 300): the IGV on the discounted base, the
/// lines left as they are.
#[test]
fn boleta_descuento_global_ejemplo_7() {
    let c = comprobante(
        TipoComprobante::Boleta,
        "B001",
        7,
        JORGE,
        doc_nubefact(json!({"descuento_global": "300"})),
    );
    let p = payload(&c, &Extras::default());
    assert_eq!(p["tipo_de_comprobante"], 2);
    assert_eq!(p["cliente_tipo_de_documento"], "1");
    assert_eq!(p["descuento_global"], "300.00");
    assert_eq!(p["total_descuento"], "300.00");
    assert_eq!(p["total_gravada"], "300.00");
    assert_eq!(p["total_igv"], "54.00");
    assert_eq!(p["total"], "354.00");
    assert_eq!(p["items"], items_ejemplo());
}

/// NF-EJ example 8 (line discount of 200 before IGV): 300 / 54 / 354, the unit price undiscounted.
#[test]
fn descuento_por_item_ejemplo_8() {
    let doc = json!({"pais": "PE", "fecha": "2025-12-17", "lineas": [
        {"codigo": "001", "descripcion": "DETALLE DEL PRODUCTO", "unidad": "NIU",
         "cantidad": "1", "precio": "500", "descuento": "200"}]});
    let p = payload(
        &comprobante(TipoComprobante::Boleta, "B001", 8, JORGE, doc),
        &Extras::default(),
    );
    let l = &p["items"][0];
    assert_eq!(
        (&l["descuento"], &l["subtotal"], &l["igv"], &l["total"]),
        (
            &json!("200.00"),
            &json!("300.00"),
            &json!("54.00"),
            &json!("354.00")
        )
    );
    assert_eq!(l["precio_unitario"], "590");
    assert_eq!(
        (&p["total_gravada"], &p["total"]),
        (&json!("300.00"), &json!("354.00"))
    );
}

/// NF-EJ examples 2 and 3 (exonerada, inafecta) and 12 (dollars, exchange rate with 3 decimals).
#[test]
fn exonerada_inafecta_y_dolares() {
    for (afectacion, campo, tipo_de_igv) in
        [("20", "total_exonerada", 8), ("30", "total_inafecta", 9)]
    {
        let mut doc = doc_nubefact(json!({}));
        for l in doc["lineas"].as_array_mut().unwrap() {
            l["afectacion_igv"] = json!(afectacion);
        }
        let p = payload(
            &comprobante(TipoComprobante::Factura, "F001", 2, NUBEFACT_SA, doc),
            &Extras::default(),
        );
        assert_eq!(p[campo], "600.00");
        assert_eq!(p["total"], "600.00");
        assert!(
            p.get("total_igv").is_none() && p.get("total_gravada").is_none(),
            "{p}"
        );
        assert_eq!(p["items"][0]["tipo_de_igv"], tipo_de_igv);
        assert_eq!(p["items"][0]["precio_unitario"], "500");
    }
    let p = payload(
        &comprobante(
            TipoComprobante::Factura,
            "F001",
            12,
            NUBEFACT_SA,
            doc_nubefact(json!({"moneda": "USD", "tipo_de_cambio": "3.421"})),
        ),
        &Extras::default(),
    );
    assert_eq!(
        (&p["moneda"], &p["tipo_de_cambio"]),
        (&json!(2), &json!("3.421"))
    );
    assert_eq!(p["total"], "708.00");
}

/// NF-EJ "nota de crédito 1 para boleta" and a debit note: the document they modify, and the
/// reason codes Nubefact numbers differently from SUNAT (catalog 09's 11 and 12 swapped,
/// catalog 10's 11 and 12 are Nubefact's 5 and 4).
#[test]
fn notas_de_credito_y_debito() {
    let boleta = comprobante(
        TipoComprobante::Boleta,
        "B001",
        1,
        JORGE,
        doc_nubefact(json!({})),
    );
    let mut nota = comprobante(
        TipoComprobante::NotaCredito,
        "BC01",
        1,
        JORGE,
        doc_nubefact(json!({})),
    );
    nota.motivo_codigo = Some("01".into());
    nota.motivo = "ANULACIÓN DE LA OPERACIÓN".into();
    let x = Extras {
        referencia: Some(&boleta),
        ..Default::default()
    };
    let p = payload(&nota, &x);
    assert_eq!(p["tipo_de_comprobante"], 3);
    assert_eq!(
        (
            &p["documento_que_se_modifica_tipo"],
            &p["documento_que_se_modifica_serie"],
            &p["documento_que_se_modifica_numero"],
            &p["tipo_de_nota_de_credito"]
        ),
        (&json!(2), &json!("B001"), &json!(1), &json!(1))
    );
    assert!(p.get("tipo_de_nota_de_debito").is_none());
    assert_eq!(p["observaciones"], "ANULACIÓN DE LA OPERACIÓN");
    assert_eq!(
        (&p["total_gravada"], &p["total_igv"], &p["total"]),
        (&json!("600.00"), &json!("108.00"), &json!("708.00"))
    );
    for (sunat, nubefact) in [("07", 7), ("11", 12), ("12", 11)] {
        nota.motivo_codigo = Some(sunat.into());
        assert_eq!(
            payload(&nota, &x)["tipo_de_nota_de_credito"],
            nubefact,
            "{sunat}"
        );
    }
    // Reason 13 (new payment dates or amounts) takes all-zero amounts: not issued yet.
    for codigo in ["13", "14", ""] {
        nota.motivo_codigo = Some(codigo.into());
        assert_eq!(
            rechazo(&nota, &x).campo(),
            Some("motivo_codigo"),
            "{codigo}"
        );
    }
    // A note whose stored reference is another document.
    nota.motivo_codigo = Some("01".into());
    nota.referencia_id = Some(Uuid::from_u128(999));
    assert_eq!(rechazo(&nota, &x).campo(), Some("referencia"));
    nota.referencia_id = Some(boleta.id);
    payload(&nota, &x);

    let mut debito = comprobante(
        TipoComprobante::NotaDebito,
        "BD01",
        1,
        JORGE,
        json!({"pais": "PE", "fecha": "2025-12-17", "lineas": [
            {"codigo": "INT", "descripcion": "INTERESES POR MORA", "cantidad": "1", "precio": "10"}]}),
    );
    for (sunat, nubefact) in [("01", 1), ("02", 2), ("03", 3), ("11", 5), ("12", 4)] {
        debito.motivo_codigo = Some(sunat.into());
        let p = payload(&debito, &x);
        assert_eq!(p["tipo_de_comprobante"], 4);
        assert_eq!(p["tipo_de_nota_de_debito"], nubefact, "{sunat}");
        assert_eq!(p["total"], "11.80");
    }
    // A note without the document it modifies, of another currency, or of the wrong letter.
    assert_eq!(
        rechazo(&debito, &Extras::default()).campo(),
        Some("referencia")
    );
    let factura = comprobante(
        TipoComprobante::Factura,
        "F001",
        3,
        NUBEFACT_SA,
        doc_nubefact(json!({"moneda": "USD", "tipo_de_cambio": "3.75"})),
    );
    let con_factura = Extras {
        referencia: Some(&factura),
        ..Default::default()
    };
    assert_eq!(rechazo(&debito, &con_factura).campo(), Some("moneda"));
    let factura_pen = comprobante(
        TipoComprobante::Factura,
        "F001",
        4,
        NUBEFACT_SA,
        doc_nubefact(json!({})),
    );
    let e = rechazo(
        &debito,
        &Extras {
            referencia: Some(&factura_pen),
            ..Default::default()
        },
    );
    assert_eq!(
        (e.codigo(), e.campo()),
        ("comprobante_invalido", Some("serie"))
    );
}

/// What SUNAT would reject is refused before sending, with the field and a reason.
#[test]
fn rechazos_antes_de_enviar() {
    let x = Extras::default();
    // A factura to a buyer without a RUC, or with a RUC whose check digit is wrong.
    let e = rechazo(
        &comprobante(
            TipoComprobante::Factura,
            "F001",
            1,
            JORGE,
            doc_nubefact(json!({})),
        ),
        &x,
    );
    assert_eq!(
        (e.codigo(), e.campo()),
        ("comprobante_invalido", Some("cliente_tipo_documento"))
    );
    assert!(e.to_string().contains("RUC"), "{e}");
    let e = rechazo(
        &comprobante(
            TipoComprobante::Factura,
            "F001",
            1,
            (TipoDocumentoCliente::Ruc, "20600695772", "NUBEFACT SA"),
            doc_nubefact(json!({})),
        ),
        &x,
    );
    assert_eq!(e.campo(), Some("cliente_numero_documento"));
    // A series of the wrong letter.
    let e = rechazo(
        &comprobante(
            TipoComprobante::Factura,
            "B001",
            1,
            NUBEFACT_SA,
            doc_nubefact(json!({})),
        ),
        &x,
    );
    assert_eq!(e.campo(), Some("serie"));
    assert!(e.to_string().contains("empiezan con F"), "{e}");
    // A boleta of more than S/ 700 without the buyer's document: 708 is refused, 700.00 is not,
    // and dollars count at the exchange rate (200 × 3.75 = 750).
    let e = rechazo(
        &comprobante(
            TipoComprobante::Boleta,
            "B001",
            1,
            VARIOS,
            doc_nubefact(json!({})),
        ),
        &x,
    );
    assert_eq!(e.campo(), Some("cliente_numero_documento"));
    assert!(e.to_string().contains("708.00"), "{e}");
    let setecientos = json!({"pais": "PE", "fecha": "2025-12-17", "precios_incluyen_impuesto": true,
        "lineas": [{"codigo": "X", "descripcion": "x", "cantidad": "1", "precio": "700"}]});
    let p = payload(
        &comprobante(TipoComprobante::Boleta, "B001", 1, VARIOS, setecientos),
        &x,
    );
    assert_eq!(
        (
            &p["cliente_tipo_de_documento"],
            &p["cliente_numero_de_documento"]
        ),
        (&json!("-"), &json!("-"))
    );
    let dolares = json!({"pais": "PE", "fecha": "2025-12-17", "moneda": "USD", "tipo_de_cambio": "3.75",
        "precios_incluyen_impuesto": true,
        "lineas": [{"codigo": "X", "descripcion": "x", "cantidad": "1", "precio": "200"}]});
    let e = rechazo(
        &comprobante(TipoComprobante::Boleta, "B001", 1, VARIOS, dolares),
        &x,
    );
    assert!(e.to_string().contains("750.00"), "{e}");
    // A tiny quantity whose amount rounds to the cent: 0.001 × 26.316 − 0.01 charges 0.02, 20
    // per unit against a unit price of 26.316 (SUNAT 3270), found by the property test.
    let diminuta = json!({"pais": "PE", "fecha": "2025-12-17", "precios_incluyen_impuesto": true,
        "lineas": [{"codigo": "AZAFRAN", "descripcion": "azafrán", "unidad": "KGM", "cantidad": "0.001",
                    "precio": "26.316", "descuento": "0.01"}]});
    let e = rechazo(
        &comprobante(TipoComprobante::Boleta, "B001", 1, JORGE, diminuta),
        &x,
    );
    assert_eq!(e.campo(), Some("items[0].cantidad"));
    assert!(e.to_string().contains("3270"), "{e}");
    // A factura without the buyer's address.
    let mut c = comprobante(
        TipoComprobante::Factura,
        "F001",
        1,
        NUBEFACT_SA,
        doc_nubefact(json!({})),
    );
    c.cliente_direccion = " ".into();
    assert_eq!(rechazo(&c, &x).campo(), Some("cliente_direccion"));
    // An export (NF-EJ example 6: in total_inafecta, sunat_transaction 2) to a buyer abroad, not
    // to a RUC.
    let mut exportacion = doc_nubefact(json!({}));
    for l in exportacion["lineas"].as_array_mut().unwrap() {
        l["afectacion_igv"] = json!("40");
    }
    let extranjero = (TipoDocumentoCliente::Pasaporte, "AB123456", "JOHN SMITH");
    let p = payload(
        &comprobante(
            TipoComprobante::Factura,
            "F001",
            6,
            extranjero,
            exportacion.clone(),
        ),
        &x,
    );
    assert_eq!(
        (
            &p["sunat_transaction"],
            &p["cliente_tipo_de_documento"],
            &p["total_inafecta"],
            &p["items"][0]["tipo_de_igv"]
        ),
        (&json!(2), &json!("7"), &json!("600.00"), &json!(16))
    );
    assert!(p.get("total_igv").is_none(), "{p}");
    let e = rechazo(
        &comprobante(
            TipoComprobante::Factura,
            "F001",
            6,
            NUBEFACT_SA,
            exportacion,
        ),
        &x,
    );
    assert_eq!(e.campo(), Some("cliente_tipo_documento"));
    // A company of Ecuador does not send through Nubefact.
    let c = comprobante(
        TipoComprobante::Factura,
        "F001",
        1,
        NUBEFACT_SA,
        doc_nubefact(json!({})),
    );
    let e = generar_comprobante(&empresa(Pais::Ecuador), &c, &x).unwrap_err();
    assert_eq!(e.campo(), Some("pais"));
    // Lines that do not add up (a document altered after it was computed).
    let mut c = c;
    c.documento["lineas"][0]["igv"] = json!("95.00");
    c.documento["total_igv"] = json!("113.00");
    c.documento["lineas"][0]["total"] = json!("595.00");
    c.documento["total"] = json!("713.00");
    let e = rechazo(&c, &x);
    assert_eq!(e.campo(), Some("items[0].igv"));
    assert!(e.to_string().contains("3103"), "{e}");
    c.documento["lineas"][0]["igv"] = json!("90.00");
    c.documento["lineas"][0]["total"] = json!("590.00");
    let e = rechazo(&c, &x);
    assert_eq!(e.campo(), Some("total_igv"));
}

/// A credit factura (NF-EJ example 29): the instalments in date order, the due date the last
/// one's; a detracción (example 33: 1,770 × 12 % = 212.40) leaves less to pay on credit.
#[test]
fn credito_detraccion_y_guias() {
    let c = comprobante(
        TipoComprobante::Factura,
        "F001",
        29,
        NUBEFACT_SA,
        doc_nubefact(json!({})),
    );
    let cuota = |n, f, i: &str| Cuota {
        numero: n,
        fecha_vencimiento: f,
        importe: d(i),
        saldo: d(i),
    };
    let cuotas = [
        cuota(2, date!(2026 - 02 - 17), "354.00"),
        cuota(1, date!(2026 - 01 - 17), "354.00"),
    ];
    let guias = [Guia {
        guia_tipo: 1,
        guia_serie_numero: "T001-123".into(),
    }];
    let p = payload(
        &c,
        &Extras {
            cuotas: &cuotas,
            guias: &guias,
            ..Default::default()
        },
    );
    assert_eq!(
        p["venta_al_credito"],
        json!([
            {"cuota": 1, "fecha_de_pago": "17-01-2026", "importe": "354.00"},
            {"cuota": 2, "fecha_de_pago": "17-02-2026", "importe": "354.00"},
        ])
    );
    assert_eq!(p["fecha_de_vencimiento"], "17-02-2026");
    assert_eq!(
        p["guias"],
        json!([{"guia_tipo": 1, "guia_serie_numero": "T001-123"}])
    );
    let mala = [Guia {
        guia_tipo: 3,
        guia_serie_numero: "T001123".into(),
    }];
    assert_eq!(
        rechazo(
            &c,
            &Extras {
                guias: &mala,
                ..Default::default()
            }
        )
        .campo(),
        Some("guias[0]")
    );

    let servicio = json!({"pais": "PE", "fecha": "2025-12-17", "lineas": [
        {"codigo": "S1", "descripcion": "SERVICIO", "unidad": "ZZ", "cantidad": "1", "precio": "1500"}]});
    let c = comprobante(TipoComprobante::Factura, "F001", 33, NUBEFACT_SA, servicio);
    let spot = Detraccion {
        tipo: 35,
        porcentaje: d("12"),
        medio_de_pago: 1,
    };
    let p = payload(
        &c,
        &Extras {
            detraccion: Some(spot),
            ..Default::default()
        },
    );
    assert_eq!(p["total"], "1770.00");
    assert_eq!(
        (
            &p["sunat_transaction"],
            &p["detraccion"],
            &p["detraccion_tipo"],
            &p["detraccion_total"],
            &p["detraccion_porcentaje"],
            &p["medio_de_pago_detraccion"]
        ),
        (
            &json!(30),
            &json!(true),
            &json!(35),
            &json!("212.40"),
            &json!("12"),
            &json!(1)
        )
    );
    // On credit, the instalments cover at most what remains after the detracción.
    let todo = [cuota(1, date!(2026 - 01 - 17), "1770.00")];
    let e = rechazo(
        &c,
        &Extras {
            detraccion: Some(spot),
            cuotas: &todo,
            ..Default::default()
        },
    );
    assert_eq!(e.campo(), Some("cuotas"));
    assert!(e.to_string().contains("1557.60"), "{e}");
}

#[test]
fn anulacion_y_consultas() {
    let c = comprobante(
        TipoComprobante::Factura,
        "F001",
        9,
        NUBEFACT_SA,
        doc_nubefact(json!({})),
    );
    assert_eq!(
        serde_json::to_value(nubefact::generar_anulacion(&c, " ERROR DEL SISTEMA ").unwrap())
            .unwrap(),
        json!({"operacion": "generar_anulacion", "tipo_de_comprobante": 1, "serie": "F001",
               "numero": 9, "motivo": "ERROR DEL SISTEMA", "codigo_unico": "F001-00000009"})
    );
    assert_eq!(
        nubefact::generar_anulacion(&c, "  ").unwrap_err().campo(),
        Some("motivo")
    );
    assert_eq!(
        nubefact::generar_anulacion(&c, &"x".repeat(101))
            .unwrap_err()
            .codigo(),
        "texto_demasiado_largo"
    );
    assert_eq!(
        serde_json::to_value(nubefact::consultar_comprobante(&c)).unwrap(),
        json!({"operacion": "consultar_comprobante", "tipo_de_comprobante": 1, "serie": "F001", "numero": 9})
    );
    assert_eq!(
        serde_json::to_value(nubefact::consultar_anulacion(&c)).unwrap()["operacion"],
        "consultar_anulacion"
    );
}

/// Nubefact's answers (NF-MANUAL "ESTRUCTURA DE RESPUESTA" and "MANEJO DE ERRORES").
#[test]
fn respuestas_de_nubefact() {
    let aceptada = r#"{"tipo_de_comprobante": 1, "serie": "FFF1", "numero": 1,
        "enlace": "https://www.nubefact.com/cpe/0f9a", "aceptada_por_sunat": true,
        "sunat_description": "La Factura numero FFF1-1, ha sido aceptada", "sunat_note": null,
        "sunat_responsecode": "0", "sunat_soap_error": "",
        "cadena_para_codigo_qr": "20600695771 | 01 | FFF1 | 000001 | 108.00 | 708.00 | 17/12/2025 | 6 | 20600695771 | xMLFMnbgp1/bHEy572RKRTE9hPY= |",
        "codigo_hash": "xMLFMnbgp1/bHEy572RKRTE9hPY=",
        "enlace_del_pdf": "https://www.nubefact.com/cpe/0f9a.pdf",
        "enlace_del_xml": "https://www.nubefact.com/cpe/0f9a.xml",
        "enlace_del_cdr": "https://www.nubefact.com/cpe/0f9a.cdr"}"#;
    match nubefact::interpretar(200, aceptada) {
        Resultado::Aceptado(r) => {
            assert_eq!(
                r.codigo_hash.as_deref(),
                Some("xMLFMnbgp1/bHEy572RKRTE9hPY=")
            );
            assert_eq!(
                r.enlace_del_pdf.as_deref(),
                Some("https://www.nubefact.com/cpe/0f9a.pdf")
            );
            assert!(
                r.cadena_para_codigo_qr
                    .unwrap()
                    .starts_with("20600695771 | 01 | FFF1")
            );
        }
        otro => panic!("{otro:?}"),
    }
    let ya_informado = r#"{"aceptada_por_sunat": false, "sunat_responsecode": "1033",
        "sunat_description": "El comprobante fue registrado previamente con otros datos"}"#;
    assert!(matches!(
        nubefact::interpretar(200, ya_informado),
        Resultado::Rechazado(_)
    ));
    assert!(matches!(
        nubefact::interpretar(
            200,
            r#"{"aceptada_por_sunat": false, "sunat_responsecode": "0109"}"#
        ),
        Resultado::Transitorio(_)
    ));
    // Nubefact's error code as a string, and a 4xx page that is not Nubefact's.
    assert_eq!(
        nubefact::interpretar(400, r#"{"errors": "ya existe", "codigo": "23"}"#),
        Resultado::YaExiste("ya existe".into())
    );
    assert!(matches!(
        nubefact::interpretar(404, "<html>Not Found</html>"),
        Resultado::Permanente { codigo: 0, .. }
    ));
    let rechazada = r#"{"aceptada_por_sunat": false, "sunat_responsecode": 2800,
        "sunat_description": "El dato ingresado en el tipo de documento de identidad del receptor no esta permitido."}"#;
    assert!(
        matches!(nubefact::interpretar(200, rechazada), Resultado::Rechazado(r)
        if r.sunat_responsecode.as_deref() == Some("2800"))
    );
    assert!(matches!(
        nubefact::interpretar(
            200,
            r#"{"aceptada_por_sunat": false, "sunat_responsecode": null}"#
        ),
        Resultado::EnProceso(_)
    ));
    let error = |codigo: i64| {
        nubefact::interpretar(
            400,
            &json!({"errors": "mensaje", "codigo": codigo}).to_string(),
        )
    };
    assert_eq!(error(23), Resultado::YaExiste("mensaje".into()));
    assert_eq!(error(24), Resultado::NoExiste("mensaje".into()));
    assert!(matches!(error(40), Resultado::Transitorio(_)));
    for codigo in [10, 11, 12, 20, 21, 22, 50, 51] {
        assert_eq!(
            error(codigo),
            Resultado::Permanente {
                codigo,
                mensaje: "mensaje".into()
            }
        );
    }
    assert!(matches!(
        nubefact::interpretar(502, "<html>Bad Gateway</html>"),
        Resultado::Transitorio(_)
    ));
    assert!(matches!(
        nubefact::interpretar(200, "no es json"),
        Resultado::Transitorio(_)
    ));
    // JSON without any of Nubefact's keys is not "SUNAT has not answered yet".
    for cuerpo in ["{}", r#"{"ok": true}"#, r#"{"errors": "x"}"#] {
        assert!(
            matches!(
                nubefact::interpretar(200, cuerpo),
                Resultado::Transitorio(_)
            ),
            "{cuerpo}"
        );
    }
}

// --- SUNAT's arithmetic on random documents --------------------------------------------------

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Null => Decimal::ZERO,
        otro => panic!("se esperaba un importe en texto: {otro}"),
    }
}

/// SUNAT's checks as the reference states them (§2.2), written again here on the JSON that would
/// be sent, independent of the engine's own `verificar_sumas`.
fn cumple_sunat(p: &Value) -> std::result::Result<(), String> {
    let uno = Decimal::ONE;
    let tasa = dec(&p["porcentaje_de_igv"]) / Decimal::ONE_HUNDRED;
    let (mut onerosas, mut igv, mut gravadas) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut bolsas = Decimal::ZERO;
    for (i, l) in p["items"].as_array().unwrap().iter().enumerate() {
        let cantidad = dec(&l["cantidad"]);
        let subtotal = dec(&l["subtotal"]);
        let bruto = (cantidad * dec(&l["valor_unitario"]) - dec(&l["descuento"])).round_dp(2);
        if (subtotal - bruto).abs() > uno {
            return Err(format!("3271 línea {i}: {subtotal} vs {bruto}"));
        }
        for campo in ["subtotal", "igv", "total"] {
            if dec(&l[campo]).scale() != 2 {
                return Err(format!("línea {i}: {campo} sin 2 decimales"));
            }
        }
        let tipo = l["tipo_de_igv"].as_u64().unwrap_or(0);
        let ivap = l["tipo_de_ivap"].as_str();
        let gratuita = matches!(tipo, 2..=7 | 10..=15 | 17 | 20) || ivap == Some("101");
        let gravada = tipo == 1 || ivap == Some("17");
        let l_igv = dec(&l["igv"]);
        bolsas += dec(&l["impuesto_bolsas"]);
        if gravada {
            if (l_igv - subtotal * tasa).abs() > uno {
                return Err(format!("3103 línea {i}"));
            }
            gravadas += subtotal;
        } else if !l_igv.is_zero() {
            return Err(format!("IGV en línea no gravada {i}"));
        }
        if !gratuita {
            onerosas += subtotal;
            igv += l_igv;
            if dec(&l["total"]) != subtotal + l_igv + dec(&l["impuesto_bolsas"]) {
                return Err(format!("total de línea {i}"));
            }
            // 3270: the unit price with IGV against (value + tax) ÷ quantity.
            let precio = dec(&l["precio_unitario"]);
            let esperado = (subtotal
                + l_igv
                + dec(&l["descuento"]) * (uno + if gravada { tasa } else { Decimal::ZERO }))
                / cantidad;
            if (precio - esperado).abs() > uno {
                return Err(format!("3270 línea {i}: {precio} vs {esperado}"));
            }
        }
    }
    let descuento = dec(&p["descuento_global"]);
    let gravada = dec(&p["total_gravada"]);
    let bases = gravada + dec(&p["total_exonerada"]) + dec(&p["total_inafecta"]);
    if (bases - (onerosas - descuento)).abs() > uno {
        return Err(format!("3278: {bases} vs {}", onerosas - descuento));
    }
    if descuento.is_zero() && (gravada - gravadas).abs() > uno {
        return Err("3277".into());
    }
    let total_igv = dec(&p["total_igv"]);
    if (total_igv - gravada * tasa).abs() > uno
        || (descuento.is_zero() && (total_igv - igv).abs() > uno)
    {
        return Err(format!("IGV total {total_igv}"));
    }
    if dec(&p["total_impuestos_bolsas"]) != bolsas {
        return Err("3306".into());
    }
    let total = dec(&p["total"]);
    if (total - (bases + total_igv + bolsas)).abs() > uno {
        return Err("3280".into());
    }
    if total.scale() != 2 {
        return Err("total sin 2 decimales".into());
    }
    Ok(())
}

/// A line of a document of one kind: 0 domestic (taxed, exonerated, unaffected, free, with or
/// without a bag), 1 export (with free lines), 2 rice under IVAP.
fn linea(tipo: u8) -> impl Strategy<Value = Value> {
    let afectaciones = match tipo {
        0 => vec!["10", "10", "10", "20", "30", "11", "21", "31"],
        1 => vec!["40", "40", "40", "31"],
        _ => vec!["17"],
    };
    (
        1u32..=50_000,    // quantity in thousandths
        1u64..=5_000_000, // price in tenths of a cent
        0u32..=30,        // discount %
        prop::sample::select(afectaciones),
        prop::bool::weighted(0.2), // a plastic bag (domestic documents only)
    )
        .prop_map(move |(q, p, desc, afectacion, bolsa)| {
            let bolsa = bolsa && tipo == 0;
            // Bags are counted in units.
            let cantidad = if bolsa {
                Decimal::from(q % 20 + 1)
            } else {
                Decimal::new(q.into(), 3)
            };
            let precio = Decimal::new(p as i64, 3);
            // Free lines take no discount.
            let desc = if ["11", "21", "31"].contains(&afectacion) {
                0
            } else {
                desc
            };
            let descuento = (cantidad * precio * Decimal::new(desc.into(), 2)).round_dp(2);
            json!({"codigo": "P", "descripcion": "producto", "cantidad": cantidad.to_string(),
                   "precio": precio.to_string(), "descuento": descuento.to_string(),
                   "afectacion_igv": afectacion, "icbper": bolsa})
        })
}

fn documento() -> impl Strategy<Value = (u8, Vec<Value>)> {
    (0u8..3).prop_flat_map(|tipo| (Just(tipo), prop::collection::vec(linea(tipo), 1..8)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// For random valid sales (domestic with free lines and bags, exports, IVAP), with and without
    /// IGV in the prices and with a global discount, the request on the wire satisfies SUNAT's
    /// arithmetic.
    #[test]
    fn la_aritmetica_de_sunat_se_cumple(
        (tipo, lineas) in documento(),
        incluye in any::<bool>(),
        descuento_global in 0u32..=20,
    ) {
        let mut doc = json!({"pais": "PE", "fecha": "2025-12-17", "precios_incluyen_impuesto": incluye,
            "lineas": lineas});
        let sin_descuento = calcular_documento_json(&doc.to_string());
        prop_assert!(sin_descuento.is_ok(), "{:?} {doc}", sin_descuento);
        let bruto: Value = serde_json::from_str(&sin_descuento.unwrap()).unwrap();
        let bases = dec(&bruto["total_gravada"]) + dec(&bruto["total_exonerada"]) + dec(&bruto["total_inafecta"]);
        let global = (bases * Decimal::new(descuento_global.into(), 2)).round_dp(2);
        if !global.is_zero() {
            doc["descuento_global"] = json!(global.to_string());
        }
        prop_assume!(calcular_documento_json(&doc.to_string()).is_ok());
        // An export's buyer is abroad.
        let cliente = if tipo == 1 {
            (TipoDocumentoCliente::Pasaporte, "AB123456", "JOHN SMITH")
        } else {
            JORGE
        };
        let c = comprobante(TipoComprobante::Boleta, "B001", 1, cliente, doc);
        prop_assume!(!c.total.is_zero());
        // Either the request passes SUNAT's checks, or the engine refuses to send it saying
        // which check (a tiny quantity whose amount rounds to the cent misses 3270).
        match generar_comprobante(&empresa(Pais::Peru), &c, &Extras::default()) {
            Ok(s) => {
                let p = serde_json::to_value(&s).unwrap();
                prop_assert!(cumple_sunat(&p).is_ok(), "{:?}\n{p}", cumple_sunat(&p));
            }
            Err(e) => {
                prop_assert_eq!(e.codigo(), "comprobante_invalido");
                prop_assert!(e.to_string().contains("3270"), "{}", e);
                let i: usize = e
                    .campo()
                    .and_then(|c| c.strip_prefix("items[")?.split(']').next()?.parse().ok())
                    .unwrap();
                let cantidad = dec(&c.documento["lineas"][i]["cantidad"]);
                prop_assert!(cantidad < Decimal::ONE, "{}", e);
            }
        }
    }
}
