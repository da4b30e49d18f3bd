use super::*;

fn pe(tipo: TipoDocumentoIdentidad, n: &str) -> Result<DocumentoIdentidad> {
    validar_identidad(Pais::Peru, tipo, n)
}
fn ec(tipo: TipoDocumentoIdentidad, n: &str) -> Result<DocumentoIdentidad> {
    validar_identidad(Pais::Ecuador, tipo, n)
}
use TipoDocumentoIdentidad::*;

#[test]
fn ruc_peru_validos() {
    // python-stdnum's list of RUCs found online, SUNAT's own, Nubefact's, and the edge cases of
    // the check digit (remainder 0 → 1, remainder 1 → 0).
    for n in [
        "20131312955",
        "20131370645",
        "20600695771",
        "10053358671",
        "20100113610",
        "20512333797",
        "10000655959",
        "10010734121",
        "10040578108",
        "10054148289",
        "10058437277",
        "10060535138",
        "10098295343",
        "10103206851",
        "10108344739",
        "10156612001",
        "10164655909",
        "10165791474",
        "10166518861",
        "10167089505",
        "10411119373",
        "10414493071",
        "10425240311",
        "10427556960",
        "10452880437",
        "15484032987",
        "15501941597",
        "17155542071",
        "17322796196",
        "20100255325",
        "20109980936",
        "20113732084",
        "20123458444",
        "20131372770",
        "20134636972",
        "20171312141",
        "20201571350",
        "20212025179",
        "20296742563",
        "20401283952",
        "20450258882",
        "20493238087",
        "20512525432",
        "20537999731",
        "20552756453",
        "20292005483",
        "10441348521",
        "20554133470",
        "10082226341",
        "10100000020",
        "10100000071",
        "20100000050",
        "20100000131",
    ] {
        let r = pe(Ruc, n).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(r.numero, n);
        assert!(r.advertencias.is_empty());
    }
    assert_eq!(pe(Ruc, " 2013 1312-955 ").unwrap().numero, "20131312955");
    assert_eq!(pe(Ruc, "20131312955").unwrap().clase, "persona jurídica");
    assert_eq!(
        pe(Ruc, "10054148289").unwrap().clase,
        "persona natural con DNI"
    );
}

#[test]
fn ruc_peru_invalidos() {
    let casos = [
        (
            "20512333798",
            "dígito verificador de 20512333798 es 8 y debería ser 7",
        ),
        ("2051233379", "debe tener 11 dígitos"),
        ("99512333792", "prefijo 99"),
        ("16292005483", "prefijo 16"),
        ("20A12333797", "contiene 'A' en la posición 3"),
        ("", "está vacío"),
    ];
    for (n, motivo) in casos {
        let e = pe(Ruc, n).unwrap_err();
        assert_eq!(e.codigo(), "ruc_invalido", "{n}");
        assert!(e.mensaje().contains(motivo), "{n}: {e}");
    }
}

#[test]
fn dni_peru() {
    assert_eq!(pe(Dni, "10117410").unwrap().numero, "10117410");
    assert_eq!(pe(Dni, "05414828").unwrap().numero, "05414828");
    // The verification character printed on the card is checked and dropped.
    for n in [
        "10117410-2",
        "10117410G",
        "10812543-3",
        "10812543-H",
        "05209244-8",
        "63109177-1",
        "70025425-4",
        "71347545-4",
        "72641234-6",
        "72859897-8",
    ] {
        let r = pe(Dni, n).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(r.numero.len(), 8);
    }
    let e = pe(Dni, "10117410-3").unwrap_err();
    assert!(e.mensaje().contains("debería ser '2' o 'G'"), "{e}");
    assert_eq!(pe(Dni, "1081254332").unwrap_err().codigo(), "dni_invalido");
    assert_eq!(pe(Dni, "108125H3-3").unwrap_err().codigo(), "dni_invalido");
    assert_eq!(pe(Dni, "1234567").unwrap_err().codigo(), "dni_invalido");
}

#[test]
fn ce_y_pasaporte() {
    assert_eq!(
        pe(CarneExtranjeria, "001234567").unwrap().numero,
        "001234567"
    );
    assert_eq!(pe(Pasaporte, "ab-123456").unwrap().numero, "AB123456");
    assert_eq!(
        pe(CarneExtranjeria, "12").unwrap_err().codigo(),
        "ce_invalido"
    );
    assert_eq!(
        pe(Pasaporte, "1234567890123").unwrap_err().codigo(),
        "pasaporte_invalido"
    );
    assert_eq!(
        pe(Pasaporte, "AB#1234").unwrap_err().codigo(),
        "pasaporte_invalido"
    );
    assert_eq!(
        ec(Pasaporte, "A1234567890123456789").unwrap().numero.len(),
        20
    );
}

