//! The company (`Empresa`): its identity for the tax authority, country and currency, tax and
//! e-invoicing settings, and its typed key/value settings (`ConfiguracionEmpresa`, seed 002 §12).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::calculo::{ConfiguracionTributaria, Periodo};
use crate::dinero::Moneda;
use crate::error::{Codigo, Error, Result};
use crate::identidad::{TipoDocumentoIdentidad, validar_identidad};
use crate::pais::Pais;
use crate::seguridad::Plan;

/// A company using the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Empresa {
    pub id: Uuid,
    pub pais: Pais,
    /// RUC (Peru, Ecuador) or cédula (an Ecuadorian natural person without RUC).
    pub tipo_identificacion: TipoDocumentoIdentidad,
    pub identificacion: String,
    pub razon_social: String,
    pub nombre_comercial: String,
    pub direccion: String,
    pub moneda: Moneda,
    /// SaaS mode: the subdomain that selects the company at login.
    pub subdominio: Option<String>,
    pub ajustes: AjustesEmpresa,
    /// SaaS mode: what the subscription allows. Set by the operator, never by the company.
    #[serde(default)]
    pub plan: Plan,
    pub activa: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// Tax and e-invoicing settings of a company.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AjustesEmpresa {
    /// Peru: period as MYPE restaurant/hotel under Ley 31556 (reduced IGV).
    pub mype_restaurante: Option<Periodo>,
    /// Designated withholding agent (agente de retención).
    pub agente_retencion: bool,
    /// Ecuador: resolution number of a contribuyente especial.
    pub contribuyente_especial: Option<String>,
    /// Ecuador: obligado a llevar contabilidad.
    pub obligado_contabilidad: bool,
    /// Peru: Nubefact's RUTA (URL) of the account.
    pub nubefact_ruta: Option<String>,
    /// Peru: Nubefact's token. Never returned by the API.
    pub nubefact_token: Option<String>,
    /// Ecuador: SRI environment, 1 pruebas, 2 producción.
    pub sri_ambiente: Option<u8>,
    /// Ecuador: establecimiento (3 digits).
    pub sri_establecimiento: Option<String>,
    /// Ecuador: punto de emisión (3 digits).
    pub sri_punto_emision: Option<String>,
    /// Who may approve outflows beyond the stock (backorders) is decided by permissions; this
    /// switch refuses such approvals altogether, for a company that never allows them.
    pub prohibir_backorders: bool,
}

impl Empresa {
    /// The tax settings `calcular_documento` needs.
    pub fn configuracion_tributaria(&self) -> ConfiguracionTributaria {
        ConfiguracionTributaria {
            mype_restaurante: self.ajustes.mype_restaurante,
        }
    }

    /// The company's civil time zone: Peru and mainland Ecuador are UTC−5 all year.
    pub fn zona_horaria(&self) -> UtcOffset {
        self.pais.zona_horaria()
    }

    /// The company's calendar date at an instant (documents are dated in its zone, never in UTC:
    /// 23:00 in Lima is already tomorrow in UTC).
    pub fn fecha_en(&self, instante: OffsetDateTime) -> time::Date {
        instante.to_offset(self.zona_horaria()).date()
    }
}

/// What is needed to register a company.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevaEmpresa {
    pub pais: Pais,
    #[serde(default)]
    pub tipo_identificacion: Option<TipoDocumentoIdentidad>,
    pub identificacion: String,
    pub razon_social: String,
    #[serde(default)]
    pub nombre_comercial: String,
    #[serde(default)]
    pub direccion: String,
    #[serde(default)]
    pub moneda: Option<Moneda>,
    #[serde(default)]
    pub subdominio: Option<String>,
    #[serde(default)]
    pub ajustes: AjustesEmpresa,
    #[serde(default)]
    pub plan: Plan,
}

