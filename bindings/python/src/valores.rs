//! Python values ⇄ the engine's JSON text, without a tree in between: a Python argument is
//! written straight into the text the engine reads, and the engine's answer is read straight
//! into Python objects. Money crosses as `decimal.Decimal` (a `float` is refused: 0.1 is not
//! exact), dates as `datetime.date`, ids as text.

use erp_embed::{Error, claves};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

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

/// Where a value sits in the argument (`lineas[2].precio`). Written out only for an error, so a
/// valid document pays nothing for it.
#[derive(Clone, Copy)]
enum Ruta<'a> {
    /// The argument itself, by the name the error gives it ("" reads "valor").
    Raiz(&'a str),
    Clave(&'a Ruta<'a>, &'a str),
    Indice(&'a Ruta<'a>, usize),
}

impl fmt::Display for Ruta<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ruta::Raiz("") => f.write_str("valor"),
            Ruta::Raiz(nombre) => f.write_str(nombre),
            Ruta::Clave(Ruta::Raiz(""), k) => f.write_str(k),
            Ruta::Clave(padre, k) => write!(f, "{padre}.{k}"),
            Ruta::Indice(padre, i) => write!(f, "{padre}[{i}]"),
        }
    }
}

/// A Python value as the engine's JSON text; `nombre` names the argument in an error.
pub(crate) fn a_json(py: Python<'_>, v: &Bound<'_, PyAny>, nombre: &str) -> Result<String, Error> {
    let tipos = tipos(py).map_err(|e| Error::tipo(nombre, e.to_string()))?;
    let mut escritor = Escritor {
        py,
        tipos,
        texto: Vec::with_capacity(512),
    };
    escritor.valor(v, Ruta::Raiz(nombre), 0)?;
    String::from_utf8(escritor.texto).map_err(|e| Error::interno(e.to_string()))
}

struct Escritor<'t> {
    py: Python<'t>,
    tipos: &'t Tipos,
    texto: Vec<u8>,
}

impl Escritor<'_> {
    fn texto(&mut self, s: &str) {
        // Writing a str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.texto, s);
    }

    fn valor(
        &mut self,
        v: &Bound<'_, PyAny>,
        ruta: Ruta<'_>,
        profundidad: u32,
    ) -> Result<(), Error> {
        let error = |mensaje: String| Error::tipo(&ruta.to_string(), mensaje);
        if profundidad > PROFUNDIDAD_MAXIMA {
            return Err(error(format!(
                "{ruta} anida más de {PROFUNDIDAD_MAXIMA} niveles de listas o diccionarios"
            )));
        }
        // The common cases first: a document is mostly text, dicts and lists.
        if let Ok(s) = v.cast::<PyString>() {
            let s = s.to_cow().map_err(|_| {
                error(format!(
                    "{ruta} tiene un carácter que no es UTF-8 (un sustituto suelto)"
                ))
            })?;
            self.texto(&s);
            return Ok(());
        }
        if let Ok(d) = v.cast::<PyDict>() {
            // A copy: Python code run while converting (a datetime subclass's isoformat) could
            // change the dict, and iterating a dict that changes size panics.
            let d = d.copy().map_err(|e| error(e.to_string()))?;
            self.texto.push(b'{');
            for (i, (k, x)) in d.iter().enumerate() {
                let Ok(k) = k.cast::<PyString>() else {
                    return Err(error("las claves de un diccionario son textos".into()));
                };
                let k = k
                    .to_cow()
                    .map_err(|_| error("una clave tiene un sustituto suelto".into()))?;
                if i > 0 {
                    self.texto.push(b',');
                }
                self.texto(&k);
                self.texto.push(b':');
                self.valor(&x, Ruta::Clave(&ruta, &k), profundidad + 1)?;
            }
            self.texto.push(b'}');
            return Ok(());
        }
        if let Ok(l) = v.cast::<PyList>() {
            return self.lista(l.iter(), ruta, profundidad);
        }
        if let Ok(t) = v.cast::<PyTuple>() {
            return self.lista(t.iter(), ruta, profundidad);
        }
        if v.is_none() {
            self.texto.extend_from_slice(b"null");
            return Ok(());
        }
        if let Ok(b) = v.cast::<PyBool>() {
            let b: &[u8] = if b.is_true() { b"true" } else { b"false" };
            self.texto.extend_from_slice(b);
            return Ok(());
        }
        if v.cast::<PyInt>().is_ok() {
            let n: i64 = v.extract().map_err(|_| {
                error("el entero no cabe en 64 bits: páselo como Decimal o texto".into())
            })?;
            self.texto.extend_from_slice(n.to_string().as_bytes());
            return Ok(());
        }
        if v.cast::<PyFloat>().is_ok() {
            return Err(error(format!(
                "{ruta} es un float ({}): use decimal.Decimal o texto, un float no es exacto",
                v.str().map(|s| s.to_string()).unwrap_or_default()
            )));
        }
        let py = self.py;
        let es = |c: &Py<PyType>| v.is_instance(c.bind(py)).unwrap_or(false);
        if es(&self.tipos.decimal) {
            let texto = decimal_en_texto(self.tipos.decimal.bind(py), v)
                .map_err(|m| error(format!("{ruta} {m}")))?;
            self.texto(&texto);
            return Ok(());
        }
        // datetime is a date: ask for it first.
        if es(&self.tipos.datetime) {
            if v.getattr("tzinfo").ok().filter(|x| !x.is_none()).is_none() {
                return Err(error(format!(
                    "{ruta}: un datetime sin zona horaria es ambiguo; use uno con tzinfo"
                )));
            }
            let iso: String = v
                .call_method0("isoformat")
                .and_then(|x| x.extract())
                .map_err(|e| error(e.to_string()))?;
            self.texto(&iso);
            return Ok(());
        }
        if es(&self.tipos.date) || es(&self.tipos.uuid) {
            let texto = v.str().map_err(|e| error(e.to_string()))?;
            let texto = texto.to_cow().map_err(|e| error(e.to_string()))?;
            self.texto(&texto);
            return Ok(());
        }
        let clase = v
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        Err(error(format!(
            "{ruta} es un {clase}: se esperaba dict, list, str, int, Decimal, date, UUID o None"
        )))
    }

    fn lista<'py>(
        &mut self,
        elementos: impl Iterator<Item = Bound<'py, PyAny>>,
        ruta: Ruta<'_>,
        profundidad: u32,
    ) -> Result<(), Error> {
        self.texto.push(b'[');
        for (i, x) in elementos.enumerate() {
            if i > 0 {
                self.texto.push(b',');
            }
            self.valor(&x, Ruta::Indice(&ruta, i), profundidad + 1)?;
        }
        self.texto.push(b']');
        Ok(())
    }
}

