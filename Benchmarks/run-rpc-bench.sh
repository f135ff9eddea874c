#!/usr/bin/env bash
# RPC benchmark: our gRPC stack (`skills-echo serve`, OpenSSL mTLS) against grpc-swift-2 2.4.3
# (+ grpc-swift-nio-transport, NIOSSL, swift-protobuf) in the same run, on loopback.
#
#  - each stack is driven by the same closed-loop load generator (Sources/LoadCore) through its own
#    client, over mTLS, unary Echo/Get with a 1 KiB payload, for each of $BENCH_CONFIGS
#    (CONNECTIONSxCALLS_IN_FLIGHT; default 1x1 and 4x64), after a short warm-up;
#  - the server's CPU time per call = (utime+stime) delta of /proc/PID/stat over the measured run,
#    in clock ticks, / calls;
#  - resident memory (VmRSS in /proc/PID/status) idle, after start-up, and the highest seen under load;
#  - h2load (nghttp2-client) as an independent load generator, sending gRPC Get frames. It cannot
#    present a client certificate, so it runs against a second instance of each server started with
#    --no-client-auth (skipped for our server when `skills-echo serve --help` does not list it).
#
# Usage: bash Benchmarks/run-rpc-bench.sh      (or `make bench-rpc`)
# Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONFIGS ("1x1 4x64"),
#   BENCH_PAYLOAD (1024), BENCH_H2LOAD (1; 0 skips), BENCH_H2LOAD_CONFIG ("-c 4 -m 16"),
#   BENCH_SKIP_BUILD (1 reuses the release binaries), BENCH_OUT (the result file),
#   BENCH_OURS_BIN / BENCH_BASE_BIN (serve with these executables instead of the release builds).
# Every server it starts is stopped when it exits, also on Ctrl-C or SIGTERM.
set -euo pipefail

bench="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$bench/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-2}"
CONFIGS="${BENCH_CONFIGS:-1x1 4x64}"
PAYLOAD="${BENCH_PAYLOAD:-1024}"
H2LOAD="${BENCH_H2LOAD:-1}"
H2LOAD_CONFIG="${BENCH_H2LOAD_CONFIG:--c 4 -m 16}"
OUT="${BENCH_OUT:-$bench/results/rpc-$(date +%Y-%m-%d).md}"
certs="$root/Deploy/certs/out"
work="$(mktemp -d /tmp/rpc-bench.XXXXXX)"
results="$work/results.jsonl"
: > "$results"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

log() { echo "[rpc-bench] $*" >&2; }

# --- build (release) ---------------------------------------------------------------------------
# Our server from the parent package, the two load generators and the baseline server from this one.
# Both build folders live in Benchmarks/.build (ignored by git).
main_scratch="$bench/.build/main-release"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    log "building skills-echo (parent package, release) ..."
    (cd "$root" && nice -n 10 swift build -c release --product skills-echo --scratch-path "$main_scratch" >&2)
    log "building grpc-swift-echo and skills-echo-load (release; the first build of grpc-swift-2 takes ~10 min on 2 cores) ..."
    (cd "$bench" && nice -n 10 swift build -c release >&2)
fi
ours_bin="${BENCH_OURS_BIN:-$(cd "$root" && swift build -c release --scratch-path "$main_scratch" --show-bin-path)/skills-echo}"
bench_bin="$(cd "$bench" && swift build -c release --show-bin-path)"
ours_load="$bench_bin/skills-echo-load"
base_bin="${BENCH_BASE_BIN:-$bench_bin/grpc-swift-echo}"

# --- certificates --------------------------------------------------------------------------------
bash "$root/Deploy/certs/make-dev-certs.sh" "$certs" >&2
server_tls=(--cert "$certs/echo.pem" --key "$certs/echo.key" --ca "$certs/ca.pem")
client_tls=(--cert "$certs/hrss.pem" --key "$certs/hrss.key" --ca "$certs/ca.pem")

