//! `calcular_documento` on a 10-line Peruvian and a 10-line Ecuadorian document, typed and as
//! JSON in / JSON out. Goal (issue 2): at least one million lines per second on one core.
//!
//! `cargo bench -p erp-core --bench calculo`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erp_core::{Documento, calcular_documento, calcular_documento_json, entrada};

fn peru() -> String {
    let lineas: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            serde_json::json!({
                "codigo": format!("CPCH-TRA-{i:04}"),
                "descripcion": "Producto de prueba",
                "cantidad": format!("{}.5", i + 1),
                "precio": "24.99",
                "descuento_porcentaje": if i % 3 == 0 { "5" } else { "0" },
                "afectacion_igv": if i == 9 { "20" } else { "10" },
                "icbper": i == 8,
            })
        })
        .collect();
    serde_json::json!({"pais": "PE", "fecha": "2026-11-21", "precios_incluyen_impuesto": true,
        "lineas": lineas})
    .to_string()
}

fn ecuador() -> String {
    let lineas: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            let mut l = serde_json::json!({
                "codigo": format!("P{i:04}"),
                "descripcion": "Producto de prueba",
                "cantidad": format!("{}", i + 1),
                "precio": "12.345",
                "iva": if i == 9 { "0" } else { "general" },
            });
            if i == 8 {
                l["ice"] = serde_json::json!({"codigo": "3031", "tarifa": "75"});
            }
            l
        })
        .collect();
    serde_json::json!({"pais": "EC", "fecha": "2026-11-21", "lineas": lineas,
        "retenciones": [{"impuesto": "renta", "codigo": "312"}, {"impuesto": "iva", "codigo": "1"}]})
    .to_string()
}

fn bench(c: &mut Criterion) {
    for (nombre, json) in [("peru_10_lineas", peru()), ("ecuador_10_lineas", ecuador())] {
        let doc: Documento = entrada::desde_json(&json).expect("documento de prueba válido");
        let mut g = c.benchmark_group(nombre);
        g.throughput(Throughput::Elements(10));
        g.bench_function("calcular_documento", |b| {
            b.iter(|| calcular_documento(black_box(&doc)))
        });
        g.bench_function("calcular_documento_json", |b| {
            b.iter(|| calcular_documento_json(black_box(&json)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
