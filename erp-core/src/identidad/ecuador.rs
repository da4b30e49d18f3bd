//! Ecuador: cédula (10 digits, province, modulo-10 check) and RUC (13 digits: natural persons,
//! private companies, public entities), consumidor final.

use super::{TipoDocumentoIdentidad, Validado, digitos, falla, recortar, solo_digitos};
use crate::error::Result;

/// Provinces 01–24; 30 for Ecuadorians registered abroad and foreign residents; 50 seen on real
/// foreigners' numbers (python-stdnum accepts it).
fn provincia_valida(n: &str) -> bool {
    matches!(n[..2].parse::<u32>(), Ok(1..=24 | 30 | 50))
}

/// The cédula check: weights 2,1,2,1… on the first nine digits (products above 9 lose 9), and
/// `(10 − s mod 10) mod 10` must be the tenth digit.
fn digito_cedula(d: &[u32]) -> u32 {
    let s: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let p = x * if i % 2 == 0 { 2 } else { 1 };
            if p > 9 { p - 9 } else { p }
        })
        .sum();
    (10 - s % 10) % 10
}

/// Modulo 11 with the given weights: `0` when the remainder is 0, else `11 − r` (10 is
/// impossible as a digit, so such a number never passes).
fn modulo11(d: &[u32], pesos: &[u32]) -> u32 {
    let s: u32 = d.iter().zip(pesos).map(|(a, b)| a * b).sum();
    match s % 11 {
        0 => 0,
        r => 11 - r,
    }
}

fn publico_valido(d: &[u32]) -> bool {
    modulo11(&d[..8], &[3, 2, 7, 6, 5, 4, 3, 2]) == d[8] && d[9..13] != [0, 0, 0, 0]
}

fn juridico_valido(d: &[u32]) -> bool {
    modulo11(&d[..9], &[4, 3, 2, 7, 6, 5, 4, 3, 2]) == d[9]
}

pub(super) fn cedula(numero: &str) -> Result<Validado> {
    let tipo = TipoDocumentoIdentidad::Cedula;
    let n = solo_digitos(tipo, numero, 10)?;
    comprobar_cedula(tipo, &n)?;
    Ok((n, "persona natural", Vec::new()))
}

fn comprobar_cedula(tipo: TipoDocumentoIdentidad, n: &str) -> Result<()> {
    if !provincia_valida(n) {
        return Err(falla(
            tipo,
            format!(
                "el código de provincia {} no existe (01 a 24, 30 o 50)",
                &n[..2]
            ),
        ));
    }
    let d = digitos(n);
    if d[2] > 6 {
        return Err(falla(
            tipo,
            format!(
                "el tercer dígito {} no corresponde a una persona natural (0 a 6)",
                d[2]
            ),
        ));
    }
    let esperado = digito_cedula(&d);
    if d[9] != esperado {
        return Err(falla(
            tipo,
            format!(
                "el dígito verificador de {} es {} y debería ser {esperado}",
                recortar(&n[..10]),
                d[9]
            ),
        ));
    }
    Ok(())
}

pub(super) fn ruc(numero: &str) -> Result<Validado> {
    let tipo = TipoDocumentoIdentidad::Ruc;
    let n = solo_digitos(tipo, numero, 13)?;
    if !provincia_valida(&n) {
        return Err(falla(
            tipo,
            format!(
                "el código de provincia {} no existe (01 a 24, 30 o 50)",
                &n[..2]
            ),
        ));
    }
    let d = digitos(&n);
    let establecimiento_3 = !n.ends_with("000");
    let sin_establecimiento = || {
        falla(
            tipo,
            "el número de establecimiento no puede ser 000".to_string(),
        )
    };
    match d[2] {
        0..=5 => {
            if !establecimiento_3 {
                return Err(sin_establecimiento());
            }
            comprobar_cedula(tipo, &n[..10])?;
            Ok((n, "persona natural", Vec::new()))
        }
        6 => {
            if publico_valido(&d) {
                Ok((n, "entidad pública", Vec::new()))
            } else if establecimiento_3 && comprobar_cedula(tipo, &n[..10]).is_ok() {
                // Foreigners' cédulas can have a 6 as third digit (python-stdnum #267).
                Ok((n, "persona natural", Vec::new()))
            } else if n.ends_with("0000") {
                Err(falla(
                    tipo,
                    "el número de establecimiento no puede ser 0000".into(),
                ))
            } else {
                Ok((
                    n,
                    "entidad pública",
                    vec![
                        "el dígito verificador no cumple el módulo 11 de entidades públicas; el SRI \
                         declara que estos RUC no se generan por algoritmo: confirme el RUC en el \
                         catastro del SRI"
                            .into(),
                    ],
                ))
            }
        }
        9 => {
            if juridico_valido(&d) && establecimiento_3 {
                Ok((n, "sociedad privada", Vec::new()))
            } else if publico_valido(&d) {
                // Public entities registered with a 9 (python-stdnum #457, e.g. 1793221293001).
                Ok((n, "entidad pública", Vec::new()))
            } else if !establecimiento_3 {
                Err(sin_establecimiento())
            } else {
                let motivo = if d[3] != 0 {
                    "su secuencial de 7 dígitos no lleva dígito verificador (comunicación del SRI)"
                } else {
                    "el dígito verificador no cumple el módulo 11 de sociedades; el SRI declara que \
                     estos RUC no se generan por algoritmo: confirme el RUC en el catastro del SRI"
                };
                Ok((n, "sociedad privada", vec![motivo.into()]))
            }
        }
        otro => Err(falla(
            tipo,
            format!(
                "el tercer dígito {otro} no existe: 0 a 5 persona natural, 6 entidad pública, 9 \
                 sociedad privada"
            ),
        )),
    }
}

pub(super) fn consumidor_final(numero: &str) -> Result<Validado> {
    let tipo = TipoDocumentoIdentidad::ConsumidorFinal;
    let n = solo_digitos(tipo, numero, 13)?;
    if n != "9999999999999" {
        return Err(falla(
            tipo,
            "la identificación de consumidor final es 9999999999999".into(),
        ));
    }
    Ok((n, "consumidor final", Vec::new()))
}
