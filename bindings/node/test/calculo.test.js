'use strict';
// The pure computation from Node: the reference's cases to the cent, the vectors shared with
// Rust, Python and Kotlin byte for byte, identity numbers, and bad input from JavaScript.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const erp = require('..');

const VECTORES = path.join(__dirname, '..', '..', 'vectores');

test('Nubefact example 1 to the cent', () => {
  const doc = JSON.parse(fs.readFileSync(path.join(VECTORES, 'entradas', 'peru_factura_gravada.json'), 'utf8'));
  const r = erp.calcularDocumento(doc);
  assert.equal(r.total_gravada, '600.00');
  assert.equal(r.total_igv, '108.00');
  assert.equal(r.total, '708.00');
  assert.equal(r.lineas[1].precio_unitario, '23.60');
  assert.equal(r.lineas[0].tipo_de_igv, 1);
  assert.equal(r.fecha, '2025-12-17');
});

test('global discount on prices with IGV', () => {
  const r = erp.calcularDocumento({
    pais: 'PE',
    fecha: '2026-11-21',
    precios_incluyen_impuesto: true,
    descuento_global_porcentaje: '10',
    lineas: [{ cantidad: 1, precio: '118' }, { cantidad: 1n, precio: '59' }],
  });
  assert.deepEqual([r.total, r.total_gravada, r.total_igv], ['159.30', '135.00', '24.30']);
});

test('Ecuador in camelCase', () => {
  const doc = JSON.parse(fs.readFileSync(path.join(VECTORES, 'entradas', 'ecuador_ice_e_iva.json'), 'utf8'));
  const r = erp.calcularDocumento(doc);
  assert.equal(r.importeTotal, '346920.00');
  assert.equal(r.lineas[0].impuestos[1].baseImponible, '309750.00');
  assert.equal(r.lineas[0].impuestos[0].codigoPorcentaje, '3072');
});

test('the shared vectors, byte for byte', () => {
  const entradas = fs.readdirSync(path.join(VECTORES, 'entradas')).filter((f) => f.endsWith('.json')).sort();
  assert.ok(entradas.length >= 6);
  for (const f of entradas) {
    const entrada = fs.readFileSync(path.join(VECTORES, 'entradas', f), 'utf8');
    const esperado = fs.readFileSync(path.join(VECTORES, 'salidas', f), 'utf8');
    assert.equal(erp.calcularDocumentoJson(entrada), esperado, f);
  }
});

test('a decimal library object is exact', () => {
  // What decimal.js, big.js and bignumber.js have in common: toFixed() in fixed point.
  class Decimal {
    constructor(t) { this.t = t; }
    toFixed() { return this.t; }
  }
  const r = erp.calcularDocumento({
    pais: 'PE', fecha: '2026-11-21', lineas: [{ cantidad: new Decimal('10'), precio: new Decimal('1.00') }],
  });
  assert.equal(r.total, '11.80');
});

test('values that need converting, after ones that do not, and the caller\'s object untouched', () => {
  // The input is copied only where a value changes (a BigInt, a decimal object, an undefined
  // line): what comes before it in the same object or array must be kept, in order.
  const entrada = {
    pais: 'PE',
    fecha: '2026-11-21',
    observaciones: undefined,
    lineas: [
      { descripcion: 'a', cantidad: '1', precio: '10', notas: undefined },
      { descripcion: 'b', cantidad: 2n, precio: new (class { toFixed() { return '5.00'; } })() },
    ],
  };
  const r = erp.calcularDocumento(entrada);
  assert.equal(r.total, '23.60');
  assert.deepEqual(r.lineas.map((l) => [l.descripcion, l.cantidad]), [['a', '1'], ['b', '2']]);
  assert.equal(typeof entrada.lineas[1].cantidad, 'bigint');
  assert.deepEqual(Object.keys(entrada.lineas[0]), ['descripcion', 'cantidad', 'precio', 'notas']);
  // JSON.stringify would write what an array's own toJSON returns, unchecked: it is left out.
  const lineas = [{ cantidad: '1', precio: '10' }];
  lineas.toJSON = () => [{ cantidad: '1', precio: 0.1 }];
  assert.equal(erp.calcularDocumento({ pais: 'PE', fecha: '2026-11-21', lineas }).total, '11.80');
  // A float after text in the same line is still refused, with its path.
  assert.throws(
    () => erp.calcularDocumento({ pais: 'PE', fecha: '2026-11-21', lineas: [{ descripcion: 'a', cantidad: '1', precio: 0.1 }] }),
    (e) => e.codigo === 'tipo_invalido' && e.campo === 'lineas[0].precio',
  );
});

