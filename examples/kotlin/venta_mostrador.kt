// A counter sale from an empty SQLite file to the request Nubefact receives.
//
//     scripts/ejemplo kotlin venta_mostrador [archivo.db]
@file:JvmName("VentaMostrador")

package ejemplos

import java.math.BigDecimal
import java.nio.file.Files
import pe.erp.Motor

fun main(args: Array<String>) {
    val archivo = args.firstOrNull() ?: Files.createTempDirectory("erp-").resolve("tienda.db").toString()
    // Created and migrated; a postgres:// URL works the same. Blocking calls: on Android, run
    // them off the main thread.
    Motor.abrir(archivo).use { m ->
        m.crearEmpresa(
            mapOf(
                "pais" to "PE",
                "identificacion" to "20600695771",
                "razon_social" to "Ferretería El Martillo S.A.C.",
                "direccion" to "Av. Arequipa 100, Lima",
            ),
        )
        val almacen = m.crearAlmacen(mapOf("nombre" to "Tienda", "es_principal" to true))
        // Money as BigDecimal (or text): a Double is refused, it is not exact.
        val martillo = m.crearProducto(
            mapOf("nombre" to "Martillo de uña 16 oz", "precio_venta" to BigDecimal("35.00"), "precio_incluye_impuesto" to true),
        )
        m.registrarMovimiento(
            mapOf(
                "tipo" to "entrada", "producto_id" to martillo["id"], "almacen_id" to almacen["id"],
                "cantidad" to 10, "costo_unitario" to BigDecimal("20.00"),
            ),
        )

        val r = m.ventaPos(
            mapOf(
                "items" to listOf(mapOf("codigo" to martillo["codigo"], "cantidad" to 2)),
                "pagos" to listOf(mapOf("metodo" to "efectivo", "monto" to BigDecimal("100.00"))),
            ),
        )
        @Suppress("UNCHECKED_CAST")
        val c = r["comprobante"] as Map<String, Any?>
        @Suppress("UNCHECKED_CAST")
        val venta = r["venta"] as Map<String, Any?>
        val numero = "%s-%08d".format(c["serie"], c["numero"])
        println("$numero  total S/ ${c["total"]}  vuelto S/ ${venta["vuelto"]}")
        val s = m.stock(productoId = martillo["id"] as String).single()
        println("stock de ${martillo["codigo"]}: ${s["cantidad"]}")
        val carga = m.solicitudNubefact(c["id"] as String)
        println(carga)
        println("base: $archivo")
        val totales = listOf(c["total"], carga["total_igv"], carga["total_gravada"])
        check(totales == listOf(BigDecimal("70.00"), BigDecimal("10.68"), BigDecimal("59.32"))) {
            "los totales no son los esperados: $totales"
        }
    }
}