#[test]
fn tipos_que_no_son_del_pais() {
    assert_eq!(
        ec(Dni, "10117410").unwrap_err().codigo(),
        "tipo_documento_invalido"
    );
    assert_eq!(
        pe(Cedula, "1714307103").unwrap_err().codigo(),
        "tipo_documento_invalido"
    );
}

#[test]
fn cedula_ecuador() {
    for n in [
        "1714307103",
        "171430710-3",
        "0602910945",
        "0926687856",
        "0910005917",
        "0101016905",
        "1001152287",
        "1102755442",
        "1104552037",
        "1311919078",
        "1700672486",
        "1702264233",
        "1704159860",
        "1710034065",
        "1710585264",
        "1710589373",
        "1713238234",
        "1721788659",
        "1803557964",
        "0962467429",
    ] {
        ec(Cedula, n).unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    for (n, motivo) in [
        ("1714307104", "dígito verificador"),
        ("171430710", "10 dígitos"),
        ("123A567890", "contiene 'A'"),
        ("1784307108", "tercer dígito 8"),
        ("8814307107", "provincia 88"),
        ("0014307103", "provincia 00"),
    ] {
        let e = ec(Cedula, n).unwrap_err();
        assert_eq!(e.codigo(), "cedula_invalida");
        assert!(e.mensaje().contains(motivo), "{n}: {e}");
    }
}

#[test]
fn ruc_ecuador_validos_sin_advertencia() {
    for (n, clase) in [
        ("0101016905001", "persona natural"),
        ("0602910945001", "persona natural"),
        ("1714307103001", "persona natural"),
        ("0962467429001", "persona natural"),
        ("1803557964001", "persona natural"),
        ("1792060346-001", "sociedad privada"),
        ("0160000510001", "entidad pública"),
        ("0160001910001", "entidad pública"),
        ("0968529830001", "entidad pública"),
        ("1760001550001", "entidad pública"),
        ("1760001559999", "entidad pública"),
        ("0190115798001", "sociedad privada"),
        ("0990138850001", "sociedad privada"),
        ("0992397535001", "sociedad privada"),
        ("0992397535999", "sociedad privada"),
        ("0990999996001", "sociedad privada"),
        ("1090033456001", "sociedad privada"),
        // A public entity registered with a 9 (python-stdnum #457).
        ("1793221293001", "entidad pública"),
        ("1793189624001", "entidad pública"),
    ] {
        let r = ec(Ruc, n).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(r.clase, clase, "{n}");
        assert!(r.advertencias.is_empty(), "{n}: {:?}", r.advertencias);
        assert_eq!(r.numero.len(), 13);
    }
}

#[test]
fn ruc_ecuador_reales_que_fallan_el_modulo_11() {
    // Active companies in the SRI registry (python-stdnum #497, stdnum-js #168) and the SRI's
    // seven-digit sequentials: valid, with a warning to confirm them.
    for n in [
        "1793213150001",
        "1793189906001",
        "0993366721001",
        "0993370026001",
        "0993381661001",
        "1791000001001",
        "0991000000001",
        "0993381762001",
    ] {
        let r = ec(Ruc, n).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(r.advertencias.len(), 1, "{n}");
    }
    let r = ec(Ruc, "0160000610001").unwrap();
    assert!(r.advertencias[0].contains("entidades públicas"));
}

#[test]
fn ruc_ecuador_invalidos() {
    for (n, motivo) in [
        ("179206034601", "13 dígitos"),
        ("17920603A6001", "contiene 'A'"),
        ("0170000610001", "tercer dígito 7"),
        ("0180000610001", "tercer dígito 8"),
        ("1714307104001", "dígito verificador"),
        ("0926687858001", "dígito verificador"),
        ("8810034069001", "provincia 88"),
        ("8892397539001", "provincia 88"),
        ("0926687856000", "establecimiento"),
        ("1760001550000", "establecimiento"),
        ("0992397535000", "establecimiento"),
    ] {
        let e = ec(Ruc, n).unwrap_err();
        assert_eq!(e.codigo(), "ruc_invalido", "{n}");
        assert!(e.mensaje().contains(motivo), "{n}: {e}");
    }
}

#[test]
fn consumidor_final() {
    assert_eq!(
        ec(ConsumidorFinal, "9999999999999").unwrap().clase,
        "consumidor final"
    );
    assert_eq!(
        ec(ConsumidorFinal, "9999999999998").unwrap_err().codigo(),
        "consumidor_final_invalido"
    );
}

#[test]
fn codigos_de_las_autoridades() {
    assert_eq!(Ruc.codigo_sunat(), Some("6"));
    assert_eq!(Dni.codigo_sunat(), Some("1"));
    assert_eq!(CarneExtranjeria.codigo_sunat(), Some("4"));
    assert_eq!(Pasaporte.codigo_sunat(), Some("7"));
    assert_eq!(Ruc.codigo_sri(), Some("04"));
    assert_eq!(Cedula.codigo_sri(), Some("05"));
    assert_eq!(ConsumidorFinal.codigo_sri(), Some("07"));
}