test('identity documents', () => {
  assert.equal(erp.validarIdentidad('PE', 'ruc', '20100070970').numero, '20100070970');
  assert.throws(() => erp.validarIdentidad('PE', 'ruc', '20100070971'), { codigo: 'ruc_invalido', code: 'ruc_invalido' });
  assert.throws(() => erp.validarIdentidad('PE', 'licencia', '1'), { codigo: 'tipo_documento_invalido', campo: 'tipo' });
  assert.throws(() => erp.validarIdentidad('PE', 'ruc', 20100070970), { codigo: 'tipo_invalido', campo: 'numero' });
});

// --- Bad input from JavaScript ---------------------------------------------------------------

const doc = (linea) => ({ pais: 'PE', fecha: '2026-11-21', lineas: [{ cantidad: '1', precio: '10', ...linea }] });

test('a number with decimals is not money', () => {
  assert.throws(() => erp.calcularDocumento(doc({ precio: 10.1 })), (e) => {
    assert.ok(e instanceof erp.ErpError);
    assert.equal(e.codigo, 'tipo_invalido');
    assert.equal(e.campo, 'lineas[0].precio');
    assert.match(e.mensaje, /como texto/);
    return true;
  });
});

for (const [nombre, linea, codigo, campo] of [
  ['negative quantity', { cantidad: '-1' }, 'cantidad_invalida', 'lineas[0].cantidad'],
  ['null quantity', { cantidad: null }, null, 'lineas[0].cantidad'],
  ['array price', { precio: [1] }, 'tipo_invalido', 'lineas[0].precio'],
  ['NaN price', { precio: NaN }, 'tipo_invalido', 'lineas[0].precio'],
  ['Infinity price', { precio: Infinity }, 'tipo_invalido', 'lineas[0].precio'],
  ['a Map', { precio: new Map() }, 'tipo_invalido', 'lineas[0].precio'],
  ['a function', { precio: () => 1 }, 'tipo_invalido', 'lineas[0].precio'],
  ['an unsafe integer', { precio: 2 ** 60 }, 'tipo_invalido', 'lineas[0].precio'],
  ['a Date', { precio: new Date() }, 'tipo_invalido', 'lineas[0].precio'],
  // Number's toFixed() would round 12.5 to "13".
  ['a boxed Number', { precio: new Number(12.5) }, 'tipo_invalido', 'lineas[0].precio'],
  ['an unknown enum', { afectacion_igv: '99' }, null, 'lineas[0].afectacion_igv'],
]) {
  test(`bad input: ${nombre}`, () => {
    assert.throws(() => erp.calcularDocumento(doc(linea)), (e) => {
      assert.ok(e instanceof erp.ErpError, String(e));
      if (codigo) assert.equal(e.codigo, codigo);
      assert.equal(e.campo, campo);
      assert.ok(e.mensaje.length > 0);
      return true;
    });
  });
}

test('a structure that contains itself does not crash the process', () => {
  const lineas = [];
  lineas.push(lineas);
  assert.throws(() => erp.calcularDocumento({ pais: 'PE', fecha: '2026-11-21', lineas }), { codigo: 'tipo_invalido' });
  // Text one level deeper than the limit is refused as any value that deep is.
  let hondo = 'x';
  for (let i = 0; i < 128; i++) hondo = [hondo];
  assert.throws(
    () => erp.calcularDocumento({ pais: 'PE', fecha: '2026-11-21', lineas: hondo }),
    (e) => e.codigo === 'tipo_invalido' && /anida/.test(e.mensaje),
  );
});

test('things that are not documents', () => {
  for (const malo of [null, [], 'texto', 3, { pais: 'PE' }]) {
    assert.throws(() => erp.calcularDocumento(malo), erp.ErpError);
  }
  assert.throws(() => erp.calcularDocumentoJson('{no es json'), { codigo: 'json_invalido' });
  assert.throws(() => erp.calcularDocumentoJson({}), { codigo: 'tipo_invalido' });
});