/// More digits than any amount or quantity has: a Decimal whose exponent would write more is
/// refused before it is written (`Decimal("1E+999999999")` in fixed point is a billion digits).
const MAXIMO_CIFRAS: i64 = 64;

/// A Decimal in fixed-point form, as the engine reads it: `str()` would write Decimal('1E-7') as
/// "1E-7", which the engine refuses. Decimal's own methods are called, not a subclass's: a
/// subclass's `__str__` may round (`"10.00"` for 10.005).
fn decimal_en_texto(decimal: &Bound<'_, PyType>, v: &Bound<'_, PyAny>) -> Result<String, String> {
    let texto: String = decimal
        .call_method1("__str__", (v,))
        .and_then(|s| s.extract())
        .map_err(|e| e.to_string())?;
    // Most amounts are already plain ("24.99"): one call instead of three.
    if es_numero(&texto) {
        return Ok(texto);
    }
    let finito = decimal
        .call_method1("is_finite", (v,))
        .and_then(|x| x.extract::<bool>())
        .unwrap_or(false);
    if !finito {
        return Err("no es un número finito".into());
    }
    let exponente = texto
        .rsplit_once(['E', 'e'])
        .and_then(|(_, e)| e.parse::<i64>().ok())
        .unwrap_or(0);
    if exponente.abs() > MAXIMO_CIFRAS {
        return Err(format!(
            "es {texto}: ninguna cantidad ni importe tiene más de {MAXIMO_CIFRAS} cifras"
        ));
    }
    decimal
        .call_method1("__format__", (v, "f"))
        .and_then(|x| x.extract())
        .map_err(|e| e.to_string())
}

/// The engine's JSON text as Python values: decimals as `Decimal` and dates as `date` where the
/// field carries one ([`claves`]).
pub(crate) fn a_python<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    let conversor = Conversor {
        py,
        tipos: tipos(py)?,
        claves: RefCell::default(),
        valores: RefCell::default(),
        fallo: RefCell::default(),
    };
    let mut d = serde_json::Deserializer::from_str(json);
    let r = Semilla {
        c: &conversor,
        clase: Clase::Texto,
    }
    .deserialize(&mut d)
    .and_then(|v| d.end().map(|()| v));
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err(conversor
            .fallo
            .into_inner()
            .unwrap_or_else(|| crate::error(py, Error::interno(e.to_string())))),
    }
}

