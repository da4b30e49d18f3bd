//! The subscription plan of a company (seed 002, business model): how many users it may have,
//! which modules it may use and how many transactions a month it may make. A company that runs
//! its own server (seed 000) has no plan: everything is allowed. The SaaS operator sets the plan
//! (`erp plan`); the company's own admin cannot change it.
//!
//! A **transaction** is a comprobante the company issues: a sale's factura or boleta, and a credit
//! or debit note. They are what a plan sells and what the tax authority
//! counts; drafts (quotations, orders) and stock movements are not transactions.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{Codigo, Error, Result};

/// A module of the ERP, as the plans enable them (seed 002's modules plus the contract's).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modulo {
    Inventario,
    Ventas,
    Compras,
    Finanzas,
    Rrhh,
    Facturacion,
    Distribucion,
    Whatsapp,
    Reportes,
}

impl Modulo {
    pub const TODOS: [Modulo; 9] = [
        Self::Inventario,
        Self::Ventas,
        Self::Compras,
        Self::Finanzas,
        Self::Rrhh,
        Self::Facturacion,
        Self::Distribucion,
        Self::Whatsapp,
        Self::Reportes,
    ];

    pub fn codigo(self) -> &'static str {
        match self {
            Self::Inventario => "inventario",
            Self::Ventas => "ventas",
            Self::Compras => "compras",
            Self::Finanzas => "finanzas",
            Self::Rrhh => "rrhh",
            Self::Facturacion => "facturacion",
            Self::Distribucion => "distribucion",
            Self::Whatsapp => "whatsapp",
            Self::Reportes => "reportes",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Self::TODOS.into_iter().find(|m| m.codigo() == c)
    }

    /// The module a permission (`modulo.accion`) belongs to; `None` for the base every plan has
    /// (the company, users, roles, the audit log, the dashboard). Customers are sold to, so they
    /// are part of sales; suppliers are bought from.
    pub fn de_permiso(permiso: &str) -> Option<Self> {
        match permiso.split_once('.').map_or(permiso, |(m, _)| m) {
            "clientes" => Some(Self::Ventas),
            "proveedores" => Some(Self::Compras),
            otro => Self::desde_codigo(otro),
        }
    }
}

/// What a company's subscription allows. Every limit is optional: `None` is no limit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Plan {
    /// The plan's name, as the operator sells it (`basico`, `pyme`…); empty without a plan.
    pub nombre: String,
    /// Active users at most (deactivated and deleted users do not count).
    pub max_usuarios: Option<u32>,
    /// The modules it may use; `None` is all of them.
    pub modulos: Option<BTreeSet<Modulo>>,
    /// Comprobantes issued per calendar month (in the company's time zone) at most.
    pub max_transacciones_mes: Option<u32>,
}

impl Plan {
    /// Whether the plan allows the module of `permiso` (the base is always allowed).
    pub fn habilita(&self, permiso: &str) -> bool {
        match (Modulo::de_permiso(permiso), &self.modulos) {
            (Some(m), Some(modulos)) => modulos.contains(&m),
            _ => true,
        }
    }

    /// Refuses with 403 `modulo_no_habilitado` a permission whose module the plan lacks.
    pub fn exigir_modulo(&self, permiso: &str) -> Result<()> {
        if self.habilita(permiso) {
            return Ok(());
        }
        let modulo = Modulo::de_permiso(permiso).map_or("?", Modulo::codigo);
        Err(Error::conflicto(
            Codigo::ModuloNoHabilitado,
            None,
            format!(
                "el plan {} de su empresa no incluye el módulo {modulo}: pida a su proveedor que lo habilite",
                self.nombre_visible()
            ),
        ))
    }

