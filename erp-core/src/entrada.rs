//! Reading input: decimals and dates from JSON, and serde's errors turned into the engine's
//! errors with the path of the offending field and a Spanish message.
//!
//! Decimals are read exactly. A JSON string (`"24.99"`) is the recommended form. A JSON number is
//! accepted too, because people type them, but serde hands numbers over as `f64`: an integer is
//! exact, and a fractional number is taken from its shortest round-trip form only when that form
//! has at most 15 significant digits (so `24.99` is 24.99 and never 24.989999…); anything longer
//! must come as a string.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use time::Date;

use crate::error::{Codigo, Error};

/// Longest decimal text accepted; anything longer is garbage, not a price.
const MAX_LARGO_NUMERO: usize = 40;

/// Parses a decimal written as text: an optional minus sign, digits, and optionally a point and
/// more digits. No exponent, no thousands separator, no spaces.
pub fn parse_decimal(texto: &str) -> Result<Decimal, String> {
    if texto.is_empty() {
        return Err("número vacío".into());
    }
    if texto.len() > MAX_LARGO_NUMERO {
        return Err(format!(
            "número demasiado largo ({} caracteres)",
            texto.len()
        ));
    }
    let cuerpo = texto.strip_prefix('-').unwrap_or(texto);
    let (entera, fraccion) = match cuerpo.split_once('.') {
        Some((e, f)) => (e, Some(f)),
        None => (cuerpo, None),
    };
    let solo_digitos = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !solo_digitos(entera) || fraccion.is_some_and(|f| !solo_digitos(f)) {
        return Err(format!(
            "'{}' no es un número decimal (use punto decimal y sin separador de miles, p. ej. \"1234.50\")",
            recortar(texto)
        ));
    }
    Decimal::from_str_exact(texto)
        .map_err(|_| format!("'{}' excede la precisión de 28 dígitos", recortar(texto)))
}

/// Parses an `AAAA-MM-DD` date.
pub fn parse_fecha(texto: &str) -> Result<Date, String> {
    let formato = time::macros::format_description!("[year]-[month]-[day]");
    if texto.len() != 10 {
        return Err(format!("'{}' no es una fecha AAAA-MM-DD", recortar(texto)));
    }
    Date::parse(texto, &formato)
        .map_err(|_| format!("'{}' no es una fecha válida AAAA-MM-DD", recortar(texto)))
}

/// Formats a date as `AAAA-MM-DD`.
pub fn formatear_fecha(fecha: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        fecha.year(),
        u8::from(fecha.month()),
        fecha.day()
    )
}

/// A text cut to `max` characters, to fit a column or a field (no mark: it is stored, not shown).
pub fn truncar(texto: &str, max: usize) -> String {
    texto.chars().take(max).collect()
}

/// Cuts a text that is echoed back in a message, so a huge input never makes a huge error.
pub fn recortar(texto: &str) -> String {
    const MAX: usize = 40;
    if texto.chars().count() <= MAX {
        texto.to_string()
    } else {
        format!("{}…", truncar(texto, MAX))
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("un número decimal (preferiblemente como texto, p. ej. \"12.50\")")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("número no finito"));
        }
        let texto = format!("{v}");
        let significativos = texto
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|b| *b == b'0');
        if texto.contains(['e', 'E']) || significativos.count() > 15 {
            return Err(E::custom(format!(
                "el número {texto} no se puede leer con exactitud; envíelo como texto (\"{texto}\")"
            )));
        }
        parse_decimal(&texto).map_err(E::custom)
    }
}

