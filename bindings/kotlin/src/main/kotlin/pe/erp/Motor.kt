package pe.erp

import pe.erp.nativo.EmisorNativo
import pe.erp.nativo.FalloEmisor
import pe.erp.nativo.MotorNativo
import pe.erp.nativo.Salida

/**
 * The application's e-invoicing sender: takes Nubefact's request, a Map
 * `{operacion, comprobante_id, numero, cuerpo, destino: {ruc, ruta, token}}`, and answers
 * Nubefact's answer as a Map (`{aceptada_por_sunat: true, …}` or `{errors: "…", codigo: 20}`).
 * An exception is a failed attempt: logged, retried later; the sale stands.
 */
fun interface Emisor {
    // @Throws: a Java sender may throw IOException or InterruptedException as they are.
    @Throws(Exception::class)
    fun enviar(solicitud: Map<String, Any?>): Map<String, Any?>
}

/** The application's hook: hears each event an operation committed, after the commit. */
fun interface AlEvento {
    @Throws(Exception::class)
    fun recibir(evento: Map<String, Any?>)
}

/**
 * The engine on a SQLite file (a path, or `sqlite://…`; created if missing) or a PostgreSQL URL,
 * bound to one company. Each method is one unit of work: it commits whole or changes nothing,
 * and raises [ErpException]. Safe to share between threads; close it when done.
 *
 * [alEvento] is called with each event an operation committed, after the commit and before the
 * method returns (keep it short: the caller waits for it). If it throws an Exception, the method
 * throws a [PluginFallido] (not an ErpException) carrying the committed result: the operation has
 * committed and must not be repeated. A JVM `Error` (an AssertionError, an OutOfMemoryError)
 * propagates as it is, and the events after it are not heard.
 */
