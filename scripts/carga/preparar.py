#!/usr/bin/env python3
"""Prepares a load run against `erp serve`: logs in as the admin, makes a warehouse, N products
with plenty of stock and one boleta series per till (B001, B002…), and writes the
token, the product codes and the series as a Lua file that the wrk scripts read.

    preparar.py BASE EMAIL CLAVE SALIDA [PRODUCTOS=50] [CAJAS=1]"""
import json
import sys
import urllib.request

base, email, clave, salida = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 50
cajas = int(sys.argv[6]) if len(sys.argv) > 6 else 1


def pedir(metodo, ruta, cuerpo=None, token=None):
    datos = None if cuerpo is None else json.dumps(cuerpo).encode()
    q = urllib.request.Request(base + ruta, data=datos, method=metodo)
    q.add_header("Content-Type", "application/json")
    if token:
        q.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(q) as r:
        return json.load(r)["data"]


token = pedir("POST", "/auth/login/", {"email": email, "password": clave})["access"]
almacen = pedir("POST", "/inventario/almacenes/", {"nombre": "Tienda", "es_principal": True}, token)
codigos = []
for i in range(n):
    p = pedir(
        "POST",
        "/inventario/productos/",
        {"nombre": f"Producto de carga {i:03}", "precio_venta": "12.50", "precio_incluye_impuesto": True},
        token,
    )
    pedir(
        "POST",
        "/inventario/entradas/",
        {"producto_id": p["id"], "almacen_id": almacen["id"], "cantidad": "10000000", "costo_unitario": "7.00"},
        token,
    )
    codigos.append(p["codigo"])
series = []
for i in range(1, cajas + 1):
    series.append(pedir("POST", "/facturacion/series/", {"tipo": "boleta", "serie": f"B{i:03}"}, token)["serie"])
with open(salida, "w") as f:
    f.write("token = %s\n" % json.dumps(token))
    f.write("codigos = {%s}\n" % ", ".join(json.dumps(c) for c in codigos))
    f.write("series = {%s}\n" % ", ".join(json.dumps(c) for c in series))
