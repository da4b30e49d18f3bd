//! The e-invoicing outbox: how a stored comprobante reaches the tax authority's gateway.
//!
//! The sale's unit of work stores the comprobante `pendiente` with its first send due
//! ([`EnvioComprobante::programado`]); nothing is sent inside it, so a sale never waits for the
//! gateway and the series stays locked only for the local work. A worker then claims a due
//! comprobante for a while (a lease, [`crate::Store::reclamar_envio`]; several processes on one
//! PostgreSQL never claim the same one), builds the request, hands it to an [`Emisor`] outside any
//! transaction, and records every request and answer ([`LogEnvio`]) and the outcome in one unit of
//! work.
//!
//! **Never emit twice.** An attempt whose answer was not seen (a timeout, a 5xx, a worker that
//! died holding the lease) may have reached the gateway, so the comprobante is marked
//! [`EnvioComprobante::incierto`] and the next attempt *consults* before it sends: the gateway's
//! "already exists" (Nubefact's 23) leads to a consult too, and only "does not exist" (24) leads to
//! a send.
//!
//! **Annulment.** An accepted factura or boleta is voided by a comunicación de baja
//! ([`solicitar_baja`]): the same outbox carries `generar_anulacion`, and consults
//! `consultar_anulacion` (SUNAT answers a baja by ticket) until SUNAT accepts it; then the
//! comprobante is `anulado` and its sale annulled, stock back, in the unit of work that records
//! the answer.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::nubefact::{self, Extras, RespuestaNubefact, Resultado};
use crate::comprobantes::TipoComprobante;
use crate::comprobantes::{Comprobante, EstadoComprobante};
use crate::empresa::Empresa;
use crate::error::{Codigo, Error, Result};
use crate::pais::Pais;
use crate::store::Uow;

/// How the outbox retries: the contract's 5 minutes × 5 attempts by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoliticaEnvio {
    /// The wait after a failed attempt (and between consults while SUNAT has not answered).
    pub intervalo: Duration,
    /// Attempts before the comprobante is left `error_permanente` for a person to resend.
    pub max_intentos: i32,
    /// How long a claimed comprobante is the worker's: beyond the longest attempt (up to three
    /// requests, each bounded by the sender's timeout), so no other worker takes it meanwhile.
    pub plazo: Duration,
}

impl PoliticaEnvio {
    /// With the lease derived from the sender's timeout `espera`: up to three requests per
    /// attempt, and a minute's margin.
    pub fn new(intervalo: Duration, max_intentos: i32, espera: Duration) -> Self {
        Self {
            intervalo,
            max_intentos,
            plazo: espera * 3 + Duration::minutes(1),
        }
    }
}

/// How long a sender waits for the gateway's answer unless told otherwise (the server's
/// `--nubefact-espera` default; a host's asynchronous sender in the bindings).
pub const ESPERA_POR_DEFECTO: Duration = Duration::seconds(30);

impl Default for PoliticaEnvio {
    /// The contract's 5 minutes × 5 attempts, for a sender that waits [`ESPERA_POR_DEFECTO`].
    fn default() -> Self {
        Self::new(Duration::minutes(5), 5, ESPERA_POR_DEFECTO)
    }
}

/// What the gateway said of an accepted, observed or rejected comprobante: what a person and the
/// printed document need (the links, the hash and the QR text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RespuestaSunat {
    pub aceptada: bool,
    /// SUNAT's answer code (`0` accepted, 1000–3999 rejected, 4000+ observations).
    pub codigo: String,
    pub descripcion: String,
    /// SUNAT's observations of an accepted document.
    pub nota: String,
    pub codigo_hash: String,
    pub cadena_qr: String,
    pub enlace: String,
    pub enlace_pdf: String,
    pub enlace_xml: String,
    pub enlace_cdr: String,
}

impl RespuestaSunat {
    fn de(r: &RespuestaNubefact) -> Self {
        let t = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            aceptada: r.aceptada_por_sunat == Some(true),
            codigo: t(&r.sunat_responsecode),
            descripcion: t(&r.sunat_description),
            nota: t(&r.sunat_note),
            codigo_hash: t(&r.codigo_hash),
            cadena_qr: t(&r.cadena_para_codigo_qr),
            enlace: t(&r.enlace),
            enlace_pdf: t(&r.enlace_del_pdf),
            enlace_xml: t(&r.enlace_del_xml),
            enlace_cdr: t(&r.enlace_del_cdr),
        }
    }

    /// Accepted with observations: SUNAT's codes 4000 and up, or a note.
    fn observada(&self) -> bool {
        !self.nota.trim().is_empty() || self.codigo.trim().parse::<u32>().is_ok_and(|c| c >= 4000)
    }
}

/// Where a comprobante stands in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvioComprobante {
    /// When the next attempt is due; `None` when nothing is to be sent (done, waiting for a
    /// person, or a company that does not send).
    #[serde(with = "time::serde::rfc3339::option")]
    pub programado: Option<OffsetDateTime>,
    /// The lease of the worker sending it now.
    #[serde(with = "time::serde::rfc3339::option")]
    pub reclamado_hasta: Option<OffsetDateTime>,
    /// Attempts since it was queued (or resent by a person).
    pub intentos: i32,
    /// An attempt may have reached the gateway without its answer reaching us: the next attempt
    /// consults before it sends.
    pub incierto: bool,
    pub ultimo_error: String,
    pub respuesta: RespuestaSunat,
    /// The comunicación de baja a person asked for, if any.
    pub baja: Option<Baja>,
}

