"""Plug-ins written in Python: a hook that hears every committed event (to print, notify or sync)
and an e-invoicing sender of the shop's own (another provider, a queue, a test double) that the
engine's outbox sends through, with its retries and its log.

    scripts/ejemplo python emisor_propio [archivo.db]
"""

import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import erp


def al_evento(evento):
    # Called after the commit: what it reads is already in the database.
    datos = ", ".join(f"{k}={v}" for k, v in evento.items() if k != "evento")
    print(f"  evento {evento['evento']}: {datos}")


intentos = []


def emisor(solicitud):
    """Receives Nubefact's request and answers in Nubefact's form. The first call fails, as a
    provider that is down would: the engine logs it and the comprobante waits for its retry."""
    intentos.append(solicitud["numero"])
    # After a failure the engine consults before sending again: the request may have arrived.
    print(f"  emisor: {solicitud['operacion']} {solicitud['numero']}")
    if len(intentos) == 1:
        raise ConnectionError("el proveedor no responde")
    return {"aceptada_por_sunat": True, "sunat_responsecode": "0", "sunat_description": "Aceptada"}


archivo = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "tienda.db")
m = erp.Motor(archivo, emisor=emisor, al_evento=al_evento)
m.crear_empresa(
    {
        "pais": "PE",
        "identificacion": "20600695771",
        "razon_social": "Ferretería El Martillo S.A.C.",
        "direccion": "Av. Arequipa 100, Lima",
        # Where the requests go: the emisor receives this route and token with each one.
        "ajustes": {"nubefact_ruta": "https://api.otro-proveedor.pe/v1/emitir", "nubefact_token": "secreto"},
    }
)
almacen = m.crear_almacen({"nombre": "Tienda", "es_principal": True})
martillo = m.crear_producto({"nombre": "Martillo", "precio_venta": Decimal("35.00"), "precio_incluye_impuesto": True})
print("entrada de stock")
m.registrar_movimiento(
    {"tipo": "entrada", "producto_id": martillo["id"], "almacen_id": almacen["id"], "cantidad": 10, "costo_unitario": "20"}
)
print("venta")
r = m.venta_pos({"items": [{"codigo": martillo["codigo"], "cantidad": 2}]})
cid = r["comprobante"]["id"]

print("envío: el proveedor está caído")
[i] = m.enviar_pendientes()
print(f"  {i['numero']}: {i['estado']} ({i['error']}); reintento {i['reintento']}")
print(f"  la venta sigue en pie: {m.venta(r['venta']['id'])['estado']}")

print("reenvío ahora (sin esperar el reintento)")
m.reenviar_comprobante(cid)
[i] = m.enviar_pendientes()
print(f"  {i['numero']}: {i['estado']}")
for log in reversed(m.logs_envio(cid)):
    print(f"  log: {log['operacion']} → {log['resultado']} {log['mensaje']}")
assert i["estado"] == "aceptado"
