package pe.erp

import java.io.File
import java.math.BigDecimal
import java.time.LocalDate
import java.time.LocalDateTime
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The pure computation from Kotlin: the reference's cases to the cent, the vectors shared with
 * Rust, Python and Node byte for byte, identity numbers, and bad input from Kotlin.
 */
class CalculoTest {
    private val vectores = File(System.getProperty("erp.vectores") ?: "../vectores")

    private fun entrada(nombre: String) = File(vectores, "entradas/$nombre").readText()

    @Test
    fun `Nubefact example 1 to the cent`() {
        val doc = Json.leer(entrada("peru_factura_gravada.json")).obj()
        val r = Erp.calcularDocumento(doc)
        assertEquals(BigDecimal("600.00"), r["total_gravada"])
        assertEquals(BigDecimal("108.00"), r["total_igv"])
        assertEquals(BigDecimal("708.00"), r["total"])
        val lineas = r["lineas"].lst()
        assertEquals(BigDecimal("23.60"), lineas[1].obj()["precio_unitario"])
        assertEquals(1L, lineas[0].obj()["tipo_de_igv"])
        assertEquals(LocalDate.of(2025, 12, 17), r["fecha"])
    }

    @Test
    fun `global discount on prices with IGV`() {
        val r = Erp.calcularDocumento(
            mapOf(
                "pais" to "PE",
                "fecha" to LocalDate.of(2026, 11, 21),
                "precios_incluyen_impuesto" to true,
                "descuento_global_porcentaje" to BigDecimal("10"),
                "lineas" to listOf(
                    mapOf("cantidad" to 1, "precio" to BigDecimal("118")),
                    mapOf("cantidad" to 1L, "precio" to "59"),
                ),
            ),
        )
        assertEquals(listOf("159.30", "135.00", "24.30"), listOf(r["total"], r["total_gravada"], r["total_igv"]).map { (it as BigDecimal).toPlainString() })
    }

    @Test
    fun `Ecuador in camelCase`() {
        val r = Erp.calcularDocumento(Json.leer(entrada("ecuador_ice_e_iva.json")).obj())
        assertEquals(BigDecimal("346920.00"), r["importeTotal"])
        val impuestos = r["lineas"].lst()[0].obj()["impuestos"].lst()
        assertEquals(BigDecimal("309750.00"), impuestos[1].obj()["baseImponible"])
        assertEquals("3072", impuestos[0].obj()["codigoPorcentaje"])
    }

    @Test
    fun `the shared vectors, byte for byte`() {
        val entradas = File(vectores, "entradas").listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
        assertTrue(entradas.size >= 7, "vectores en $vectores")
        for (f in entradas) {
            val esperado = File(vectores, "salidas/${f.name}").readText()
            assertEquals(esperado, Erp.calcularDocumentoJson(f.readText()), f.name)
            // Through Kotlin values: each BigDecimal and LocalDate, written back, gives the engine's
            // bytes again (the value, its scale and the order of the fields are kept).
            val tipado = Erp.calcularDocumento(Json.leer(f.readText()).obj())
            assertEquals(esperado, Json.escribir(tipado, ""), f.name)
            assertTrue(tipado["fecha"] is LocalDate, f.name)
        }
    }

    @Test
    fun `the reader types what the engine's fields hold, and nothing else`() {
        val r = Json.leer(
            """{"total":"-0.50","precio":"12345678901234567890.125","subtotal":"1.","igv":"1e3",""" +
                """"fecha":"2026-02-30","fecha_emision":"2026-02-28","descripcion":"11.80",""" +
                """"codigo":"a\"b\u00e9\\","cantidad":7}""",
        ).obj()
        assertEquals(BigDecimal("-0.50"), r["total"])
        assertEquals(BigDecimal("12345678901234567890.125"), r["precio"])
        // Not plain decimal text, not a real day, not a money field: left as text.
        assertEquals("1.", r["subtotal"])
        assertEquals("1e3", r["igv"])
        assertEquals("2026-02-30", r["fecha"])
        assertEquals(LocalDate.of(2026, 2, 28), r["fecha_emision"])
        assertEquals("11.80", r["descripcion"])
        assertEquals("a\"bé\\", r["codigo"])
        assertEquals(BigDecimal("7"), r["cantidad"])
    }

    @Test
    fun `the direct call answers what uniffi's call answers, however long`() {
        // 300 lines: an answer longer than the first buffer, which is asked again.
        val lineas = (1..300).joinToString(",") { """{"cantidad":"$it","precio":"1.${it % 100}","descripcion":"línea ñ $it"}""" }
        val doc = """{"pais":"PE","fecha":"2026-11-21","lineas":[$lineas]}"""
        val directo = Erp.calcularDocumentoJson(doc)
        assertTrue(directo.length > 16384, "${directo.length}")
        assertEquals(pe.erp.nativo.calcularDocumento(doc), directo)
        val e = assertThrows<ErpException> { Erp.calcularDocumentoJson("""{"pais":"PE","fecha":"2026-11-21","lineas":[{"cantidad":"-1","precio":"1"}]}""") }
        assertEquals(listOf("cantidad_invalida", "lineas[0].cantidad"), listOf(e.codigo, e.campo))
        assertEquals("json_invalido", assertThrows<ErpException> { Erp.calcularDocumentoJson("") }.codigo)
    }

