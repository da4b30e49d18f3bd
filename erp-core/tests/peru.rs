//! Peruvian documents to the cent: Nubefact's published examples (NF-EJ in
//! `shared/reference/peru.md`, the official JSON files), Greenter's UBL vectors, and the traps the
//! reference lists.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use erp_core::calcular_documento_json;
use serde_json::{Value, json};

fn calcular(doc: Value) -> Value {
    let salida = calcular_documento_json(&doc.to_string())
        .unwrap_or_else(|e| panic!("{e} ({:?})", e.campo()));
    serde_json::from_str(&salida).unwrap()
}

fn error(doc: Value) -> erp_core::Error {
    calcular_documento_json(&doc.to_string()).expect_err("debía fallar")
}

/// The two lines almost every Nubefact example uses: 1 × 500 and 5 × 20, without IGV.
fn lineas_nubefact(afectacion: &str) -> Value {
    json!([
        {"codigo": "001", "descripcion": "DETALLE DEL PRODUCTO", "unidad": "NIU",
         "cantidad": "1", "precio": "500", "afectacion_igv": afectacion},
        {"codigo": "001", "descripcion": "DETALLE DEL SERVICIO", "unidad": "ZZ",
         "cantidad": "5", "precio": "20", "afectacion_igv": afectacion},
    ])
}

fn doc(lineas: Value) -> Value {
    json!({"pais": "PE", "fecha": "2025-12-17", "lineas": lineas})
}

fn s(v: &Value, campo: &str) -> String {
    match &v[campo] {
        Value::String(t) => t.clone(),
        otro => otro.to_string(),
    }
}

#[test]
fn nubefact_ejemplo_1_factura_gravada() {
    let r = calcular(doc(lineas_nubefact("10")));
    assert_eq!(s(&r, "porcentaje_de_igv"), "18.00");
    assert_eq!(s(&r, "total_gravada"), "600.00");
    assert_eq!(s(&r, "total_igv"), "108.00");
    assert_eq!(s(&r, "total"), "708.00");
    let l = &r["lineas"];
    assert_eq!(s(&l[0], "valor_unitario"), "500.00");
    assert_eq!(s(&l[0], "precio_unitario"), "590.00");
    assert_eq!(s(&l[0], "subtotal"), "500.00");
    assert_eq!(s(&l[0], "igv"), "90.00");
    assert_eq!(s(&l[0], "total"), "590.00");
    assert_eq!(l[0]["tipo_de_igv"], 1);
    assert_eq!(s(&l[1], "precio_unitario"), "23.60");
    assert_eq!(s(&l[1], "subtotal"), "100.00");
    assert_eq!(s(&l[1], "igv"), "18.00");
    assert_eq!(s(&l[1], "total"), "118.00");
    assert_eq!(s(&l[1], "unidad_de_medida"), "ZZ");
}

#[test]
fn nubefact_ejemplos_2_3_exonerada_e_inafecta() {
    let r = calcular(doc(lineas_nubefact("20")));
    assert_eq!(s(&r, "total_exonerada"), "600.00");
    assert_eq!(s(&r, "total_igv"), "0.00");
    assert_eq!(s(&r, "total"), "600.00");
    assert_eq!(r["lineas"][1]["tipo_de_igv"], 8);
    assert_eq!(s(&r["lineas"][1], "precio_unitario"), "20.00");

    let r = calcular(doc(lineas_nubefact("30")));
    assert_eq!(s(&r, "total_inafecta"), "600.00");
    assert_eq!(s(&r, "total"), "600.00");
    assert_eq!(r["lineas"][0]["tipo_de_igv"], 9);
}

#[test]
fn nubefact_ejemplo_4_todo_gratuito() {
    let r = calcular(doc(lineas_nubefact("15")));
    assert_eq!(s(&r, "total_gratuita"), "600.00");
    assert_eq!(s(&r, "total"), "0.00");
    assert_eq!(s(&r, "total_gravada"), "0.00");
    let l = &r["lineas"][0];
    assert_eq!(l["tipo_de_igv"], 6);
    assert_eq!(s(l, "igv"), "0.00");
    assert_eq!(s(l, "precio_unitario"), "500.00");
    assert_eq!(s(l, "total"), "500.00");
    // The referential IGV SUNAT needs for tax 9996 (Greenter's gratuita example: 200 → 36).
    assert_eq!(s(l, "igv_gratuito"), "90.00");
    assert_eq!(s(&r, "total_igv_gratuito"), "108.00");
}

