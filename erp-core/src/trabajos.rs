//! Background jobs (the contract's scheduled jobs, §12) with the database as the queue, and the
//! notifications they leave for users (the contract's bell).
//!
//! Each company has at most one pending run of each kind of job, due at its local time. A worker
//! claims the oldest due run for a while (a lease) in one statement, then does
//! the work, marks the run done and schedules the next one in **one** unit of work: the work and
//! the bookkeeping commit together or not at all. A worker that dies holding a claim loses
//! nothing: the lease ends and another worker claims the run again. A run that fails is retried
//! with a growing delay; after [`MAX_INTENTOS`] it is left `fallido` with its error (in the
//! `trabajos` table, read by [`crate::Motor::trabajos`], and in the server's log; no endpoint shows
//! it yet) and the next regular run is scheduled.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Time, UtcOffset};
use uuid::Uuid;

use crate::error::Result;
use crate::inventario::servicio::Contexto;
use crate::store::Uow;

/// Attempts of one run before it is left `fallido`.
pub const MAX_INTENTOS: i32 = 5;

/// The kinds of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoTrabajo {
    /// Quotations past their validity become `vencida` (contract: daily at 23:00).
    VencerCotizaciones,
    /// Products under their minimum stock are notified to who manages inventory (contract:
    /// daily at 07:30).
    StockMinimo,
    /// Current quotations about to expire are notified to who made them (contract: daily at
    /// 08:00, notification `cotizacion_vencer`).
    AvisarCotizaciones,
}

impl TipoTrabajo {
    pub const TODOS: [TipoTrabajo; 3] = [
        Self::VencerCotizaciones,
        Self::StockMinimo,
        Self::AvisarCotizaciones,
    ];

    pub fn codigo(self) -> &'static str {
        match self {
            Self::VencerCotizaciones => "vencer_cotizaciones",
            Self::StockMinimo => "stock_minimo",
            Self::AvisarCotizaciones => "avisar_cotizaciones",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        Self::TODOS.into_iter().find(|t| t.codigo() == c)
    }

    /// The local time of day it runs at.
    pub fn hora(self) -> Time {
        match self {
            Self::VencerCotizaciones => time::macros::time!(23:00),
            Self::StockMinimo => time::macros::time!(07:30),
            Self::AvisarCotizaciones => time::macros::time!(08:00),
        }
    }

    /// The next time it is due after `ahora`, at its local time in the company's zone.
    pub fn proxima(self, ahora: OffsetDateTime, zona: UtcOffset) -> OffsetDateTime {
        let local = ahora.to_offset(zona);
        let hoy = local.replace_time(self.hora());
        if hoy > local {
            hoy
        } else {
            hoy + Duration::days(1)
        }
    }
}

/// States of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoTrabajo {
    Pendiente,
    Hecho,
    /// Failed [`MAX_INTENTOS`] times; `ultimo_error` says why.
    Fallido,
}

impl EstadoTrabajo {
    pub fn codigo(self) -> &'static str {
        match self {
            Self::Pendiente => "pendiente",
            Self::Hecho => "hecho",
            Self::Fallido => "fallido",
        }
    }

    pub fn desde_codigo(c: &str) -> Option<Self> {
        [Self::Pendiente, Self::Hecho, Self::Fallido]
            .into_iter()
            .find(|e| e.codigo() == c)
    }
}

/// One run of a job of one company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trabajo {
    pub id: Uuid,
    pub tipo: TipoTrabajo,
    pub estado: EstadoTrabajo,
    /// When it is due (the next attempt's time after a failure).
    #[serde(with = "time::serde::rfc3339")]
    pub programado: OffsetDateTime,
    /// The lease of the worker that claimed it; another worker may claim it after this.
    #[serde(with = "time::serde::rfc3339::option")]
    pub reclamado_hasta: Option<OffsetDateTime>,
    pub intentos: i32,
    pub ultimo_error: String,
    /// What the run did, for a person (`3 cotizaciones vencidas`).
    pub resultado: String,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub terminado_en: Option<OffsetDateTime>,
}