/// What a field's text becomes in Python.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Clase {
    Texto,
    Decimal,
    Fecha,
}

/// One answer's conversion. A text repeated in the answer ("0.00", a unit, a description) is made
/// into a Python object once and shared: they are immutable, and a 10-line document repeats half
/// of its values.
struct Conversor<'py, 'de> {
    py: Python<'py>,
    tipos: &'py Tipos,
    claves: RefCell<foldhash::HashMap<&'de str, (Bound<'py, PyString>, Clase)>>,
    valores: RefCell<foldhash::HashMap<(Clase, &'de str), Bound<'py, PyAny>>>,
    /// The Python error that stopped the reading (serde's error type cannot carry it).
    fallo: RefCell<Option<PyErr>>,
}

impl<'py> Conversor<'py, '_> {
    fn fallar<E: de::Error>(&self, e: PyErr) -> E {
        let mensaje = e.to_string();
        self.fallo.borrow_mut().get_or_insert(e);
        E::custom(mensaje)
    }

    fn texto(&self, s: &str, clase: Clase) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match clase {
            Clase::Decimal if es_numero(s) => self.tipos.decimal.bind(py).call1((s,))?,
            Clase::Fecha if s.len() == 10 => {
                match self.tipos.date.bind(py).call_method1("fromisoformat", (s,)) {
                    Ok(d) => d,
                    Err(_) => PyString::new(py, s).into_any(),
                }
            }
            _ => PyString::new(py, s).into_any(),
        })
    }
}

fn clase_de(clave: &str) -> Clase {
    if claves::es_decimal(clave) {
        Clase::Decimal
    } else if claves::es_fecha(clave) {
        Clase::Fecha
    } else {
        Clase::Texto
    }
}

/// A value, read as the field it belongs to (`clase`; a list's items as their list's field).
struct Semilla<'c, 'py, 'de> {
    c: &'c Conversor<'py, 'de>,
    clase: Clase,
}

impl<'de, 'py> DeserializeSeed<'de> for Semilla<'_, 'py, 'de> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Semilla<'_, 'py, 'de> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("un valor JSON")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.c.py.None().into_bound(self.c.py))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.c.py, b).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        let Ok(n) = n.into_pyobject(self.c.py);
        Ok(n.into_any())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        let Ok(n) = n.into_pyobject(self.c.py);
        Ok(n.into_any())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        // Never written by the engine (its numbers with decimals are text).
        self.c
            .tipos
            .decimal
            .bind(self.c.py)
            .call1((n.to_string(),))
            .map_err(|e| self.c.fallar(e))
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        if let Some(v) = self.c.valores.borrow().get(&(self.clase, s)) {
            return Ok(v.clone());
        }
        let v = self.c.texto(s, self.clase).map_err(|e| self.c.fallar(e))?;
        self.c
            .valores
            .borrow_mut()
            .insert((self.clase, s), v.clone());
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        // Text with escapes, not borrowed from the answer: made each time.
        self.c.texto(s, self.clase).map_err(|e| self.c.fallar(e))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let l = PyList::empty(self.c.py);
        while let Some(x) = seq.next_element_seed(Semilla {
            c: self.c,
            clase: self.clase,
        })? {
            l.append(x).map_err(|e| self.c.fallar(e))?;
        }
        Ok(l.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let d = PyDict::new(self.c.py);
        while let Some((k, clase)) = map.next_key_seed(Clave { c: self.c })? {
            let v = map.next_value_seed(Semilla { c: self.c, clase })?;
            d.set_item(k, v).map_err(|e| self.c.fallar(e))?;
        }
        Ok(d.into_any())
    }
}

/// A key: its Python text and the class of its value, worked out once per answer.
struct Clave<'c, 'py, 'de> {
    c: &'c Conversor<'py, 'de>,
}

impl<'de, 'py> DeserializeSeed<'de> for Clave<'_, 'py, 'de> {
    type Value = (Bound<'py, PyString>, Clase);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Clave<'_, 'py, 'de> {
    type Value = (Bound<'py, PyString>, Clase);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("una clave")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        if let Some(v) = self.c.claves.borrow().get(s) {
            return Ok(v.clone());
        }
        let v = (PyString::new(self.c.py, s), clase_de(s));
        self.c.claves.borrow_mut().insert(s, v.clone());
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok((PyString::new(self.c.py, s), clase_de(s)))
    }
}

/// Plain decimal text (`-12.50`): what is read as a Decimal (and what a Decimal's str() may be
/// passed on as).
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
