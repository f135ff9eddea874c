#!/usr/bin/env bash
# Issue 14's figures for two release builds, measured one after the other on the same machine:
#
#   bash Benchmarks/run-issue14-ab.sh --old DIR --new DIR [--out DIR] [--rounds N] [sqlite] [bench] [pg] [big]
#
# DIR is a directory holding skillsctl and the four service executables (a `.build/release` of each
# build; build the old one in a worktree of its own). What each part runs, old then new, N rounds:
#   sqlite  skillsctl replay --launch --trainings 3000 --seed 11   (trainings/s, CPU per training, peak RSS)
#   bench   Benchmarks/bench-service-path.py                      (idle RSS, GetWorker/RegisterWorker CPU)
#   pg      the replay of 2,000 trainings, seed 13, on a PostgreSQL server of its own (initdb in a
#           temporary directory, a free port, fsync on, a fresh server per run), with
#           Benchmarks/postgres-cpu.py for the server's CPU per training and the server log's count
#           of serialisation failures
#   big     skillsctl replay --launch --trainings 150000 --seed 7, the new build only (~10 minutes)
# Each run's whole output goes to --out (default: a new temporary directory); a line per run, with
# the load average as it began, goes to standard output, and for sqlite and pg the median of each
# build's rounds. Run it on a quiet machine: 2 shared cores move single figures by 10-20%.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD="" NEW="" OUT="" ROUNDS=2 PARTS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --old) OLD="$(cd "$2" && pwd)"; shift 2 ;;
        --new) NEW="$(cd "$2" && pwd)"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        sqlite | bench | pg | big) PARTS+=("$1"); shift ;;
        *) echo "run-issue14-ab: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
    esac
done
[[ -n "$NEW" ]] || { echo "run-issue14-ab: --new DIR is required" >&2; exit 2; }
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(sqlite bench pg)
OUT="${OUT:-$(mktemp -d -t issue14-ab-XXXXXX)}"
mkdir -p "$OUT"
CERTS="$ROOT/Deploy/certs/out"
bash "$ROOT/Deploy/certs/make-dev-certs.sh" "$CERTS" >/dev/null
BUILDS=(new)
[[ -n "$OLD" ]] && BUILDS=(old new)

load() { cut -d' ' -f1 /proc/loadavg; }
bin_of() { if [[ $1 == old ]]; then echo "$OLD"; else echo "$NEW"; fi; }

# One line from a replay's summary: trainings/s, the sum of the five CPU figures, p99, reconciliation.
summarise() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rate = re.search(r"; ([\d.]+) trainings/s", text)
p99 = re.search(r"all calls p50 ([\d.]+) ms, p99 ([\d.]+) ms", text)
cpu = sum(float(x) for x in re.findall(r"(?:registration|matching|assessment|payment|skillsctl) ([\d.]+) µs", text))
server = re.search(r"([\d.]+) ms per unit", text)
exact = "exact" if re.search(r"^reconciliation: OK", text, re.M) else "NOT EXACT"
print(f"{rate.group(1) if rate else '?'} trainings/s, {cpu / 1000:.2f} ms CPU per training (4 services + skillsctl), "
      f"p99 {p99.group(2) if p99 else '?'} ms" + (f", PostgreSQL server {server.group(1)} ms per training" if server else "")
      + f", reconciliation {exact}")
PY
}

# The median of each build's rounds of one part, and new against old: single runs on two shared cores
# drift by 10-20% within minutes, alternating rounds and their medians do not.
medians() { # part (sqlite or pg)
    python3 - "$OUT" "$1" <<'PY'
import glob, re, statistics, sys
out, part = sys.argv[1], sys.argv[2]
figures = {}
for build in ("old", "new"):
    rates, cpus, servers = [], [], []
    for path in sorted(glob.glob(f"{out}/{part}-{build}-*.txt")):
        text = open(path).read()
        rate = re.search(r"; ([\d.]+) trainings/s", text)
        cpu = [float(x) for x in re.findall(r"(?:registration|matching|assessment|payment|skillsctl) ([\d.]+) µs", text)]
        server = re.search(r"([\d.]+) ms per unit", text)
        if rate and cpu:
            rates.append(float(rate.group(1)))
            cpus.append(sum(cpu) / 1000)
        if server:
            servers.append(float(server.group(1)))
    if rates:
        figures[build] = (statistics.median(rates), statistics.median(cpus),
                          statistics.median(servers) if servers else None, len(rates))
line = []
for build, (rate, cpu, server, n) in figures.items():
    line.append(f"{build} {rate:.1f} trainings/s, {cpu:.2f} ms CPU per training"
                + (f", PostgreSQL server {server:.2f} ms" if server is not None else "") + f" ({n} rounds)")
if "old" in figures and "new" in figures:
    (r0, c0, s0, _), (r1, c1, s1, _) = figures["old"], figures["new"]
    line.append(f"new/old: trainings/s {r1 / r0:.2f}, CPU {c1 / c0:.2f}" + (f", server {s1 / s0:.2f}" if s0 and s1 else ""))
print(f"{part} medians: " + "; ".join(line))
PY
}

