#!/usr/bin/env bash
# Proves a backup can be restored: dumps the database with pg_dump (custom format), restores
# the dump into a fresh database on the same server with pg_restore, and compares what people
# owe (every claim's cached balance, the ledger's sums per claim and component, payments and
# debtor credit) between the two. Exit 0 when they match; 1 when not, or on any error.
#
#   scripts/backup-restore-check.sh postgresql://saldo@127.0.0.1:5432/saldo [DUMP_FILE]
#
# The dump is kept (default: ./saldo-YYYYmmdd-HHMMSS.dump); the scratch database is dropped.
# Needs the PostgreSQL client tools of the server's major version (Debian: postgresql-client-15).
set -euo pipefail

usage() { echo "usage: $0 DATABASE_URL [DUMP_FILE]" >&2; exit 1; }
[ $# -ge 1 ] || usage
url="${1/postgresql+psycopg:/postgresql:}"      # the app's SQLAlchemy URL works too
dump="${2:-saldo-$(date -u +%Y%m%d-%H%M%S).dump}"
case "$url" in postgresql://*/*) ;; *) echo "not a PostgreSQL URL" >&2; exit 1 ;; esac
dbname="${url##*/}"; dbname="${dbname%%\?*}"
server="${url%/*}"
scratch="${dbname}_restore_check_$$"
restored="$server/$scratch"

cleanup() { psql -q -X "$server/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "dumping $dbname to $dump"
pg_dump --format=custom --no-owner --no-privileges --file="$dump" "$url"
echo "restoring into a fresh database $scratch"
psql -q -X -v ON_ERROR_STOP=1 "$server/postgres" -c "CREATE DATABASE \"$scratch\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$restored" "$dump"

# What must survive a restore unchanged, one line per fact, in a fixed order.
read -r -d '' FACTS <<'SQL' || true
SELECT 'claim', id, principal_due, fee_due, interest_due FROM claim ORDER BY id;
SELECT 'ledger', claim_id, component, count(*), sum(amount) FROM ledger_entry
  GROUP BY claim_id, component ORDER BY claim_id, component;
SELECT 'payments', count(*), coalesce(sum(amount), 0) FROM payment;
SELECT 'credit', debtor_id, sum(amount) FROM debtor_account_entry GROUP BY debtor_id ORDER BY 2;
SELECT 'revision', version_num FROM alembic_version;
SQL
facts() { psql -X -A -t -v ON_ERROR_STOP=1 -c "$FACTS" "$1"; }

before="$(facts "$url")"
after="$(facts "$restored")"
claims="$(grep -c '^claim|' <<<"$before" || true)"
if [ "$before" != "$after" ]; then
  echo "MISMATCH: the restored database differs from the original:" >&2
  diff <(echo "$before") <(echo "$after") | head -20 >&2 || true
  exit 1
fi
total="$(psql -X -A -t -c 'SELECT coalesce(sum(principal_due + fee_due + interest_due), 0) FROM claim' "$restored")"
echo "OK: restore matches: $claims claims, total balance $total (minor units); dump kept at $dump"
