//! `erp._native`: the engine for Python. Values cross as JSON built here from Python objects and
//! back: money as `decimal.Decimal` (a `float` is refused: 0.1 is not exact), dates as
//! `datetime.date`, ids as text. Every engine call releases the GIL. Errors are `ErpError` with
//! the engine's `codigo`, `mensaje` and `campo`.

mod valores;

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

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

fn argumentos(py: Python<'_>, v: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    match v {
        Some(v) => valores::a_json(py, v, "").map_err(|e| error(py, e)),
        None => Ok("{}".into()),
    }
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
    valores::a_python(py, &r)
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
    valores::a_python(py, &r)
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
    let resultado = valores::a_python(py, &s.resultado)?;
    let eventos = if s.eventos.is_empty() {
        PyList::empty(py).into_any()
    } else {
        valores::a_python(py, &s.eventos_json().map_err(|e| error(py, e))?)?
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
            let pedido = valores::a_python(py, solicitud).map_err(|e| e.to_string())?;
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
            valores::a_json(py, &r, "respuesta").map_err(|e| e.mensaje)
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
