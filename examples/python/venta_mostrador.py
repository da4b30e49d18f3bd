"""A counter sale from an empty SQLite file to the request Nubefact receives.

    scripts/ejemplo python venta_mostrador [archivo.db]
"""

import json
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import erp

archivo = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "tienda.db")
m = erp.Motor(archivo)  # created and migrated; a postgres:// URL works the same
m.crear_empresa(
    {
        "pais": "PE",
        "identificacion": "20600695771",
        "razon_social": "Ferretería El Martillo S.A.C.",
        "direccion": "Av. Arequipa 100, Lima",
    }
)
almacen = m.crear_almacen({"nombre": "Tienda", "es_principal": True})
martillo = m.crear_producto(
    {"nombre": "Martillo de uña 16 oz", "precio_venta": Decimal("35.00"), "precio_incluye_impuesto": True}
)
m.registrar_movimiento(
    {
        "tipo": "entrada",
        "producto_id": martillo["id"],
        "almacen_id": almacen["id"],
        "cantidad": 10,
        "costo_unitario": Decimal("20.00"),
    }
)

r = m.venta_pos(
    {
        "items": [{"codigo": martillo["codigo"], "cantidad": 2}],
        "pagos": [{"metodo": "efectivo", "monto": Decimal("100.00")}],
    }
)
venta, c = r["venta"], r["comprobante"]
print(f"{c['serie']}-{c['numero']:08d}  total S/ {c['total']}  vuelto S/ {venta['vuelto']}")
print(f"stock de {martillo['codigo']}: {m.stock(producto_id=martillo['id'])[0]['cantidad']}")

carga = m.solicitud_nubefact(c["id"])
print(json.dumps(carga, default=str, ensure_ascii=False, indent=2))
print(f"base: {archivo}")
assert (c["total"], carga["total_igv"], carga["total_gravada"]) == (
    Decimal("70.00"),
    Decimal("10.68"),
    Decimal("59.32"),
)
