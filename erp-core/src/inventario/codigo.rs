//! Automatic product codes, as seed 002 §9 describes: four letters from the product's name, three
//! from its category (`GEN` without one), and a correlative per prefix pair, unique per company:
//! `Capuchones` in `Transmisión` → `CPCH-TRA-0001`; `Pines` without category → `PINS-GEN-0001`.
//!
//! The name part keeps the name's letters in order and drops vowels from the end until four
//! remain (`CAPUCHONES` → consonants `CPCHNS` → `CPCH`; `PINES` → drop `E` → `PINS`), so a name
//! with few consonants still gives a readable prefix. Accents and `Ñ` are folded to plain letters;
//! digits count as consonants; a name too short is padded with `X`.

/// Folds a character to an unaccented uppercase ASCII letter or digit, or `None`.
fn plegar(c: char) -> Option<char> {
    let c = match c {
        'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'A',
        'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'E',
        'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'I',
        'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'O',
        'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'U',
        'ñ' | 'Ñ' => 'N',
        'ç' | 'Ç' => 'C',
        c => c,
    };
    c.is_ascii_alphanumeric().then(|| c.to_ascii_uppercase())
}

fn es_vocal(c: char) -> bool {
    matches!(c, 'A' | 'E' | 'I' | 'O' | 'U')
}

/// The four-character prefix of a product name.
pub fn prefijo_producto(nombre: &str) -> String {
    let mut letras: Vec<char> = nombre.chars().filter_map(plegar).collect();
    while letras.len() > 4 {
        match letras.iter().rposition(|c| es_vocal(*c)) {
            Some(i) => {
                letras.remove(i);
            }
            None => break,
        }
    }
    let mut p: String = letras.into_iter().take(4).collect();
    while p.len() < 4 {
        p.push('X');
    }
    p
}

/// The three-letter prefix of a category name; `GEN` without category.
pub fn prefijo_categoria(nombre: Option<&str>) -> String {
    let Some(nombre) = nombre else {
        return "GEN".into();
    };
    let mut p: String = nombre.chars().filter_map(plegar).take(3).collect();
    if p.is_empty() {
        return "GEN".into();
    }
    while p.len() < 3 {
        p.push('X');
    }
    p
}

/// The counter key of a prefix pair, for the store's gapless counters.
pub fn clave_contador(prefijo: &str) -> String {
    format!("producto.codigo.{prefijo}")
}

/// `CPCH-TRA` + 1 → `CPCH-TRA-0001` (five digits and more past 9999).
pub fn codigo(prefijo: &str, correlativo: i64) -> String {
    format!("{prefijo}-{correlativo:04}")
}

/// The prefix pair of a product.
pub fn prefijo(nombre_producto: &str, nombre_categoria: Option<&str>) -> String {
    format!(
        "{}-{}",
        prefijo_producto(nombre_producto),
        prefijo_categoria(nombre_categoria)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ejemplos_de_la_semilla() {
        assert_eq!(
            codigo(&prefijo("Capuchones", Some("Transmisión")), 1),
            "CPCH-TRA-0001"
        );
        assert_eq!(codigo(&prefijo("Pines", None), 1), "PINS-GEN-0001");
    }

    #[test]
    fn nombres_dificiles() {
        assert_eq!(prefijo_producto("Ñandú"), "NAND");
        assert_eq!(prefijo_producto("Aceite de motor 20W-50"), "CTDM");
        assert_eq!(prefijo_producto("Oso"), "OSOX");
        assert_eq!(prefijo_producto("!!!"), "XXXX");
        assert_eq!(prefijo_producto("Té"), "TEXX");
        assert_eq!(prefijo_categoria(Some("Óleos")), "OLE");
        assert_eq!(prefijo_categoria(Some("TV")), "TVX");
        assert_eq!(prefijo_categoria(Some("***")), "GEN");
        assert_eq!(codigo("PINS-GEN", 12345), "PINS-GEN-12345");
    }
}