/// Deserializes a catalog code given as a string (`"10"`) or as a whole number (`10`), and maps it
/// with `desde`; `admitidos` lists the accepted values for the error message.
pub fn codigo_de_catalogo<'de, D, T>(
    d: D,
    desde: fn(&str) -> Option<T>,
    admitidos: &'static str,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct CodigoVisitor<T> {
        desde: fn(&str) -> Option<T>,
        admitidos: &'static str,
    }
    impl<T> CodigoVisitor<T> {
        fn mapear<E: de::Error>(&self, v: &str) -> Result<T, E> {
            (self.desde)(v).ok_or_else(|| {
                E::custom(format!(
                    "valor no permitido '{}'; valores admitidos: {}",
                    recortar(v),
                    self.admitidos
                ))
            })
        }
    }
    impl<T> Visitor<'_> for CodigoVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "un código: {}", self.admitidos)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            self.mapear(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            self.mapear(&v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            self.mapear(&v.to_string())
        }
    }
    d.deserialize_any(CodigoVisitor { desde, admitidos })
}

/// `deserialize_with` for a required decimal.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// `deserialize_with` for an optional decimal (`null` or absent is `None`).
pub fn decimal_opcional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    struct Opcional;
    impl<'de> Visitor<'de> for Opcional {
        type Value = Option<Decimal>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("un número decimal o null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            decimal(d).map(Some)
        }
    }
    d.deserialize_option(Opcional)
}

/// `deserialize_with` for an `AAAA-MM-DD` date.
pub fn fecha<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    struct FechaVisitor;
    impl Visitor<'_> for FechaVisitor {
        type Value = Date;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("una fecha AAAA-MM-DD")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
            parse_fecha(v).map_err(E::custom)
        }
    }
    d.deserialize_str(FechaVisitor)
}

/// `deserialize_with` for an optional `AAAA-MM-DD` date.
pub fn fecha_opcional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let texto: Option<String> = serde::Deserialize::deserialize(d)?;
    texto
        .map(|t| parse_fecha(&t).map_err(de::Error::custom))
        .transpose()
}

/// `#[serde(with)]` for a date as the API and the stored JSON carry it: `AAAA-MM-DD`. It also
/// reads `[año, día del año]`, how dates inside stored JSON were written before (time's
/// default), so those rows stay readable.
pub mod fecha_iso {
    use super::*;

    pub fn serialize<S: serde::Serializer>(fecha: &Date, s: S) -> Result<S::Ok, S::Error> {
        serializar_fecha(fecha, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        d.deserialize_any(FechaOTupla)
    }

    pub(super) struct FechaOTupla;

    impl<'de> Visitor<'de> for FechaOTupla {
        type Value = Date;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("una fecha AAAA-MM-DD")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
            parse_fecha(v).map_err(E::custom)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Date, A::Error> {
            let (Some(anio), Some(dia)) = (a.next_element::<i32>()?, a.next_element::<u16>()?)
            else {
                return Err(de::Error::custom("se esperaba una fecha AAAA-MM-DD"));
            };
            Date::from_ordinal_date(anio, dia)
                .map_err(|_| de::Error::custom("se esperaba una fecha AAAA-MM-DD"))
        }
    }
}

/// [`fecha_iso`] for an optional date (`null` or absent: none).
pub mod fecha_iso_opcional {
    use super::*;

    pub fn serialize<S: serde::Serializer>(fecha: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        serializar_fecha_opcional(fecha, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        struct Opcional;
        impl<'de> Visitor<'de> for Opcional {
            type Value = Option<Date>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("una fecha AAAA-MM-DD o null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(super::fecha_iso::FechaOTupla).map(Some)
            }
        }
        d.deserialize_option(Opcional)
    }
}

/// Serializes a date as `AAAA-MM-DD`.
pub fn serializar_fecha<S: serde::Serializer>(fecha: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&formatear_fecha(*fecha))
}

/// Serializes an optional date as `AAAA-MM-DD` or null.
pub fn serializar_fecha_opcional<S: serde::Serializer>(
    fecha: &Option<Date>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match fecha {
        Some(f) => s.serialize_str(&formatear_fecha(*f)),
        None => s.serialize_none(),
    }
}

/// Reads a value from JSON text. On failure the error names the field's path and says in Spanish
/// what is wrong with it. The text is parsed to a JSON value first, so that only real syntax
/// errors are reported as `json_invalido` and a value of the wrong kind as `tipo_invalido`.
pub fn desde_json<T: DeserializeOwned>(json: &str) -> Result<T, Error> {
    let valor: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        Error::sin_campo(
            Codigo::JsonInvalido,
            format!("JSON inválido: {}", traducir(&e.to_string())),
        )
    })?;
    desde_valor(valor)
}

