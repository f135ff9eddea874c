#!/usr/bin/env python3
"""RegisterWorker and GetWorker throughput of `skills-registration` over mTLS, and its memory.

Starts the service (its own data dir; with `--database postgres` a fresh database on the server
of SKILLS_TEST_POSTGRES_URL, dropped afterwards), waits for SERVING, then runs closed-loop Python
grpcio (grpc.aio) clients: `--concurrency` calls in flight spread over `--channels` HTTP/2
connections (one per channel), each call after the previous one returns. First RegisterWorker
(a new valid worker every call) for `--duration` seconds, then GetWorker by id (of the workers
just registered) for `--duration` seconds. Each phase follows a `--warmup` run of the same call.

Reports calls/s, p50/p99/max latency, errors, server CPU per call (utime+stime from /proc/PID/stat)
and the server's VmRSS (/proc/PID/status): idle after start-up, the highest seen during each
phase (sampled every 0.1 s), and after the load.

    .venv/bin/python Benchmarks/bench-registration.py                       # SQLite, 10 s per phase
    .venv/bin/python Benchmarks/bench-registration.py --database postgres --duration 5
    .venv/bin/python Benchmarks/bench-registration.py --bin .build/release/skills-registration --json out.jsonl

Binary: `--bin`, else .build/release/skills-registration when it exists (`swift build -c release
--product skills-registration`), else .build/debug/skills-registration (debug figures are much
lower; the report says which one ran).

NOTE: the Python client runs on the same machine and costs CPU too (on 2 cores it is often the
bottleneck); the report shows the client's own CPU time next to the server's. Server CPU per call
is the steadier figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

from bench_platform import (CERT_DIR, aio_channel, append_json_lines, client_cpu_seconds, cpu_seconds, default_bin_dir,
                            rss_kib, wait_until_serving)
from services import POSTGRES_ENV, PostgresDatabases, ServiceProcess, id_number, skills_v1  # Tests/Interop, via bench_platform


# --------------------------------------------------------------------------------------------
# /proc
# --------------------------------------------------------------------------------------------

class RssSampler:
    """Highest VmRSS of `pid` while running, sampled every `interval` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib(self.pid))


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------

def percentile(sorted_values: list[float], p: float) -> float:
    # Not bench_platform.percentile (it rounds a linear index): as this script always reported.
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


