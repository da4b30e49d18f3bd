#!/usr/bin/env bash
# The native library and its Kotlin layer from this checkout (Maven runs this before compiling):
# `bash bindings/kotlin/generar.sh [debug|release]` from the workspace root.
set -euo pipefail
perfil=${1:-debug}
opciones=(--locked -p erp-kotlin -p uniffi-bindgen)
[ "$perfil" = release ] && opciones+=(--release)
# Built together, the library and the generator share one feature set: neither rebuilds the
# other's dependencies. The generator is uniffi's at the library's exact version (another version
# fails at load: "UniFFI API checksum mismatch").
cargo build "${opciones[@]}"
# Replaced only when it changed, so that an unchanged layer is not recompiled by Kotlin.
rm -rf target/kotlin/generado.nuevo
"target/$perfil/uniffi-bindgen" generate "target/$perfil/liberp_uniffi.so" \
  --language kotlin --config bindings/kotlin/uniffi.toml \
  --out-dir target/kotlin/generado.nuevo --no-format
if diff -rq target/kotlin/generado.nuevo target/kotlin/generado >/dev/null 2>&1; then
  rm -rf target/kotlin/generado.nuevo
else
  rm -rf target/kotlin/generado
  mv target/kotlin/generado.nuevo target/kotlin/generado
fi
