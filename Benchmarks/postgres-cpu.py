#!/usr/bin/env python3
"""Runs a command and prints the CPU the local PostgreSQL server spent meanwhile (issue 14: the
server's CPU per training of a replay on PostgreSQL).

PostgreSQL forks a backend per connection; when a backend exits, the postmaster reaps it and the
kernel adds the backend's CPU to the postmaster's cutime/cstime. So the server's CPU over an interval
is the change in (postmaster utime + stime + cutime + cstime) plus the change in the CPU of the
backends alive at either end. Run it when nothing else uses the server.

    python3 Benchmarks/postgres-cpu.py [--per N] -- .build/release/skillsctl replay --launch --trainings 2000 \
        --seed 13 --database postgres://skills:skills@127.0.0.1:5432/skills_test
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def postmaster() -> int:
    for pid in Path("/proc").iterdir():
        if pid.name.isdigit():
            try:
                cmdline = (pid / "cmdline").read_bytes().split(b"\0")
                status = (pid / "status").read_text()
            except OSError:
                continue
            ppid = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("PPid:"))
            if cmdline and cmdline[0].endswith(b"/postgres") and ppid == 1:
                return int(pid.name)
    raise SystemExit("no PostgreSQL postmaster found")


def stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(parent: int) -> dict[int, float]:
    found = {}
    for pid in Path("/proc").iterdir():
        if pid.name.isdigit():
            try:
                fields = stat(int(pid.name))
            except OSError:
                continue
            if int(fields[1]) == parent:
                found[int(pid.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


def snapshot(root: int) -> tuple[float, dict[int, float]]:
    fields = stat(root)
    own = sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS
    return own, children(root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per", type=int, default=0, help="also print CPU per this many units (e.g. trainings)")
    parser.add_argument("--pid", type=int, default=0, help="the postmaster's pid (default: the first one found)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    root = args.pid or postmaster()
    before_own, before_children = snapshot(root)
    status = subprocess.run(command).returncode
    after_own, after_children = snapshot(root)
    # A backend alive at both ends counts its change; one that exited is in the postmaster's cutime.
    live = sum(after_children[p] - before_children.get(p, 0.0) for p in after_children)
    gone = sum(before_children[p] for p in before_children if p not in after_children)
    seconds = (after_own - before_own) + live - gone
    line = f"postgres-cpu: the PostgreSQL server (postmaster {root}) spent {seconds:.2f} s of CPU"
    if args.per:
        line += f", {seconds / args.per * 1e3:.2f} ms per unit ({args.per} units)"
    print(line, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
