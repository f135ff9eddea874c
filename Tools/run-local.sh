#!/usr/bin/env bash
# `make run`: start the four services on loopback with embedded SQLite under ./data, wait until each
# reports SERVING, run the five-order demo (skillsctl demo), print where everything is, and stop the
# services cleanly on Ctrl-C.
#   RUN_CONFIG=debug make run    # skip the release build (the debug build must exist)
#   RUN_EXIT_AFTER_START=1       # start, demo, stop; exit with the demo's code (used by tests)
#   RUN_DEMO=0                   # start the services without the demo
#   RUN_PORT_BASE=7100           # gRPC ports BASE+1..BASE+4 (registration, matching, assessment, payment)
#   RUN_METRICS_PORT_BASE=9100   # metrics ports likewise
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIG=${RUN_CONFIG:-release}
CERT_DIR=${CERT_DIR:-$PWD/Deploy/certs/out}
DATA_DIR=${SKILLS_DATA_DIR:-$PWD/data}
PORT_BASE=${RUN_PORT_BASE:-7100}
METRICS_BASE=${RUN_METRICS_PORT_BASE:-9100}
BIN=$(swift build -c "$CONFIG" --show-bin-path)
mkdir -p "$DATA_DIR/logs"

# name port metrics-port
SERVICES=("registration $((PORT_BASE + 1)) $((METRICS_BASE + 1))" "assessment $((PORT_BASE + 3)) $((METRICS_BASE + 3))"
          "payment $((PORT_BASE + 4)) $((METRICS_BASE + 4))")
[[ -x "$BIN/skills-matching" ]] && SERVICES+=("matching $((PORT_BASE + 2)) $((METRICS_BASE + 2))")
ADDRESSES=(--registration-addr "127.0.0.1:$((PORT_BASE + 1))" --matching-addr "127.0.0.1:$((PORT_BASE + 2))"
           --assessment-addr "127.0.0.1:$((PORT_BASE + 3))" --payment-addr "127.0.0.1:$((PORT_BASE + 4))")
pids=()
stop() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "stopped; data and logs are in $DATA_DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM

# --accept-business-date: the services take "today" from a call's skills-business-date metadata.
# The policy file has subsidy standards for 2019-2021 only, so the demo's trainings are selected,
# completed and paid on days of those years; without the flag every such claim would be refused
# (no standard in force today). A production deployment runs without it: no caller can set the day.
for entry in "${SERVICES[@]}"; do
    read -r name port metrics <<<"$entry"
    "$BIN/skills-$name" --port "$port" --metrics-port "$metrics" --data-dir "$DATA_DIR" --cert-dir "$CERT_DIR" \
        "${ADDRESSES[@]}" --accept-business-date \
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
echo "  (started with --accept-business-date: calls may say which day of the 2019-2021 programme it is)"

demo_status=0
if [[ "${RUN_DEMO:-1}" != 0 ]]; then
    if [[ ! -x "$BIN/skillsctl" ]]; then
        echo "skillsctl is not built: swift build -c $CONFIG --product skillsctl" >&2
        exit 1
    fi
    echo
    echo "Running the five-order demo (skillsctl demo) ..."
    "$BIN/skillsctl" demo --cert-dir "$CERT_DIR" "${ADDRESSES[@]}" || demo_status=$?
    if [[ $demo_status != 0 ]]; then
        echo "The demo failed (exit $demo_status; the reason is above). Service logs: $DATA_DIR/logs." >&2
    fi
fi
cat <<MSG

Data: $DATA_DIR (one SQLite file per service; the demo runs again on it, with the same results),
logs: $DATA_DIR/logs, certificates: $CERT_DIR.
skillsctl: $BIN/skillsctl (health, progress, ledger export, call, demo, bench, replay; --help on each).
Call the services with any gRPC client and a certificate from $CERT_DIR (e.g. hrss.pem/hrss.key + ca.pem).
MSG
if [[ "${RUN_EXIT_AFTER_START:-0}" == 1 ]]; then exit "$demo_status"; fi
echo "Ctrl-C stops the services."
wait
