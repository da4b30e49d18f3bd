"""The ERP engine for Peru and Ecuador, from Python.

The same engine as the REST server and the Rust crate (not a re-implementation): taxes (IGV,
IVA, ICBPER, ICE), the stock ledger, the sales flow and Nubefact payloads. Money goes in and comes
out as ``decimal.Decimal`` (a ``float`` is refused: 0.1 is not exact), dates as
``datetime.date``, ids as text (``uuid.UUID`` is accepted). Every error is an :class:`ErpError`
with the engine's stable ``codigo``, a ``mensaje`` for a person and the ``campo`` it concerns.
Calls release the GIL.

>>> import erp
>>> erp.calcular_documento({"pais": "PE", "fecha": "2026-11-21",
...     "lineas": [{"cantidad": "2", "precio": "59.00"}]})["total"]
Decimal('139.24')
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Union
from uuid import UUID

from . import _native
from ._native import (
    ErpError,
    calcular_documento,
    calcular_documento_json,
    operaciones,
    validar_identidad,
)

__all__ = [
    "ErpError",
    "Motor",
    "calcular_documento",
    "calcular_documento_json",
    "operaciones",
    "validar_identidad",
]

Id = Union[str, UUID]
# A dict (or a subclass): what the binding reads as a JSON object.
Datos = Dict[str, Any]


class Motor:
    """The engine on a SQLite file (a path, or ``sqlite://...``; created if missing) or a
    PostgreSQL URL, bound to one company: the database's only one, ``empresa`` when it has
    several, or the one :meth:`crear_empresa` creates. Each method is one unit of work: it
    commits whole or changes nothing."""

    def __init__(self, url: str, empresa: Optional[Id] = None) -> None:
        self._m = _native.Motor.abrir(url, None if empresa is None else str(empresa))

    @property
    def empresa_id(self) -> Optional[str]:
        return self._m.empresa_id

    def ejecutar(self, operacion: str, argumentos: Optional[Datos] = None) -> Any:
        """Any operation of :func:`operaciones` with its arguments."""
        return self._m.ejecutar(operacion, argumentos)

    # --- Company and catalogue -------------------------------------------------------------

    def crear_empresa(self, datos: Datos) -> dict:
        return self._m.ejecutar("crear_empresa", datos)

    def empresa(self) -> dict:
        return self._m.ejecutar("empresa")

    def crear_almacen(self, datos: Datos) -> dict:
        return self._m.ejecutar("crear_almacen", datos)

    def almacenes(self) -> list:
        return self._m.ejecutar("almacenes")

    def crear_categoria(self, datos: Datos) -> dict:
        return self._m.ejecutar("crear_categoria", datos)

    def crear_producto(self, datos: Datos) -> dict:
        return self._m.ejecutar("crear_producto", datos)

    def producto(self, id: Id) -> dict:
        return self._m.ejecutar("producto", {"id": id})

    def producto_por_codigo(self, codigo: str) -> dict:
        return self._m.ejecutar("producto_por_codigo", {"codigo": codigo})

    def crear_cliente(self, datos: Datos) -> dict:
        return self._m.ejecutar("crear_cliente", datos)

    def cliente(self, id: Id) -> dict:
        return self._m.ejecutar("cliente", {"id": id})

    # --- Stock ----------------------------------------------------------------------------

    def registrar_movimiento(self, datos: Datos) -> list:
        """An entry, an outflow or a return; the ledger rows written."""
        return self._m.ejecutar("registrar_movimiento", datos)

    def ajustar(self, datos: Datos) -> list:
        return self._m.ejecutar("ajustar", datos)

    def transferir(self, datos: Datos) -> list:
        return self._m.ejecutar("transferir", datos)

    def stock(self, producto_id: Optional[Id] = None, almacen_id: Optional[Id] = None) -> list:
        return self._m.ejecutar("stock", {"producto_id": producto_id, "almacen_id": almacen_id})

    def movimientos(
        self,
        producto_id: Optional[Id] = None,
        almacen_id: Optional[Id] = None,
        limite: int = 100,
    ) -> list:
        """The ledger, newest first."""
        return self._m.ejecutar(
            "movimientos",
            {"producto_id": producto_id, "almacen_id": almacen_id, "limite": limite},
        )

    # --- Sales ----------------------------------------------------------------------------

    def crear_cotizacion(self, datos: Datos) -> dict:
        return self._m.ejecutar("crear_cotizacion", datos)

    def cotizacion(self, id: Id) -> dict:
        return self._m.ejecutar("cotizacion", {"id": id})

    def convertir_a_orden(self, id: Id, almacen_id: Optional[Id] = None) -> dict:
        return self._m.ejecutar("convertir_a_orden", {"id": id, "almacen_id": almacen_id})

    def confirmar_orden(self, id: Id) -> dict:
        return self._m.ejecutar("confirmar_orden", {"id": id})

    def orden(self, id: Id) -> dict:
        return self._m.ejecutar("orden", {"id": id})

    def generar_venta(self, orden_id: Id, datos: Optional[Datos] = None) -> dict:
        return self._m.ejecutar("generar_venta", {"id": orden_id, "datos": dict(datos or {})})

    def vender(self, datos: Datos) -> dict:
        """A sale: ``{"venta": ..., "comprobante": ...}``."""
        return self._m.ejecutar("vender", datos)

    def venta_pos(self, datos: Datos) -> dict:
        """A counter sale by product code: ``{"venta": ..., "comprobante": ...}``."""
        return self._m.ejecutar("venta_pos", datos)

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
        return self._m.ejecutar("anular_venta", {"venta_id": venta_id, "datos": datos})

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
        return self._m.ejecutar("devolver", {"venta_id": venta_id, "datos": datos})

    def nota_credito(self, datos: Datos) -> dict:
        return self._m.ejecutar("nota_credito", datos)

    def nota_debito(self, venta_id: Id, datos: Datos) -> dict:
        return self._m.ejecutar("nota_debito", {"venta_id": venta_id, "datos": datos})

    def venta(self, id: Id) -> dict:
        return self._m.ejecutar("venta", {"id": id})

    def comprobantes_de_venta(self, venta_id: Id) -> list:
        return self._m.ejecutar("comprobantes_de_venta", {"id": venta_id})

    def comprobante(self, id: Id) -> dict:
        return self._m.ejecutar("comprobante", {"id": id})

    # --- E-invoicing ----------------------------------------------------------------------

    def solicitud_nubefact(self, comprobante_id: Id) -> dict:
        """The ``generar_comprobante`` request Nubefact receives for this comprobante."""
        return self._m.ejecutar("solicitud_nubefact", {"id": comprobante_id})
