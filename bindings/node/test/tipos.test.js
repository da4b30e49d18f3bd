'use strict';
// index.d.ts is written by hand: it declares exactly what index.js exports, and the Motor has a
// method for every operation of the engine.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const erp = require('..');

const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');

test('index.d.ts declares every export', () => {
  const declarados = [...dts.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declarados, Object.keys(erp).sort());
});

test('index.d.ts declares every method of Motor', () => {
  const clase = dts.slice(dts.indexOf('export declare class Motor'));
  const declarados = [...clase.matchAll(/^ {2}(?:static |readonly )?(\w+)[(:]/gm)]
    .map((m) => m[1])
    .filter((n) => n !== 'constructor')
    .sort();
  const reales = [
    ...Object.getOwnPropertyNames(erp.Motor.prototype).filter((n) => n !== 'constructor'),
    ...Object.getOwnPropertyNames(erp.Motor).filter((n) => typeof erp.Motor[n] === 'function'),
  ].sort();
  assert.deepEqual(declarados, reales);
});

test('every operation of the engine has a method', () => {
  const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase()).replace(/A([A-Z])/, 'A$1');
  const metodos = new Set(Object.getOwnPropertyNames(erp.Motor.prototype));
  const ops = erp.operaciones().map(([n]) => n);
  assert.ok(ops.length >= 32);
  for (const op of ops) {
    const nombre = op === 'convertir_a_orden' ? 'convertirAOrden' : camel(op);
    assert.ok(metodos.has(nombre), `${op} → ${nombre}`);
  }
});
