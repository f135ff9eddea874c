#!/usr/bin/env python3
"""IssueCertificate and VerifyCertificate calls/s against the real `skills-assessment` (issue 5).

Starts `skills-registration` and `skills-assessment` (release binaries under .build/release if
present, else .build/debug; or `--bin-dir`) over mTLS on free loopback ports with fresh SQLite data
dirs, prepares N passed assessments (RegisterWorker, ScheduleAssessment, RecordResult), then runs
two closed-loop loads of C concurrent grpc.aio calls each:

  1. IssueCertificate for `--duration` seconds (each call consumes one prepared assessment; the run
     ends early, and says so, if they run out);
  2. VerifyCertificate of the issued certificates (round robin) for `--duration` seconds.

It prints calls/s, p50/p90/p99/max latency and the assessment server's CPU per call (utime + stime
from /proc/PID/stat over the run), and with `--json FILE` appends one JSON line per run.
The Python client runs on the same cores as the servers (2 here), so the figures are a floor for
the service: the client's own CPU per call is printed too.

    .venv/bin/python Benchmarks/bench-assessment.py --duration 10 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import subprocess
import time
from pathlib import Path

import grpc
import grpc.aio

from bench_platform import (CERT_DIR, ROOT, Platform, aio_channel, append_json_lines, client_cpu_seconds, cpu_seconds,
                            default_bin_dir, rss_kib)
from services import ServiceProcess, id_number, skills_v1  # Tests/Interop, via bench_platform


def channel(target: str, cert_dir: Path, role: str, index: int = 0) -> grpc.aio.Channel:
    # A distinct channel argument per index keeps grpc from sharing one subchannel (connection).
    return aio_channel(target, cert_dir, role, [("grpc.bench_connection_index", index)])


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    # Nearest rank (not bench_platform.percentile, which rounds a linear index): as this script always reported.
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[index]


async def closed_loop(concurrency: int, duration: float, make_call) -> dict:
    """`concurrency` workers, each awaiting `make_call(worker)` back to back until `duration` passes.

    `make_call` returns False when there is nothing left to do (the worker stops)."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    exhausted = False
    stop_at = time.monotonic() + duration

    async def worker(index: int) -> None:
        nonlocal exhausted
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                if await make_call(index) is False:
                    exhausted = True
                    return
            except grpc.aio.AioRpcError as error:
                errors[error.code().name] = errors.get(error.code().name, 0) + 1
                continue
            latencies.append(time.perf_counter() - start)

    begin = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.monotonic() - begin
    latencies.sort()
    return {
        "calls": len(latencies), "errors": errors, "duration_s": round(elapsed, 3), "exhausted": exhausted,
        "calls_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2), "p90_ms": round(percentile(latencies, 90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else float("nan"),
    }


async def measured(name: str, server: ServiceProcess, concurrency: int, duration: float, make_call) -> dict:
    cpu0, client0 = cpu_seconds(server.pid), client_cpu_seconds()
    result = await closed_loop(concurrency, duration, make_call)
    cpu1, client1 = cpu_seconds(server.pid), client_cpu_seconds()
    calls = max(result["calls"], 1)
    result.update(method=name, concurrency=concurrency,
                  server_cpu_us_per_call=round((cpu1 - cpu0) / calls * 1e6),
                  client_cpu_us_per_call=round((client1 - client0) / calls * 1e6),
                  server_rss_mib=round(rss_kib(server.pid) / 1024, 1))
    return result


