//! What the SQLite and PostgreSQL stores share: the SQL of every query (written once, with `$N`
//! placeholders both drivers accept) inside [`impl_uow!`], the mapping of rows to the engine's
//! types, and the translation of driver errors into the engine's errors.
//!
//! Each backend module brings what differs: how a decimal is bound and read (`TEXT` through
//! `Text<Decimal>` in SQLite, `NUMERIC` in PostgreSQL), the row-lock suffix (`FOR UPDATE` or
//! nothing, since SQLite's `BEGIN IMMEDIATE` already serializes writers), whether a sale's stock
//! rows are locked in one statement, and the batch update of running balances.

use erp_core::error::{Codigo, Error};
use erp_core::inventario::{EstadoSerie, ReferenciaMovimiento, TipoMovimiento};
use erp_core::{AfectacionIgv, Moneda, Pais, TarifaIva, TipoDocumentoIdentidad};

/// What the store needs to know of a driver's error.
pub trait ErrorDriver: std::fmt::Display {
    /// The violated constraint (or the message naming it), for a uniqueness violation.
    fn violacion_unica(&self) -> Option<String>;
    fn violacion_foranea(&self) -> bool;
}

impl ErrorDriver for sqlx::Error {
    fn violacion_unica(&self) -> Option<String> {
        let db = self.as_database_error()?;
        db.is_unique_violation().then(|| {
            db.constraint()
                .map(String::from)
                .unwrap_or_else(|| db.message().to_string())
        })
    }

    fn violacion_foranea(&self) -> bool {
        self.as_database_error()
            .is_some_and(|db| db.is_foreign_key_violation())
    }
}

impl ErrorDriver for crate::sqlite::compat::Error {
    fn violacion_unica(&self) -> Option<String> {
        self.unico()
    }

    fn violacion_foranea(&self) -> bool {
        self.foraneo()
    }
}

/// Turns a driver error into the engine's: a uniqueness violation is a `duplicado` conflict
/// that names what was repeated; anything else is a storage failure whose details stay in the
/// error's `detalle` for the logs.
pub fn error_sql<E: ErrorDriver>(e: E) -> Error {
    if let Some(que) = e.violacion_unica() {
        let (campo, mensaje) = if que.contains("codigo") {
            ("codigo", "ya existe un producto con ese código")
        } else if que.contains("numero_serie") {
            ("series", "ese número de serie ya existe para el producto")
        } else if que.contains("nombre") {
            ("nombre", "ya existe un registro con ese nombre")
        } else if que.contains("subdominio") {
            ("subdominio", "ese subdominio ya lo usa otra empresa")
        } else if que.contains("clave") {
            (
                "clave_idempotencia",
                "ya existe una venta o nota con esa clave de idempotencia",
            )
        } else if que.contains("documento") {
            (
                "numero_documento",
                "ya existe un registro activo con ese documento",
            )
        } else if que.contains("ruc") {
            ("ruc", "ya existe un proveedor con ese RUC")
        } else if que.contains("serie") {
            ("serie", "esa serie o número ya existe")
        } else if que.contains("identificacion") {
            (
                "identificacion",
                "ya existe una empresa con esa identificación",
            )
        } else {
            ("id", "el registro ya existe")
        };
        return Error::conflicto(Codigo::Duplicado, Some(campo), mensaje);
    }
    if e.violacion_foranea() {
        return Error::no_encontrado(
            "referencia",
            "un registro referido no existe en esta empresa",
        );
    }
    Error::almacenamiento(e)
}

/// The companies known to exist, so that opening a unit of work does not read the company again
/// (a company is never deleted).
#[derive(Clone, Default)]
pub struct EmpresasConocidas(
    std::sync::Arc<std::sync::RwLock<std::collections::HashSet<uuid::Uuid>>>,
);

impl EmpresasConocidas {
    pub fn contiene(&self, id: uuid::Uuid) -> bool {
        self.0.read().is_ok_and(|e| e.contains(&id))
    }

    pub fn anotar(&self, id: uuid::Uuid) {
        if let Ok(mut e) = self.0.write() {
            e.insert(id);
        }
    }
}

/// The contiguous stretch of a product's ledger in one warehouse whose balances are rewritten.
pub struct Rango {
    pub empresa: uuid::Uuid,
    pub producto: uuid::Uuid,
    pub almacen: uuid::Uuid,
    /// Rows strictly after this point.
    pub desde: (i64, i64),
}

pub fn corrupto(que: &str, valor: &str) -> Error {
    Error::almacenamiento(format!("valor almacenado inválido en {que}: {valor}"))
}

pub fn pais(c: &str) -> Result<Pais, Error> {
    Pais::desde_codigo(c).ok_or_else(|| corrupto("pais", c))
}

pub fn moneda(c: &str) -> Result<Moneda, Error> {
    match c {
        "PEN" => Ok(Moneda::Pen),
        "USD" => Ok(Moneda::Usd),
        _ => Err(corrupto("moneda", c)),
    }
}

pub fn tipo_identificacion(c: &str) -> Result<TipoDocumentoIdentidad, Error> {
    TipoDocumentoIdentidad::desde_texto(c).ok_or_else(|| corrupto("tipo_identificacion", c))
}

pub fn codigo_tipo_identificacion(t: TipoDocumentoIdentidad) -> &'static str {
    match t {
        TipoDocumentoIdentidad::Ruc => "ruc",
        TipoDocumentoIdentidad::Dni => "dni",
        TipoDocumentoIdentidad::CarneExtranjeria => "ce",
        TipoDocumentoIdentidad::Pasaporte => "pasaporte",
        TipoDocumentoIdentidad::Cedula => "cedula",
        TipoDocumentoIdentidad::ConsumidorFinal => "consumidor_final",
    }
}

pub fn afectacion(c: &str) -> Result<AfectacionIgv, Error> {
    AfectacionIgv::desde_codigo(c).ok_or_else(|| corrupto("afectacion_igv", c))
}

pub fn tarifa_iva(c: &str) -> Result<TarifaIva, Error> {
    TarifaIva::desde_codigo(c).ok_or_else(|| corrupto("tarifa_iva", c))
}

pub fn tipo_movimiento(c: &str) -> Result<TipoMovimiento, Error> {
    TipoMovimiento::desde_codigo(c).ok_or_else(|| corrupto("tipo", c))
}

pub fn referencia(c: Option<String>) -> Result<Option<ReferenciaMovimiento>, Error> {
    c.map(|c| ReferenciaMovimiento::desde_codigo(&c).ok_or_else(|| corrupto("referencia_tipo", &c)))
        .transpose()
}

pub fn estado_serie(c: &str) -> Result<EstadoSerie, Error> {
    EstadoSerie::desde_codigo(c).ok_or_else(|| corrupto("estado", c))
}

