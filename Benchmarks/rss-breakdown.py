#!/usr/bin/env python3
"""Where a service's resident memory is (issue 14): /proc/PID/smaps summed per mapping.

Starts the four services of each --bin-dir (SQLite, fresh data, free ports, as bench-service-path.py)
and `skills-echo serve`, waits until they serve, then sums each process's Rss per mapping: each shared
library (text + data), the executable, [heap], thread stacks (anonymous mappings of 8 MiB, the
default pthread stack, and their guard pages), the rest of the anonymous memory (malloc arenas of
other threads, Swift metadata caches, SQLite's page cache) and files such as the database's WAL
index (-shm). Prints one column per process, rows sorted by the largest value, in MiB.

    python3 Benchmarks/rss-breakdown.py --bin-dir new=.build/release [--bin-dir old=/path/.build/release]
        [--min-mib 0.2] [--pid LABEL=PID ...]

--pid measures processes that already run (for example the services of `skillsctl replay --launch`)
instead of starting any.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("service_path", ROOT / "Benchmarks" / "bench-service-path.py")
service_path = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(service_path)

HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$")
STACK_SIZE = 8 * 1024 * 1024


def breakdown(pid: int) -> dict[str, float]:
    """Rss in KiB per mapping name for one process."""
    totals: dict[str, float] = defaultdict(float)
    name = "?"
    size = 0
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        header = HEADER.match(line)
        if header:
            start, end, path = int(header.group(1), 16), int(header.group(2), 16), header.group(3)
            size = end - start
            if path.startswith("/"):
                base = os.path.basename(path)
                name = "exe: " + base if path == os.readlink(f"/proc/{pid}/exe") else base
                if base.endswith("-shm") or base.endswith("-wal") or base.endswith(".sqlite"):
                    name = "database files (" + base.rsplit(".", 1)[-1] + ")"
            elif path == "[heap]":
                name = "[heap] (main arena)"
            elif path in ("[stack]", "[vdso]", "[vvar]", "[vsyscall]"):
                name = path
            elif size == STACK_SIZE or size == STACK_SIZE - 4096:
                name = "anon: thread stacks (8 MiB)"
            elif size >= 64 * 1024 * 1024 - 4096 and size <= 64 * 1024 * 1024:
                name = "anon: malloc arenas (64 MiB)"
            else:
                name = "anon: other"
        elif line.startswith("Rss:"):
            totals[name] += int(line.split()[1])
    return totals


def status(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def print_table(columns: dict[str, int], min_mib: float) -> None:
    tables = {label: breakdown(pid) for label, pid in columns.items()}
    rows = sorted({name for t in tables.values() for name in t},
                  key=lambda n: -max(t.get(n, 0) for t in tables.values()))
    width = max(12, *(len(label) for label in columns))
    print(f"{'mapping (Rss, MiB)':<40}" + "".join(f"{label:>{width + 1}}" for label in columns))
    other: dict[str, float] = defaultdict(float)
    for name in rows:
        values = [tables[label].get(name, 0) / 1024 for label in columns]
        if max(values) < min_mib:
            for label, value in zip(columns, values):
                other[label] += value
            continue
        print(f"{name[:40]:<40}" + "".join(f"{v:>{width + 1}.2f}" for v in values))
    print(f"{'(smaller mappings)':<40}" + "".join(f"{other[label]:>{width + 1}.2f}" for label in columns))
    print(f"{'total Rss':<40}" + "".join(f"{sum(tables[l].values()) / 1024:>{width + 1}.2f}" for l in columns))
    print(f"{'VmRSS / VmHWM':<40}" + "".join(
        f"{status(pid, 'VmRSS'):>{width - 6}.1f} /{status(pid, 'VmHWM'):>5.1f}" for pid in columns.values()))
    print(f"{'threads':<40}" + "".join(f"{thread_count(pid):>{width + 1}}" for pid in columns.values()))
    libraries = [n for n in rows if not n.startswith(("anon", "[", "exe", "database"))]
    print("libraries mapped:", ", ".join(sorted(libraries)))


def start_echo(bin_dir: Path, certs: Path) -> subprocess.Popen:
    echo = subprocess.Popen(
        [str(bin_dir / "skills-echo"), "serve", "--port", "0", "--cert", str(certs / "echo.pem"), "--key",
         str(certs / "echo.key"), "--ca", str(certs / "ca.pem")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert echo.stdout is not None
    echo.stdout.readline()  # "listening on ..." once it serves
    return echo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", action="append", default=[], help="label=path (repeatable)")
    parser.add_argument("--pid", action="append", default=[], help="label=pid of a running process (repeatable)")
    parser.add_argument("--certs", default=str(ROOT / "Deploy" / "certs" / "out"))
    parser.add_argument("--min-mib", type=float, default=0.2, help="fold smaller rows into one")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds between serving and measuring")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"rss-breakdown: {os.cpu_count()} cores, load {' '.join(load)}")
    if args.pid:
        print_table({label: int(pid) for label, pid in (item.split("=", 1) for item in args.pid)}, args.min_mib)
        return 0
    certs = Path(args.certs)
    for label, path in (item.split("=", 1) for item in args.bin_dir):
        bin_dir = Path(path)
        platform = service_path.Platform(bin_dir, certs)
        echo = None
        try:
            platform.start()
            echo = start_echo(bin_dir, certs)
            time.sleep(args.settle)
            print(f"\n== {label}: {bin_dir}")
            columns = {name: platform.processes[name].pid for name in service_path.SERVICES}
            columns["echo"] = echo.pid
            print_table(columns, args.min_mib)
        finally:
            if echo is not None:
                echo.send_signal(signal.SIGTERM)
                echo.wait(15)
            platform.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