#[test]
fn nubefact_ejemplo_5_gravadas_con_gratuitas() {
    let mut lineas = lineas_nubefact("10");
    lineas[1]["afectacion_igv"] = json!("15");
    let r = calcular(doc(lineas));
    assert_eq!(s(&r, "total_gravada"), "500.00");
    assert_eq!(s(&r, "total_igv"), "90.00");
    assert_eq!(s(&r, "total_gratuita"), "100.00");
    assert_eq!(s(&r, "total"), "590.00");
}

#[test]
fn nubefact_ejemplo_6_exportacion_va_en_inafecta() {
    let r = calcular(doc(lineas_nubefact("40")));
    assert_eq!(s(&r, "total_inafecta"), "600.00");
    assert_eq!(s(&r, "total_exportacion"), "600.00");
    assert_eq!(s(&r, "total"), "600.00");
    assert_eq!(r["lineas"][0]["tipo_de_igv"], 16);
}

#[test]
fn nubefact_ejemplo_7_descuento_global() {
    let mut d = doc(lineas_nubefact("10"));
    d["descuento_global"] = json!("300");
    let r = calcular(d);
    assert_eq!(s(&r, "descuento_global"), "300.00");
    assert_eq!(s(&r, "total_descuento"), "300.00");
    assert_eq!(s(&r, "total_gravada"), "300.00");
    assert_eq!(s(&r, "total_igv"), "54.00");
    assert_eq!(s(&r, "total"), "354.00");
    // The lines are not prorated.
    assert_eq!(s(&r["lineas"][0], "igv"), "90.00");
    assert_eq!(s(&r["lineas"][1], "total"), "118.00");
}

#[test]
fn nubefact_ejemplo_8_descuento_por_item() {
    let mut lineas = lineas_nubefact("10");
    lineas[0]["descuento"] = json!("200");
    let r = calcular(doc(lineas));
    let l = &r["lineas"][0];
    assert_eq!(s(l, "descuento"), "200.00");
    assert_eq!(s(l, "subtotal"), "300.00");
    assert_eq!(s(l, "igv"), "54.00");
    assert_eq!(s(l, "total"), "354.00");
    assert_eq!(s(l, "precio_unitario"), "590.00");
    assert_eq!(s(&r, "total_gravada"), "400.00");
    assert_eq!(s(&r, "total_igv"), "72.00");
    assert_eq!(s(&r, "total_descuento"), "200.00");
    assert_eq!(s(&r, "total"), "472.00");
}

#[test]
fn nubefact_ejemplo_9_descuento_global_y_por_item() {
    let mut lineas = lineas_nubefact("10");
    lineas[0]["descuento"] = json!("200");
    let mut d = doc(lineas);
    d["descuento_global"] = json!("100");
    let r = calcular(d);
    assert_eq!(s(&r, "total_gravada"), "300.00");
    assert_eq!(s(&r, "total_igv"), "54.00");
    assert_eq!(s(&r, "total"), "354.00");
    // Nubefact's file says 200 here, although its own examples 7 and 8 count each discount:
    // the engine reports all the discounts (200 on the line + 100 global).
    assert_eq!(s(&r, "total_descuento"), "300.00");
}

#[test]
fn nubefact_ejemplo_12_dolares() {
    let mut d = doc(lineas_nubefact("10"));
    d["moneda"] = json!("USD");
    d["tipo_de_cambio"] = json!("3.245");
    let r = calcular(d);
    assert_eq!(s(&r, "moneda"), "USD");
    assert_eq!(s(&r, "tipo_de_cambio"), "3.245");
    assert_eq!(s(&r, "total"), "708.00");
}

#[test]
fn nubefact_ejemplo_24_bolsa_plastica() {
    // 2021: S/ 0.30 per bag. The bag is given free (tipo_de_igv 2) and only its tax is charged.
    let d = json!({"pais": "PE", "fecha": "2021-06-01", "lineas": [
        {"descripcion": "PAN", "cantidad": "10", "precio": "0.1"},
        {"descripcion": "BOLSA", "cantidad": "1", "precio": "0.1", "afectacion_igv": "11",
         "icbper": true},
    ]});
    let r = calcular(d);
    let pan = &r["lineas"][0];
    assert_eq!(s(pan, "subtotal"), "1.00");
    assert_eq!(s(pan, "igv"), "0.18");
    assert_eq!(s(pan, "total"), "1.18");
    // Nubefact's file prints 0.18 here; 0.1 × 1.18 is 0.118.
    assert_eq!(s(pan, "precio_unitario"), "0.118");
    let bolsa = &r["lineas"][1];
    assert_eq!(bolsa["tipo_de_igv"], 2);
    assert_eq!(s(bolsa, "impuesto_bolsas"), "0.30");
    assert_eq!(s(bolsa, "total"), "0.30");
    assert_eq!(s(&r, "total_gravada"), "1.00");
    assert_eq!(s(&r, "total_igv"), "0.18");
    assert_eq!(s(&r, "total_gratuita"), "0.10");
    assert_eq!(s(&r, "total_impuestos_bolsas"), "0.30");
    assert_eq!(s(&r, "total"), "1.48");
}