impl NuevaEmpresa {
    /// Validates and builds the company.
    pub fn construir(self, id: Uuid, ahora: OffsetDateTime) -> Result<Empresa> {
        let tipo = self
            .tipo_identificacion
            .unwrap_or(TipoDocumentoIdentidad::Ruc);
        let admitido = match self.pais {
            Pais::Peru => tipo == TipoDocumentoIdentidad::Ruc,
            Pais::Ecuador => {
                matches!(
                    tipo,
                    TipoDocumentoIdentidad::Ruc | TipoDocumentoIdentidad::Cedula
                )
            }
        };
        if !admitido {
            return Err(Error::validacion(
                Codigo::TipoDocumentoInvalido,
                "tipo_identificacion",
                "una empresa se identifica con su RUC (o su cédula en Ecuador)",
            ));
        }
        let identidad = validar_identidad(self.pais, tipo, &self.identificacion)
            .map_err(|e| Error::con_campo(e, "identificacion"))?;
        let moneda = self.moneda.unwrap_or(Moneda::por_defecto(self.pais));
        if !moneda.admitida_en(self.pais) {
            return Err(Error::validacion(
                Codigo::MonedaInvalida,
                "moneda",
                "una empresa de Ecuador opera en USD",
            ));
        }
        let subdominio = self.subdominio.map(|s| s.trim().to_ascii_lowercase());
        if let Some(s) = &subdominio {
            validar_subdominio(s)?;
        }
        let empresa = Empresa {
            id,
            pais: self.pais,
            tipo_identificacion: tipo,
            identificacion: identidad.numero,
            razon_social: texto_requerido("razon_social", &self.razon_social, 200)?,
            nombre_comercial: texto_opcional("nombre_comercial", &self.nombre_comercial, 200)?,
            direccion: texto_opcional("direccion", &self.direccion, 300)?,
            moneda,
            subdominio,
            ajustes: self.ajustes,
            plan: self.plan,
            activa: true,
            creado_en: ahora,
        };
        validar_ajustes(&empresa)?;
        Ok(empresa)
    }
}

/// Changes to the company's configuration (`PATCH /empresa/`). The identity (country, RUC) and
/// the SaaS subdomain are not edited here: they identify the company to SUNAT/SRI and at login.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosEmpresa {
    pub razon_social: Option<String>,
    pub nombre_comercial: Option<String>,
    pub direccion: Option<String>,
    /// Only the settings named change; `null` clears an optional one. The Nubefact token is
    /// never returned, so a form that sends the settings back without it keeps it.
    pub ajustes: Option<serde_json::Map<String, serde_json::Value>>,
}

impl CambiosEmpresa {
    /// The company with these changes applied and validated.
    pub fn aplicar(self, mut e: Empresa) -> Result<Empresa> {
        if let Some(v) = self.razon_social {
            e.razon_social = texto_requerido("razon_social", &v, 200)?;
        }
        if let Some(v) = self.nombre_comercial {
            e.nombre_comercial = texto_opcional("nombre_comercial", &v, 200)?;
        }
        if let Some(v) = self.direccion {
            e.direccion = texto_opcional("direccion", &v, 300)?;
        }
        if let Some(cambios) = self.ajustes {
            let mut actual = match serde_json::to_value(&e.ajustes) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            actual.extend(cambios);
            // The engine's reading of JSON: the setting named, the message in Spanish.
            e.ajustes =
                crate::entrada::desde_valor(serde_json::Value::Object(actual)).map_err(|err| {
                    let campo = match err.campo() {
                        Some(c) => format!("ajustes.{c}"),
                        None => "ajustes".into(),
                    };
                    err.con_campo(&campo)
                })?;
        }
        validar_ajustes(&e)?;
        Ok(e)
    }
}

