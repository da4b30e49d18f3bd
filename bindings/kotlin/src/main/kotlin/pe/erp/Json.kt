package pe.erp

import java.math.BigDecimal
import java.math.BigInteger
import java.time.LocalDate
import java.time.DateTimeException
import java.time.temporal.Temporal
import java.util.UUID

/**
 * Kotlin values to the engine's JSON and back. Money and quantities go in as [BigDecimal] (or
 * text, or an integer) and come out as [BigDecimal]; dates as [LocalDate]; ids as text (a [UUID]
 * is accepted); objects as [Map], arrays as [List]. A Double or a Float is refused: 0.1 is not
 * exact. Which fields carry a decimal or a date the engine says ([pe.erp.nativo.claves]).
 */
internal object Json {
    /** Deeper than this is refused (a structure that contains itself), as the engine refuses it. */
    private const val PROFUNDIDAD_MAXIMA = 128

    /** The engine reads numbers of up to 40 characters; a few more leave its message to say so. */
    private const val MAXIMO_CIFRAS = 64

    private val claves by lazy { pe.erp.nativo.claves() }
    private val decimales: Set<String> by lazy { claves.decimales.toHashSet() }
    private val fechas: Set<String> by lazy { claves.fechas.toHashSet() }

    // The engine lists each key in snake_case and in camelCase (Ecuador's documents).
    private fun esDecimal(clave: String) = clave in decimales

    private fun esFecha(clave: String) = clave in fechas

    // --- Kotlin → JSON ---------------------------------------------------------------------------

    fun escribir(v: Any?, ruta: String): String = StringBuilder().also { escribir(it, v, ruta, 0) }.toString()

    private fun escribir(sb: StringBuilder, v: Any?, ruta: String, profundidad: Int) {
        val campo = ruta.ifEmpty { "valor" }
        if (profundidad > PROFUNDIDAD_MAXIMA) {
            throw tipoInvalido(campo, "$campo anida más de $PROFUNDIDAD_MAXIMA niveles")
        }
        when (v) {
            null -> sb.append("null")
            is String -> texto(sb, v, campo)
            is Boolean -> sb.append(v)
            is Int, is Long, is Short, is Byte, is UInt, is UShort, is UByte -> sb.append(v.toString())
            // Beyond a Long, JSON readers lose digits: as text, as money goes.
            is ULong -> if (v <= Long.MAX_VALUE.toULong()) sb.append(v.toString()) else texto(sb, v.toString(), campo)
            is BigInteger -> {
                cifras(campo, v.abs().toString().length)
                if (v.bitLength() < 64) sb.append(v.toString()) else texto(sb, v.toString(), campo)
            }
            is BigDecimal -> {
                // toPlainString of 1E+999999999 would be a billion digits.
                cifras(campo, maxOf(v.precision() - v.scale(), 1) + maxOf(v.scale(), 0))
                texto(sb, v.toPlainString(), campo)
            }
            is Double, is Float ->
                throw tipoInvalido(
                    campo,
                    "$campo es un ${v.javaClass.simpleName} ($v): pase el dinero y las cantidades como " +
                        "BigDecimal o texto (\"12.50\"); un ${v.javaClass.simpleName} no es exacto",
                )
            is LocalDate -> texto(sb, v.toString(), campo)
            is Temporal ->
                throw tipoInvalido(
                    campo,
                    "$campo es un ${v.javaClass.simpleName}: pase la fecha como LocalDate (un día, no un instante)",
                )
            is UUID -> texto(sb, v.toString(), campo)
            is Map<*, *> -> {
                sb.append('{')
                var primero = true
                for ((k, x) in v) {
                    if (k !is String) {
                        throw tipoInvalido(campo, "las claves de un objeto son textos, no ${nombre(k)}")
                    }
                    if (!primero) sb.append(',')
                    primero = false
                    texto(sb, k, campo)
                    sb.append(':')
                    // Text, most of a document, without building its path unless it is refused.
                    if (x !is String || profundidad >= PROFUNDIDAD_MAXIMA || !textoSinSustitutos(sb, x)) {
                        escribir(sb, x, if (ruta.isEmpty()) k else "$ruta.$k", profundidad + 1)
                    }
                }
                sb.append('}')
            }
            is Iterable<*> -> arreglo(sb, v.iterator(), campo, profundidad)
            is Array<*> -> arreglo(sb, v.iterator(), campo, profundidad)
            else ->
                throw tipoInvalido(
                    campo,
                    "$campo es un ${nombre(v)}: se esperaba un Map, una lista, texto, un entero, un BigDecimal, " +
                        "un LocalDate o un UUID",
                )
        }
    }

