package pe.erp

/**
 * The ERP engine for Peru and Ecuador from Kotlin (and Java): the same engine as the REST server
 * and the Rust crate, not a re-implementation. The pure computation lives here; [Motor] is the
 * engine on a database.
 *
 * Calls block the calling thread: the computation takes microseconds, an operation on the
 * database a few milliseconds. In a UI application, call them off the main thread
 * (`withContext(Dispatchers.IO) { … }`).
 */
object Erp {
    /** The code of a failed host plug-in ([PluginFallido]). */
    const val PLUGIN_FALLIDO = "plugin_fallido"

    /**
     * The engine's totals of a document: a Map in (money as [java.math.BigDecimal] or text),
     * a Map out (money as BigDecimal, dates as [java.time.LocalDate]).
     */
    @JvmStatic
    fun calcularDocumento(documento: Map<String, Any?>): Map<String, Any?> =
        objeto(Json.leer(calcularDocumentoJson(Json.escribir(documento, ""))))

    /** The same with JSON text in and out: byte for byte what every binding and the server answer. */
    @JvmStatic
    fun calcularDocumentoJson(documento: String): String = Directo.calcularDocumentoJson(documento)

    /** Validates an identity document: [pais] `PE` or `EC`, [tipo] `ruc`, `dni`, `cedula`… */
    @JvmStatic
    fun validarIdentidad(pais: String, tipo: String, numero: String): Map<String, Any?> =
        objeto(Json.leer(nativo { pe.erp.nativo.validarIdentidad(pais, tipo, numero) }))

    /** The operations [Motor.ejecutar] knows: name → what its arguments are. */
    @JvmStatic
    fun operaciones(): Map<String, String> =
        nativo { pe.erp.nativo.operaciones() }.associateTo(LinkedHashMap()) { it.nombre to it.argumentos }
}

@Suppress("UNCHECKED_CAST")
internal fun objeto(v: Any?): Map<String, Any?> =
    v as? Map<String, Any?> ?: throw ErpException("error_interno", "el motor no respondió un objeto")

@Suppress("UNCHECKED_CAST")
internal fun lista(v: Any?): List<Map<String, Any?>> =
    v as? List<Map<String, Any?>> ?: throw ErpException("error_interno", "el motor no respondió una lista")
