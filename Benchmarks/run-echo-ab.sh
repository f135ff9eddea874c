#!/usr/bin/env bash
# A/B of two builds of our server: h2load drives `skills-echo serve --no-client-auth` of build A and
# of build B in alternating rounds (A B, B A, ...) on loopback, unary Echo/Get with a 1 KiB payload,
# and reports each build's median calls/s and server CPU per call (utime+stime of /proc/PID/stat
# over the measured run / calls answered 200). For a change to the RPC runtime: build the commit
# before it and the commit with it (release, `swift build -c release --product skills-echo`), then
#   bash Benchmarks/run-echo-ab.sh OLD/skills-echo NEW/skills-echo
# Environment: AB_ROUNDS (8), AB_DURATION (s per run, 10), AB_WARMUP (s, 2), AB_H2LOAD ("-c 4 -m 16").
# Needs h2load (Debian nghttp2-client) and the dev certificates (`make certs`). Both servers stop
# when it exits, also on Ctrl-C.
set -euo pipefail

[[ $# == 2 ]] || { echo "usage: $0 SKILLS_ECHO_A SKILLS_ECHO_B" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${AB_ROUNDS:-8}"
DURATION="${AB_DURATION:-10}"
WARMUP="${AB_WARMUP:-2}"
H2LOAD="${AB_H2LOAD:--c 4 -m 16}"
certs="$root/Deploy/certs/out"
work="$(mktemp -d /tmp/echo-ab.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# One gRPC message: the 5-byte prefix + EchoRequest {text: "bench", payload: 1024 bytes}, as
# run-rpc-bench.sh sends.
python3 - "$work/get.grpc" <<'PY'
import struct, sys
payload = bytes(i % 251 for i in range(1024))
msg = b"\x0a\x05bench" + b"\x12\x80\x08" + payload
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY

start() { # name binary; sets pid and port
    : > "$work/$1.log"
    "$2" serve --host 127.0.0.1 --port 0 --cert "$certs/echo.pem" --key "$certs/echo.key" --ca "$certs/ca.pem" \
        --no-client-auth > "$work/$1.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    port=""
    for _ in $(seq 1 100); do
        port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/$1.log" | head -n 1)"
        [[ -n "$port" ]] && return
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$1.log" >&2
    echo "$1 did not start" >&2
    exit 1
}
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

run() { # name pid port -> one line "name calls_per_s cpu_us_per_call"
    local url="https://127.0.0.1:$3/skills.testing.v1.Echo/Get"
    local cmd=(h2load $H2LOAD --data="$work/get.grpc" -H 'content-type: application/grpc' -H 'te: trailers')
    "${cmd[@]}" -D "$WARMUP" "$url" > /dev/null 2>&1 || true
    local before after out rps ok
    before="$(ticks "$2")"
    out="$("${cmd[@]}" -D "$DURATION" "$url" 2>&1)" || true
    after="$(ticks "$2")"
    rps="$(sed -n 's/.*finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p' <<< "$out")"
    ok="$(sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' <<< "$out")"
    python3 -c "import sys; n, r, t, hz, ok = sys.argv[1:]; print(n, r, round(int(t) * 1e6 / int(hz) / max(1, int(ok)), 1))" \
        "$1" "${rps:-0}" "$((after - before))" "$(getconf CLK_TCK)" "${ok:-0}" | tee -a "$work/runs.txt"
}

start A "$1"; pid_a=$pid port_a=$port
start B "$2"; pid_b=$pid port_b=$port
echo "A: $1 (port $port_a)   B: $2 (port $port_b)   h2load $H2LOAD, $ROUNDS rounds of ${DURATION}s"
echo "build calls/s cpu_us/call"
for round in $(seq 1 "$ROUNDS"); do
    if (( round % 2 )); then run A "$pid_a" "$port_a"; run B "$pid_b" "$port_b"
    else run B "$pid_b" "$port_b"; run A "$pid_a" "$port_a"; fi
done
python3 - "$work/runs.txt" <<'PY'
import statistics, sys
runs = {"A": [], "B": []}
for line in open(sys.argv[1]):
    name, rps, cpu = line.split()
    runs[name].append((float(rps), float(cpu)))
med = {k: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
for k, (r, c) in med.items():
    print(f"median {k}: {r:.0f} calls/s, {c:.1f} us server CPU per call")
print(f"B/A: calls/s x{med['B'][0] / med['A'][0]:.3f}, server CPU per call x{med['B'][1] / med['A'][1]:.3f}")
PY
