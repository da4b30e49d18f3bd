//! The `erp` command line as a script uses it: standard input, standard output, exit codes.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn erp(args: &[&str], entrada: &str) -> Output {
    let mut hijo = Command::new(env!("CARGO_BIN_EXE_erp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    hijo.stdin
        .take()
        .unwrap()
        .write_all(entrada.as_bytes())
        .unwrap();
    hijo.wait_with_output().unwrap()
}

fn salida(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn calcular_imprime_el_documento() {
    let o = erp(
        &["calcular"],
        r#"{"pais":"PE","fecha":"2026-11-21","precios_incluyen_impuesto":true,
            "lineas":[{"cantidad":"3","precio":"24.99"}]}"#,
    );
    assert_eq!(o.status.code(), Some(0));
    let v = salida(&o);
    assert_eq!(v["total"], "74.97");
    assert_eq!(v["total_igv"], "11.44");
    // One line of JSON, fields in their documented order.
    let texto = String::from_utf8(o.stdout).unwrap();
    assert_eq!(texto.lines().count(), 1);
    assert!(
        texto.starts_with(r#"{"pais":"PE","fecha":"2026-11-21""#),
        "{texto}"
    );
}

#[test]
fn calcular_con_error_sale_con_1_y_json() {
    let o = erp(
        &["calcular"],
        r#"{"pais":"EC","fecha":"2026-11-21","lineas":[{"cantidad":"1","precio":"x"}]}"#,
    );
    assert_eq!(o.status.code(), Some(1));
    let v = salida(&o);
    assert_eq!(v["codigo"], "numero_invalido");
    assert_eq!(v["campo"], "lineas[0].precio");
    assert!(v["mensaje"].as_str().unwrap().contains("no es un número"));
    let o = erp(&["calcular"], "esto no es json");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(salida(&o)["codigo"], "json_invalido");
}

#[test]
fn validar_documento_codigos_de_salida() {
    let o = erp(&["validar-documento", "PE", "ruc", "20131312955"], "");
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("válido"));
    let o = erp(&["validar-documento", "PE", "ruc", "20131312956"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("debería ser 5"));
    let o = erp(
        &["validar-documento", "EC", "cedula", "1714307103", "--json"],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(salida(&o)["valido"], true);
    let o = erp(&["validar-documento", "EC", "ruc", "1793213150001"], "");
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("advertencia"));
    // Usage errors: unknown country, unknown type, a type of the other country, missing args.
    for args in [
        &["validar-documento", "CO", "ruc", "1"][..],
        &["validar-documento", "PE", "nit", "1"],
        &["validar-documento", "EC", "dni", "10117410"],
        &["validar-documento", "PE"],
    ] {
        let o = erp(args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}
