'use strict';
// The ERP engine for Peru and Ecuador, from Node.js: the same engine as the REST server and the
// Rust crate (not a re-implementation). Money and quantities go in as strings ("12.50"), integers
// or a decimal library's objects (anything with toFixed: decimal.js, big.js, bignumber.js), and
// come out as strings; a number with decimals is refused, since 0.1 is not exact. Dates are
// "AAAA-MM-DD" strings. Engine calls return Promises. Every error is an ErpError with the
// engine's stable `codigo` (also `code`), a `mensaje` for a person and the `campo` it concerns.

const native = require('./erp.node');

const PLUGIN_FALLIDO = native.PLUGIN_FALLIDO;
// Deeper than this is refused (a structure that contains itself), as the engine refuses it.
const PROFUNDIDAD_MAXIMA = 128;

class ErpError extends Error {
  constructor(codigo, mensaje, campo = null) {
    super(campo ? `[${codigo}] ${campo}: ${mensaje}` : `[${codigo}] ${mensaje}`);
    this.name = 'ErpError';
    this.codigo = codigo;
    this.code = codigo;
    this.mensaje = mensaje;
    this.campo = campo;
  }
}

/**
 * A host plug-in (the alEvento hook) failed AFTER its operation committed. Deliberately not an
 * ErpError: code that retries on ErpError must not repeat a sale that happened. `resultado` is the
 * committed result; `cause` the hook's error.
 */
class PluginFallido extends Error {
  constructor(mensaje, resultado, cause) {
    super(`[${PLUGIN_FALLIDO}] ${mensaje}`, { cause });
    this.name = 'PluginFallido';
    this.codigo = PLUGIN_FALLIDO;
    this.code = PLUGIN_FALLIDO;
    this.mensaje = mensaje;
    this.campo = null;
    this.resultado = resultado;
  }
}

/** The native error (its message is the engine's error as JSON) as an ErpError. */
function deNativo(e) {
  if (!(e instanceof Error)) return e;
  let x;
  try {
    x = JSON.parse(e.message);
  } catch {
    return e;
  }
  if (!x || typeof x.codigo !== 'string') return e;
  return new ErpError(x.codigo, x.mensaje, x.campo ?? null);
}

function tipoDe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}

/** A JavaScript value as the engine's JSON value; `ruta` names the field for the error. */
function aJson(v, ruta, profundidad = 0) {
  const campo = ruta || 'valor';
  if (profundidad > PROFUNDIDAD_MAXIMA) {
    throw new ErpError('tipo_invalido', `${campo} anida más de ${PROFUNDIDAD_MAXIMA} niveles`, campo);
  }
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isSafeInteger(v)) return v;
      if (Number.isInteger(v)) {
        throw new ErpError('tipo_invalido', `${campo} es un entero que un number no guarda exacto (${v}): páselo como texto o BigInt`, campo);
      }
      throw new ErpError(
        'tipo_invalido',
        `${campo} es un number con decimales (${v}): pase el dinero y las cantidades como texto ("12.50"); un number no es exacto`,
        campo,
      );
    case 'bigint':
      return v.toString();
    case 'undefined':
      return null;
    case 'object':
      break;
    default:
      throw new ErpError('tipo_invalido', `${campo} es un ${typeof v}: no es un dato`, campo);
  }
  if (v === null) return null;
  // A container whose values need no change is returned as it is (JSON.stringify writes it), not
  // copied; text and booleans, most of a document, are taken without building their path. One
  // with a toJSON of its own is copied: JSON.stringify would write what toJSON returns, unchecked.
  const directo = profundidad < PROFUNDIDAD_MAXIMA && v.toJSON === undefined;
  if (Array.isArray(v)) {
    let copia = directo ? null : [];
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      const t = typeof x;
      const y = directo && (t === 'string' || t === 'boolean') ? x : aJson(x, `${campo}[${i}]`, profundidad + 1);
      if (copia === null && y !== x) copia = v.slice(0, i);
      if (copia !== null) copia.push(y);
    }
    return copia ?? v;
  }
  if (v instanceof Date) {
    throw new ErpError('tipo_invalido', `${campo} es un Date: pase la fecha como texto "AAAA-MM-DD" (un Date es un instante, no un día)`, campo);
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    let copia = directo ? null : {};
    const claves = Object.keys(v);
    for (let i = 0; i < claves.length; i++) {
      const k = claves[i];
      const x = v[k];
      const t = typeof x;
      // An undefined property is left out, as JSON.stringify leaves it out.
      const y = t === 'undefined' || (directo && (t === 'string' || t === 'boolean')) ? x : aJson(x, ruta ? `${ruta}.${k}` : k, profundidad + 1);
      if (copia === null && y !== x) {
        copia = {};
        for (let j = 0; j < i; j++) if (v[claves[j]] !== undefined) copia[claves[j]] = v[claves[j]];
      }
      if (copia !== null && y !== undefined) copia[k] = y;
    }
    return copia ?? v;
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) {
    // A boxed primitive: Number's toFixed() rounds to an integer ("13" for 12.5).
    throw new ErpError('tipo_invalido', `${campo} es un ${tipoDe(v)} envuelto: pase el valor primitivo (el dinero como texto)`, campo);
  }
  if (typeof v.toFixed === 'function') {
    // A decimal library's number: its own exact fixed-point text.
    const t = v.toFixed();
    if (typeof t === 'string' && /^-?\d+(\.\d+)?$/.test(t)) return t;
    throw new ErpError('tipo_invalido', `${campo} no es un número finito (${t})`, campo);
  }
  throw new ErpError('tipo_invalido', `${campo} es un ${tipoDe(v)}: se esperaba un objeto, un array, texto, un entero o un decimal`, campo);
}