/// Reads a value from an already-parsed JSON value, with the same errors as [`desde_json`].
pub fn desde_valor<T: DeserializeOwned>(valor: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(valor).map_err(|e| {
        let campo = ruta(e.path());
        let mensaje = traducir(&e.inner().to_string());
        clasificar(campo, mensaje, false)
    })
}

fn ruta(path: &serde_path_to_error::Path) -> Option<String> {
    let texto = path.to_string();
    // serde_path_to_error writes `.` for the root.
    if texto == "." || texto.is_empty() {
        None
    } else {
        Some(texto)
    }
}

fn clasificar(campo: Option<String>, mensaje: String, sintaxis: bool) -> Error {
    let codigo = if sintaxis {
        Codigo::JsonInvalido
    } else if mensaje.starts_with("falta el campo") {
        Codigo::CampoRequerido
    } else if mensaje.starts_with("campo desconocido") {
        Codigo::CampoDesconocido
    } else if mensaje.starts_with("valor no permitido") {
        Codigo::ValorNoPermitido
    } else if mensaje.starts_with("tipo incorrecto") {
        Codigo::TipoInvalido
    } else if mensaje.contains("fecha") {
        Codigo::FechaInvalida
    } else {
        Codigo::NumeroInvalido
    };
    // serde names the object a required field is missing from; the field is the one to name.
    let campo = match (codigo, mensaje.split('\'').nth(1)) {
        (Codigo::CampoRequerido, Some(nombre)) if !nombre.is_empty() => Some(match campo {
            Some(padre) => format!("{padre}.{nombre}"),
            None => nombre.to_string(),
        }),
        _ => campo,
    };
    let mensaje = match (&campo, sintaxis) {
        (_, true) => format!("JSON inválido: {mensaje}"),
        (Some(c), false) => format!("{c}: {mensaje}"),
        (None, false) => mensaje,
    };
    Error::Validacion {
        codigo,
        campo,
        mensaje,
    }
}

/// Turns serde's English messages into Spanish ones, keeping the names and values they quote.
fn traducir(m: &str) -> String {
    // Position suffixes (" at line 1 column 5") are useful for syntax errors only; keep them
    // translated.
    let (cuerpo, posicion) = match m.rfind(" at line ") {
        Some(i) => (&m[..i], Some(&m[i + 1..])),
        None => (m, None),
    };
    let traducido = if let Some(resto) = cuerpo.strip_prefix("missing field ") {
        format!("falta el campo obligatorio {}", resto.replace('`', "'"))
    } else if let Some(resto) = cuerpo.strip_prefix("unknown field ") {
        let (nombre, esperados) = resto.split_once(", expected ").unwrap_or((resto, ""));
        let mut t = format!("campo desconocido {}", nombre.replace('`', "'"));
        if !esperados.is_empty() {
            t.push_str(&format!(
                "; campos admitidos: {}",
                esperados.replace('`', "")
            ));
        }
        t
    } else if let Some(resto) = cuerpo.strip_prefix("unknown variant ") {
        let (valor, esperados) = resto.split_once(", expected ").unwrap_or((resto, ""));
        let mut t = format!("valor no permitido {}", valor.replace('`', "'"));
        if !esperados.is_empty() {
            t.push_str(&format!(
                "; valores admitidos: {}",
                esperados.replace("one of ", "").replace('`', "")
            ));
        }
        t
    } else if let Some(resto) = cuerpo.strip_prefix("invalid type: ") {
        let (recibido, esperado) = resto
            .split_once(", expected ")
            .unwrap_or((resto, "otro tipo"));
        format!(
            "tipo incorrecto: se recibió {}, se esperaba {}",
            tipo_json(recibido),
            esperado
        )
    } else if cuerpo.starts_with("EOF while parsing") {
        "el texto termina antes de completar el JSON".to_string()
    } else if cuerpo.starts_with("trailing characters") {
        "hay caracteres después del JSON".to_string()
    } else if cuerpo.starts_with("expected") || cuerpo.starts_with("key must be") {
        format!("sintaxis: {cuerpo}")
    } else if let Some(resto) = cuerpo.strip_prefix("invalid length ") {
        format!("longitud inválida {resto}")
    } else if cuerpo.starts_with("recursion limit exceeded") {
        "el JSON está anidado demasiado profundo".to_string()
    } else {
        cuerpo.to_string()
    };
    match posicion {
        Some(p)
            if traducido.starts_with("sintaxis")
                || traducido.starts_with("el texto termina")
                || traducido.starts_with("hay caracteres") =>
        {
            let p = p
                .replace("at line", "en la línea")
                .replace("column", "columna");
            format!("{traducido} ({p})")
        }
        _ => traducido,
    }
}

