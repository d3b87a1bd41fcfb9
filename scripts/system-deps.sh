#!/usr/bin/env bash
# Installs the Debian packages a make target needs, only those missing.
#   scripts/system-deps.sh run    -> pango (WeasyPrint lays out the printed record) and CJK fonts
#   scripts/system-deps.sh test   -> the above, chromium (browser tests), PostgreSQL server,
#                                    poppler-utils and zbar-tools (the record PDF rendered and its
#                                    QR code decoded in tests), ffmpeg (body-camera audio
#                                    and video files made by the evidence tests), nginx
#                                    (deploy/nginx in front of gunicorn in tests)
#   scripts/system-deps.sh cluster -> the runtime ones, PostgreSQL server and nginx (make run-cluster)
#   scripts/system-deps.sh bench  -> the runtime ones, PostgreSQL server (bench/load.py on it) and
#                                    wrk (bench/wrk_sync.py: a C load generator);
#                                    node and npm for the peer are not installed: without them
#                                    `make bench` prints "peer unavailable"
set -euo pipefail

want=()
runtime=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)
case "${1:-run}" in
  run) want+=("${runtime[@]}") ;;
  test) want+=("${runtime[@]}" chromium postgresql poppler-utils zbar-tools ffmpeg nginx) ;;
  cluster) want+=("${runtime[@]}" postgresql nginx) ;;
  bench) want+=("${runtime[@]}" postgresql wrk) ;;
  venv) want+=(python3-venv) ;;
  *) echo "usage: $0 run|test|cluster|bench" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "missing Debian packages: ${missing[*]} (run as root or install them)" >&2; exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
