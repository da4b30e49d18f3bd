//! Customers and suppliers (seed 000 process 4): identified by a document valid for the
//! company's country, with contact data and credit terms. Suppliers need a RUC.
//!
//! Every company also has its "clientes varios" customer, made on first use, for counter sales to
//! an unidentified buyer: in Peru document type `-` (SUNAT's VARIOS), in Ecuador the consumidor
//! final `9999999999999`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::empresa::{texto_opcional, texto_requerido};
use crate::entrada;
use crate::error::{Codigo, Error, Result};
use crate::identidad::{TipoDocumentoIdentidad, validar_identidad};
use crate::inventario::servicio::Contexto;
use crate::pais::Pais;
use crate::store::Uow;

/// The document of a customer: an identity document, or none (Peru's "varios").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoDocumentoCliente {
    Ruc,
    Dni,
    #[serde(rename = "ce")]
    CarneExtranjeria,
    Pasaporte,
    Cedula,
    ConsumidorFinal,
    /// Peru: an unidentified buyer (SUNAT's `-`, VARIOS).
    SinDocumento,
}

impl TipoDocumentoCliente {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Ruc => "ruc",
            Self::Dni => "dni",
            Self::CarneExtranjeria => "ce",
            Self::Pasaporte => "pasaporte",
            Self::Cedula => "cedula",
            Self::ConsumidorFinal => "consumidor_final",
            Self::SinDocumento => "sin_documento",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Some(match c {
            "ruc" => Self::Ruc,
            "dni" => Self::Dni,
            "ce" => Self::CarneExtranjeria,
            "pasaporte" => Self::Pasaporte,
            "cedula" => Self::Cedula,
            "consumidor_final" => Self::ConsumidorFinal,
            "sin_documento" => Self::SinDocumento,
            _ => return None,
        })
    }

    pub fn identidad(self) -> Option<TipoDocumentoIdentidad> {
        Some(match self {
            Self::Ruc => TipoDocumentoIdentidad::Ruc,
            Self::Dni => TipoDocumentoIdentidad::Dni,
            Self::CarneExtranjeria => TipoDocumentoIdentidad::CarneExtranjeria,
            Self::Pasaporte => TipoDocumentoIdentidad::Pasaporte,
            Self::Cedula => TipoDocumentoIdentidad::Cedula,
            Self::ConsumidorFinal => TipoDocumentoIdentidad::ConsumidorFinal,
            Self::SinDocumento => return None,
        })
    }

    /// SUNAT catalog 06 code (Nubefact's `cliente_tipo_de_documento`).
    pub fn codigo_sunat(self) -> &'static str {
        match self.identidad().and_then(|t| t.codigo_sunat()) {
            Some(c) => c,
            None => "-",
        }
    }

    /// SRI `tipoIdentificacionComprador`.
    pub fn codigo_sri(self) -> &'static str {
        match self.identidad().and_then(|t| t.codigo_sri()) {
            Some(c) => c,
            None => "07",
        }
    }
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cliente {
    pub id: Uuid,
    pub tipo_documento: TipoDocumentoCliente,
    pub numero_documento: String,
    pub razon_social: String,
    pub direccion: String,
    pub email: String,
    pub telefono: String,
    /// Credit ceiling (0: cash only).
    pub limite_credito: Decimal,
    pub dias_credito: i32,
    /// The company's "clientes varios".
    pub es_varios: bool,
    pub activo: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// A supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proveedor {
    pub id: Uuid,
    pub ruc: String,
    pub razon_social: String,
    pub nombre_comercial: String,
    pub direccion: String,
    pub email: String,
    pub telefono: String,
    pub contacto: String,
    pub dias_credito: i32,
    pub activo: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoCliente {
    pub tipo_documento: Option<TipoDocumentoCliente>,
    pub numero_documento: String,
    pub razon_social: String,
    #[serde(default)]
    pub direccion: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub telefono: String,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub limite_credito: Option<Decimal>,
    #[serde(default)]
    pub dias_credito: Option<i32>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosCliente {
    pub razon_social: Option<String>,
    pub direccion: Option<String>,
    pub email: Option<String>,
    pub telefono: Option<String>,
    #[serde(default, deserialize_with = "entrada::decimal_opcional")]
    pub limite_credito: Option<Decimal>,
    pub dias_credito: Option<i32>,
    pub activo: Option<bool>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuevoProveedor {
    pub ruc: String,
    pub razon_social: String,
    #[serde(default)]
    pub nombre_comercial: String,
    #[serde(default)]
    pub direccion: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub telefono: String,
    #[serde(default)]
    pub contacto: String,
    #[serde(default)]
    pub dias_credito: Option<i32>,
}

pub(crate) fn validar_email(e: &str) -> Result<String> {
    let e = texto_opcional("email", e, 254)?;
    if !e.is_empty() {
        let bien = e.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        }) && !e.contains(char::is_whitespace);
        if !bien {
            return Err(Error::validacion(
                Codigo::ValorNoPermitido,
                "email",
                format!("'{}' no es un correo electrónico", entrada::recortar(&e)),
            ));
        }
    }
    Ok(e)
}

fn validar_credito(limite: Decimal, dias: i32) -> Result<()> {
    if limite < Decimal::ZERO
        || !entrada::max_decimales(limite, 2)
        || !entrada::max_enteros(limite, 12)
    {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "limite_credito",
            format!(
                "límite de crédito {limite} inválido: un importe positivo con hasta 2 decimales"
            ),
        ));
    }
    if !(0..=3650).contains(&dias) {
        return Err(Error::validacion(
            Codigo::ValorNoPermitido,
            "dias_credito",
            format!("días de crédito {dias} inválidos: de 0 a 3650"),
        ));
    }
    Ok(())
}