replay() { # build trainings seed out [extra replay arguments]
    local bin
    bin="$(bin_of "$1")"
    echo "load $(load) as it began" >"$4"
    (cd "$ROOT" && "$bin/skillsctl" replay --launch --trainings "$2" --seed "$3" --bin-dir "$bin" \
        --cert-dir "$CERTS" "${@:5}" >>"$4" 2>&1) || true
    forget_data "$4"
}

# A launched replay keeps its data directory for inspection (a 150,000 replay's is ~2.5 GB).
forget_data() {
    local data
    data="$(grep -o 'launched in /tmp/skills-replay-[^ ]*' "$1" | head -n 1 | cut -d' ' -f3)"
    [[ -n "$data" && -d "$data" ]] && rm -rf "$data"
    return 0
}

PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
as_postgres() { if [[ $(id -u) == 0 ]]; then su postgres -c "$*"; else bash -c "$*"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pg_replay() { # build round
    local dir port out="$OUT/pg-$1-$2.txt"
    dir="$(mktemp -d -t issue14-pg-XXXXXX)"
    port="$(free_port)"
    [[ $(id -u) == 0 ]] && chown postgres "$dir"
    as_postgres "'$PGBIN/initdb' -D '$dir/data' -A trust -U postgres >/dev/null"
    as_postgres "'$PGBIN/pg_ctl' -D '$dir/data' -l '$dir/log' -w start -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200\" >/dev/null"
    local postmaster bin
    postmaster="$(head -n 1 "$dir/data/postmaster.pid")"
    bin="$(bin_of "$1")"
    echo "load $(load) as it began" >"$out"
    (cd "$ROOT" && python3 "$ROOT/Benchmarks/postgres-cpu.py" --pid "$postmaster" --per 2000 -- \
        "$bin/skillsctl" replay --launch --trainings 2000 --seed 13 --bin-dir "$bin" --cert-dir "$CERTS" \
        --database "postgres://postgres@127.0.0.1:$port/postgres" >>"$out" 2>&1) || true
    forget_data "$out"
    echo "serialisation failures in the server log: $(grep -c 'could not serialize' "$dir/log" || true)" >>"$out"
    as_postgres "'$PGBIN/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null"
    rm -rf "$dir"
    echo "pg $1 round $2 ($(head -n 1 "$out")): $(summarise "$out"); $(tail -n 1 "$out")"
}

for part in "${PARTS[@]}"; do
    case "$part" in
        sqlite)
            for round in $(seq 1 "$ROUNDS"); do
                for build in "${BUILDS[@]}"; do
                    out="$OUT/sqlite-$build-$round.txt"
                    replay "$build" 3000 11 "$out"
                    echo "sqlite $build round $round ($(head -n 1 "$out")): $(summarise "$out")"
                done
            done
            medians sqlite ;;
        bench)
            args=()
            for build in "${BUILDS[@]}"; do args+=(--bin-dir "$build=$(bin_of "$build")"); done
            python3 "$ROOT/Benchmarks/bench-service-path.py" "${args[@]}" --rounds "$ROUNDS" | tee "$OUT/bench.txt" ;;
        pg)
            [[ -n "$PGBIN" ]] || { echo "run-issue14-ab: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)" >&2; exit 1; }
            for round in $(seq 1 "$ROUNDS"); do
                for build in "${BUILDS[@]}"; do pg_replay "$build" "$round"; done
            done
            medians pg ;;
        big)
            replay new 150000 7 "$OUT/big.txt"
            echo "big new ($(head -n 1 "$OUT/big.txt")): $(grep -E '^wall time' "$OUT/big.txt"); $(summarise "$OUT/big.txt")" ;;
    esac
done
echo "run-issue14-ab: the whole output of each run is in $OUT"
