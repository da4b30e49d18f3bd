package pe.erp

import java.math.BigDecimal
import java.nio.file.Path
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * Plug-ins written in Kotlin: the hook that hears each committed event, and the e-invoicing
 * sender the outbox sends through. A plug-in's exception comes back as a PluginFallido (or as the
 * failed attempt's message) and never undoes what committed.
 */
class PluginsTest {
    @TempDir
    lateinit var dir: Path

    private val aceptada = mapOf(
        "aceptada_por_sunat" to true,
        "sunat_responsecode" to "0",
        "sunat_description" to "La Boleta numero B001-1, ha sido aceptada",
        "codigo_hash" to "xyz=",
    )

    @Test
    fun `alEvento hears the sale after it commits`() {
        val oidos = mutableListOf<Map<String, Any?>>()
        var stockOido: BigDecimal? = null
        lateinit var t: Tienda
        t = Tienda.abrir(dir, alEvento = { e ->
            oidos.add(e)
            // The hook may call the engine: what it reads has committed.
            if (e["evento"] == "venta_registrada") stockOido = t.cantidad()
        }, ajustes = Tienda.NUBEFACT)
        t.m.use { m ->
            assertEquals(listOf("movimiento_stock"), oidos.map { it["evento"] })
            oidos.clear()
            val r = t.ventaPos()
            val porTipo = oidos.associateBy { it["evento"] }
            assertEquals(setOf("comprobante_emitido", "movimiento_stock", "venta_registrada"), porTipo.keys)
            assertEquals(r["venta"].obj()["id"], porTipo["venta_registrada"]!!["venta_id"])
            assertEquals(BigDecimal("70.00"), porTipo["venta_registrada"]!!["total"])
            assertEquals(listOf("salida", BigDecimal("2")), listOf(porTipo["movimiento_stock"]!!["tipo"], porTipo["movimiento_stock"]!!["cantidad"]))
            val c = porTipo["comprobante_emitido"]!!
            assertEquals(listOf("B001", 1L, true), listOf(c["serie"], c["numero"], c["por_enviar"]))
            assertEquals(BigDecimal("8"), stockOido)

            oidos.clear()
            assertThrows<ErpException> {
                m.ventaPos(mapOf("items" to listOf(mapOf("codigo" to "NO-EXISTE", "cantidad" to 1)), "pagos" to emptyList<Any>()))
            }
            assertEquals(emptyList<Any>(), oidos, "a refused sale tells nothing")

            m.anularVenta(r["venta"].obj()["id"] as String, mapOf("motivo" to "Error de caja"))
            assertEquals(listOf("comprobante_emitido", "movimiento_stock", "venta_anulada"), oidos.map { it["evento"] as String }.sorted())
        }
    }

    @Test
    fun `a hook that throws does not undo the sale`() {
        val llamadas = mutableListOf<Any?>()
        val t = Tienda.abrir(dir, alEvento = { e ->
            llamadas.add(e["evento"])
            if (e["evento"] == "venta_registrada") throw IllegalStateException("la impresora no responde")
        })
        t.m.use { m ->
            llamadas.clear()
            val err = assertThrows<PluginFallido> { t.ventaPos() }
            assertFalse((err as Throwable) is ErpException, "code retrying on ErpException must not sell twice")
            assertEquals("plugin_fallido", err.codigo)
            assertTrue("la impresora no responde" in err.mensaje, err.mensaje)
            assertTrue("No repita" in err.mensaje, err.mensaje)
            assertEquals("la impresora no responde", err.cause!!.message)
            assertEquals(3, llamadas.size, "every event reached the hook")
            val venta = err.resultado.obj()["venta"].obj()
            assertEquals("completada", m.venta(venta["id"] as String)["estado"])
            assertEquals(BigDecimal("8"), t.cantidad())
        }
    }

