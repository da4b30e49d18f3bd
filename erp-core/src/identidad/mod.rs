//! Identity documents of customers, suppliers and companies: Peru's RUC, DNI, carné de
//! extranjería and passport; Ecuador's cédula, RUC (natural persons, private companies, public
//! entities), passport and consumidor final.
//!
//! A number is either valid (possibly with warnings) or an error that says what is wrong with it.
//! Ecuador's company and public-entity RUCs that fail the modulo-11 check are **valid with a
//! warning**: the SRI states that those RUCs are not built by an algorithm, and real active RUCs
//! fail the check (e.g. 1793213150001, CARNADA S.A.S.); the SRI itself only answers such buyer
//! ids with warnings (advertencias 59/62). Their structure (length, province, type digit,
//! establishment) is still enforced.

mod ecuador;
mod peru;

use serde::{Deserialize, Serialize};

use crate::entrada::recortar;
use crate::error::{Codigo, Error, Result};
use crate::pais::Pais;

/// Kinds of identity document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoDocumentoIdentidad {
    /// Peru and Ecuador.
    Ruc,
    /// Peru: documento nacional de identidad.
    Dni,
    /// Peru: carné de extranjería.
    #[serde(rename = "ce", alias = "carne_extranjeria")]
    CarneExtranjeria,
    Pasaporte,
    /// Ecuador: cédula de identidad.
    Cedula,
    /// Ecuador: venta a consumidor final (`9999999999999`).
    ConsumidorFinal,
}

impl TipoDocumentoIdentidad {
    pub fn desde_texto(texto: &str) -> Option<Self> {
        match texto.trim().to_ascii_lowercase().as_str() {
            "ruc" => Some(Self::Ruc),
            "dni" => Some(Self::Dni),
            "ce" | "carne_extranjeria" | "carnet_extranjeria" => Some(Self::CarneExtranjeria),
            "pasaporte" => Some(Self::Pasaporte),
            "cedula" | "cédula" => Some(Self::Cedula),
            "consumidor_final" => Some(Self::ConsumidorFinal),
            _ => None,
        }
    }

    pub fn nombre(self) -> &'static str {
        match self {
            Self::Ruc => "RUC",
            Self::Dni => "DNI",
            Self::CarneExtranjeria => "carné de extranjería",
            Self::Pasaporte => "pasaporte",
            Self::Cedula => "cédula",
            Self::ConsumidorFinal => "consumidor final",
        }
    }

    /// The kinds a country uses.
    pub fn de_pais(pais: Pais) -> &'static [Self] {
        match pais {
            Pais::Peru => &[
                Self::Ruc,
                Self::Dni,
                Self::CarneExtranjeria,
                Self::Pasaporte,
            ],
            Pais::Ecuador => &[
                Self::Ruc,
                Self::Cedula,
                Self::Pasaporte,
                Self::ConsumidorFinal,
            ],
        }
    }

    /// SUNAT catalog 06 code (also Nubefact's `cliente_tipo_de_documento`).
    pub fn codigo_sunat(self) -> Option<&'static str> {
        match self {
            Self::Ruc => Some("6"),
            Self::Dni => Some("1"),
            Self::CarneExtranjeria => Some("4"),
            Self::Pasaporte => Some("7"),
            Self::Cedula | Self::ConsumidorFinal => None,
        }
    }

    /// SRI `tipoIdentificacionComprador` (FICHA Tabla 6).
    pub fn codigo_sri(self) -> Option<&'static str> {
        match self {
            Self::Ruc => Some("04"),
            Self::Cedula => Some("05"),
            Self::Pasaporte => Some("06"),
            Self::ConsumidorFinal => Some("07"),
            Self::Dni | Self::CarneExtranjeria => None,
        }
    }

    fn codigo_error(self) -> Codigo {
        match self {
            Self::Ruc => Codigo::RucInvalido,
            Self::Dni => Codigo::DniInvalido,
            Self::CarneExtranjeria => Codigo::CeInvalido,
            Self::Pasaporte => Codigo::PasaporteInvalido,
            Self::Cedula => Codigo::CedulaInvalida,
            Self::ConsumidorFinal => Codigo::ConsumidorFinalInvalido,
        }
    }
}

/// A valid identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentoIdentidad {
    pub pais: Pais,
    pub tipo: TipoDocumentoIdentidad,
    /// The number as it is stored and sent to the authority (spaces and hyphens removed).
    pub numero: String,
    /// What the number says of its holder: "persona natural", "sociedad privada"…
    pub clase: &'static str,
    /// Warnings that do not make the number invalid.
    pub advertencias: Vec<String>,
}

