#!/usr/bin/env python3
"""Instructions per training of each service and of skillsctl, counted by Valgrind's callgrind.

CPU time on these 2-core machines drifts by 10-20% within an hour, so a change worth 1-3% cannot be
seen in it however many rounds are run. Instructions executed in user space can: the same replay
counts the same within ~1% (payment ~3%: how many WAL checkpoints fall in the run). What they do not
count is the kernel (a fifth of a replay's CPU: sockets, the WAL's writes) and time stalled on
memory, so a ratio of instructions overstates a ratio of CPU time; quote both.

For each --bin-dir (a release build's bin directory), --rounds times, alternating: start the four
services under callgrind (SQLite, fresh data, free ports, business dates accepted), zero their
counters once they serve, run `skillsctl replay` (itself under callgrind) for --trainings trainings
(seed 11), dump, and print the instructions per training of each process. Under Valgrind the replay
runs ~50 times slower: 500 trainings take ~40 s.

    python3 Benchmarks/instructions-per-training.py --bin-dir old=DIR --bin-dir new=DIR [--rounds 2]
        [--trainings 500] [--top 40]

--top N also prints, per build, the N functions with the most instructions of their own over all
five processes (per training, demangled). Needs valgrind and binutils (`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["registration", "matching", "assessment", "payment"]
PROCESSES = SERVICES + ["skillsctl"]
COMPRESSED = re.compile(r"^(c?)(ob|fn|fl|fi|fe)=\((\d+)\)(?: (.*))?$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stripped_copy(binary: Path, into: Path) -> Path:
    """Valgrind 3.19 cannot read the DWARF 5 that Swift's clang writes: run a copy without it."""
    copy = into / binary.name
    subprocess.run(["objcopy", "--strip-debug", str(binary), str(copy)], check=True)
    return copy


def total_instructions(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    sys.exit(f"no totals in {path}")


def self_costs(path: Path) -> collections.Counter:
    """Instructions of each (object, function) itself, from a callgrind file (compressed names; the
    cost line after `calls=` is a callee's inclusive cost, not the caller's own)."""
    names: dict[tuple[str, str], str] = {}
    current = {"ob": "?", "fn": "?"}
    costs: collections.Counter = collections.Counter()
    after_call = False
    for line in path.read_text(errors="replace").splitlines():
        match = COMPRESSED.match(line)
        if match:
            callee, kind, number, name = match.groups()
            if name:
                names[(kind, number)] = name
            if not callee and kind in current:
                current[kind] = names.get((kind, number), number)
            continue
        if line.startswith("calls="):
            after_call = True
            continue
        if line[:1].isdigit() or line[:1] in "+-*":
            fields = line.split()
            if len(fields) >= 2:
                if after_call:
                    after_call = False
                else:
                    costs[(current["ob"].rsplit("/", 1)[-1], current["fn"])] += int(fields[1])
    return costs


def wait_serving(skillsctl: Path, certs: Path, addresses: list[str], processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            sys.exit("a service exited while starting under valgrind")
        health = subprocess.run([str(skillsctl), "health", "--cert-dir", str(certs), "--timeout-ms", "30000",
                                 *addresses], capture_output=True)
        if health.returncode == 0:
            return
        time.sleep(1)
    sys.exit("the services did not serve under valgrind in time")


def one_round(bin_dir: Path, trainings: int, certs: Path) -> tuple[dict[str, float], collections.Counter]:
    work = Path(tempfile.mkdtemp(prefix="instructions-"))
    ports = {name: free_port() for name in SERVICES}
    addresses = [a for name in SERVICES for a in (f"--{name}-addr", f"127.0.0.1:{ports[name]}")]
    processes = []
    try:
        for name in SERVICES:
            executable = stripped_copy(bin_dir / f"skills-{name}", work)
            processes.append(subprocess.Popen(
                ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={work}/{name}.cg",
                 str(executable), "--host", "127.0.0.1", "--port", str(ports[name]), "--metrics-port", "off",
                 "--data-dir", str(work / "data"), "--cert-dir", str(certs), "--accept-business-date",
                 "--log-level", "warning", *addresses],
                stdout=open(work / f"{name}.log", "w"), stderr=subprocess.STDOUT))
        wait_serving(bin_dir / "skillsctl", certs, addresses, processes)
        for p in processes:
            subprocess.run(["callgrind_control", "--zero", str(p.pid)], check=True, capture_output=True)
        skillsctl = stripped_copy(bin_dir / "skillsctl", work)
        replay = subprocess.run(
            ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={work}/skillsctl.cg",
             str(skillsctl), "replay", "--cert-dir", str(certs), "--trainings", str(trainings), "--seed", "11",
             "--business-dates", "on", "--timeout-ms", "600000", "--call-timeout-ms", "600000", *addresses],
            capture_output=True, text=True)
        if "reconciliation: OK" not in replay.stdout:
            sys.exit(f"the replay under valgrind did not reconcile:\n{replay.stdout[-2000:]}{replay.stderr[-2000:]}")
        for p in processes:
            subprocess.run(["callgrind_control", "--dump=replay", str(p.pid)], check=True, capture_output=True)
    finally:
        for p in processes:
            p.send_signal(signal.SIGTERM)
        for p in processes:
            p.wait(timeout=300)
    files = {name: max(work.glob(f"{name}.cg.*"), key=lambda f: int(f.suffix[1:])) for name in SERVICES}
    files["skillsctl"] = work / "skillsctl.cg"
    per_training = {name: total_instructions(path) / trainings for name, path in files.items()}
    costs: collections.Counter = collections.Counter()
    for path in files.values():
        costs.update(self_costs(path))
    shutil.rmtree(work)
    return per_training, costs


