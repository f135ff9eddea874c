#!/usr/bin/env bash
# Makes sure the Debian packages the build and the tests need are installed: the list in
# Tools/system-packages.txt (what each is for is noted there; Tools/check-system-packages.sh, run by
# `make test`, checks that the list covers every system file the build reads).
# As root: installs what is missing with apt-get. Otherwise: prints the exact command and exits 1.
# Extra packages can be appended as arguments (e.g. postgresql).
# Environment: SKILLS_SYSTEM_PACKAGES (another list file).
set -euo pipefail

LIST="${SKILLS_SYSTEM_PACKAGES:-$(dirname "${BASH_SOURCE[0]}")/system-packages.txt}"
mapfile -t PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$LIST")
PACKAGES+=("$@")

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
