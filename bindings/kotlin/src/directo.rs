//! One C entry point written by hand, for the hot pure call: `calcular_documento` on a POS screen
//! runs at every keystroke. Through uniffi's JNA layer a string crosses in three native calls
//! (allocate, call, free), 13 to 27 µs each on the project's machine: 34 to 38 µs added to the
//! engine's own 24 µs (BENCHMARKS.md). Here the JSON crosses as two byte arrays in one JNA
//! direct-mapped call (`pe.erp.Directo`), 6 to 8 µs added. It is the same engine function, not
//! another computation.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// The answer (JSON) is in `salida`: the document's totals.
pub const RESULTADO_OK: i64 = 0;
/// The answer (JSON) in `salida` is the engine's error, `{codigo, mensaje, campo}`.
pub const RESULTADO_ERROR: i64 = 1;
/// `salida` is too small: the length says how many bytes the answer needs; call again.
pub const RESULTADO_CORTO: i64 = 2;

/// Computes the document in `entrada[..largo]` (UTF-8 JSON) into `salida[..capacidad]`.
/// Answers `(bytes << 2) | estado`, `estado` one of the `RESULTADO_*` constants: the answer's
/// length in bytes and what it is. A caller's null pointer or a negative length is an error
/// answer of no bytes; a panic (none is expected) is an error answer too, caught so that it never
/// unwinds into the JVM.
///
/// # Safety
/// `entrada` must point to `largo` readable bytes and `salida` to `capacidad` writable ones, for
/// the duration of the call (JNA passes Java byte arrays so).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn erp_calcular_documento_json(
    entrada: *const u8,
    largo: i64,
    salida: *mut u8,
    capacidad: i64,
) -> i64 {
    let (Ok(largo), Ok(capacidad)) = (usize::try_from(largo), usize::try_from(capacidad)) else {
        return RESULTADO_ERROR;
    };
    if (entrada.is_null() && largo > 0) || salida.is_null() {
        return RESULTADO_ERROR;
    }
    let entrada: &[u8] = if largo == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract above; not null.
        unsafe { std::slice::from_raw_parts(entrada, largo) }
    };
    let (respuesta, estado) = match catch_unwind(AssertUnwindSafe(|| calcular(entrada))) {
        Ok(r) => r,
        Err(_) => (
            erp_embed::Error::interno("falla interna del motor al calcular el documento").json(),
            RESULTADO_ERROR,
        ),
    };
    let n = respuesta.len();
    if n > capacidad {
        return ((n as i64) << 2) | RESULTADO_CORTO;
    }
    // SAFETY: the caller's contract above; `n <= capacidad`.
    unsafe { std::ptr::copy_nonoverlapping(respuesta.as_ptr(), salida, n) };
    ((n as i64) << 2) | estado
}

fn calcular(entrada: &[u8]) -> (String, i64) {
    let texto = match std::str::from_utf8(entrada) {
        Ok(t) => t,
        Err(_) => {
            let e = erp_embed::Error::tipo("documento", "el documento no es texto UTF-8");
            return (e.json(), RESULTADO_ERROR);
        }
    };
    match erp_embed::calcular_documento(texto) {
        Ok(r) => (r, RESULTADO_OK),
        Err(e) => (e.json(), RESULTADO_ERROR),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn llamar(entrada: &[u8], capacidad: usize) -> (i64, String) {
        let mut salida = vec![0u8; capacidad];
        let r = unsafe {
            erp_calcular_documento_json(
                entrada.as_ptr(),
                entrada.len() as i64,
                salida.as_mut_ptr(),
                capacidad as i64,
            )
        };
        let n = (r >> 2) as usize;
        let estado = r & 3;
        let texto = if estado == RESULTADO_CORTO {
            String::new()
        } else {
            String::from_utf8(salida[..n].to_vec()).unwrap()
        };
        (if estado == RESULTADO_CORTO { r } else { estado }, texto)
    }

    #[test]
    fn la_misma_respuesta_que_el_motor() {
        let doc =
            br#"{"pais":"PE","fecha":"2026-11-21","lineas":[{"cantidad":"2","precio":"59.00"}]}"#;
        let esperado = erp_embed::calcular_documento(std::str::from_utf8(doc).unwrap()).unwrap();
        assert_eq!(llamar(doc, 65536), (RESULTADO_OK, esperado.clone()));
        // Too small: the length it needs, nothing written; with that much, the answer.
        let (r, _) = llamar(doc, 10);
        assert_eq!(r & 3, RESULTADO_CORTO);
        assert_eq!((r >> 2) as usize, esperado.len());
        assert_eq!(llamar(doc, esperado.len()), (RESULTADO_OK, esperado));
    }

    #[test]
    fn los_errores_son_los_del_motor() {
        let (estado, t) = llamar(b"{no es json", 4096);
        assert_eq!(estado, RESULTADO_ERROR);
        let e: serde_json::Value = serde_json::from_str(&t).unwrap();
        assert_eq!(e["codigo"], "json_invalido");
        let (estado, t) = llamar(&[0xff, 0xfe], 4096);
        assert_eq!(estado, RESULTADO_ERROR);
        assert!(t.contains("UTF-8"), "{t}");
        let nulo =
            unsafe { erp_calcular_documento_json(std::ptr::null(), 5, std::ptr::null_mut(), 0) };
        assert_eq!(nulo, RESULTADO_ERROR);
        let (estado, t) = llamar(b"", 4096);
        assert_eq!(estado, RESULTADO_ERROR);
        assert!(t.contains("json_invalido"), "{t}");
    }
}
