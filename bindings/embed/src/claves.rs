//! Which JSON fields of the engine's answers carry money or quantities (a decimal, written as a
//! string) and which carry a date (`AAAA-MM-DD`), so that a binding gives them its language's type
//! (`decimal.Decimal` and `datetime.date` in Python, `BigDecimal` in Kotlin). The lists are the
//! names of the `Decimal` and `Date` fields of `erp-core`; a test keeps them equal, so a field
//! added to the engine cannot reach a binding as a plain string.

/// Fields whose value is a decimal, in snake_case (a camelCase key, as in Ecuador's documents,
/// is matched by its snake_case form).
pub const DECIMALES: &[&str] = &[
    "base_imponible",
    "bruto",
    "cantidad",
    "cantidad_actual",
    "cantidad_devuelta",
    "cantidad_inicial",
    "cantidad_nueva",
    "cantidad_recibida",
    "cantidad_saldo",
    "costo",
    "costo_promedio",
    "costo_promedio_saldo",
    "costo_total",
    "costo_unitario",
    "descuento",
    "descuento_global",
    "descuento_global_porcentaje",
    "descuento_porcentaje",
    "detraccion_porcentaje",
    "detraccion_total",
    "diferencia",
    "faltante",
    "ice_tarifa",
    "igv",
    "igv_gratuito",
    "importe",
    "importe_total",
    "impuesto",
    "impuesto_bolsas",
    "limite_credito",
    "monto",
    "porcentaje",
    "porcentaje_de_igv",
    "porcentaje_retener",
    "precio",
    "precio_max",
    "precio_min",
    "precio_total_sin_impuesto",
    "precio_unitario",
    "precio_venta",
    "propina",
    "rebaja",
    "reservado",
    "saldo",
    "stock_actual",
    "stock_maximo",
    "stock_minimo",
    "subtotal",
    "tarifa",
    "tipo_de_cambio",
    "total",
    "total_a_pagar",
    "total_base",
    "total_descuento",
    "total_exonerada",
    "total_exportacion",
    "total_gratuita",
    "total_gravada",
    "total_igv",
    "total_igv_gratuito",
    "total_impuestos",
    "total_impuestos_bolsas",
    "total_inafecta",
    "total_retenido",
    "total_sin_impuestos",
    "valor",
    "valor_retenido",
    "valor_saldo",
    "valor_unitario",
    "vuelto",
];

/// Fields whose value is a date (`AAAA-MM-DD`; a timestamp under the same name stays text).
pub const FECHAS: &[&str] = &[
    "desde",
    "fecha",
    "fecha_emision",
    "fecha_estimada_entrega",
    "fecha_ingreso",
    "fecha_recepcion",
    "fecha_validez",
    "fecha_vencimiento",
    "hasta",
    "vencimiento",
];

/// `baseImponible` → `base_imponible`; a snake_case key is returned as it is.
fn serpiente(clave: &str) -> std::borrow::Cow<'_, str> {
    if !clave.bytes().any(|b| b.is_ascii_uppercase()) {
        return std::borrow::Cow::Borrowed(clave);
    }
    let mut s = String::with_capacity(clave.len() + 4);
    for c in clave.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    std::borrow::Cow::Owned(s)
}

/// `base_imponible` → `baseImponible`: the camelCase key [`es_decimal`] and [`es_fecha`] read as
/// the snake_case one, for a binding that looks keys up in a set.
pub fn camello(clave: &str) -> String {
    let mut s = String::with_capacity(clave.len());
    let mut mayuscula = false;
    for c in clave.chars() {
        if c == '_' {
            mayuscula = true;
        } else if mayuscula {
            s.push(c.to_ascii_uppercase());
            mayuscula = false;
        } else {
            s.push(c);
        }
    }
    s
}

/// Whether the field `clave` carries a decimal.
pub fn es_decimal(clave: &str) -> bool {
    DECIMALES.binary_search(&serpiente(clave).as_ref()).is_ok()
}

/// Whether the field `clave` carries a date.
pub fn es_fecha(clave: &str) -> bool {
    FECHAS.binary_search(&serpiente(clave).as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The names of the fields of type `tipo` (or `Option<tipo>`) in erp-core's sources.
    fn campos(tipo: &str) -> BTreeSet<String> {
        fn recorrer(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    recorrer(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut fuentes = Vec::new();
        let raiz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../erp-core/src");
        recorrer(&raiz, &mut fuentes);
        let mut nombres = BTreeSet::new();
        for f in &fuentes {
            for linea in f.lines() {
                let l = linea.trim();
                let Some(resto) = l.strip_prefix("pub ") else {
                    continue;
                };
                let Some((nombre, t)) = resto.split_once(": ") else {
                    continue;
                };
                // `Decimal`, `rust_decimal::Decimal`, `Option<time::Date>`…: the bare type.
                fn sin_ruta(t: &str) -> &str {
                    let t = t.strip_prefix("time::").unwrap_or(t);
                    t.strip_prefix("rust_decimal::").unwrap_or(t)
                }
                let t = sin_ruta(t.trim_end_matches(','));
                let t = sin_ruta(
                    t.strip_prefix("Option<")
                        .and_then(|x| x.strip_suffix('>'))
                        .unwrap_or(t),
                );
                if t == tipo
                    && nombre
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
                {
                    nombres.insert(nombre.to_string());
                }
            }
        }
        nombres
    }

    #[test]
    fn las_listas_son_los_campos_del_motor() {
        let decimales: BTreeSet<String> = DECIMALES.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            decimales,
            campos("Decimal"),
            "DECIMALES no es la lista de campos Decimal de erp-core"
        );
        let fechas: BTreeSet<String> = FECHAS.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            fechas,
            campos("Date"),
            "FECHAS no es la lista de campos Date de erp-core"
        );
        // Sorted: the lookups are binary searches.
        assert!(DECIMALES.windows(2).all(|w| w[0] < w[1]));
        assert!(FECHAS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn claves_en_camel_case() {
        assert!(es_decimal("baseImponible"));
        assert!(es_decimal("totalSinImpuestos"));
        assert!(es_decimal("total"));
        assert!(!es_decimal("codigo"));
        assert!(!es_decimal("numero"));
        assert!(es_fecha("fechaEmision"));
        assert!(!es_fecha("creado_en"));
        // camello is serpiente's inverse on every listed field.
        for c in DECIMALES.iter().chain(FECHAS) {
            assert_eq!(serpiente(&camello(c)), *c);
            assert!(es_decimal(&camello(c)) || es_fecha(&camello(c)));
        }
        assert_eq!(camello("porcentaje_de_igv"), "porcentajeDeIgv");
    }
}
