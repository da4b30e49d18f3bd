'use strict';
// Plug-ins written in JavaScript: the hook that hears each committed event, and the e-invoicing
// sender the outbox sends through. A plug-in's error comes back as an ErpError (or as the failed
// attempt's message) and never undoes what committed.
const test = require('node:test');
const assert = require('node:assert/strict');
const erp = require('..');
const { tienda, cantidad, ventaPos } = require('./comun');

const NUBEFACT = { nubefact_ruta: 'https://api.nubefact.com/api/v1/abc', nubefact_token: 't0k3n' };
const ACEPTADA = {
  aceptada_por_sunat: true,
  sunat_responsecode: '0',
  sunat_description: 'La Boleta numero B001-1, ha sido aceptada',
  codigo_hash: 'xyz=',
};

test('alEvento hears the sale after it commits', async (t) => {
  const oidos = [];
  let stockOido = null;
  const { m, producto } = await tienda(t, {
    alEvento: async (e) => {
      oidos.push(e);
      // The hook may call the engine: what it reads has committed.
      if (e.evento === 'venta_registrada') stockOido = await cantidad(m, producto);
    },
  }, NUBEFACT);
  assert.deepEqual(oidos.map((e) => e.evento), ['movimiento_stock']);
  oidos.length = 0;
  const r = await ventaPos(m, producto);
  const porTipo = Object.fromEntries(oidos.map((e) => [e.evento, e]));
  assert.deepEqual(Object.keys(porTipo).sort(), ['comprobante_emitido', 'movimiento_stock', 'venta_registrada']);
  assert.equal(porTipo.venta_registrada.venta_id, r.venta.id);
  assert.equal(porTipo.venta_registrada.total, '70.00');
  assert.deepEqual([porTipo.movimiento_stock.tipo, porTipo.movimiento_stock.cantidad], ['salida', '2']);
  const c = porTipo.comprobante_emitido;
  assert.deepEqual([c.serie, c.numero, c.por_enviar], ['B001', 1, true]);
  assert.equal(stockOido, '8');

  oidos.length = 0;
  await assert.rejects(m.ventaPos({ items: [{ codigo: 'NO-EXISTE', cantidad: 1 }], pagos: [] }), erp.ErpError);
  assert.deepEqual(oidos, [], 'a refused sale tells nothing');

  await m.anularVenta(r.venta.id, { motivo: 'Error de caja' });
  assert.deepEqual(oidos.map((e) => e.evento).sort(), ['comprobante_emitido', 'movimiento_stock', 'venta_anulada']);
});

test('a hook that throws does not undo the sale', async (t) => {
  const llamadas = [];
  const { m, producto } = await tienda(t, {
    alEvento: (e) => {
      llamadas.push(e.evento);
      if (e.evento === 'venta_registrada') throw new Error('la impresora no responde');
    },
  });
  llamadas.length = 0;
  const err = await ventaPos(m, producto).then(() => null, (e) => e);
  assert.ok(err instanceof erp.PluginFallido);
  assert.ok(!(err instanceof erp.ErpError), 'code retrying on ErpError must not sell twice');
  assert.equal(err.codigo, erp.PLUGIN_FALLIDO);
  assert.equal(err.codigo, 'plugin_fallido');
  assert.match(err.mensaje, /la impresora no responde/);
  assert.match(err.mensaje, /No repita/);
  assert.equal(err.cause.message, 'la impresora no responde');
  assert.equal(llamadas.length, 3, 'every event reached the hook');
  assert.equal((await m.venta(err.resultado.venta.id)).estado, 'completada');
  assert.equal(await cantidad(m, producto), '8');
});

test('the sender receives the payload of the sale', async (t) => {
  const recibidas = [];
  const oidos = [];
  const { m, producto } = await tienda(t, {
    emisor: async (s) => {
      recibidas.push(s);
      return ACEPTADA;
    },
    alEvento: (e) => oidos.push(e),
  }, NUBEFACT);
  const { comprobante } = await ventaPos(m, producto);
  const carga = await m.solicitudNubefact(comprobante.id);
  oidos.length = 0;
  const informe = await m.enviarPendientes();
  assert.equal(recibidas.length, 1);
  const [s] = recibidas;
  assert.deepEqual([s.operacion, s.comprobante_id, s.numero], ['generar_comprobante', comprobante.id, 'B001-00000001']);
  assert.deepEqual(s.cuerpo, carga);
  assert.equal(s.cuerpo.total, '70.00');
  assert.deepEqual(s.destino, { ruc: '20600695771', ruta: NUBEFACT.nubefact_ruta, token: 't0k3n' });
  assert.deepEqual(informe.map((i) => [i.numero, i.estado, i.error]), [['B001-00000001', 'aceptado', null]]);
  assert.deepEqual(oidos, [{ evento: 'comprobante_estado', comprobante_id: comprobante.id, estado: 'aceptado' }]);
  assert.equal((await m.comprobante(comprobante.id)).estado, 'aceptado');
  assert.deepEqual(await m.enviarPendientes(), [], 'nothing more is due');
});

test('a sender that throws leaves the sale standing', async (t) => {
  const { m, producto } = await tienda(t, {
    emisor: () => {
      throw new Error('ECONNREFUSED: el proveedor no responde');
    },
  }, NUBEFACT);
  const { venta, comprobante } = await ventaPos(m, producto);
  const [i] = await m.enviarPendientes();
  assert.deepEqual([i.estado, i.intentos], ['error', 1]);
  assert.match(i.error, /ECONNREFUSED: el proveedor no responde/);
  assert.ok(i.reintento);
  assert.equal((await m.venta(venta.id)).estado, 'completada');
  assert.equal(await cantidad(m, producto), '8');
  const [log] = await m.logsEnvio(comprobante.id);
  assert.equal(log.resultado, 'error_transitorio');
  assert.match(log.mensaje, /el proveedor no responde/);
});

test('a sender whose Promise rejects, or that answers garbage', async (t) => {
  for (const [emisor, dice] of [
    [() => Promise.reject(new Error('timeout del proveedor')), /timeout del proveedor/],
    [() => null, /null/],
    [() => [1], /array/],
    [() => ({ total: 1.5 }), /number con decimales/],
    [() => ({}), /no es una respuesta de Nubefact/],
    [() => new Number(1), /Number envuelto|no es una respuesta/],
  ]) {
    const { m, producto } = await tienda(t, {}, NUBEFACT);
    await ventaPos(m, producto);
    const [i] = await m.enviarPendientes(emisor);
    assert.equal(i.estado, 'error');
    assert.match(i.error, dice);
  }
});

test('no sender, or one that is not a function', async (t) => {
  const { m } = await tienda(t, {}, NUBEFACT);
  await assert.rejects(m.enviarPendientes(), { codigo: 'estado_invalido', campo: 'emisor' });
  await assert.rejects(m.enviarPendientes({ emisor: 'https://otro.pe' }), { codigo: 'tipo_invalido', campo: 'emisor' });
  await assert.rejects(erp.Motor.abrir(':memory:', { alEvento: 3 }), { codigo: 'tipo_invalido', campo: 'alEvento' });
});
