//! A Nubefact stand-in on loopback: it checks every request it receives against the rules of
//! Nubefact's JSON manual (`../shared/reference/peru.md` §1: the token header, the operation,
//! required fields and their JSON types, the series' letter, dates as DD-MM-YYYY, amounts that add
//! up within SUNAT's tolerance of 1, the referenced document of a note) and answers as Nubefact
//! does: the document with its links when accepted, `23` when the number already exists, `24`
//! when a consulted one does not. It keeps one document per (type, series, number), counts every
//! request, and records every rule a request broke. It can be told to answer late (after the
//! client gave up, having kept the document), or to fail with 503, a number of times.
//!
//! A comunicación de baja (`generar_anulacion`) is taken for a document it has, with a ticket and
//! `aceptada_por_sunat: false` as Nubefact answers while SUNAT processes it; `consultar_anulacion`
//! then answers SUNAT's verdict (accepted, or rejected when told to).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub const TOKEN: &str = "8d19d8c7c1f6402687720eab85cd57a54f5a7a3fa163476bbcf381ee2b5e0c69";

/// What the next requests meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modo {
    Normal,
    /// The next `n` emissions are kept, then answered after `espera` (past the client's
    /// timeout).
    Lento {
        n: u32,
        espera: Duration,
    },
    /// The next `n` requests of any operation fail with HTTP 503, keeping nothing.
    Falla {
        n: u32,
    },
}

type Clave = (u64, String, i64);

#[derive(Debug)]
pub struct Registro {
    pub modo: Modo,
    /// The documents accepted, by (tipo_de_comprobante, serie, numero).
    pub documentos: BTreeMap<Clave, Value>,
    /// Every request: (operation, `SERIE-numero`).
    pub solicitudes: Vec<(String, String)>,
    /// `generar_comprobante` requests per number (accepted or not).
    pub emisiones: BTreeMap<String, u32>,
    /// Rules broken, one line each: a correct client leaves this empty.
    pub violaciones: Vec<String>,
    /// Added before every answer (a gateway's latency).
    pub demora: Duration,
    /// The bajas asked for, by document: their ticket.
    pub bajas: BTreeMap<Clave, String>,
    /// `generar_anulacion` requests per number.
    pub anulaciones: BTreeMap<String, u32>,
    /// SUNAT refuses the bajas (their consult answers a rejection).
    pub rechazar_bajas: bool,
}

pub struct NubefactPrueba {
    pub ruta: String,
    registro: Arc<Mutex<Registro>>,
}

impl NubefactPrueba {
    /// Serves on this listener (a port chosen by the test).
    pub fn servir(escucha: tokio::net::TcpListener) -> Self {
        let ruta = format!(
            "http://{}/api/v1/2f8a1d0c-prueba",
            escucha.local_addr().unwrap()
        );
        let registro = Arc::new(Mutex::new(Registro {
            modo: Modo::Normal,
            documentos: BTreeMap::new(),
            solicitudes: Vec::new(),
            emisiones: BTreeMap::new(),
            violaciones: Vec::new(),
            demora: Duration::ZERO,
            bajas: BTreeMap::new(),
            anulaciones: BTreeMap::new(),
            rechazar_bajas: false,
        }));
        let app = Router::new()
            .route("/api/v1/2f8a1d0c-prueba", post(atender))
            .with_state(registro.clone());
        tokio::spawn(async move {
            axum::serve(escucha, app).await.unwrap();
        });
        Self { ruta, registro }
    }

