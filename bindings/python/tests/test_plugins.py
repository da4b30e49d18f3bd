"""Plug-ins written in Python: the hook that hears each committed event, and the e-invoicing
sender the outbox sends through. A plug-in's exception comes back as an ErpError (or as the
failed attempt's message) and never undoes what committed."""

import uuid
from decimal import Decimal

import pytest

import erp

ACEPTADA = {
    "aceptada_por_sunat": True,
    "sunat_responsecode": "0",
    "sunat_description": "La Boleta numero B001-1, ha sido aceptada",
    "codigo_hash": "xyz=",
}


def abrir(tmp_path, **plugins):
    """A hardware shop in Peru with Nubefact configured and 10 hammers in stock."""
    m = erp.Motor(str(tmp_path / "erp.db"), **plugins)
    m.crear_empresa(
        {
            "pais": "PE",
            "identificacion": "20600695771",
            "razon_social": "Ferretería El Martillo S.A.C.",
            "ajustes": {
                "nubefact_ruta": "https://api.nubefact.com/api/v1/abc",
                "nubefact_token": "t0k3n",
            },
        }
    )
    almacen = m.crear_almacen({"nombre": "Tienda", "es_principal": True})
    producto = m.crear_producto(
        {"nombre": "Martillo", "precio_venta": Decimal("35.00"), "precio_incluye_impuesto": True}
    )
    m.registrar_movimiento(
        {
            "tipo": "entrada",
            "producto_id": producto["id"],
            "almacen_id": almacen["id"],
            "cantidad": 10,
            "costo_unitario": Decimal("20.00"),
        }
    )
    return m, producto


def vender(m, producto):
    return m.venta_pos(
        {
            "items": [{"codigo": producto["codigo"], "cantidad": 2}],
            "pagos": [{"metodo": "efectivo", "monto": Decimal("100.00")}],
        }
    )


def stock(m, producto):
    return m.stock(producto_id=producto["id"])[0]["cantidad"]


def test_al_evento_oye_la_venta_despues_del_commit(tmp_path):
    oidos = []
    m, producto = abrir(tmp_path, al_evento=oidos.append)
    assert [e["evento"] for e in oidos] == ["movimiento_stock"]
    oidos.clear()
    r = vender(m, producto)
    por_tipo = {e["evento"]: e for e in oidos}
    assert sorted(por_tipo) == ["comprobante_emitido", "movimiento_stock", "venta_registrada"]
    v = por_tipo["venta_registrada"]
    assert v["venta_id"] == r["venta"]["id"]
    assert v["total"] == Decimal("70.00")
    mov = por_tipo["movimiento_stock"]
    assert (mov["tipo"], mov["cantidad"]) == ("salida", Decimal("2"))
    c = por_tipo["comprobante_emitido"]
    assert (c["serie"], c["numero"], c["por_enviar"]) == ("B001", 1, True)
    # What the hook hears has committed: the stock it would read is already down.
    assert stock(m, producto) == Decimal("8")

    oidos.clear()
    with pytest.raises(erp.ErpError):
        m.venta_pos({"items": [{"codigo": "NO-EXISTE", "cantidad": 1}], "pagos": []})
    assert oidos == [], "a refused sale tells nothing"

    m.anular_venta(r["venta"]["id"], "Error de caja")
    assert sorted(e["evento"] for e in oidos) == [
        "comprobante_emitido",
        "movimiento_stock",
        "venta_anulada",
    ]


def test_al_evento_que_falla_no_deshace_la_venta(tmp_path):
    llamadas = []

    def hook(evento):
        llamadas.append(evento["evento"])
        if evento["evento"] == "venta_registrada":
            raise RuntimeError("la impresora no responde")

    m, producto = abrir(tmp_path, al_evento=hook)
    llamadas.clear()
    with pytest.raises(erp.PluginFallido) as e:
        vender(m, producto)
    assert not isinstance(e.value, erp.ErpError), "code retrying on ErpError must not sell twice"
    assert e.value.codigo == erp.PLUGIN_FALLIDO == "plugin_fallido"
    assert "la impresora no responde" in e.value.mensaje
    assert "No repita" in e.value.mensaje
    assert isinstance(e.value.__cause__, RuntimeError)
    assert len(llamadas) == 3, "every event reached the hook"
    venta = e.value.resultado["venta"]
    assert m.venta(venta["id"])["estado"] == "completada"
    assert stock(m, producto) == Decimal("8")


