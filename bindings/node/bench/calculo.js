'use strict';
// Per-call cost of calcular_documento through the Node binding, on the 10-line Peruvian vector
// (the document of erp-core's criterion bench): JSON text in and out (the binding's own cost),
// and object in, object out. Median of 7 rounds.
//
//     scripts/bench bindings
const fs = require('node:fs');
const path = require('node:path');
const erp = require('..');

const TEXTO = fs.readFileSync(path.join(__dirname, '..', '..', 'vectores', 'entradas', 'peru_10_lineas.json'), 'utf8');
const DOC = JSON.parse(TEXTO);

function medir(nombre, f, n = 20000, rondas = 7) {
  f();
  const tiempos = [];
  for (let r = 0; r < rondas; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    tiempos.push(Number(process.hrtime.bigint() - t) / n / 1000);
  }
  tiempos.sort((a, b) => a - b);
  console.log(`node ${nombre}: ${tiempos[3].toFixed(2)} µs por llamada (min ${tiempos[0].toFixed(2)})`);
}

medir('calcularDocumentoJson (texto)', () => erp.calcularDocumentoJson(TEXTO));
medir('calcularDocumento (objeto)', () => erp.calcularDocumento(DOC));