function argumentos(v) {
  if (v === undefined || v === null) return '{}';
  return JSON.stringify(aJson(v, ''));
}

function nativo(f) {
  try {
    return f();
  } catch (e) {
    throw deNativo(e);
  }
}

/** A native Promise whose rejection is an ErpError. */
function nativoAsync(promesa) {
  return promesa.catch((e) => {
    throw deNativo(e);
  });
}

/** The engine's totals of a document: an object in (money as strings), an object out. */
function calcularDocumento(documento) {
  return JSON.parse(calcularDocumentoJson(argumentos(documento)));
}

/** The same with JSON text in and out: byte for byte what every binding and the server answer. */
function calcularDocumentoJson(documento) {
  if (typeof documento !== 'string') {
    throw new ErpError('tipo_invalido', `el documento es texto JSON, no un ${tipoDe(documento)}`, 'documento');
  }
  return nativo(() => native.calcularDocumento(documento));
}

/** Validates an identity document: pais "PE" or "EC", tipo "ruc", "dni", "cedula"... */
function validarIdentidad(pais, tipo, numero) {
  for (const [n, v] of [['pais', pais], ['tipo', tipo], ['numero', numero]]) {
    if (typeof v !== 'string') throw new ErpError('tipo_invalido', `${n} es texto, no un ${tipoDe(v)}`, n);
  }
  return JSON.parse(nativo(() => native.validarIdentidad(pais, tipo, numero)));
}

/** The operations Motor.ejecutar knows: [name, arguments] pairs. */
function operaciones() {
  return native.operaciones();
}

/**
 * The engine on a SQLite file (a path, or "sqlite://..."; created if missing) or a PostgreSQL
 * URL, bound to one company. Each method is one unit of work: it commits whole or changes
 * nothing. Open it with `await Motor.abrir(url, {empresa, emisor, alEvento})`.
 *
 * `alEvento(evento)` is called with each event an operation committed, after the commit and
 * before its Promise resolves (awaited if it returns a Promise: keep it short, the operation's
 * Promise waits for it). If it throws, the Promise rejects with a PluginFallido (not an
 * ErpError) whose `resultado` is the operation's result and whose `cause` is the hook's error:
 * the operation has committed and must not be repeated.
 *
 * `emisor(solicitud)` sends one request of the e-invoicing outbox (see enviarPendientes).
 */
class Motor {
  #m;
  #emisor;
  #alEvento;

  constructor(m, emisor, alEvento) {
    this.#m = m;
    this.#emisor = emisor;
    this.#alEvento = alEvento;
  }

