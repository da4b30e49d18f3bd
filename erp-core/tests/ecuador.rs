//! Ecuadorian documents to the cent: the SRI's worked examples (FICHA técnica) and the ones the
//! reference quotes, IVA by date, ICE in the IVA base, tips and retentions.

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

fn s(v: &Value, campo: &str) -> String {
    match &v[campo] {
        Value::String(t) => t.clone(),
        otro => otro.to_string(),
    }
}

#[test]
fn sri_anexo_1_ice_entra_en_la_base_del_iva() {
    // FICHA Anexo 1: ICE 3072 at 5 % on 295000.00 = 14750.00; IVA 12 % base 309750.00.
    let d = json!({"pais": "EC", "fecha": "2023-06-01", "lineas": [
        {"codigo": "VEH", "descripcion": "Vehículo", "cantidad": "1", "precio": "295000",
         "ice": {"codigo": "3072", "tarifa": "5"}}]});
    let r = calcular(d);
    let l = &r["lineas"][0];
    assert_eq!(s(&l["impuestos"][0], "codigo"), "3");
    assert_eq!(s(&l["impuestos"][0], "codigoPorcentaje"), "3072");
    assert_eq!(s(&l["impuestos"][0], "valor"), "14750.00");
    assert_eq!(s(&l["impuestos"][1], "baseImponible"), "309750.00");
    assert_eq!(s(&l["impuestos"][1], "valor"), "37170.00");
    assert_eq!(s(&r, "totalSinImpuestos"), "295000.00");
    assert_eq!(s(&r, "importeTotal"), "346920.00");
    let grupos = r["totalConImpuestos"].as_array().unwrap();
    assert_eq!(grupos.len(), 2);
    assert_eq!(s(&grupos[0], "codigo"), "2");
    assert_eq!(s(&grupos[1], "codigo"), "3");
}

#[test]
fn tarifa_general_segun_fecha() {
    for (fecha, codigo, tarifa, iva) in [
        ("2016-05-31", "2", "12", "12.00"),
        ("2016-06-01", "3", "14", "14.00"),
        ("2017-05-31", "3", "14", "14.00"),
        ("2017-06-01", "2", "12", "12.00"),
        ("2024-03-31", "2", "12", "12.00"),
        ("2024-04-01", "4", "15", "15.00"),
        ("2026-11-21", "4", "15", "15.00"),
    ] {
        let d =
            json!({"pais": "EC", "fecha": fecha, "lineas": [{"cantidad": "1", "precio": "100"}]});
        let r = calcular(d);
        let g = &r["totalConImpuestos"][0];
        assert_eq!(s(g, "codigoPorcentaje"), codigo, "{fecha}");
        assert_eq!(s(g, "tarifa"), tarifa, "{fecha}");
        assert_eq!(s(g, "valor"), iva, "{fecha}");
    }
}

#[test]
fn tarifa_que_la_fecha_no_tiene() {
    let d = json!({"pais": "EC", "fecha": "2025-01-10",
        "lineas": [{"cantidad": "1", "precio": "100"}, {"cantidad": "1", "precio": "1", "iva": "2"}]});
    let e = error(d);
    assert_eq!(e.codigo(), "tasa_no_vigente");
    assert_eq!(e.campo(), Some("lineas[1].iva"));
    assert!(e.mensaje().contains("línea 2"), "{e}");
    let d = json!({"pais": "EC", "fecha": "2023-01-10", "lineas": [{"cantidad": "1", "precio": "1", "iva": "5"}]});
    assert_eq!(error(d).codigo(), "tasa_no_vigente");
    let d = json!({"pais": "EC", "fecha": "2024-06-10", "lineas": [{"cantidad": "1", "precio": "1", "iva": "10"}]});
    assert!(error(d).mensaje().contains("nunca estuvo vigente"));
}