fn tipo_json(serde: &str) -> String {
    let s = serde.replace('`', "'");
    if let Some(r) = s.strip_prefix("string ") {
        format!("el texto {r}")
    } else if let Some(r) = s.strip_prefix("integer ") {
        format!("el entero {r}")
    } else if let Some(r) = s.strip_prefix("floating point ") {
        format!("el número {r}")
    } else if let Some(r) = s.strip_prefix("boolean ") {
        format!("el booleano {r}")
    } else if s == "null" {
        "null".into()
    } else if s == "map" {
        "un objeto".into()
    } else if s == "sequence" {
        "una lista".into()
    } else {
        s
    }
}

/// Helper for validation code: a decimal value with a checked number of decimals.
/// An exchange rate as SUNAT publishes it: positive, up to 4 integer digits and 3 decimals.
pub fn tipo_de_cambio_valido(tc: Decimal) -> bool {
    tc > Decimal::ZERO && max_decimales(tc, 3) && max_enteros(tc, 4)
}

pub fn max_decimales(valor: Decimal, decimales: u32) -> bool {
    valor.normalize().scale() <= decimales
}

/// Whether a decimal has at most `enteros` integer digits.
pub fn max_enteros(valor: Decimal, enteros: u32) -> bool {
    let limite = Decimal::from(10_i64.pow(enteros));
    valor.abs() < limite
}

impl FromStr for crate::pais::Pais {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::desde_codigo(s).ok_or_else(|| {
            Error::sin_campo(
                Codigo::ValorNoPermitido,
                format!("país '{}' no soportado; use PE o EC", recortar(s)),
            )
        })
    }
}