    /// Refuses another active user when the company has `activos` already.
    pub fn admitir_usuario(&self, activos: u64) -> Result<()> {
        match self.max_usuarios {
            Some(max) if activos >= u64::from(max) => Err(Error::conflicto(
                Codigo::LimiteUsuarios,
                None,
                format!(
                    "el plan {} admite {max} usuarios activos y la empresa ya tiene {activos}: \
                     desactive uno o amplíe el plan",
                    self.nombre_visible()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Refuses another comprobante when `emitidos` were issued this month already.
    pub fn admitir_transaccion(&self, emitidos: u64, mes: Date) -> Result<()> {
        match self.max_transacciones_mes {
            Some(max) if emitidos >= u64::from(max) => Err(Error::conflicto(
                Codigo::LimiteTransacciones,
                None,
                format!(
                    "el plan {} admite {max} comprobantes por mes y ya se emitieron {emitidos} en {}-{:02}: \
                     amplíe el plan o espere al próximo mes",
                    self.nombre_visible(),
                    mes.year(),
                    u8::from(mes.month())
                ),
            )),
            _ => Ok(()),
        }
    }

    fn nombre_visible(&self) -> &str {
        if self.nombre.is_empty() {
            "contratado"
        } else {
            &self.nombre
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulos_de_los_permisos() {
        assert_eq!(Modulo::de_permiso("ventas.pos"), Some(Modulo::Ventas));
        assert_eq!(Modulo::de_permiso("clientes.crear"), Some(Modulo::Ventas));
        assert_eq!(Modulo::de_permiso("proveedores.ver"), Some(Modulo::Compras));
        assert_eq!(
            Modulo::de_permiso("inventario.ajustar"),
            Some(Modulo::Inventario)
        );
        assert_eq!(Modulo::de_permiso("usuarios.crear"), None);
        assert_eq!(Modulo::de_permiso("empresa.configurar"), None);
        // Every permission of the catalogue is either base or of a known module.
        for (p, _) in super::super::PERMISOS {
            let m = p.split_once('.').map(|x| x.0).unwrap_or(p);
            let base = ["empresa", "usuarios", "roles", "auditoria", "dashboard"];
            assert!(
                base.contains(&m) || Modulo::de_permiso(p).is_some(),
                "{p}: ¿de qué módulo es?"
            );
        }
    }

    #[test]
    fn limites() {
        let sin_plan = Plan::default();
        assert!(sin_plan.habilita("compras.crear"));
        assert!(sin_plan.admitir_usuario(10_000).is_ok());
        let d = Date::from_calendar_date(2026, time::Month::November, 21).unwrap();
        assert!(sin_plan.admitir_transaccion(1_000_000, d).is_ok());

        let basico = Plan {
            nombre: "basico".into(),
            max_usuarios: Some(2),
            modulos: Some([Modulo::Inventario, Modulo::Ventas].into()),
            max_transacciones_mes: Some(3),
        };
        assert!(basico.habilita("ventas.pos"));
        assert!(basico.habilita("usuarios.crear"));
        assert!(!basico.habilita("compras.crear"));
        let e = basico.exigir_modulo("proveedores.ver").unwrap_err();
        assert_eq!(e.codigo(), "modulo_no_habilitado");
        assert!(e.mensaje().contains("compras"), "{}", e.mensaje());
        assert!(basico.admitir_usuario(1).is_ok());
        assert_eq!(
            basico.admitir_usuario(2).unwrap_err().codigo(),
            "limite_usuarios"
        );
        assert!(basico.admitir_transaccion(2, d).is_ok());
        let e = basico.admitir_transaccion(3, d).unwrap_err();
        assert_eq!(e.codigo(), "limite_transacciones");
        assert!(e.mensaje().contains("2026-11"), "{}", e.mensaje());
    }

    #[test]
    fn un_plan_se_lee_de_su_json() {
        let p: Plan =
            serde_json::from_str(r#"{"nombre":"pyme","modulos":["ventas","inventario"]}"#).unwrap();
        assert_eq!(p.max_usuarios, None);
        assert_eq!(p.modulos.unwrap().len(), 2);
        assert!(serde_json::from_str::<Plan>(r#"{"modulos":["contabilidad"]}"#).is_err());
        assert_eq!(serde_json::from_str::<Plan>("{}").unwrap(), Plan::default());
    }
}