/// A comunicación de baja of an accepted comprobante: what was asked and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baja {
    /// The reason SUNAT receives (up to 100 characters).
    pub motivo: String,
    #[serde(with = "time::serde::rfc3339")]
    pub solicitada_en: OffsetDateTime,
    pub estado: EstadoBaja,
    /// SUNAT's ticket of the baja, once Nubefact has one.
    #[serde(default)]
    pub ticket: String,
    /// SUNAT's answer to the baja (its links are the baja's, not the comprobante's).
    #[serde(default)]
    pub respuesta: RespuestaSunat,
}

/// Where a comunicación de baja stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoBaja {
    /// Queued, sent, or waiting for SUNAT's answer to its ticket.
    EnProceso,
    /// SUNAT voided the comprobante (it is `anulado`).
    Aceptada,
    /// SUNAT refused the baja: the comprobante stands; a credit note annuls the sale.
    Rechazada,
    /// It failed (an error of the account, or the attempts ran out): a person resends it.
    Error,
}

/// Calendar days after its issue date within which a comprobante may be voided by a comunicación
/// de baja; later, a credit note annuls the sale.
pub const PLAZO_BAJA_DIAS: i64 = 7;

impl EnvioComprobante {
    /// A new comprobante's outbox entry: due now when the company sends comprobantes (Peru with
    /// Nubefact's route and token); otherwise it waits, `pendiente`, until the company is
    /// configured (then [`crate::Uow::programar_envios`] queues it).
    pub fn al_emitir(empresa: &Empresa, ahora: OffsetDateTime) -> Self {
        Self {
            programado: envia(empresa).then_some(ahora),
            ..Self::default()
        }
    }

    /// The baja being sent (queued or waiting for SUNAT), if any.
    pub fn baja_en_proceso(&self) -> Option<&Baja> {
        self.baja
            .as_ref()
            .filter(|b| b.estado == EstadoBaja::EnProceso)
    }

    /// A baja that may still void the comprobante: in progress, or failed after a request that
    /// may have reached SUNAT. While one is, no note is issued on the sale.
    pub fn baja_pendiente(&self) -> bool {
        self.baja.as_ref().is_some_and(|b| {
            b.estado == EstadoBaja::EnProceso || (b.estado == EstadoBaja::Error && self.incierto)
        })
    }

    /// A baja that failed before it reached SUNAT (refused by Nubefact): asking again is a new
    /// request, checked as the first was ([`admite_baja`]).
    pub fn baja_por_rehacer(&self) -> bool {
        !self.incierto
            && self
                .baja
                .as_ref()
                .is_some_and(|b| b.estado == EstadoBaja::Error)
    }
}

/// Whether the company's comprobantes are sent: Peru with Nubefact's route and token set.
/// (Ecuador's SRI is not built yet: its comprobantes stay `pendiente`.)
pub fn envia(empresa: &Empresa) -> bool {
    destino(empresa).is_some()
}

/// Where a company's requests go. Its `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct Destino {
    pub empresa_id: Uuid,
    pub ruc: String,
    /// Nubefact's RUTA of the account.
    pub ruta: String,
    pub token: String,
}

impl std::fmt::Debug for Destino {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destino")
            .field("empresa_id", &self.empresa_id)
            .field("ruc", &self.ruc)
            .field("ruta", &self.ruta)
            .field("token", &"…")
            .finish()
    }
}

/// The company's gateway, when it has one configured.
pub fn destino(empresa: &Empresa) -> Option<Destino> {
    let a = &empresa.ajustes;
    match (empresa.pais, &a.nubefact_ruta, &a.nubefact_token) {
        (Pais::Peru, Some(ruta), Some(token)) if !ruta.trim().is_empty() && !token.is_empty() => {
            Some(Destino {
                empresa_id: empresa.id,
                ruc: empresa.identificacion.clone(),
                ruta: ruta.trim().to_string(),
                token: token.clone(),
            })
        }
        _ => None,
    }
}

/// One request to the gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct Solicitud {
    /// Nubefact's operation (`generar_comprobante`, `consultar_comprobante`…).
    pub operacion: &'static str,
    pub comprobante_id: Uuid,
    /// `F001-00000012`, for logs.
    pub numero: String,
    /// The JSON body, as the gateway documents it (never the token).
    pub cuerpo: serde_json::Value,
}

/// What came back: what it means, and the raw answer for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respuesta {
    pub resultado: Resultado,
    /// The HTTP status, when an answer arrived.
    pub estado_http: Option<u16>,
    /// The answer's body (or what went wrong when none arrived).
    pub cuerpo: String,
}

/// The future a sender returns.
pub type Envio<'a> = Pin<Box<dyn Future<Output = Respuesta> + Send + 'a>>;

/// The outward port of e-invoicing: carries one request to the gateway and says what came back.
/// The server's Nubefact HTTP client implements it; so can a host application (another
/// provider, a test double). It never fails: a failure to deliver is a
/// [`Resultado::Transitorio`], which the outbox treats as possibly delivered.
pub trait Emisor: Send + Sync {
    fn enviar<'a>(&'a self, destino: &'a Destino, solicitud: &'a Solicitud) -> Envio<'a>;
}

