#!/usr/bin/env bash
# `make run`: start the four services on loopback with embedded SQLite under ./data, wait until each
# reports SERVING, run the five-order demo (skillsctl demo), print where everything is, and stop the
# services cleanly on Ctrl-C.
#   RUN_CONFIG=debug make run    # skip the release build (the debug build must exist)
#   RUN_EXIT_AFTER_START=1       # start, demo, stop; exit with the demo's code (used by tests)
#   RUN_DEMO=0                   # start the services without the demo
#   RUN_PORT_BASE=7100           # gRPC ports BASE+1..BASE+4 (registration, matching, assessment, payment)
#   RUN_METRICS_PORT_BASE=9100   # metrics ports likewise
# `run-local.sh --check` only checks that the data directory and the ports are free (make run does,
# before its release build, so a taken port is reported at once rather than after the build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIG=${RUN_CONFIG:-release}
CERT_DIR=${CERT_DIR:-$PWD/Deploy/certs/out}
DATA_DIR=${SKILLS_DATA_DIR:-$PWD/data}
PORT_BASE=${RUN_PORT_BASE:-7100}
METRICS_BASE=${RUN_METRICS_PORT_BASE:-9100}
BIN=$(swift build -c "$CONFIG" --show-bin-path)
mkdir -p "$DATA_DIR/logs"

say() { echo "run-local: $*" >&2; }

# name port metrics-port
SERVICES=("registration $((PORT_BASE + 1)) $((METRICS_BASE + 1))" "assessment $((PORT_BASE + 3)) $((METRICS_BASE + 3))"
          "payment $((PORT_BASE + 4)) $((METRICS_BASE + 4))")
[[ -x "$BIN/skills-matching" || "${1:-}" == --check ]] && SERVICES+=("matching $((PORT_BASE + 2)) $((METRICS_BASE + 2))")
ADDRESSES=(--registration-addr "127.0.0.1:$((PORT_BASE + 1))" --matching-addr "127.0.0.1:$((PORT_BASE + 2))"
           --assessment-addr "127.0.0.1:$((PORT_BASE + 3))" --payment-addr "127.0.0.1:$((PORT_BASE + 4))")

# --- before starting anything: this data directory and every port must be ours -------------------
# One run per data directory (two would share the SQLite files). The lock is held by this script and
# the services it starts, so it is free again only when all of them are gone.
if command -v flock >/dev/null; then
    exec {lock_fd}>"$DATA_DIR/.run-local.lock"
    if ! flock -n "$lock_fd"; then
        say "another run-local.sh (make run) is using $DATA_DIR (pid $(cat "$DATA_DIR/.run-local.pid" 2>/dev/null || echo '?'));"
        say "nothing was started. Stop that one (Ctrl-C in its terminal), or use another SKILLS_DATA_DIR."
        exit 1
    fi
    echo $$ >"$DATA_DIR/.run-local.pid"
fi

# Prints who listens on TCP port $1 (ss names the process when it is this user's or we are root);
# fails when nothing does.
port_holder() {
    local line
    if command -v ss >/dev/null; then
        line=$(ss -Hltnp "( sport = :$1 )" 2>/dev/null | sed -n 1p || true)
        [[ -n "$line" ]] || return 1
        if [[ "$line" =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
            echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]})"
        else
            echo "a process ss cannot name (another user's: sudo ss -ltnp 'sport = :$1')"
        fi
        return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 1
    echo "a process (install iproute2 for ss to name it)"
}

taken=0
for entry in "${SERVICES[@]}"; do
    read -r name port metrics <<<"$entry"
    for kind in gRPC metrics; do
        p=$port
        [[ $kind == metrics ]] && p=$metrics
        if holder=$(port_holder "$p"); then
            say "port $p ($name $kind) is already in use by $holder"
            taken=1
        fi
    done
done
if [[ $taken == 1 ]]; then
    say "nothing was started. Another platform (a second \`make run\`?) holds these ports: stop it, or move this one,"
    say "e.g. RUN_PORT_BASE=$((PORT_BASE + 100)) RUN_METRICS_PORT_BASE=$((METRICS_BASE + 100)) make run"
    exit 1
