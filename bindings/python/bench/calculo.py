"""Per-call cost of calcular_documento through the Python binding, on the 10-line Peruvian vector
(the document of erp-core's criterion bench): JSON text in and out (the binding's own cost), and
dict in, dict out (with the Decimal and date conversions). Median of 7 rounds.

    scripts/bench bindings
"""

import json
import pathlib
import statistics
import time

import erp

TEXTO = (pathlib.Path(__file__).resolve().parents[2] / "vectores" / "entradas" / "peru_10_lineas.json").read_text()
DOC = json.loads(TEXTO)


def medir(nombre, f, n=20000, rondas=7):
    f()
    tiempos = []
    for _ in range(rondas):
        t = time.perf_counter()
        for _ in range(n):
            f()
        tiempos.append((time.perf_counter() - t) / n * 1e6)
    print(f"python {nombre}: {statistics.median(tiempos):.2f} µs por llamada (min {min(tiempos):.2f})")


medir("calcular_documento_json (texto)", lambda: erp.calcular_documento_json(TEXTO))
medir("calcular_documento (dict, Decimal)", lambda: erp.calcular_documento(DOC))
# For scale: CPython's own C parser reading the same answer into plain dicts and str (no Decimal,
# no date), what any conversion to Python values costs at least.
RESPUESTA = erp.calcular_documento_json(TEXTO)
medir("  referencia: json.loads de la respuesta", lambda: json.loads(RESPUESTA))