impl Trabajo {
    pub fn nuevo(
        id: Uuid,
        tipo: TipoTrabajo,
        programado: OffsetDateTime,
        ahora: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            tipo,
            estado: EstadoTrabajo::Pendiente,
            programado,
            reclamado_hasta: None,
            intentos: 0,
            ultimo_error: String::new(),
            resultado: String::new(),
            creado_en: ahora,
            terminado_en: None,
        }
    }
}

/// The delay before the next attempt of a run that failed `intentos` times: 1, 2, 4, 8… minutes.
pub fn espera_tras_fallo(intentos: i32) -> Duration {
    Duration::minutes(1 << intentos.clamp(1, 10).saturating_sub(1))
}

/// A message for one user (the contract's `notificaciones`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notificacion {
    pub id: Uuid,
    pub usuario_id: Uuid,
    /// The contract's kinds: `stock_bajo`, `cotizacion_vencer`, `sistema`…
    pub tipo: String,
    pub titulo: String,
    pub mensaje: String,
    pub leida: bool,
    pub referencia_tipo: String,
    pub referencia_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// Schedules the next run of each kind the company lacks; how many it scheduled.
pub async fn programar<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<u32> {
    let zona = uow.empresa().await?.zona_horaria();
    let ahora = ctx.reloj.ahora();
    let mut n = 0;
    for tipo in TipoTrabajo::TODOS {
        let t = Trabajo::nuevo(ctx.ids.nuevo(), tipo, tipo.proxima(ahora, zona), ahora);
        if uow.programar_trabajo(&t).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Runs a claimed run: the work, the run marked done and the next run scheduled, all in the
/// caller's unit of work. A run no longer pending (another worker, whose lease this one
/// outlived, finished it) is answered as it is. A run claimed more than [`MAX_INTENTOS`] times
/// (its workers died in it, so no failure was recorded) is left `fallido` without running it
/// again.
pub async fn ejecutar<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
) -> Result<Option<Trabajo>> {
    let Some(mut t) = uow.trabajo_bloqueado(id).await? else {
        return Ok(None);
    };
    if t.estado != EstadoTrabajo::Pendiente {
        return Ok(Some(t));
    }
    if t.intentos > MAX_INTENTOS {
        t.ultimo_error = format!(
            "reclamado {} veces sin terminar: el proceso que lo ejecutaba se detuvo cada vez",
            t.intentos
        );
        terminar(uow, ctx, &mut t, EstadoTrabajo::Fallido).await?;
        return Ok(Some(t));
    }
    t.resultado = match t.tipo {
        TipoTrabajo::VencerCotizaciones => {
            let n = crate::ventas::pedidos::vencer_cotizaciones(uow, ctx).await?;
            format!("{n} cotizaciones vencidas")
        }
        TipoTrabajo::StockMinimo => avisar_stock_minimo(uow, ctx).await?,
        TipoTrabajo::AvisarCotizaciones => avisar_cotizaciones(uow, ctx).await?,
    };
    terminar(uow, ctx, &mut t, EstadoTrabajo::Hecho).await?;
    Ok(Some(t))
}

/// Ends a run (done or failed for good) and schedules the next regular one of its company.
async fn terminar<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    t: &mut Trabajo,
    estado: EstadoTrabajo,
) -> Result<()> {
    t.estado = estado;
    t.reclamado_hasta = None;
    t.terminado_en = Some(ctx.reloj.ahora());
    uow.guardar_trabajo(t).await?;
    programar(uow, ctx).await?;
    Ok(())
}

/// Records a failed attempt of a run (in a unit of work of its own: the failed one rolled back):
/// retried after [`espera_tras_fallo`], or left `fallido` after [`MAX_INTENTOS`] with the next
/// regular run scheduled.
pub async fn registrar_fallo<U: Uow>(
    uow: &mut U,
    ctx: &Contexto<'_>,
    id: Uuid,
    error: &str,
) -> Result<Option<Trabajo>> {
    let Some(mut t) = uow.trabajo_bloqueado(id).await? else {
        return Ok(None);
    };
    if t.estado != EstadoTrabajo::Pendiente {
        return Ok(Some(t));
    }
    t.ultimo_error = crate::entrada::truncar(error, 2000);
    if t.intentos >= MAX_INTENTOS {
        terminar(uow, ctx, &mut t, EstadoTrabajo::Fallido).await?;
    } else {
        t.reclamado_hasta = None;
        t.programado = ctx.reloj.ahora() + espera_tras_fallo(t.intentos);
        uow.guardar_trabajo(&t).await?;
    }
    Ok(Some(t))
}

