//! The documentation pages: the OpenAPI document, Swagger UI at `/api/docs/` and ReDoc at
//! `/api/redoc/`, rendered by a headless Chromium that cannot resolve any host but loopback (so
//! the pages load with no internet, from assets inside the binary).

use std::process::Command;

use super::*;

/// Debian's Chromium, when installed (scripts/test installs it and sets ERP_EXIGIR_CHROMIUM).
fn chromium() -> Option<&'static str> {
    let hallado = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|s| s.status.success())
        });
    if hallado.is_none() {
        assert!(
            std::env::var("ERP_EXIGIR_CHROMIUM").is_err(),
            "ERP_EXIGIR_CHROMIUM está definido pero Chromium no está instalado"
        );
        eprintln!("Chromium no está instalado: se omite la prueba en el navegador");
    }
    hallado
}

/// The DOM of a page after its scripts ran, offline. Headless Chromium without
/// `--user-data-dir` runs on a throwaway profile of its own (with one given, ReDoc's first render
/// outlasted the virtual time budget on this machine).
async fn dom(navegador: &'static str, url: String) -> String {
    let salida = tokio::task::spawn_blocking(move || {
        Command::new(navegador)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                // Any host but loopback is unknown: a page that needs the internet breaks here.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=60000",
                "--dump-dom",
            ])
            .arg(url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        salida.status.success(),
        "chromium falló: {}",
        String::from_utf8_lossy(&salida.stderr)
    );
    String::from_utf8_lossy(&salida.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paginas_de_documentacion() {
    let (store, dir) = sqlite_archivo().await;
    let api = levantar(store, Some(dir)).await;
    let raiz = api.base.replace("/api/v1", "");
    let doc: Value = api
        .http
        .get(format!("{raiz}/api/schema/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let pos = &doc["paths"]["/api/v1/ventas/pos/"]["post"];
    assert_eq!(pos["security"][0]["jwt"], json!(["ventas.pos"]));
    assert!(pos["requestBody"].is_object(), "{pos}");
    // The request bodies are the engine's own types, with their fields.
    let venta = &doc["components"]["schemas"]["VentaPos"];
    assert!(venta["properties"]["items"].is_object(), "{venta}");
    assert_eq!(
        doc["components"]["securitySchemes"]["jwt"]["scheme"],
        "bearer"
    );
    // Every reference of the document resolves to a schema it defines.
    let texto = doc.to_string();
    let prefijo = "\"#/components/schemas/";
    let nombres: Vec<&str> = texto
        .match_indices(prefijo)
        .map(|(i, _)| {
            let resto = &texto[i + prefijo.len()..];
            &resto[..resto.find('"').unwrap()]
        })
        .collect();
    assert!(nombres.len() > 50, "{} referencias", nombres.len());
    for nombre in nombres {
        assert!(
            doc["components"]["schemas"][nombre].is_object(),
            "referencia sin esquema: {nombre}"
        );
    }
    for (pagina, tipo) in [
        ("/api/docs/", "text/html"),
        ("/api/redoc/", "text/html"),
        ("/api/redoc/redoc.standalone.js", "application/javascript"),
    ] {
        let r = api
            .http
            .get(format!("{raiz}{pagina}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{pagina}");
        let t = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(t.starts_with(tipo), "{pagina}: {t}");
    }
    let Some(navegador) = chromium() else {
        return;
    };
    let swagger = dom(navegador, format!("{raiz}/api/docs/")).await;
    assert!(
        swagger.contains("opblock") && swagger.contains("/api/v1/ventas/pos/"),
        "Swagger UI no mostró las operaciones: {}",
        &swagger[..swagger.len().min(2000)]
    );
    // ReDoc renders after fetching the document and compiling a 2 MB bundle on real time, while
    // the headless browser stops on virtual time: with the other suites loading both cores the
    // first try can be cut short. Missing assets or a broken page fail every try.
    // ReDoc draws the menu (with the paths) before the sections (with the tags' text): a try
    // counts only when both are there, the same test as the assertion below.
    let completa = |r: &str| {
        r.contains("Sesiones: login, refresco, logout, perfil") && r.contains("/api/v1/auth/login/")
    };
    let mut redoc = String::new();
    for _ in 0..6 {
        redoc = dom(navegador, format!("{raiz}/api/redoc/")).await;
        if completa(&redoc) {
            break;
        }
    }
    assert!(
        // Rendered from the document: a tag's description and its operations.
        completa(&redoc),
        "ReDoc no mostró la API ({} bytes; etiqueta: {}, ruta: {}): …{}",
        redoc.len(),
        redoc.contains("Sesiones: login, refresco, logout, perfil"),
        redoc.contains("/api/v1/auth/login/"),
        // The end of the page: what ReDoc rendered last, or the error it shows.
        redoc
            .char_indices()
            .rev()
            .nth(3000)
            .map_or(redoc.as_str(), |(i, _)| &redoc[i..])
    );
    assert!(!redoc.contains("Something went wrong"), "ReDoc falló");
}