/// Validates the settings against the company's country.
pub fn validar_ajustes(e: &Empresa) -> Result<()> {
    let a = &e.ajustes;
    let no_aplica = |campo: &str, pais: &str| {
        Err(Error::validacion(
            Codigo::CampoNoAplica,
            format!("ajustes.{campo}"),
            format!("{campo} solo aplica a empresas de {pais}"),
        ))
    };
    match e.pais {
        Pais::Peru => {
            if a.sri_ambiente.is_some()
                || a.sri_establecimiento.is_some()
                || a.sri_punto_emision.is_some()
            {
                return no_aplica("sri_*", "Ecuador");
            }
            if a.contribuyente_especial.is_some() {
                return no_aplica("contribuyente_especial", "Ecuador");
            }
            if let Some(ruta) = &a.nubefact_ruta
                && !ruta_nubefact_valida(ruta)
            {
                return Err(Error::validacion(
                    Codigo::ValorNoPermitido,
                    "ajustes.nubefact_ruta",
                    "la ruta de Nubefact es una URL https:// (http:// solo hacia esta misma máquina, \
                     para un intermediario local o pruebas)",
                ));
            }
        }
        Pais::Ecuador => {
            if a.mype_restaurante.is_some() {
                return no_aplica("mype_restaurante", "Perú");
            }
            if a.nubefact_ruta.is_some() || a.nubefact_token.is_some() {
                return no_aplica("nubefact_*", "Perú");
            }
            if let Some(amb) = a.sri_ambiente
                && !matches!(amb, 1 | 2)
            {
                return Err(Error::validacion(
                    Codigo::ValorNoPermitido,
                    "ajustes.sri_ambiente",
                    "el ambiente del SRI es 1 (pruebas) o 2 (producción)",
                ));
            }
            for (campo, v) in [
                ("sri_establecimiento", &a.sri_establecimiento),
                ("sri_punto_emision", &a.sri_punto_emision),
            ] {
                if let Some(v) = v
                    && !(v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit()) && v != "000")
                {
                    return Err(Error::validacion(
                        Codigo::ValorNoPermitido,
                        format!("ajustes.{campo}"),
                        format!("{campo} son 3 dígitos distintos de 000 (p. ej. 001)"),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn validar_subdominio(s: &str) -> Result<()> {
    let valido = (2..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if valido {
        Ok(())
    } else {
        Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "subdominio",
            format!(
                "subdominio '{}' inválido: de 2 a 63 letras minúsculas, dígitos o guiones",
                crate::entrada::recortar(s)
            ),
        ))
    }
}

/// A required text: trimmed, not empty, at most `max` characters.
pub fn texto_requerido(campo: &str, valor: &str, max: usize) -> Result<String> {
    let v = valor.trim();
    if v.is_empty() {
        return Err(Error::validacion(
            Codigo::CampoRequerido,
            campo,
            format!("{campo} es obligatorio"),
        ));
    }
    texto_opcional(campo, v, max)
}

/// An optional text: trimmed, at most `max` characters.
pub fn texto_opcional(campo: &str, valor: &str, max: usize) -> Result<String> {
    let v = valor.trim();
    let n = v.chars().count();
    if n > max {
        return Err(Error::validacion(
            Codigo::TextoDemasiadoLargo,
            campo,
            format!("{campo} tiene {n} caracteres; el máximo es {max}"),
        ));
    }
    Ok(v.to_string())
}

/// Type of a company setting's value (seed 002 §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TipoDato {
    String,
    Integer,
    Decimal,
    Boolean,
    Json,
}

impl TipoDato {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::String => "STRING",
            Self::Integer => "INTEGER",
            Self::Decimal => "DECIMAL",
            Self::Boolean => "BOOLEAN",
            Self::Json => "JSON",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "STRING" => Self::String,
            "INTEGER" => Self::Integer,
            "DECIMAL" => Self::Decimal,
            "BOOLEAN" => Self::Boolean,
            "JSON" => Self::Json,
            _ => return None,
        })
    }
}

/// A typed key/value setting of a company: `dias_credito_default = 30 (INTEGER)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfiguracionEmpresa {
    pub clave: String,
    pub tipo_dato: TipoDato,
    /// The value as text, as stored.
    pub valor: String,
    #[serde(default)]
    pub descripcion: String,
}

/// A setting's value in its type.
#[derive(Debug, Clone, PartialEq)]
pub enum ValorConfiguracion {
    Texto(String),
    Entero(i64),
    Decimal(Decimal),
    Booleano(bool),
    Json(serde_json::Value),
}

impl ConfiguracionEmpresa {
    /// Builds a setting, checking the key and that the value has the declared type.
    pub fn nueva(clave: &str, tipo_dato: TipoDato, valor: &str, descripcion: &str) -> Result<Self> {
        let clave = clave.trim();
        let clave_valida = (1..=100).contains(&clave.len())
            && clave
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if !clave_valida {
            return Err(Error::validacion(
                Codigo::ValorNoPermitido,
                "clave",
                "la clave tiene de 1 a 100 caracteres: minúsculas, dígitos, '_' o '.'",
            ));
        }
        let c = Self {
            clave: clave.to_string(),
            tipo_dato,
            valor: valor.trim().to_string(),
            descripcion: texto_opcional("descripcion", descripcion, 500)?,
        };
        c.valor_tipado()?;
        Ok(c)
    }

