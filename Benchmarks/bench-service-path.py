#!/usr/bin/env python3
"""The service path's cost per call (issue 14): server CPU per call of `skillsctl bench get-worker`
and `register-worker`, and each service's resident memory after start-up.

Starts the four service executables of --bin-dir on free loopback ports with a fresh data directory
(SQLite), waits until `skillsctl health` sees them serving, reads each service's VmRSS, then runs each
scenario with `skillsctl bench --json` and reads the registration server's utime + stime from
/proc/PID/stat before and after: server CPU per call = CPU seconds / calls. Several --bin-dir runs in
one invocation are measured one after the other, so a baseline and a candidate share the machine's
conditions (run them on a quiet machine; figures on 2 shared cores move by 10-20%).

    python3 Benchmarks/bench-service-path.py --bin-dir new=.build/release [--bin-dir old=/path/.build/release]
        [--duration 5] [--concurrency 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("registration", "assessment", "payment", "matching")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Platform:
    def __init__(self, bin_dir: Path, certs: Path):
        self.bin_dir = bin_dir
        self.certs = certs
        self.data = Path(tempfile.mkdtemp(prefix="bench-service-path-"))
        self.ports = {name: free_port() for name in SERVICES}
        self.processes: dict[str, subprocess.Popen] = {}

    def addresses(self) -> list[str]:
        return [a for name in SERVICES for a in (f"--{name}-addr", f"127.0.0.1:{self.ports[name]}")]

    def start(self) -> None:
        for name in SERVICES:
            (self.data / name).mkdir()
            log = open(self.data / f"{name}.log", "wb")
            self.processes[name] = subprocess.Popen(
                [str(self.bin_dir / f"skills-{name}"), "--host", "127.0.0.1", "--port", str(self.ports[name]),
                 "--metrics-port", str(free_port()), "--data-dir", str(self.data / name), "--cert-dir",
                 str(self.certs), "--accept-business-date", "--log-level", "warning", *self.addresses()],
                stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            health = subprocess.run([str(self.bin_dir / "skillsctl"), "health", "--cert-dir", str(self.certs),
                                     *self.addresses()], capture_output=True, text=True)
            if health.returncode == 0 and "UNREACHABLE" not in health.stdout:
                return
            time.sleep(0.2)
        raise SystemExit(f"services of {self.bin_dir} did not become healthy:\n{health.stdout}{health.stderr}")

    def bench(self, scenario: str, duration: int, concurrency: int) -> dict:
        pid = self.processes["registration"].pid
        before = cpu_seconds(pid)
        result = subprocess.run([str(self.bin_dir / "skillsctl"), "bench", scenario, "--duration", str(duration),
                                 "--concurrency", str(concurrency), "--json", "--cert-dir", str(self.certs),
                                 *self.addresses()], capture_output=True, text=True, check=True)
        cpu = cpu_seconds(pid) - before
        report = json.loads(result.stdout)
        method = next(m for m in report["methods"] if m.endswith("GetWorker" if scenario == "get-worker"
                                                                 else "RegisterWorker"))
        figures = report["methods"][method]
        calls = sum(m["calls"] for m in report["methods"].values())
        return {"calls_per_s": figures["calls_per_s"], "p99_ms": figures["p99_ms"],
                "cpu_us_per_call": cpu / max(1, figures["calls"]) * 1e6, "calls": calls}

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", action="append", required=True, help="label=path (repeatable)")
    parser.add_argument("--certs", default=str(ROOT / "Deploy" / "certs" / "out"))
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every build, interleaved")
    args = parser.parse_args()
    builds = [tuple(item.split("=", 1)) for item in args.bin_dir]
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"bench-service-path: {args.duration} s per scenario, concurrency {args.concurrency}, "
          f"{os.cpu_count()} cores, load {' '.join(load)}")
    print(f"{'build':<8} {'round':>5} {'RSS idle MiB (reg/assess/pay/match)':<38} "
          f"{'GetWorker calls/s':>17} {'p99 ms':>7} {'CPU µs':>7} {'RegisterWorker calls/s':>22} {'p99 ms':>7} {'CPU µs':>7}")
    for round_ in range(1, args.rounds + 1):
        for label, path in builds:
            platform = Platform(Path(path), Path(args.certs))
            try:
                platform.start()
                time.sleep(1)
                rss = "/".join(f"{rss_mib(platform.processes[n].pid):.1f}" for n in SERVICES)
                get = platform.bench("get-worker", args.duration, args.concurrency)
                register = platform.bench("register-worker", args.duration, args.concurrency)
            finally:
                platform.stop()
            print(f"{label:<8} {round_:>5} {rss:<38} {get['calls_per_s']:>17.0f} {get['p99_ms']:>7.2f} "
                  f"{get['cpu_us_per_call']:>7.0f} {register['calls_per_s']:>22.0f} {register['p99_ms']:>7.2f} "
                  f"{register['cpu_us_per_call']:>7.0f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
