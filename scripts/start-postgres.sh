#!/usr/bin/env bash
# Starts the local PostgreSQL 15 and makes a test database the current user may use, then prints
# the URL for the PostgreSQL tests:  eval "$(bash scripts/start-postgres.sh)"
set -euo pipefail
pg_ctlcluster 15 main start >&2 2>/dev/null || pg_ctlcluster 15 main status >/dev/null
user="$(id -un)"
as_pg() { if [ "$user" = postgres ]; then "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi; }
for _ in $(seq 1 50); do as_pg pg_isready -q && break; sleep 0.2; done
if ! as_pg psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1; then
  as_pg psql -qc "CREATE ROLE \"$user\" SUPERUSER LOGIN" >&2
fi
if ! as_pg psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'incident_ledger_test'" | grep -q 1; then
  as_pg createdb -O "$user" incident_ledger_test >&2
fi
echo "export INCIDENT_LEDGER_PG_URL='postgresql:///incident_ledger_test?host=/var/run/postgresql'"
