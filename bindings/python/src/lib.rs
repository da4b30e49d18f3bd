//! `erp._native`: the engine for Python. Values cross as JSON built here from Python objects and
//! back: money as `decimal.Decimal` (a `float` is refused: 0.1 is not exact), dates as
//! `datetime.date`, ids as text. Every engine call releases the GIL. Errors are `ErpError` with
//! the engine's `codigo`, `mensaje` and `campo`.

use erp_embed::claves;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Value};

pyo3::create_exception!(
    _native,
    ErpError,
    PyException,
    "An engine error: `codigo` (stable), `mensaje` (for a person), `campo` (the field, or None)."
);

fn error(py: Python<'_>, e: erp_embed::Error) -> PyErr {
    let err = ErpError::new_err(e.to_string());
    let valor = err.value(py);
    // Attributes on the instance: `except ErpError as e: e.codigo`.
    let _ = valor.setattr("codigo", &e.codigo);
    let _ = valor.setattr("mensaje", &e.mensaje);
    let _ = valor.setattr("campo", e.campo.as_deref());
    err
}

/// The classes a value is checked against, imported once.
struct Tipos {
    decimal: Py<PyType>,
    date: Py<PyType>,
    datetime: Py<PyType>,
    uuid: Py<PyType>,
}

fn tipos(py: Python<'_>) -> PyResult<&Tipos> {
    static TIPOS: PyOnceLock<Tipos> = PyOnceLock::new();
    TIPOS.get_or_try_init(py, || {
        let clase = |m: &str, c: &str| -> PyResult<Py<PyType>> {
            Ok(py.import(m)?.getattr(c)?.cast_into::<PyType>()?.unbind())
        };
        Ok(Tipos {
            decimal: clase("decimal", "Decimal")?,
            date: clase("datetime", "date")?,
            datetime: clase("datetime", "datetime")?,
            uuid: clase("uuid", "UUID")?,
        })
    })
}

/// Deeper than this is refused, not recursed into (a list that contains itself would overflow
/// the stack): serde_json's own limit, so no document the engine reads is lost.
const PROFUNDIDAD_MAXIMA: u32 = 128;

/// A Python value as the engine's JSON. `ruta` names the field for the error.
fn a_json(py: Python<'_>, v: &Bound<'_, PyAny>, ruta: &str) -> Result<Value, erp_embed::Error> {
    a_json_en(py, v, ruta, 0)
}