  static async abrir(url, opciones = {}) {
    const { empresa = null, emisor = null, alEvento = null } = opciones;
    if (typeof url !== 'string') throw new ErpError('tipo_invalido', 'la url es texto', 'url');
    for (const [n, f] of [['emisor', emisor], ['alEvento', alEvento]]) {
      if (f !== null && typeof f !== 'function') throw new ErpError('tipo_invalido', `${n} es una función`, n);
    }
    if (empresa !== null && typeof empresa !== 'string') {
      throw new ErpError('tipo_invalido', 'empresa es el id de la empresa, como texto', 'empresa');
    }
    return new Motor(await nativoAsync(native.Motor.abrir(url, empresa)), emisor, alEvento);
  }

  /** The company's id, or null before crearEmpresa. */
  get empresaId() {
    return this.#m.empresaId ?? null;
  }

  /** Any operation of operaciones() with its arguments. */
  async ejecutar(operacion, args) {
    if (typeof operacion !== 'string') throw new ErpError('tipo_invalido', 'la operación es texto', 'operacion');
    const s = await nativoAsync(this.#m.ejecutar(operacion, argumentos(args)));
    return this.#avisar(operacion, s);
  }

  async #avisar(operacion, s) {
    const resultado = JSON.parse(s.resultado);
    const eventos = JSON.parse(s.eventos);
    if (!this.#alEvento || eventos.length === 0) return resultado;
    // Every event reaches the hook even if an earlier one failed: the first failure is raised.
    let fallo = null;
    for (const evento of eventos) {
      try {
        await this.#alEvento(evento);
      } catch (e) {
        fallo ??= { evento, e };
      }
    }
    if (fallo) {
      const { evento, e } = fallo;
      const texto = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new PluginFallido(
        `${operacion} se registró, pero alEvento falló con el evento ${evento.evento}: ${texto}. No repita la operación.`,
        resultado,
        e,
      );
    }
    return resultado;
  }

  /**
   * Sends the company's due comprobantes (and bajas) through `emisor` (or the one the engine was
   * opened with): a function taking Nubefact's request, an object {operacion, comprobante_id,
   * numero, cuerpo, destino: {ruc, ruta, token}}, and returning (or resolving to) Nubefact's
   * answer as an object ({aceptada_por_sunat: true, ...} or {errors: "...", codigo: 20}). A throw
   * or a rejection is a failed attempt: logged, retried later; the sale stands. Resolves to what
   * became of each comprobante: {comprobante_id, numero, estado, intentos, error, reintento}.
   */
  async enviarPendientes(opciones = {}) {
    // enviarPendientes(emisor) as well as enviarPendientes({emisor, limite}).
    const { emisor = this.#emisor, limite = 100 } = typeof opciones === 'function' ? { emisor: opciones } : (opciones ?? {});
    if (emisor === null || emisor === undefined) {
      throw new ErpError('estado_invalido', 'no hay emisor: pase uno a enviarPendientes o al abrir el Motor', 'emisor');
    }
    if (typeof emisor !== 'function') throw new ErpError('tipo_invalido', 'el emisor es una función', 'emisor');
    if (!Number.isSafeInteger(limite) || limite < 0 || limite > 0xffffffff) {
      throw new ErpError('tipo_invalido', 'limite es un entero positivo', 'limite');
    }
    const puente = async (solicitud) => {
      const r = await emisor(JSON.parse(solicitud));
      if (r === null || typeof r !== 'object' || Array.isArray(r)) {
        throw new TypeError(`el emisor devolvió ${tipoDe(r)}: se esperaba un objeto con la respuesta de Nubefact`);
      }
      return JSON.stringify(aJson(r, 'respuesta'));
    };
    const s = await nativoAsync(this.#m.enviarPendientes(puente, limite));
    return this.#avisar('enviarPendientes', s);
  }

  // --- Company and catalogue -------------------------------------------------------------------
  crearEmpresa(datos) { return this.ejecutar('crear_empresa', datos); }
  empresa() { return this.ejecutar('empresa'); }
  crearAlmacen(datos) { return this.ejecutar('crear_almacen', datos); }
  almacenes() { return this.ejecutar('almacenes'); }
  crearCategoria(datos) { return this.ejecutar('crear_categoria', datos); }
  crearProducto(datos) { return this.ejecutar('crear_producto', datos); }
  producto(id) { return this.ejecutar('producto', { id }); }
  productoPorCodigo(codigo) { return this.ejecutar('producto_por_codigo', { codigo }); }
  crearCliente(datos) { return this.ejecutar('crear_cliente', datos); }
  cliente(id) { return this.ejecutar('cliente', { id }); }

  // --- Stock -----------------------------------------------------------------------------------
  /** An entry, an outflow or a return; the ledger rows written. */
  registrarMovimiento(datos) { return this.ejecutar('registrar_movimiento', datos); }
  ajustar(datos) { return this.ejecutar('ajustar', datos); }
  transferir(datos) { return this.ejecutar('transferir', datos); }
  stock({ productoId = null, almacenId = null } = {}) {
    return this.ejecutar('stock', { producto_id: productoId, almacen_id: almacenId });
  }
  /** The ledger, newest first. */
  movimientos({ productoId = null, almacenId = null, limite = 100 } = {}) {
    return this.ejecutar('movimientos', { producto_id: productoId, almacen_id: almacenId, limite });
  }

  // --- Sales -----------------------------------------------------------------------------------
  crearCotizacion(datos) { return this.ejecutar('crear_cotizacion', datos); }
  cotizacion(id) { return this.ejecutar('cotizacion', { id }); }
  convertirAOrden(id, almacenId = null) { return this.ejecutar('convertir_a_orden', { id, almacen_id: almacenId }); }
  confirmarOrden(id) { return this.ejecutar('confirmar_orden', { id }); }
  orden(id) { return this.ejecutar('orden', { id }); }
  generarVenta(ordenId, datos = {}) { return this.ejecutar('generar_venta', { id: ordenId, datos }); }
  /** A sale: {venta, comprobante}. */
  vender(datos) { return this.ejecutar('vender', datos); }
  /** A counter sale by product code: {venta, comprobante}. */
  ventaPos(datos) { return this.ejecutar('venta_pos', datos); }
  /** Annuls a sale ({motivo, motivo_codigo?, clave_idempotencia?}): its credit note, stock back. */
  anularVenta(ventaId, datos) { return this.ejecutar('anular_venta', { venta_id: ventaId, datos }); }
  /** A partial return ({lineas: [{numero, cantidad}], motivo, ...}): its credit note. */
  devolver(ventaId, datos) { return this.ejecutar('devolver', { venta_id: ventaId, datos }); }
  notaCredito(datos) { return this.ejecutar('nota_credito', datos); }
  notaDebito(ventaId, datos) { return this.ejecutar('nota_debito', { venta_id: ventaId, datos }); }
  venta(id) { return this.ejecutar('venta', { id }); }
  comprobantesDeVenta(ventaId) { return this.ejecutar('comprobantes_de_venta', { id: ventaId }); }
  comprobante(id) { return this.ejecutar('comprobante', { id }); }

  // --- E-invoicing -----------------------------------------------------------------------------
  /** The generar_comprobante request Nubefact receives for this comprobante. */
  solicitudNubefact(comprobanteId) { return this.ejecutar('solicitud_nubefact', { id: comprobanteId }); }
  /** A person's resend of a failed comprobante (or baja): due now, its attempts afresh. */
  reenviarComprobante(comprobanteId) { return this.ejecutar('reenviar_comprobante', { id: comprobanteId }); }
  /** A comunicación de baja of an accepted factura or boleta: queued for the outbox. */
  anularComprobante(comprobanteId, motivo) { return this.ejecutar('anular_comprobante', { id: comprobanteId, motivo }); }
  /** The requests sent for a comprobante and what came back, newest first. */
  logsEnvio(comprobanteId) { return this.ejecutar('logs_envio', { id: comprobanteId }); }
}

module.exports = {
  ErpError,
  PluginFallido,
  Motor,
  PLUGIN_FALLIDO,
  calcularDocumento,
  calcularDocumentoJson,
  operaciones,
  validarIdentidad,
};
