"""100,000 unary calls against the Swift echo server: resident memory must not grow.

Issue 3: "no growth over a long run of calls (a test that makes 100,000 calls and compares resident
memory before and after, within a stated margin)". The server is the debug build (what `make test`
builds), driven by grpc.aio from Python over mTLS with 64 calls in flight on 4 connections.

Margin: 8 MiB between the sample after a 10,000-call warm-up and the sample after all 100,000.
Allocator pools, HPACK tables and NIO buffers reach their working size during the warm-up; a leak of
one small allocation per call (>= 100 bytes) over the remaining 90,000 calls would exceed it.
"""
import asyncio
import os
import time

import grpc
import pytest

from conftest import echo_pb2, echo_pb2_grpc, channel_credentials

TOTAL_CALLS = int(os.environ.get("SKILLS_SOAK_CALLS", "100000"))
WARMUP_CALLS = 10_000
MARGIN_KIB = 8 * 1024


def resident_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def drive(target: str, certs, calls: int, connections: int = 4, in_flight: int = 64) -> int:
    credentials = channel_credentials(certs)
    options = [("grpc.ssl_target_name_override", "localhost")]
    channels = [grpc.aio.secure_channel(target, credentials, options=options) for _ in range(connections)]
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


def test_no_memory_growth_over_100k_calls(swift_echo_server, certs):
    pid = swift_echo_server.process.pid
    failures = asyncio.run(drive(swift_echo_server.target, certs, WARMUP_CALLS))
    assert failures == 0
    before = resident_kib(pid)
    started = time.monotonic()
    failures = asyncio.run(drive(swift_echo_server.target, certs, TOTAL_CALLS - WARMUP_CALLS))
    elapsed = time.monotonic() - started
    after = resident_kib(pid)
    print(f"\nsoak: {TOTAL_CALLS - WARMUP_CALLS} calls in {elapsed:.1f} s; VmRSS {before} KiB -> {after} KiB "
          f"({after - before:+d} KiB, margin {MARGIN_KIB} KiB)")
    assert failures == 0
    assert after - before < MARGIN_KIB, f"resident memory grew by {after - before} KiB over {TOTAL_CALLS} calls"