fn a_json_en(
    py: Python<'_>,
    v: &Bound<'_, PyAny>,
    ruta: &str,
    profundidad: u32,
) -> Result<Value, erp_embed::Error> {
    let t = tipos(py).map_err(|e| erp_embed::Error::tipo(ruta, e.to_string()))?;
    let nombre = || {
        v.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into())
    };
    let campo = if ruta.is_empty() { "valor" } else { ruta };
    if profundidad > PROFUNDIDAD_MAXIMA {
        return Err(erp_embed::Error::tipo(
            campo,
            format!("{campo} anida más de {PROFUNDIDAD_MAXIMA} niveles de listas o diccionarios"),
        ));
    }
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.cast::<PyInt>().is_ok() {
        return match v.extract::<i64>() {
            Ok(n) => Ok(Value::from(n)),
            Err(_) => Err(erp_embed::Error::tipo(
                campo,
                "el entero no cabe en 64 bits: páselo como Decimal o texto",
            )),
        };
    }
    if v.cast::<PyFloat>().is_ok() {
        return Err(erp_embed::Error::tipo(
            campo,
            format!(
                "{campo} es un float ({}): use decimal.Decimal o texto, un float no es exacto",
                v.str().map(|s| s.to_string()).unwrap_or_default()
            ),
        ));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_string()));
    }
    let es = |c: &Py<PyType>| v.is_instance(c.bind(py)).unwrap_or(false);
    if es(&t.decimal) {
        let finito = v
            .call_method0("is_finite")
            .and_then(|x| x.extract::<bool>())
            .unwrap_or(false);
        if !finito {
            return Err(erp_embed::Error::tipo(
                campo,
                format!("{campo} no es un número finito"),
            ));
        }
        // Fixed-point: str() would write Decimal('1E-7') as "1E-7", which the engine refuses.
        let texto: String = v
            .call_method1("__format__", ("f",))
            .and_then(|x| x.extract())
            .map_err(|e| erp_embed::Error::tipo(campo, e.to_string()))?;
        return Ok(Value::String(texto));
    }
    // datetime is a date: ask for it first.
    if es(&t.datetime) {
        let tz = v.getattr("tzinfo").ok().filter(|x| !x.is_none());
        if tz.is_none() {
            return Err(erp_embed::Error::tipo(
                campo,
                format!("{campo}: un datetime sin zona horaria es ambiguo; use uno con tzinfo"),
            ));
        }
        let iso: String = v
            .call_method0("isoformat")
            .and_then(|x| x.extract())
            .map_err(|e| erp_embed::Error::tipo(campo, e.to_string()))?;
        return Ok(Value::String(iso));
    }
    if es(&t.date) || es(&t.uuid) {
        let texto: String = v
            .str()
            .map(|s| s.to_string())
            .map_err(|e| erp_embed::Error::tipo(campo, e.to_string()))?;
        return Ok(Value::String(texto));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, x) in d.iter() {
            let Ok(k) = k.cast::<PyString>().map(|s| s.to_string()) else {
                return Err(erp_embed::Error::tipo(
                    campo,
                    "las claves de un diccionario son textos",
                ));
            };
            let sub = if ruta.is_empty() {
                k.clone()
            } else {
                format!("{ruta}.{k}")
            };
            m.insert(k, a_json_en(py, &x, &sub, profundidad + 1)?);
        }
        return Ok(Value::Object(m));
    }
    if v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok() {
        let mut out = Vec::new();
        for (i, x) in v
            .try_iter()
            .map_err(|e| erp_embed::Error::tipo(campo, e.to_string()))?
            .enumerate()
        {
            let x = x.map_err(|e| erp_embed::Error::tipo(campo, e.to_string()))?;
            out.push(a_json_en(
                py,
                &x,
                &format!("{campo}[{i}]"),
                profundidad + 1,
            )?);
        }
        return Ok(Value::Array(out));
    }
    Err(erp_embed::Error::tipo(
        campo,
        format!(
            "{campo} es un {}: se esperaba dict, list, str, int, Decimal, date, UUID o None",
            nombre()
        ),
    ))
}

/// The engine's JSON as Python values: decimals as `Decimal` and dates as `date` where the field
/// carries one ([`claves`]).
fn a_python<'py>(py: Python<'py>, v: &Value, clave: &str) -> PyResult<Bound<'py, PyAny>> {
    let t = tipos(py)?;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                // Never written by the engine; exact if it were.
                t.decimal.bind(py).call1((n.to_string(),))?
            }
        }
        Value::String(s) => {
            if claves::es_decimal(clave) && es_numero(s) {
                t.decimal.bind(py).call1((s.as_str(),))?
            } else if claves::es_fecha(clave) && s.len() == 10 {
                match t.date.bind(py).call_method1("fromisoformat", (s.as_str(),)) {
                    Ok(d) => d,
                    Err(_) => PyString::new(py, s).into_any(),
                }
            } else {
                PyString::new(py, s).into_any()
            }
        }
        Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(a_python(py, x, clave)?)?;
            }
            l.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, a_python(py, x, k)?)?;
            }
            d.into_any()
        }
    })
}

fn es_numero(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let mut partes = s.splitn(2, '.');
    let entera = partes.next().unwrap_or("");
    !entera.is_empty()
        && entera.bytes().all(|b| b.is_ascii_digit())
        && partes
            .next()
            .is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn desde_texto<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| error(py, erp_embed::Error::interno(e.to_string())))?;
    a_python(py, &v, "")
}

