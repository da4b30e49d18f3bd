# Sourced by scripts/test and scripts/bench: a throwaway PostgreSQL cluster for the run.
# `pg_iniciar [opciones de postgres]` installs PostgreSQL from Debian's packages when missing,
# initialises a cluster in a temporary directory, starts it on a free loopback port as the
# `postgres` user (initdb and postgres refuse to run as root) and exports ERP_PG_URL.
# The cluster is stopped and removed when the calling script exits.

pg_bin() {
  # No match is an empty answer, not a failure: callers run under `set -euo pipefail`.
  { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n 1
}

pg_iniciar() {
  local bin
  bin=$(pg_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL no está instalado: instalando el paquete de Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin)
  fi
  if ! command -v python3 >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null
  fi
  local como=()
  if [ "$(id -u)" = "0" ]; then
    como=(runuser -u postgres --)
  fi
  PG_DATA=$(mktemp -d /tmp/erp-pg.XXXXXX)
  PG_CTL=("${como[@]}" "$bin/pg_ctl" -D "$PG_DATA/datos")
  trap pg_detener EXIT
  if [ "$(id -u)" = "0" ]; then
    chown postgres:postgres "$PG_DATA"
  fi
  PG_PUERTO=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${como[@]}" "$bin/initdb" -D "$PG_DATA/datos" -U erp --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  if ! "${PG_CTL[@]}" -l "$PG_DATA/postgres.log" -w \
    -o "-p $PG_PUERTO -k $PG_DATA -c listen_addresses=127.0.0.1 -c max_connections=200 $*" start >/dev/null; then
    echo "PostgreSQL no arrancó; su registro:" >&2
    tail -n 30 "$PG_DATA/postgres.log" >&2 || true
    return 1
  fi
  export ERP_PG_URL="postgres://erp@127.0.0.1:$PG_PUERTO/postgres"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') en 127.0.0.1:$PG_PUERTO"
}

pg_detener() {
  if [ -n "${PG_DATA:-}" ]; then
    "${PG_CTL[@]}" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
    PG_DATA=
  fi
}
