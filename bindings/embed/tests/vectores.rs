//! The shared vectors of the bindings (`bindings/vectores/`): each input document's totals as the
//! engine writes them, byte for byte. Python, Node and Kotlin check the same files, so a document
//! computed in any of them is the same JSON as in Rust. `ERP_ACTUALIZAR_VECTORES=1` rewrites the
//! outputs (to review in the diff).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

fn carpeta() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectores")
}

#[test]
fn cada_vector_da_su_salida_exacta() {
    let mut nombres: Vec<_> = std::fs::read_dir(carpeta().join("entradas"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    nombres.sort();
    assert!(nombres.len() >= 6, "{nombres:?}");
    for entrada in nombres {
        let salida = carpeta().join("salidas").join(entrada.file_name().unwrap());
        let doc = std::fs::read_to_string(&entrada).unwrap();
        let calculado = erp_embed::calcular_documento(&doc)
            .unwrap_or_else(|e| panic!("{}: {e}", entrada.display()));
        if std::env::var_os("ERP_ACTUALIZAR_VECTORES").is_some() {
            std::fs::write(&salida, &calculado).unwrap();
            continue;
        }
        let esperado = std::fs::read_to_string(&salida)
            .unwrap_or_else(|e| panic!("{}: {e}", salida.display()));
        assert_eq!(calculado, esperado, "{}", entrada.display());
    }
}

#[test]
fn errores_con_codigo_y_campo() {
    let e = erp_embed::calcular_documento(
        r#"{"pais": "PE", "fecha": "2026-11-21", "lineas": [{"cantidad": "-1", "precio": "10"}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.codigo, "cantidad_invalida");
    assert_eq!(e.campo.as_deref(), Some("lineas[0].cantidad"));
    let e = erp_embed::validar_identidad("PE", "ruc", "20100070971").unwrap_err();
    assert_eq!(e.codigo, "ruc_invalido");
    let ok = erp_embed::validar_identidad("PE", "ruc", "20100070970").unwrap();
    assert!(ok.contains("20100070970"), "{ok}");
}

/// `OPERACIONES` and the dispatcher name the same operations: each listed one is known (a bad
/// argument, not "unknown operation"), and an unlisted one is not.
#[test]
fn cada_operacion_listada_existe() {
    erp_embed::bloquear(async {
        let e = erp_embed::Engine::abrir("sqlite::memory:", None)
            .await
            .unwrap();
        e.ejecutar(
            "crear_empresa",
            r#"{"pais": "PE", "identificacion": "20600695771", "razon_social": "Prueba S.A.C."}"#,
        )
        .await
        .unwrap();
        let desconocida = |r: &erp_embed::Result<erp_embed::Salida>| matches!(r, Err(x) if x.campo.as_deref() == Some("operacion"));
        for (nombre, _) in erp_embed::OPERACIONES {
            let r = e.ejecutar(nombre, r#"{"x": 1}"#).await;
            assert!(!desconocida(&r), "{nombre}: {r:?}");
        }
        assert!(desconocida(&e.ejecutar("vender_todo", "{}").await));
        Ok::<_, erp_embed::Error>(())
    })
    .unwrap();
}