fn argumentos(py: Python<'_>, v: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    let valor = match v {
        Some(v) => a_json(py, v, "").map_err(|e| error(py, e))?,
        None => Value::Object(Map::new()),
    };
    Ok(valor.to_string())
}

/// The engine's totals of a document: a dict in (money as Decimal or text), a dict out.
#[pyfunction]
fn calcular_documento<'py>(
    py: Python<'py>,
    documento: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let json = argumentos(py, Some(documento))?;
    let r = py
        .detach(|| erp_embed::calcular_documento(&json))
        .map_err(|e| error(py, e))?;
    desde_texto(py, &r)
}

/// The same, JSON text in and out: byte for byte what every binding and the server answer.
#[pyfunction]
fn calcular_documento_json(py: Python<'_>, documento: &str) -> PyResult<String> {
    py.detach(|| erp_embed::calcular_documento(documento))
        .map_err(|e| error(py, e))
}

/// Validates an identity document: `pais` `PE` or `EC`, `tipo` `ruc`, `dni`, `cedula`…
#[pyfunction]
fn validar_identidad<'py>(
    py: Python<'py>,
    pais: &str,
    tipo: &str,
    numero: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let r = py
        .detach(|| erp_embed::validar_identidad(pais, tipo, numero))
        .map_err(|e| error(py, e))?;
    desde_texto(py, &r)
}

/// The operations `Motor.ejecutar` knows: (name, arguments).
#[pyfunction]
fn operaciones() -> Vec<(&'static str, &'static str)> {
    erp_embed::OPERACIONES.to_vec()
}

/// The engine on a SQLite file or a PostgreSQL URL, bound to one company.
#[pyclass(frozen, module = "erp._native")]
struct Motor {
    engine: erp_embed::Engine,
}

#[pymethods]
impl Motor {
    /// Opens (and migrates) the database; `empresa` picks the company when it has several.
    #[staticmethod]
    #[pyo3(signature = (url, empresa=None))]
    fn abrir(py: Python<'_>, url: &str, empresa: Option<&str>) -> PyResult<Self> {
        let (url, empresa) = (url.to_string(), empresa.map(String::from));
        let engine = py
            .detach(|| erp_embed::bloquear(erp_embed::Engine::abrir(&url, empresa.as_deref())))
            .map_err(|e| error(py, e))?;
        Ok(Self { engine })
    }

    /// The company's id, or None before `crear_empresa`.
    #[getter]
    fn empresa_id(&self) -> Option<String> {
        self.engine.empresa_id().map(|u| u.to_string())
    }

    /// Runs an operation (see `operaciones()`) with its arguments as a dict: its result, and the
    /// events it committed (a list of dicts, empty when it wrote nothing).
    #[pyo3(signature = (operacion, argumentos=None))]
    fn ejecutar<'py>(
        &self,
        py: Python<'py>,
        operacion: &str,
        argumentos: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let args = self::argumentos(py, argumentos)?;
        let s = py
            .detach(|| erp_embed::bloquear(self.engine.ejecutar(operacion, &args)))
            .map_err(|e| error(py, e))?;
        salida(py, &s)
    }

    /// The same with JSON text in and out: the result and the events (a JSON array).
    fn ejecutar_json(
        &self,
        py: Python<'_>,
        operacion: &str,
        argumentos: &str,
    ) -> PyResult<(String, String)> {
        let s = py
            .detach(|| erp_embed::bloquear(self.engine.ejecutar(operacion, argumentos)))
            .map_err(|e| error(py, e))?;
        let eventos = s.eventos_json().map_err(|e| error(py, e))?;
        Ok((s.resultado, eventos))
    }

    /// Sends the company's due comprobantes through `emisor`, a callable that takes the request
    /// (a dict) and returns the gateway's answer in Nubefact's form (a dict); an exception it
    /// raises is logged as a failed attempt. What became of each, and the events committed.
    #[pyo3(signature = (emisor, limite=100))]
    fn enviar_pendientes<'py>(
        &self,
        py: Python<'py>,
        emisor: Bound<'py, PyAny>,
        limite: u32,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        if !emisor.is_callable() {
            return Err(error(
                py,
                erp_embed::Error::tipo(
                    "emisor",
                    "el emisor es una función (o un objeto invocable)",
                ),
            ));
        }
        let emisor = EmisorPy {
            funcion: emisor.unbind(),
            interrupcion: std::sync::Mutex::new(None),
        };
        let s = py
            .detach(|| erp_embed::bloquear(self.engine.enviar_pendientes(&emisor, limite)))
            .map_err(|e| error(py, e))?;
        // Ctrl-C in the sender: what was recorded stays recorded; the interruption goes on.
        if let Some(e) = emisor.interrupcion.lock().ok().and_then(|mut g| g.take()) {
            return Err(e);
        }
        salida(py, &s)
    }
}