/// One request and its answer, as the contract's `log_envio_nubefact` keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEnvio {
    pub id: Uuid,
    pub comprobante_id: Uuid,
    pub operacion: String,
    /// The comprobante's attempt this request belongs to (one attempt may consult, then send).
    pub intento: i32,
    pub solicitud: serde_json::Value,
    pub estado_http: Option<i32>,
    pub respuesta: String,
    /// `aceptado`, `en_proceso`, `rechazado`, `ya_existe`, `no_existe`, `error_permanente`,
    /// `error_transitorio`, or `invalido` when the request could not be built.
    pub resultado: String,
    pub mensaje: String,
    pub duracion_ms: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub creado_en: OffsetDateTime,
}

/// The code a result is logged with, and its message.
pub fn describir(r: &Resultado) -> (&'static str, String) {
    let sunat = |r: &RespuestaNubefact| {
        format!(
            "{} {}",
            r.sunat_responsecode.as_deref().unwrap_or(""),
            r.sunat_description.as_deref().unwrap_or("")
        )
        .trim()
        .to_string()
    };
    match r {
        Resultado::Aceptado(x) => ("aceptado", sunat(x)),
        Resultado::EnProceso(x) => ("en_proceso", sunat(x)),
        Resultado::Rechazado(x) => ("rechazado", sunat(x)),
        Resultado::YaExiste(m) => ("ya_existe", m.clone()),
        Resultado::NoExiste(m) => ("no_existe", m.clone()),
        Resultado::Permanente { codigo, mensaje } => {
            ("error_permanente", format!("{codigo}: {mensaje}"))
        }
        Resultado::Transitorio(m) => ("error_transitorio", m.clone()),
    }
}

/// A stored comprobante's `generar_comprobante` request, with the document it modifies (a
/// note's), read in `uow` with what the request needs besides the comprobante: the sale's
/// instalments and remarks, the buyer's e-mail. The outer error is the storage's; the inner one
/// says why SUNAT would reject the comprobante.
pub async fn emision_y_referencia<U: Uow>(
    uow: &mut U,
    empresa: &Empresa,
    c: &Comprobante,
) -> Result<(Result<serde_json::Value>, Option<Comprobante>)> {
    let referencia = match c.referencia_id {
        Some(r) => uow.comprobante(r).await?,
        None => None,
    };
    let venta = uow.venta(c.venta_id).await?;
    let email = match uow.cliente(c.cliente_id).await? {
        Some(cl) => cl.email,
        None => String::new(),
    };
    // A note's instalments are not the sale's; only the invoice of a credit sale carries them.
    let (cuotas, observaciones) = match (&venta, c.tipo.es_nota()) {
        (Some(v), false) => (v.cuotas.as_slice(), v.observaciones.as_str()),
        _ => (&[][..], ""),
    };
    let emision = emision(
        empresa,
        c,
        referencia.as_ref(),
        cuotas,
        &email,
        observaciones,
    )
    .and_then(|s| serde_json::to_value(&s).map_err(Error::almacenamiento));
    Ok((emision, referencia))
}

/// Refuses, in the unit of work that issues it, a Peruvian comprobante SUNAT would reject (a
/// factura without a valid RUC or address, a boleta above S/ 700 without the buyer's document,
/// lines that do not add up): the sale or note fails with `comprobante_invalido` and takes no
/// number, instead of a number that could never be sent.
pub fn verificar_emision(
    empresa: &Empresa,
    c: &Comprobante,
    referencia: Option<&Comprobante>,
    cuotas: &[crate::ventas::Cuota],
    cliente_email: &str,
    observaciones: &str,
) -> Result<()> {
    if empresa.pais != Pais::Peru {
        return Ok(());
    }
    emision(empresa, c, referencia, cuotas, cliente_email, observaciones).map(|_| ())
}

/// `generar_comprobante` with what a stored comprobante does not hold itself.
fn emision(
    empresa: &Empresa,
    c: &Comprobante,
    referencia: Option<&Comprobante>,
    cuotas: &[crate::ventas::Cuota],
    cliente_email: &str,
    observaciones: &str,
) -> Result<nubefact::SolicitudComprobante> {
    let extras = Extras {
        referencia,
        cuotas,
        cliente_email,
        observaciones,
        ..Extras::default()
    };
    nubefact::generar_comprobante(empresa, c, &extras)
}

