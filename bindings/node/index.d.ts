// The ERP engine for Node.js. Money and quantities are strings in the engine's answers ("70.00");
// in arguments they may be strings, integers, bigints or a decimal library's objects (anything
// with toFixed), never a number with decimals. Dates are "AAAA-MM-DD" strings. Objects follow
// the engine's JSON (snake_case fields, as in the REST API).

/** A JSON object as the engine reads or writes it. */
export type Datos = { [campo: string]: any };

/** An engine error: `codigo` (stable, also `code`), `mensaje` for a person, `campo` or null. */
export declare class ErpError extends Error {
  constructor(codigo: string, mensaje: string, campo?: string | null);
  readonly codigo: string;
  readonly code: string;
  readonly mensaje: string;
  readonly campo: string | null;
}

/** The alEvento hook failed after its operation committed (not an ErpError: do not retry it). */
export declare class PluginFallido extends Error {
  constructor(mensaje: string, resultado: any, cause: unknown);
  readonly codigo: 'plugin_fallido';
  readonly code: 'plugin_fallido';
  readonly mensaje: string;
  readonly campo: null;
  /** The committed operation's result. */
  readonly resultado: any;
}

/** The codigo of a host plug-in that failed after its operation committed. */
export declare const PLUGIN_FALLIDO: string;

/** An event an operation committed (its `evento`: venta_registrada, venta_anulada,
 * comprobante_emitido, comprobante_estado, movimiento_stock, envio_programado). */
export interface Evento {
  evento: string;
  [campo: string]: any;
}

/** One request of the e-invoicing outbox, as the application's sender receives it. */
export interface SolicitudEnvio {
  operacion: 'generar_comprobante' | 'consultar_comprobante' | 'generar_anulacion' | 'consultar_anulacion';
  comprobante_id: string;
  numero: string;
  cuerpo: Datos;
  destino: { ruc: string; ruta: string; token: string };
}

/** The application's sender: Nubefact's request in, Nubefact's answer out. */
export type Emisor = (solicitud: SolicitudEnvio) => Datos | Promise<Datos>;

/** What became of one comprobante the outbox took. */
export interface Enviado {
  comprobante_id: string;
  numero: string;
  estado: string;
  intentos: number;
  error: string | null;
  reintento: string | null;
}

export interface OpcionesMotor {
  /** The company's id, when the database has several. */
  empresa?: string | null;
  /** The e-invoicing sender of enviarPendientes. */
  emisor?: Emisor | null;
  /** Called with each committed event, before the operation's Promise resolves. */
  alEvento?: ((evento: Evento) => void | Promise<void>) | null;
}

export declare function calcularDocumento(documento: Datos): Datos;
export declare function calcularDocumentoJson(documento: string): string;
export declare function validarIdentidad(pais: string, tipo: string, numero: string): Datos;
export declare function operaciones(): Array<[string, string]>;

export declare class Motor {
  private constructor();
  static abrir(url: string, opciones?: OpcionesMotor): Promise<Motor>;
  readonly empresaId: string | null;
  ejecutar(operacion: string, argumentos?: Datos): Promise<any>;
  enviarPendientes(opciones?: Emisor | { emisor?: Emisor; limite?: number }): Promise<Enviado[]>;

  crearEmpresa(datos: Datos): Promise<Datos>;
  empresa(): Promise<Datos>;
  crearAlmacen(datos: Datos): Promise<Datos>;
  almacenes(): Promise<Datos[]>;
  crearCategoria(datos: Datos): Promise<Datos>;
  crearProducto(datos: Datos): Promise<Datos>;
  producto(id: string): Promise<Datos>;
  productoPorCodigo(codigo: string): Promise<Datos>;
  crearCliente(datos: Datos): Promise<Datos>;
  cliente(id: string): Promise<Datos>;

  registrarMovimiento(datos: Datos): Promise<Datos[]>;
  ajustar(datos: Datos): Promise<Datos[]>;
  transferir(datos: Datos): Promise<Datos[]>;
  stock(filtro?: { productoId?: string | null; almacenId?: string | null }): Promise<Datos[]>;
  movimientos(filtro?: { productoId?: string | null; almacenId?: string | null; limite?: number }): Promise<Datos[]>;

  crearCotizacion(datos: Datos): Promise<Datos>;
  cotizacion(id: string): Promise<Datos>;
  convertirAOrden(id: string, almacenId?: string | null): Promise<Datos>;
  confirmarOrden(id: string): Promise<Datos>;
  orden(id: string): Promise<Datos>;
  generarVenta(ordenId: string, datos?: Datos): Promise<Datos>;
  vender(datos: Datos): Promise<Datos>;
  ventaPos(datos: Datos): Promise<Datos>;
  anularVenta(ventaId: string, datos: Datos): Promise<Datos>;
  devolver(ventaId: string, datos: Datos): Promise<Datos>;
  notaCredito(datos: Datos): Promise<Datos>;
  notaDebito(ventaId: string, datos: Datos): Promise<Datos>;
  venta(id: string): Promise<Datos>;
  comprobantesDeVenta(ventaId: string): Promise<Datos[]>;
  comprobante(id: string): Promise<Datos>;

  solicitudNubefact(comprobanteId: string): Promise<Datos>;
  reenviarComprobante(comprobanteId: string): Promise<Datos>;
  anularComprobante(comprobanteId: string, motivo: string): Promise<Datos>;
  logsEnvio(comprobanteId: string): Promise<Datos[]>;
}