    @Test
    fun `the sender receives the payload of the sale`() {
        val recibidas = mutableListOf<Map<String, Any?>>()
        val oidos = mutableListOf<Map<String, Any?>>()
        val t = Tienda.abrir(
            dir,
            emisor = { s ->
                recibidas.add(s)
                aceptada
            },
            alEvento = { oidos.add(it) },
            ajustes = Tienda.NUBEFACT,
        )
        t.m.use { m ->
            val comprobante = t.ventaPos()["comprobante"].obj()
            val id = comprobante["id"] as String
            val carga = m.solicitudNubefact(id)
            oidos.clear()
            val informe = m.enviarPendientes()
            val s = recibidas.single()
            assertEquals(listOf("generar_comprobante", id, "B001-00000001"), listOf(s["operacion"], s["comprobante_id"], s["numero"]))
            assertEquals(carga, s["cuerpo"])
            assertEquals(BigDecimal("70.00"), s["cuerpo"].obj()["total"])
            assertEquals(mapOf("ruc" to "20600695771", "ruta" to Tienda.NUBEFACT["nubefact_ruta"], "token" to "t0k3n"), s["destino"])
            assertEquals(listOf(listOf("B001-00000001", "aceptado", null)), informe.map { listOf(it["numero"], it["estado"], it["error"]) })
            assertEquals(listOf(mapOf("evento" to "comprobante_estado", "comprobante_id" to id, "estado" to "aceptado")), oidos)
            assertEquals("aceptado", m.comprobante(id)["estado"])
            assertEquals(emptyList<Any>(), m.enviarPendientes(), "nothing more is due")
        }
    }

    @Test
    fun `a sender that throws leaves the sale standing`() {
        val t = Tienda.abrir(dir, emisor = { throw java.net.ConnectException("el proveedor no responde") }, ajustes = Tienda.NUBEFACT)
        t.m.use { m ->
            val r = t.ventaPos()
            val i = m.enviarPendientes().single()
            assertEquals(listOf("error", 1L), listOf(i["estado"], i["intentos"]))
            assertTrue("ConnectException: el proveedor no responde" in i["error"] as String, i["error"] as String)
            assertNotNull(i["reintento"])
            assertEquals("completada", m.venta(r["venta"].obj()["id"] as String)["estado"])
            assertEquals(BigDecimal("8"), t.cantidad())
            val log = m.logsEnvio(r["comprobante"].obj()["id"] as String).first()
            assertEquals("error_transitorio", log["resultado"])
            assertTrue("el proveedor no responde" in log["mensaje"] as String)
        }
    }

    @Test
    fun `a sender that answers garbage`() {
        val casos = listOf<Pair<Emisor, String>>(
            Emisor { mapOf("total" to 1.5) } to "Double",
            Emisor { emptyMap() } to "no es una respuesta de Nubefact",
            // What a Java sender can do despite the Kotlin type.
            Emisor { @Suppress("UNCHECKED_CAST") (null as Map<String, Any?>?)!! } to "NullPointerException",
            @Suppress("UNCHECKED_CAST")
            Emisor { mapOf(1 to 2) as Map<String, Any?> } to "claves",
        )
        for ((n, caso) in casos.withIndex()) {
            val (emisor, dice) = caso
            val t = Tienda.abrir(dir.resolve("$n").also { it.toFile().mkdirs() }, ajustes = Tienda.NUBEFACT)
            t.m.use { m ->
                t.ventaPos()
                val i = m.enviarPendientes(emisor).single()
                assertEquals("error", i["estado"])
                assertTrue(dice in i["error"] as String, "$dice ⊄ ${i["error"]}")
            }
        }
    }

    @Test
    fun `an interrupted sender stops the round`() {
        var llamadas = 0
        val t = Tienda.abrir(dir, emisor = {
            llamadas++
            throw InterruptedException("cancelado")
        }, ajustes = Tienda.NUBEFACT)
        t.m.use { m ->
            t.ventaPos(1)
            t.ventaPos(1)
            assertThrows<InterruptedException> { m.enviarPendientes() }
            assertTrue(Thread.interrupted(), "the interruption is kept for the caller")
            assertEquals(1, llamadas, "no further comprobante was taken")
            // The interrupted attempt is logged and waits for its retry; the next round takes the
            // comprobante that was not tried.
            val informe = m.enviarPendientes(Emisor { aceptada })
            assertEquals(listOf("aceptado"), informe.map { it["estado"] })
        }
    }

