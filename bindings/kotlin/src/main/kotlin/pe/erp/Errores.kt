package pe.erp

import java.nio.charset.CharacterCodingException
import pe.erp.nativo.Fallo
import pe.erp.nativo.InternalException

/**
 * An engine error: [codigo] is stable (for a program: `stock_insuficiente`, `ruc_invalido`,
 * `tipo_invalido`…), [mensaje] is for a person, [campo] names the field it concerns (the path of
 * the value, as `lineas[0].precio`), or is null. Nothing was written when an operation raises it.
 */
class ErpException(
    val codigo: String,
    val mensaje: String,
    val campo: String? = null,
) : RuntimeException(if (campo != null) "[$codigo] $campo: $mensaje" else "[$codigo] $mensaje")

/**
 * A host plug-in (the `alEvento` hook) failed AFTER its operation committed. Deliberately not an
 * [ErpException]: code that retries on ErpException must not repeat a sale that happened.
 * [resultado] is the committed result; [cause] is the hook's exception.
 */
class PluginFallido(
    val mensaje: String,
    val resultado: Any?,
    cause: Throwable,
) : RuntimeException("[${Erp.PLUGIN_FALLIDO}] $mensaje", cause) {
    val codigo: String get() = Erp.PLUGIN_FALLIDO
}

internal fun tipoInvalido(campo: String, mensaje: String) = ErpException("tipo_invalido", mensaje, campo)

/** Runs a call of the native layer, its failures as [ErpException]. */
internal inline fun <T> nativo(f: () -> T): T =
    try {
        f()
    } catch (e: Fallo.Motor) {
        throw ErpException(e.codigo, e.mensaje, e.campo)
    } catch (e: CharacterCodingException) {
        // uniffi refuses to encode a string with a lone UTF-16 surrogate.
        throw ErpException("tipo_invalido", "un texto tiene un carácter incompleto (un sustituto UTF-16 suelto)")
    } catch (e: InternalException) {
        // A panic inside the engine: caught at the boundary, never a crash of the JVM.
        throw ErpException("error_interno", "falla interna del motor: ${e.message}")
    }