pub async fn crear_cliente<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevoCliente,
) -> Result<Cliente> {
    let pais = uow.empresa().await?.pais;
    let tipo = n
        .tipo_documento
        .unwrap_or(match (pais, n.numero_documento.trim().len()) {
            (Pais::Peru, 11) => TipoDocumentoCliente::Ruc,
            (Pais::Peru, _) => TipoDocumentoCliente::Dni,
            (Pais::Ecuador, 13) => TipoDocumentoCliente::Ruc,
            (Pais::Ecuador, _) => TipoDocumentoCliente::Cedula,
        });
    let Some(identidad) = tipo.identidad() else {
        return Err(Error::validacion(
            Codigo::TipoDocumentoInvalido,
            "tipo_documento",
            "un cliente se registra con su documento; las ventas sin documento usan el cliente varios",
        ));
    };
    let doc = validar_identidad(pais, identidad, &n.numero_documento)
        .map_err(|e| Error::con_campo(e, "numero_documento"))?;
    if let Some(otro) = uow.cliente_por_documento(tipo, &doc.numero).await?
        && otro.activo
    {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some("numero_documento"),
            format!(
                "el cliente {} ya está registrado con el documento {}",
                otro.razon_social, doc.numero
            ),
        ));
    }
    let limite = n.limite_credito.unwrap_or(Decimal::ZERO);
    let dias = n.dias_credito.unwrap_or(0);
    validar_credito(limite, dias)?;
    let c = Cliente {
        id: ctx.ids.nuevo(),
        tipo_documento: tipo,
        numero_documento: doc.numero,
        razon_social: texto_requerido("razon_social", &n.razon_social, 200)?,
        direccion: texto_opcional("direccion", &n.direccion, 300)?,
        email: validar_email(&n.email)?,
        telefono: texto_opcional("telefono", &n.telefono, 20)?,
        limite_credito: crate::dinero::redondear(limite),
        dias_credito: dias,
        es_varios: false,
        activo: true,
        creado_en: ctx.reloj.ahora(),
    };
    uow.guardar_cliente(&c).await?;
    Ok(c)
}

pub async fn actualizar_cliente<U: Uow>(
    uow: &mut U,
    id: Uuid,
    c: CambiosCliente,
) -> Result<Cliente> {
    let mut cl = uow
        .cliente(id)
        .await?
        .ok_or_else(|| Error::no_existe("cliente", id))?;
    if let Some(v) = c.razon_social {
        cl.razon_social = texto_requerido("razon_social", &v, 200)?;
    }
    if let Some(v) = c.direccion {
        cl.direccion = texto_opcional("direccion", &v, 300)?;
    }
    if let Some(v) = c.email {
        cl.email = validar_email(&v)?;
    }
    if let Some(v) = c.telefono {
        cl.telefono = texto_opcional("telefono", &v, 20)?;
    }
    entrada::poner(&mut cl.limite_credito, c.limite_credito);
    entrada::poner(&mut cl.dias_credito, c.dias_credito);
    if let Some(v) = c.activo {
        if cl.es_varios && !v {
            return Err(Error::conflicto(
                Codigo::EstadoInvalido,
                Some("activo"),
                "el cliente varios no se desactiva",
            ));
        }
        cl.activo = v;
    }
    validar_credito(cl.limite_credito, cl.dias_credito)?;
    cl.limite_credito = crate::dinero::redondear(cl.limite_credito);
    uow.guardar_cliente(&cl).await?;
    Ok(cl)
}