async def closed_loop(stubs: list, concurrency: int, duration: float, make_call) -> dict:
    """`concurrency` workers, worker i on stub i mod len(stubs), one call after another."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    end = time.monotonic() + duration

    async def worker(i: int):
        stub = stubs[i % len(stubs)]
        while time.monotonic() < end:
            started = time.perf_counter()
            try:
                await make_call(stub)
                latencies.append(time.perf_counter() - started)
            except grpc.RpcError as error:
                key = f"{error.code().name}: {error.details()}"[:200]
                errors[key] = errors.get(key, 0) + 1

    started = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "calls": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "elapsed_s": round(elapsed, 3),
        "calls_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round((latencies[-1] if latencies else float("nan")) * 1000, 2),
    }


async def run_load(args, target: str, pid: int, cert_dir: Path) -> dict:
    stubs_module = skills_v1()
    r, c, rg = stubs_module.registration_pb2, stubs_module.common_pb2, stubs_module.registration_pb2_grpc
    # distinct channels = distinct connections (no subchannel sharing)
    channels = [aio_channel(target, cert_dir, "hrss", [("grpc.use_local_subchannel_pool", 1), ("bench.channel", i)])
                for i in range(args.channels)]
    for channel in channels:
        await asyncio.wait_for(channel.channel_ready(), 10)
    stubs = [rg.RegistrationServiceStub(channel) for channel in channels]
    registered: list[str] = []

    async def register(stub):
        worker = r.Worker(id_number=id_number(), name="张三", phone="13812345678", hukou=c.HUKOU_RURAL,
                          categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G8_UNEMPLOYED)])
        reply = await stub.RegisterWorker(r.RegisterWorkerRequest(request_id=f"bench-{random.getrandbits(64):016x}", worker=worker),
                                          timeout=args.timeout)
        registered.append(reply.id)

    async def get(stub):
        await stub.GetWorker(r.GetWorkerRequest(worker_id=random.choice(registered)), timeout=args.timeout)

    results = {}
    for name, call in (("RegisterWorker", register), ("GetWorker", get)):
        if args.warmup > 0:
            await closed_loop(stubs, args.concurrency, args.warmup, call)
        cpu_before, client_before = cpu_seconds(pid), client_cpu_seconds()
        with RssSampler(pid) as sampler:
            result = await closed_loop(stubs, args.concurrency, args.duration, call)
        client_cpu = client_cpu_seconds() - client_before
        server_cpu = cpu_seconds(pid) - cpu_before
        result.update({
            "server_cpu_s": round(server_cpu, 2),
            "server_cpu_us_per_call": round(server_cpu / result["calls"] * 1e6, 1) if result["calls"] else None,
            "client_cpu_s": round(client_cpu, 2),
            "rss_peak_mib": round(sampler.peak / 1024, 1),
        })
        results[name] = result
    for channel in channels:
        await channel.close()
    results["workers_registered"] = len(registered)
    return results


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def default_binary() -> Path:
    return default_bin_dir("registration") / "skills-registration"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, default=None, help="skills-registration binary (default: release if built, else debug)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_ENV, ""),
                        help=f"server for --database postgres (a fresh database is created on it); default ${POSTGRES_ENV}")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured phase (10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up before each phase (1)")
    parser.add_argument("--concurrency", type=int, default=8, help="calls in flight (8)")
    parser.add_argument("--channels", type=int, default=2, help="HTTP/2 connections (2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline per call, seconds")
    parser.add_argument("--cert-dir", type=Path, default=CERT_DIR)
    parser.add_argument("--json", type=Path, default=None, help="append the figures as one JSON line to this file")
    parser.add_argument("--keep-data", action="store_true", help="keep the data dir (and the PostgreSQL database)")
    args = parser.parse_args()

    binary = (args.bin or default_binary()).resolve()
    if not binary.is_file():
        parser.error(f"{binary} does not exist: `swift build -c release --product skills-registration` or pass --bin")
    if not (args.cert_dir / "ca.pem").is_file():
        parser.error(f"no dev certificates in {args.cert_dir}: run `bash Deploy/certs/make-dev-certs.sh`")
    databases = None
    database = None
    if args.database == "postgres":
        if not args.postgres_url:
            parser.error(f"--database postgres needs --postgres-url or ${POSTGRES_ENV}")
        databases = PostgresDatabases(args.postgres_url)
        database = databases.create("bench_reg")

    data_dir = Path(tempfile.mkdtemp(prefix="bench-registration-"))
    service = ServiceProcess("registration", binary, args.cert_dir, data_dir, wait_until_serving(args.cert_dir), database=database)
    build = "release" if "/release/" in str(binary) else "debug" if "/debug/" in str(binary) else "unknown"
    try:
        service.start()
        time.sleep(1.0)
        idle = rss_kib(service.pid)
        results = asyncio.run(run_load(args, service.target, service.pid, args.cert_dir))
        time.sleep(1.0)
        after = rss_kib(service.pid)
    finally:
        status = service.stop()
        if not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
            if databases:
                databases.drop_all()

    report = {
        "bench": "registration", "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "binary": str(binary), "build": build,
        "database": args.database, "cpus": os.cpu_count(), "concurrency": args.concurrency, "channels": args.channels,
        "duration_s": args.duration, "rss_idle_mib": round(idle / 1024, 1), "rss_after_mib": round(after / 1024, 1),
        "exit_status": status, **results,
    }
    print(f"skills-registration ({build} build, {binary}) with {args.database}, mTLS on loopback, {os.cpu_count()} CPUs")
    print(f"load: Python grpc.aio, {args.concurrency} calls in flight on {args.channels} connections, "
          f"{args.duration:g} s per phase after {args.warmup:g} s warm-up")
    print("NOTE: the Python client shares the machine's cores with the server and costs CPU itself "
          "(client CPU below); calls/s are a lower bound for the service. Server CPU per call is the steadier figure.")
    print()
    print(f"{'method':<16}{'calls/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
          f"{'srv CPU/call':>14}{'srv CPU s':>10}{'cli CPU s':>10}{'RSS peak':>10}")
    for name in ("RegisterWorker", "GetWorker"):
        x = results[name]
        print(f"{name:<16}{x['calls_per_s']:>9.1f}{x['p50_ms']:>9.2f}{x['p99_ms']:>9.2f}{x['max_ms']:>9.2f}{x['errors']:>8}"
              f"{(x['server_cpu_us_per_call'] or 0):>11.0f} us{x['server_cpu_s']:>10.2f}{x['client_cpu_s']:>10.2f}"
              f"{x['rss_peak_mib']:>6.1f} MiB")
        for kind, count in list(x["error_kinds"].items())[:5]:
            print(f"    {count} x {kind}")
    print()
    print(f"server VmRSS: idle {report['rss_idle_mib']} MiB (aim < 30), peak under load "
          f"{max(results['RegisterWorker']['rss_peak_mib'], results['GetWorker']['rss_peak_mib'])} MiB (aim < 100), "
          f"after {report['rss_after_mib']} MiB; {results['workers_registered']} workers registered; "
          f"exit status on SIGTERM {status}")
    if args.json:
        append_json_lines(args.json, [report])
    errors = results["RegisterWorker"]["errors"] + results["GetWorker"]["errors"]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