class Motor private constructor(
    private val nativo: MotorNativo,
    private val emisor: Emisor?,
    private val alEvento: AlEvento?,
) : AutoCloseable {
    companion object {
        /** Opens (and migrates) the database; [empresa] picks the company when it has several. */
        @JvmStatic
        @JvmOverloads
        fun abrir(
            url: String,
            empresa: String? = null,
            emisor: Emisor? = null,
            alEvento: AlEvento? = null,
        ): Motor = Motor(nativo { MotorNativo.abrir(url, empresa) }, emisor, alEvento)
    }

    @Volatile
    private var cerrado = false

    /** The company's id, or null before [crearEmpresa]. */
    val empresaId: String? get() = llamar { nativo.empresaId() }

    /** Closes the database. Calls after this raise `estado_invalido`. */
    override fun close() {
        cerrado = true
        nativo.close()
    }

    private inline fun <T> llamar(f: () -> T): T {
        if (cerrado) throw ErpException("estado_invalido", "el motor está cerrado")
        return try {
            nativo(f)
        } catch (e: IllegalStateException) {
            // Closed by another thread between the check and the call.
            if (cerrado) throw ErpException("estado_invalido", "el motor está cerrado") else throw e
        }
    }

    /** Any operation of [Erp.operaciones] with its arguments; its result as Kotlin values. */
    @JvmOverloads
    fun ejecutar(operacion: String, argumentos: Map<String, Any?>? = null): Any? {
        val json = if (argumentos == null) "{}" else Json.escribir(argumentos, "")
        return avisar(operacion, llamar { nativo.ejecutar(operacion, json) })
    }

    private fun avisar(operacion: String, s: Salida): Any? {
        val resultado = Json.leer(s.resultado)
        val hook = alEvento ?: return resultado
        val eventos = Json.leer(s.eventos) as? List<*> ?: return resultado
        // Every event reaches the hook even if an earlier one failed: the first failure is raised.
        var fallo: Pair<Map<String, Any?>, Exception>? = null
        for (e in eventos) {
            val evento = objeto(e)
            try {
                hook.recibir(evento)
            } catch (x: Exception) {
                if (x is InterruptedException) Thread.currentThread().interrupt()
                if (fallo == null) fallo = evento to x
            }
        }
        val (evento, x) = fallo ?: return resultado
        throw PluginFallido(
            "$operacion se registró, pero alEvento falló con el evento ${evento["evento"]}: $x. " +
                "No repita la operación.",
            resultado,
            x,
        )
    }

    /**
     * Sends the company's due comprobantes (and bajas) through [emisor] (or the one the engine was
     * opened with), up to [limite] of them, with the outbox's rules: a failed attempt is logged and
     * retried later, its sale stands. Answers what became of each:
     * `{comprobante_id, numero, estado, intentos, error, reintento}`.
     *
     * If the thread is interrupted while the sender runs (or the sender throws a JVM `Error`),
     * the round stops after that attempt (logged) and the interruption or the Error is rethrown;
     * on a thread already interrupted nothing is sent and InterruptedException is thrown.
     *
     * The engine does not time the sender out (it waits as it would for the HTTP request this
     * replaces): give the sender's own client a timeout, under 30 s.
     */
    @JvmOverloads
    @Throws(InterruptedException::class)
    fun enviarPendientes(emisor: Emisor? = null, limite: Int = 100): List<Map<String, Any?>> {
        val e = emisor ?: this.emisor
            ?: throw ErpException("estado_invalido", "no hay emisor: pase uno a enviarPendientes o al abrir el Motor", "emisor")
        if (limite < 0) throw tipoInvalido("limite", "limite es un entero positivo")
        if (Thread.interrupted()) throw InterruptedException("el hilo ya estaba interrumpido: no se envió nada")
        val puente = Puente(e)
        val s = llamar { nativo.enviarPendientes(puente, limite.toUInt()) }
        puente.detencion?.let {
            if (it is InterruptedException) Thread.currentThread().interrupt()
            throw it
        }
        // A sender that only set the thread's flag (as a careful one does) stopped the round too.
        if (Thread.currentThread().isInterrupted) throw InterruptedException("el envío se interrumpió")
        return lista(avisar("enviarPendientes", s))
    }

    /** The user's sender as the native layer calls it: JSON text in and out, every failure a message. */
    private class Puente(private val emisor: Emisor) : EmisorNativo {
        /** What stopped the round: an interruption or a JVM Error, rethrown after it. */
        @Volatile
        var detencion: Throwable? = null

        override fun detenido(): Boolean = detencion != null || Thread.currentThread().isInterrupted

        override fun enviar(solicitud: String): String {
            try {
                val r: Any? = emisor.enviar(objeto(Json.leer(solicitud)))
                if (r !is Map<*, *>) {
                    throw FalloEmisor.Host(
                        "el emisor devolvió ${r?.javaClass?.simpleName ?: "null"}: " +
                            "se esperaba un Map con la respuesta de Nubefact",
                    )
                }
                return Json.escribir(r, "respuesta")
            } catch (x: FalloEmisor) {
                throw x
            } catch (x: ErpException) {
                throw FalloEmisor.Host(x.mensaje)
            } catch (x: Throwable) {
                when {
                    x is Error -> detencion = x
                    interrupcion(x) -> {
                        detencion = x as? InterruptedException ?: InterruptedException(x.toString()).apply { initCause(x) }
                    }
                }
                throw FalloEmisor.Host(mensaje(x))
            }
        }

        /** An interruption, also as Java's blocking I/O reports it (or wrapped by a sender). */
        private fun interrupcion(x: Throwable): Boolean =
            generateSequence(x) { it.cause }.take(8).any {
                it is InterruptedException || it is java.io.InterruptedIOException ||
                    it is java.nio.channels.ClosedByInterruptException
            }

        /** The failure's text as it can cross: a lone surrogate would fail uniffi's encoding. */
        private fun mensaje(x: Throwable): String {
            val t = try {
                x.toString()
            } catch (_: Throwable) {
                x.javaClass.name
            }
            return String(t.toByteArray(Charsets.UTF_8), Charsets.UTF_8)
        }
    }

    // --- Company and catalogue -------------------------------------------------------------------
    fun crearEmpresa(datos: Map<String, Any?>) = objeto(ejecutar("crear_empresa", datos))
    fun empresa() = objeto(ejecutar("empresa"))
    fun crearAlmacen(datos: Map<String, Any?>) = objeto(ejecutar("crear_almacen", datos))
    fun almacenes() = lista(ejecutar("almacenes"))
    fun crearCategoria(datos: Map<String, Any?>) = objeto(ejecutar("crear_categoria", datos))
    fun crearProducto(datos: Map<String, Any?>) = objeto(ejecutar("crear_producto", datos))
    fun producto(id: String) = objeto(ejecutar("producto", mapOf("id" to id)))
    fun productoPorCodigo(codigo: String) = objeto(ejecutar("producto_por_codigo", mapOf("codigo" to codigo)))
    fun crearCliente(datos: Map<String, Any?>) = objeto(ejecutar("crear_cliente", datos))
    fun cliente(id: String) = objeto(ejecutar("cliente", mapOf("id" to id)))

    // --- Stock -----------------------------------------------------------------------------------
    /** An entry, an outflow or a return; the ledger rows written. */
    fun registrarMovimiento(datos: Map<String, Any?>) = lista(ejecutar("registrar_movimiento", datos))
    fun ajustar(datos: Map<String, Any?>) = lista(ejecutar("ajustar", datos))
    fun transferir(datos: Map<String, Any?>) = lista(ejecutar("transferir", datos))

    @JvmOverloads
    fun stock(productoId: String? = null, almacenId: String? = null) =
        lista(ejecutar("stock", mapOf("producto_id" to productoId, "almacen_id" to almacenId)))

    /** The ledger, newest first. */
    @JvmOverloads
    fun movimientos(productoId: String? = null, almacenId: String? = null, limite: Int = 100) =
        lista(ejecutar("movimientos", mapOf("producto_id" to productoId, "almacen_id" to almacenId, "limite" to limite)))

    // --- Sales -----------------------------------------------------------------------------------
    fun crearCotizacion(datos: Map<String, Any?>) = objeto(ejecutar("crear_cotizacion", datos))
    fun cotizacion(id: String) = objeto(ejecutar("cotizacion", mapOf("id" to id)))

    @JvmOverloads
    fun convertirAOrden(id: String, almacenId: String? = null) =
        objeto(ejecutar("convertir_a_orden", mapOf("id" to id, "almacen_id" to almacenId)))
    fun confirmarOrden(id: String) = objeto(ejecutar("confirmar_orden", mapOf("id" to id)))
    fun orden(id: String) = objeto(ejecutar("orden", mapOf("id" to id)))

    @JvmOverloads
    fun generarVenta(ordenId: String, datos: Map<String, Any?> = emptyMap()) =
        objeto(ejecutar("generar_venta", mapOf("id" to ordenId, "datos" to datos)))

    /** A sale: `{venta, comprobante}`. */
    fun vender(datos: Map<String, Any?>) = objeto(ejecutar("vender", datos))

    /** A counter sale by product code: `{venta, comprobante}`. */
    fun ventaPos(datos: Map<String, Any?>) = objeto(ejecutar("venta_pos", datos))

    /** Annuls a sale (`{motivo, motivo_codigo?, clave_idempotencia?}`): its credit note; the stock returns. */
    fun anularVenta(ventaId: String, datos: Map<String, Any?>) =
        objeto(ejecutar("anular_venta", mapOf("venta_id" to ventaId, "datos" to datos)))

    /** A partial return (`{lineas: [{numero, cantidad}], motivo, …}`): its credit note. */
    fun devolver(ventaId: String, datos: Map<String, Any?>) =
        objeto(ejecutar("devolver", mapOf("venta_id" to ventaId, "datos" to datos)))
    fun notaCredito(datos: Map<String, Any?>) = objeto(ejecutar("nota_credito", datos))
    fun notaDebito(ventaId: String, datos: Map<String, Any?>) =
        objeto(ejecutar("nota_debito", mapOf("venta_id" to ventaId, "datos" to datos)))
    fun venta(id: String) = objeto(ejecutar("venta", mapOf("id" to id)))
    fun comprobantesDeVenta(ventaId: String) = lista(ejecutar("comprobantes_de_venta", mapOf("id" to ventaId)))
    fun comprobante(id: String) = objeto(ejecutar("comprobante", mapOf("id" to id)))

    // --- E-invoicing -----------------------------------------------------------------------------
    /** The `generar_comprobante` request Nubefact receives for this comprobante. */
    fun solicitudNubefact(comprobanteId: String) = objeto(ejecutar("solicitud_nubefact", mapOf("id" to comprobanteId)))

    /** A person's resend of a failed comprobante (or baja): due now, its attempts afresh. */
    fun reenviarComprobante(comprobanteId: String) = objeto(ejecutar("reenviar_comprobante", mapOf("id" to comprobanteId)))

    /** A comunicación de baja of an accepted factura or boleta: queued for the outbox. */
    fun anularComprobante(comprobanteId: String, motivo: String) =
        objeto(ejecutar("anular_comprobante", mapOf("id" to comprobanteId, "motivo" to motivo)))

    /** The requests sent for a comprobante and what came back, newest first. */
    fun logsEnvio(comprobanteId: String) = lista(ejecutar("logs_envio", mapOf("id" to comprobanteId)))
}
