#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster on 127.0.0.1:5432 and create the test role and database.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_roles WHERE rolname='newsletter'\"" | grep -q 1 ||
  su postgres -c "psql -q -c \"CREATE ROLE newsletter LOGIN SUPERUSER PASSWORD 'newsletter'\""
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_database WHERE datname='newsletter_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O newsletter newsletter_test"
