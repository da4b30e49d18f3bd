'use strict';
// Plug-ins written in JavaScript: a hook that hears every committed event (to print, notify or
// sync) and an e-invoicing sender of the shop's own (another provider, a queue, a test double)
// that the engine's outbox sends through, with its retries and its log.
//
//     scripts/ejemplo node emisor_propio [archivo.db]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const erp = require('../../bindings/node');

let intentos = 0;

// Receives Nubefact's request and answers in Nubefact's form (it may be async: a fetch to the
// provider). The first call fails, as a provider that is down would: the engine logs it and the
// comprobante waits for its retry. After a failure the engine consults before sending again.
async function emisor(solicitud) {
  intentos += 1;
  console.log(`  emisor: ${solicitud.operacion} ${solicitud.numero} → ${solicitud.destino.ruta}`);
  if (intentos === 1) throw new Error('ECONNREFUSED: el proveedor no responde');
  return { aceptada_por_sunat: true, sunat_responsecode: '0', sunat_description: 'Aceptada' };
}

// Called after the commit: what it reads is already in the database.
function alEvento(evento) {
  const { evento: nombre, ...datos } = evento;
  console.log(`  evento ${nombre}: ${Object.entries(datos).map(([k, v]) => `${k}=${v}`).join(', ')}`);
}

async function main() {
  const archivo = process.argv[2] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'erp-')), 'tienda.db');
  const m = await erp.Motor.abrir(archivo, { emisor, alEvento });
  await m.crearEmpresa({
    pais: 'PE',
    identificacion: '20600695771',
    razon_social: 'Ferretería El Martillo S.A.C.',
    direccion: 'Av. Arequipa 100, Lima',
    // Where the requests go: the emisor receives this route and token with each one.
    ajustes: { nubefact_ruta: 'https://api.otro-proveedor.pe/v1/emitir', nubefact_token: 'secreto' },
  });
  const almacen = await m.crearAlmacen({ nombre: 'Tienda', es_principal: true });
  const martillo = await m.crearProducto({ nombre: 'Martillo', precio_venta: '35.00', precio_incluye_impuesto: true });
  console.log('entrada de stock');
  await m.registrarMovimiento({ tipo: 'entrada', producto_id: martillo.id, almacen_id: almacen.id, cantidad: 10, costo_unitario: '20' });
  console.log('venta');
  const r = await m.ventaPos({ items: [{ codigo: martillo.codigo, cantidad: 2 }] });
  const cid = r.comprobante.id;

  console.log('envío: el proveedor está caído');
  let [i] = await m.enviarPendientes();
  console.log(`  ${i.numero}: ${i.estado} (${i.error}); reintento ${i.reintento}`);
  console.log(`  la venta sigue en pie: ${(await m.venta(r.venta.id)).estado}`);

  console.log('reenvío ahora (sin esperar el reintento)');
  await m.reenviarComprobante(cid);
  [i] = await m.enviarPendientes();
  console.log(`  ${i.numero}: ${i.estado}`);
  for (const log of (await m.logsEnvio(cid)).reverse()) {
    console.log(`  log: ${log.operacion} → ${log.resultado} ${log.mensaje}`);
  }
  if (i.estado !== 'aceptado') throw new Error(`se esperaba aceptado, no ${i.estado}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