fi
[[ "${1:-}" == --check ]] && exit 0

# --- start ---------------------------------------------------------------------------------------
# Every service reads its standard input from a FIFO whose only writer is this script
# (SKILLS_EXIT_WHEN_STDIN_CLOSES): when the script ends, however it ends (even SIGKILL), the services
# read end of file and shut down. Ctrl-C, SIGTERM and a normal exit also stop them through the trap.
lifeline=$(mktemp -u "${TMPDIR:-/tmp}/run-local-lifeline.XXXXXX")
mkfifo -m 600 "$lifeline"
exec {lifeline_fd}<>"$lifeline"
exec {lifeline_in}<"$lifeline"
rm -f "$lifeline"

pids=()
stop() {
    ((${#pids[@]} > 0)) || return 0
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "stopped; data and logs are in $DATA_DIR"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --accept-business-date: the services take "today" from a call's skills-business-date metadata.
# The policy file has subsidy standards for 2019-2021 only, so the demo's trainings are selected,
# completed and paid on days of those years; without the flag every such claim would be refused
# (no standard in force today). A production deployment runs without it: no caller can set the day.
for entry in "${SERVICES[@]}"; do
    read -r name port metrics <<<"$entry"
    SKILLS_EXIT_WHEN_STDIN_CLOSES=1 "$BIN/skills-$name" --port "$port" --metrics-port "$metrics" --data-dir "$DATA_DIR" \
        --cert-dir "$CERT_DIR" "${ADDRESSES[@]}" --accept-business-date \
        <&"$lifeline_in" {lifeline_in}<&- {lifeline_fd}>&- >>"$DATA_DIR/logs/$name.log" 2>&1 &
    pids+=($!)
done
exec {lifeline_in}<&-

# Whether process $1 runs (a zombie does not).
running() {
    local state
    state=$(sed -E 's/^.*\) ([A-Z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Whether process $1 itself holds a listening TCP socket on port $2: the socket's inode from
# /proc/net/tcp{,6} among the process's open files. An answer on that port is then its answer,
# not another platform's.
listens() {
    local hex inode fd
    hex=$(printf '%04X' "$2")
    for inode in $(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        for fd in /proc/"$1"/fd/*; do
            [[ "$(readlink "$fd" 2>/dev/null)" == "socket:[$inode]" ]] && return 0
        done
    done
    return 1
}

startup_deadline=$((SECONDS + ${RUN_STARTUP_TIMEOUT:-60}))
for i in "${!SERVICES[@]}"; do
    read -r name port metrics <<<"${SERVICES[$i]}"
    pid=${pids[$i]}
    until listens "$pid" "$port" && listens "$pid" "$metrics" \
            && curl -fsS "http://127.0.0.1:$metrics/healthz" >/dev/null 2>&1; do
        if ! running "$pid"; then
            say "skills-$name (pid $pid) exited during start-up; the end of $DATA_DIR/logs/$name.log:"
            tail -n 5 "$DATA_DIR/logs/$name.log" | sed 's/^/    /' >&2
            exit 1
        fi
        if ((SECONDS >= startup_deadline)); then
            say "skills-$name (pid $pid) did not become SERVING on ports $port/$metrics; see $DATA_DIR/logs/$name.log"
            exit 1
        fi
        sleep 0.1
    done
done
for i in "${!SERVICES[@]}"; do
    read -r name port metrics <<<"${SERVICES[$i]}"
    running "${pids[$i]}" || { say "skills-$name (pid ${pids[$i]}) exited; see $DATA_DIR/logs/$name.log"; exit 1; }
    printf '  %-13s SERVING  grpcs://127.0.0.1:%s  metrics http://127.0.0.1:%s/metrics  (pid %s)\n' "$name" "$port" "$metrics" "${pids[$i]}"
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
    "$BIN/skillsctl" demo --cert-dir "$CERT_DIR" "${ADDRESSES[@]}" {lifeline_fd}>&- || demo_status=$?
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