/// An operation and its JSON body.
pub type Peticion = (&'static str, serde_json::Value);

/// How a claimed comprobante is consulted: the baja's ticket when a baja is in progress, else
/// the document (the emission is built from the unit of work, see [`emision_y_referencia`]).
pub fn solicitud_de_consulta(c: &Comprobante) -> Result<Peticion> {
    let (operacion, cuerpo) = if c.envio.baja_en_proceso().is_some() {
        (
            nubefact::CONSULTAR_ANULACION,
            serde_json::to_value(nubefact::consultar_anulacion(c)),
        )
    } else {
        (
            nubefact::CONSULTAR_COMPROBANTE,
            serde_json::to_value(nubefact::consultar_comprobante(c)),
        )
    };
    Ok((operacion, cuerpo.map_err(Error::almacenamiento)?))
}

/// The `generar_anulacion` request of a baja in progress.
pub fn solicitud_de_baja(c: &Comprobante) -> Result<serde_json::Value> {
    let motivo = c.envio.baja.as_ref().map_or("", |b| b.motivo.as_str());
    serde_json::to_value(nubefact::generar_anulacion(c, motivo)?).map_err(Error::almacenamiento)
}

/// Writes an attempt's outcome on the comprobante: its state, what SUNAT said, and when (if ever)
/// it is tried again. The lease ends.
pub fn aplicar(
    c: &mut Comprobante,
    resultado: &Resultado,
    politica: &PoliticaEnvio,
    ahora: OffsetDateTime,
) {
    if c.envio.baja_en_proceso().is_some() {
        return aplicar_baja(c, resultado, politica, ahora);
    }
    let e = &mut c.envio;
    e.reclamado_hasta = None;
    match resultado {
        Resultado::Aceptado(r) => {
            e.respuesta = RespuestaSunat::de(r);
            c.estado = if e.respuesta.observada() {
                EstadoComprobante::Observado
            } else {
                EstadoComprobante::Aceptado
            };
            e.programado = None;
            e.incierto = false;
            e.ultimo_error.clear();
        }
        Resultado::Rechazado(r) => {
            e.respuesta = RespuestaSunat::de(r);
            c.estado = EstadoComprobante::Rechazado;
            e.programado = None;
            e.incierto = false;
            e.ultimo_error = format!(
                "SUNAT lo rechazó ({}): {}",
                e.respuesta.codigo, e.respuesta.descripcion
            );
        }
        Resultado::EnProceso(r) => {
            // Nubefact has it; SUNAT's answer comes later: consult, never send again.
            e.respuesta = RespuestaSunat::de(r);
            e.incierto = true;
            let m = "Nubefact lo recibió; SUNAT aún no responde".to_string();
            reintentar(c, m, EstadoComprobante::Pendiente, politica, ahora);
        }
        Resultado::Permanente { codigo, mensaje } => {
            c.estado = EstadoComprobante::ErrorPermanente;
            e.programado = None;
            e.ultimo_error = permanente(*codigo, mensaje);
        }
        // An answer that cannot end an attempt (the attempt already consulted after a 23 and
        // sent after a 24): try again later, consulting first.
        Resultado::YaExiste(m) | Resultado::NoExiste(m) | Resultado::Transitorio(m) => {
            e.incierto = true;
            reintentar(c, m.clone(), EstadoComprobante::Error, politica, ahora);
        }
    }
}

/// A baja attempt's outcome. The comprobante is `anulado` only when SUNAT accepts the baja;
/// until then (and if SUNAT refuses it) it stands as accepted.
fn aplicar_baja(
    c: &mut Comprobante,
    resultado: &Resultado,
    politica: &PoliticaEnvio,
    ahora: OffsetDateTime,
) {
    let n = c.numero_completo();
    let e = &mut c.envio;
    e.reclamado_hasta = None;
    let Some(b) = e.baja.as_mut() else {
        return;
    };
    if let Resultado::Aceptado(r) | Resultado::Rechazado(r) | Resultado::EnProceso(r) = resultado {
        b.respuesta = RespuestaSunat::de(r);
        if let Some(t) = r
            .sunat_ticket_numero
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            b.ticket = t.trim().to_string();
        }
    }
    match resultado {
        Resultado::Aceptado(_) => {
            b.estado = EstadoBaja::Aceptada;
            c.estado = EstadoComprobante::Anulado;
            e.programado = None;
            e.incierto = false;
            e.ultimo_error.clear();
        }
        Resultado::Rechazado(_) => {
            b.estado = EstadoBaja::Rechazada;
            e.programado = None;
            e.incierto = false;
            e.ultimo_error = format!(
                "SUNAT rechazó la baja ({}): {}; {n} sigue vigente, anule la venta con una nota de crédito",
                b.respuesta.codigo, b.respuesta.descripcion
            );
        }
        Resultado::EnProceso(_) => {
            // Nubefact has the baja; SUNAT answers its ticket when it does: consult again, as
            // long as it takes (a failure here would let a note be issued on a comprobante SUNAT
            // may still void), never ask again, and do not spend attempts.
            e.ultimo_error = if b.ticket.is_empty() {
                "Nubefact recibió la baja; SUNAT aún no responde".to_string()
            } else {
                format!("SUNAT procesa la baja (ticket {})", b.ticket)
            };
            e.incierto = true;
            e.intentos = (e.intentos - 1).max(0);
            e.programado = Some(ahora + politica.intervalo);
        }
        Resultado::Permanente { codigo, mensaje } => {
            b.estado = EstadoBaja::Error;
            e.programado = None;
            e.ultimo_error = format!("baja: {}", permanente(*codigo, mensaje));
        }
        Resultado::YaExiste(m) | Resultado::NoExiste(m) | Resultado::Transitorio(m) => {
            e.incierto = true;
            let m = format!("baja: {m}");
            reintentar(c, m, EstadoComprobante::Aceptado, politica, ahora);
        }
    }
}

/// What a person reads of a permanent error: Nubefact's code when it gave one.
fn permanente(codigo: i64, mensaje: &str) -> String {
    if codigo == 0 {
        mensaje.to_string()
    } else {
        format!("Nubefact {codigo}: {mensaje}")
    }
}

/// A refusal of a person's request in the comprobante's present state.
fn rehusar(campo: Option<&str>, mensaje: String) -> Result<()> {
    Err(Error::conflicto(Codigo::EstadoInvalido, campo, mensaje))
}

