#!/usr/bin/env bash
# Sets everything up and starts Saldo with demo data on http://127.0.0.1:5000 (SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export SALDO_DEMO=1 UV_PYTHON_DOWNLOADS=never
export PORTAL_RULES="${PORTAL_RULES:-nl}"
uv run --frozen flask --app wsgi db upgrade
uv run --frozen flask --app wsgi seed-demo
echo "Saldo runs on http://127.0.0.1:${PORT:-5000}  (demo citizens: http://127.0.0.1:${PORT:-5000}/login/demo)"
exec uv run --frozen flask --app wsgi run --host 127.0.0.1 --port "${PORT:-5000}"
