#!/usr/bin/env python3
"""Resident memory of `skills-echo serve` over 100,000 unary calls from Python grpc.aio over mTLS.

Issue 3 asked for "no growth over a long run of calls (100,000 calls, resident memory compared
before and after, within a stated margin)". That was Tests/Interop/test_memory_soak.py; a memory
threshold depends on the build and the machine, so it is a figure here (Benchmarks/README.md,
"Memory"). Exit status 1 when the growth exceeds the margin or a call failed.

Margin: 8 MiB between the sample after a 10,000-call warm-up and the sample after the rest. Allocator
pools, HPACK tables and NIO buffers reach their working size during the warm-up; a leak of one small
allocation per call (>= 100 bytes) over the remaining 90,000 calls would exceed it.

    .venv/bin/python Benchmarks/bench-memory.py [--calls 100000] [--warmup 10000] [--margin-mib 8]
        [--bin .build/release/skills-echo]

64 calls in flight on 4 connections, 1 KiB payloads. Binary: `--bin`, else .build/release/skills-echo
when it exists, else .build/debug/skills-echo.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import grpc

import bench_platform as bp  # puts Tests/Interop on sys.path
from conftest import echo_pb2, echo_pb2_grpc  # noqa: E402  (the echo stubs, generated from Protos/)
from launcher import Launched  # noqa: E402
from services import free_port  # noqa: E402


async def drive(target: str, cert_dir: Path, calls: int, connections: int = 4, in_flight: int = 64) -> int:
    """Makes `calls` Echo/Get calls with `in_flight` at once; the number that failed."""
    channels = [bp.aio_channel(target, cert_dir, "hrss") for _ in range(connections)]
    stubs = [echo_pb2_grpc.EchoStub(channel) for channel in channels]
    request = echo_pb2.EchoRequest(text="soak", payload=bytes(1024))
    remaining = calls
    failures = 0

    async def worker(index: int):
        nonlocal remaining, failures
        stub = stubs[index % connections]
        while remaining > 0:
            remaining -= 1
            try:
                await stub.Get(request, timeout=30)
            except grpc.aio.AioRpcError:
                failures += 1

    await asyncio.gather(*(worker(i) for i in range(in_flight)))
    for channel in channels:
        await channel.close()
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=10_000)
    parser.add_argument("--margin-mib", type=int, default=8)
    parser.add_argument("--bin", type=Path, default=bp.default_bin_dir("echo") / "skills-echo")
    args = parser.parse_args()
    cert_dir = Path(os.environ.get("SKILLS_CERT_DIR", bp.CERT_DIR))
    port = free_port()
    target = f"127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="bench-memory-")) / "skills-echo.log"
    server = Launched([args.bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--cert", cert_dir / "echo.pem",
                       "--key", cert_dir / "echo.key", "--ca", cert_dir / "ca.pem"], log=log, hold_stdin=True,
                      env=dict(os.environ, SKILLS_EXIT_WHEN_STDIN_CLOSES="1"))
    with server:
        def alive():
            if not server.running():
                raise RuntimeError(f"skills-echo exited with {server.returncode}:\n{server.log_tail()}")

        bp.wait_until_serving(cert_dir)(target, 30, alive)
        failures = asyncio.run(drive(target, cert_dir, args.warmup))
        before = bp.rss_kib(server.pid)
        started = time.monotonic()
        failures += asyncio.run(drive(target, cert_dir, args.calls - args.warmup))
        elapsed = time.monotonic() - started
        after = bp.rss_kib(server.pid)
    growth = after - before
    within = growth < args.margin_mib * 1024
    print(f"soak ({args.bin}): {args.calls - args.warmup} calls after {args.warmup} warm-up in {elapsed:.1f} s "
          f"({(args.calls - args.warmup) / elapsed:.0f} calls/s); server VmRSS {before} KiB -> {after} KiB "
          f"({growth:+d} KiB, {'within' if within else 'OVER'} the {args.margin_mib} MiB margin); {failures} failed")
    return 0 if within and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