/// Whether SUNAT has the comprobante (accepted, with or without observations).
pub fn aceptado(c: &Comprobante) -> bool {
    matches!(
        c.estado,
        EstadoComprobante::Aceptado | EstadoComprobante::Observado
    )
}

/// A note claimed before SUNAT accepted the document it modifies: the claim is given back (not
/// counted as an attempt) and it waits, or, when that document can never be accepted (rejected,
/// annulled), it is left for a person.
pub fn esperar_referencia(
    nota: &mut Comprobante,
    referencia: &Comprobante,
    p: &PoliticaEnvio,
    ahora: OffsetDateTime,
) {
    let e = &mut nota.envio;
    e.reclamado_hasta = None;
    e.intentos = (e.intentos - 1).max(0);
    if matches!(
        referencia.estado,
        EstadoComprobante::Rechazado | EstadoComprobante::Anulado
    ) {
        nota.estado = EstadoComprobante::ErrorPermanente;
        e.programado = None;
        e.ultimo_error = format!(
            "modifica {}, que está {}: SUNAT no la aceptará",
            referencia.numero_completo(),
            referencia.estado.codigo()
        );
    } else {
        e.programado = Some(ahora + p.intervalo.min(Duration::seconds(30)));
        e.ultimo_error = format!("espera a que SUNAT acepte {}", referencia.numero_completo());
    }
}

fn reintentar(
    c: &mut Comprobante,
    mensaje: String,
    estado: EstadoComprobante,
    p: &PoliticaEnvio,
    ahora: OffsetDateTime,
) {
    let e = &mut c.envio;
    // A baja that fails leaves the comprobante as SUNAT has it (accepted); only the baja fails.
    let baja = e
        .baja
        .as_mut()
        .filter(|b| b.estado == EstadoBaja::EnProceso);
    if e.intentos >= p.max_intentos {
        match baja {
            Some(b) => b.estado = EstadoBaja::Error,
            None => c.estado = EstadoComprobante::ErrorPermanente,
        }
        e.programado = None;
        e.ultimo_error = format!("{mensaje} (tras {} intentos)", e.intentos);
    } else {
        if baja.is_none() {
            c.estado = estado;
        }
        e.programado = Some(ahora + p.intervalo);
        e.ultimo_error = mensaje;
    }
}

/// Whether a person may resend the comprobante now: one that failed, or one waiting with no
/// send due, and not being sent right now (a lease that ended does not count: its worker is gone).
fn verificar_reenvio(c: &Comprobante, ahora: OffsetDateTime) -> Result<()> {
    let no = |m: String| rehusar(Some("estado"), m);
    let n = c.numero_completo();
    if c.envio.reclamado_hasta.is_some_and(|h| h > ahora) {
        return no(format!(
            "{n} se está enviando ahora: vea su estado en unos segundos"
        ));
    }
    match c.envio.baja.as_ref().map(|b| b.estado) {
        Some(EstadoBaja::Error) => return Ok(()),
        Some(EstadoBaja::EnProceso) => {
            return no(format!("la baja de {n} ya tiene un envío programado"));
        }
        Some(EstadoBaja::Rechazada) => {
            return no(format!(
                "SUNAT rechazó la baja de {n}: anule la venta con una nota de crédito"
            ));
        }
        Some(EstadoBaja::Aceptada) | None => {}
    }
    match c.estado {
        EstadoComprobante::Error | EstadoComprobante::ErrorPermanente => Ok(()),
        EstadoComprobante::Pendiente if c.envio.programado.is_none() => Ok(()),
        EstadoComprobante::Pendiente => no(format!("{n} ya tiene un envío programado")),
        EstadoComprobante::Rechazado => no(format!(
            "SUNAT rechazó {n}: se corrige con otro comprobante, no se reenvía"
        )),
        e => no(format!("{n} está {}: no hay nada que reenviar", e.codigo())),
    }
}

/// A person's resend: due now, its attempts counted afresh. A lease that ended without an outcome
/// is taken over: its request may have arrived (so the resend consults first), and its worker, if
/// still alive, must not write over the resend.
pub fn reenviar(empresa: &Empresa, c: &mut Comprobante, ahora: OffsetDateTime) -> Result<()> {
    if !envia(empresa) {
        return Err(Error::conflicto(
            crate::error::Codigo::EstadoInvalido,
            None,
            "la empresa no envía comprobantes: configure la ruta y el token de Nubefact",
        ));
    }
    verificar_reenvio(c, ahora)?;
    match c
        .envio
        .baja
        .as_mut()
        .filter(|b| b.estado == EstadoBaja::Error)
    {
        Some(b) => b.estado = EstadoBaja::EnProceso,
        None => c.estado = EstadoComprobante::Pendiente,
    }
    c.envio.programado = Some(ahora);
    c.envio.intentos = 0;
    c.envio.incierto |= c.envio.reclamado_hasta.is_some();
    c.envio.reclamado_hasta = None;
    Ok(())
}

