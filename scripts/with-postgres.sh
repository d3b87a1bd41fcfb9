#!/usr/bin/env bash
# Runs a command against a private, throw-away PostgreSQL server:
#   scripts/with-postgres.sh pytest ...
# The server listens on a private socket directory and port only, is run as the `postgres` system
# user when we are root (PostgreSQL refuses to run as root), and is removed afterwards.
# The command gets FIELDCASE_TEST_DATABASE_URL pointing at it.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

port=${FIELDCASE_PG_PORT:-$((55000 + RANDOM % 5000))}
dir=$(mktemp -d /tmp/fieldcase-pg.XXXXXX)
chmod 755 "$dir"
run_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$dir"
  run_pg() { runuser -u postgres -- "$@"; }
fi

cleanup() {
  run_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

run_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: these tests kill processes, never the machine; a crash-safe server is not needed.
run_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-p $port -k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export FIELDCASE_TEST_DATABASE_URL="postgresql+psycopg://postgres@/postgres?host=$dir&port=$port"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $dir:$port"
"$@"
