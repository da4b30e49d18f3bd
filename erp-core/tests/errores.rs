//! Bad input gets a clear error naming the field, never a panic.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use erp_core::calcular_documento_json;
use serde_json::{Value, json};

fn error(doc: &str) -> erp_core::Error {
    calcular_documento_json(doc).expect_err("debía fallar")
}

fn con_linea(linea: Value) -> String {
    json!({"pais": "PE", "fecha": "2026-11-21", "lineas": [{"cantidad": "1", "precio": "1"}, linea]})
        .to_string()
}

#[track_caller]
fn espera(doc: &str, codigo: &str, campo: Option<&str>) -> erp_core::Error {
    let e = error(doc);
    assert_eq!(e.codigo(), codigo, "{e}");
    assert_eq!(e.campo(), campo, "{e}");
    assert!(!e.mensaje().is_empty());
    e
}

#[test]
fn cantidades_y_precios_fuera_de_rango() {
    let e = espera(
        &con_linea(json!({"cantidad": "-2", "precio": "1"})),
        "cantidad_invalida",
        Some("lineas[1].cantidad"),
    );
    assert!(e.mensaje().starts_with("línea 2:"), "{e}");
    espera(
        &con_linea(json!({"cantidad": "0", "precio": "1"})),
        "cantidad_invalida",
        Some("lineas[1].cantidad"),
    );
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "-0.01"})),
        "precio_invalido",
        Some("lineas[1].precio"),
    );
    espera(
        &con_linea(json!({"cantidad": "1.12345678901", "precio": "1"})),
        "cantidad_invalida",
        Some("lineas[1].cantidad"),
    );
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1000000000000"})),
        "importe_excesivo",
        Some("lineas[1].precio"),
    );
    espera(
        &con_linea(json!({"cantidad": "999999", "precio": "9999999"})),
        "importe_excesivo",
        Some("lineas[1].precio"),
    );
}

#[test]
fn descuentos_invalidos() {
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "descuento": "1.01"})),
        "descuento_invalido",
        Some("lineas[1].descuento"),
    );
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "descuento": "0.001"})),
        "descuento_invalido",
        Some("lineas[1].descuento"),
    );
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "descuento_porcentaje": "101"})),
        "descuento_invalido",
        Some("lineas[1].descuento_porcentaje"),
    );
    espera(
        &con_linea(
            json!({"cantidad": "1", "precio": "1", "afectacion_igv": "13", "descuento": "0.5"}),
        ),
        "descuento_invalido",
        Some("lineas[1].descuento"),
    );
    let doc = json!({"pais": "PE", "fecha": "2026-11-21", "descuento_global": "5",
        "lineas": [{"cantidad": "1", "precio": "1"}]});
    espera(
        &doc.to_string(),
        "descuento_invalido",
        Some("descuento_global"),
    );
}

#[test]
fn codigos_de_afectacion_desconocidos() {
    let e = espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "afectacion_igv": "99"})),
        "valor_no_permitido",
        Some("lineas[1].afectacion_igv"),
    );
    assert!(
        e.mensaje().contains("'99'") && e.mensaje().contains("10"),
        "{e}"
    );
    // A code typed as a number is the same code; anything else is the wrong type.
    assert!(
        calcular_documento_json(&con_linea(
            json!({"cantidad": "1", "precio": "1", "afectacion_igv": 20})
        ))
        .is_ok()
    );
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "afectacion_igv": true})),
        "tipo_invalido",
        Some("lineas[1].afectacion_igv"),
    );
    espera(
        r#"{"pais": 5, "fecha": "2026-11-21", "lineas": []}"#,
        "tipo_invalido",
        Some("pais"),
    );
    let doc = json!({"pais": "EC", "fecha": "2026-11-21",
        "lineas": [{"cantidad": "1", "precio": "1", "iva": "12%"}]});
    espera(
        &doc.to_string(),
        "valor_no_permitido",
        Some("lineas[0].iva"),
    );
}

#[test]
fn numeros_mal_formados() {
    for malo in [
        json!("1,50"),
        json!("1.5.0"),
        json!("abc"),
        json!(""),
        json!("1e3"),
        json!(true),
        json!([1]),
    ] {
        let e = error(&con_linea(json!({"cantidad": "1", "precio": malo})));
        assert!(
            matches!(e.codigo(), "numero_invalido" | "tipo_invalido"),
            "{malo}: {} {e}",
            e.codigo()
        );
        assert_eq!(e.campo(), Some("lineas[1].precio"), "{malo}");
    }
    // JSON numbers are read exactly, or refused when they cannot be.
    let ok = calcular_documento_json(&con_linea(json!({"cantidad": 3, "precio": 24.99}))).unwrap();
    assert!(ok.contains("\"subtotal\":\"74.97\""), "{ok}");
    let e = error(
        r#"{"pais":"PE","fecha":"2026-11-21","lineas":[{"cantidad":1,"precio":0.1234567890123456789}]}"#,
    );
    assert_eq!(e.codigo(), "numero_invalido");
}

