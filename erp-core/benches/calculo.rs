//! `calcular_documento` on a 10-line Peruvian and a 10-line Ecuadorian document, typed and as
//! JSON in / JSON out. Goal (issue 2): at least one million lines per second on one core.
//!
//! Also the Nubefact request of a 10-line factura built from its stored comprobante (issue 6).
//!
//! `cargo bench -p erp-core --bench calculo`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erp_core::{Documento, calcular_documento, calcular_documento_json, entrada};

/// The 10-line Peruvian document (tax-included prices, discounts, an exonerated line, a bag): one
/// of the vectors every binding computes, and what their per-call overhead is measured on.
fn peru() -> String {
    include_str!("../../bindings/vectores/entradas/peru_10_lineas.json").to_string()
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
        // A document the engine refuses would time the error path.
        calcular_documento(&doc).expect("documento de prueba calculable");
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

/// `generar_comprobante` from a stored comprobante (its document read back from JSON, checked
/// and mapped), and the request serialized to the JSON that goes on the wire.
fn nubefact(c: &mut Criterion) {
    use erp_core::comprobantes::{Comprobante, EstadoComprobante, TipoComprobante};
    use erp_core::facturacion::nubefact::{Extras, generar_comprobante};

    let doc: Documento = entrada::desde_json(&peru()).expect("documento de prueba válido");
    let calculado = calcular_documento(&doc).expect("calculable");
    let empresa: erp_core::empresa::NuevaEmpresa = serde_json::from_value(serde_json::json!({
        "pais": "PE", "tipo_identificacion": "ruc", "identificacion": "20601030013",
        "razon_social": "Ferretería El Tornillo S.A.C.",
    }))
    .expect("empresa de prueba");
    let ahora = time::OffsetDateTime::UNIX_EPOCH;
    let empresa = empresa
        .construir(uuid::Uuid::nil(), ahora)
        .expect("empresa válida");
    let comprobante = Comprobante {
        id: uuid::Uuid::nil(),
        tipo: TipoComprobante::Factura,
        serie: "F001".into(),
        numero: 12_345,
        venta_id: uuid::Uuid::nil(),
        referencia_id: None,
        motivo_codigo: None,
        motivo: String::new(),
        estado: EstadoComprobante::Pendiente,
        cliente_id: uuid::Uuid::nil(),
        cliente_tipo_documento: erp_core::terceros::TipoDocumentoCliente::Ruc,
        cliente_numero_documento: "20600695771".into(),
        cliente_razon_social: "NUBEFACT SA".into(),
        cliente_direccion: "Calle Libertad 116, Miraflores".into(),
        fecha_emision: time::macros::date!(2026 - 11 - 21),
        moneda: erp_core::Moneda::Pen,
        total: calculado.total(),
        documento: serde_json::to_value(&calculado).expect("serializable"),
        creado_en: ahora,
        clave_idempotencia: None,
        envio: Default::default(),
    };
    let mut g = c.benchmark_group("nubefact_10_lineas");
    g.throughput(Throughput::Elements(1));
    g.bench_function("generar_comprobante_json", |b| {
        b.iter(|| {
            let s = generar_comprobante(&empresa, black_box(&comprobante), &Extras::default())
                .expect("emitible");
            serde_json::to_vec(&s).expect("serializable")
        })
    });
    g.finish();
}

criterion_group!(benches, bench, nubefact);
criterion_main!(benches);
