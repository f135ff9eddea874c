#!/usr/bin/env bash
# `make run`: start the services that exist on loopback with embedded SQLite under ./data, wait
# until each reports SERVING, print where everything is, and stop them cleanly on Ctrl-C.
#   RUN_CONFIG=debug make run    # skip the release build
#   RUN_EXIT_AFTER_START=1       # start, check, stop (used by tests)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIG=${RUN_CONFIG:-release}
CERT_DIR=${CERT_DIR:-$PWD/Deploy/certs/out}
DATA_DIR=${SKILLS_DATA_DIR:-$PWD/data}
BIN=$(swift build -c "$CONFIG" --show-bin-path)
mkdir -p "$DATA_DIR/logs"

# name port metrics-port
SERVICES=("registration 7101 9101" "assessment 7103 9103" "payment 7104 9104")
[[ -x "$BIN/skills-matching" ]] && SERVICES+=("matching 7102 9102")
pids=()
stop() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "stopped; data and logs are in $DATA_DIR"
}
trap stop EXIT INT TERM

for entry in "${SERVICES[@]}"; do
    read -r name port metrics <<<"$entry"
    "$BIN/skills-$name" --port "$port" --metrics-port "$metrics" --data-dir "$DATA_DIR" --cert-dir "$CERT_DIR" \
        --registration-addr 127.0.0.1:7101 --matching-addr 127.0.0.1:7102 \
        --assessment-addr 127.0.0.1:7103 --payment-addr 127.0.0.1:7104 \
        >>"$DATA_DIR/logs/$name.log" 2>&1 &
    pids+=($!)
done

for entry in "${SERVICES[@]}"; do
    read -r name port metrics <<<"$entry"
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$metrics/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    if curl -fsS "http://127.0.0.1:$metrics/healthz" >/dev/null 2>&1; then
        printf '  %-13s SERVING  grpcs://127.0.0.1:%s  metrics http://127.0.0.1:%s/metrics\n' "$name" "$port" "$metrics"
    else
        echo "  $name did not become SERVING; see $DATA_DIR/logs/$name.log" >&2
        exit 1
    fi
done
cat <<MSG

Data: $DATA_DIR (SQLite per service), logs: $DATA_DIR/logs, certificates: $CERT_DIR.
Call them with any gRPC client and a certificate from $CERT_DIR (e.g. hrss.pem/hrss.key + ca.pem).
The five-order demo (skillsctl) is not built yet (issue 7).
MSG
if [[ "${RUN_EXIT_AFTER_START:-0}" == 1 ]]; then exit 0; fi
echo "Ctrl-C stops the services."
wait
