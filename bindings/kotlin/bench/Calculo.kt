// Per-call cost of calcularDocumento through the Kotlin binding, on the 10-line Peruvian vector
// (the document of erp-core's criterion bench): JSON text in and out (the binding's own cost),
// and Map in, Map out (BigDecimal money). Median of 7 rounds, after a warm-up for the JIT.
//
//     scripts/bench bindings
@file:JvmName("BenchCalculo")

package pe.erp

import java.io.File

private fun medir(nombre: String, n: Int = 20000, rondas: Int = 7, f: () -> Unit) {
    repeat(n) { f() }
    val tiempos = (1..rondas).map {
        val t = System.nanoTime()
        repeat(n) { f() }
        (System.nanoTime() - t).toDouble() / n / 1000
    }.sorted()
    println("kotlin $nombre: %.2f µs por llamada (min %.2f)".format(tiempos[rondas / 2], tiempos[0]))
}

fun main(args: Array<String>) {
    val vectores = File(args.firstOrNull() ?: "bindings/vectores")
    val texto = File(vectores, "entradas/peru_10_lineas.json").readText()
    @Suppress("UNCHECKED_CAST")
    val doc = Json.leer(texto) as Map<String, Any?>
    medir("calcularDocumentoJson (texto)") { Erp.calcularDocumentoJson(texto) }
    medir("calcularDocumento (Map, BigDecimal)") { Erp.calcularDocumento(doc) }
    // Where the typed path's time goes: the Map written as text, the answer read as a Map.
    val respuesta = Erp.calcularDocumentoJson(texto)
    medir("  de ello, Map → texto") { Json.escribir(doc, "") }
    medir("  de ello, texto → Map") { Json.leer(respuesta) }
    // uniffi's own cost per call (JNA, a Structure per status and per string), for comparison.
    medir("uniffi: calcularDocumento (texto)") { pe.erp.nativo.calcularDocumento(texto) }
    medir("uniffi: codigoPluginFallido (sin argumentos)") { pe.erp.nativo.codigoPluginFallido() }
}
