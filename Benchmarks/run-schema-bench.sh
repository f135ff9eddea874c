#!/usr/bin/env bash
# Schema benchmark: encode, decode and encode+decode of a realistic skills.v1.Enrollment and
# skills.v1.Claim with our `Schema` module (Swift values packed and unpacked by protobuf-c) against
# swift-protobuf 1.39.0 on the same values, in the same process, rounds alternating between the two.
# Builds `schema-bench` in release, runs it, and writes results/schema-<date>.md.
#
# Usage: bash Benchmarks/run-schema-bench.sh      (or `make bench-schema`)
# Environment: BENCH_SECONDS (s per library per operation, 2), BENCH_ROUNDS (5), BENCH_WARMUP (s, 0.5),
#   BENCH_SKIP_BUILD (1 reuses the release binary), BENCH_OUT (the result file).
set -euo pipefail

bench="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$bench/.." && pwd)"
SECONDS_PER="${BENCH_SECONDS:-2}"
ROUNDS="${BENCH_ROUNDS:-5}"
WARMUP="${BENCH_WARMUP:-0.5}"
OUT="${BENCH_OUT:-$bench/results/schema-$(date +%Y-%m-%d).md}"

cd "$bench"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    nice swift build -c release --product schema-bench >&2
fi
bin="$(swift build -c release --show-bin-path)/schema-bench"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
load="$(cut -d' ' -f1-3 /proc/loadavg)"
table="$("$bin" --seconds "$SECONDS_PER" --rounds "$ROUNDS" --warmup "$WARMUP" 2> >(tee "$log" >&2))"
wait  # for tee

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]]; then commit="$commit (with uncommitted changes)"; fi
mkdir -p "$(dirname "$OUT")"
{
    echo "# Schema benchmark, $(date +%Y-%m-%d)"
    echo
    echo "Commit $commit; $(nproc) cores, Linux $(uname -r); load average at the start $load."
    echo "\`schema-bench --seconds $SECONDS_PER --rounds $ROUNDS --warmup $WARMUP\` (release): ours = \`Schema\`"
    echo "(\`serializedBytes()\` / \`init(serializedBytes:)\`, protobuf-c underneath), baseline = swift-protobuf"
    echo "1.39.0 (\`serializedBytes()\` / \`init(serializedBytes:)\`, [UInt8] both ways). Each figure is the median"
    echo "of $ROUNDS rounds of $SECONDS_PER/$ROUNDS s, the two libraries alternating round by round after a"
    echo "warm-up; ratios below 1 mean ours is faster."
    echo
    echo "$table"
    echo
    echo '```'
    cat "$log"
    echo '```'
} > "$OUT"
echo "$table"
echo "wrote $OUT" >&2