#[test]
fn cero_no_objeto_y_exento_en_subtotales_separados() {
    let d = json!({"pais": "EC", "fecha": "2025-02-01", "lineas": [
        {"cantidad": "2", "precio": "10"},
        {"cantidad": "1", "precio": "5", "iva": "0"},
        {"cantidad": "1", "precio": "7", "iva": "no_objeto"},
        {"cantidad": "1", "precio": "3", "iva": "exento"},
        {"cantidad": "10", "precio": "8.50", "iva": "5"},
    ]});
    let r = calcular(d);
    let g: Vec<(String, String, String)> = r["totalConImpuestos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                s(g, "codigoPorcentaje"),
                s(g, "baseImponible"),
                s(g, "valor"),
            )
        })
        .collect();
    let esperado = [
        ("0", "5.00", "0.00"),
        ("4", "20.00", "3.00"),
        ("5", "85.00", "4.25"),
        ("6", "7.00", "0.00"),
        ("7", "3.00", "0.00"),
    ];
    assert_eq!(g.len(), esperado.len());
    for ((c, b, v), (ec, eb, ev)) in g.iter().zip(esperado) {
        assert_eq!((c.as_str(), b.as_str(), v.as_str()), (ec, eb, ev));
    }
    assert_eq!(s(&r, "totalSinImpuestos"), "120.00");
    assert_eq!(s(&r, "importeTotal"), "127.25");
}