    @Test
    fun `a sender that only sets the interrupt flag, or an interrupted caller`() {
        val t = Tienda.abrir(dir, ajustes = Tienda.NUBEFACT)
        t.m.use { m ->
            t.ventaPos(1)
            t.ventaPos(1)
            var llamadas = 0
            val cuidadoso = Emisor {
                llamadas++
                Thread.currentThread().interrupt()
                aceptada
            }
            assertThrows<InterruptedException> { m.enviarPendientes(cuidadoso) }
            assertTrue(Thread.interrupted())
            assertEquals(1, llamadas, "the round stopped after the attempt that was interrupted")
            // A caller already interrupted sends nothing, and is told.
            Thread.currentThread().interrupt()
            assertThrows<InterruptedException> { m.enviarPendientes(Emisor { aceptada }) }
            assertFalse(Thread.currentThread().isInterrupted)
            assertEquals(listOf("aceptado"), m.enviarPendientes(Emisor { aceptada }).map { it["estado"] })
            // Interrupted I/O, wrapped as a sender might: an interruption all the same.
            t.ventaPos(1)
            val envuelto = Emisor { throw RuntimeException(java.io.InterruptedIOException("lectura cortada")) }
            val x = assertThrows<InterruptedException> { m.enviarPendientes(envuelto) }
            assertTrue(x.cause is RuntimeException)
            assertTrue(Thread.interrupted())
        }
    }

    @Test
    fun `a JVM Error in the sender is logged and rethrown`() {
        val t = Tienda.abrir(dir, emisor = { throw AssertionError("el emisor se rompió") }, ajustes = Tienda.NUBEFACT)
        t.m.use { m ->
            val c = t.ventaPos()["comprobante"].obj()
            assertThrows<AssertionError> { m.enviarPendientes() }
            val log = m.logsEnvio(c["id"] as String).single()
            assertTrue("el emisor se rompió" in log["mensaje"] as String, log["mensaje"] as String)
            assertEquals("error", m.comprobante(c["id"] as String)["estado"])
        }
    }

    @Test
    fun `a hook that throws while sending gives PluginFallido with the report`() {
        val t = Tienda.abrir(
            dir,
            emisor = { aceptada },
            alEvento = { if (it["evento"] == "comprobante_estado") throw IllegalStateException("sin red") },
            ajustes = Tienda.NUBEFACT,
        )
        t.m.use { m ->
            val c = t.ventaPos()["comprobante"].obj()
            val err = assertThrows<PluginFallido> { m.enviarPendientes() }
            assertEquals(listOf("aceptado"), err.resultado.lst().map { it.obj()["estado"] })
            assertEquals("aceptado", m.comprobante(c["id"] as String)["estado"])
        }
    }

    @Test
    fun `no sender, or a sender that calls the engine back`() {
        val t = Tienda.abrir(dir, ajustes = Tienda.NUBEFACT)
        t.m.use { m ->
            val e = assertThrows<ErpException> { m.enviarPendientes() }
            assertEquals(listOf("estado_invalido", "emisor"), listOf(e.codigo, e.campo))
            assertEquals("limite", assertThrows<ErpException> { m.enviarPendientes(Emisor { aceptada }, -1) }.campo)
            t.ventaPos()
            val i = m.enviarPendientes(Emisor { m.almacenes(); aceptada }).single()
            assertEquals("error", i["estado"])
            assertTrue("emisor" in i["error"] as String, i["error"] as String)
            assertEquals("error", m.comprobante(i["comprobante_id"] as String)["estado"])
        }
    }
}
