//! What the engine tells its host after a unit of work commits: a sale recorded, a sale annulled,
//! a comprobante issued, stock moved, work due in the e-invoicing outbox. The host hands the
//! [`Motor`](crate::Motor) an [`Observador`] (the server wakes its outbox with one; a binding
//! calls the application's hook) and receives the events of each unit of work once it has
//! committed, never those of one rolled back.

use std::sync::Mutex;

use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use crate::comprobantes::{Comprobante, EstadoComprobante, TipoComprobante};
use crate::dinero::Moneda;
use crate::facturacion::envio::EstadoBaja;
use crate::inventario::{MovimientoStock, TipoMovimiento};
use crate::ventas::Venta;

/// One committed fact, as a host reads it. Ids, not whole records: the host asks the engine for
/// what it needs (a receipt to print reads the sale).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "evento", rename_all = "snake_case")]
pub enum Evento {
    /// A sale was recorded, with its comprobante and its stock movements.
    VentaRegistrada {
        venta_id: Uuid,
        comprobante_id: Uuid,
        cliente_id: Uuid,
        almacen_id: Uuid,
        moneda: Moneda,
        total: Decimal,
    },
    /// A sale was annulled: by a credit note, or voided by SUNAT's acceptance of a baja.
    VentaAnulada { venta_id: Uuid },
    /// A comprobante was issued (a sale's, or a note). `por_enviar`: it is queued for the
    /// e-invoicing gateway now.
    ComprobanteEmitido {
        comprobante_id: Uuid,
        venta_id: Uuid,
        tipo: TipoComprobante,
        serie: String,
        numero: i64,
        por_enviar: bool,
    },
    /// The gateway's answer changed a comprobante's state (`aceptado`, `rechazado`, `anulado`
    /// by a baja…).
    ComprobanteEstado {
        comprobante_id: Uuid,
        estado: EstadoComprobante,
    },
    /// A comunicación de baja changed state: SUNAT accepted it (then the comprobante is
    /// `anulado`), refused it, or it failed and waits for a person.
    BajaEstado {
        comprobante_id: Uuid,
        estado: EstadoBaja,
    },
    /// Stock moved: one row of the ledger (a sale, a return, an adjustment, a transfer's leg).
    MovimientoStock {
        movimiento_id: Uuid,
        producto_id: Uuid,
        almacen_id: Uuid,
        tipo: TipoMovimiento,
        cantidad: Decimal,
        referencia_id: Option<Uuid>,
    },
    /// The outbox has work that was not a new comprobante: a baja, a resend, or comprobantes
    /// released by the company's new configuration (`comprobante_id` is `None` then).
    EnvioProgramado { comprobante_id: Option<Uuid> },
}

impl Evento {
    pub(crate) fn venta(v: &Venta) -> Self {
        Self::VentaRegistrada {
            venta_id: v.id,
            comprobante_id: v.comprobante_id,
            cliente_id: v.cliente_id,
            almacen_id: v.almacen_id,
            moneda: v.moneda,
            total: v.total,
        }
    }

    pub(crate) fn comprobante(c: &Comprobante) -> Self {
        Self::ComprobanteEmitido {
            comprobante_id: c.id,
            venta_id: c.venta_id,
            tipo: c.tipo,
            serie: c.serie.clone(),
            numero: c.numero,
            por_enviar: c.envio.programado.is_some(),
        }
    }

    pub(crate) fn movimiento(m: &MovimientoStock) -> Self {
        Self::MovimientoStock {
            movimiento_id: m.id,
            producto_id: m.producto_id,
            almacen_id: m.almacen_id,
            tipo: m.tipo,
            cantidad: m.cantidad,
            referencia_id: m.referencia_id,
        }
    }

    /// Whether the e-invoicing outbox has new work because of it.
    pub fn despierta_envios(&self) -> bool {
        matches!(
            self,
            Self::ComprobanteEmitido {
                por_enviar: true,
                ..
            } | Self::EnvioProgramado { .. }
        )
    }
}

/// The host's hook: called once per committed unit of work that produced events, in the order
/// they happened, on the task that committed it. It must return quickly (hand the events to a
/// channel or a queue): the caller of the operation waits for it. It cannot fail the operation,
/// which has committed.
pub trait Observador: Send + Sync {
    fn notificar(&self, empresa_id: Uuid, eventos: &[Evento]);
}

/// The events of one unit of work, collected while it runs and handed to the [`Observador`] only
/// after it commits.
#[derive(Debug, Default)]
pub struct Eventos(Mutex<Vec<Evento>>);

impl Eventos {
    pub fn emitir(&self, e: Evento) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(e);
    }

    pub fn tomar(&self) -> Vec<Evento> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
