#!/usr/bin/env bash
# Installs what Saldo needs on a fresh Debian 12 machine: uv, the pinned Python packages,
# compiled translations; with --test also Chromium (browser tests) and PostgreSQL 15.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

need_apt=()
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
  # the several-app-servers test balances two gunicorns with nginx (tests/ops)
  [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
fi
python3 -c 'import ctypes.util,sys; sys.exit(0 if ctypes.util.find_library("pango-1.0") else 1)' \
  || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1)
# Letters (WeasyPrint) are set in DejaVu Sans; harfbuzz-subset keeps the PDFs small.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
python3 -c 'import ctypes.util,sys; sys.exit(0 if ctypes.util.find_library("harfbuzz-subset") else 1)' \
  || need_apt+=(libharfbuzz-subset0)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # Services installed here must never start system-wide (they would listen beyond loopback);
  # tests start their own on 127.0.0.1.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v uv >/dev/null 2>&1 || python3 -m pip install -q --disable-pip-version-check uv==0.13.9
uv sync --all-groups --frozen --quiet
if compgen -G "translations/*/LC_MESSAGES/messages.po" >/dev/null; then
  uv run --frozen pybabel -q compile -d translations
fi