    pub async fn nuevo() -> Self {
        Self::servir(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    pub fn modo(&self, m: Modo) {
        self.registro.lock().unwrap().modo = m;
    }

    pub fn demora(&self, d: Duration) {
        self.registro.lock().unwrap().demora = d;
    }

    pub fn rechazar_bajas(&self) {
        self.registro.lock().unwrap().rechazar_bajas = true;
    }

    pub fn ver<T>(&self, f: impl FnOnce(&Registro) -> T) -> T {
        f(&self.registro.lock().unwrap())
    }

    /// Keeps a document as if another system had issued this number already.
    pub fn precargar(&self, tipo: u64, serie: &str, numero: i64) {
        self.registro.lock().unwrap().documentos.insert(
            (tipo, serie.into(), numero),
            json!({"tipo_de_comprobante": tipo, "serie": serie, "numero": numero}),
        );
    }
}

fn error(estado: StatusCode, codigo: i64, mensaje: &str) -> (StatusCode, String) {
    (
        estado,
        json!({"errors": mensaje, "codigo": codigo}).to_string(),
    )
}

async fn atender(
    State(r): State<Arc<Mutex<Registro>>>,
    cabeceras: HeaderMap,
    cuerpo: Bytes,
) -> (StatusCode, String) {
    let (respuesta, espera, demora) = {
        let mut reg = r.lock().unwrap();
        let (respuesta, espera) = responder(&mut reg, &cabeceras, &cuerpo);
        (respuesta, espera, reg.demora)
    };
    tokio::time::sleep(espera.unwrap_or_default() + demora).await;
    respuesta
}

fn responder(
    reg: &mut Registro,
    cabeceras: &HeaderMap,
    cuerpo: &[u8],
) -> ((StatusCode, String), Option<Duration>) {
    let auth = cabeceras
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Token token=\"{TOKEN}\"") {
        reg.violaciones
            .push(format!("cabecera Authorization: {auth:?}"));
        return (
            error(StatusCode::UNAUTHORIZED, 10, "token incorrecto"),
            None,
        );
    }
    if cabeceras.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        reg.violaciones
            .push("Content-Type no es application/json".into());
    }
    let v: Value = match serde_json::from_slice(cuerpo) {
        Ok(v) => v,
        Err(e) => {
            reg.violaciones.push(format!("JSON ilegible: {e}"));
            return (error(StatusCode::BAD_REQUEST, 20, "JSON ilegible"), None);
        }
    };
    let operacion = v["operacion"].as_str().unwrap_or("").to_string();
    let tipo = v["tipo_de_comprobante"].as_u64().unwrap_or(0);
    let serie = v["serie"].as_str().unwrap_or("").to_string();
    let numero = v["numero"].as_i64().unwrap_or(0);
    let nombre = format!("{serie}-{numero}");
    reg.solicitudes.push((operacion.clone(), nombre.clone()));
    if let Modo::Falla { n } = reg.modo {
        reg.modo = if n > 1 {
            Modo::Falla { n: n - 1 }
        } else {
            Modo::Normal
        };
        return (
            (StatusCode::SERVICE_UNAVAILABLE, "<html>503</html>".into()),
            None,
        );
    }
    let clave = (tipo, serie.clone(), numero);
    match operacion.as_str() {
        "generar_comprobante" => {
            *reg.emisiones.entry(nombre.clone()).or_default() += 1;
            let fallos = verificar_comprobante(&v, reg);
            if !fallos.is_empty() {
                let m = fallos.join("; ");
                reg.violaciones
                    .extend(fallos.into_iter().map(|f| format!("{nombre}: {f}")));
                return (error(StatusCode::BAD_REQUEST, 20, &m), None);
            }
            if reg.documentos.contains_key(&clave) {
                return (
                    error(
                        StatusCode::BAD_REQUEST,
                        23,
                        "Este documento ya existe en NubeFacT",
                    ),
                    None,
                );
            }
            reg.documentos.insert(clave, v.clone());
            let espera = match reg.modo {
                Modo::Lento { n, espera } => {
                    reg.modo = if n > 1 {
                        Modo::Lento { n: n - 1, espera }
                    } else {
                        Modo::Normal
                    };
                    Some(espera)
                }
                _ => None,
            };
            ((StatusCode::OK, aceptado(tipo, &serie, numero)), espera)
        }
        "consultar_comprobante" => {
            for c in ["tipo_de_comprobante", "serie", "numero"] {
                if v.get(c).is_none() {
                    reg.violaciones.push(format!("{nombre}: consulta sin {c}"));
                }
            }
            if reg.documentos.contains_key(&clave) {
                ((StatusCode::OK, aceptado(tipo, &serie, numero)), None)
            } else {
                (
                    error(StatusCode::BAD_REQUEST, 24, "El documento no existe"),
                    None,
                )
            }
        }
        "generar_anulacion" => {
            *reg.anulaciones.entry(nombre.clone()).or_default() += 1;
            let motivo = v["motivo"].as_str().unwrap_or("");
            let mut fallos = Vec::new();
            if !(1..=100).contains(&motivo.chars().count()) {
                fallos.push(format!("motivo de 1 a 100 caracteres: {:?}", v["motivo"]));
            }
            if !v["codigo_unico"].is_null() && !v["codigo_unico"].is_string() {
                fallos.push("codigo_unico no es texto".into());
            }
            if !fallos.is_empty() {
                let m = fallos.join("; ");
                reg.violaciones
                    .extend(fallos.into_iter().map(|f| format!("{nombre}: {f}")));
                return (error(StatusCode::BAD_REQUEST, 20, &m), None);
            }
            if !reg.documentos.contains_key(&clave) {
                reg.violaciones.push(format!(
                    "{nombre}: baja de un documento que Nubefact no tiene"
                ));
                return (
                    error(StatusCode::BAD_REQUEST, 24, "El documento no existe"),
                    None,
                );
            }
            if reg.bajas.contains_key(&clave) {
                reg.violaciones
                    .push(format!("{nombre}: baja pedida dos veces"));
                return (
                    error(
                        StatusCode::BAD_REQUEST,
                        23,
                        "La anulación ya existe en NubeFacT",
                    ),
                    None,
                );
            }
            let ticket = format!("1570{:012}", reg.bajas.len() + 1);
            reg.bajas.insert(clave, ticket.clone());
            let r = json!({
                "numero": numero,
                "enlace": format!("https://www.nubefact.com/anulacion/{nombre}"),
                "sunat_ticket_numero": ticket,
                "aceptada_por_sunat": false,
                "sunat_description": null,
                "sunat_note": null,
                "sunat_responsecode": null,
                "sunat_soap_error": "",
            });
            ((StatusCode::OK, r.to_string()), None)
        }
        "consultar_anulacion" => {
            let Some(ticket) = reg.bajas.get(&clave).cloned() else {
                return (
                    error(StatusCode::BAD_REQUEST, 24, "El documento no existe"),
                    None,
                );
            };
            let base = format!("https://www.nubefact.com/anulacion/{nombre}");
            let (aceptada, codigo, descripcion) = if reg.rechazar_bajas {
                (
                    false,
                    "2220",
                    "El ID debe coincidir con el consignado en el nombre del archivo",
                )
            } else {
                (true, "0", "La Comunicacion de baja ha sido aceptada")
            };
            let r = json!({
                "numero": numero,
                "enlace": base,
                "sunat_ticket_numero": ticket,
                "aceptada_por_sunat": aceptada,
                "sunat_description": descripcion,
                "sunat_note": null,
                "sunat_responsecode": codigo,
                "sunat_soap_error": "",
                "enlace_del_pdf": format!("{base}.pdf"),
                "enlace_del_xml": format!("{base}.xml"),
                "enlace_del_cdr": format!("{base}.cdr"),
            });
            ((StatusCode::OK, r.to_string()), None)
        }
        otra => {
            reg.violaciones
                .push(format!("operación desconocida: {otra:?}"));
            (
                error(StatusCode::BAD_REQUEST, 20, "operación desconocida"),
                None,
            )
        }
    }
}

