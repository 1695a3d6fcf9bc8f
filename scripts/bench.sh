#!/usr/bin/env bash
# `make bench` (BENCH_SCALE=small|medium|full, default small): build the benchmark city once
# per database (reused afterwards), run every benchmark on PostgreSQL and on SQLite, and write
# docs/benchmarks.md. Everything listens on 127.0.0.1 only and is stopped at the end, also on
# failure. BENCH_DBS="postgresql sqlite" chooses the databases; BENCH_DIR keeps the cities;
# BENCH_ONLY="webhooks statement" re-runs some benchmarks (the other figures are kept).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${BENCH_SCALE:-small}"
DBS="${BENCH_DBS:-postgresql sqlite}"
DIR="${BENCH_DIR:-/var/tmp/saldo-bench}"
PG_BIN=/usr/lib/postgresql/15/bin
export UV_PYTHON_DOWNLOADS=never
export BENCH_STARTED="$(date +%s)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# -- tools: PostgreSQL 15 (bootstrap --test), wrk (apt), the Python environment ---------------
[ -x "$PG_BIN/initdb" ] || scripts/bootstrap.sh --test
if ! command -v wrk >/dev/null 2>&1; then
  # as scripts/bootstrap.sh: packages installed here must never start services system-wide
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
uv sync --frozen --quiet

mkdir -p "$DIR/$SCALE"
RESULTS=()
ONLY=()
for name in ${BENCH_ONLY:-}; do ONLY+=(--only "$name"); done

# -- a throwaway PostgreSQL on 127.0.0.1 (its data directory is kept, so the city is reused) --
PGDATA="$DIR/$SCALE/pgdata"
PGSOCK="$DIR/$SCALE/pgsock"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_postgres() {
  if [ -f "$PGDATA/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
trap stop_postgres EXIT INT TERM

if [[ " $DBS " == *" postgresql "* ]]; then
  mkdir -p "$PGSOCK"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$DIR/$SCALE" "$PGSOCK"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    as_postgres "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  PGPORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  # durability settings as the test server (tests/support/postgres.py); memory for 2-4 GB
  as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$DIR/$SCALE/postgres.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGSOCK -c fsync=off -c synchronous_commit=off \
     -c full_page_writes=off -c max_connections=60 -c shared_buffers=512MB \
     -c work_mem=32MB -c maintenance_work_mem=256MB -c max_wal_size=4GB" start >/dev/null
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='saldo_bench'" \
    | grep -q 1 || createdb -h 127.0.0.1 -p "$PGPORT" -U postgres saldo_bench
  uv run --frozen python -m bench.run --label postgresql --scale "$SCALE" \
    --url "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/saldo_bench" \
    --out "$DIR/$SCALE/results-postgresql.json" --workdir "$DIR/$SCALE/work-postgresql" \
    "${ONLY[@]}"
  RESULTS+=("$DIR/$SCALE/results-postgresql.json")
  stop_postgres
fi

if [[ " $DBS " == *" sqlite "* ]]; then
  uv run --frozen python -m bench.run --label sqlite --scale "$SCALE" \
    --url "sqlite:///$DIR/$SCALE/city.sqlite" \
    --out "$DIR/$SCALE/results-sqlite.json" --workdir "$DIR/$SCALE/work-sqlite" "${ONLY[@]}"
  RESULTS+=("$DIR/$SCALE/results-sqlite.json")
fi

uv run --frozen python -m bench.report --scale "$SCALE" --out docs/benchmarks.md "${RESULTS[@]}"
echo "make bench ($SCALE): $(( $(date +%s) - BENCH_STARTED )) s; wrote docs/benchmarks.md"