def test_el_emisor_recibe_la_carga_de_la_venta(tmp_path):
    recibidas = []

    def emisor(solicitud):
        recibidas.append(solicitud)
        return ACEPTADA

    oidos = []
    m, producto = abrir(tmp_path, emisor=emisor, al_evento=oidos.append)
    r = vender(m, producto)
    cid = r["comprobante"]["id"]
    carga = m.solicitud_nubefact(cid)
    oidos.clear()
    informe = m.enviar_pendientes()
    assert len(recibidas) == 1
    s = recibidas[0]
    assert (s["operacion"], s["comprobante_id"], s["numero"]) == (
        "generar_comprobante",
        cid,
        "B001-00000001",
    )
    assert s["cuerpo"] == carga
    assert s["cuerpo"]["total"] == Decimal("70.00")
    assert s["destino"]["token"] == "t0k3n"
    assert [(i["numero"], i["estado"], i["error"]) for i in informe] == [
        ("B001-00000001", "aceptado", None)
    ]
    assert oidos == [{"evento": "comprobante_estado", "comprobante_id": cid, "estado": "aceptado"}]
    assert m.comprobante(cid)["estado"] == "aceptado"
    assert m.enviar_pendientes() == [], "nothing more is due"


def test_un_emisor_que_falla_deja_la_venta_en_pie(tmp_path):
    def emisor(solicitud):
        raise ConnectionError("el proveedor no responde")

    m, producto = abrir(tmp_path, emisor=emisor)
    r = vender(m, producto)
    cid = r["comprobante"]["id"]
    [i] = m.enviar_pendientes()
    assert i["estado"] == "error" and i["intentos"] == 1
    assert "ConnectionError: el proveedor no responde" in i["error"]
    assert i["reintento"] is not None
    assert m.venta(r["venta"]["id"])["estado"] == "completada"
    assert stock(m, producto) == Decimal("8")
    [log] = m.logs_envio(cid)
    assert log["resultado"] == "error_transitorio"
    assert "el proveedor no responde" in log["mensaje"]


@pytest.mark.parametrize(
    "respuesta, dice",
    [
        (None, "NoneType"),
        ([1], "list"),
        ({"total": 1.5}, "float"),
        ({}, "no es una respuesta de Nubefact"),
        ({"errors": "x"}, "no es una respuesta de Nubefact"),
    ],
)
def test_un_emisor_que_responde_mal(tmp_path, respuesta, dice):
    m, producto = abrir(tmp_path)
    vender(m, producto)
    [i] = m.enviar_pendientes(lambda s: respuesta)
    assert i["estado"] == "error"
    assert dice in i["error"]


def test_ctrl_c_en_el_emisor_detiene_la_ronda(tmp_path):
    llamadas = []

    def emisor(solicitud):
        llamadas.append(solicitud["numero"])
        raise KeyboardInterrupt

    m, producto = abrir(tmp_path)
    primero = vender(m, producto)["comprobante"]["id"]
    segundo = vender(m, producto)["comprobante"]["id"]
    with pytest.raises(KeyboardInterrupt):
        m.enviar_pendientes(emisor)
    assert llamadas == ["B001-00000001"], "the round stopped"
    # The interrupted attempt is recorded (it may have reached the provider); the other waits.
    assert m.comprobante(primero)["estado"] == "error"
    assert m.comprobante(segundo)["estado"] == "pendiente"
    assert len(m.logs_envio(primero)) == 1


def test_sin_emisor_o_con_uno_que_no_es_funcion(tmp_path):
    m, _ = abrir(tmp_path)
    with pytest.raises(erp.ErpError) as e:
        m.enviar_pendientes()
    assert (e.value.codigo, e.value.campo) == ("estado_invalido", "emisor")
    with pytest.raises(erp.ErpError) as e:
        m.enviar_pendientes(emisor="https://otro.pe")
    assert (e.value.codigo, e.value.campo) == ("tipo_invalido", "emisor")


def test_un_emisor_no_puede_llamar_al_motor(tmp_path):
    m, producto = abrir(tmp_path)
    vender(m, producto)
    [i] = m.enviar_pendientes(lambda s: m.empresa())
    assert "no se puede llamar desde un emisor" in i["error"]
    # The engine is still usable afterwards.
    assert m.empresa()["identificacion"] == "20600695771"
    assert uuid.UUID(m.empresa_id)
