package pe.erp

import java.math.BigDecimal
import java.nio.file.Path

/** What the suites share: a hardware shop in Peru on a fresh SQLite file. */
class Tienda(
    val m: Motor,
    val empresa: Map<String, Any?>,
    val almacen: Map<String, Any?>,
    val producto: Map<String, Any?>,
) {
    val productoId get() = producto["id"] as String

    /** The hammers in stock. */
    fun cantidad(): BigDecimal = m.stock(productoId = productoId).single()["cantidad"] as BigDecimal

    /** A counter sale of [unidades] hammers paid with a 100 note per 2 hammers (S/ 35.00 each). */
    fun ventaPos(unidades: Int = 2): Map<String, Any?> =
        m.ventaPos(
            mapOf(
                "items" to listOf(mapOf("codigo" to producto["codigo"], "cantidad" to unidades)),
                "pagos" to listOf(mapOf("metodo" to "efectivo", "monto" to BigDecimal((unidades + 1) / 2 * 100))),
            ),
        )

    companion object {
        val NUBEFACT = mapOf("nubefact_ruta" to "https://api.nubefact.com/api/v1/abc", "nubefact_token" to "t0k3n")

        /** A shop on a new SQLite file in [dir]. */
        fun abrir(
            dir: Path,
            emisor: Emisor? = null,
            alEvento: AlEvento? = null,
            ajustes: Map<String, Any?>? = null,
        ): Tienda = abrir(dir.resolve("erp.db").toString(), emisor, alEvento, ajustes)

        /** A shop with a warehouse and a hammer at 35.00 with IGV, 10 in stock at 20.00. */
        fun abrir(
            url: String,
            emisor: Emisor? = null,
            alEvento: AlEvento? = null,
            ajustes: Map<String, Any?>? = null,
        ): Tienda {
            val m = Motor.abrir(url, emisor = emisor, alEvento = alEvento)
            val empresa = m.crearEmpresa(
                mapOf(
                    "pais" to "PE",
                    "identificacion" to "20600695771",
                    "razon_social" to "Ferretería El Martillo S.A.C.",
                    "direccion" to "Av. Arequipa 100, Lima",
                ) + (if (ajustes != null) mapOf("ajustes" to ajustes) else emptyMap()),
            )
            val almacen = m.crearAlmacen(mapOf("nombre" to "Tienda", "es_principal" to true))
            val producto = m.crearProducto(
                mapOf(
                    "nombre" to "Martillo de uña 16 oz",
                    "precio_venta" to BigDecimal("35.00"),
                    "precio_incluye_impuesto" to true,
                    "costo" to "20",
                ),
            )
            m.registrarMovimiento(
                mapOf(
                    "tipo" to "entrada",
                    "producto_id" to producto["id"],
                    "almacen_id" to almacen["id"],
                    "cantidad" to 10,
                    "costo_unitario" to BigDecimal("20.00"),
                ),
            )
            return Tienda(m, empresa, almacen, producto)
        }
    }
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = this as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Any?.lst(): List<Any?> = this as List<Any?>
