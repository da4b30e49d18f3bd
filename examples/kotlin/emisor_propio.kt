// Plug-ins written in Kotlin: a hook that hears every committed event (to print, notify or
// sync) and an e-invoicing sender of the shop's own (another provider, a queue, a test double)
// that the engine's outbox sends through, with its retries and its log.
//
//     scripts/ejemplo kotlin emisor_propio [archivo.db]
@file:JvmName("EmisorPropio")

package ejemplos

import java.math.BigDecimal
import java.nio.file.Files
import pe.erp.AlEvento
import pe.erp.Emisor
import pe.erp.Motor

fun main(args: Array<String>) {
    var intentos = 0
    // Receives Nubefact's request and answers in Nubefact's form. The first call fails, as a
    // provider that is down would: the engine logs it and the comprobante waits for its retry.
    // After a failure the engine consults before sending again.
    val emisor = Emisor { solicitud ->
        intentos++
        @Suppress("UNCHECKED_CAST")
        val destino = solicitud["destino"] as Map<String, Any?>
        println("  emisor: ${solicitud["operacion"]} ${solicitud["numero"]} → ${destino["ruta"]}")
        if (intentos == 1) throw java.net.ConnectException("el proveedor no responde")
        mapOf("aceptada_por_sunat" to true, "sunat_responsecode" to "0", "sunat_description" to "Aceptada")
    }
    // Called after the commit: what it reads is already in the database.
    val alEvento = AlEvento { e ->
        println("  evento ${e["evento"]}: ${(e - "evento").entries.joinToString(", ")}")
    }

    val archivo = args.firstOrNull() ?: Files.createTempDirectory("erp-").resolve("tienda.db").toString()
    Motor.abrir(archivo, emisor = emisor, alEvento = alEvento).use { m ->
        m.crearEmpresa(
            mapOf(
                "pais" to "PE",
                "identificacion" to "20600695771",
                "razon_social" to "Ferretería El Martillo S.A.C.",
                "direccion" to "Av. Arequipa 100, Lima",
                // Where the requests go: the emisor receives this route and token with each one.
                "ajustes" to mapOf("nubefact_ruta" to "https://api.otro-proveedor.pe/v1/emitir", "nubefact_token" to "secreto"),
            ),
        )
        val almacen = m.crearAlmacen(mapOf("nombre" to "Tienda", "es_principal" to true))
        val martillo = m.crearProducto(mapOf("nombre" to "Martillo", "precio_venta" to BigDecimal("35.00"), "precio_incluye_impuesto" to true))
        println("entrada de stock")
        m.registrarMovimiento(
            mapOf("tipo" to "entrada", "producto_id" to martillo["id"], "almacen_id" to almacen["id"], "cantidad" to 10, "costo_unitario" to "20"),
        )
        println("venta")
        val r = m.ventaPos(mapOf("items" to listOf(mapOf("codigo" to martillo["codigo"], "cantidad" to 2))))
        @Suppress("UNCHECKED_CAST")
        val cid = (r["comprobante"] as Map<String, Any?>)["id"] as String
        @Suppress("UNCHECKED_CAST")
        val ventaId = (r["venta"] as Map<String, Any?>)["id"] as String

        println("envío: el proveedor está caído")
        var i = m.enviarPendientes().single()
        println("  ${i["numero"]}: ${i["estado"]} (${i["error"]}); reintento ${i["reintento"]}")
        println("  la venta sigue en pie: ${m.venta(ventaId)["estado"]}")

        println("reenvío ahora (sin esperar el reintento)")
        m.reenviarComprobante(cid)
        i = m.enviarPendientes().single()
        println("  ${i["numero"]}: ${i["estado"]}")
        for (log in m.logsEnvio(cid).reversed()) {
            println("  log: ${log["operacion"]} → ${log["resultado"]} ${log["mensaje"]}")
        }
        check(i["estado"] == "aceptado") { "se esperaba aceptado, no ${i["estado"]}" }
    }
}