fn aceptado(tipo: u64, serie: &str, numero: i64) -> String {
    let base = format!("https://www.nubefact.com/cpe/{serie}-{numero}");
    let nombre = match tipo {
        1 => "Factura",
        2 => "Boleta",
        3 => "Nota de Crédito",
        _ => "Nota de Débito",
    };
    json!({
        "tipo_de_comprobante": tipo,
        "serie": serie,
        "numero": numero,
        "enlace": base,
        "aceptada_por_sunat": true,
        "sunat_description": format!("La {nombre} numero {serie}-{numero}, ha sido aceptada"),
        "sunat_note": null,
        "sunat_responsecode": "0",
        "sunat_soap_error": "",
        "cadena_para_codigo_qr": format!("20600695771 | 0{tipo} | {serie} | {numero} | ..."),
        "codigo_hash": "xMLFMnbgp1/bHEy572RKRTE9hPY=",
        "enlace_del_pdf": format!("{base}.pdf"),
        "enlace_del_xml": format!("{base}.xml"),
        "enlace_del_cdr": format!("{base}.cdr"),
    })
    .to_string()
}

/// An amount as Nubefact reads it: a JSON number or a decimal string.
fn monto(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// The manual's rules for `generar_comprobante`; each broken rule is one line.
fn verificar_comprobante(v: &Value, reg: &Registro) -> Vec<String> {
    let mut f = Vec::new();
    let texto = |c: &str, f: &mut Vec<String>| -> String {
        match v.get(c) {
            Some(Value::String(s)) => s.clone(),
            _ => {
                f.push(format!("{c} falta o no es texto"));
                String::new()
            }
        }
    };
    let entero = |c: &str, f: &mut Vec<String>| -> i64 {
        match v.get(c).and_then(Value::as_i64) {
            Some(n) => n,
            None => {
                f.push(format!("{c} falta o no es entero"));
                0
            }
        }
    };
    let tipo = entero("tipo_de_comprobante", &mut f);
    let serie = texto("serie", &mut f);
    let numero = entero("numero", &mut f);
    entero("sunat_transaction", &mut f);
    let tipo_doc = texto("cliente_tipo_de_documento", &mut f);
    texto("cliente_numero_de_documento", &mut f);
    if texto("cliente_denominacion", &mut f).trim().is_empty() {
        f.push("cliente_denominacion vacío".into());
    }
    let fecha = texto("fecha_de_emision", &mut f);
    let moneda = entero("moneda", &mut f);
    for c in [
        "enviar_automaticamente_a_la_sunat",
        "enviar_automaticamente_al_cliente",
    ] {
        if !v.get(c).is_some_and(Value::is_boolean) {
            f.push(format!("{c} falta o no es booleano"));
        }
    }
    if !(1..=4).contains(&tipo) {
        f.push(format!("tipo_de_comprobante {tipo} no es 1-4"));
    }
    if !(1..=99_999_999).contains(&numero) {
        f.push(format!("numero {numero} fuera de 1-99999999"));
    }
    if !(1..=3).contains(&moneda) {
        f.push(format!("moneda {moneda} no es 1-3"));
    }
    let partes: Vec<&str> = fecha.split('-').collect();
    if partes.len() != 3 || partes[0].len() != 2 || partes[1].len() != 2 || partes[2].len() != 4 {
        f.push(format!("fecha_de_emision {fecha:?} no es DD-MM-YYYY"));
    }
    // The series' letter: F for facturas, B for boletas, a note's that of what it modifies.
    let letra = match tipo {
        1 => Some('F'),
        2 => Some('B'),
        _ => match v["documento_que_se_modifica_tipo"].as_i64() {
            Some(1) => Some('F'),
            Some(2) => Some('B'),
            _ => {
                f.push("una nota sin documento_que_se_modifica_tipo 1 o 2".into());
                None
            }
        },
    };
    if serie.len() != 4 || letra.is_some_and(|l| !serie.starts_with(l)) {
        f.push(format!(
            "serie {serie:?} no es de 4 caracteres con la letra {letra:?}"
        ));
    }
    if tipo == 1 {
        if tipo_doc != "6" && v["sunat_transaction"].as_i64() != Some(2) {
            f.push(format!("factura a un comprador sin RUC (tipo {tipo_doc})"));
        }
        if v["cliente_direccion"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            f.push("factura sin cliente_direccion".into());
        }
    }
    if tipo == 3 || tipo == 4 {
        let ref_tipo = v["documento_que_se_modifica_tipo"].as_u64().unwrap_or(0);
        let ref_serie = v["documento_que_se_modifica_serie"].as_str().unwrap_or("");
        let ref_numero = v["documento_que_se_modifica_numero"].as_i64().unwrap_or(0);
        if !reg
            .documentos
            .contains_key(&(ref_tipo, ref_serie.to_string(), ref_numero))
        {
            f.push(format!(
                "la nota modifica {ref_serie}-{ref_numero}, que Nubefact no tiene"
            ));
        }
        let motivo = if tipo == 3 {
            "tipo_de_nota_de_credito"
        } else {
            "tipo_de_nota_de_debito"
        };
        if v[motivo].as_i64().is_none() {
            f.push(format!("{motivo} falta o no es entero"));
        }
    }
    // Arithmetic, within SUNAT's tolerance of 1.
    let uno = Decimal::ONE;
    let total_de = |c: &str| monto(&v[c]).unwrap_or_default();
    let Some(items) = v["items"].as_array().filter(|i| !i.is_empty()) else {
        f.push("items falta o está vacío".into());
        return f;
    };
    let mut suma_igv = Decimal::ZERO;
    for (i, it) in items.iter().enumerate() {
        for c in ["unidad_de_medida", "descripcion"] {
            if !it[c].is_string() {
                f.push(format!("items[{i}].{c} falta o no es texto"));
            }
        }
        let leer = |c: &str, f: &mut Vec<String>| match monto(&it[c]) {
            Some(d) => d,
            None => {
                f.push(format!("items[{i}].{c} falta o no es un número"));
                Decimal::ZERO
            }
        };
        let cantidad = leer("cantidad", &mut f);
        let valor = leer("valor_unitario", &mut f);
        leer("precio_unitario", &mut f);
        let subtotal = leer("subtotal", &mut f);
        let igv = leer("igv", &mut f);
        let total = leer("total", &mut f);
        let bolsas = monto(&it["impuesto_bolsas"]).unwrap_or_default();
        let descuento = monto(&it["descuento"]).unwrap_or_default();
        if cantidad <= Decimal::ZERO {
            f.push(format!("items[{i}].cantidad no es positiva"));
        }
        let gratuito = matches!(it["tipo_de_igv"].as_i64(), Some(2..=7 | 10..=15 | 17 | 20));
        if !gratuito {
            if (cantidad * valor - descuento - subtotal).abs() > uno {
                f.push(format!(
                    "items[{i}]: cantidad × valor_unitario no da el subtotal"
                ));
            }
            if (subtotal + igv + bolsas - total).abs() > uno {
                f.push(format!("items[{i}]: subtotal + igv no da el total"));
            }
            suma_igv += igv;
        }
    }
    if (suma_igv - total_de("total_igv")).abs() > uno {
        f.push(format!(
            "total_igv {} no es la suma de los igv {suma_igv}",
            total_de("total_igv")
        ));
    }
    let suma = total_de("total_gravada")
        + total_de("total_inafecta")
        + total_de("total_exonerada")
        + total_de("total_igv")
        + total_de("total_impuestos_bolsas");
    if (suma - total_de("total")).abs() > uno {
        f.push(format!(
            "total {} no es la suma de sus partes {suma}",
            total_de("total")
        ));
    }
    f
}
