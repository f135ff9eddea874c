#!/usr/bin/env bash
# Project-local Python environment for the interoperability tests (Python grpcio against our
# Swift gRPC) and the schema cross-checks. Creates `.venv` at the package root when missing, installs
# the tools that are not importable yet, and prints the path of the environment's python on stdout
# (everything else goes to stderr). Idempotent and quiet when there is nothing to do.
#
#   PY="$(bash Tools/python-env.sh)"
#
# Environment: PYTHON (the interpreter that makes the venv, default python3), SKILLS_VENV (default
# <package root>/.venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SKILLS_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

# pip name -> module that proves it is installed
PACKAGES=(grpcio grpcio-tools protobuf grpcio-health-checking grpcio-reflection cryptography pytest pyyaml)
declare -A MODULE=(
    [grpcio]=grpc
    [grpcio-tools]=grpc_tools.protoc
    [protobuf]=google.protobuf
    [grpcio-health-checking]=grpc_health.v1.health_pb2
    [grpcio-reflection]=grpc_reflection.v1alpha.proto_reflection_descriptor_database
    [cryptography]=cryptography.x509
    [pytest]=pytest
    [pyyaml]=yaml
)

say() { echo "python-env: $*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
    command -v "$PYTHON" >/dev/null || { say "$PYTHON not found; install it (Debian: apt-get install python3 python3-venv)"; exit 1; }
    say "creating $VENV"
    if ! "$PYTHON" -m venv "$VENV" >&2; then
        say "could not create a virtual environment; on Debian install python3-venv (apt-get install python3-venv)"
        rm -rf "$VENV"
        exit 1
    fi
fi
PY="$VENV/bin/python"

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! "$PY" -c "import ${MODULE[$pkg]}" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} > 0)); then
    say "installing ${missing[*]}"
    log="$(mktemp)"
    if ! "$PY" -m pip install --quiet --disable-pip-version-check --no-input "${missing[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        say "pip could not install: ${missing[*]}"
        say "is PyPI reachable? (offline machines: set PIP_INDEX_URL / PIP_FIND_LINKS to a mirror or a"
        say "wheel directory, or pre-install these into $VENV), then run this script again"
        exit 1
    fi
    rm -f "$log"
    for pkg in "${missing[@]}"; do
        "$PY" -c "import ${MODULE[$pkg]}" >/dev/null 2>&1 || { say "$pkg installed but 'import ${MODULE[$pkg]}' still fails"; exit 1; }
    done
fi

echo "$PY"