    @Test
    fun `identity documents`() {
        assertEquals("20100070970", Erp.validarIdentidad("PE", "ruc", "20100070970")["numero"])
        val e = assertThrows<ErpException> { Erp.validarIdentidad("PE", "ruc", "20100070971") }
        assertEquals("ruc_invalido", e.codigo)
        val t = assertThrows<ErpException> { Erp.validarIdentidad("PE", "licencia", "1") }
        assertEquals(listOf("tipo_documento_invalido", "tipo"), listOf(t.codigo, t.campo))
        assertEquals("1710034065", Erp.validarIdentidad("EC", "cedula", "1710034065")["numero"])
    }

    @Test
    fun `the operations and the plug-in code are the engine's`() {
        val ops = Erp.operaciones()
        assertTrue(ops.size >= 34)
        assertEquals("{id, motivo}", ops["anular_comprobante"])
        assertEquals(pe.erp.nativo.codigoPluginFallido(), Erp.PLUGIN_FALLIDO)
    }

    // --- Bad input from Kotlin ---------------------------------------------------------------------

    private fun doc(vararg linea: Pair<String, Any?>) =
        mapOf(
            "pais" to "PE",
            "fecha" to "2026-11-21",
            "lineas" to listOf(mapOf("cantidad" to "1", "precio" to "10") + linea),
        )

    private fun falla(documento: Map<String, Any?>): ErpException =
        assertThrows<ErpException> { Erp.calcularDocumento(documento) }.also {
            assertTrue(it.mensaje.isNotBlank())
        }

    @Test
    fun `a Double is not money`() {
        val e = falla(doc("precio" to 10.1))
        assertEquals(listOf("tipo_invalido", "lineas[0].precio"), listOf(e.codigo, e.campo))
        assertTrue("BigDecimal" in e.mensaje, e.mensaje)
        assertEquals("tipo_invalido", falla(doc("cantidad" to 1.0f)).codigo)
        // Even a whole Double: the type is wrong, whatever its value.
        assertEquals("lineas[0].cantidad", falla(doc("cantidad" to 2.0)).campo)
    }

    @Test
    fun `bad values name their field`() {
        val casos = listOf(
            Triple("cantidad" to "-1", "cantidad_invalida", "lineas[0].cantidad"),
            Triple("cantidad" to BigDecimal("-1"), "cantidad_invalida", "lineas[0].cantidad"),
            Triple("cantidad" to null, null, "lineas[0].cantidad"),
            Triple("precio" to listOf(1), null, "lineas[0].precio"),
            Triple("precio" to LocalDateTime.of(2026, 1, 1, 0, 0), "tipo_invalido", "lineas[0].precio"),
            Triple("precio" to Any(), "tipo_invalido", "lineas[0].precio"),
            Triple("precio" to mapOf(1 to 2), "tipo_invalido", "lineas[0].precio"),
            Triple("precio" to "10\uD800", "tipo_invalido", "lineas[0].precio"),
            Triple("afectacion_igv" to "99", null, "lineas[0].afectacion_igv"),
            Triple("precio" to BigDecimal("1E+999999999"), "tipo_invalido", "lineas[0].precio"),
            Triple("sorpresa" to 1, null, "lineas[0].sorpresa"),
        )
        for ((linea, codigo, campo) in casos) {
            val e = falla(doc(linea))
            if (codigo != null) assertEquals(codigo, e.codigo, "$linea")
            assertEquals(campo, e.campo, "$linea: ${e.message}")
        }
    }

    @Test
    fun `a structure that contains itself does not crash the JVM`() {
        val lineas = ArrayList<Any?>()
        lineas.add(lineas)
        val e = falla(mapOf("pais" to "PE", "fecha" to "2026-11-21", "lineas" to lineas))
        assertEquals("tipo_invalido", e.codigo)
        // Text one level deeper than the limit is refused as any value that deep is.
        var hondo: Any = "x"
        repeat(128) { hondo = listOf(hondo) }
        val e2 = falla(mapOf("pais" to "PE", "fecha" to "2026-11-21", "lineas" to hondo))
        assertEquals("tipo_invalido", e2.codigo)
        assertTrue("anida" in e2.mensaje, e2.mensaje)
    }

    @Test
    fun `things that are not documents`() {
        for (malo in listOf(emptyMap<String, Any?>(), mapOf("pais" to "PE"), mapOf("pais" to "XX", "lineas" to emptyList<Any>()))) {
            falla(malo)
        }
        assertEquals("json_invalido", assertThrows<ErpException> { Erp.calcularDocumentoJson("{no es json") }.codigo)
        assertEquals("tipo_invalido", assertThrows<ErpException> { Erp.calcularDocumentoJson("\uDC00") }.codigo)
    }
}
