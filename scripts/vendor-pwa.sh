#!/usr/bin/env bash
# Fetches the PWA's libraries from the npm registry at the exact versions (and tarball integrity)
# pinned in static/pwa/vendor/VERSIONS and copies their browser builds and licences into
# static/pwa/vendor/; the same for the dashboard's (static/oversight/vendor/VERSIONS: ECharts,
# kept out of the PWA so that phones never cache it). A package's NOTICE file (Apache-2.0)
# goes beside its licence as <vendored-as>.NOTICE. The result is committed, so `make run` needs
# no npm and no bundler.
#   scripts/vendor-pwa.sh          re-vendor everything listed
#   scripts/vendor-pwa.sh --check  verify the committed files equal what the registry serves
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
check=0
[ "${1:-}" = "--check" ] && check=1
command -v npm >/dev/null || { echo "npm is needed to vendor (apt-get install npm)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

vendor_folder() {
vendor="$1"
while read -r spec integrity source target; do
  case "$spec" in ''|'#'*) continue ;; esac
  dir="$work/${target%.*}"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$dir"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "$spec: integrity $actual differs from the pinned $integrity" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$dir"
  licence=""
  for candidate in "$dir"/package/LICENSE* "$dir"/package/LICENCE* "$dir"/package/license*; do
    [ -f "$candidate" ] && { licence="$candidate"; break; }
  done
  [ -n "$licence" ] || { echo "$spec: no licence file in the package" >&2; exit 1; }
  pairs=("$dir/package/$source:$vendor/$target" "$licence:$vendor/$target.LICENSE")
  [ -f "$dir/package/NOTICE" ] && pairs+=("$dir/package/NOTICE:$vendor/$target.NOTICE")
  if [ "$check" = 1 ]; then
    for pair in "${pairs[@]}"; do
      if ! cmp -s "${pair%%:*}" "${pair#*:}"; then
        echo "differs from $spec: ${pair#*:}" >&2; status=1
      fi
    done
  else
    # A first line naming the origin would change the bytes; the VERSIONS file says where each came from.
    for pair in "${pairs[@]}"; do
      install -m 0644 "${pair%%:*}" "${pair#*:}"
    done
    echo "vendored $spec -> ${vendor#"$root"/}/$target"
  fi
done < "$vendor/VERSIONS"
}

vendor_folder "$root/static/pwa/vendor"
vendor_folder "$root/static/oversight/vendor"

[ "$check" = 1 ] && [ "$status" = 0 ] && echo "vendored files match the pinned packages"
exit $status
