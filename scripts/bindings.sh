# The bindings built from this checkout, for scripts/test, scripts/ejemplo and scripts/bench.
# Source it from the workspace root.

# The Python wheel into the virtualenv target/venv-py (PyPI's maturin, pinned); `--release` for
# an optimized build. Extra pip packages (pytest) may follow as arguments after the profile.
construir_python() {
  local perfil=${1:-debug}
  shift || true
  local salida=target/wheels-py-$perfil
  local opciones=(--locked -m bindings/python/Cargo.toml --out "$salida")
  [ "$perfil" = release ] && opciones+=(--release)
  python3 -m venv target/venv-py
  target/venv-py/bin/pip install -q "maturin==1.16.0" "$@"
  rm -rf "$salida"
  target/venv-py/bin/maturin build "${opciones[@]}" >&2
  target/venv-py/bin/pip install -q --force-reinstall "$salida"/erp_engine-*.whl
}

# The Node addon, bindings/node/erp.node (the cdylib renamed); `release` for an optimized build.
construir_node() {
  local perfil=${1:-debug}
  if [ "$perfil" = release ]; then
    cargo build --release --locked -p erp-node
  else
    cargo build --locked -p erp-node
  fi
  cp "target/$perfil/liberp_node.so" bindings/node/erp.node
}

# Java and Maven from Debian's packages when the machine has none; the Kotlin build's own
# dependencies (kotlin-maven-plugin, JNA, JUnit) come from Maven Central.
instalar_maven() {
  if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
    echo "Java o Maven no están instalados: instalando los paquetes de Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >/dev/null
  fi
}

# Maven on the Kotlin binding (bindings/kotlin/pom.xml), which builds the native library with
# cargo first (bindings/kotlin/generar.sh). Arguments go to mvn.
maven_kotlin() {
  instalar_maven
  mvn -B -Dstyle.color=never -f bindings/kotlin/pom.xml "$@"
}

# Runs examples/kotlin/NOMBRE.kt (compiled as a test source: never in the jar); further
# arguments go to the example. Its class is the file's @file:JvmName.
ejemplo_kotlin() {
  local archivo="examples/kotlin/$1.kt"
  shift
  local clase
  clase=$(sed -n 's/^@file:JvmName("\(.*\)")/\1/p' "$archivo")
  maven_kotlin -q -P ejemplos test-compile exec:java -Dexec.classpathScope=test \
    -Dexec.mainClass="ejemplos.$clase" -Dexec.args="$*"
}