#[test]
fn retencion_renta_2_e_iva_70() {
    // "factura $200 + 12 % IVA $24; retención renta 2 % = $4.00; retención IVA 70 % = $16.80".
    let d = json!({"pais": "EC", "fecha": "2023-08-15",
        "lineas": [{"descripcion": "Servicio", "cantidad": "1", "precio": "200"}],
        "retenciones": [{"impuesto": "renta", "codigo": "307"}, {"impuesto": "iva", "codigo": "2"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "importeTotal"), "224.00");
    let ret = &r["retenciones"];
    assert_eq!(s(&ret[0], "codigo"), "1");
    assert_eq!(s(&ret[0], "baseImponible"), "200.00");
    assert_eq!(s(&ret[0], "valorRetenido"), "4.00");
    assert_eq!(s(&ret[1], "codigo"), "2");
    assert_eq!(s(&ret[1], "baseImponible"), "24.00");
    assert_eq!(s(&ret[1], "porcentajeRetener"), "70");
    assert_eq!(s(&ret[1], "valorRetenido"), "16.80");
    assert_eq!(s(&r, "totalRetenido"), "20.80");
    assert_eq!(s(&r, "totalAPagar"), "203.20");
}

#[test]
fn retencion_venta_1000_con_iva_15() {
    // Reference §7: 1000.00 + IVA 15 %, withheld 1.75 % renta (312) and 30 % IVA (1).
    let d = json!({"pais": "EC", "fecha": "2025-05-20",
        "lineas": [{"cantidad": "4", "precio": "250"}],
        "retenciones": [{"impuesto": "renta", "codigo": "312"}, {"impuesto": "iva", "codigo": "1"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "importeTotal"), "1150.00");
    assert_eq!(s(&r["retenciones"][0], "valorRetenido"), "17.50");
    assert_eq!(s(&r["retenciones"][1], "valorRetenido"), "45.00");
    assert_eq!(s(&r, "totalRetenido"), "62.50");
    assert_eq!(s(&r, "totalAPagar"), "1087.50");
}

#[test]
fn retenciones_del_ejemplo_de_la_ficha() {
    // FICHA Anexo 1: 323B1 at 2 % on 10904.50 = 218.09; IVA code 1 (30 %) on 101.94 = 30.58.
    let d = json!({"pais": "EC", "fecha": "2024-02-01",
        "lineas": [{"cantidad": "1", "precio": "10"}],
        "retenciones": [
            {"impuesto": "renta", "codigo": "323B1", "porcentaje": "2", "base_imponible": "10904.50"},
            {"impuesto": "iva", "codigo": "1", "base_imponible": "101.94"}]});
    let r = calcular(d);
    assert_eq!(s(&r["retenciones"][0], "valorRetenido"), "218.09");
    assert_eq!(s(&r["retenciones"][1], "valorRetenido"), "30.58");
    // A renta code outside the table needs its percentage.
    let d = json!({"pais": "EC", "fecha": "2024-02-01",
        "lineas": [{"cantidad": "1", "precio": "10"}],
        "retenciones": [{"impuesto": "renta", "codigo": "323B1"}]});
    let e = error(d);
    assert_eq!(e.codigo(), "retencion_invalida");
    assert_eq!(e.campo(), Some("retenciones[0].codigo"));
}

#[test]
fn precio_con_iva_se_cobra_exacto() {
    let d = json!({"pais": "EC", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "lineas": [{"cantidad": "3", "precio": "1.15"}, {"cantidad": "7", "precio": "0.99"}]});
    let r = calcular(d);
    assert_eq!(s(&r, "importeTotal"), "10.38");
    let l = &r["lineas"][0];
    assert_eq!(s(l, "precioTotalSinImpuesto"), "3.00");
    assert_eq!(s(&l["impuestos"][0], "valor"), "0.45");
    assert_eq!(s(l, "precioUnitario"), "1.00");
    let l = &r["lineas"][1];
    assert_eq!(s(l, "precioUnitario"), "0.86087");
    assert_eq!(s(l, "precioTotalSinImpuesto"), "6.03");
    assert_eq!(s(&l["impuestos"][0], "valor"), "0.90");
    assert_eq!(s(l, "total"), "6.93");
}

#[test]
fn precio_con_impuestos_e_ice() {
    // A bottle at 11.50 with IVA 15 % and ICE ad valorem 75 % plus 0.20 specific per unit.
    let d = json!({"pais": "EC", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "lineas": [{"cantidad": "2", "precio": "11.50",
                    "ice": {"codigo": "3031", "tarifa": "75", "valor_unitario": "0.20"}}]});
    let r = calcular(d);
    let l = &r["lineas"][0];
    assert_eq!(s(l, "total"), "23.00");
    assert_eq!(s(&r, "importeTotal"), "23.00");
    // (23.00 / 1.15 − 0.40) / 1.75 = 11.2 → ICE 11.2 × 75 % + 0.40 = 8.80, IVA 3.00.
    assert_eq!(s(l, "precioTotalSinImpuesto"), "11.20");
    assert_eq!(s(&l["impuestos"][0], "valor"), "8.80");
    assert_eq!(s(&l["impuestos"][1], "baseImponible"), "20.00");
    assert_eq!(s(&l["impuestos"][1], "valor"), "3.00");
}

#[test]
fn descuento_global_se_reparte_en_las_lineas() {
    let d = json!({"pais": "EC", "fecha": "2026-11-21", "descuento_global": "10",
        "lineas": [{"cantidad": "1", "precio": "60"}, {"cantidad": "1", "precio": "40", "iva": "0"}]});
    let r = calcular(d);
    assert_eq!(s(&r["lineas"][0], "descuento"), "6.00");
    assert_eq!(s(&r["lineas"][1], "descuento"), "4.00");
    assert_eq!(s(&r, "totalDescuento"), "10.00");
    assert_eq!(s(&r, "totalSinImpuestos"), "90.00");
    assert_eq!(s(&r, "importeTotal"), "98.10");
}

#[test]
fn propina_hasta_el_diez_por_ciento() {
    let d = json!({"pais": "EC", "fecha": "2026-11-21", "propina": "2.00",
        "lineas": [{"cantidad": "1", "precio": "20"}]});
    assert_eq!(s(&calcular(d), "importeTotal"), "25.00");
    let d = json!({"pais": "EC", "fecha": "2026-11-21", "propina": "2.01",
        "lineas": [{"cantidad": "1", "precio": "20"}]});
    assert_eq!(error(d).codigo(), "propina_invalida");
}

#[test]
fn campos_de_otro_pais_y_moneda() {
    let d = json!({"pais": "EC", "fecha": "2026-11-21", "moneda": "PEN",
        "lineas": [{"cantidad": "1", "precio": "1"}]});
    assert_eq!(error(d).codigo(), "moneda_invalida");
    let d = json!({"pais": "EC", "fecha": "2026-11-21",
        "lineas": [{"cantidad": "1", "precio": "1", "afectacion_igv": "10"}]});
    let e = error(d);
    assert_eq!(e.codigo(), "campo_no_aplica");
    assert_eq!(e.campo(), Some("lineas[0].afectacion_igv"));
    let d = json!({"pais": "PE", "fecha": "2026-11-21",
        "lineas": [{"cantidad": "1", "precio": "1", "ice": {"codigo": "3031", "tarifa": "5"}}]});
    assert_eq!(error(d).codigo(), "campo_no_aplica");
}

#[test]
fn ice_mal_formado() {
    for (ice, campo) in [
        (
            json!({"codigo": "31", "tarifa": "5"}),
            "lineas[0].ice.codigo",
        ),
        (json!({"codigo": "3031"}), "lineas[0].ice"),
        (
            json!({"codigo": "3031", "tarifa": "-1"}),
            "lineas[0].ice.tarifa",
        ),
    ] {
        let d = json!({"pais": "EC", "fecha": "2026-11-21",
            "lineas": [{"cantidad": "1", "precio": "1", "ice": ice}]});
        let e = error(d);
        assert_eq!(e.codigo(), "ice_invalido");
        assert_eq!(e.campo(), Some(campo));
    }
}