/// The minimum-stock check: each active user who sees inventory gets one notification per product
/// under its minimum, not repeated while the last one is unread.
async fn avisar_stock_minimo<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<String> {
    // Nobody of a company whose plan lacks inventory may see stock, notified or not.
    if !uow.empresa().await?.plan.habilita("inventario.ver") {
        return Ok("el plan de la empresa no incluye inventario".into());
    }
    let alertas = crate::inventario::servicio::alertas_stock_minimo(uow).await?;
    if alertas.is_empty() {
        return Ok("ningún producto bajo su stock mínimo".into());
    }
    let destinatarios = usuarios_con_permiso(uow, "inventario.ver").await?;
    // Not repeated while unread: read once, not per product and user.
    let productos: Vec<_> = alertas.iter().map(|a| a.producto_id).collect();
    let sin_leer = uow.notificados("stock_bajo", &productos, true).await?;
    let mut avisos = 0;
    for a in &alertas {
        for u in &destinatarios {
            if sin_leer.contains(&(u.id, a.producto_id)) {
                continue;
            }
            uow.insertar_notificacion(&Notificacion {
                id: ctx.ids.nuevo(),
                usuario_id: u.id,
                tipo: "stock_bajo".into(),
                titulo: format!("Stock bajo: {}", a.nombre),
                mensaje: format!(
                    "{} ({}) tiene {} y su mínimo es {}: faltan {}",
                    a.nombre, a.codigo, a.stock_actual, a.stock_minimo, a.faltante
                ),
                leida: false,
                referencia_tipo: "producto".into(),
                referencia_id: Some(a.producto_id),
                creado_en: ctx.reloj.ahora(),
            })
            .await?;
            avisos += 1;
        }
    }
    Ok(format!(
        "{} productos bajo su stock mínimo, {avisos} avisos nuevos",
        alertas.len()
    ))
}

/// The active users whose role grants `permiso`.
async fn usuarios_con_permiso<U: Uow>(
    uow: &mut U,
    permiso: &str,
) -> Result<Vec<crate::seguridad::Usuario>> {
    let roles = uow.roles().await?;
    let mut destinatarios = Vec::new();
    let mut pagina = 1;
    loop {
        let (usuarios, total) = uow.listar_usuarios(None, pagina, 100).await?;
        let vistos = u64::from(pagina) * 100;
        destinatarios.extend(
            usuarios.into_iter().filter(|u| {
                u.activo && roles.iter().any(|r| r.id == u.rol_id && r.permite(permiso))
            }),
        );
        if vistos >= total {
            break;
        }
        pagina += 1;
    }
    Ok(destinatarios)
}

/// How many days before its validity ends a current quotation is warned about: a seller has
/// time to call the customer before it expires at the end of its last day.
pub const DIAS_AVISO_COTIZACION: i64 = 3;