#[test]
fn greenter_icbper_2020() {
    // Greenter's icbper example: 200.20 / 36.04 / ICBPER 0.80 / 237.04 at S/ 0.20 per bag.
    let d = json!({"pais": "PE", "fecha": "2020-03-10", "lineas": [
        {"descripcion": "PRODUCTO", "cantidad": "2", "precio": "100"},
        {"descripcion": "BOLSA", "cantidad": "4", "precio": "0.05", "icbper": true},
    ]});
    let r = calcular(d);
    assert_eq!(s(&r, "total_gravada"), "200.20");
    assert_eq!(s(&r, "total_igv"), "36.04");
    assert_eq!(s(&r, "total_impuestos_bolsas"), "0.80");
    assert_eq!(s(&r, "total"), "237.04");
    assert_eq!(s(&r["lineas"][1], "total"), "1.04");
}

#[test]
fn icbper_por_anio() {
    for (fecha, por_bolsa) in [
        ("2019-08-01", "0.10"),
        ("2020-12-31", "0.20"),
        ("2022-01-01", "0.40"),
        ("2023-01-01", "0.50"),
        ("2026-11-21", "0.50"),
    ] {
        let d = json!({"pais": "PE", "fecha": fecha, "lineas": [
            {"cantidad": "1", "precio": "0", "icbper": true}]});
        assert_eq!(
            s(&calcular(d)["lineas"][0], "impuesto_bolsas"),
            por_bolsa,
            "{fecha}"
        );
    }
    let d = json!({"pais": "PE", "fecha": "2019-07-31", "lineas": [
        {"cantidad": "1", "precio": "0", "icbper": true}]});
    let e = error(d);
    assert_eq!(e.codigo(), "tasa_no_vigente");
    assert_eq!(e.campo(), Some("lineas[0].icbper"));
    let d = json!({"pais": "PE", "fecha": "2026-01-01", "lineas": [
        {"cantidad": "1.5", "precio": "0", "icbper": true}]});
    assert_eq!(error(d).codigo(), "cantidad_invalida");
}

#[test]
fn nubefact_ejemplo_25_ivap() {
    let r = calcular(doc(lineas_nubefact("17")));
    assert_eq!(s(&r, "porcentaje_de_igv"), "4.00");
    assert_eq!(s(&r, "total_gravada"), "600.00");
    assert_eq!(s(&r, "total_igv"), "24.00");
    assert_eq!(s(&r, "total"), "624.00");
    let l = &r["lineas"][1];
    assert_eq!(s(l, "precio_unitario"), "20.80");
    assert_eq!(s(l, "igv"), "4.00");
    assert_eq!(l["tipo_de_ivap"], 17);
    assert!(l.get("tipo_de_igv").is_none());
    let mut mezcla = lineas_nubefact("17");
    mezcla[1]["afectacion_igv"] = json!("10");
    let e = error(doc(mezcla));
    assert_eq!(e.codigo(), "afectacion_invalida");
    assert_eq!(e.campo(), Some("lineas[1].afectacion_igv"));
}

#[test]
fn precio_con_igv_se_cobra_exacto() {
    // The big ERPs turn 24.99 with tax into 25.00; the customer pays exactly 3 × 24.99.
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "lineas": [{"cantidad": "3", "precio": "24.99"}]});
    let r = calcular(d);
    let l = &r["lineas"][0];
    assert_eq!(s(l, "total"), "74.97");
    assert_eq!(s(l, "subtotal"), "63.53");
    assert_eq!(s(l, "igv"), "11.44");
    assert_eq!(s(l, "valor_unitario"), "21.1779661017");
    assert_eq!(s(l, "precio_unitario"), "24.99");
    assert_eq!(s(&r, "total"), "74.97");
}

#[test]
fn cien_soles_con_igv_hacia_atras() {
    // 100.00 with IGV: 84.75 + 15.25 computed backward (forward would give 84.75 + 15.26).
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "lineas": [{"cantidad": "1", "precio": "100"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "total_gravada"), "84.75");
    assert_eq!(s(&r, "total_igv"), "15.25");
    assert_eq!(s(&r, "total"), "100.00");
}

