'use strict';
// What the suites share: a fresh SQLite file per test, and a hardware shop in Peru.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const erp = require('..');

function archivo(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'erp-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'erp.db');
}

/**
 * A shop with a warehouse and a hammer at 35.00 with IGV, 10 in stock at 20.00: on a fresh SQLite
 * file, or on the empty database at `url`.
 */
async function tienda(t, opciones = {}, ajustes = undefined, url = undefined) {
  const m = await erp.Motor.abrir(url ?? archivo(t), opciones);
  await m.crearEmpresa({
    pais: 'PE',
    identificacion: '20600695771',
    razon_social: 'Ferretería El Martillo S.A.C.',
    direccion: 'Av. Arequipa 100, Lima',
    ajustes,
  });
  const almacen = await m.crearAlmacen({ nombre: 'Tienda', es_principal: true });
  const producto = await m.crearProducto({
    nombre: 'Martillo de uña 16 oz',
    precio_venta: '35.00',
    precio_incluye_impuesto: true,
    costo: '20',
  });
  await m.registrarMovimiento({
    tipo: 'entrada',
    producto_id: producto.id,
    almacen_id: almacen.id,
    cantidad: 10,
    costo_unitario: '20.00',
  });
  return { m, almacen, producto };
}

async function cantidad(m, producto) {
  const [s] = await m.stock({ productoId: producto.id });
  return s.cantidad;
}

/** A counter sale of `unidades` hammers paid with a 100 note per 2 hammers (S/ 35.00 each). */
function ventaPos(m, producto, unidades = 2) {
  return m.ventaPos({
    items: [{ codigo: producto.codigo, cantidad: unidades }],
    pagos: [{ metodo: 'efectivo', monto: `${Math.ceil(unidades / 2) * 100}.00` }],
  });
}

module.exports = { archivo, tienda, cantidad, ventaPos };
