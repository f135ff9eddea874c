#!/usr/bin/env bash
# Makes sure the Debian packages the build and the tests need are installed.
#   protobuf-c (runtime headers + protoc-c), protoc, OpenSSL headers, pkg-config (SwiftPM finds
#   openssl through it), nghttp2-client (h2load for the RPC benchmark), nginx + libnginx-mod-stream
#   (Deploy/nginx checks and the live load-balancer test), librsvg2-bin (`skillsctl progress --chart x.png`).
# As root: installs what is missing with apt-get. Otherwise: prints the exact command and exits 1.
# Extra packages can be appended as arguments (e.g. postgresql).
set -euo pipefail

PACKAGES=(libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev libssl-dev pkg-config nghttp2-client
          nginx libnginx-mod-stream librsvg2-bin "$@")

if ! command -v dpkg-query >/dev/null; then
    echo "ensure-system-packages: not a Debian/Ubuntu system (no dpkg); install the equivalents of:" >&2
    echo "  ${PACKAGES[*]}" >&2
    exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

((${#missing[@]} == 0)) && exit 0

if [[ "$(id -u)" != 0 ]]; then
    echo "ensure-system-packages: missing Debian packages: ${missing[*]}" >&2
    echo "install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "ensure-system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
