//! The operations a binding can run, by name, with their arguments as one JSON object. Each is a
//! call of the engine's [`erp_core::Motor`]; the arguments are read as the REST server reads its
//! bodies (`erp_core::entrada`: unknown fields refused, the error names the field).

use erp_core::Codigo;
use erp_core::entrada::desde_json;
use erp_core::inventario::FiltroMovimientos;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use erp_core::Motor;
use erp_store::AnyStore;

use crate::{Engine, Error, Result, a_json};

/// Every operation [`Engine::ejecutar`] knows, and what its arguments are.
pub const OPERACIONES: &[(&str, &str)] = &[
    ("crear_empresa", "NuevaEmpresa"),
    ("empresa", "{}"),
    ("crear_almacen", "NuevoAlmacen"),
    ("almacenes", "{}"),
    ("crear_categoria", "NuevaCategoria"),
    ("crear_producto", "NuevoProducto"),
    ("producto", "{id}"),
    ("producto_por_codigo", "{codigo}"),
    ("crear_cliente", "NuevoCliente"),
    ("cliente", "{id}"),
    ("registrar_movimiento", "NuevoMovimiento"),
    ("ajustar", "NuevoAjuste"),
    ("transferir", "NuevaTransferencia"),
    ("stock", "{producto_id?, almacen_id?}"),
    ("movimientos", "{producto_id?, almacen_id?, limite?}"),
    ("crear_cotizacion", "NuevaCotizacion"),
    ("cotizacion", "{id}"),
    ("convertir_a_orden", "{id, almacen_id?}"),
    ("confirmar_orden", "{id}"),
    ("orden", "{id}"),
    ("generar_venta", "{id, datos: GenerarVenta}"),
    ("vender", "NuevaVenta"),
    ("venta_pos", "VentaPos"),
    ("anular_venta", "{venta_id, datos: Anulacion}"),
    ("devolver", "{venta_id, datos: Devolucion}"),
    ("nota_credito", "NuevaNotaCredito"),
    ("nota_debito", "{venta_id, datos: NotaDebitoNueva}"),
    ("venta", "{id}"),
    ("comprobantes_de_venta", "{id}"),
    ("comprobante", "{id}"),
    ("solicitud_nubefact", "{id}"),
    ("logs_envio", "{id}"),
    ("reenviar_comprobante", "{id}"),
    ("anular_comprobante", "{id, motivo}"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PorId {
    id: Uuid,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Baja {
    id: Uuid,
    motivo: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PorCodigo {
    codigo: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConDatos<T> {
    #[serde(alias = "venta_id")]
    id: Uuid,
    datos: T,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FiltroStock {
    #[serde(default)]
    producto_id: Option<Uuid>,
    #[serde(default)]
    almacen_id: Option<Uuid>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FiltroKardex {
    #[serde(default)]
    producto_id: Option<Uuid>,
    #[serde(default)]
    almacen_id: Option<Uuid>,
    #[serde(default)]
    limite: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AOrden {
    id: Uuid,
    #[serde(default)]
    almacen_id: Option<Uuid>,
}

fn leer<T: DeserializeOwned>(json: &str) -> Result<T> {
    Ok(desde_json(json)?)
}

pub(crate) async fn ejecutar(
    e: &Engine,
    m: &Motor<AnyStore>,
    operacion: &str,
    args: &str,
) -> Result<String> {
    // The bindings act as the embedding application, not as a user of the server.
    let autor: Option<Uuid> = None;
    if operacion == "crear_empresa" {
        // One at a time on this engine: two threads of one POS must not make two companies.
        let _turno = e.creando_empresa.lock().await;
        if let Some(id) = e.empresa_id() {
            return Err(Error::new(
                Codigo::EstadoInvalido,
                None,
                format!("la base ya tiene su empresa ({id})"),
            ));
        }
        let nueva = leer(args)?;
        // Another engine on the same database (another process) may have made it since this one
        // opened: the database's company is then that one, not a second.
        if let Some(otra) = erp_core::Store::listar_empresas(m.store()).await?.first() {
            return Err(Error::new(
                Codigo::EstadoInvalido,
                None,
                format!(
                    "la base ya tiene una empresa ({}, {}), creada por otra conexión: \
                     ábrala de nuevo para trabajar con ella",
                    otra.id, otra.razon_social
                ),
            ));
        }
        let creada = m.crear_empresa(nueva).await?;
        *e.empresa.write().unwrap_or_else(|p| p.into_inner()) = Some(creada.id);
        return a_json(&creada);
    }
    let empresa = e.empresa()?;
    match operacion {
        "empresa" => a_json(&m.empresa(empresa).await?),
        "crear_almacen" => a_json(&m.crear_almacen(empresa, autor, leer(args)?).await?),
        "almacenes" => a_json(&m.almacenes(empresa).await?),
        "crear_categoria" => a_json(&m.crear_categoria(empresa, autor, leer(args)?).await?),
        "crear_producto" => a_json(&m.crear_producto(empresa, autor, leer(args)?).await?),
        "producto" => a_json(&m.producto(empresa, leer::<PorId>(args)?.id).await?),
        "producto_por_codigo" => {
            let c: PorCodigo = leer(args)?;
            match m.producto_por_codigo(empresa, &c.codigo).await? {
                Some(p) => a_json(&p),
                None => Err(erp_core::Error::no_encontrado(
                    "producto",
                    format!("no hay un producto con el código {:?}", c.codigo),
                )
                .into()),
            }
        }
        "crear_cliente" => a_json(&m.crear_cliente(empresa, autor, leer(args)?).await?),
        "cliente" => a_json(&m.cliente(empresa, leer::<PorId>(args)?.id).await?),
        "registrar_movimiento" => {
            a_json(&m.registrar_movimiento(empresa, autor, leer(args)?).await?)
        }
        "ajustar" => a_json(&m.ajustar(empresa, autor, leer(args)?).await?),
        "transferir" => a_json(&m.transferir(empresa, autor, leer(args)?).await?),
        "stock" => {
            let f: FiltroStock = leer(args)?;
            a_json(&m.stock(empresa, f.producto_id, f.almacen_id).await?)
        }
        "movimientos" => {
            let f: FiltroKardex = leer(args)?;
            let filtro = FiltroMovimientos {
                producto_id: f.producto_id,
                almacen_id: f.almacen_id,
                limite: f.limite.unwrap_or(100).clamp(1, 1000),
                ..FiltroMovimientos::default()
            };
            a_json(&m.movimientos(empresa, &filtro).await?)
        }
        "crear_cotizacion" => a_json(&m.crear_cotizacion(empresa, autor, leer(args)?).await?),
        "cotizacion" => a_json(&m.cotizacion(empresa, leer::<PorId>(args)?.id).await?),
        "convertir_a_orden" => {
            let a: AOrden = leer(args)?;
            a_json(
                &m.convertir_a_orden(empresa, autor, a.id, a.almacen_id)
                    .await?,
            )
        }
        "confirmar_orden" => a_json(
            &m.confirmar_orden(empresa, autor, leer::<PorId>(args)?.id)
                .await?,
        ),
        "orden" => a_json(&m.orden(empresa, leer::<PorId>(args)?.id).await?),
        "generar_venta" => {
            let a: ConDatos<_> = leer(args)?;
            a_json(&m.generar_venta(empresa, autor, a.id, a.datos).await?)
        }
        "vender" => a_json(&m.vender(empresa, autor, leer(args)?).await?),
        "venta_pos" => a_json(&m.venta_pos(empresa, autor, leer(args)?).await?),
        "anular_venta" => {
            let a: ConDatos<_> = leer(args)?;
            a_json(&m.anular_venta(empresa, autor, a.id, a.datos).await?)
        }
        "devolver" => {
            let a: ConDatos<_> = leer(args)?;
            a_json(&m.devolver(empresa, autor, a.id, a.datos).await?)
        }
        "nota_credito" => a_json(&m.nota_credito(empresa, autor, leer(args)?).await?),
        "nota_debito" => {
            let a: ConDatos<_> = leer(args)?;
            a_json(&m.nota_debito(empresa, autor, a.id, a.datos).await?)
        }
        "venta" => a_json(&m.venta(empresa, leer::<PorId>(args)?.id).await?),
        "comprobantes_de_venta" => a_json(
            &m.comprobantes_de_venta(empresa, leer::<PorId>(args)?.id)
                .await?,
        ),
        "comprobante" => a_json(&m.comprobante(empresa, leer::<PorId>(args)?.id).await?),
        "solicitud_nubefact" => a_json(
            &m.solicitud_nubefact(empresa, leer::<PorId>(args)?.id)
                .await?,
        ),
        "reenviar_comprobante" => a_json(
            &m.reenviar_comprobante(empresa, autor, leer::<PorId>(args)?.id)
                .await?,
        ),
        "anular_comprobante" => {
            let b: Baja = leer(args)?;
            a_json(
                &m.anular_comprobante(empresa, autor, b.id, &b.motivo)
                    .await?,
            )
        }
        "logs_envio" => {
            let id = leer::<PorId>(args)?.id;
            a_json(&m.logs_envio(empresa, Some(id), 1, 100).await?.0)
        }
        otra => Err(Error::new(
            Codigo::ValorNoPermitido,
            Some("operacion"),
            format!(
                "operación desconocida: {otra:?} (las hay: {})",
                OPERACIONES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
