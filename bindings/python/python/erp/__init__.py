"""The ERP engine for Peru and Ecuador, from Python.

The same engine as the REST server and the Rust crate (not a re-implementation): taxes (IGV,
IVA, ICBPER, ICE), the stock ledger, the sales flow and Nubefact payloads. Money goes in and comes
out as ``decimal.Decimal`` (a ``float`` is refused: 0.1 is not exact), dates as
``datetime.date``, ids as text (``uuid.UUID`` is accepted). Every error is an :class:`ErpError`
with the engine's stable ``codigo``, a ``mensaje`` for a person and the ``campo`` it concerns.
Calls release the GIL.

Plug-ins: a ``Motor`` opened with ``al_evento=`` calls it with each event a committed operation
produced (``{"evento": "venta_registrada", ...}``, ``"movimiento_stock"``,
``"comprobante_emitido"``, ``"venta_anulada"``, ``"comprobante_estado"``, ``"envio_programado"``),
after the commit; one opened with ``emisor=`` sends the outbox through it
(:meth:`Motor.enviar_pendientes`).

>>> import erp
>>> erp.calcular_documento({"pais": "PE", "fecha": "2026-11-21",
...     "lineas": [{"cantidad": "2", "precio": "59.00"}]})["total"]
Decimal('139.24')
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union
from uuid import UUID

from . import _native
from ._native import (
    PLUGIN_FALLIDO,
    ErpError,
    calcular_documento,
    calcular_documento_json,
    operaciones,
    validar_identidad,
)

__all__ = [
    "PLUGIN_FALLIDO",
    "ErpError",
    "PluginFallido",
    "Motor",
    "calcular_documento",
    "calcular_documento_json",
    "operaciones",
    "validar_identidad",
]

Id = Union[str, UUID]
# A dict (or a subclass): what the binding reads as a JSON object.
Datos = Dict[str, Any]
# The application's sender: Nubefact's request in, Nubefact's answer out.
Emisor = Callable[[Dict[str, Any]], Dict[str, Any]]
# The application's hook: one committed event.
AlEvento = Callable[[Dict[str, Any]], None]


class PluginFallido(Exception):
    """The ``al_evento`` hook failed AFTER its operation committed. Deliberately not an
    :class:`ErpError`: code that retries on ``ErpError`` must not repeat a sale that happened.
    ``resultado`` is the committed result; ``__cause__`` the hook's exception."""

    codigo = PLUGIN_FALLIDO
    campo = None

    def __init__(self, mensaje: str, resultado: Any) -> None:
        super().__init__(f"[{PLUGIN_FALLIDO}] {mensaje}")
        self.mensaje = mensaje
        self.resultado = resultado


def _error(codigo: str, mensaje: str, campo: Optional[str] = None) -> ErpError:
    e = ErpError(f"[{codigo}] {mensaje}")
    e.codigo, e.mensaje, e.campo = codigo, mensaje, campo
    return e