/// A person's comunicación de baja of an accepted factura or boleta, queued now: the outbox
/// sends it and follows its ticket until SUNAT answers. `notas` are the comprobantes of its sale:
/// a comprobante that notes modify is not voided (the note would be left modifying nothing); its
/// sale is annulled with a credit note instead. `hoy` is the company's date.
pub fn solicitar_baja(
    empresa: &Empresa,
    c: &mut Comprobante,
    notas: &[Comprobante],
    motivo: &str,
    ahora: OffsetDateTime,
    hoy: Date,
) -> Result<()> {
    let no = rehusar;
    let n = c.numero_completo();
    if !envia(empresa) {
        return no(
            None,
            "la empresa no envía comprobantes: configure la ruta y el token de Nubefact".into(),
        );
    }
    match c.envio.baja.as_ref().map(|b| b.estado) {
        Some(EstadoBaja::EnProceso) => {
            return no(None, format!("la baja de {n} ya está en curso"));
        }
        // It may have reached SUNAT: a resend consults before it asks again.
        Some(EstadoBaja::Error) if c.envio.incierto => {
            return no(
                None,
                format!(
                    "la baja de {n} falló y pudo llegar a SUNAT: reenvíela (POST /facturacion/comprobantes/{{id}}/reenviar/)"
                ),
            );
        }
        Some(EstadoBaja::Rechazada) => {
            return no(
                None,
                format!("SUNAT rechazó la baja de {n}: anule la venta con una nota de crédito"),
            );
        }
        // Refused before it reached SUNAT: a new request (a new reason) replaces it.
        Some(EstadoBaja::Error | EstadoBaja::Aceptada) | None => {}
    }
    admite_baja(c, notas, hoy)?;
    let motivo = crate::empresa::texto_requerido("motivo", motivo, 100)?;
    c.envio.baja = Some(Baja {
        motivo,
        solicitada_en: ahora,
        estado: EstadoBaja::EnProceso,
        ticket: String::new(),
        respuesta: RespuestaSunat::default(),
    });
    c.envio.programado = Some(ahora);
    c.envio.intentos = 0;
    c.envio.incierto = false;
    c.envio.ultimo_error.clear();
    Ok(())
}

/// What SUNAT asks of a baja, checked when it is asked for and when a failed one is resent: a
/// factura or boleta SUNAT accepted, within [`PLAZO_BAJA_DIAS`] of its issue (`hoy` is the
/// company's date), that no note modifies.
pub fn admite_baja(c: &Comprobante, notas: &[Comprobante], hoy: Date) -> Result<()> {
    let no = rehusar;
    let n = c.numero_completo();
    if !matches!(c.tipo, TipoComprobante::Factura | TipoComprobante::Boleta) {
        return no(
            None,
            format!(
                "{n} es una nota: se comunican de baja facturas y boletas; una nota se corrige con otra nota"
            ),
        );
    }
    match c.estado {
        EstadoComprobante::Aceptado | EstadoComprobante::Observado => {}
        EstadoComprobante::Anulado => return no(Some("estado"), format!("{n} ya está anulado")),
        EstadoComprobante::Rechazado => {
            return no(
                Some("estado"),
                format!("SUNAT rechazó {n}: no tiene validez y no necesita baja"),
            );
        }
        e => {
            return no(
                Some("estado"),
                format!(
                    "{n} está {}: solo se comunica la baja de un comprobante que SUNAT aceptó",
                    e.codigo()
                ),
            );
        }
    }
    let limite = c.fecha_emision + Duration::days(PLAZO_BAJA_DIAS);
    if hoy > limite {
        return no(
            Some("fecha_emision"),
            format!(
                "{n} se emitió el {}: la baja se comunica hasta {PLAZO_BAJA_DIAS} días después (el {}); anule la venta con una nota de crédito",
                c.fecha_emision, limite
            ),
        );
    }
    let modificado: Vec<String> = notas
        .iter()
        .filter(|x| x.referencia_id == Some(c.id) && x.estado != EstadoComprobante::Rechazado)
        .map(Comprobante::numero_completo)
        .collect();
    if !modificado.is_empty() {
        return no(
            None,
            format!(
                "{n} tiene notas ({}): no se da de baja; anule la venta con una nota de crédito",
                modificado.join(", ")
            ),
        );
    }
    Ok(())
}

