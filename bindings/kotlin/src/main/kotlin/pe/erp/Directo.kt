package pe.erp

import com.sun.jna.Native
import java.nio.CharBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction

/**
 * The hand-written entry point of the library for the hot pure call (`src/directo.rs` says why):
 * calcularDocumentoJson's JSON crosses as two byte arrays in one JNA direct-mapped call, instead
 * of uniffi's three calls per string. The same engine function answers.
 */
internal object Directo {
    // The library uniffi's layer loads (the same system property overrides it).
    init {
        val nombre = System.getProperty("uniffi.component.erp_uniffi.libraryOverride") ?: "erp_uniffi"
        Native.register(Directo::class.java, nombre)
    }

    private const val OK = 0L
    private const val ERROR = 1L
    private const val CORTO = 2L

    private external fun erp_calcular_documento_json(entrada: ByteArray, largo: Long, salida: ByteArray, capacidad: Long): Long

    fun calcularDocumentoJson(documento: String): String {
        val entrada = utf8(documento)
        // An answer is larger than its document (each line gains its computed fields); a rare
        // longer one is asked again with the length the engine says it needs.
        var capacidad = maxOf(16384, entrada.size * 4)
        while (true) {
            val salida = ByteArray(capacidad)
            val r = erp_calcular_documento_json(entrada, entrada.size.toLong(), salida, capacidad.toLong())
            val n = (r ushr 2).toInt()
            when (r and 3) {
                OK -> return String(salida, 0, n, Charsets.UTF_8)
                ERROR -> {
                    if (n == 0) throw ErpException("error_interno", "el motor no pudo leer la llamada")
                    val e = objeto(Json.leer(String(salida, 0, n, Charsets.UTF_8)))
                    throw ErpException(e["codigo"] as String, e["mensaje"] as String, e["campo"] as String?)
                }
                CORTO -> capacidad = n
                else -> throw ErpException("error_interno", "respuesta desconocida del motor ($r)")
            }
        }
    }

    /** Strict UTF-8: a lone surrogate is refused, not replaced by '?' as String.toByteArray does. */
    private fun utf8(s: String): ByteArray {
        val b = try {
            Charsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .encode(CharBuffer.wrap(s))
        } catch (e: CharacterCodingException) {
            throw tipoInvalido("documento", "el documento tiene un carácter incompleto (un sustituto UTF-16 suelto)")
        }
        return ByteArray(b.remaining()).also { b.get(it) }
    }
}