class Motor:
    """The engine on a SQLite file (a path, or ``sqlite://...``; created if missing) or a
    PostgreSQL URL, bound to one company: the database's only one, ``empresa`` when it has
    several, or the one :meth:`crear_empresa` creates. Each method is one unit of work: it
    commits whole or changes nothing.

    ``emisor``: the application's e-invoicing sender, used by :meth:`enviar_pendientes` (nothing
    is sent until the application calls it). ``al_evento``: called with each event of an
    operation once it has committed, before the method returns (keep it short: the caller waits).
    If it raises, the method raises :class:`PluginFallido` (not an ``ErpError``; the hook's
    exception as its ``__cause__``, the operation's result as its ``resultado``): the operation
    has committed and must not be repeated. A ``KeyboardInterrupt`` or ``SystemExit`` in the hook
    propagates as itself, with the result as its ``resultado``."""

    def __init__(
        self,
        url: str,
        empresa: Optional[Id] = None,
        *,
        emisor: Optional[Emisor] = None,
        al_evento: Optional[AlEvento] = None,
    ) -> None:
        self._m = _native.Motor.abrir(url, None if empresa is None else str(empresa))
        self._emisor = emisor
        self._al_evento = al_evento

    @property
    def empresa_id(self) -> Optional[str]:
        return self._m.empresa_id

    def ejecutar(self, operacion: str, argumentos: Optional[Datos] = None) -> Any:
        """Any operation of :func:`operaciones` with its arguments."""
        return self._llamar(operacion, argumentos)

    def _llamar(self, operacion: str, argumentos: Optional[Datos] = None) -> Any:
        resultado, eventos = self._m.ejecutar(operacion, argumentos)
        self._avisar(operacion, resultado, eventos)
        return resultado

    def _avisar(self, operacion: str, resultado: Any, eventos: List[Dict[str, Any]]) -> None:
        # Every event reaches the hook even if an earlier one failed: the first failure is raised.
        if not eventos or self._al_evento is None:
            return
        fallo = None
        for evento in eventos:
            try:
                self._al_evento(evento)
            except Exception as exc:  # the host's code: any exception is its failure
                if fallo is None:
                    fallo = (evento, exc)
            except BaseException as exc:  # Ctrl-C, exit: stop, but say what committed
                exc.resultado = resultado  # type: ignore[attr-defined]
                raise
        if fallo is not None:
            evento, exc = fallo
            raise PluginFallido(
                f"{operacion} se registró, pero al_evento falló con el evento "
                f"{evento.get('evento')}: {type(exc).__name__}: {exc}. No repita la operación.",
                resultado,
            ) from exc

    def enviar_pendientes(self, emisor: Optional[Emisor] = None, limite: int = 100) -> list:
        """Sends the company's due comprobantes (and bajas) through ``emisor`` (or the one the
        engine was opened with): a callable taking Nubefact's request, a dict
        ``{"operacion", "comprobante_id", "numero", "cuerpo", "destino": {"ruc", "ruta",
        "token"}}``, and returning Nubefact's answer as a dict (``{"aceptada_por_sunat": True,
        ...}`` or ``{"errors": "...", "codigo": 20}``). An exception it raises is a failed
        attempt: logged, retried later; the sale stands. Returns what became of each
        comprobante: ``{"comprobante_id", "numero", "estado", "intentos", "error",
        "reintento"}``."""
        emisor = emisor if emisor is not None else self._emisor
        if emisor is None:
            raise _error(
                "estado_invalido",
                "no hay emisor: pase uno a enviar_pendientes o al abrir el Motor",
                "emisor",
            )
        resultado, eventos = self._m.enviar_pendientes(emisor, limite)
        self._avisar("enviar_pendientes", resultado, eventos)
        return resultado

    def reenviar_comprobante(self, comprobante_id: Id) -> dict:
        """A person's resend of a failed comprobante (or baja): due now, its attempts afresh."""
        return self._llamar("reenviar_comprobante", {"id": comprobante_id})

    def anular_comprobante(self, comprobante_id: Id, motivo: str) -> dict:
        """A comunicación de baja of an accepted factura or boleta (within 7 days, no notes on
        it): queued for the outbox; SUNAT's acceptance annuls the sale, stock back."""
        return self._llamar("anular_comprobante", {"id": comprobante_id, "motivo": motivo})

    def logs_envio(self, comprobante_id: Id) -> list:
        """The requests sent for a comprobante and what came back, newest first."""
        return self._llamar("logs_envio", {"id": comprobante_id})

    # --- Company and catalogue -------------------------------------------------------------

    def crear_empresa(self, datos: Datos) -> dict:
        return self._llamar("crear_empresa", datos)

    def empresa(self) -> dict:
        return self._llamar("empresa")

    def crear_almacen(self, datos: Datos) -> dict:
        return self._llamar("crear_almacen", datos)

    def almacenes(self) -> list:
        return self._llamar("almacenes")

    def crear_categoria(self, datos: Datos) -> dict:
        return self._llamar("crear_categoria", datos)

    def crear_producto(self, datos: Datos) -> dict:
        return self._llamar("crear_producto", datos)

    def producto(self, id: Id) -> dict:
        return self._llamar("producto", {"id": id})

    def producto_por_codigo(self, codigo: str) -> dict:
        return self._llamar("producto_por_codigo", {"codigo": codigo})

    def crear_cliente(self, datos: Datos) -> dict:
        return self._llamar("crear_cliente", datos)

    def cliente(self, id: Id) -> dict:
        return self._llamar("cliente", {"id": id})

    # --- Stock ----------------------------------------------------------------------------

    def registrar_movimiento(self, datos: Datos) -> list:
        """An entry, an outflow or a return; the ledger rows written."""
        return self._llamar("registrar_movimiento", datos)

    def ajustar(self, datos: Datos) -> list:
        return self._llamar("ajustar", datos)

    def transferir(self, datos: Datos) -> list:
        return self._llamar("transferir", datos)

    def stock(self, producto_id: Optional[Id] = None, almacen_id: Optional[Id] = None) -> list:
        return self._llamar("stock", {"producto_id": producto_id, "almacen_id": almacen_id})

    def movimientos(
        self,
        producto_id: Optional[Id] = None,
        almacen_id: Optional[Id] = None,
        limite: int = 100,
    ) -> list:
        """The ledger, newest first."""
        return self._llamar(
            "movimientos",
            {"producto_id": producto_id, "almacen_id": almacen_id, "limite": limite},
        )

    # --- Sales ----------------------------------------------------------------------------

    def crear_cotizacion(self, datos: Datos) -> dict:
        return self._llamar("crear_cotizacion", datos)

    def cotizacion(self, id: Id) -> dict:
        return self._llamar("cotizacion", {"id": id})

    def convertir_a_orden(self, id: Id, almacen_id: Optional[Id] = None) -> dict:
        return self._llamar("convertir_a_orden", {"id": id, "almacen_id": almacen_id})

    def confirmar_orden(self, id: Id) -> dict:
        return self._llamar("confirmar_orden", {"id": id})

    def orden(self, id: Id) -> dict:
        return self._llamar("orden", {"id": id})

    def generar_venta(self, orden_id: Id, datos: Optional[Datos] = None) -> dict:
        return self._llamar("generar_venta", {"id": orden_id, "datos": dict(datos or {})})

    def vender(self, datos: Datos) -> dict:
        """A sale: ``{"venta": ..., "comprobante": ...}``."""
        return self._llamar("vender", datos)

    def venta_pos(self, datos: Datos) -> dict:
        """A counter sale by product code: ``{"venta": ..., "comprobante": ...}``."""
        return self._llamar("venta_pos", datos)

    def anular_venta(
        self,
        venta_id: Id,
        motivo: str,
        motivo_codigo: Optional[str] = None,
        clave_idempotencia: Optional[str] = None,
    ) -> dict:
        """Annuls a sale: its credit note, stock back."""
        datos = {
            "motivo": motivo,
            "motivo_codigo": motivo_codigo,
            "clave_idempotencia": clave_idempotencia,
        }
        return self._llamar("anular_venta", {"venta_id": venta_id, "datos": datos})

    def devolver(
        self,
        venta_id: Id,
        lineas: Sequence[Datos],
        motivo: str,
        motivo_codigo: Optional[str] = None,
        clave_idempotencia: Optional[str] = None,
    ) -> dict:
        """A partial return: ``lineas`` of ``{"numero", "cantidad"}``; its credit note."""
        datos = {
            "lineas": list(lineas),
            "motivo": motivo,
            "motivo_codigo": motivo_codigo,
            "clave_idempotencia": clave_idempotencia,
        }
        return self._llamar("devolver", {"venta_id": venta_id, "datos": datos})

    def nota_credito(self, datos: Datos) -> dict:
        return self._llamar("nota_credito", datos)

    def nota_debito(self, venta_id: Id, datos: Datos) -> dict:
        return self._llamar("nota_debito", {"venta_id": venta_id, "datos": datos})

    def venta(self, id: Id) -> dict:
        return self._llamar("venta", {"id": id})

    def comprobantes_de_venta(self, venta_id: Id) -> list:
        return self._llamar("comprobantes_de_venta", {"id": venta_id})

    def comprobante(self, id: Id) -> dict:
        return self._llamar("comprobante", {"id": id})

    # --- E-invoicing ----------------------------------------------------------------------

    def solicitud_nubefact(self, comprobante_id: Id) -> dict:
        """The ``generar_comprobante`` request Nubefact receives for this comprobante."""
        return self._llamar("solicitud_nubefact", {"id": comprobante_id})