    /** More digits than any amount or quantity has: refused before it is written out. */
    private fun cifras(campo: String, n: Int) {
        if (n > MAXIMO_CIFRAS) throw tipoInvalido(campo, "$campo tiene $n cifras: ninguna cantidad ni importe tiene más de $MAXIMO_CIFRAS")
    }

    private fun arreglo(sb: StringBuilder, it: Iterator<*>, campo: String, profundidad: Int) {
        sb.append('[')
        var i = 0
        while (it.hasNext()) {
            if (i > 0) sb.append(',')
            val x = it.next()
            if (x !is String || profundidad >= PROFUNDIDAD_MAXIMA || !textoSinSustitutos(sb, x)) {
                escribir(sb, x, "$campo[$i]", profundidad + 1)
            }
            i++
        }
        sb.append(']')
    }

    private fun nombre(v: Any?) = if (v == null) "null" else v.javaClass.simpleName.ifEmpty { v.javaClass.name }

    private fun texto(sb: StringBuilder, s: String, campo: String) {
        if (!textoSinSustitutos(sb, s)) {
            throw tipoInvalido(campo, "$campo tiene un carácter incompleto (un sustituto UTF-16 suelto)")
        }
    }

    /** Writes [s] as a JSON string; false, with nothing written, when it has a lone surrogate. */
    private fun textoSinSustitutos(sb: StringBuilder, s: String): Boolean {
        val largo = sb.length
        sb.append('"')
        var i = 0
        while (i < s.length) {
            val c = s[i]
            when {
                c == '"' -> sb.append("\\\"")
                c == '\\' -> sb.append("\\\\")
                c == '\n' -> sb.append("\\n")
                c == '\r' -> sb.append("\\r")
                c == '\t' -> sb.append("\\t")
                c < ' ' -> sb.append("\\u%04x".format(c.code))
                c.isHighSurrogate() && i + 1 < s.length && s[i + 1].isLowSurrogate() -> {
                    sb.append(c).append(s[i + 1])
                    i++
                }
                c.isSurrogate() -> {
                    sb.setLength(largo)
                    return false
                }
                else -> sb.append(c)
            }
            i++
        }
        sb.append('"')
        return true
    }

    // --- JSON → Kotlin ---------------------------------------------------------------------------

    /** The engine's JSON as Kotlin values, each decimal field a [BigDecimal], each date a [LocalDate]. */
    fun leer(texto: String): Any? = Lector(texto).documento()

    private class Lector(private val s: String) {
        private var i = 0

        fun documento(): Any? {
            val v = valor(null)
            espacios()
            if (i != s.length) fallo("texto después del valor")
            return v
        }

        private fun fallo(que: String): Nothing =
            throw ErpException("error_interno", "el motor respondió un JSON que no se lee ($que, posición $i)")