/// Applies one field of a partial update: `Some` replaces the value, `None` leaves it.
pub fn poner<T>(destino: &mut T, cambio: Option<T>) {
    if let Some(v) = cambio {
        *destino = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct ConFechas {
        #[serde(with = "fecha_iso")]
        vence: Date,
        #[serde(default, with = "fecha_iso_opcional")]
        lote: Option<Date>,
    }

    #[test]
    fn fechas_como_texto_y_las_guardadas_antes() {
        let d = time::macros::date!(2026 - 12 - 21);
        let v: ConFechas = desde_json(r#"{"vence": "2026-12-21", "lote": null}"#).unwrap();
        assert_eq!(
            v,
            ConFechas {
                vence: d,
                lote: None
            }
        );
        assert_eq!(
            serde_json::to_string(&ConFechas {
                vence: d,
                lote: Some(d)
            })
            .unwrap(),
            r#"{"vence":"2026-12-21","lote":"2026-12-21"}"#
        );
        // How a stored instalment was written before: [year, day of the year].
        let v: ConFechas = serde_json::from_str(r#"{"vence": [2026, 355]}"#).unwrap();
        assert_eq!((v.vence, v.lote), (d, None));
        let v: ConFechas =
            serde_json::from_str(r#"{"vence": [2026, 355], "lote": [2026, 355]}"#).unwrap();
        assert_eq!(v.lote, Some(d));
        for malo in [
            r#"{"vence": "21/12/2026"}"#,
            r#"{"vence": "2026-02-30"}"#,
            r#"{"vence": 20261221}"#,
            r#"{"vence": [2026, 400]}"#,
        ] {
            let e = desde_json::<ConFechas>(malo).expect_err(malo);
            assert_eq!(e.campo(), Some("vence"), "{malo}: {e}");
        }
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Prueba {
        #[serde(deserialize_with = "decimal")]
        monto: Decimal,
        #[serde(default, deserialize_with = "decimal_opcional")]
        otro: Option<Decimal>,
    }

    #[test]
    fn decimales_exactos_desde_texto_y_numero() {
        let p: Prueba = desde_json(r#"{"monto": "24.99"}"#).unwrap();
        assert_eq!(p.monto.to_string(), "24.99");
        let p: Prueba = desde_json(r#"{"monto": 24.99, "otro": 3}"#).unwrap();
        assert_eq!(p.monto.to_string(), "24.99");
        assert_eq!(p.otro.unwrap().to_string(), "3");
        let p: Prueba = desde_json(r#"{"monto": 0.1, "otro": null}"#).unwrap();
        assert_eq!(p.monto.to_string(), "0.1");
        assert!(p.otro.is_none());
    }

    #[test]
    fn numeros_mal_formados() {
        for malo in [
            r#""1,5""#, r#""1e5""#, r#""""#, r#"" 12""#, r#""12.""#, r#""NaN""#, r#""--1""#,
        ] {
            let e = desde_json::<Prueba>(&format!(r#"{{"monto": {malo}}}"#)).unwrap_err();
            assert_eq!(e.codigo(), "numero_invalido", "{malo}: {e}");
            assert_eq!(e.campo(), Some("monto"));
        }
        let e = desde_json::<Prueba>(r#"{"monto": 0.12345678901234567}"#).unwrap_err();
        assert!(e.mensaje().contains("envíelo como texto"), "{e}");
    }

    #[test]
    fn errores_en_castellano_con_campo() {
        let e = desde_json::<Prueba>(r#"{}"#).unwrap_err();
        assert_eq!(e.codigo(), "campo_requerido");
        assert!(
            e.mensaje().contains("falta el campo obligatorio 'monto'"),
            "{e}"
        );
        // The missing field is named, not the object it is missing from.
        assert_eq!(e.campo(), Some("monto"));
        let e = desde_json::<Prueba>(r#"{"monto": "1", "x": 1}"#).unwrap_err();
        assert_eq!(e.codigo(), "campo_desconocido");
        assert_eq!(e.campo(), Some("x"));
        let e = desde_json::<Prueba>(r#"{"monto": true}"#).unwrap_err();
        assert_eq!(e.codigo(), "tipo_invalido");
        let e = desde_json::<Prueba>(r#"{"monto": "1""#).unwrap_err();
        assert_eq!(e.codigo(), "json_invalido");
        let e = desde_json::<Prueba>(r#"{"monto": "1"} x"#).unwrap_err();
        assert_eq!(e.codigo(), "json_invalido");
    }

    #[test]
    fn fechas() {
        assert!(parse_fecha("2026-02-29").is_err());
        assert!(parse_fecha("2024-02-29").is_ok());
        assert!(parse_fecha("21-11-2026").is_err());
        assert_eq!(
            formatear_fecha(parse_fecha("2026-01-05").unwrap()),
            "2026-01-05"
        );
    }
}