#[test]
fn tres_por_0_3333() {
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "lineas": [
        {"cantidad": "3", "precio": "0.3333"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "total_gravada"), "1.00");
    assert_eq!(s(&r, "total_igv"), "0.18");
    assert_eq!(s(&r, "total"), "1.18");
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "lineas": [{"cantidad": "3", "precio": "0.3333"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "total"), "1.00");
    assert_eq!(s(&r, "total_gravada"), "0.85");
    assert_eq!(s(&r, "total_igv"), "0.15");
}

#[test]
fn empates_redondean_hacia_arriba() {
    // 0.25 × 18 % = 0.045 and 12.25 × 18 % = 2.205: half-even would give 0.04 and 2.20.
    for (precio, igv) in [("0.25", "0.05"), ("12.25", "2.21")] {
        let d = json!({"pais": "PE", "fecha": "2026-11-21", "lineas": [
            {"cantidad": "1", "precio": precio}]});
        assert_eq!(s(&calcular(d), "total_igv"), igv, "{precio}");
    }
    // A subtotal that ties at the third decimal: 0.125 → 0.13.
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "lineas": [
        {"cantidad": "0.5", "precio": "0.25", "afectacion_igv": "20"}]});
    assert_eq!(s(&calcular(d), "total"), "0.13");
}

#[test]
fn igv_de_cabecera_es_la_suma_de_lineas() {
    // Seven lines of 0.05: each IGV 0.009 → 0.01, so 0.07 (not round(0.35 × 18 %) = 0.06).
    let linea = json!({"cantidad": "1", "precio": "0.05"});
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "lineas": vec![linea; 7]});
    let r = calcular(d);
    assert_eq!(s(&r, "total_igv"), "0.07");
    assert_eq!(s(&r, "total"), "0.42");
}

#[test]
fn descuento_global_con_precios_con_igv() {
    // Shelf prices with IGV 118.00 and 59.00, 10 % off the ticket: the customer pays 159.30.
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "descuento_global_porcentaje": "10",
        "lineas": [{"cantidad": "1", "precio": "118"}, {"cantidad": "1", "precio": "59"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "total"), "159.30");
    assert_eq!(s(&r, "total_gravada"), "135.00");
    assert_eq!(s(&r, "total_igv"), "24.30");
    assert_eq!(s(&r, "descuento_global"), "15.00");
}

#[test]
fn descuento_global_sobre_bases_mixtas_se_prorratea() {
    let d = json!({"pais": "PE", "fecha": "2026-11-21", "descuento_global": "30",
        "lineas": [{"cantidad": "1", "precio": "200"},
                   {"cantidad": "1", "precio": "100", "afectacion_igv": "20"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "total_gravada"), "180.00");
    assert_eq!(s(&r, "total_exonerada"), "90.00");
    assert_eq!(s(&r, "total_igv"), "32.40");
    assert_eq!(s(&r, "total"), "302.40");
}

#[test]
fn tasa_mype_restaurantes_por_fecha() {
    let mype = json!({"mype_restaurante": {"desde": "2022-09-01"}});
    for (fecha, pct, igv) in [
        ("2024-05-10", "10.00", "10.00"),
        ("2025-12-31", "10.00", "10.00"),
        ("2026-01-01", "10.50", "10.50"),
    ] {
        let d = json!({"pais": "PE", "fecha": fecha, "configuracion": mype,
            "lineas": [{"cantidad": "1", "precio": "100"}]});
        let r = calcular(d);
        assert_eq!(s(&r, "porcentaje_de_igv"), pct, "{fecha}");
        assert_eq!(s(&r, "total_igv"), igv, "{fecha}");
    }
    // Outside the company's period the general rate applies.
    let d = json!({"pais": "PE", "fecha": "2026-03-01",
        "configuracion": {"mype_restaurante": {"desde": "2026-04-01"}},
        "lineas": [{"cantidad": "1", "precio": "100"}]});
    assert_eq!(s(&calcular(d), "total_igv"), "18.00");
    // No rate is known for 2027 yet: refused, never guessed.
    let d = json!({"pais": "PE", "fecha": "2027-01-02", "configuracion": mype,
        "lineas": [{"cantidad": "1", "precio": "100"}]});
    let e = error(d);
    assert_eq!(e.codigo(), "tasa_no_vigente");
    assert_eq!(e.campo(), Some("configuracion.mype_restaurante"));
}

#[test]
fn fecha_sin_igv_registrado() {
    let d =
        json!({"pais": "PE", "fecha": "2011-02-28", "lineas": [{"cantidad": "1", "precio": "1"}]});
    let e = error(d);
    assert_eq!(e.codigo(), "tasa_no_vigente");
    assert!(e.mensaje().contains("01/03/2011"), "{e}");
}
