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
import importlib.util
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The services under callgrind and the parse of its dumps are the function-order generator's.
_spec = importlib.util.spec_from_file_location("function_order", ROOT / "Tools" / "function-order" / "generate.py")
function_order = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(function_order)
SERVICES = function_order.SERVICES
PROCESSES = SERVICES + ["skillsctl"]


def total_instructions(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    sys.exit(f"no totals in {path}")


def self_costs(path: Path) -> collections.Counter:
    """Instructions of each (object, function) itself in a callgrind file."""
    costs: collections.Counter = collections.Counter()
    for obj, function, instructions in function_order.own_costs(path):
        costs[((obj or "?").rsplit("/", 1)[-1], function or "?")] += instructions
    return costs


def one_round(bin_dir: Path, trainings: int, certs: Path) -> tuple[dict[str, float], collections.Counter]:
    work = Path(tempfile.mkdtemp(prefix="instructions-"))
    processes = []
    try:
        processes, addresses, _ = function_order.start_under_callgrind(bin_dir, certs, work)
        function_order.wait_serving(bin_dir / "skillsctl", certs, addresses, processes)
        for p in processes:
            subprocess.run(["callgrind_control", "--zero", str(p.pid)], check=True, capture_output=True)
        skillsctl = function_order.stripped_copy(bin_dir / "skillsctl", work)
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