/// The quotations-about-to-expire warning: each current quotation valid until today or within
/// [`DIAS_AVISO_COTIZACION`] days is notified once (read or not, it is not repeated) to the user
/// who made it, or, when that user no longer works with quotations, to everyone who does.
async fn avisar_cotizaciones<U: Uow>(uow: &mut U, ctx: &Contexto<'_>) -> Result<String> {
    const PERMISO: &str = "ventas.cotizaciones";
    let empresa = uow.empresa().await?;
    if !empresa.plan.habilita(PERMISO) {
        return Ok("el plan de la empresa no incluye ventas".into());
    }
    let hoy = empresa.fecha_en(ctx.reloj.ahora());
    let hasta = hoy.saturating_add(Duration::days(DIAS_AVISO_COTIZACION));
    let por_vencer = uow.cotizaciones_por_vencer(hoy, hasta).await?;
    if por_vencer.is_empty() {
        return Ok("ninguna cotización por vencer".into());
    }
    let vendedores = usuarios_con_permiso(uow, PERMISO).await?;
    let ids: Vec<_> = por_vencer.iter().map(|c| c.id).collect();
    let avisados = uow.notificados("cotizacion_vencer", &ids, false).await?;
    // A customer's name read once, however many of its quotations are due.
    let mut clientes: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
    let mut avisos = 0;
    for c in &por_vencer {
        let destinatarios: Vec<_> = match vendedores.iter().find(|u| Some(u.id) == c.usuario_id) {
            Some(autor) => vec![autor],
            None => vendedores.iter().collect(),
        }
        .into_iter()
        .filter(|u| !avisados.contains(&(u.id, c.id)))
        .collect();
        if destinatarios.is_empty() {
            continue;
        }
        let cliente = match clientes.get(&c.cliente_id) {
            Some(nombre) => nombre.clone(),
            None => {
                let nombre = uow
                    .cliente(c.cliente_id)
                    .await?
                    .map(|x| x.razon_social)
                    .unwrap_or_default();
                clientes.insert(c.cliente_id, nombre.clone());
                nombre
            }
        };
        let cuando = match (c.fecha_validez - hoy).whole_days() {
            0 => "hoy".to_string(),
            1 => "mañana".to_string(),
            n => format!("en {n} días"),
        };
        for u in destinatarios {
            uow.insertar_notificacion(&Notificacion {
                id: ctx.ids.nuevo(),
                usuario_id: u.id,
                tipo: "cotizacion_vencer".into(),
                titulo: format!("Cotización {} por vencer", c.numero),
                mensaje: format!(
                    "La cotización {} a {cliente} por {} {} vence {cuando} ({}): confírmela con el \
                     cliente o duplíquela con una nueva fecha",
                    c.numero,
                    c.moneda.codigo(),
                    c.total,
                    c.fecha_validez
                ),
                leida: false,
                referencia_tipo: "cotizacion".into(),
                referencia_id: Some(c.id),
                creado_en: ctx.reloj.ahora(),
            })
            .await?;
            avisos += 1;
        }
    }
    Ok(format!(
        "{} cotizaciones por vencer, {avisos} avisos nuevos",
        por_vencer.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn proxima_a_la_hora_local() {
        let lima = offset!(-5);
        // 22:00 in Lima: today's 23:00.
        let t = TipoTrabajo::VencerCotizaciones.proxima(datetime!(2026-11-21 22:00 -5), lima);
        assert_eq!(t, datetime!(2026-11-21 23:00 -5));
        // 23:00 exactly, or after: tomorrow's.
        let t = TipoTrabajo::VencerCotizaciones.proxima(datetime!(2026-11-21 23:00 -5), lima);
        assert_eq!(t, datetime!(2026-11-22 23:00 -5));
        // 03:00 UTC is 22:00 of the day before in Lima.
        let t = TipoTrabajo::VencerCotizaciones.proxima(datetime!(2026-11-22 03:00 UTC), lima);
        assert_eq!(t, datetime!(2026-11-21 23:00 -5));
        let t = TipoTrabajo::StockMinimo.proxima(datetime!(2026-11-21 08:00 -5), lima);
        assert_eq!(t, datetime!(2026-11-22 07:30 -5));
        let t = TipoTrabajo::AvisarCotizaciones.proxima(datetime!(2026-11-21 07:59 -5), lima);
        assert_eq!(t, datetime!(2026-11-21 08:00 -5));
    }

    #[test]
    fn esperas_crecientes() {
        assert_eq!(espera_tras_fallo(1), Duration::minutes(1));
        assert_eq!(espera_tras_fallo(2), Duration::minutes(2));
        assert_eq!(espera_tras_fallo(4), Duration::minutes(8));
        assert_eq!(espera_tras_fallo(0), Duration::minutes(1));
        assert_eq!(espera_tras_fallo(99), Duration::minutes(512));
    }

    #[test]
    fn codigos() {
        for t in TipoTrabajo::TODOS {
            assert_eq!(TipoTrabajo::desde_codigo(t.codigo()), Some(t));
        }
        assert_eq!(
            EstadoTrabajo::desde_codigo("fallido"),
            Some(EstadoTrabajo::Fallido)
        );
        assert_eq!(TipoTrabajo::desde_codigo("otro"), None);
    }
}
