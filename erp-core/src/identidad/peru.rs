//! Peru: RUC (11 digits, SUNAT modulo-11 check digit) and DNI (8 digits, with the optional
//! verification character printed on the card).

use super::{TipoDocumentoIdentidad, Validado, digitos, falla, recortar, solo_digitos};
use crate::error::Result;

const PESOS_RUC: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The RUC's check digit from its first ten digits: `(11 − s mod 11) mod 10`.
pub(super) fn digito_verificador_ruc(d: &[u32]) -> u32 {
    let s: u32 = d.iter().zip(PESOS_RUC).map(|(a, b)| a * b).sum();
    (11 - s % 11) % 10
}

pub(super) fn ruc(numero: &str) -> Result<Validado> {
    let tipo = TipoDocumentoIdentidad::Ruc;
    let n = solo_digitos(tipo, numero, 11)?;
    // Prefixes SUNAT assigns: 10 persons with DNI, 15 and 17 persons with other documents,
    // 20 legal entities. 16 appears in folklore only (no registry sample has one).
    let clase = match &n[..2] {
        "10" => "persona natural con DNI",
        "15" | "17" => "persona natural sin DNI",
        "20" => "persona jurídica",
        otro => {
            return Err(falla(
                tipo,
                format!("el prefijo {otro} no existe; un RUC empieza con 10, 15, 17 o 20"),
            ));
        }
    };
    let d = digitos(&n);
    let esperado = digito_verificador_ruc(&d[..10]);
    if d[10] != esperado {
        return Err(falla(
            tipo,
            format!(
                "el dígito verificador de {} es {} y debería ser {esperado}",
                recortar(&n),
                d[10]
            ),
        ));
    }
    Ok((n, clase, Vec::new()))
}

pub(super) fn dni(numero: &str) -> Result<Validado> {
    let tipo = TipoDocumentoIdentidad::Dni;
    let limpio: String = numero
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .collect::<String>()
        .to_uppercase();
    // The card prints a ninth verification character (a digit or a letter); SUNAT never receives
    // it, but when someone types it we check it and drop it.
    if limpio.len() == 9 && limpio.is_ascii() {
        let (cuerpo, control) = limpio.split_at(8);
        let n = solo_digitos(tipo, cuerpo, 8)?;
        let d = digitos(&n);
        let s: u32 = d
            .iter()
            .zip([3, 2, 7, 6, 5, 4, 3, 2])
            .map(|(a, b)| a * b)
            .sum();
        let i = (s % 11) as usize;
        let (numerico, letra) = (&"65432110987"[i..=i], &"KJIHGFEDCBA"[i..=i]);
        if control != numerico && control != letra {
            return Err(falla(
                tipo,
                format!(
                    "el carácter de verificación de {n} es '{control}' y debería ser '{numerico}' o '{letra}'"
                ),
            ));
        }
        return Ok((n, "persona natural", Vec::new()));
    }
    let n = solo_digitos(tipo, numero, 8)?;
    Ok((n, "persona natural", Vec::new()))
}