#[test]
fn campos_que_faltan_o_sobran() {
    // The missing field is named, not the object it is missing from.
    espera(
        r#"{"pais":"PE","fecha":"2026-11-21"}"#,
        "campo_requerido",
        Some("lineas"),
    );
    let e = error(r#"{"pais":"PE","fecha":"2026-11-21","lineas":[{"precio":"1"}]}"#);
    assert_eq!(e.codigo(), "campo_requerido");
    assert_eq!(e.campo(), Some("lineas[0].cantidad"));
    assert!(e.mensaje().contains("'cantidad'"), "{e}");
    espera(
        r#"{"pais":"PE","fecha":"2026-11-21","lineas":[{"cantidad":"1","precio":"1","precio_unitario":"1"}]}"#,
        "campo_desconocido",
        Some("lineas[0].precio_unitario"),
    );
    espera(
        r#"{"pais":"CO","fecha":"2026-11-21","lineas":[]}"#,
        "valor_no_permitido",
        Some("pais"),
    );
    espera(
        r#"{"pais":"PE","fecha":"2026-02-30","lineas":[]}"#,
        "fecha_invalida",
        Some("fecha"),
    );
    espera(
        r#"{"pais":"PE","fecha":"2026-11-21","lineas":[]}"#,
        "documento_sin_lineas",
        Some("lineas"),
    );
    espera(
        r#"{"pais":"PE","fecha":"2026-11-21","lineas":null}"#,
        "tipo_invalido",
        Some("lineas"),
    );
}

#[test]
fn json_roto() {
    for roto in [
        "",
        "{",
        "[1,2]",
        "null",
        r#"{"pais":"PE",}"#,
        "{\"pais\":\"PE\"} basura",
        "\u{0}",
    ] {
        let e = error(roto);
        assert!(
            matches!(
                e.codigo(),
                "json_invalido" | "tipo_invalido" | "campo_requerido"
            ),
            "{roto:?}: {e}"
        );
    }
}

#[test]
fn textos_absurdamente_largos() {
    let largo = "x".repeat(100_000);
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "descripcion": largo})),
        "texto_demasiado_largo",
        Some("lineas[1].descripcion"),
    );
    let e = error(&con_linea(
        json!({"cantidad": "1", "precio": "9".repeat(5_000)}),
    ));
    assert_eq!(e.codigo(), "numero_invalido");
    // The message echoes a bounded part of the input, not all of it.
    assert!(e.mensaje().len() < 300, "{}", e.mensaje().len());
    let lineas = vec![json!({"cantidad": "1", "precio": "1"}); erp_core::calculo::MAX_LINEAS + 1];
    let doc = json!({"pais": "PE", "fecha": "2026-11-21", "lineas": lineas});
    espera(
        &doc.to_string(),
        "documento_demasiado_grande",
        Some("lineas"),
    );
}

#[test]
fn moneda_y_tipo_de_cambio() {
    let doc = json!({"pais": "PE", "fecha": "2026-11-21", "moneda": "EUR", "lineas": [{"cantidad": "1", "precio": "1"}]});
    espera(&doc.to_string(), "valor_no_permitido", Some("moneda"));
    let doc = json!({"pais": "PE", "fecha": "2026-11-21", "tipo_de_cambio": "3.7",
        "lineas": [{"cantidad": "1", "precio": "1"}]});
    espera(
        &doc.to_string(),
        "tipo_de_cambio_invalido",
        Some("tipo_de_cambio"),
    );
    let doc = json!({"pais": "PE", "fecha": "2026-11-21", "moneda": "USD", "tipo_de_cambio": "3.7001",
        "lineas": [{"cantidad": "1", "precio": "1"}]});
    espera(
        &doc.to_string(),
        "tipo_de_cambio_invalido",
        Some("tipo_de_cambio"),
    );
}

#[test]
fn unidad_de_medida_peruana() {
    espera(
        &con_linea(json!({"cantidad": "1", "precio": "1", "unidad": "kilo gramo"})),
        "valor_no_permitido",
        Some("lineas[1].unidad"),
    );
    let ok = calcular_documento_json(&con_linea(
        json!({"cantidad": "1", "precio": "1", "unidad": "kgm"}),
    ))
    .unwrap();
    assert!(ok.contains("\"unidad_de_medida\":\"KGM\""));
}