# --- helpers -------------------------------------------------------------------------------------
clk_tck="$(getconf CLK_TCK)"
cpu_ticks() { # utime+stime of a process (fields 14 and 15, counted after the ")" of comm)
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Runs in this shell, not in a $(...) or <(...) subshell: the PID must reach `pids` here for the
# EXIT trap to stop the server (a subshell's copy of `pids` was lost with it, which left the
# servers running after every `make bench-rpc`).
start_server() { # name logfile command... ; sets server_pid and server_port
    local name="$1" logfile="$2"; shift 2
    "$@" > "$logfile" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    server_port=""
    for _ in $(seq 1 200); do
        server_port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$logfile" | head -n 1)"
        [[ -n "$server_port" ]] && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$logfile" >&2; echo "$name exited" >&2; exit 1; }
        sleep 0.1
    done
    [[ -n "$server_port" ]] || { cat "$logfile" >&2; echo "$name did not start" >&2; exit 1; }
}

# Samples a process's VmRSS every 0.2 s into a file until stopped; the file keeps the maximum.
sample_rss() { # pid file
    local max=0 now
    while kill -0 "$1" 2>/dev/null; do
        now="$(rss_kib "$1" 2>/dev/null || echo 0)"
        (( now > max )) && max=$now && echo "$max" > "$2"
        sleep 0.2
    done
}

measure() { # stack label server-pid command...   -> one JSON line appended to $results
    local stack="$1" label="$2" pid="$3"; shift 3
    local rssfile="$work/rss-$stack-$label"
    echo 0 > "$rssfile"
    sample_rss "$pid" "$rssfile" &
    local sampler=$!
    local before after json
    before="$(cpu_ticks "$pid")"
    json="$("$@")"
    after="$(cpu_ticks "$pid")"
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    python3 - "$json" "$stack" "$label" "$((after - before))" "$clk_tck" "$(cat "$rssfile")" >> "$results" <<'PY'
import json, sys
raw, stack, label, ticks, hz, rss = sys.argv[1:]
r = json.loads(raw.strip().splitlines()[-1])
r.update(stack=stack, label=label, server_cpu_s=int(ticks) / int(hz), rss_load_kib=int(rss))
r["server_cpu_us_per_call"] = r["server_cpu_s"] * 1e6 / r["calls"] if r["calls"] else None
print(json.dumps(r))
PY
    log "$(tail -n 1 "$results")"
}

# --- servers -------------------------------------------------------------------------------------
start_server ours "$work/ours.log" "$ours_bin" serve --host 127.0.0.1 --port 0 "${server_tls[@]}"
ours_pid=$server_pid ours_port=$server_port
start_server grpc-swift-2 "$work/base.log" "$base_bin" serve --host 127.0.0.1 --port 0 "${server_tls[@]}"
base_pid=$server_pid base_port=$server_port
log "ours: pid $ours_pid port $ours_port; grpc-swift-2: pid $base_pid port $base_port"
sleep 1
echo "{\"stack\":\"ours\",\"label\":\"idle\",\"rss_idle_kib\":$(rss_kib "$ours_pid")}" >> "$results"
echo "{\"stack\":\"grpc-swift-2\",\"label\":\"idle\",\"rss_idle_kib\":$(rss_kib "$base_pid")}" >> "$results"

# --- own clients, both stacks interleaved per configuration ---------------------------------------
for config in $CONFIGS; do
    c="${config%x*}"; k="${config#*x}"
    for stack in ours grpc-swift-2; do
        if [[ "$stack" == ours ]]; then pid=$ours_pid; port=$ours_port; load=("$ours_load" load)
        else pid=$base_pid; port=$base_port; load=("$base_bin" load); fi
        args=(--target "127.0.0.1:$port" "${client_tls[@]}" --connections "$c" --concurrency "$k" --payload "$PAYLOAD")
        log "$stack ${c}x${k}: warm-up ${WARMUP}s, then ${DURATION}s"
        "${load[@]}" "${args[@]}" --duration "$WARMUP" > /dev/null
        measure "$stack" "${c}x${k}" "$pid" "${load[@]}" "${args[@]}" --duration "$DURATION" --label "${c}x${k}"
    done
done
echo "{\"stack\":\"ours\",\"label\":\"after\",\"rss_after_kib\":$(rss_kib "$ours_pid")}" >> "$results"
echo "{\"stack\":\"grpc-swift-2\",\"label\":\"after\",\"rss_after_kib\":$(rss_kib "$base_pid")}" >> "$results"

# --- h2load -------------------------------------------------------------------------------------
h2load_run() { # stack pid port
    local stack="$1" pid="$2" port="$3" before after out
    local url="https://127.0.0.1:$port/skills.testing.v1.Echo/Get"
    local cmd=(h2load $H2LOAD_CONFIG --data="$work/get.grpc" -H 'content-type: application/grpc' -H 'te: trailers')
    log "$stack h2load $H2LOAD_CONFIG: warm-up ${WARMUP}s, then ${DURATION}s"
    "${cmd[@]}" -D "$WARMUP" "$url" > "$work/h2load-warm-$stack.txt" 2>&1 || true
    before="$(cpu_ticks "$pid")"
    out="$("${cmd[@]}" -D "$DURATION" "$url" 2>&1)" || true
    after="$(cpu_ticks "$pid")"
    echo "$out" > "$work/h2load-$stack.txt"
    python3 - "$stack" "$((after - before))" "$clk_tck" "$H2LOAD_CONFIG" "$work/h2load-$stack.txt" >> "$results" <<'PY'
import json, re, sys
stack, ticks, hz, config, path = sys.argv[1:]
text = open(path).read()
def grab(pattern, cast=float):
    m = re.search(pattern, text)
    return cast(m.group(1)) if m else None
ok = grab(r"status codes: (\d+) 2xx", int) or 0
r = {"stack": stack, "label": "h2load", "config": config,
     "calls_per_s": grab(r"finished in [\d.]+s, ([\d.]+) req/s"),
     "calls": ok, "failed": grab(r"(\d+) failed", int), "errored": grab(r"(\d+) errored", int),
     "server_cpu_s": int(ticks) / int(hz)}
m = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", text)
if m:
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    r["mean_ms"] = float(m.group(5)) * scale[m.group(6)]
    r["max_ms"] = float(m.group(3)) * scale[m.group(4)]
r["server_cpu_us_per_call"] = r["server_cpu_s"] * 1e6 / ok if ok else None
print(json.dumps(r))
PY
    log "$(tail -n 1 "$results")"
}

if [[ "$H2LOAD" == 1 ]] && command -v h2load > /dev/null; then
    # One gRPC message: the 5-byte prefix (not compressed, big-endian length) + an EchoRequest
    # {text: "bench", payload: PAYLOAD bytes}, the same request the Swift clients send.
    python3 - "$PAYLOAD" "$work/get.grpc" <<'PY'
import struct, sys
n, path = int(sys.argv[1]), sys.argv[2]
def varint(v):
    out = b""
    while True:
        b = v & 0x7F; v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v: return out
payload = bytes(i % 251 for i in range(n))
msg = b"\x0a" + varint(5) + b"bench" + b"\x12" + varint(n) + payload
open(path, "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
    if "$ours_bin" serve --help 2>&1 | grep -q -- '--no-client-auth'; then
        start_server ours-h2load "$work/ours-h2.log" "$ours_bin" serve --host 127.0.0.1 --port 0 "${server_tls[@]}" --no-client-auth
        h_pid=$server_pid h_port=$server_port
        h2load_run ours "$h_pid" "$h_port"
        kill -TERM "$h_pid" 2>/dev/null || true
    else
        log "skipping h2load against ours: \`skills-echo serve\` has no --no-client-auth and h2load cannot present a client certificate"
    fi
    start_server grpc-swift-2-h2load "$work/base-h2.log" "$base_bin" serve --host 127.0.0.1 --port 0 "${server_tls[@]}" --no-client-auth
    h_pid=$server_pid h_port=$server_port
    h2load_run grpc-swift-2 "$h_pid" "$h_port"
    kill -TERM "$h_pid" 2>/dev/null || true
else
    log "skipping h2load (BENCH_H2LOAD=$H2LOAD or h2load not installed: apt-get install nghttp2-client)"
fi

# --- report -------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
python3 "$bench/render-results.py" "$results" "$DURATION" "$WARMUP" "$PAYLOAD" > "$OUT"
cp "$results" "${OUT%.md}.jsonl"
cat "$OUT"
log "written to $OUT (raw: ${OUT%.md}.jsonl)"