/// The company's "clientes varios", made on first use.
pub async fn cliente_varios<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<Cliente> {
    let pais = uow.empresa().await?.pais;
    let (tipo, numero) = match pais {
        Pais::Peru => (TipoDocumentoCliente::SinDocumento, "-"),
        Pais::Ecuador => (TipoDocumentoCliente::ConsumidorFinal, "9999999999999"),
    };
    if let Some(c) = uow.cliente_por_documento(tipo, numero).await? {
        return Ok(c);
    }
    let c = Cliente {
        id: ctx.ids.nuevo(),
        tipo_documento: tipo,
        numero_documento: numero.to_string(),
        razon_social: match pais {
            Pais::Peru => "CLIENTES VARIOS".into(),
            Pais::Ecuador => "CONSUMIDOR FINAL".into(),
        },
        direccion: String::new(),
        email: String::new(),
        telefono: String::new(),
        limite_credito: crate::dinero::redondear(Decimal::ZERO),
        dias_credito: 0,
        es_varios: true,
        activo: true,
        creado_en: ctx.reloj.ahora(),
    };
    // Two first sales of a company may make it at once.
    uow.asegurar_cliente(&c).await
}

pub async fn crear_proveedor<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    n: NuevoProveedor,
) -> Result<Proveedor> {
    let pais = uow.empresa().await?.pais;
    let doc = validar_identidad(pais, TipoDocumentoIdentidad::Ruc, &n.ruc)
        .map_err(|e| Error::con_campo(e, "ruc"))?;
    if let Some(otro) = uow.proveedor_por_ruc(&doc.numero).await? {
        return Err(Error::conflicto(
            Codigo::Duplicado,
            Some("ruc"),
            format!(
                "el proveedor {} ya está registrado con el RUC {}",
                otro.razon_social, doc.numero
            ),
        ));
    }
    let dias = n.dias_credito.unwrap_or(0);
    validar_credito(Decimal::ZERO, dias)?;
    let p = Proveedor {
        id: ctx.ids.nuevo(),
        ruc: doc.numero,
        razon_social: texto_requerido("razon_social", &n.razon_social, 200)?,
        nombre_comercial: texto_opcional("nombre_comercial", &n.nombre_comercial, 200)?,
        direccion: texto_opcional("direccion", &n.direccion, 300)?,
        email: validar_email(&n.email)?,
        telefono: texto_opcional("telefono", &n.telefono, 20)?,
        contacto: texto_opcional("contacto", &n.contacto, 100)?,
        dias_credito: dias,
        activo: true,
        creado_en: ctx.reloj.ahora(),
    };
    uow.guardar_proveedor(&p).await?;
    Ok(p)
}

/// Changes to a supplier; absent fields stay as they are (the RUC identifies it and does not
/// change: a different RUC is a different supplier).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CambiosProveedor {
    pub razon_social: Option<String>,
    pub nombre_comercial: Option<String>,
    pub direccion: Option<String>,
    pub email: Option<String>,
    pub telefono: Option<String>,
    pub contacto: Option<String>,
    pub dias_credito: Option<i32>,
    pub activo: Option<bool>,
}

pub async fn actualizar_proveedor<U: Uow>(
    uow: &mut U,
    id: Uuid,
    c: CambiosProveedor,
) -> Result<Proveedor> {
    let mut p = uow
        .proveedor(id)
        .await?
        .ok_or_else(|| Error::no_existe("proveedor", id))?;
    if let Some(v) = c.razon_social {
        p.razon_social = texto_requerido("razon_social", &v, 200)?;
    }
    if let Some(v) = c.nombre_comercial {
        p.nombre_comercial = texto_opcional("nombre_comercial", &v, 200)?;
    }
    if let Some(v) = c.direccion {
        p.direccion = texto_opcional("direccion", &v, 300)?;
    }
    if let Some(v) = c.email {
        p.email = validar_email(&v)?;
    }
    if let Some(v) = c.telefono {
        p.telefono = texto_opcional("telefono", &v, 20)?;
    }
    if let Some(v) = c.contacto {
        p.contacto = texto_opcional("contacto", &v, 100)?;
    }
    entrada::poner(&mut p.dias_credito, c.dias_credito);
    entrada::poner(&mut p.activo, c.activo);
    validar_credito(Decimal::ZERO, p.dias_credito)?;
    uow.guardar_proveedor(&p).await?;
    Ok(p)
}