        private fun espacios() {
            while (i < s.length && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++
        }

        private fun valor(clave: String?): Any? {
            espacios()
            if (i >= s.length) fallo("fin inesperado")
            return when (val c = s[i]) {
                '{' -> objeto()
                '[' -> arreglo(clave)
                '"' -> tipar(clave, cadena())
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> if (c == '-' || c in '0'..'9') numero(clave) else fallo("carácter '$c'")
            }
        }

        private fun literal(texto: String, v: Any?): Any? {
            if (!s.startsWith(texto, i)) fallo("literal")
            i += texto.length
            return v
        }

        private fun objeto(): Map<String, Any?> {
            i++
            val m = LinkedHashMap<String, Any?>()
            espacios()
            if (i < s.length && s[i] == '}') {
                i++
                return m
            }
            while (true) {
                espacios()
                if (i >= s.length || s[i] != '"') fallo("se esperaba una clave")
                val k = cadena()
                espacios()
                if (i >= s.length || s[i] != ':') fallo("se esperaba ':'")
                i++
                m[k] = valor(k)
                espacios()
                if (i >= s.length) fallo("objeto sin cerrar")
                when (s[i++]) {
                    ',' -> continue
                    '}' -> return m
                    else -> fallo("se esperaba ',' o '}'")
                }
            }
        }

        private fun arreglo(clave: String?): List<Any?> {
            i++
            val l = ArrayList<Any?>()
            espacios()
            if (i < s.length && s[i] == ']') {
                i++
                return l
            }
            while (true) {
                l.add(valor(clave))
                espacios()
                if (i >= s.length) fallo("lista sin cerrar")
                when (s[i++]) {
                    ',' -> continue
                    ']' -> return l
                    else -> fallo("se esperaba ',' o ']'")
                }
            }
        }

        private fun cadena(): String {
            i++
            // Most texts have no escape: taken as one piece.
            val inicio = i
            while (i < s.length && s[i] != '"' && s[i] != '\\') i++
            if (i < s.length && s[i] == '"') return s.substring(inicio, i++)
            val sb = StringBuilder().append(s, inicio, i)
            while (true) {
                if (i >= s.length) fallo("texto sin cerrar")
                val c = s[i++]
                when (c) {
                    '"' -> return sb.toString()
                    '\\' -> {
                        if (i >= s.length) fallo("escape sin terminar")
                        when (val e = s[i++]) {
                            '"' -> sb.append('"')
                            '\\' -> sb.append('\\')
                            '/' -> sb.append('/')
                            'b' -> sb.append('\b')
                            'f' -> sb.append('\u000c')
                            'n' -> sb.append('\n')
                            'r' -> sb.append('\r')
                            't' -> sb.append('\t')
                            'u' -> {
                                if (i + 4 > s.length) fallo("escape \\u incompleto")
                                val hex = s.substring(i, i + 4)
                                if (!hex.all { it in '0'..'9' || it in 'a'..'f' || it in 'A'..'F' }) fallo("escape \\u")
                                val h = hex.toInt(16)
                                sb.append(h.toChar())
                                i += 4
                            }
                            else -> fallo("escape \\$e")
                        }
                    }
                    else -> sb.append(c)
                }
            }
        }

        private fun numero(clave: String?): Any {
            val inicio = i
            while (i < s.length && (s[i] in '0'..'9' || s[i] in "+-.eE")) i++
            val t = s.substring(inicio, i)
            val decimal = t.toBigDecimalOrNull() ?: fallo("número '$t'")
            if (clave != null && esDecimal(clave)) return decimal
            if (t.none { it in ".eE" }) t.toLongOrNull()?.let { return it }
            return decimal
        }

        private fun tipar(clave: String?, v: String): Any {
            if (clave == null) return v
            if (esDecimal(clave)) decimal(v)?.let { return it }
            if (esFecha(clave)) fecha(v)?.let { return it }
            return v
        }

        /**
         * Plain decimal text (`-12.50`), what a decimal field holds, as a [BigDecimal]; null when
         * the text is not one. Up to 18 digits it is built from a Long, without BigDecimal's parser.
         */
        private fun decimal(v: String): BigDecimal? {
            val negativo = v.startsWith('-')
            var j = if (negativo) 1 else 0
            val enteros = j
            var n = 0L
            while (j < v.length && v[j] in '0'..'9') n = n * 10 + (v[j++] - '0')
            if (j == enteros) return null
            var escala = 0
            if (j < v.length) {
                if (v[j] != '.') return null
                val decimales = ++j
                while (j < v.length && v[j] in '0'..'9') n = n * 10 + (v[j++] - '0')
                if (j != v.length || j == decimales) return null
                escala = j - decimales
            }
            // More than 18 digits may overflow the Long: the parser reads those.
            if (v.length - enteros - (if (escala > 0) 1 else 0) > 18) return BigDecimal(v)
            return BigDecimal.valueOf(if (negativo) -n else n, escala)
        }

        /** `AAAA-MM-DD` as a [LocalDate], or null when the text is not one. */
        private fun fecha(v: String): LocalDate? {
            if (v.length != 10 || v[4] != '-' || v[7] != '-') return null
            fun cifras(desde: Int, hasta: Int): Int? {
                var n = 0
                for (j in desde until hasta) {
                    if (v[j] !in '0'..'9') return null
                    n = n * 10 + (v[j] - '0')
                }
                return n
            }
            val anio = cifras(0, 4) ?: return null
            val mes = cifras(5, 7) ?: return null
            val dia = cifras(8, 10) ?: return null
            return try {
                LocalDate.of(anio, mes, dia)
            } catch (_: DateTimeException) {
                null
            }
        }
    }
}