/// A `LIKE` pattern that matches `texto` anywhere, with `%`, `_` and `\` escaped.
pub fn patron_like(texto: &str) -> String {
    let mut p = String::with_capacity(texto.len() + 2);
    p.push('%');
    for c in texto.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Implements the store's SQL for one backend. The module that expands it defines `Db`, `Fila`,
/// `Conexion`, `dec` / `dec_opt` (bind a decimal), `leer_dec` / `leer_dec_opt` (read one), the struct
/// `$uow { tx, empresa, empresa_leida, pendientes, bloqueados, empresa_bloqueada }` and
/// `BLOQUEO_EN_BLOQUE`. `$fu` locks a row read (`FOR UPDATE` or nothing), `$saltar` skips rows
/// another claim holds (`FOR UPDATE SKIP LOCKED` or nothing).
macro_rules! impl_uow {
    ($drv:ident, $uow:ident, $fu:literal, $saltar:literal, $like:literal, $num_precio:literal) => {
        use erp_core::comprobantes::{Comprobante, SerieComprobante, TipoComprobante};
        use erp_core::compras::{EstadoOrdenCompra, OrdenCompra, Recepcion, TipoRecepcion};
        use erp_core::empresa::{ConfiguracionEmpresa, Empresa, TipoDato};
        use erp_core::terceros::{Cliente, Proveedor, TipoDocumentoCliente};
        use erp_core::ventas::pedidos::{Cotizacion, OrdenVenta};
        use erp_core::ventas::{FiltroVentas, Venta};
        use erp_core::error::{Error, Result};
        use erp_core::inventario::{
            a_microsegundos, desde_microsegundos, Almacen, Categoria, FilaKardex, FiltroMovimientos,
            FiltroProductos, Lote, Marca, MovimientoStock, OrdenProductos, Producto,
            SaldoMovimiento, SerieProducto, Stock,
        };
        use $drv::Row as _;
        use uuid::Uuid;

        use crate::comun::{self, error_sql, Rango};

        // The columns each row mapper below reads, written once per table.
        macro_rules! columnas_movimiento {
            () => {
                "m.id, m.secuencia, m.fecha_us, m.producto_id, m.almacen_id, m.tipo, m.cantidad, k.costo_unitario, k.valor, k.cantidad_saldo, k.valor_saldo, k.costo_promedio_saldo, m.lote_id, m.movimiento_relacionado_id, m.referencia_tipo, m.referencia_id, m.motivo, m.usuario_id, m.aprobado_por, m.creado_en_us"
            };
        }
        macro_rules! columnas_trabajos {
            () => {
                "id, tipo, estado, programado_us, reclamado_hasta_us, intentos, ultimo_error, resultado, creado_en_us, terminado_en_us"
            };
        }
        macro_rules! columnas_logs_envio {
            () => {
                "id, comprobante_id, operacion, intento, solicitud, estado_http, respuesta, resultado, mensaje, duracion_ms, creado_en_us"
            };
        }
        macro_rules! columnas_notificaciones {
            () => {
                "id, usuario_id, tipo, titulo, mensaje, leida, referencia_tipo, referencia_id, creado_en_us"
            };
        }
        macro_rules! columnas_empresas {
            () => {
                "id, pais, tipo_identificacion, identificacion, razon_social, nombre_comercial, direccion, moneda, subdominio, ajustes, plan, activa, creado_en_us"
            };
        }
        macro_rules! columnas_clientes {
            () => {
                "id, tipo_documento, numero_documento, razon_social, direccion, email, telefono, limite_credito, dias_credito, es_varios, activo, creado_en_us"
            };
        }
        macro_rules! columnas_proveedores {
            () => {
                "id, ruc, razon_social, nombre_comercial, direccion, email, telefono, contacto, dias_credito, activo, creado_en_us"
            };
        }
        macro_rules! columnas_series_comprobante {
            () => {
                "id, tipo, serie, documento_afectado, correlativo, activa"
            };
        }
        macro_rules! columnas_ventas {
            () => {
                "id, cliente_id, almacen_id, fecha, moneda, tipo_de_cambio, precios_incluyen_impuesto, tipo_venta, condicion, estado, total, descuento_global, costo_total, vuelto, comprobante_id, orden_id, clave_idempotencia, observaciones, usuario_id, lineas, pagos, cuotas, creado_en_us"
            };
        }
        macro_rules! columnas_comprobantes {
            () => {
                "id, tipo, serie, numero, venta_id, referencia_id, motivo_codigo, motivo, estado, cliente_id, cliente_tipo_documento, cliente_numero_documento, cliente_razon_social, cliente_direccion, fecha_emision, moneda, total, documento, creado_en_us, clave_idempotencia, envio_programado_us, envio_reclamado_hasta_us, envio_intentos, envio_incierto, envio_error, respuesta_sunat, envio_baja"
            };
        }
        macro_rules! columnas_roles {
            () => {
                "id, codigo, nombre, descripcion, permisos, de_sistema, activo"
            };
        }
        macro_rules! columnas_usuarios {
            () => {
                "id, email, nombre, apellido, clave_hash, rol_id, activo, intentos_fallidos, bloqueado_hasta_us, ultimo_acceso_us, eliminado_en_us, creado_en_us"
            };
        }
        macro_rules! columnas_cotizaciones {
            () => {
                "id, numero, cliente_id, fecha_emision, fecha_validez, estado, moneda, precios_incluyen_impuesto, descuento_global, lineas, total, documento, notas, condiciones, origen_id, orden_id, motivo_rechazo, usuario_id, creado_en_us"
            };
        }
        macro_rules! columnas_ordenes_venta {
            () => {
                "id, numero, cliente_id, cotizacion_id, almacen_id, fecha, estado, moneda, precios_incluyen_impuesto, descuento_global, lineas, total, venta_id, motivo_cancelacion, usuario_id, creado_en_us"
            };
        }
        macro_rules! columnas_ordenes_compra {
            () => {
                "id, numero, proveedor_id, almacen_destino_id, fecha, fecha_estimada_entrega, estado, moneda, lineas, total_base, total_impuestos, total, notas, aprobado_por_id, motivo_cancelacion, usuario_id, creado_en_us"
            };
        }
        macro_rules! columnas_recepciones {
            () => {
                "id, orden_compra_id, fecha_recepcion, almacen_id, tipo, tipo_de_cambio, lineas, observaciones, recibido_por_id, creado_en_us"
            };
        }
        macro_rules! columnas_configuracion_empresa {
            () => {
                "clave, tipo_dato, valor, descripcion"
            };
        }
        macro_rules! columnas_categorias {
            () => {
                "id, nombre, descripcion, padre_id, activa"
            };
        }
        macro_rules! columnas_marcas {
            () => {
                "id, nombre, activa"
            };
        }
        macro_rules! columnas_almacenes {
            () => {
                "id, nombre, direccion, sucursal, es_principal, activo"
            };
        }
        macro_rules! columnas_productos {
            () => {
                "id, codigo, codigo_barras, nombre, descripcion, categoria_id, marca_id, unidad_medida, afectacion_igv, tarifa_iva, icbper, ice_codigo, ice_tarifa, precio_venta, precio_incluye_impuesto, costo, stock_minimo, stock_maximo, requiere_serie, requiere_lote, es_servicio, activo, eliminado_en_us, creado_en_us, actualizado_en_us"
            };
        }
        macro_rules! columnas_stock {
            () => {
                "producto_id, almacen_id, cantidad, reservado, valor, costo_promedio, ultima_fecha_us, ultima_secuencia"
            };
        }
        macro_rules! columnas_series {
            () => {
                "id, producto_id, numero_serie, estado, almacen_id, fecha_ingreso, ultimo_movimiento_id, referencia_tipo, referencia_id, observaciones"
            };
        }

        fn fila_empresa(r: &Fila) -> Result<Empresa> {
            let ajustes: String = r.try_get("ajustes").map_err(error_sql)?;
            Ok(Empresa {
                id: r.try_get("id").map_err(error_sql)?,
                pais: comun::pais(&r.try_get::<String, _>("pais").map_err(error_sql)?)?,
                tipo_identificacion: comun::tipo_identificacion(
                    &r.try_get::<String, _>("tipo_identificacion").map_err(error_sql)?,
                )?,
                identificacion: r.try_get("identificacion").map_err(error_sql)?,
                razon_social: r.try_get("razon_social").map_err(error_sql)?,
                nombre_comercial: r.try_get("nombre_comercial").map_err(error_sql)?,
                direccion: r.try_get("direccion").map_err(error_sql)?,
                moneda: comun::moneda(&r.try_get::<String, _>("moneda").map_err(error_sql)?)?,
                subdominio: r.try_get("subdominio").map_err(error_sql)?,
                ajustes: serde_json::from_str(&ajustes)
                    .map_err(|_| comun::corrupto("ajustes", &ajustes))?,
                plan: desde_json(r, "plan")?,
                activa: r.try_get("activa").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_producto(r: &Fila) -> Result<Producto> {
            Ok(Producto {
                id: r.try_get("id").map_err(error_sql)?,
                codigo: r.try_get("codigo").map_err(error_sql)?,
                codigo_barras: r.try_get("codigo_barras").map_err(error_sql)?,
                nombre: r.try_get("nombre").map_err(error_sql)?,
                descripcion: r.try_get("descripcion").map_err(error_sql)?,
                categoria_id: r.try_get("categoria_id").map_err(error_sql)?,
                marca_id: r.try_get("marca_id").map_err(error_sql)?,
                unidad_medida: r.try_get("unidad_medida").map_err(error_sql)?,
                afectacion_igv: comun::afectacion(
                    &r.try_get::<String, _>("afectacion_igv").map_err(error_sql)?,
                )?,
                tarifa_iva: comun::tarifa_iva(
                    &r.try_get::<String, _>("tarifa_iva").map_err(error_sql)?,
                )?,
                icbper: r.try_get("icbper").map_err(error_sql)?,
                ice_codigo: r.try_get("ice_codigo").map_err(error_sql)?,
                ice_tarifa: leer_dec_opt(r, "ice_tarifa")?,
                precio_venta: leer_dec(r, "precio_venta")?,
                precio_incluye_impuesto: r.try_get("precio_incluye_impuesto").map_err(error_sql)?,
                costo: leer_dec(r, "costo")?,
                stock_minimo: leer_dec(r, "stock_minimo")?,
                stock_maximo: leer_dec(r, "stock_maximo")?,
                requiere_serie: r.try_get("requiere_serie").map_err(error_sql)?,
                requiere_lote: r.try_get("requiere_lote").map_err(error_sql)?,
                es_servicio: r.try_get("es_servicio").map_err(error_sql)?,
                activo: r.try_get("activo").map_err(error_sql)?,
                eliminado_en: r
                    .try_get::<Option<i64>, _>("eliminado_en_us")
                    .map_err(error_sql)?
                    .map(desde_microsegundos),
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
                actualizado_en: desde_microsegundos(
                    r.try_get("actualizado_en_us").map_err(error_sql)?,
                ),
            })
        }


        fn fila_stock(r: &Fila) -> Result<Stock> {
            Ok(Stock {
                producto_id: r.try_get("producto_id").map_err(error_sql)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                cantidad: leer_dec(r, "cantidad")?,
                reservado: leer_dec(r, "reservado")?,
                valor: leer_dec(r, "valor")?,
                costo_promedio: leer_dec(r, "costo_promedio")?,
                ultima_fecha_us: r.try_get("ultima_fecha_us").map_err(error_sql)?,
                ultima_secuencia: r.try_get("ultima_secuencia").map_err(error_sql)?,
            })
        }

        fn fila_movimiento(r: &Fila) -> Result<MovimientoStock> {
            Ok(MovimientoStock {
                id: r.try_get("id").map_err(error_sql)?,
                secuencia: r.try_get("secuencia").map_err(error_sql)?,
                fecha: desde_microsegundos(r.try_get("fecha_us").map_err(error_sql)?),
                producto_id: r.try_get("producto_id").map_err(error_sql)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                tipo: comun::tipo_movimiento(&r.try_get::<String, _>("tipo").map_err(error_sql)?)?,
                cantidad: leer_dec(r, "cantidad")?,
                costo_unitario: leer_dec(r, "costo_unitario")?,
                valor: leer_dec(r, "valor")?,
                cantidad_saldo: leer_dec(r, "cantidad_saldo")?,
                valor_saldo: leer_dec(r, "valor_saldo")?,
                costo_promedio_saldo: leer_dec(r, "costo_promedio_saldo")?,
                lote_id: r.try_get("lote_id").map_err(error_sql)?,
                movimiento_relacionado_id: r.try_get("movimiento_relacionado_id").map_err(error_sql)?,
                referencia_tipo: comun::referencia(r.try_get("referencia_tipo").map_err(error_sql)?)?,
                referencia_id: r.try_get("referencia_id").map_err(error_sql)?,
                motivo: r.try_get("motivo").map_err(error_sql)?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                aprobado_por: r.try_get("aprobado_por").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        const SELECT_MOVIMIENTO: &str = concat!("SELECT ", columnas_movimiento!(), " FROM movimientos_stock m JOIN kardex k ON k.empresa_id = m.empresa_id AND k.movimiento_id = m.id");

        fn fila_lote(r: &Fila) -> Result<Lote> {
            Ok(Lote {
                id: r.try_get("id").map_err(error_sql)?,
                producto_id: r.try_get("producto_id").map_err(error_sql)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                numero_lote: r.try_get("numero_lote").map_err(error_sql)?,
                fecha_vencimiento: r.try_get("fecha_vencimiento").map_err(error_sql)?,
                cantidad_inicial: leer_dec(r, "cantidad_inicial")?,
                cantidad_actual: leer_dec(r, "cantidad_actual")?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_serie(r: &Fila) -> Result<SerieProducto> {
            Ok(SerieProducto {
                id: r.try_get("id").map_err(error_sql)?,
                producto_id: r.try_get("producto_id").map_err(error_sql)?,
                numero_serie: r.try_get("numero_serie").map_err(error_sql)?,
                estado: comun::estado_serie(&r.try_get::<String, _>("estado").map_err(error_sql)?)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                fecha_ingreso: r.try_get("fecha_ingreso").map_err(error_sql)?,
                ultimo_movimiento_id: r.try_get("ultimo_movimiento_id").map_err(error_sql)?,
                referencia_tipo: comun::referencia(r.try_get("referencia_tipo").map_err(error_sql)?)?,
                referencia_id: r.try_get("referencia_id").map_err(error_sql)?,
                observaciones: r.try_get("observaciones").map_err(error_sql)?,
            })
        }

        /// `no_encontrado` unless the company exists.
        pub(crate) async fn comprobar_empresa<'e, E>(
            conocidas: &comun::EmpresasConocidas,
            ejecutor: E,
            id: Uuid,
        ) -> Result<()>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            if conocidas.contiene(id) {
                return Ok(());
            }
            match leer_empresa(ejecutor, id).await? {
                Some(_) => {
                    conocidas.anotar(id);
                    Ok(())
                }
                None => Err(Error::no_encontrado("empresa", format!("la empresa {id} no existe"))),
            }
        }

        pub(crate) async fn leer_empresa<'e, E>(ejecutor: E, id: Uuid) -> Result<Option<Empresa>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            $drv::query(concat!("SELECT ", columnas_empresas!(), " FROM empresas WHERE id = $1"))
            .bind(id)
            .fetch_optional(ejecutor)
            .await
            .map_err(error_sql)?
            .map(|r| fila_empresa(&r))
            .transpose()
        }

        pub(crate) async fn insertar_empresa<'e, E>(ejecutor: E, e: &Empresa) -> Result<()>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            let ajustes = a_json(&e.ajustes)?;
            let plan = a_json(&e.plan)?;
            $drv::query(
                "INSERT INTO empresas (id, pais, tipo_identificacion, identificacion, razon_social, \
                 nombre_comercial, direccion, moneda, subdominio, ajustes, activa, creado_en_us, plan) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(e.id)
            .bind(e.pais.codigo())
            .bind(comun::codigo_tipo_identificacion(e.tipo_identificacion))
            .bind(&e.identificacion)
            .bind(&e.razon_social)
            .bind(&e.nombre_comercial)
            .bind(&e.direccion)
            .bind(e.moneda.codigo())
            .bind(&e.subdominio)
            .bind(ajustes)
            .bind(e.activa)
            .bind(a_microsegundos(e.creado_en))
            .bind(plan)
            .execute(ejecutor)
            .await
            .map_err(error_sql)?;
            Ok(())
        }

        pub(crate) async fn empresa_por_subdominio<'e, E>(ejecutor: E, subdominio: &str) -> Result<Option<Uuid>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            $drv::query("SELECT id FROM empresas WHERE subdominio = $1 AND activa")
                .bind(subdominio)
                .fetch_optional(ejecutor)
                .await
                .map_err(error_sql)?
                .map(|r| r.try_get::<Uuid, _>(0).map_err(error_sql))
                .transpose()
        }

        /// A claim of due work (`Store::reclamar_trabajo`, `Store::reclamar_envio`): one
        /// statement (`$1` now, `$2` the lease's end) that returns the company and the row, so it
        /// needs no transaction of its own.
        async fn reclamar<'e, E, T>(
            ejecutor: E,
            sql: &'static str,
            (ahora, plazo): (time::OffsetDateTime, time::Duration),
            empresa: Option<Uuid>,
            fila: fn(&Fila) -> Result<T>,
        ) -> Result<Option<(Uuid, T)>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            let r = $drv::query(sql)
                .bind(a_microsegundos(ahora))
                .bind(a_microsegundos(ahora + plazo))
                .bind(empresa)
                .fetch_optional(ejecutor)
                .await
                .map_err(error_sql)?;
            match r {
                Some(r) => Ok(Some((r.try_get("empresa_id").map_err(error_sql)?, fila(&r)?))),
                None => Ok(None),
            }
        }

        // Several workers on one PostgreSQL skip the rows another is claiming (`$saltar`); SQLite
        // has one writer at a time anyway.
        pub(crate) async fn reclamar_trabajo<'e, E>(
            ejecutor: E,
            ahora: time::OffsetDateTime,
            plazo: time::Duration,
        ) -> Result<Option<(Uuid, erp_core::trabajos::Trabajo)>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            const SQL: &str = concat!(
                "UPDATE trabajos SET reclamado_hasta_us = $2, intentos = intentos + 1 \
                 WHERE (empresa_id, id) = (SELECT empresa_id, id FROM trabajos \
                 WHERE estado = 'pendiente' AND programado_us <= $1 \
                 AND (reclamado_hasta_us IS NULL OR reclamado_hasta_us <= $1) \
                 AND EXISTS (SELECT 1 FROM empresas e WHERE e.id = trabajos.empresa_id AND e.activa) \
                 AND ($3 IS NULL OR trabajos.empresa_id = $3) \
                 ORDER BY programado_us LIMIT 1",
                $saltar,
                ") RETURNING empresa_id, ",
                columnas_trabajos!()
            );
            // Jobs are claimed for every company: `$3` is there because the claim binds it.
            reclamar(ejecutor, SQL, (ahora, plazo), None, fila_trabajo).await
        }

        pub(crate) async fn reclamar_envio<'e, E>(
            ejecutor: E,
            ahora: time::OffsetDateTime,
            plazo: time::Duration,
            empresa: Option<Uuid>,
        ) -> Result<Option<(Uuid, Comprobante)>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            const SQL: &str = concat!(
                "UPDATE comprobantes SET envio_reclamado_hasta_us = $2, envio_intentos = envio_intentos + 1, \
                 envio_incierto = (envio_incierto OR envio_reclamado_hasta_us IS NOT NULL) \
                 WHERE (empresa_id, id) = (SELECT empresa_id, id FROM comprobantes \
                 WHERE envio_programado_us IS NOT NULL AND envio_programado_us <= $1 \
                 AND (envio_reclamado_hasta_us IS NULL OR envio_reclamado_hasta_us <= $1) \
                 AND EXISTS (SELECT 1 FROM empresas e WHERE e.id = comprobantes.empresa_id AND e.activa) \
                 AND ($3 IS NULL OR comprobantes.empresa_id = $3) \
                 ORDER BY envio_programado_us LIMIT 1",
                $saltar,
                ") RETURNING empresa_id, ",
                columnas_comprobantes!()
            );
            reclamar(ejecutor, SQL, (ahora, plazo), empresa, fila_comprobante).await
        }

        pub(crate) async fn todas_las_empresas<'e, E>(ejecutor: E) -> Result<Vec<Empresa>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            $drv::query(
                concat!("SELECT ", columnas_empresas!(), " FROM empresas ORDER BY razon_social, id"),
            )
            .fetch_all(ejecutor)
            .await
            .map_err(error_sql)?
            .iter()
            .map(fila_empresa)
            .collect()
        }

        /// The active companies with a live user of this email.
        pub(crate) async fn empresas_de_email<'e, E>(ejecutor: E, email: &str) -> Result<Vec<Uuid>>
        where
            E: $drv::Executor<'e, Database = Db>,
        {
            $drv::query(
                "SELECT u.empresa_id FROM usuarios u JOIN empresas e ON e.id = u.empresa_id \
                 WHERE u.email = $1 AND u.eliminado_en_us IS NULL AND e.activa ORDER BY u.empresa_id",
            )
            .bind(email)
            .fetch_all(ejecutor)
            .await
            .map_err(error_sql)?
            .iter()
            .map(|r| r.try_get::<Uuid, _>(0).map_err(error_sql))
            .collect()
        }

        /// One page of a listing and how many rows the whole listing has. `filtros` writes the
        /// `FROM … WHERE …` both queries share; pages count from 1 and hold 1 to 100 rows.
        async fn paginar<T>(
            con: &mut Conexion,
            columnas: &str,
            filtros: impl Fn(&mut $drv::QueryBuilder<Db>),
            orden: &str,
            (pagina, tamanio): (u32, u32),
            fila: fn(&Fila) -> Result<T>,
        ) -> Result<(Vec<T>, u64)> {
            let mut qb = $drv::QueryBuilder::<Db>::new("SELECT COUNT(*)");
            filtros(&mut qb);
            let total: i64 = qb.build_query_scalar().fetch_one(&mut *con).await.map_err(error_sql)?;
            let mut qb = $drv::QueryBuilder::<Db>::new("SELECT ");
            qb.push(columnas);
            filtros(&mut qb);
            qb.push(orden);
            let tamanio = i64::from(tamanio.clamp(1, 100));
            qb.push(" LIMIT ");
            qb.push_bind(tamanio);
            qb.push(" OFFSET ");
            qb.push_bind(i64::from(pagina.max(1) - 1) * tamanio);
            let filas = qb.build().fetch_all(&mut *con).await.map_err(error_sql)?;
            Ok((filas.iter().map(fila).collect::<Result<Vec<_>>>()?, u64::try_from(total).unwrap_or(0)))
        }

        /// `AND (a LIKE '%texto%' OR b LIKE …)` over the columns, when there is a text to find.
        fn filtro_texto(qb: &mut $drv::QueryBuilder<Db>, texto: Option<&str>, columnas: &[&str]) {
            let Some(t) = texto.filter(|t| !t.trim().is_empty()) else {
                return;
            };
            let patron = comun::patron_like(t);
            for (i, c) in columnas.iter().enumerate() {
                qb.push(if i == 0 { " AND (" } else { " OR " });
                qb.push(format_args!("{c} {} ", $like));
                qb.push_bind(patron.clone());
                qb.push(" ESCAPE '\\'");
            }
            qb.push(")");
        }

        /// `FROM tabla WHERE empresa_id = … [AND cliente_id = …]`.
        /// ` FROM tabla WHERE empresa_id = …`, and `AND columna = …` when `valor` is given.
        fn filtro_empresa(qb: &mut $drv::QueryBuilder<Db>, tabla: &str, empresa: Uuid, columna: &str, valor: Option<Uuid>) {
            qb.push(format_args!(" FROM {tabla} WHERE empresa_id = "));
            qb.push_bind(empresa);
            if let Some(v) = valor {
                qb.push(format_args!(" AND {columna} = "));
                qb.push_bind(v);
            }
        }

        impl $uow {
            /// The row of this company with this id, read by `sql` (`$1` the company, `$2` the id).
            async fn por_id<T>(&mut self, sql: &'static str, id: Uuid, fila: fn(&Fila) -> Result<T>) -> Result<Option<T>> {
                let r = $drv::query(sql)
                    .bind(self.empresa)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(error_sql)?;
                r.map(|r| fila(&r)).transpose()
            }

            /// Every row of this company read by `sql` (`$1` the company).
            async fn todas<T>(&mut self, sql: &'static str, fila: fn(&Fila) -> Result<T>) -> Result<Vec<T>> {
                $drv::query(sql)
                    .bind(self.empresa)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .iter()
                    .map(fila)
                    .collect()
            }

            /// Writes the movements held back by `insertar_movimiento`: one multi-row INSERT into
            /// `movimientos_stock`, one into `kardex`.
            async fn escribir_pendientes(&mut self) -> Result<()> {
                if self.pendientes.is_empty() {
                    return Ok(());
                }
                // The rows leave the buffer only once written: after a failed write, a commit
                // tries them again and fails too, instead of committing a partial ledger.
                for bloque in self.pendientes.chunks(500) {
                    let mut qb = $drv::QueryBuilder::<Db>::new(
                        "INSERT INTO movimientos_stock (empresa_id, id, secuencia, fecha_us, producto_id, \
                         almacen_id, tipo, cantidad, lote_id, movimiento_relacionado_id, referencia_tipo, \
                         referencia_id, motivo, usuario_id, aprobado_por, creado_en_us) VALUES ",
                    );
                    for (i, m) in bloque.iter().enumerate() {
                        qb.push(if i == 0 { "(" } else { ", (" });
                        let mut sep = qb.separated(", ");
                        sep.push_bind(self.empresa);
                        sep.push_bind(m.id);
                        sep.push_bind(m.secuencia);
                        sep.push_bind(a_microsegundos(m.fecha));
                        sep.push_bind(m.producto_id);
                        sep.push_bind(m.almacen_id);
                        sep.push_bind(m.tipo.codigo());
                        sep.push_bind(dec(m.cantidad));
                        sep.push_bind(m.lote_id);
                        sep.push_bind(m.movimiento_relacionado_id);
                        sep.push_bind(m.referencia_tipo.map(|r| r.codigo()));
                        sep.push_bind(m.referencia_id);
                        sep.push_bind(m.motivo.as_str());
                        sep.push_bind(m.usuario_id);
                        sep.push_bind(m.aprobado_por);
                        sep.push_bind(a_microsegundos(m.creado_en));
                        qb.push(")");
                    }
                    qb.build().execute(&mut *self.tx).await.map_err(error_sql)?;
                    let mut qb = $drv::QueryBuilder::<Db>::new(
                        "INSERT INTO kardex (empresa_id, producto_id, almacen_id, fecha_us, secuencia, \
                         movimiento_id, tipo, cantidad, costo_unitario, valor, cantidad_saldo, valor_saldo, \
                         costo_promedio_saldo, movimiento_relacionado_id, aprobado_por) VALUES ",
                    );
                    for (i, m) in bloque.iter().enumerate() {
                        qb.push(if i == 0 { "(" } else { ", (" });
                        let mut sep = qb.separated(", ");
                        sep.push_bind(self.empresa);
                        sep.push_bind(m.producto_id);
                        sep.push_bind(m.almacen_id);
                        sep.push_bind(a_microsegundos(m.fecha));
                        sep.push_bind(m.secuencia);
                        sep.push_bind(m.id);
                        sep.push_bind(m.tipo.codigo());
                        sep.push_bind(dec(m.cantidad));
                        sep.push_bind(dec(m.costo_unitario));
                        sep.push_bind(dec(m.valor));
                        sep.push_bind(dec(m.cantidad_saldo));
                        sep.push_bind(dec(m.valor_saldo));
                        sep.push_bind(dec(m.costo_promedio_saldo));
                        sep.push_bind(m.movimiento_relacionado_id);
                        sep.push_bind(m.aprobado_por);
                        qb.push(")");
                    }
                    qb.build().execute(&mut *self.tx).await.map_err(error_sql)?;
                }
                self.pendientes.clear();
                Ok(())
            }
        }

        impl erp_core::store::Uow for $uow {
            async fn commit(mut self) -> Result<()> {
                self.escribir_pendientes().await?;
                self.tx.commit().await.map_err(error_sql)
            }

            async fn guardar_cliente(&mut self, c: &Cliente) -> Result<()> {
                $drv::query(
                    "INSERT INTO clientes (empresa_id, id, tipo_documento, numero_documento, razon_social, \
                     direccion, email, telefono, limite_credito, dias_credito, es_varios, activo, creado_en_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (empresa_id, id) DO UPDATE SET razon_social = excluded.razon_social, \
                     direccion = excluded.direccion, email = excluded.email, telefono = excluded.telefono, \
                     limite_credito = excluded.limite_credito, dias_credito = excluded.dias_credito, \
                     activo = excluded.activo",
                )
                .bind(self.empresa)
                .bind(c.id)
                .bind(c.tipo_documento.codigo())
                .bind(&c.numero_documento)
                .bind(&c.razon_social)
                .bind(&c.direccion)
                .bind(&c.email)
                .bind(&c.telefono)
                .bind(dec(c.limite_credito))
                .bind(c.dias_credito)
                .bind(c.es_varios)
                .bind(c.activo)
                .bind(a_microsegundos(c.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn asegurar_cliente(&mut self, c: &Cliente) -> Result<Cliente> {
                $drv::query(
                    "INSERT INTO clientes (empresa_id, id, tipo_documento, numero_documento, razon_social, \
                     direccion, email, telefono, limite_credito, dias_credito, es_varios, activo, creado_en_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (empresa_id, tipo_documento, numero_documento) WHERE activo DO NOTHING",
                )
                .bind(self.empresa)
                .bind(c.id)
                .bind(c.tipo_documento.codigo())
                .bind(&c.numero_documento)
                .bind(&c.razon_social)
                .bind(&c.direccion)
                .bind(&c.email)
                .bind(&c.telefono)
                .bind(dec(c.limite_credito))
                .bind(c.dias_credito)
                .bind(c.es_varios)
                .bind(c.activo)
                .bind(a_microsegundos(c.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                self.cliente_por_documento(c.tipo_documento, &c.numero_documento)
                    .await?
                    .ok_or_else(|| Error::almacenamiento("cliente asegurado no encontrado"))
            }

            async fn cliente(&mut self, id: Uuid) -> Result<Option<Cliente>> {
                self.por_id(concat!("SELECT ", columnas_clientes!(), " FROM clientes \
                     WHERE empresa_id = $1 AND id = $2"), id, fila_cliente).await
            }

            async fn cliente_por_documento(&mut self, tipo: TipoDocumentoCliente, numero: &str) -> Result<Option<Cliente>> {
                let r = $drv::query(
                    concat!("SELECT ", columnas_clientes!(), " FROM clientes \
                     WHERE empresa_id = $1 AND tipo_documento = $2 AND numero_documento = $3 \
                     ORDER BY activo DESC, creado_en_us DESC LIMIT 1"),
                )
                .bind(self.empresa)
                .bind(tipo.codigo())
                .bind(numero)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_cliente(&r)).transpose()
            }

            async fn buscar_clientes(&mut self, texto: Option<&str>, pagina: u32, tamanio: u32) -> Result<(Vec<Cliente>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    qb.push(" FROM clientes WHERE empresa_id = ");
                    qb.push_bind(empresa);
                    qb.push(" AND activo = ");
                    qb.push_bind(true);
                    filtro_texto(qb, texto, &["razon_social", "numero_documento"]);
                };
                paginar(
                    &mut *self.tx,
                    columnas_clientes!(),
                    filtros,
                    " ORDER BY razon_social, id",
                    (pagina, tamanio),
                    fila_cliente,
                )
                .await
            }

            async fn cliente_bloqueado(&mut self, id: Uuid) -> Result<Option<Cliente>> {
                self.por_id(concat!("SELECT ", columnas_clientes!(), " FROM clientes \
                     WHERE empresa_id = $1 AND id = $2", $fu), id, fila_cliente).await
            }

            async fn deuda_cliente(&mut self, cliente: Uuid) -> Result<Vec<erp_core::ventas::DeudaVenta>> {
                // Filtered here: SQLite cannot compare TEXT decimals.
                let filas = $drv::query(
                    "SELECT moneda, tipo_de_cambio, saldo_pendiente FROM ventas WHERE empresa_id = $1 \
                     AND cliente_id = $2 AND condicion = 'credito' AND estado = 'completada'",
                )
                .bind(self.empresa)
                .bind(cliente)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                let mut out = Vec::new();
                for r in &filas {
                    let saldo = leer_dec(r, 2)?;
                    if saldo > rust_decimal::Decimal::ZERO {
                        out.push(erp_core::ventas::DeudaVenta {
                            moneda: comun::moneda(&r.try_get::<String, _>(0).map_err(error_sql)?)?,
                            tipo_de_cambio: leer_dec_opt(r, 1)?,
                            saldo,
                        });
                    }
                }
                Ok(out)
            }

            async fn guardar_proveedor(&mut self, p: &Proveedor) -> Result<()> {
                $drv::query(
                    "INSERT INTO proveedores (empresa_id, id, ruc, razon_social, nombre_comercial, direccion, \
                     email, telefono, contacto, dias_credito, activo, creado_en_us) VALUES ($1, $2, $3, $4, \
                     $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     razon_social = excluded.razon_social, nombre_comercial = excluded.nombre_comercial, \
                     direccion = excluded.direccion, email = excluded.email, telefono = excluded.telefono, \
                     contacto = excluded.contacto, dias_credito = excluded.dias_credito, activo = excluded.activo",
                )
                .bind(self.empresa)
                .bind(p.id)
                .bind(&p.ruc)
                .bind(&p.razon_social)
                .bind(&p.nombre_comercial)
                .bind(&p.direccion)
                .bind(&p.email)
                .bind(&p.telefono)
                .bind(&p.contacto)
                .bind(p.dias_credito)
                .bind(p.activo)
                .bind(a_microsegundos(p.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn proveedor(&mut self, id: Uuid) -> Result<Option<Proveedor>> {
                self.por_id(concat!("SELECT ", columnas_proveedores!(), " FROM proveedores WHERE empresa_id = $1 AND id = $2"), id, fila_proveedor).await
            }

            async fn proveedor_por_ruc(&mut self, ruc: &str) -> Result<Option<Proveedor>> {
                let r = $drv::query(
                    concat!("SELECT ", columnas_proveedores!(), " FROM proveedores WHERE empresa_id = $1 AND ruc = $2"),
                )
                .bind(self.empresa)
                .bind(ruc)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_proveedor(&r)).transpose()
            }

            async fn buscar_proveedores(&mut self, texto: Option<&str>, pagina: u32, tamanio: u32) -> Result<(Vec<Proveedor>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    qb.push(" FROM proveedores WHERE empresa_id = ");
                    qb.push_bind(empresa);
                    qb.push(" AND activo = ");
                    qb.push_bind(true);
                    filtro_texto(qb, texto, &["razon_social", "ruc"]);
                };
                paginar(
                    &mut *self.tx,
                    columnas_proveedores!(),
                    filtros,
                    " ORDER BY razon_social, id",
                    (pagina, tamanio),
                    fila_proveedor,
                )
                .await
            }

            async fn guardar_serie_comprobante(&mut self, s: &SerieComprobante) -> Result<()> {
                $drv::query(
                    "INSERT INTO series_comprobante (empresa_id, id, tipo, serie, documento_afectado, correlativo, activa) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     activa = excluded.activa",
                )
                .bind(self.empresa)
                .bind(s.id)
                .bind(s.tipo.codigo())
                .bind(&s.serie)
                .bind(s.documento_afectado.map(|t| t.codigo()))
                .bind(s.correlativo)
                .bind(s.activa)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn asegurar_serie_comprobante(&mut self, s: &SerieComprobante) -> Result<SerieComprobante> {
                $drv::query(
                    "INSERT INTO series_comprobante (empresa_id, id, tipo, serie, documento_afectado, correlativo, activa) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (empresa_id, tipo, serie) DO NOTHING",
                )
                .bind(self.empresa)
                .bind(s.id)
                .bind(s.tipo.codigo())
                .bind(&s.serie)
                .bind(s.documento_afectado.map(|t| t.codigo()))
                .bind(s.correlativo)
                .bind(s.activa)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                self.serie_comprobante(s.tipo, &s.serie)
                    .await?
                    .ok_or_else(|| Error::almacenamiento("serie asegurada no encontrada"))
            }

            async fn serie_comprobante(&mut self, tipo: TipoComprobante, serie: &str) -> Result<Option<SerieComprobante>> {
                let r = $drv::query(
                    concat!("SELECT ", columnas_series_comprobante!(), " FROM series_comprobante \
                     WHERE empresa_id = $1 AND tipo = $2 AND serie = $3"),
                )
                .bind(self.empresa)
                .bind(tipo.codigo())
                .bind(serie)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_serie_comprobante(&r)).transpose()
            }

            async fn series_comprobante(&mut self) -> Result<Vec<SerieComprobante>> {
                self.todas(concat!("SELECT ", columnas_series_comprobante!(), " FROM series_comprobante \
                     WHERE empresa_id = $1 ORDER BY tipo, serie"), fila_serie_comprobante).await
            }

            async fn siguiente_numero(&mut self, tipo: TipoComprobante, serie: &str) -> Result<i64> {
                let n: Option<i64> = $drv::query_scalar(
                    "UPDATE series_comprobante SET correlativo = correlativo + 1 \
                     WHERE empresa_id = $1 AND tipo = $2 AND serie = $3 AND activa RETURNING correlativo",
                )
                .bind(self.empresa)
                .bind(tipo.codigo())
                .bind(serie)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                n.ok_or_else(|| Error::no_encontrado("serie", format!("la serie {serie} de {} no existe o está inactiva", tipo.codigo())))
            }

            async fn insertar_venta(&mut self, v: &Venta) -> Result<()> {
                $drv::query(
                    "INSERT INTO ventas (empresa_id, id, cliente_id, almacen_id, fecha, moneda, tipo_de_cambio, \
                     precios_incluyen_impuesto, tipo_venta, condicion, estado, total, descuento_global, \
                     costo_total, vuelto, saldo_pendiente, comprobante_id, orden_id, clave_idempotencia, \
                     observaciones, usuario_id, lineas, pagos, cuotas, creado_en_us) VALUES ($1, $2, $3, $4, \
                     $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
                     $24, $25)",
                )
                .bind(self.empresa)
                .bind(v.id)
                .bind(v.cliente_id)
                .bind(v.almacen_id)
                .bind(v.fecha)
                .bind(v.moneda.codigo())
                .bind(dec_opt(v.tipo_de_cambio))
                .bind(v.precios_incluyen_impuesto)
                .bind(v.tipo_venta.codigo())
                .bind(v.condicion.codigo())
                .bind(v.estado.codigo())
                .bind(dec(v.total))
                .bind(dec_opt(v.descuento_global))
                .bind(dec(v.costo_total))
                .bind(dec(v.vuelto))
                .bind(dec(saldo_pendiente(v)))
                .bind(v.comprobante_id)
                .bind(v.orden_id)
                .bind(&v.clave_idempotencia)
                .bind(&v.observaciones)
                .bind(v.usuario_id)
                .bind(a_json(&v.lineas)?)
                .bind(a_json(&v.pagos)?)
                .bind(a_json(&v.cuotas)?)
                .bind(a_microsegundos(v.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn actualizar_venta(&mut self, v: &Venta) -> Result<()> {
                $drv::query(
                    "UPDATE ventas SET estado = $3, saldo_pendiente = $4, lineas = $5, cuotas = $6 \
                     WHERE empresa_id = $1 AND id = $2",
                )
                .bind(self.empresa)
                .bind(v.id)
                .bind(v.estado.codigo())
                .bind(dec(saldo_pendiente(v)))
                .bind(a_json(&v.lineas)?)
                .bind(a_json(&v.cuotas)?)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn venta(&mut self, id: Uuid) -> Result<Option<Venta>> {
                let sql = concat!("SELECT ", columnas_ventas!(), " FROM ventas WHERE empresa_id = $1 AND id = $2");
                self.por_id(sql, id, fila_venta).await
            }

            async fn venta_bloqueada(&mut self, id: Uuid) -> Result<Option<Venta>> {
                let sql = concat!("SELECT ", columnas_ventas!(), " FROM ventas WHERE empresa_id = $1 AND id = $2", $fu);
                self.por_id(sql, id, fila_venta).await
            }

            async fn venta_por_clave(&mut self, clave: &str) -> Result<Option<Venta>> {
                let r = $drv::query(concat!("SELECT ", columnas_ventas!(), " FROM ventas WHERE empresa_id = $1 AND clave_idempotencia = $2"))
                .bind(self.empresa)
                .bind(clave)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_venta(&r)).transpose()
            }

            async fn listar_ventas(&mut self, f: &FiltroVentas) -> Result<(Vec<Venta>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    filtro_empresa(qb, "ventas", empresa, "cliente_id", f.cliente_id);
                    if let Some(d) = f.desde {
                        qb.push(" AND fecha >= ");
                        qb.push_bind(d);
                    }
                    if let Some(h) = f.hasta {
                        qb.push(" AND fecha <= ");
                        qb.push_bind(h);
                    }
                };
                paginar(
                    &mut *self.tx,
                    columnas_ventas!(),
                    filtros,
                    " ORDER BY fecha DESC, creado_en_us DESC, id",
                    (f.pagina, f.tamanio_pagina),
                    fila_venta,
                )
                .await
            }

            async fn insertar_comprobante(&mut self, c: &Comprobante) -> Result<()> {
                $drv::query(
                    "INSERT INTO comprobantes (empresa_id, id, tipo, serie, numero, venta_id, referencia_id, \
                     motivo_codigo, motivo, estado, cliente_id, cliente_tipo_documento, cliente_numero_documento, \
                     cliente_razon_social, cliente_direccion, fecha_emision, moneda, total, documento, creado_en_us, \
                     clave_idempotencia, envio_programado_us, envio_reclamado_hasta_us, envio_intentos, \
                     envio_incierto, envio_error, respuesta_sunat, envio_baja) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                     $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)",
                )
                .bind(self.empresa)
                .bind(c.id)
                .bind(c.tipo.codigo())
                .bind(&c.serie)
                .bind(c.numero)
                .bind(c.venta_id)
                .bind(c.referencia_id)
                .bind(&c.motivo_codigo)
                .bind(&c.motivo)
                .bind(c.estado.codigo())
                .bind(c.cliente_id)
                .bind(c.cliente_tipo_documento.codigo())
                .bind(&c.cliente_numero_documento)
                .bind(&c.cliente_razon_social)
                .bind(&c.cliente_direccion)
                .bind(c.fecha_emision)
                .bind(c.moneda.codigo())
                .bind(dec(c.total))
                .bind(c.documento.to_string())
                .bind(a_microsegundos(c.creado_en))
                .bind(&c.clave_idempotencia)
                .bind(c.envio.programado.map(a_microsegundos))
                .bind(c.envio.reclamado_hasta.map(a_microsegundos))
                .bind(c.envio.intentos)
                .bind(c.envio.incierto)
                .bind(&c.envio.ultimo_error)
                .bind(a_json(&c.envio.respuesta)?)
                .bind(a_json(&c.envio.baja)?)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn comprobante(&mut self, id: Uuid) -> Result<Option<Comprobante>> {
                self.por_id(concat!("SELECT ", columnas_comprobantes!(), " FROM comprobantes \
                     WHERE empresa_id = $1 AND id = $2"), id, fila_comprobante).await
            }

            async fn comprobantes_de_venta(&mut self, venta: Uuid) -> Result<Vec<Comprobante>> {
                $drv::query(concat!("SELECT ", columnas_comprobantes!(), " FROM comprobantes \
                     WHERE empresa_id = $1 AND venta_id = $2 ORDER BY creado_en_us, id"))
                .bind(self.empresa)
                .bind(venta)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .iter()
                .map(fila_comprobante)
                .collect()
            }

            async fn comprobante_bloqueado(&mut self, id: Uuid) -> Result<Option<Comprobante>> {
                self.por_id(concat!("SELECT ", columnas_comprobantes!(), " FROM comprobantes \
                     WHERE empresa_id = $1 AND id = $2", $fu), id, fila_comprobante).await
            }

            async fn listar_comprobantes(
                &mut self,
                f: &erp_core::comprobantes::FiltroComprobantes,
            ) -> Result<(Vec<Comprobante>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    filtro_empresa(qb, "comprobantes", empresa, "cliente_id", f.cliente_id);
                    if let Some(t) = f.tipo {
                        qb.push(" AND tipo = ");
                        qb.push_bind(t.codigo());
                    }
                    if let Some(s) = &f.serie {
                        qb.push(" AND serie = ");
                        qb.push_bind(s.clone());
                    }
                    if let Some(n) = f.numero {
                        qb.push(" AND numero = ");
                        qb.push_bind(n);
                    }
                    if let Some(e) = f.estado {
                        qb.push(" AND estado = ");
                        qb.push_bind(e.codigo());
                    }
                    if let Some(d) = f.desde {
                        qb.push(" AND fecha_emision >= ");
                        qb.push_bind(d);
                    }
                    if let Some(h) = f.hasta {
                        qb.push(" AND fecha_emision <= ");
                        qb.push_bind(h);
                    }
                };
                paginar(
                    &mut *self.tx,
                    columnas_comprobantes!(),
                    filtros,
                    " ORDER BY fecha_emision DESC, creado_en_us DESC, id",
                    (f.pagina, f.tamanio_pagina),
                    fila_comprobante,
                )
                .await
            }

            async fn guardar_envio(&mut self, c: &Comprobante) -> Result<()> {
                $drv::query(
                    "UPDATE comprobantes SET estado = $3, envio_programado_us = $4, envio_reclamado_hasta_us = $5, \
                     envio_intentos = $6, envio_incierto = $7, envio_error = $8, respuesta_sunat = $9, \
                     envio_baja = $10 WHERE empresa_id = $1 AND id = $2",
                )
                .bind(self.empresa)
                .bind(c.id)
                .bind(c.estado.codigo())
                .bind(c.envio.programado.map(a_microsegundos))
                .bind(c.envio.reclamado_hasta.map(a_microsegundos))
                .bind(c.envio.intentos)
                .bind(c.envio.incierto)
                .bind(&c.envio.ultimo_error)
                .bind(a_json(&c.envio.respuesta)?)
                .bind(a_json(&c.envio.baja)?)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn programar_envios(&mut self, ahora: time::OffsetDateTime) -> Result<u64> {
                Ok($drv::query(
                    "UPDATE comprobantes SET envio_programado_us = $2 WHERE empresa_id = $1 \
                     AND estado = 'pendiente' AND envio_programado_us IS NULL AND envio_intentos = 0",
                )
                .bind(self.empresa)
                .bind(a_microsegundos(ahora))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .rows_affected())
            }

            async fn insertar_log_envio(&mut self, l: &erp_core::facturacion::envio::LogEnvio) -> Result<()> {
                $drv::query(
                    "INSERT INTO logs_envio (empresa_id, id, comprobante_id, operacion, intento, solicitud, \
                     estado_http, respuesta, resultado, mensaje, duracion_ms, creado_en_us) VALUES ($1, $2, $3, \
                     $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(self.empresa)
                .bind(l.id)
                .bind(l.comprobante_id)
                .bind(&l.operacion)
                .bind(l.intento)
                .bind(l.solicitud.to_string())
                .bind(l.estado_http)
                .bind(&l.respuesta)
                .bind(&l.resultado)
                .bind(&l.mensaje)
                .bind(l.duracion_ms)
                .bind(a_microsegundos(l.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn logs_envio(
                &mut self,
                comprobante: Option<Uuid>,
                pagina: u32,
                tamanio: u32,
            ) -> Result<(Vec<erp_core::facturacion::envio::LogEnvio>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    filtro_empresa(qb, "logs_envio", empresa, "comprobante_id", comprobante)
                };
                paginar(
                    &mut *self.tx,
                    columnas_logs_envio!(),
                    filtros,
                    " ORDER BY creado_en_us DESC, id DESC",
                    (pagina, tamanio),
                    fila_log_envio,
                )
                .await
            }

            async fn guardar_cotizacion(&mut self, c: &Cotizacion) -> Result<()> {
                $drv::query(
                    "INSERT INTO cotizaciones (empresa_id, id, numero, cliente_id, fecha_emision, fecha_validez, \
                     estado, moneda, precios_incluyen_impuesto, descuento_global, lineas, total, documento, notas, \
                     condiciones, origen_id, orden_id, motivo_rechazo, usuario_id, creado_en_us) VALUES ($1, $2, \
                     $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
                     ON CONFLICT (empresa_id, id) DO UPDATE SET estado = excluded.estado, \
                     origen_id = excluded.origen_id, orden_id = excluded.orden_id, \
                     motivo_rechazo = excluded.motivo_rechazo",
                )
                .bind(self.empresa)
                .bind(c.id)
                .bind(&c.numero)
                .bind(c.cliente_id)
                .bind(c.fecha_emision)
                .bind(c.fecha_validez)
                .bind(c.estado.codigo())
                .bind(c.moneda.codigo())
                .bind(c.precios_incluyen_impuesto)
                .bind(dec_opt(c.descuento_global))
                .bind(a_json(&c.lineas)?)
                .bind(dec(c.total))
                .bind(c.documento.to_string())
                .bind(&c.notas)
                .bind(&c.condiciones)
                .bind(c.origen_id)
                .bind(c.orden_id)
                .bind(&c.motivo_rechazo)
                .bind(c.usuario_id)
                .bind(a_microsegundos(c.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn cotizacion(&mut self, id: Uuid) -> Result<Option<Cotizacion>> {
                let sql = concat!("SELECT ", columnas_cotizaciones!(), " FROM cotizaciones WHERE empresa_id = $1 AND id = $2");
                self.por_id(sql, id, fila_cotizacion).await
            }

            async fn cotizacion_bloqueada(&mut self, id: Uuid) -> Result<Option<Cotizacion>> {
                let sql = concat!("SELECT ", columnas_cotizaciones!(), " FROM cotizaciones WHERE empresa_id = $1 AND id = $2", $fu);
                self.por_id(sql, id, fila_cotizacion).await
            }

            async fn listar_cotizaciones(&mut self, cliente: Option<Uuid>, pagina: u32, tamanio: u32) -> Result<(Vec<Cotizacion>, u64)> {
                let empresa = self.empresa;
                paginar(
                    &mut *self.tx,
                    columnas_cotizaciones!(),
                    |qb: &mut $drv::QueryBuilder<Db>| filtro_empresa(qb, "cotizaciones", empresa, "cliente_id", cliente),
                    " ORDER BY creado_en_us DESC, id",
                    (pagina, tamanio),
                    fila_cotizacion,
                )
                .await
            }

            async fn cotizaciones_por_vencer(&mut self, desde: time::Date, hasta: time::Date) -> Result<Vec<Cotizacion>> {
                let sql = concat!(
                    "SELECT ", columnas_cotizaciones!(), " FROM cotizaciones WHERE empresa_id = $1 \
                     AND estado = 'vigente' AND fecha_validez >= $2 AND fecha_validez <= $3 \
                     ORDER BY fecha_validez, numero"
                );
                let filas = $drv::query(sql)
                    .bind(self.empresa)
                    .bind(desde)
                    .bind(hasta)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(error_sql)?;
                filas.iter().map(fila_cotizacion).collect()
            }

            async fn vencer_cotizaciones(&mut self, hoy: time::Date) -> Result<u64> {
                let r = $drv::query(
                    "UPDATE cotizaciones SET estado = 'vencida' WHERE empresa_id = $1 AND estado = 'vigente' \
                     AND fecha_validez < $2",
                )
                .bind(self.empresa)
                .bind(hoy)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(r.rows_affected())
            }

            async fn guardar_orden(&mut self, o: &OrdenVenta) -> Result<()> {
                $drv::query(
                    "INSERT INTO ordenes_venta (empresa_id, id, numero, cliente_id, cotizacion_id, almacen_id, fecha, \
                     estado, moneda, precios_incluyen_impuesto, descuento_global, lineas, total, venta_id, \
                     motivo_cancelacion, usuario_id, creado_en_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                     $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     cotizacion_id = excluded.cotizacion_id, estado = excluded.estado, \
                     venta_id = excluded.venta_id, motivo_cancelacion = excluded.motivo_cancelacion",
                )
                .bind(self.empresa)
                .bind(o.id)
                .bind(&o.numero)
                .bind(o.cliente_id)
                .bind(o.cotizacion_id)
                .bind(o.almacen_id)
                .bind(o.fecha)
                .bind(o.estado.codigo())
                .bind(o.moneda.codigo())
                .bind(o.precios_incluyen_impuesto)
                .bind(dec_opt(o.descuento_global))
                .bind(a_json(&o.lineas)?)
                .bind(dec(o.total))
                .bind(o.venta_id)
                .bind(&o.motivo_cancelacion)
                .bind(o.usuario_id)
                .bind(a_microsegundos(o.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn orden(&mut self, id: Uuid) -> Result<Option<OrdenVenta>> {
                let sql = concat!("SELECT ", columnas_ordenes_venta!(), " FROM ordenes_venta WHERE empresa_id = $1 AND id = $2");
                self.por_id(sql, id, fila_orden).await
            }

            async fn orden_bloqueada(&mut self, id: Uuid) -> Result<Option<OrdenVenta>> {
                let sql = concat!("SELECT ", columnas_ordenes_venta!(), " FROM ordenes_venta WHERE empresa_id = $1 AND id = $2", $fu);
                self.por_id(sql, id, fila_orden).await
            }

            async fn listar_ordenes(&mut self, cliente: Option<Uuid>, pagina: u32, tamanio: u32) -> Result<(Vec<OrdenVenta>, u64)> {
                let empresa = self.empresa;
                paginar(
                    &mut *self.tx,
                    columnas_ordenes_venta!(),
                    |qb: &mut $drv::QueryBuilder<Db>| filtro_empresa(qb, "ordenes_venta", empresa, "cliente_id", cliente),
                    " ORDER BY creado_en_us DESC, id",
                    (pagina, tamanio),
                    fila_orden,
                )
                .await
            }

            // --- Purchases ---------------------------------------------------------------------

            async fn guardar_orden_compra(&mut self, o: &OrdenCompra) -> Result<()> {
                $drv::query(
                    "INSERT INTO ordenes_compra (empresa_id, id, numero, proveedor_id, almacen_destino_id, fecha, \
                     fecha_estimada_entrega, estado, moneda, lineas, total_base, total_impuestos, total, notas, \
                     aprobado_por_id, motivo_cancelacion, usuario_id, creado_en_us) VALUES ($1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (empresa_id, id) \
                     DO UPDATE SET estado = excluded.estado, lineas = excluded.lineas, \
                     aprobado_por_id = excluded.aprobado_por_id, motivo_cancelacion = excluded.motivo_cancelacion",
                )
                .bind(self.empresa)
                .bind(o.id)
                .bind(&o.numero)
                .bind(o.proveedor_id)
                .bind(o.almacen_destino_id)
                .bind(o.fecha)
                .bind(o.fecha_estimada_entrega)
                .bind(o.estado.codigo())
                .bind(o.moneda.codigo())
                .bind(a_json(&o.lineas)?)
                .bind(dec(o.total_base))
                .bind(dec(o.total_impuestos))
                .bind(dec(o.total))
                .bind(&o.notas)
                .bind(o.aprobado_por_id)
                .bind(&o.motivo_cancelacion)
                .bind(o.usuario_id)
                .bind(a_microsegundos(o.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn orden_compra(&mut self, id: Uuid) -> Result<Option<OrdenCompra>> {
                let sql = concat!("SELECT ", columnas_ordenes_compra!(), " FROM ordenes_compra WHERE empresa_id = $1 AND id = $2");
                self.por_id(sql, id, fila_orden_compra).await
            }

            async fn orden_compra_bloqueada(&mut self, id: Uuid) -> Result<Option<OrdenCompra>> {
                let sql = concat!("SELECT ", columnas_ordenes_compra!(), " FROM ordenes_compra WHERE empresa_id = $1 AND id = $2", $fu);
                self.por_id(sql, id, fila_orden_compra).await
            }

            async fn listar_ordenes_compra(
                &mut self,
                proveedor: Option<Uuid>,
                estado: Option<EstadoOrdenCompra>,
                pagina: u32,
                tamanio: u32,
            ) -> Result<(Vec<OrdenCompra>, u64)> {
                let empresa = self.empresa;
                paginar(
                    &mut *self.tx,
                    columnas_ordenes_compra!(),
                    |qb: &mut $drv::QueryBuilder<Db>| {
                        filtro_empresa(qb, "ordenes_compra", empresa, "proveedor_id", proveedor);
                        if let Some(e) = estado {
                            qb.push(" AND estado = ");
                            qb.push_bind(e.codigo());
                        }
                    },
                    " ORDER BY creado_en_us DESC, id",
                    (pagina, tamanio),
                    fila_orden_compra,
                )
                .await
            }

            async fn guardar_recepcion(&mut self, r: &Recepcion) -> Result<()> {
                $drv::query(
                    "INSERT INTO recepciones (empresa_id, id, orden_compra_id, fecha_recepcion, almacen_id, tipo, \
                     tipo_de_cambio, lineas, observaciones, recibido_por_id, creado_en_us) VALUES ($1, $2, $3, \
                     $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(self.empresa)
                .bind(r.id)
                .bind(r.orden_compra_id)
                .bind(r.fecha_recepcion)
                .bind(r.almacen_id)
                .bind(r.tipo.codigo())
                .bind(dec_opt(r.tipo_de_cambio))
                .bind(a_json(&r.lineas)?)
                .bind(&r.observaciones)
                .bind(r.recibido_por_id)
                .bind(a_microsegundos(r.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn listar_recepciones(
                &mut self,
                orden: Option<Uuid>,
                pagina: u32,
                tamanio: u32,
            ) -> Result<(Vec<Recepcion>, u64)> {
                let empresa = self.empresa;
                paginar(
                    &mut *self.tx,
                    columnas_recepciones!(),
                    |qb: &mut $drv::QueryBuilder<Db>| filtro_empresa(qb, "recepciones", empresa, "orden_compra_id", orden),
                    " ORDER BY creado_en_us DESC, id",
                    (pagina, tamanio),
                    fila_recepcion,
                )
                .await
            }

            // --- Security ----------------------------------------------------------------------

            async fn guardar_rol(&mut self, r: &erp_core::seguridad::Rol) -> Result<()> {
                $drv::query(
                    "INSERT INTO roles (empresa_id, id, codigo, nombre, descripcion, permisos, de_sistema, activo) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     nombre = excluded.nombre, descripcion = excluded.descripcion, permisos = excluded.permisos, \
                     de_sistema = excluded.de_sistema, activo = excluded.activo",
                )
                .bind(self.empresa)
                .bind(r.id)
                .bind(&r.codigo)
                .bind(&r.nombre)
                .bind(&r.descripcion)
                .bind(a_json(&r.permisos)?)
                .bind(r.de_sistema)
                .bind(r.activo)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn rol(&mut self, id: Uuid) -> Result<Option<erp_core::seguridad::Rol>> {
                self.por_id(concat!("SELECT ", columnas_roles!(), " FROM roles WHERE empresa_id = $1 AND id = $2"), id, fila_rol).await
            }

            async fn rol_por_codigo(&mut self, codigo: &str) -> Result<Option<erp_core::seguridad::Rol>> {
                $drv::query(concat!("SELECT ", columnas_roles!(), " FROM roles WHERE empresa_id = $1 AND codigo = $2"))
                    .bind(self.empresa)
                    .bind(codigo)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .map(|r| fila_rol(&r))
                    .transpose()
            }

            async fn roles(&mut self) -> Result<Vec<erp_core::seguridad::Rol>> {
                self.todas(concat!("SELECT ", columnas_roles!(), " FROM roles WHERE empresa_id = $1 ORDER BY codigo"), fila_rol).await
            }

            async fn guardar_usuario(&mut self, u: &erp_core::seguridad::Usuario) -> Result<()> {
                $drv::query(
                    "INSERT INTO usuarios (empresa_id, id, email, nombre, apellido, clave_hash, rol_id, activo, \
                     intentos_fallidos, bloqueado_hasta_us, ultimo_acceso_us, eliminado_en_us, creado_en_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (empresa_id, id) DO UPDATE SET nombre = excluded.nombre, \
                     apellido = excluded.apellido, clave_hash = excluded.clave_hash, rol_id = excluded.rol_id, \
                     activo = excluded.activo, intentos_fallidos = excluded.intentos_fallidos, \
                     bloqueado_hasta_us = excluded.bloqueado_hasta_us, ultimo_acceso_us = excluded.ultimo_acceso_us, \
                     eliminado_en_us = excluded.eliminado_en_us",
                )
                .bind(self.empresa)
                .bind(u.id)
                .bind(&u.email)
                .bind(&u.nombre)
                .bind(&u.apellido)
                .bind(&u.clave_hash)
                .bind(u.rol_id)
                .bind(u.activo)
                .bind(u.intentos_fallidos)
                .bind(u.bloqueado_hasta.map(a_microsegundos))
                .bind(u.ultimo_acceso.map(a_microsegundos))
                .bind(u.eliminado_en.map(a_microsegundos))
                .bind(a_microsegundos(u.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn usuario(&mut self, id: Uuid) -> Result<Option<erp_core::seguridad::Usuario>> {
                self.por_id(concat!("SELECT ", columnas_usuarios!(), " FROM usuarios WHERE empresa_id = $1 AND id = $2"), id, fila_usuario).await
            }

            async fn usuario_bloqueado(&mut self, id: Uuid) -> Result<Option<erp_core::seguridad::Usuario>> {
                self.por_id(concat!("SELECT ", columnas_usuarios!(), " FROM usuarios WHERE empresa_id = $1 AND id = $2", $fu), id, fila_usuario).await
            }

            async fn usuario_por_email(&mut self, email: &str) -> Result<Option<erp_core::seguridad::Usuario>> {
                $drv::query(concat!("SELECT ", columnas_usuarios!(), " FROM usuarios WHERE empresa_id = $1 \
                     AND email = $2 AND eliminado_en_us IS NULL"))
                    .bind(self.empresa)
                    .bind(email)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .map(|r| fila_usuario(&r))
                    .transpose()
            }

            async fn listar_usuarios(&mut self, texto: Option<&str>, pagina: u32, tamanio: u32) -> Result<(Vec<erp_core::seguridad::Usuario>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    qb.push(" FROM usuarios WHERE empresa_id = ");
                    qb.push_bind(empresa);
                    qb.push(" AND eliminado_en_us IS NULL");
                    filtro_texto(qb, texto, &["email", "nombre", "apellido"]);
                };
                paginar(&mut *self.tx, columnas_usuarios!(), filtros, " ORDER BY email, id", (pagina, tamanio), fila_usuario).await
            }

            async fn programar_trabajo(&mut self, t: &erp_core::trabajos::Trabajo) -> Result<bool> {
                // The partial unique index (one pending run per kind) turns a second into nothing.
                let n = $drv::query(
                    "INSERT INTO trabajos (empresa_id, id, tipo, estado, programado_us, reclamado_hasta_us, \
                     intentos, ultimo_error, resultado, creado_en_us, terminado_en_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                )
                .bind(self.empresa)
                .bind(t.id)
                .bind(t.tipo.codigo())
                .bind(t.estado.codigo())
                .bind(a_microsegundos(t.programado))
                .bind(t.reclamado_hasta.map(a_microsegundos))
                .bind(t.intentos)
                .bind(&t.ultimo_error)
                .bind(&t.resultado)
                .bind(a_microsegundos(t.creado_en))
                .bind(t.terminado_en.map(a_microsegundos))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .rows_affected();
                Ok(n > 0)
            }

            async fn trabajo_bloqueado(&mut self, id: Uuid) -> Result<Option<erp_core::trabajos::Trabajo>> {
                self.por_id(concat!("SELECT ", columnas_trabajos!(), " FROM trabajos WHERE empresa_id = $1 AND id = $2", $fu), id, fila_trabajo).await
            }

            async fn guardar_trabajo(&mut self, t: &erp_core::trabajos::Trabajo) -> Result<()> {
                $drv::query(
                    "UPDATE trabajos SET estado = $3, programado_us = $4, reclamado_hasta_us = $5, intentos = $6, \
                     ultimo_error = $7, resultado = $8, terminado_en_us = $9 WHERE empresa_id = $1 AND id = $2",
                )
                .bind(self.empresa)
                .bind(t.id)
                .bind(t.estado.codigo())
                .bind(a_microsegundos(t.programado))
                .bind(t.reclamado_hasta.map(a_microsegundos))
                .bind(t.intentos)
                .bind(&t.ultimo_error)
                .bind(&t.resultado)
                .bind(t.terminado_en.map(a_microsegundos))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn trabajos(&mut self, limite: u32) -> Result<Vec<erp_core::trabajos::Trabajo>> {
                $drv::query(concat!("SELECT ", columnas_trabajos!(), " FROM trabajos WHERE empresa_id = $1 \
                     ORDER BY programado_us DESC, id DESC LIMIT $2"))
                    .bind(self.empresa)
                    .bind(i64::from(limite.clamp(1, 1000)))
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .iter()
                    .map(fila_trabajo)
                    .collect()
            }

            async fn insertar_notificacion(&mut self, n: &erp_core::trabajos::Notificacion) -> Result<()> {
                $drv::query(
                    "INSERT INTO notificaciones (empresa_id, id, usuario_id, tipo, titulo, mensaje, leida, \
                     referencia_tipo, referencia_id, creado_en_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(self.empresa)
                .bind(n.id)
                .bind(n.usuario_id)
                .bind(&n.tipo)
                .bind(&n.titulo)
                .bind(&n.mensaje)
                .bind(n.leida)
                .bind(&n.referencia_tipo)
                .bind(n.referencia_id)
                .bind(a_microsegundos(n.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn notificados(&mut self, tipo: &str, referencias: &[Uuid], solo_sin_leer: bool) -> Result<std::collections::HashSet<(Uuid, Uuid)>> {
                let mut vistos = std::collections::HashSet::new();
                // In pieces: a statement takes a bounded number of parameters.
                for trozo in referencias.chunks(1000) {
                    let mut qb = $drv::QueryBuilder::<Db>::new(
                        "SELECT usuario_id, referencia_id FROM notificaciones WHERE empresa_id = ",
                    );
                    qb.push_bind(self.empresa);
                    qb.push(" AND tipo = ");
                    qb.push_bind(tipo);
                    if solo_sin_leer {
                        qb.push(" AND NOT leida");
                    }
                    qb.push(" AND referencia_id IN (");
                    let mut sep = qb.separated(", ");
                    for r in trozo {
                        sep.push_bind(*r);
                    }
                    qb.push(")");
                    let filas = qb.build().fetch_all(&mut *self.tx).await.map_err(error_sql)?;
                    for f in &filas {
                        vistos.insert((
                            f.try_get("usuario_id").map_err(error_sql)?,
                            f.try_get("referencia_id").map_err(error_sql)?,
                        ));
                    }
                }
                Ok(vistos)
            }

            async fn notificaciones(&mut self, usuario: Uuid, leida: Option<bool>, pagina: u32, tamanio: u32) -> Result<(Vec<erp_core::trabajos::Notificacion>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    qb.push(" FROM notificaciones WHERE empresa_id = ");
                    qb.push_bind(empresa);
                    qb.push(" AND usuario_id = ");
                    qb.push_bind(usuario);
                    if let Some(l) = leida {
                        qb.push(" AND leida = ");
                        qb.push_bind(l);
                    }
                };
                paginar(&mut *self.tx, columnas_notificaciones!(), filtros, " ORDER BY creado_en_us DESC, id DESC", (pagina, tamanio), fila_notificacion).await
            }

            async fn leer_notificaciones(&mut self, usuario: Uuid, id: Option<Uuid>) -> Result<u64> {
                let r = match id {
                    Some(id) => $drv::query(
                        "UPDATE notificaciones SET leida = TRUE WHERE empresa_id = $1 AND usuario_id = $2 AND id = $3",
                    )
                    .bind(self.empresa)
                    .bind(usuario)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await,
                    None => $drv::query(
                        "UPDATE notificaciones SET leida = TRUE WHERE empresa_id = $1 AND usuario_id = $2 AND NOT leida",
                    )
                    .bind(self.empresa)
                    .bind(usuario)
                    .execute(&mut *self.tx)
                    .await,
                };
                Ok(r.map_err(error_sql)?.rows_affected())
            }

            async fn guardar_sesion(&mut self, x: &erp_core::seguridad::Sesion) -> Result<()> {
                $drv::query(
                    "INSERT INTO sesiones (empresa_id, id, usuario_id, ip, agente, creada_en_us, expira_en_us, \
                     revocada_en_us, reemplazada_por) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (empresa_id, id) DO UPDATE SET revocada_en_us = excluded.revocada_en_us, \
                     reemplazada_por = excluded.reemplazada_por",
                )
                .bind(self.empresa)
                .bind(x.id)
                .bind(x.usuario_id)
                .bind(&x.ip)
                .bind(&x.agente)
                .bind(a_microsegundos(x.creada_en))
                .bind(a_microsegundos(x.expira_en))
                .bind(x.revocada_en.map(a_microsegundos))
                .bind(x.reemplazada_por)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn credencial(&mut self, usuario: Uuid, sesion: Option<Uuid>) -> Result<Option<erp_core::seguridad::Credencial>> {
                // One statement for what every request checks, instead of four (inside the read
                // unit of work the engine opens around it).
                let r = $drv::query(
                    "SELECT e.activa AS e_activa, e.plan AS e_plan, \
                     u.id, u.email, u.nombre, u.apellido, u.clave_hash, u.rol_id, u.activo, u.intentos_fallidos, \
                     u.bloqueado_hasta_us, u.ultimo_acceso_us, u.eliminado_en_us, u.creado_en_us, \
                     r.id AS r_id, r.codigo AS r_codigo, r.nombre AS r_nombre, r.descripcion AS r_descripcion, \
                     r.permisos AS r_permisos, r.de_sistema AS r_de_sistema, r.activo AS r_activo, \
                     s.id AS s_id, s.usuario_id AS s_usuario_id, s.ip AS s_ip, s.agente AS s_agente, \
                     s.creada_en_us AS s_creada_en_us, s.expira_en_us AS s_expira_en_us, \
                     s.revocada_en_us AS s_revocada_en_us, s.reemplazada_por AS s_reemplazada_por \
                     FROM usuarios u \
                     JOIN empresas e ON e.id = u.empresa_id \
                     JOIN roles r ON r.empresa_id = u.empresa_id AND r.id = u.rol_id \
                     LEFT JOIN sesiones s ON s.empresa_id = u.empresa_id AND s.id = $3 \
                     WHERE u.empresa_id = $1 AND u.id = $2",
                )
                .bind(self.empresa)
                .bind(usuario)
                .bind(sesion)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                let Some(r) = r else { return Ok(None) };
                let sesion = match r.try_get::<Option<Uuid>, _>("s_id").map_err(error_sql)? {
                    Some(id) => Some(erp_core::seguridad::Sesion {
                        id,
                        usuario_id: r.try_get("s_usuario_id").map_err(error_sql)?,
                        ip: r.try_get("s_ip").map_err(error_sql)?,
                        agente: r.try_get("s_agente").map_err(error_sql)?,
                        creada_en: desde_microsegundos(r.try_get("s_creada_en_us").map_err(error_sql)?),
                        expira_en: desde_microsegundos(r.try_get("s_expira_en_us").map_err(error_sql)?),
                        revocada_en: instante(&r, "s_revocada_en_us")?,
                        reemplazada_por: r.try_get("s_reemplazada_por").map_err(error_sql)?,
                    }),
                    None => None,
                };
                Ok(Some(erp_core::seguridad::Credencial {
                    empresa_activa: r.try_get("e_activa").map_err(error_sql)?,
                    plan: desde_json(&r, "e_plan")?,
                    sesion,
                    usuario: fila_usuario(&r)?,
                    rol: erp_core::seguridad::Rol {
                        id: r.try_get("r_id").map_err(error_sql)?,
                        codigo: r.try_get("r_codigo").map_err(error_sql)?,
                        nombre: r.try_get("r_nombre").map_err(error_sql)?,
                        descripcion: r.try_get("r_descripcion").map_err(error_sql)?,
                        permisos: desde_json(&r, "r_permisos")?,
                        de_sistema: r.try_get("r_de_sistema").map_err(error_sql)?,
                        activo: r.try_get("r_activo").map_err(error_sql)?,
                    },
                }))
            }

            async fn contar_usuarios_activos(&mut self) -> Result<u64> {
                let n: i64 = $drv::query(
                    "SELECT COUNT(*) FROM usuarios WHERE empresa_id = $1 AND activo AND eliminado_en_us IS NULL",
                )
                .bind(self.empresa)
                .fetch_one(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .try_get(0)
                .map_err(error_sql)?;
                Ok(n.max(0) as u64)
            }

            async fn contar_comprobantes_desde(&mut self, desde: time::Date) -> Result<u64> {
                let n: i64 = $drv::query(
                    "SELECT COUNT(*) FROM comprobantes WHERE empresa_id = $1 AND fecha_emision >= $2",
                )
                .bind(self.empresa)
                .bind(desde)
                .fetch_one(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .try_get(0)
                .map_err(error_sql)?;
                Ok(n.max(0) as u64)
            }

            #[allow(clippy::const_is_empty)]
            async fn bloquear_empresa(&mut self) -> Result<()> {
                // SQLite's units of work that write already run one at a time (BEGIN IMMEDIATE).
                if $fu.is_empty() || self.empresa_bloqueada {
                    return Ok(());
                }
                $drv::query("SELECT 1 FROM empresas WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(self.empresa)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(error_sql)?;
                self.empresa_bloqueada = true;
                Ok(())
            }

            async fn sesion_bloqueada(&mut self, id: Uuid) -> Result<Option<erp_core::seguridad::Sesion>> {
                self.por_id(concat!(
                    "SELECT id, usuario_id, ip, agente, creada_en_us, expira_en_us, revocada_en_us, reemplazada_por \
                     FROM sesiones WHERE empresa_id = $1 AND id = $2",
                    $fu
                ), id, fila_sesion).await
            }

            async fn revocar_sesiones(&mut self, usuario: Uuid, ahora: time::OffsetDateTime) -> Result<()> {
                $drv::query(
                    "UPDATE sesiones SET revocada_en_us = $3 WHERE empresa_id = $1 AND usuario_id = $2 \
                     AND revocada_en_us IS NULL",
                )
                .bind(self.empresa)
                .bind(usuario)
                .bind(a_microsegundos(ahora))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn registrar_evento(&mut self, e: &erp_core::seguridad::EventoAuditoria) -> Result<()> {
                $drv::query(
                    "INSERT INTO auditoria (empresa_id, id, usuario_id, accion, modulo, detalle, ip, creado_en_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(self.empresa)
                .bind(e.id)
                .bind(e.usuario_id)
                .bind(&e.accion)
                .bind(&e.modulo)
                .bind(&e.detalle)
                .bind(&e.ip)
                .bind(a_microsegundos(e.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn eventos(&mut self, f: &erp_core::seguridad::FiltroAuditoria) -> Result<(Vec<erp_core::seguridad::EventoAuditoria>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    filtro_empresa(qb, "auditoria", empresa, "usuario_id", f.usuario_id);
                    if let Some(a) = &f.accion {
                        qb.push(" AND accion = ");
                        qb.push_bind(a.clone());
                    }
                    if let Some(m) = &f.modulo {
                        qb.push(" AND modulo = ");
                        qb.push_bind(m.clone());
                    }
                };
                paginar(
                    &mut *self.tx,
                    "id, usuario_id, accion, modulo, detalle, ip, creado_en_us",
                    filtros,
                    " ORDER BY creado_en_us DESC, id DESC",
                    (f.pagina, f.tamanio_pagina),
                    fila_evento,
                )
                .await
            }

            async fn empresa(&mut self) -> Result<Empresa> {
                // A sale asks for its company several times; within one unit of work the
                // first answer stands (only `actualizar_empresa` and `guardar_plan` below change it).
                if let Some(e) = &self.empresa_leida {
                    return Ok(e.clone());
                }
                let e = leer_empresa(&mut *self.tx, self.empresa).await?.ok_or_else(|| {
                    Error::no_encontrado("empresa", "la empresa no existe")
                })?;
                self.empresa_leida = Some(e.clone());
                Ok(e)
            }

            async fn actualizar_empresa(&mut self, e: &Empresa) -> Result<()> {
                self.empresa_leida = None;
                let ajustes = a_json(&e.ajustes)?;
                $drv::query(
                    "UPDATE empresas SET razon_social = $2, nombre_comercial = $3, direccion = $4, \
                     subdominio = $5, ajustes = $6, activa = $7 WHERE id = $1",
                )
                .bind(self.empresa)
                .bind(&e.razon_social)
                .bind(&e.nombre_comercial)
                .bind(&e.direccion)
                .bind(&e.subdominio)
                .bind(ajustes)
                .bind(e.activa)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn guardar_plan(&mut self, plan: &erp_core::seguridad::Plan) -> Result<()> {
                self.empresa_leida = None;
                let plan = a_json(plan)?;
                $drv::query("UPDATE empresas SET plan = $2 WHERE id = $1")
                    .bind(self.empresa)
                    .bind(plan)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(error_sql)?;
                Ok(())
            }

            async fn configuracion(&mut self, clave: &str) -> Result<Option<ConfiguracionEmpresa>> {
                let r = $drv::query(
                    concat!("SELECT ", columnas_configuracion_empresa!(), " FROM configuracion_empresa \
                     WHERE empresa_id = $1 AND clave = $2"),
                )
                .bind(self.empresa)
                .bind(clave)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_configuracion(&r)).transpose()
            }

            async fn listar_configuracion(&mut self) -> Result<Vec<ConfiguracionEmpresa>> {
                self.todas(concat!("SELECT ", columnas_configuracion_empresa!(), " FROM configuracion_empresa \
                     WHERE empresa_id = $1 ORDER BY clave"), fila_configuracion).await
            }

            async fn guardar_configuracion(&mut self, c: &ConfiguracionEmpresa) -> Result<()> {
                $drv::query(
                    "INSERT INTO configuracion_empresa (empresa_id, clave, tipo_dato, valor, descripcion) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (empresa_id, clave) DO UPDATE SET \
                     tipo_dato = excluded.tipo_dato, valor = excluded.valor, \
                     descripcion = excluded.descripcion",
                )
                .bind(self.empresa)
                .bind(&c.clave)
                .bind(c.tipo_dato.codigo())
                .bind(&c.valor)
                .bind(&c.descripcion)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn siguiente_contador(&mut self, clave: &str) -> Result<i64> {
                $drv::query_scalar(
                    "INSERT INTO contadores (empresa_id, clave, valor) VALUES ($1, $2, 1) \
                     ON CONFLICT (empresa_id, clave) DO UPDATE SET valor = contadores.valor + 1 \
                     RETURNING valor",
                )
                .bind(self.empresa)
                .bind(clave)
                .fetch_one(&mut *self.tx)
                .await
                .map_err(error_sql)
            }

            async fn guardar_categoria(&mut self, c: &Categoria) -> Result<()> {
                $drv::query(
                    "INSERT INTO categorias (empresa_id, id, nombre, descripcion, padre_id, activa) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     nombre = excluded.nombre, descripcion = excluded.descripcion, \
                     padre_id = excluded.padre_id, activa = excluded.activa",
                )
                .bind(self.empresa)
                .bind(c.id)
                .bind(&c.nombre)
                .bind(&c.descripcion)
                .bind(c.padre_id)
                .bind(c.activa)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn categoria(&mut self, id: Uuid) -> Result<Option<Categoria>> {
                self.por_id(concat!("SELECT ", columnas_categorias!(), " FROM categorias \
                     WHERE empresa_id = $1 AND id = $2"), id, fila_categoria).await
            }

            async fn listar_categorias(&mut self) -> Result<Vec<Categoria>> {
                self.todas(concat!("SELECT ", columnas_categorias!(), " FROM categorias \
                     WHERE empresa_id = $1 ORDER BY nombre, id"), fila_categoria).await
            }

            async fn guardar_marca(&mut self, m: &Marca) -> Result<()> {
                $drv::query(
                    "INSERT INTO marcas (empresa_id, id, nombre, activa) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (empresa_id, id) DO UPDATE SET nombre = excluded.nombre, \
                     activa = excluded.activa",
                )
                .bind(self.empresa)
                .bind(m.id)
                .bind(&m.nombre)
                .bind(m.activa)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn marca(&mut self, id: Uuid) -> Result<Option<Marca>> {
                self.por_id(concat!("SELECT ", columnas_marcas!(), " FROM marcas WHERE empresa_id = $1 AND id = $2"), id, fila_marca).await
            }

            async fn listar_marcas(&mut self) -> Result<Vec<Marca>> {
                self.todas(concat!("SELECT ", columnas_marcas!(), " FROM marcas WHERE empresa_id = $1 ORDER BY nombre, id"), fila_marca).await
            }

            async fn guardar_almacen(&mut self, a: &Almacen) -> Result<()> {
                $drv::query(
                    "INSERT INTO almacenes (empresa_id, id, nombre, direccion, sucursal, es_principal, activo) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     nombre = excluded.nombre, direccion = excluded.direccion, \
                     sucursal = excluded.sucursal, es_principal = excluded.es_principal, \
                     activo = excluded.activo",
                )
                .bind(self.empresa)
                .bind(a.id)
                .bind(&a.nombre)
                .bind(&a.direccion)
                .bind(&a.sucursal)
                .bind(a.es_principal)
                .bind(a.activo)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn almacen(&mut self, id: Uuid) -> Result<Option<Almacen>> {
                self.por_id(concat!("SELECT ", columnas_almacenes!(), " FROM almacenes \
                     WHERE empresa_id = $1 AND id = $2"), id, fila_almacen).await
            }

            async fn listar_almacenes(&mut self) -> Result<Vec<Almacen>> {
                self.todas(concat!("SELECT ", columnas_almacenes!(), " FROM almacenes \
                     WHERE empresa_id = $1 ORDER BY nombre, id"), fila_almacen).await
            }

            async fn guardar_producto(&mut self, p: &Producto) -> Result<()> {
                $drv::query(
                    "INSERT INTO productos (empresa_id, id, codigo, codigo_barras, nombre, descripcion, \
                     categoria_id, marca_id, unidad_medida, afectacion_igv, tarifa_iva, icbper, \
                     ice_codigo, ice_tarifa, precio_venta, precio_incluye_impuesto, costo, \
                     stock_minimo, stock_maximo, requiere_serie, requiere_lote, es_servicio, activo, \
                     eliminado_en_us, creado_en_us, actualizado_en_us) VALUES ($1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
                     $23, $24, $25, $26) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     codigo = excluded.codigo, codigo_barras = excluded.codigo_barras, \
                     nombre = excluded.nombre, descripcion = excluded.descripcion, \
                     categoria_id = excluded.categoria_id, marca_id = excluded.marca_id, \
                     unidad_medida = excluded.unidad_medida, afectacion_igv = excluded.afectacion_igv, \
                     tarifa_iva = excluded.tarifa_iva, icbper = excluded.icbper, \
                     ice_codigo = excluded.ice_codigo, ice_tarifa = excluded.ice_tarifa, \
                     precio_venta = excluded.precio_venta, \
                     precio_incluye_impuesto = excluded.precio_incluye_impuesto, \
                     costo = excluded.costo, stock_minimo = excluded.stock_minimo, \
                     stock_maximo = excluded.stock_maximo, requiere_serie = excluded.requiere_serie, \
                     requiere_lote = excluded.requiere_lote, es_servicio = excluded.es_servicio, \
                     activo = excluded.activo, eliminado_en_us = excluded.eliminado_en_us, \
                     actualizado_en_us = excluded.actualizado_en_us",
                )
                .bind(self.empresa)
                .bind(p.id)
                .bind(&p.codigo)
                .bind(&p.codigo_barras)
                .bind(&p.nombre)
                .bind(&p.descripcion)
                .bind(p.categoria_id)
                .bind(p.marca_id)
                .bind(&p.unidad_medida)
                .bind(p.afectacion_igv.codigo())
                .bind(p.tarifa_iva.codigo())
                .bind(p.icbper)
                .bind(&p.ice_codigo)
                .bind(dec_opt(p.ice_tarifa))
                .bind(dec(p.precio_venta))
                .bind(p.precio_incluye_impuesto)
                .bind(dec(p.costo))
                .bind(dec(p.stock_minimo))
                .bind(dec(p.stock_maximo))
                .bind(p.requiere_serie)
                .bind(p.requiere_lote)
                .bind(p.es_servicio)
                .bind(p.activo)
                .bind(p.eliminado_en.map(a_microsegundos))
                .bind(a_microsegundos(p.creado_en))
                .bind(a_microsegundos(p.actualizado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn producto(&mut self, id: Uuid) -> Result<Option<Producto>> {
                self.por_id(concat!("SELECT ", columnas_productos!(), " FROM productos WHERE empresa_id = $1 AND id = $2"), id, fila_producto).await
            }

            async fn producto_por_codigo(&mut self, codigo: &str) -> Result<Option<Producto>> {
                let r = $drv::query(concat!("SELECT ", columnas_productos!(), " FROM productos WHERE empresa_id = $1 AND \
                     (codigo = $2 OR (codigo_barras = $2 AND codigo_barras <> '')) \
                     ORDER BY (codigo = $2) DESC LIMIT 1"))
                .bind(self.empresa)
                .bind(codigo)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_producto(&r)).transpose()
            }

            async fn productos_por_codigos(&mut self, codigos: &[String]) -> Result<Vec<Producto>> {
                if codigos.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = $drv::QueryBuilder::<Db>::new(
                    concat!("SELECT ", columnas_productos!(), " FROM productos WHERE empresa_id = "),
                );
                qb.push_bind(self.empresa);
                qb.push(" AND (codigo IN (");
                let mut sep = qb.separated(", ");
                for c in codigos {
                    sep.push_bind(c.as_str());
                }
                qb.push(") OR (codigo_barras <> '' AND codigo_barras IN (");
                let mut sep = qb.separated(", ");
                for c in codigos {
                    sep.push_bind(c.as_str());
                }
                qb.push(")))");
                let filas = qb.build().fetch_all(&mut *self.tx).await.map_err(error_sql)?;
                filas.iter().map(fila_producto).collect()
            }

            async fn buscar_productos(&mut self, f: &FiltroProductos) -> Result<(Vec<Producto>, u64)> {
                let empresa = self.empresa;
                let filtros = |qb: &mut $drv::QueryBuilder<Db>| {
                    qb.push(" FROM productos WHERE empresa_id = ");
                    qb.push_bind(empresa);
                    qb.push(" AND eliminado_en_us IS NULL AND activo = ");
                    qb.push_bind(f.activo.unwrap_or(true));
                    filtro_texto(qb, f.texto.as_deref(), &["nombre", "codigo", "codigo_barras"]);
                    if let Some(c) = f.categoria_id {
                        qb.push(" AND categoria_id = ");
                        qb.push_bind(c);
                    }
                    if let Some(m) = f.marca_id {
                        qb.push(" AND marca_id = ");
                        qb.push_bind(m);
                    }
                    if let Some(p) = f.precio_min {
                        qb.push(concat!(" AND ", $num_precio, " >= "));
                        bind_numero(qb, p);
                    }
                    if let Some(p) = f.precio_max {
                        qb.push(concat!(" AND ", $num_precio, " <= "));
                        bind_numero(qb, p);
                    }
                };
                let orden = match f.orden {
                    OrdenProductos::Nombre => " ORDER BY nombre, id",
                    OrdenProductos::NombreDesc => " ORDER BY nombre DESC, id",
                    OrdenProductos::Codigo => " ORDER BY codigo",
                    OrdenProductos::PrecioVenta => concat!(" ORDER BY ", $num_precio, ", id"),
                    OrdenProductos::PrecioVentaDesc => concat!(" ORDER BY ", $num_precio, " DESC, id"),
                    OrdenProductos::Recientes => " ORDER BY creado_en_us DESC, id",
                };
                paginar(
                    &mut *self.tx,
                    columnas_productos!(),
                    filtros,
                    orden,
                    (f.pagina, f.tamanio_pagina),
                    fila_producto,
                )
                .await
            }

            async fn bloquear_stocks(&mut self, pares: &[(Uuid, Uuid)]) -> Result<()> {
                let mut pares = pares.to_vec();
                pares.sort();
                pares.dedup();
                pares.retain(|p| !self.bloqueados.contains_key(p));
                if pares.len() < 2 || !BLOQUEO_EN_BLOQUE {
                    return Ok(()); // `stock_bloqueado` reads each row as cheaply
                }
                let mut qb = $drv::QueryBuilder::<Db>::new(
                    concat!("SELECT ", columnas_stock!(), " FROM stock WHERE empresa_id = "),
                );
                qb.push_bind(self.empresa);
                qb.push(" AND (");
                for (i, (producto, almacen)) in pares.iter().enumerate() {
                    qb.push(if i == 0 { "(producto_id = " } else { " OR (producto_id = " });
                    qb.push_bind(*producto);
                    qb.push(" AND almacen_id = ");
                    qb.push_bind(*almacen);
                    qb.push(")");
                }
                qb.push(") ORDER BY producto_id, almacen_id");
                qb.push($fu);
                let filas = qb.build().fetch_all(&mut *self.tx).await.map_err(error_sql)?;
                for r in &filas {
                    let s = fila_stock(r)?;
                    self.bloqueados.insert((s.producto_id, s.almacen_id), s);
                }
                Ok(())
            }

            async fn stock_bloqueado(&mut self, producto: Uuid, almacen: Uuid) -> Result<Option<Stock>> {
                if let Some(s) = self.bloqueados.get(&(producto, almacen)) {
                    return Ok(Some(s.clone()));
                }
                let leer = || {
                    $drv::query(concat!(
                        concat!("SELECT ", columnas_stock!(), " FROM stock WHERE empresa_id = $1 AND \
                         producto_id = $2 AND almacen_id = $3"),
                        $fu
                    ))
                    .bind(self.empresa)
                    .bind(producto)
                    .bind(almacen)
                };
                if let Some(r) = leer().fetch_optional(&mut *self.tx).await.map_err(error_sql)? {
                    return fila_stock(&r).map(Some);
                }
                // The row is made first when missing, so that two first movements of a product in
                // a warehouse also wait for each other.
                $drv::query(
                    "INSERT INTO stock (empresa_id, producto_id, almacen_id, cantidad, reservado, valor, \
                     costo_promedio, ultima_fecha_us, ultima_secuencia) VALUES ($1, $2, $3, $4, $4, $4, \
                     $4, $5, 0) ON CONFLICT (empresa_id, producto_id, almacen_id) DO NOTHING",
                )
                .bind(self.empresa)
                .bind(producto)
                .bind(almacen)
                .bind(dec(rust_decimal::Decimal::ZERO))
                .bind(i64::MIN)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                let r = leer().fetch_optional(&mut *self.tx).await.map_err(error_sql)?;
                r.map(|r| fila_stock(&r)).transpose()
            }

            async fn guardar_stock(&mut self, s: &Stock) -> Result<()> {
                if let Some(b) = self.bloqueados.get_mut(&(s.producto_id, s.almacen_id)) {
                    *b = s.clone();
                }
                $drv::query(
                    "INSERT INTO stock (empresa_id, producto_id, almacen_id, cantidad, reservado, valor, \
                     costo_promedio, ultima_fecha_us, ultima_secuencia) VALUES ($1, $2, $3, $4, $5, $6, \
                     $7, $8, $9) ON CONFLICT (empresa_id, producto_id, almacen_id) DO UPDATE SET \
                     cantidad = excluded.cantidad, reservado = excluded.reservado, \
                     valor = excluded.valor, costo_promedio = excluded.costo_promedio, \
                     ultima_fecha_us = excluded.ultima_fecha_us, \
                     ultima_secuencia = excluded.ultima_secuencia",
                )
                .bind(self.empresa)
                .bind(s.producto_id)
                .bind(s.almacen_id)
                .bind(dec(s.cantidad))
                .bind(dec(s.reservado))
                .bind(dec(s.valor))
                .bind(dec(s.costo_promedio))
                .bind(s.ultima_fecha_us)
                .bind(s.ultima_secuencia)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn listar_stock(&mut self, producto: Option<Uuid>, almacen: Option<Uuid>) -> Result<Vec<Stock>> {
                let mut qb = $drv::QueryBuilder::<Db>::new(
                    concat!("SELECT ", columnas_stock!(), " FROM stock WHERE empresa_id = "),
                );
                qb.push_bind(self.empresa);
                if let Some(p) = producto {
                    qb.push(" AND producto_id = ");
                    qb.push_bind(p);
                }
                if let Some(a) = almacen {
                    qb.push(" AND almacen_id = ");
                    qb.push_bind(a);
                }
                qb.push(" ORDER BY producto_id, almacen_id");
                qb.build()
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .iter()
                    .map(fila_stock)
                    .collect()
            }

            async fn insertar_movimiento(&mut self, m: &MovimientoStock) -> Result<()> {
                // Held back and written with the others in one statement per table when something
                // reads the ledger or the unit of work commits: a sale of three lines writes its
                // movements in two round trips instead of six.
                self.pendientes.push(m.clone());
                if self.pendientes.len() >= 500 {
                    self.escribir_pendientes().await?;
                }
                Ok(())
            }

            async fn movimiento(&mut self, id: Uuid) -> Result<Option<MovimientoStock>> {
                self.escribir_pendientes().await?;
                self.por_id(concat!(
                    concat!("SELECT ", columnas_movimiento!(), " FROM movimientos_stock m JOIN kardex k ON k.empresa_id = m.empresa_id \
                     AND k.movimiento_id = m.id "),
                    "WHERE m.empresa_id = $1 AND m.id = $2"
                ), id, fila_movimiento).await
            }

            async fn movimiento_anterior(
                &mut self,
                producto: Uuid,
                almacen: Uuid,
                fecha_us: i64,
                secuencia: i64,
            ) -> Result<Option<MovimientoStock>> {
                self.escribir_pendientes().await?;
                let r = $drv::query(concat!(
                    concat!("SELECT ", columnas_movimiento!(), " FROM kardex k JOIN movimientos_stock m ON m.empresa_id = k.empresa_id \
                     AND m.id = k.movimiento_id "),
                    "WHERE k.empresa_id = $1 AND k.producto_id = $2 AND k.almacen_id = $3 \
                     AND (k.fecha_us, k.secuencia) < ($4, $5) \
                     ORDER BY k.fecha_us DESC, k.secuencia DESC LIMIT 1"
                ))
                .bind(self.empresa)
                .bind(producto)
                .bind(almacen)
                .bind(fecha_us)
                .bind(secuencia)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                r.map(|r| fila_movimiento(&r)).transpose()
            }

            async fn kardex_posterior(
                &mut self,
                producto: Uuid,
                almacen: Uuid,
                fecha_us: i64,
                secuencia: i64,
            ) -> Result<Vec<FilaKardex>> {
                self.escribir_pendientes().await?;
                // Read by position: this is the hot loop of a backdated movement.
                let mut filas = $drv::query(
                    "SELECT movimiento_id, secuencia, fecha_us, tipo, cantidad, costo_unitario, valor, \
                     cantidad_saldo, valor_saldo, costo_promedio_saldo, movimiento_relacionado_id, \
                     aprobado_por FROM kardex WHERE empresa_id = $1 AND producto_id = $2 \
                     AND almacen_id = $3 AND (fecha_us, secuencia) > ($4, $5) \
                     ORDER BY fecha_us, secuencia",
                )
                .bind(self.empresa)
                .bind(producto)
                .bind(almacen)
                .bind(fecha_us)
                .bind(secuencia)
                .fetch(&mut *self.tx);
                let mut out = Vec::new();
                while let Some(r) = futures_util::TryStreamExt::try_next(&mut filas).await.map_err(error_sql)? {
                    let r = &r;
                    out.push(FilaKardex {
                        id: r.try_get(0).map_err(error_sql)?,
                        secuencia: r.try_get(1).map_err(error_sql)?,
                        fecha_us: r.try_get(2).map_err(error_sql)?,
                        tipo: comun::tipo_movimiento(&r.try_get::<String, _>(3).map_err(error_sql)?)?,
                        cantidad: leer_dec(r, 4)?,
                        costo_unitario: leer_dec(r, 5)?,
                        valor: leer_dec(r, 6)?,
                        cantidad_saldo: leer_dec(r, 7)?,
                        valor_saldo: leer_dec(r, 8)?,
                        costo_promedio_saldo: leer_dec(r, 9)?,
                        movimiento_relacionado_id: r.try_get(10).map_err(error_sql)?,
                        aprobado_por: r.try_get(11).map_err(error_sql)?,
                    });
                }
                Ok(out)
            }

            async fn actualizar_saldos(
                &mut self,
                producto: Uuid,
                almacen: Uuid,
                desde: (i64, i64),
                saldos: &[SaldoMovimiento],
            ) -> Result<()> {
                if saldos.is_empty() {
                    return Ok(());
                }
                self.escribir_pendientes().await?;
                let rango = Rango { empresa: self.empresa, producto, almacen, desde };
                actualizar_saldos(&mut self.tx, &rango, saldos).await
            }

            async fn listar_movimientos(&mut self, f: &FiltroMovimientos) -> Result<Vec<MovimientoStock>> {
                self.escribir_pendientes().await?;
                let mut qb = $drv::QueryBuilder::<Db>::new(SELECT_MOVIMIENTO);
                qb.push(" WHERE m.empresa_id = ");
                qb.push_bind(self.empresa);
                if let Some(p) = f.producto_id {
                    qb.push(" AND m.producto_id = ");
                    qb.push_bind(p);
                }
                if let Some(a) = f.almacen_id {
                    qb.push(" AND m.almacen_id = ");
                    qb.push_bind(a);
                }
                if let Some(t) = f.tipo {
                    qb.push(" AND m.tipo = ");
                    qb.push_bind(t.codigo());
                }
                if let Some(d) = f.desde_us {
                    qb.push(" AND m.fecha_us >= ");
                    qb.push_bind(d);
                }
                if let Some(h) = f.hasta_us {
                    qb.push(" AND m.fecha_us <= ");
                    qb.push_bind(h);
                }
                if let Some((fecha, secuencia, id)) = f.antes_de {
                    qb.push(" AND (m.fecha_us, m.secuencia, m.id) < (");
                    qb.push_bind(fecha);
                    qb.push(", ");
                    qb.push_bind(secuencia);
                    qb.push(", ");
                    qb.push_bind(id);
                    qb.push(")");
                }
                qb.push(" ORDER BY m.fecha_us DESC, m.secuencia DESC, m.id DESC LIMIT ");
                qb.push_bind(i64::from(f.limite.clamp(1, 1000)));
                qb.build()
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .iter()
                    .map(fila_movimiento)
                    .collect()
            }

            async fn guardar_lote(&mut self, l: &Lote) -> Result<()> {
                $drv::query(
                    "INSERT INTO lotes (empresa_id, id, producto_id, almacen_id, numero_lote, \
                     fecha_vencimiento, cantidad_inicial, cantidad_actual, creado_en_us) VALUES ($1, \
                     $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (empresa_id, id) DO UPDATE SET \
                     fecha_vencimiento = excluded.fecha_vencimiento, \
                     cantidad_inicial = excluded.cantidad_inicial, \
                     cantidad_actual = excluded.cantidad_actual",
                )
                .bind(self.empresa)
                .bind(l.id)
                .bind(l.producto_id)
                .bind(l.almacen_id)
                .bind(&l.numero_lote)
                .bind(l.fecha_vencimiento)
                .bind(dec(l.cantidad_inicial))
                .bind(dec(l.cantidad_actual))
                .bind(a_microsegundos(l.creado_en))
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn lotes_bloqueados(&mut self, producto: Uuid, almacen: Uuid) -> Result<Vec<Lote>> {
                $drv::query(concat!(
                    "SELECT id, producto_id, almacen_id, numero_lote, fecha_vencimiento, \
                     cantidad_inicial, cantidad_actual, creado_en_us FROM lotes WHERE empresa_id = $1 \
                     AND producto_id = $2 AND almacen_id = $3 \
                     ORDER BY (fecha_vencimiento IS NULL), fecha_vencimiento, creado_en_us, id",
                    $fu
                ))
                .bind(self.empresa)
                .bind(producto)
                .bind(almacen)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .iter()
                .map(fila_lote)
                .collect()
            }

            async fn guardar_serie(&mut self, s: &SerieProducto) -> Result<()> {
                $drv::query(
                    "INSERT INTO series (empresa_id, id, producto_id, numero_serie, estado, almacen_id, \
                     fecha_ingreso, ultimo_movimiento_id, referencia_tipo, referencia_id, observaciones) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (empresa_id, id) \
                     DO UPDATE SET estado = excluded.estado, almacen_id = excluded.almacen_id, \
                     ultimo_movimiento_id = excluded.ultimo_movimiento_id, \
                     referencia_tipo = excluded.referencia_tipo, referencia_id = excluded.referencia_id, \
                     observaciones = excluded.observaciones",
                )
                .bind(self.empresa)
                .bind(s.id)
                .bind(s.producto_id)
                .bind(&s.numero_serie)
                .bind(s.estado.codigo())
                .bind(s.almacen_id)
                .bind(s.fecha_ingreso)
                .bind(s.ultimo_movimiento_id)
                .bind(s.referencia_tipo.map(|r| r.codigo()))
                .bind(s.referencia_id)
                .bind(&s.observaciones)
                .execute(&mut *self.tx)
                .await
                .map_err(error_sql)?;
                Ok(())
            }

            async fn series_bloqueadas(&mut self, producto: Uuid, numeros: &[String]) -> Result<Vec<SerieProducto>> {
                if numeros.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = $drv::QueryBuilder::<Db>::new(
                    concat!("SELECT ", columnas_series!(), " FROM series \
                     WHERE empresa_id = "),
                );
                qb.push_bind(self.empresa);
                qb.push(" AND producto_id = ");
                qb.push_bind(producto);
                qb.push(" AND numero_serie IN (");
                let mut sep = qb.separated(", ");
                for n in numeros {
                    sep.push_bind(n.clone());
                }
                qb.push(") ORDER BY numero_serie");
                qb.push($fu);
                qb.build()
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(error_sql)?
                    .iter()
                    .map(fila_serie)
                    .collect()
            }

            async fn listar_series(&mut self, producto: Uuid) -> Result<Vec<SerieProducto>> {
                $drv::query(
                    concat!("SELECT ", columnas_series!(), " FROM series \
                     WHERE empresa_id = $1 AND producto_id = $2 ORDER BY numero_serie"),
                )
                .bind(self.empresa)
                .bind(producto)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(error_sql)?
                .iter()
                .map(fila_serie)
                .collect()
            }
        }

        fn fila_cliente(r: &Fila) -> Result<Cliente> {
            let tipo: String = r.try_get("tipo_documento").map_err(error_sql)?;
            Ok(Cliente {
                id: r.try_get("id").map_err(error_sql)?,
                tipo_documento: TipoDocumentoCliente::desde_codigo(&tipo).ok_or_else(|| comun::corrupto("tipo_documento", &tipo))?,
                numero_documento: r.try_get("numero_documento").map_err(error_sql)?,
                razon_social: r.try_get("razon_social").map_err(error_sql)?,
                direccion: r.try_get("direccion").map_err(error_sql)?,
                email: r.try_get("email").map_err(error_sql)?,
                telefono: r.try_get("telefono").map_err(error_sql)?,
                limite_credito: leer_dec(r, "limite_credito")?,
                dias_credito: r.try_get("dias_credito").map_err(error_sql)?,
                es_varios: r.try_get("es_varios").map_err(error_sql)?,
                activo: r.try_get("activo").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_proveedor(r: &Fila) -> Result<Proveedor> {
            Ok(Proveedor {
                id: r.try_get("id").map_err(error_sql)?,
                ruc: r.try_get("ruc").map_err(error_sql)?,
                razon_social: r.try_get("razon_social").map_err(error_sql)?,
                nombre_comercial: r.try_get("nombre_comercial").map_err(error_sql)?,
                direccion: r.try_get("direccion").map_err(error_sql)?,
                email: r.try_get("email").map_err(error_sql)?,
                telefono: r.try_get("telefono").map_err(error_sql)?,
                contacto: r.try_get("contacto").map_err(error_sql)?,
                dias_credito: r.try_get("dias_credito").map_err(error_sql)?,
                activo: r.try_get("activo").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_serie_comprobante(r: &Fila) -> Result<SerieComprobante> {
            let tipo: String = r.try_get("tipo").map_err(error_sql)?;
            let afectado: Option<String> = r.try_get("documento_afectado").map_err(error_sql)?;
            Ok(SerieComprobante {
                id: r.try_get("id").map_err(error_sql)?,
                tipo: TipoComprobante::desde_codigo(&tipo).ok_or_else(|| comun::corrupto("tipo", &tipo))?,
                serie: r.try_get("serie").map_err(error_sql)?,
                documento_afectado: afectado
                    .map(|a| TipoComprobante::desde_codigo(&a).ok_or_else(|| comun::corrupto("documento_afectado", &a)))
                    .transpose()?,
                correlativo: r.try_get("correlativo").map_err(error_sql)?,
                activa: r.try_get("activa").map_err(error_sql)?,
            })
        }

        fn desde_json<T: serde::de::DeserializeOwned>(r: &Fila, col: &str) -> Result<T> {
            let texto: String = r.try_get(col).map_err(error_sql)?;
            serde_json::from_str(&texto).map_err(|_| comun::corrupto(col, &texto))
        }

        fn fila_venta(r: &Fila) -> Result<Venta> {
            use erp_core::ventas::{CondicionPago, EstadoVenta, TipoVenta};
            let texto = |c: &str| r.try_get::<String, _>(c).map_err(error_sql);
            Ok(Venta {
                id: r.try_get("id").map_err(error_sql)?,
                cliente_id: r.try_get("cliente_id").map_err(error_sql)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                fecha: r.try_get("fecha").map_err(error_sql)?,
                moneda: comun::moneda(&texto("moneda")?)?,
                tipo_de_cambio: leer_dec_opt(r, "tipo_de_cambio")?,
                precios_incluyen_impuesto: r.try_get("precios_incluyen_impuesto").map_err(error_sql)?,
                tipo_venta: match texto("tipo_venta")?.as_str() {
                    "pos" => TipoVenta::Pos,
                    "online" => TipoVenta::Online,
                    _ => TipoVenta::Directa,
                },
                condicion: if texto("condicion")? == "credito" { CondicionPago::Credito } else { CondicionPago::Contado },
                estado: if texto("estado")? == "anulada" { EstadoVenta::Anulada } else { EstadoVenta::Completada },
                total: leer_dec(r, "total")?,
                descuento_global: leer_dec_opt(r, "descuento_global")?,
                costo_total: leer_dec(r, "costo_total")?,
                vuelto: leer_dec(r, "vuelto")?,
                comprobante_id: r.try_get("comprobante_id").map_err(error_sql)?,
                orden_id: r.try_get("orden_id").map_err(error_sql)?,
                clave_idempotencia: r.try_get("clave_idempotencia").map_err(error_sql)?,
                observaciones: texto("observaciones")?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                lineas: desde_json(r, "lineas")?,
                pagos: desde_json(r, "pagos")?,
                cuotas: desde_json(r, "cuotas")?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_comprobante(r: &Fila) -> Result<Comprobante> {
            use erp_core::comprobantes::EstadoComprobante;
            let texto = |c: &str| r.try_get::<String, _>(c).map_err(error_sql);
            let tipo = texto("tipo")?;
            let estado = texto("estado")?;
            let tipo_doc = texto("cliente_tipo_documento")?;
            Ok(Comprobante {
                id: r.try_get("id").map_err(error_sql)?,
                tipo: TipoComprobante::desde_codigo(&tipo).ok_or_else(|| comun::corrupto("tipo", &tipo))?,
                serie: texto("serie")?,
                numero: r.try_get("numero").map_err(error_sql)?,
                venta_id: r.try_get("venta_id").map_err(error_sql)?,
                referencia_id: r.try_get("referencia_id").map_err(error_sql)?,
                motivo_codigo: r.try_get("motivo_codigo").map_err(error_sql)?,
                motivo: texto("motivo")?,
                estado: EstadoComprobante::desde_codigo(&estado).ok_or_else(|| comun::corrupto("estado", &estado))?,
                cliente_id: r.try_get("cliente_id").map_err(error_sql)?,
                cliente_tipo_documento: TipoDocumentoCliente::desde_codigo(&tipo_doc)
                    .ok_or_else(|| comun::corrupto("cliente_tipo_documento", &tipo_doc))?,
                cliente_numero_documento: texto("cliente_numero_documento")?,
                cliente_razon_social: texto("cliente_razon_social")?,
                cliente_direccion: texto("cliente_direccion")?,
                fecha_emision: r.try_get("fecha_emision").map_err(error_sql)?,
                moneda: comun::moneda(&texto("moneda")?)?,
                total: leer_dec(r, "total")?,
                documento: desde_json(r, "documento")?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
                clave_idempotencia: r.try_get("clave_idempotencia").map_err(error_sql)?,
                envio: erp_core::facturacion::envio::EnvioComprobante {
                    programado: instante(r, "envio_programado_us")?,
                    reclamado_hasta: instante(r, "envio_reclamado_hasta_us")?,
                    intentos: r.try_get("envio_intentos").map_err(error_sql)?,
                    incierto: r.try_get("envio_incierto").map_err(error_sql)?,
                    ultimo_error: texto("envio_error")?,
                    respuesta: desde_json(r, "respuesta_sunat")?,
                    baja: desde_json(r, "envio_baja")?,
                },
            })
        }

        /// What a sale still has to collect: the open balance of its instalments.
        fn saldo_pendiente(v: &Venta) -> rust_decimal::Decimal {
            if v.estado == erp_core::ventas::EstadoVenta::Anulada {
                return rust_decimal::Decimal::ZERO;
            }
            v.cuotas.iter().map(|c| c.saldo).sum()
        }

        fn fila_rol(r: &Fila) -> Result<erp_core::seguridad::Rol> {
            Ok(erp_core::seguridad::Rol {
                id: r.try_get("id").map_err(error_sql)?,
                codigo: r.try_get("codigo").map_err(error_sql)?,
                nombre: r.try_get("nombre").map_err(error_sql)?,
                descripcion: r.try_get("descripcion").map_err(error_sql)?,
                permisos: desde_json(r, "permisos")?,
                de_sistema: r.try_get("de_sistema").map_err(error_sql)?,
                activo: r.try_get("activo").map_err(error_sql)?,
            })
        }

        fn fila_usuario(r: &Fila) -> Result<erp_core::seguridad::Usuario> {
            Ok(erp_core::seguridad::Usuario {
                id: r.try_get("id").map_err(error_sql)?,
                email: r.try_get("email").map_err(error_sql)?,
                nombre: r.try_get("nombre").map_err(error_sql)?,
                apellido: r.try_get("apellido").map_err(error_sql)?,
                clave_hash: r.try_get("clave_hash").map_err(error_sql)?,
                rol_id: r.try_get("rol_id").map_err(error_sql)?,
                activo: r.try_get("activo").map_err(error_sql)?,
                intentos_fallidos: r.try_get("intentos_fallidos").map_err(error_sql)?,
                bloqueado_hasta: instante(r, "bloqueado_hasta_us")?,
                ultimo_acceso: instante(r, "ultimo_acceso_us")?,
                eliminado_en: instante(r, "eliminado_en_us")?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_trabajo(r: &Fila) -> Result<erp_core::trabajos::Trabajo> {
            use erp_core::trabajos::{EstadoTrabajo, TipoTrabajo};
            let tipo: String = r.try_get("tipo").map_err(error_sql)?;
            let estado: String = r.try_get("estado").map_err(error_sql)?;
            Ok(erp_core::trabajos::Trabajo {
                id: r.try_get("id").map_err(error_sql)?,
                tipo: TipoTrabajo::desde_codigo(&tipo).ok_or_else(|| comun::corrupto("tipo", &tipo))?,
                estado: EstadoTrabajo::desde_codigo(&estado).ok_or_else(|| comun::corrupto("estado", &estado))?,
                programado: desde_microsegundos(r.try_get("programado_us").map_err(error_sql)?),
                reclamado_hasta: instante(r, "reclamado_hasta_us")?,
                intentos: r.try_get("intentos").map_err(error_sql)?,
                ultimo_error: r.try_get("ultimo_error").map_err(error_sql)?,
                resultado: r.try_get("resultado").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
                terminado_en: instante(r, "terminado_en_us")?,
            })
        }

        fn fila_log_envio(r: &Fila) -> Result<erp_core::facturacion::envio::LogEnvio> {
            Ok(erp_core::facturacion::envio::LogEnvio {
                id: r.try_get("id").map_err(error_sql)?,
                comprobante_id: r.try_get("comprobante_id").map_err(error_sql)?,
                operacion: r.try_get("operacion").map_err(error_sql)?,
                intento: r.try_get("intento").map_err(error_sql)?,
                solicitud: desde_json(r, "solicitud")?,
                estado_http: r.try_get("estado_http").map_err(error_sql)?,
                respuesta: r.try_get("respuesta").map_err(error_sql)?,
                resultado: r.try_get("resultado").map_err(error_sql)?,
                mensaje: r.try_get("mensaje").map_err(error_sql)?,
                duracion_ms: r.try_get("duracion_ms").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_notificacion(r: &Fila) -> Result<erp_core::trabajos::Notificacion> {
            Ok(erp_core::trabajos::Notificacion {
                id: r.try_get("id").map_err(error_sql)?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                tipo: r.try_get("tipo").map_err(error_sql)?,
                titulo: r.try_get("titulo").map_err(error_sql)?,
                mensaje: r.try_get("mensaje").map_err(error_sql)?,
                leida: r.try_get("leida").map_err(error_sql)?,
                referencia_tipo: r.try_get("referencia_tipo").map_err(error_sql)?,
                referencia_id: r.try_get("referencia_id").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_sesion(r: &Fila) -> Result<erp_core::seguridad::Sesion> {
            Ok(erp_core::seguridad::Sesion {
                id: r.try_get("id").map_err(error_sql)?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                ip: r.try_get("ip").map_err(error_sql)?,
                agente: r.try_get("agente").map_err(error_sql)?,
                creada_en: desde_microsegundos(r.try_get("creada_en_us").map_err(error_sql)?),
                expira_en: desde_microsegundos(r.try_get("expira_en_us").map_err(error_sql)?),
                revocada_en: instante(r, "revocada_en_us")?,
                reemplazada_por: r.try_get("reemplazada_por").map_err(error_sql)?,
            })
        }

        fn fila_evento(r: &Fila) -> Result<erp_core::seguridad::EventoAuditoria> {
            Ok(erp_core::seguridad::EventoAuditoria {
                id: r.try_get("id").map_err(error_sql)?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                accion: r.try_get("accion").map_err(error_sql)?,
                modulo: r.try_get("modulo").map_err(error_sql)?,
                detalle: r.try_get("detalle").map_err(error_sql)?,
                ip: r.try_get("ip").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        /// An optional instant stored as microseconds since the epoch.
        fn instante(r: &Fila, col: &str) -> Result<Option<time::OffsetDateTime>> {
            Ok(r.try_get::<Option<i64>, _>(col).map_err(error_sql)?.map(desde_microsegundos))
        }

        /// Serializes a record's parts to the JSON their columns hold.
        fn a_json<T: serde::Serialize>(x: &T) -> Result<String> {
            serde_json::to_string(x).map_err(Error::almacenamiento)
        }

        fn fila_cotizacion(r: &Fila) -> Result<Cotizacion> {
            use erp_core::ventas::pedidos::EstadoCotizacion;
            let texto = |c: &str| r.try_get::<String, _>(c).map_err(error_sql);
            let estado = texto("estado")?;
            Ok(Cotizacion {
                id: r.try_get("id").map_err(error_sql)?,
                numero: texto("numero")?,
                cliente_id: r.try_get("cliente_id").map_err(error_sql)?,
                fecha_emision: r.try_get("fecha_emision").map_err(error_sql)?,
                fecha_validez: r.try_get("fecha_validez").map_err(error_sql)?,
                estado: EstadoCotizacion::desde_codigo(&estado).ok_or_else(|| comun::corrupto("estado", &estado))?,
                moneda: comun::moneda(&texto("moneda")?)?,
                precios_incluyen_impuesto: r.try_get("precios_incluyen_impuesto").map_err(error_sql)?,
                descuento_global: leer_dec_opt(r, "descuento_global")?,
                lineas: desde_json(r, "lineas")?,
                total: leer_dec(r, "total")?,
                documento: desde_json(r, "documento")?,
                notas: texto("notas")?,
                condiciones: texto("condiciones")?,
                origen_id: r.try_get("origen_id").map_err(error_sql)?,
                orden_id: r.try_get("orden_id").map_err(error_sql)?,
                motivo_rechazo: texto("motivo_rechazo")?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_orden(r: &Fila) -> Result<OrdenVenta> {
            use erp_core::ventas::pedidos::EstadoOrden;
            let texto = |c: &str| r.try_get::<String, _>(c).map_err(error_sql);
            let estado = texto("estado")?;
            Ok(OrdenVenta {
                id: r.try_get("id").map_err(error_sql)?,
                numero: texto("numero")?,
                cliente_id: r.try_get("cliente_id").map_err(error_sql)?,
                cotizacion_id: r.try_get("cotizacion_id").map_err(error_sql)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                fecha: r.try_get("fecha").map_err(error_sql)?,
                estado: EstadoOrden::desde_codigo(&estado).ok_or_else(|| comun::corrupto("estado", &estado))?,
                moneda: comun::moneda(&texto("moneda")?)?,
                precios_incluyen_impuesto: r.try_get("precios_incluyen_impuesto").map_err(error_sql)?,
                descuento_global: leer_dec_opt(r, "descuento_global")?,
                lineas: desde_json(r, "lineas")?,
                total: leer_dec(r, "total")?,
                venta_id: r.try_get("venta_id").map_err(error_sql)?,
                motivo_cancelacion: texto("motivo_cancelacion")?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_orden_compra(r: &Fila) -> Result<OrdenCompra> {
            let texto = |c: &str| r.try_get::<String, _>(c).map_err(error_sql);
            let estado = texto("estado")?;
            Ok(OrdenCompra {
                id: r.try_get("id").map_err(error_sql)?,
                numero: texto("numero")?,
                proveedor_id: r.try_get("proveedor_id").map_err(error_sql)?,
                almacen_destino_id: r.try_get("almacen_destino_id").map_err(error_sql)?,
                fecha: r.try_get("fecha").map_err(error_sql)?,
                fecha_estimada_entrega: r.try_get("fecha_estimada_entrega").map_err(error_sql)?,
                estado: EstadoOrdenCompra::desde_codigo(&estado).ok_or_else(|| comun::corrupto("estado", &estado))?,
                moneda: comun::moneda(&texto("moneda")?)?,
                lineas: desde_json(r, "lineas")?,
                total_base: leer_dec(r, "total_base")?,
                total_impuestos: leer_dec(r, "total_impuestos")?,
                total: leer_dec(r, "total")?,
                notas: texto("notas")?,
                aprobado_por_id: r.try_get("aprobado_por_id").map_err(error_sql)?,
                motivo_cancelacion: texto("motivo_cancelacion")?,
                usuario_id: r.try_get("usuario_id").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_recepcion(r: &Fila) -> Result<Recepcion> {
            let tipo: String = r.try_get("tipo").map_err(error_sql)?;
            Ok(Recepcion {
                id: r.try_get("id").map_err(error_sql)?,
                orden_compra_id: r.try_get("orden_compra_id").map_err(error_sql)?,
                fecha_recepcion: r.try_get("fecha_recepcion").map_err(error_sql)?,
                almacen_id: r.try_get("almacen_id").map_err(error_sql)?,
                tipo: TipoRecepcion::desde_codigo(&tipo).ok_or_else(|| comun::corrupto("tipo", &tipo))?,
                tipo_de_cambio: leer_dec_opt(r, "tipo_de_cambio")?,
                lineas: desde_json(r, "lineas")?,
                observaciones: r.try_get("observaciones").map_err(error_sql)?,
                recibido_por_id: r.try_get("recibido_por_id").map_err(error_sql)?,
                creado_en: desde_microsegundos(r.try_get("creado_en_us").map_err(error_sql)?),
            })
        }

        fn fila_configuracion(r: &Fila) -> Result<ConfiguracionEmpresa> {
            let tipo: String = r.try_get("tipo_dato").map_err(error_sql)?;
            Ok(ConfiguracionEmpresa {
                clave: r.try_get("clave").map_err(error_sql)?,
                tipo_dato: TipoDato::desde_codigo(&tipo).ok_or_else(|| comun::corrupto("tipo_dato", &tipo))?,
                valor: r.try_get("valor").map_err(error_sql)?,
                descripcion: r.try_get("descripcion").map_err(error_sql)?,
            })
        }

        fn fila_categoria(r: &Fila) -> Result<Categoria> {
            Ok(Categoria {
                id: r.try_get("id").map_err(error_sql)?,
                nombre: r.try_get("nombre").map_err(error_sql)?,
                descripcion: r.try_get("descripcion").map_err(error_sql)?,
                padre_id: r.try_get("padre_id").map_err(error_sql)?,
                activa: r.try_get("activa").map_err(error_sql)?,
            })
        }

        fn fila_marca(r: &Fila) -> Result<Marca> {
            Ok(Marca {
                id: r.try_get("id").map_err(error_sql)?,
                nombre: r.try_get("nombre").map_err(error_sql)?,
                activa: r.try_get("activa").map_err(error_sql)?,
            })
        }

        fn fila_almacen(r: &Fila) -> Result<Almacen> {
            Ok(Almacen {
                id: r.try_get("id").map_err(error_sql)?,
                nombre: r.try_get("nombre").map_err(error_sql)?,
                direccion: r.try_get("direccion").map_err(error_sql)?,
                sucursal: r.try_get("sucursal").map_err(error_sql)?,
                es_principal: r.try_get("es_principal").map_err(error_sql)?,
                activo: r.try_get("activo").map_err(error_sql)?,
            })
        }
    };
}

pub(crate) use impl_uow;

/// Every file of a migrations folder is in the store's list, in order: a migration written but
/// not listed would silently never run.
#[cfg(test)]
pub(crate) fn verificar_migraciones(carpeta: &str, lista: &[(&str, &str)]) {
    let dir = format!("{}/migrations/{carpeta}", env!("CARGO_MANIFEST_DIR"));
    let mut archivos: Vec<String> = std::fs::read_dir(&dir)
        .expect("carpeta de migraciones")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".sql").map(String::from))
        .collect();
    archivos.sort();
    let registradas: Vec<&str> = lista.iter().map(|(v, _)| *v).collect();
    assert_eq!(registradas, archivos, "{dir}");
}