    /// The value in its declared type, or an error that says why it does not fit.
    pub fn valor_tipado(&self) -> Result<ValorConfiguracion> {
        let error = |que: &str| {
            Error::validacion(
                Codigo::TipoInvalido,
                "valor",
                format!(
                    "el valor '{}' de {} no es {que}",
                    crate::entrada::recortar(&self.valor),
                    self.clave
                ),
            )
        };
        Ok(match self.tipo_dato {
            TipoDato::String => ValorConfiguracion::Texto(self.valor.clone()),
            TipoDato::Integer => {
                ValorConfiguracion::Entero(self.valor.parse().map_err(|_| error("un entero"))?)
            }
            TipoDato::Decimal => ValorConfiguracion::Decimal(
                crate::entrada::parse_decimal(&self.valor).map_err(|_| error("un decimal"))?,
            ),
            TipoDato::Boolean => match self.valor.to_ascii_lowercase().as_str() {
                "true" => ValorConfiguracion::Booleano(true),
                "false" => ValorConfiguracion::Booleano(false),
                _ => return Err(error("true o false")),
            },
            TipoDato::Json => ValorConfiguracion::Json(
                serde_json::from_str(&self.valor).map_err(|_| error("un JSON válido"))?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nueva(pais: Pais, id: &str) -> NuevaEmpresa {
        NuevaEmpresa {
            pais,
            tipo_identificacion: None,
            identificacion: id.into(),
            razon_social: "Comercial Andina S.A.C.".into(),
            nombre_comercial: String::new(),
            direccion: String::new(),
            moneda: None,
            subdominio: Some("Andina".into()),
            ajustes: AjustesEmpresa::default(),
            plan: Default::default(),
        }
    }

    #[test]
    fn empresa_valida_su_ruc() {
        let e = nueva(Pais::Peru, "20131312955").construir(Uuid::nil(), OffsetDateTime::UNIX_EPOCH);
        let e = e.unwrap();
        assert_eq!(e.moneda, Moneda::Pen);
        assert_eq!(e.subdominio.as_deref(), Some("andina"));
        let err = nueva(Pais::Peru, "20131312956")
            .construir(Uuid::nil(), OffsetDateTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(err.codigo(), "ruc_invalido");
        assert_eq!(err.campo(), Some("identificacion"));
        let mut ec = nueva(Pais::Ecuador, "1714307103");
        ec.tipo_identificacion = Some(TipoDocumentoIdentidad::Cedula);
        assert_eq!(
            ec.construir(Uuid::nil(), OffsetDateTime::UNIX_EPOCH)
                .unwrap()
                .moneda,
            Moneda::Usd
        );
    }

    #[test]
    fn ajustes_de_otro_pais() {
        let mut n = nueva(Pais::Ecuador, "1790011674001");
        n.ajustes.nubefact_token = Some("x".into());
        let e = n
            .construir(Uuid::nil(), OffsetDateTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(e.codigo(), "campo_no_aplica");
        let mut n = nueva(Pais::Ecuador, "1790011674001");
        n.ajustes.sri_establecimiento = Some("1".into());
        assert_eq!(
            n.construir(Uuid::nil(), OffsetDateTime::UNIX_EPOCH)
                .unwrap_err()
                .codigo(),
            "valor_no_permitido"
        );
    }

    #[test]
    fn configuracion_tipada() {
        let c = ConfiguracionEmpresa::nueva("dias_credito_default", TipoDato::Integer, "30", "")
            .unwrap();
        assert_eq!(c.valor_tipado().unwrap(), ValorConfiguracion::Entero(30));
        let c = ConfiguracionEmpresa::nueva("tasa", TipoDato::Decimal, "0.15", "").unwrap();
        assert_eq!(
            c.valor_tipado().unwrap(),
            ValorConfiguracion::Decimal(Decimal::new(15, 2))
        );
        assert!(ConfiguracionEmpresa::nueva("x", TipoDato::Boolean, "si", "").is_err());
        assert!(ConfiguracionEmpresa::nueva("x", TipoDato::Json, "{", "").is_err());
        assert!(ConfiguracionEmpresa::nueva("Mayúscula", TipoDato::String, "a", "").is_err());
        let c = ConfiguracionEmpresa::nueva("m", TipoDato::Json, r#"{"a":1}"#, "").unwrap();
        assert!(matches!(
            c.valor_tipado().unwrap(),
            ValorConfiguracion::Json(_)
        ));
    }
}

/// Nubefact's RUTA: `https://` (the token travels in a header), or `http://` only to this machine
/// (a local relay, a test gateway): the server posts there and keeps what it answers, so a plain
/// URL into the internal network is refused.
pub fn ruta_nubefact_valida(ruta: &str) -> bool {
    let ruta = ruta.trim();
    if ruta.len() > 500 || ruta.chars().any(char::is_whitespace) {
        return false;
    }
    if let Some(resto) = ruta.strip_prefix("https://") {
        return !resto.is_empty();
    }
    let Some(resto) = ruta.strip_prefix("http://") else {
        return false;
    };
    let anfitrion = resto.split('/').next().unwrap_or("");
    let anfitrion = match anfitrion.rsplit_once(':') {
        Some((h, puerto)) if puerto.chars().all(|c| c.is_ascii_digit()) => h,
        _ => anfitrion,
    };
    matches!(anfitrion, "localhost" | "[::1]")
        || anfitrion.starts_with("127.")
            && anfitrion.split('.').count() == 4
            && anfitrion.split('.').all(|p| p.parse::<u8>().is_ok())
}

#[cfg(test)]
mod ruta_nubefact {
    use super::ruta_nubefact_valida as v;

    #[test]
    fn https_o_esta_maquina() {
        assert!(v("https://api.nubefact.com/api/v1/2f8a1d0c-b8a4"));
        assert!(v("http://127.0.0.1:8080/api/v1/x"));
        assert!(v("http://localhost/api"));
        assert!(!v("http://api.nubefact.com/api/v1/x"), "token in clear");
        assert!(!v("http://10.0.0.5/admin"), "the internal network");
        assert!(!v("http://127.0.0.1.example.com/x"));
        assert!(!v("http://127.0.0.1@evil.example/x"));
        assert!(!v("ftp://x"));
        assert!(!v("https://"));
        assert!(!v("https://x/ a"));
    }
}
