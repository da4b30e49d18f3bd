//! The database's company through `erp-embed`: an engine on an empty file makes it once, however
//! many threads or engines try at the same time.

#![allow(clippy::unwrap_used)]

mod comun;

use std::sync::Arc;

use comun::Dir;
use erp_embed::{Engine, bloquear};
use serde_json::json;

fn datos(ruc: &str) -> String {
    json!({"pais": "PE", "identificacion": ruc, "razon_social": format!("Empresa {ruc}")})
        .to_string()
}

#[test]
fn hilos_de_un_motor_hacen_una_sola_empresa() {
    // Several rounds: the threads start together, so a check-then-create without the engine's
    // lock lets two of them through.
    for _ in 0..5 {
        una_ronda();
    }
}

fn una_ronda() {
    let d = Dir::new();
    let url = d.0.join("erp.db");
    let e = Arc::new(bloquear(Engine::abrir(url.to_str().unwrap(), None)).unwrap());
    let salida = Arc::new(std::sync::Barrier::new(8));
    let hilos: Vec<_> = (0..8)
        .map(|i| {
            let (e, salida) = (e.clone(), salida.clone());
            let ruc = ["20600695771", "20100070970"][i % 2];
            std::thread::spawn(move || {
                salida.wait();
                bloquear(e.ejecutar("crear_empresa", &datos(ruc)))
            })
        })
        .collect();
    let resultados: Vec<_> = hilos.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(resultados.iter().filter(|r| r.is_ok()).count(), 1);
    for r in resultados.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.codigo, "estado_invalido", "{r}");
    }
    // The file has one company: an engine opened without naming it finds it.
    let otro = bloquear(Engine::abrir(url.to_str().unwrap(), None)).unwrap();
    assert_eq!(otro.empresa_id(), e.empresa_id());
    assert!(e.empresa_id().is_some());
}

#[test]
fn un_motor_abierto_antes_no_hace_una_segunda_empresa() {
    let d = Dir::new();
    let url = d.0.join("erp.db");
    let url = url.to_str().unwrap();
    let a = bloquear(Engine::abrir(url, None)).unwrap();
    let b = bloquear(Engine::abrir(url, None)).unwrap();
    bloquear(a.ejecutar("crear_empresa", &datos("20600695771"))).unwrap();
    let err = bloquear(b.ejecutar("crear_empresa", &datos("20100070970"))).unwrap_err();
    assert_eq!(err.codigo, "estado_invalido");
    assert!(err.mensaje.contains("otra conexión"), "{err}");
    assert!(
        err.mensaje.contains(&a.empresa_id().unwrap().to_string()),
        "{err}"
    );
    // Reopened, it works with the one company.
    let b = bloquear(Engine::abrir(url, None)).unwrap();
    assert_eq!(b.empresa_id(), a.empresa_id());
}