async def run(args) -> list[dict]:
    skills_v1()  # generates the stubs and puts them on sys.path
    from skills.v1 import assessment_pb2 as a, assessment_pb2_grpc as ag  # type: ignore
    from skills.v1 import common_pb2 as c, registration_pb2 as r, registration_pb2_grpc as rg  # type: ignore

    bin_dir = Path(args.bin_dir) if args.bin_dir else default_bin_dir("registration", "assessment")
    cert_dir = Path(args.cert_dir)
    if not (cert_dir / "ca.pem").is_file():
        subprocess.run(["bash", str(ROOT / "Deploy" / "certs" / "make-dev-certs.sh"), str(cert_dir)], check=True)
    for name in ("skills-registration", "skills-assessment"):
        if not (bin_dir / name).is_file():
            raise SystemExit(f"{bin_dir / name} is missing: swift build [-c release] --product {name}")
    platform = Platform(bin_dir, cert_dir, "bench-assessment-")
    print(f"binaries: {bin_dir}   data: {platform.work}   cores: {os.cpu_count()}", flush=True)

    channels: list[grpc.aio.Channel] = []
    try:
        registration = platform.start("registration", ["--log-level", "warning"])
        assessment = platform.start("assessment", ["--log-level", "warning", "--registration-addr", registration.target])
        hrss_channel = channel(registration.target, cert_dir, "hrss")
        org_channels = [channel(assessment.target, cert_dir, "assessment-org", i) for i in range(args.connections)]
        finance_channels = [channel(assessment.target, cert_dir, "finance", i) for i in range(args.connections)]
        channels += [hrss_channel, *org_channels, *finance_channels]
        reg = rg.RegistrationServiceStub(hrss_channel)
        org = [ag.AssessmentServiceStub(ch) for ch in org_channels]
        verifiers = [ag.AssessmentServiceStub(ch) for ch in finance_channels]

        # Prepare N passed assessments, C at a time.
        base = random.randrange(10**6)
        assessment_ids: list[str] = []
        started = time.monotonic()
        counter = iter(range(args.assessments))

        async def prepare(worker: int) -> None:
            stub = org[worker % len(org)]
            for n in counter:
                tag = f"{base}-{n}"
                person = await reg.RegisterWorker(r.RegisterWorkerRequest(
                    request_id=f"bw-{tag}", worker=r.Worker(id_number=id_number(), name="张三",
                                                            phone="13812345678", hukou=c.HUKOU_URBAN)), timeout=30)
                scheduled = await stub.ScheduleAssessment(a.ScheduleAssessmentRequest(
                    request_id=f"bs-{tag}", assessment=a.Assessment(
                        method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, worker_id=person.id,
                        occupation=c.Occupation(code="4-10-01-01", name="家政服务员"),
                        level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER)), timeout=30)
                await stub.RecordResult(a.RecordResultRequest(request_id=f"br-{tag}", assessment_id=scheduled.id,
                                                              score=90, passed=True), timeout=30)
                assessment_ids.append(scheduled.id)

        await asyncio.gather(*(prepare(i) for i in range(args.concurrency)))
        print(f"prepared {len(assessment_ids)} passed assessments in {time.monotonic() - started:.1f} s", flush=True)

        # Warm-up: a few of each call (not counted; uses prepared assessments).
        warm = [assessment_ids.pop() for _ in range(min(args.warmup_calls, len(assessment_ids) // 10))]
        certificates = []
        for assessment_id in warm:
            certificates.append(await org[0].IssueCertificate(a.IssueCertificateRequest(
                request_id=f"bi-{assessment_id}", assessment_id=assessment_id), timeout=30))
        for cert in certificates:
            await verifiers[0].VerifyCertificate(a.VerifyCertificateRequest(
                number=cert.number, content=cert.content, signature=cert.signature), timeout=30)

        queue = iter(list(assessment_ids))

        async def issue_one(worker: int):
            assessment_id = next(queue, None)
            if assessment_id is None:
                return False
            cert = await org[worker % len(org)].IssueCertificate(a.IssueCertificateRequest(
                request_id=f"bi-{assessment_id}", assessment_id=assessment_id), timeout=30)
            certificates.append(cert)
            return True

        results = [await measured("IssueCertificate", assessment, args.concurrency, args.duration, issue_one)]
        print(describe(results[-1]), flush=True)
        if results[-1]["exhausted"]:
            print(f"  note: ran out of prepared assessments ({args.assessments}); raise --assessments", flush=True)

        requests = [a.VerifyCertificateRequest(number=x.number, content=x.content, signature=x.signature)
                    for x in certificates]
        position = 0
        bad = 0

        async def verify_one(worker: int):
            nonlocal position, bad
            request = requests[position % len(requests)]
            position += 1
            answer = await verifiers[worker % len(verifiers)].VerifyCertificate(request, timeout=30)
            if answer.status != a.VerifyCertificateResponse.STATUS_VALID:
                bad += 1
            return True

        results.append(await measured("VerifyCertificate", assessment, args.concurrency, args.duration, verify_one))
        results[-1]["not_valid"] = bad
        print(describe(results[-1]), flush=True)
        if bad:
            print(f"  WARNING: {bad} verifications did not answer VALID", flush=True)

        common = {"bin_dir": str(bin_dir), "build": bin_dir.name, "connections": args.connections,
                  "cores": os.cpu_count(), "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        for result in results:
            result.update(common)
        return results
    finally:
        for ch in channels:
            await ch.close()
        platform.stop(keep=args.keep)


def describe(result: dict) -> str:
    errors = f"  errors {result['errors']}" if result["errors"] else ""
    return (f"{result['method']:<18} c={result['concurrency']:<3} {result['calls']:>7} calls in {result['duration_s']:.1f} s"
            f"  {result['calls_per_s']:>8.1f} calls/s  p50 {result['p50_ms']:.2f} ms  p90 {result['p90_ms']:.2f} ms"
            f"  p99 {result['p99_ms']:.2f} ms  max {result['max_ms']:.1f} ms"
            f"  server CPU {result['server_cpu_us_per_call']} us/call  client CPU {result['client_cpu_us_per_call']} us/call"
            f"{errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", help="directory with skills-registration and skills-assessment "
                                          "(default: .build/release if both are there, else .build/debug)")
    parser.add_argument("--cert-dir", default=str(CERT_DIR))
    parser.add_argument("-d", "--duration", type=float, default=10.0, help="seconds per measured run (10)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="calls in flight (16)")
    parser.add_argument("--connections", type=int, default=1, help="HTTP/2 connections per role (1)")
    parser.add_argument("-n", "--assessments", type=int, default=3000,
                        help="passed assessments to prepare: the most certificates the issue run can make (3000)")
    parser.add_argument("--warmup-calls", type=int, default=50)
    parser.add_argument("--json", help="append one JSON line per run to this file")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    if args.json:
        append_json_lines(args.json, results)


if __name__ == "__main__":
    main()