/// Validates an identity number of a country.
pub fn validar_identidad(
    pais: Pais,
    tipo: TipoDocumentoIdentidad,
    numero: &str,
) -> Result<DocumentoIdentidad> {
    if !TipoDocumentoIdentidad::de_pais(pais).contains(&tipo) {
        let admitidos: Vec<&str> = TipoDocumentoIdentidad::de_pais(pais)
            .iter()
            .map(|t| t.nombre())
            .collect();
        return Err(Error::validacion(
            Codigo::TipoDocumentoInvalido,
            "tipo",
            format!(
                "el {} no es un documento de {}; use {}",
                tipo.nombre(),
                pais.codigo(),
                admitidos.join(", ")
            ),
        ));
    }
    let numero = numero.trim();
    if numero.chars().count() > 30 {
        return Err(falla(
            tipo,
            format!("'{}' es demasiado largo", recortar(numero)),
        ));
    }
    let (numero, clase, advertencias) = match (pais, tipo) {
        (Pais::Peru, TipoDocumentoIdentidad::Ruc) => peru::ruc(numero)?,
        (Pais::Peru, TipoDocumentoIdentidad::Dni) => peru::dni(numero)?,
        (Pais::Peru, TipoDocumentoIdentidad::CarneExtranjeria) => {
            alfanumerico(tipo, numero, 4, 12)?
        }
        (Pais::Peru, TipoDocumentoIdentidad::Pasaporte) => alfanumerico(tipo, numero, 4, 12)?,
        (Pais::Ecuador, TipoDocumentoIdentidad::Cedula) => ecuador::cedula(numero)?,
        (Pais::Ecuador, TipoDocumentoIdentidad::Ruc) => ecuador::ruc(numero)?,
        (Pais::Ecuador, TipoDocumentoIdentidad::Pasaporte) => alfanumerico(tipo, numero, 4, 20)?,
        (Pais::Ecuador, TipoDocumentoIdentidad::ConsumidorFinal) => {
            ecuador::consumidor_final(numero)?
        }
        // Excluded by the country check above.
        (_, t) => {
            return Err(Error::validacion(
                Codigo::TipoDocumentoInvalido,
                "tipo",
                format!("el {} no se usa en {}", t.nombre(), pais.codigo()),
            ));
        }
    };
    Ok(DocumentoIdentidad {
        pais,
        tipo,
        numero,
        clase,
        advertencias,
    })
}

type Validado = (String, &'static str, Vec<String>);

fn falla(tipo: TipoDocumentoIdentidad, motivo: String) -> Error {
    Error::validacion(
        tipo.codigo_error(),
        "numero",
        format!("{} inválido: {motivo}", capitalizar(tipo.nombre())),
    )
}

fn capitalizar(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(p) => p.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Removes the separators people type inside numeric documents (spaces, hyphens, dots) and
/// checks that only digits remain, with the expected count.
fn solo_digitos(tipo: TipoDocumentoIdentidad, numero: &str, largo: usize) -> Result<String> {
    let limpio: String = numero
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .collect();
    if limpio.is_empty() {
        return Err(falla(tipo, "está vacío".into()));
    }
    if let Some((pos, c)) = limpio
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_digit())
    {
        return Err(falla(
            tipo,
            format!(
                "'{}' contiene '{c}' en la posición {}; solo admite dígitos",
                recortar(numero),
                pos + 1
            ),
        ));
    }
    if limpio.len() != largo {
        return Err(falla(
            tipo,
            format!(
                "debe tener {largo} dígitos y '{}' tiene {}",
                recortar(&limpio),
                limpio.len()
            ),
        ));
    }
    Ok(limpio)
}

fn digitos(numero: &str) -> Vec<u32> {
    numero.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn alfanumerico(
    tipo: TipoDocumentoIdentidad,
    numero: &str,
    min: usize,
    max: usize,
) -> Result<Validado> {
    let limpio: String = numero.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let limpio = limpio.to_uppercase();
    if let Some(c) = limpio.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(falla(
            tipo,
            format!(
                "'{}' contiene '{c}'; solo admite letras y dígitos",
                recortar(numero)
            ),
        ));
    }
    let largo = limpio.chars().count();
    if !(min..=max).contains(&largo) {
        return Err(falla(
            tipo,
            format!("debe tener de {min} a {max} caracteres y tiene {largo}"),
        ));
    }
    Ok((limpio, "documento de identidad", Vec::new()))
}

#[cfg(test)]
mod tests;