def demangled(names: list[str]) -> list[str]:
    swift = shutil.which("swift")
    if not swift:
        return names
    out = subprocess.run([swift, "demangle", "--simplified", "--compact"], input="\n".join(names),
                         capture_output=True, text=True).stdout.splitlines()
    return out if len(out) == len(names) else names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", action="append", required=True, metavar="LABEL=DIR")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--trainings", type=int, default=500)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--certs", type=Path, default=ROOT / "Deploy" / "certs" / "out")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "objcopy"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install valgrind binutils")
    builds = [tuple(spec.split("=", 1)) if "=" in spec else (spec, spec) for spec in args.bin_dir]
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in builds}
    costs: dict[str, collections.Counter] = {label: collections.Counter() for label, _ in builds}
    for round_number in range(1, args.rounds + 1):
        for label, directory in builds:
            figures, round_costs = one_round(Path(directory), args.trainings, args.certs)
            results[label].append(figures)
            costs[label].update(round_costs)
            print(f"{label} round {round_number}: " + ", ".join(f"{p} {figures[p] / 1e6:.3f}" for p in PROCESSES)
                  + f"; all {sum(figures.values()) / 1e6:.3f} M instructions per training", flush=True)
    print(f"\nmedians of {args.rounds} rounds, {args.trainings} trainings each (M instructions per training):")
    print(f"{'build':12}" + "".join(f"{p:>14}" for p in PROCESSES) + f"{'all':>10}")
    medians = {}
    for label, _ in builds:
        row = {p: statistics.median(r[p] for r in results[label]) for p in PROCESSES}
        all_median = statistics.median(sum(r.values()) for r in results[label])
        medians[label] = all_median
        print(f"{label:12}" + "".join(f"{row[p] / 1e6:14.3f}" for p in PROCESSES) + f"{all_median / 1e6:10.3f}")
    first = builds[0][0]
    for label, _ in builds[1:]:
        print(f"{label} / {first}: {medians[label] / medians[first]:.3f}")
    for label, _ in builds if args.top else []:
        top = costs[label].most_common(args.top)
        names = demangled([fn for (_, fn), _ in top])
        print(f"\n{label}: the {args.top} functions with the most instructions of their own (thousands per training)")
        for ((obj, _), cost), name in zip(top, names):
            print(f"{cost / args.rounds / args.trainings / 1e3:9.1f}  {obj[:22]:22}  {name[:140]}")


if __name__ == "__main__":
    main()
