#!/usr/bin/env bash
# Runs every check and test: lint, types, then all tests on SQLite, then the database and
# browser tests on a real PostgreSQL 15 that the tests start themselves on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
export UV_PYTHON_DOWNLOADS=never
start=$(date +%s)
echo "== lint and types"
uv run --frozen ruff check .
uv run --frozen ruff format --check .
uv run --frozen mypy
echo "== tests on SQLite"
uv run --frozen pytest -n 2 --db=sqlite -m "not browser and not postgres_only" -q -p no:cacheprovider
echo "== database and browser tests on PostgreSQL"
uv run --frozen pytest -n 2 --db=postgres -m "db or browser or postgres_only" -q -p no:cacheprovider
echo "== all green in $(( $(date +%s) - start )) s"