/// A comprobante claimed again and again without an outcome (its workers died, or the database
/// failed each time before the outcome was written) is left for a person, as a failure.
pub fn abandonado(c: &Comprobante, p: &PoliticaEnvio) -> Option<Resultado> {
    (c.envio.intentos > p.max_intentos + 2).then(|| Resultado::Permanente {
        codigo: 0,
        mensaje: format!(
            "reclamado {} veces sin registrar un resultado: revise los registros del servidor",
            c.envio.intentos
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn comprobante() -> Comprobante {
        Comprobante {
            id: Uuid::nil(),
            tipo: crate::comprobantes::TipoComprobante::Boleta,
            serie: "B001".into(),
            numero: 1,
            venta_id: Uuid::nil(),
            referencia_id: None,
            motivo_codigo: None,
            motivo: String::new(),
            estado: EstadoComprobante::Pendiente,
            cliente_id: Uuid::nil(),
            cliente_tipo_documento: crate::terceros::TipoDocumentoCliente::Dni,
            cliente_numero_documento: "12345678".into(),
            cliente_razon_social: "X".into(),
            cliente_direccion: String::new(),
            fecha_emision: time::macros::date!(2026 - 11 - 21),
            moneda: crate::dinero::Moneda::Pen,
            total: rust_decimal::Decimal::ONE,
            documento: serde_json::Value::Null,
            creado_en: datetime!(2026-11-21 10:00 UTC),
            clave_idempotencia: None,
            envio: EnvioComprobante {
                programado: Some(datetime!(2026-11-21 10:00 UTC)),
                reclamado_hasta: Some(datetime!(2026-11-21 10:03 UTC)),
                intentos: 1,
                ..EnvioComprobante::default()
            },
        }
    }

    const AHORA: OffsetDateTime = datetime!(2026-11-21 10:01 UTC);

    #[test]
    fn aceptado_observado_y_rechazado() {
        let p = PoliticaEnvio::default();
        let mut c = comprobante();
        let r = RespuestaNubefact {
            aceptada_por_sunat: Some(true),
            sunat_responsecode: Some("0".into()),
            enlace_del_pdf: Some("https://x/pdf".into()),
            codigo_hash: Some("abc=".into()),
            ..Default::default()
        };
        aplicar(&mut c, &Resultado::Aceptado(r.clone()), &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::Aceptado);
        assert_eq!(c.envio.programado, None);
        assert_eq!(c.envio.reclamado_hasta, None);
        assert_eq!(c.envio.respuesta.enlace_pdf, "https://x/pdf");
        assert_eq!(c.envio.respuesta.codigo_hash, "abc=");

        let mut c = comprobante();
        let obs = RespuestaNubefact {
            sunat_responsecode: Some("4287".into()),
            ..r.clone()
        };
        aplicar(&mut c, &Resultado::Aceptado(obs), &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::Observado);

        let mut c = comprobante();
        let rech = RespuestaNubefact {
            aceptada_por_sunat: Some(false),
            sunat_responsecode: Some("2800".into()),
            sunat_description: Some("El dato ingresado en el tipo de documento".into()),
            ..Default::default()
        };
        aplicar(&mut c, &Resultado::Rechazado(rech), &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::Rechazado);
        assert_eq!(c.envio.programado, None);
        assert!(
            c.envio.ultimo_error.contains("2800"),
            "{}",
            c.envio.ultimo_error
        );
    }

    #[test]
    fn transitorio_reintenta_y_luego_queda_permanente() {
        let p = PoliticaEnvio::default();
        let mut c = comprobante();
        aplicar(
            &mut c,
            &Resultado::Transitorio("HTTP 502".into()),
            &p,
            AHORA,
        );
        assert_eq!(c.estado, EstadoComprobante::Error);
        assert_eq!(c.envio.programado, Some(AHORA + Duration::minutes(5)));
        assert!(c.envio.incierto, "after a failure, consult first");
        c.envio.intentos = 5;
        aplicar(
            &mut c,
            &Resultado::Transitorio("HTTP 502".into()),
            &p,
            AHORA,
        );
        assert_eq!(c.estado, EstadoComprobante::ErrorPermanente);
        assert_eq!(c.envio.programado, None);
        assert_eq!(c.envio.ultimo_error, "HTTP 502 (tras 5 intentos)");
        assert!(verificar_reenvio(&c, AHORA).is_ok());
        c.envio.reclamado_hasta = Some(AHORA + Duration::minutes(1));
        let e = verificar_reenvio(&c, AHORA).expect_err("in flight");
        assert!(e.to_string().contains("se está enviando ahora"), "{e}");
    }

    #[test]
    fn en_proceso_consulta_despues() {
        let p = PoliticaEnvio::default();
        let mut c = comprobante();
        aplicar(
            &mut c,
            &Resultado::EnProceso(RespuestaNubefact::default()),
            &p,
            AHORA,
        );
        assert_eq!(c.estado, EstadoComprobante::Pendiente);
        assert!(c.envio.incierto);
        assert_eq!(c.envio.programado, Some(AHORA + Duration::minutes(5)));
    }

    fn empresa_que_envia() -> Empresa {
        Empresa {
            id: Uuid::nil(),
            pais: Pais::Peru,
            tipo_identificacion: crate::identidad::TipoDocumentoIdentidad::Ruc,
            identificacion: "20600695771".into(),
            razon_social: "Ferretería El Martillo S.A.C.".into(),
            nombre_comercial: String::new(),
            direccion: "Av. Arequipa 100, Lima".into(),
            moneda: crate::dinero::Moneda::Pen,
            subdominio: None,
            ajustes: crate::empresa::AjustesEmpresa {
                nubefact_ruta: Some("https://api.nubefact.com/api/v1/x".into()),
                nubefact_token: Some("t".into()),
                ..Default::default()
            },
            plan: Default::default(),
            activa: true,
            creado_en: AHORA,
        }
    }

    fn factura_aceptada() -> Comprobante {
        let mut c = comprobante();
        c.tipo = crate::comprobantes::TipoComprobante::Factura;
        c.serie = "F001".into();
        c.estado = EstadoComprobante::Aceptado;
        c.envio = EnvioComprobante::default();
        c
    }

    #[test]
    fn baja_dentro_del_plazo_y_sin_notas() {
        let e = empresa_que_envia();
        let hoy = time::macros::date!(2026 - 11 - 28);
        let mut c = factura_aceptada();
        solicitar_baja(&e, &mut c, &[], " error en el RUC ", AHORA, hoy).expect("day 7");
        let b = c.envio.baja.as_ref().expect("baja");
        assert_eq!(
            (b.estado, b.motivo.as_str()),
            (EstadoBaja::EnProceso, "error en el RUC")
        );
        assert_eq!(c.envio.programado, Some(AHORA));
        assert_eq!(
            c.estado,
            EstadoComprobante::Aceptado,
            "voided only when SUNAT says"
        );

        let refusal = |c: &mut Comprobante, notas: &[Comprobante], hoy| {
            solicitar_baja(&e, c, notas, "error", AHORA, hoy)
                .expect_err("refused")
                .to_string()
        };
        let tarde = refusal(&mut factura_aceptada(), &[], hoy + Duration::days(1));
        assert!(
            tarde.contains("hasta 7 días") && tarde.contains("nota de crédito"),
            "{tarde}"
        );
        let mut pendiente = factura_aceptada();
        pendiente.estado = EstadoComprobante::Pendiente;
        assert!(refusal(&mut pendiente, &[], hoy).contains("está pendiente"));
        let mut nota = factura_aceptada();
        nota.tipo = crate::comprobantes::TipoComprobante::NotaCredito;
        assert!(refusal(&mut nota, &[], hoy).contains("es una nota"));
        let f = factura_aceptada();
        let mut n = f.clone();
        n.id = Uuid::from_u128(7);
        n.tipo = crate::comprobantes::TipoComprobante::NotaDebito;
        n.serie = "F001".into();
        n.numero = 3;
        n.referencia_id = Some(f.id);
        let m = refusal(&mut f.clone(), std::slice::from_ref(&n), hoy);
        assert!(m.contains("F001-00000003"), "{m}");
        // A note SUNAT rejected modifies nothing.
        n.estado = EstadoComprobante::Rechazado;
        solicitar_baja(&e, &mut f.clone(), &[n], "error", AHORA, hoy).expect("rejected note");
        let m = solicitar_baja(&e, &mut factura_aceptada(), &[], " ", AHORA, hoy)
            .expect_err("no reason");
        assert_eq!(m.campo(), Some("motivo"));
    }

    #[test]
    fn baja_aceptada_rechazada_o_fallida() {
        let (e, p, hoy) = (empresa_que_envia(), PoliticaEnvio::default(), AHORA.date());
        let pedida = || {
            let mut c = factura_aceptada();
            solicitar_baja(&e, &mut c, &[], "error", AHORA, hoy).expect("baja");
            c.envio.reclamado_hasta = Some(AHORA + Duration::minutes(1));
            c.envio.intentos = 1;
            c
        };
        let ticket = RespuestaNubefact {
            sunat_ticket_numero: Some("1570001".into()),
            aceptada_por_sunat: Some(false),
            ..Default::default()
        };
        let mut c = pedida();
        aplicar(&mut c, &Resultado::EnProceso(ticket.clone()), &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::Aceptado);
        assert!(
            c.envio.incierto,
            "the ticket is consulted, the baja never asked again"
        );
        assert_eq!(c.envio.baja.as_ref().unwrap().ticket, "1570001");
        assert_eq!(c.envio.programado, Some(AHORA + p.intervalo));
        let ok = RespuestaNubefact {
            aceptada_por_sunat: Some(true),
            sunat_responsecode: Some("0".into()),
            ..Default::default()
        };
        aplicar(&mut c, &Resultado::Aceptado(ok), &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::Anulado);
        assert_eq!(c.envio.baja.as_ref().unwrap().estado, EstadoBaja::Aceptada);
        assert_eq!(c.envio.baja.as_ref().unwrap().ticket, "1570001", "kept");

        let mut c = pedida();
        let no = RespuestaNubefact {
            aceptada_por_sunat: Some(false),
            sunat_responsecode: Some("2220".into()),
            ..Default::default()
        };
        aplicar(&mut c, &Resultado::Rechazado(no), &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::Aceptado, "the factura stands");
        assert_eq!(c.envio.baja.as_ref().unwrap().estado, EstadoBaja::Rechazada);
        assert!(reenviar(&e, &mut c, AHORA).is_err());

        // Attempts run out: the baja fails, the factura stays accepted, a person resends it.
        let mut c = pedida();
        c.envio.intentos = p.max_intentos;
        aplicar(
            &mut c,
            &Resultado::Transitorio("HTTP 502".into()),
            &p,
            AHORA,
        );
        assert_eq!(c.estado, EstadoComprobante::Aceptado);
        assert_eq!(c.envio.baja.as_ref().unwrap().estado, EstadoBaja::Error);
        assert_eq!(c.envio.programado, None);
        reenviar(&e, &mut c, AHORA).expect("resend of a failed baja");
        assert_eq!(c.estado, EstadoComprobante::Aceptado);
        assert_eq!(c.envio.baja.as_ref().unwrap().estado, EstadoBaja::EnProceso);
        assert_eq!(c.envio.programado, Some(AHORA));
        assert!(c.envio.incierto, "it may have arrived: consult first");
    }

    #[test]
    fn permanente_espera_a_una_persona() {
        let p = PoliticaEnvio::default();
        let mut c = comprobante();
        let r = Resultado::Permanente {
            codigo: 10,
            mensaje: "token incorrecto".into(),
        };
        aplicar(&mut c, &r, &p, AHORA);
        assert_eq!(c.estado, EstadoComprobante::ErrorPermanente);
        assert_eq!(c.envio.programado, None);
        assert_eq!(c.envio.ultimo_error, "Nubefact 10: token incorrecto");
    }
}
