'use strict';
// A counter sale from an empty SQLite file to the request Nubefact receives.
//
//     scripts/ejemplo node venta_mostrador [archivo.db]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const erp = require('../../bindings/node');

async function main() {
  const archivo = process.argv[2] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'erp-')), 'tienda.db');
  const m = await erp.Motor.abrir(archivo); // created and migrated; a postgres:// URL works the same
  await m.crearEmpresa({
    pais: 'PE',
    identificacion: '20600695771',
    razon_social: 'Ferretería El Martillo S.A.C.',
    direccion: 'Av. Arequipa 100, Lima',
  });
  const almacen = await m.crearAlmacen({ nombre: 'Tienda', es_principal: true });
  // Money as strings: a JavaScript number is not exact.
  const martillo = await m.crearProducto({ nombre: 'Martillo de uña 16 oz', precio_venta: '35.00', precio_incluye_impuesto: true });
  await m.registrarMovimiento({
    tipo: 'entrada', producto_id: martillo.id, almacen_id: almacen.id, cantidad: 10, costo_unitario: '20.00',
  });

  const { venta, comprobante: c } = await m.ventaPos({
    items: [{ codigo: martillo.codigo, cantidad: 2 }],
    pagos: [{ metodo: 'efectivo', monto: '100.00' }],
  });
  console.log(`${c.serie}-${String(c.numero).padStart(8, '0')}  total S/ ${c.total}  vuelto S/ ${venta.vuelto}`);
  const [s] = await m.stock({ productoId: martillo.id });
  console.log(`stock de ${martillo.codigo}: ${s.cantidad}`);
  const carga = await m.solicitudNubefact(c.id);
  console.log(JSON.stringify(carga, null, 2));
  console.log(`base: ${archivo}`);
  if ([c.total, carga.total_igv, carga.total_gravada].join() !== '70.00,10.68,59.32') {
    throw new Error('los totales no son los esperados');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