/// An operation's result and its events as Python values.
fn salida<'py>(
    py: Python<'py>,
    s: &erp_embed::Salida,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let resultado = desde_texto(py, &s.resultado)?;
    let eventos = if s.eventos.is_empty() {
        PyList::empty(py).into_any()
    } else {
        desde_texto(py, &s.eventos_json().map_err(|e| error(py, e))?)?
    };
    Ok((resultado, eventos))
}

/// The application's sender, a Python callable, as the engine's port. It is called with the GIL
/// taken back for it; its exception becomes the failed attempt's message. A `KeyboardInterrupt`
/// or `SystemExit` (not an `Exception`) also stops the round and is raised again afterwards.
struct EmisorPy {
    funcion: Py<PyAny>,
    interrupcion: std::sync::Mutex<Option<PyErr>>,
}

impl erp_embed::EmisorHost for EmisorPy {
    fn enviar(&self, solicitud: String) -> erp_embed::EnvioHost<'_> {
        // Called (not awaited) where the engine sends: the caller's thread waits for Python as it
        // would for the HTTP request this replaces.
        let r = self.llamar(&solicitud);
        Box::pin(std::future::ready(r))
    }

    fn detenido(&self) -> bool {
        self.interrupcion
            .lock()
            .map(|g| g.is_some())
            .unwrap_or(true)
    }
}

impl EmisorPy {
    fn llamar(&self, solicitud: &str) -> Result<String, String> {
        Python::attach(|py| {
            let pedido = desde_texto(py, solicitud).map_err(|e| e.to_string())?;
            let r = self.funcion.bind(py).call1((pedido,)).map_err(|e| {
                let mensaje = e.to_string();
                if !e.is_instance_of::<PyException>(py)
                    && let Ok(mut g) = self.interrupcion.lock()
                {
                    g.get_or_insert(e);
                }
                mensaje
            })?;
            if r.cast::<PyDict>().is_err() {
                return Err(format!(
                    "el emisor devolvió {}: se esperaba un dict con la respuesta de Nubefact",
                    r.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|_| "?".into())
                ));
            }
            a_json(py, &r, "respuesta")
                .map(|v| v.to_string())
                .map_err(|e| e.mensaje)
        })
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ErpError", m.py().get_type::<ErpError>())?;
    m.add("PLUGIN_FALLIDO", erp_embed::PLUGIN_FALLIDO)?;
    m.add_function(wrap_pyfunction!(calcular_documento, m)?)?;
    m.add_function(wrap_pyfunction!(calcular_documento_json, m)?)?;
    m.add_function(wrap_pyfunction!(validar_identidad, m)?)?;
    m.add_function(wrap_pyfunction!(operaciones, m)?)?;
    m.add_class::<Motor>()?;
    Ok(())
}
