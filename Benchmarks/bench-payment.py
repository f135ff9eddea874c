#!/usr/bin/env python3
"""SubmitClaim and Disburse calls/s against the real `skills-payment` (issue 6).

Starts `skills-registration`, `skills-assessment` and `skills-payment` (release binaries under
.build/release if present, else .build/debug; or `--bin-dir`) over mTLS on free loopback ports with
fresh SQLite data dirs (or `--database postgres://...` for payment), and an in-process Python
stand-in for MatchingService (grpcio over mTLS with the matching certificate; GetEnrollment and
GetOffering from dicts). It prepares N claimable trainings (a G8 worker attested by hrss, an
offering, a completed enrolment, a passed assessment and its certificate each), then runs two
closed-loop loads of C concurrent grpc.aio calls:

  1. SubmitClaim (hrss) for `--duration` s, one prepared training per call (each call makes the
     service call matching twice, registration twice and assessment twice, then decide and store);
  2. Disburse (finance) of the payable tranches of the eligible claims, one tranche per call.

Prints calls/s, p50/p90/p99/max latency and the payment server's CPU per call; `--json FILE`
appends one JSON line per run. The client shares the cores with the servers: figures are a floor.

    .venv/bin/python Benchmarks/bench-payment.py --duration 10 --concurrency 16 -n 1500
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from concurrent import futures
from pathlib import Path

import grpc

from bench_platform import (CERT_DIR, Platform, accepted_institution, aio_channel, append_json_lines, cpu_seconds,
                            default_bin_dir, percentile, register_g8_worker)
from services import skills_v1  # Tests/Interop, via bench_platform

stubs = skills_v1()
from skills.v1 import assessment_pb2 as a  # noqa: E402
from skills.v1 import assessment_pb2_grpc as ag  # noqa: E402
from skills.v1 import matching_pb2 as m  # noqa: E402
from skills.v1 import matching_pb2_grpc as mg  # noqa: E402
from skills.v1 import payment_pb2 as p  # noqa: E402
from skills.v1 import payment_pb2_grpc as pg  # noqa: E402

rg, c = stubs.registration_pb2_grpc, stubs.common_pb2
OCCUPATIONS = ["6-31-01-03", "6-18-02-04", "6-18-01-01", "6-18-01-02", "6-11-01-03", "4-12-01-01", "4-03-02-01"]


class StandIn(mg.MatchingServiceServicer):
    def __init__(self):
        self.offerings, self.enrollments = {}, {}

    def GetEnrollment(self, request, context):
        if request.enrollment_id not in self.enrollments:
            context.abort(grpc.StatusCode.NOT_FOUND, "no enrolment")
        return self.enrollments[request.enrollment_id]

    def GetOffering(self, request, context):
        if request.offering_id not in self.offerings:
            context.abort(grpc.StatusCode.NOT_FOUND, "no offering")
        return self.offerings[request.offering_id]


async def closed_loop(name: str, pid: int, concurrency: int, duration: float, items: list, call) -> dict:
    latencies, errors = [], 0
    queue = list(reversed(items))
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    end = t0 + duration

    async def worker():
        nonlocal errors
        while time.monotonic() < end and queue:
            item = queue.pop()
            started = time.monotonic()
            try:
                await call(item)
                latencies.append(time.monotonic() - started)
            except grpc.RpcError as error:
                errors += 1
                if errors <= 3:
                    print(f"  {name} error: {error.code()} {error.details()}", flush=True)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    return {"method": name, "calls": len(latencies), "errors": errors, "seconds": round(elapsed, 2),
            "calls_per_s": round(len(latencies) / elapsed, 1), "p50_ms": round(percentile(ms, 50), 2),
            "p90_ms": round(percentile(ms, 90), 2), "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(ms[-1], 2) if ms else None, "concurrency": concurrency,
            "server_cpu_ms_per_call": round(cpu * 1000 / max(1, len(latencies)), 3), "ran_out": not queue}


async def run(args) -> list[dict]:
    bin_dir = Path(args.bin_dir) if args.bin_dir else default_bin_dir("registration", "assessment", "payment")
    cert_dir = Path(args.cert_dir)
    platform = Platform(bin_dir, cert_dir, "bench-payment-")
    print(f"binaries: {bin_dir}   data: {platform.work}   cores: {os.cpu_count()}", flush=True)

    stand_in = StandIn()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    mg.add_MatchingServiceServicer_to_server(stand_in, server)
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials(
        [((cert_dir / "matching.key").read_bytes(), (cert_dir / "matching.pem").read_bytes())],
        root_certificates=(cert_dir / "ca.pem").read_bytes(), require_client_auth=True))
    server.start()
    try:
        registration = platform.start("registration", [])
        assessment = platform.start("assessment", ["--registration-addr", registration.target])
        payment = platform.start("payment", ["--matching-addr", f"127.0.0.1:{port}", "--registration-addr",
                                             registration.target, "--assessment-addr", assessment.target],
                                 database=args.database)

        reg = rg.RegistrationServiceStub(aio_channel(registration.target, cert_dir, "hrss"))
        ass = ag.AssessmentServiceStub(aio_channel(assessment.target, cert_dir, "assessment-org"))
        inst = await accepted_institution(reg, OCCUPATIONS)
        offerings = []
        for code in OCCUPATIONS:
            o = m.Offering(id=f"o-{code}", occupation=c.Occupation(code=code, name=code), level=4, institution_id=inst.id,
                           start_date=c.CalendarDate(year=2020, month=5, day=1), end_date=c.CalendarDate(year=2020, month=5, day=20),
                           kind=c.OFFERING_KIND_ORDINARY)
            stand_in.offerings[o.id] = o
            offerings.append(o)

        prepared: list[tuple[str, str]] = []
        todo = list(range(args.claims))
        started = time.monotonic()

        async def prepare():
            while todo:
                i = todo.pop()
                w = await register_g8_worker(reg, i)
                o = offerings[i % len(offerings)]
                e = m.Enrollment(id=f"e-bench-{i}", worker_id=w.id, offering_id=o.id, institution_id=inst.id,
                                 state=c.ENROLLMENT_STATE_COMPLETED, attendance_percent=100,
                                 completion_date=c.CalendarDate(year=2020, month=5, day=20))
                stand_in.enrollments[e.id] = e
                s = await ass.ScheduleAssessment(a.ScheduleAssessmentRequest(request_id=f"bench-s-{i}", assessment=a.Assessment(
                    method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, worker_id=w.id, occupation=o.occupation, level=4,
                    enrollment_id=e.id)))
                await ass.RecordResult(a.RecordResultRequest(request_id=f"bench-r-{i}", assessment_id=s.id, score=90, passed=True))
                cert = await ass.IssueCertificate(a.IssueCertificateRequest(request_id=f"bench-i-{i}", assessment_id=s.id))
                prepared.append((e.id, cert.number))

        await asyncio.gather(*(prepare() for _ in range(16)))
        print(f"prepared {len(prepared)} claimable trainings in {time.monotonic() - started:.1f} s", flush=True)

        hrss = pg.PaymentServiceStub(aio_channel(payment.target, cert_dir, "hrss"))
        finance = pg.PaymentServiceStub(aio_channel(payment.target, cert_dir, "finance"))
        warm, prepared = prepared[:args.warmup_calls], prepared[args.warmup_calls:]
        for e_id, number in warm:
            await hrss.SubmitClaim(p.SubmitClaimRequest(request_id=f"claim-{e_id}", enrollment_id=e_id, certificate_number=number))

        tranches: list[str] = []

        async def submit(item):
            e_id, number = item
            claim = (await hrss.SubmitClaim(p.SubmitClaimRequest(request_id=f"claim-{e_id}", enrollment_id=e_id,
                                                                 certificate_number=number))).claim
            if claim.decision.eligible:
                tranches.extend(t.id for t in claim.decision.tranches if t.state == p.TRANCHE_STATE_PAYABLE)

        results = [await closed_loop("SubmitClaim", payment.pid, args.concurrency, args.duration, prepared, submit)]
        print(describe(results[-1]), f"eligible tranches: {len(tranches)}", flush=True)

        async def pay(tranche_id):
            await finance.Disburse(p.DisburseRequest(request_id=f"pay-{tranche_id}", tranche_id=tranche_id))

        results.append(await closed_loop("Disburse", payment.pid, args.concurrency, args.duration, tranches, pay))
        print(describe(results[-1]), flush=True)
        for result in results:
            result.update(backend="postgres" if args.database else "sqlite", binaries=str(bin_dir), cores=os.cpu_count())
        return results
    finally:
        platform.stop(keep=args.keep)
        server.stop(grace=0)


def describe(x: dict) -> str:
    note = " (ran out of prepared items: raise -n)" if x["ran_out"] else ""
    return (f"{x['method']:<12} {x['calls_per_s']:>8.1f} calls/s  ({x['calls']} calls, {x['errors']} errors, {x['seconds']} s, "
            f"c={x['concurrency']})  p50 {x['p50_ms']} ms  p90 {x['p90_ms']} ms  p99 {x['p99_ms']} ms  max {x['max_ms']} ms  "
            f"server CPU {x['server_cpu_ms_per_call']} ms/call{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir")
    parser.add_argument("--cert-dir", default=str(CERT_DIR))
    parser.add_argument("--database", help="payment's PostgreSQL URL (a fresh database); default SQLite")
    parser.add_argument("-d", "--duration", type=float, default=10.0)
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("-n", "--claims", type=int, default=1500, help="claimable trainings to prepare (1500)")
    parser.add_argument("--warmup-calls", type=int, default=20)
    parser.add_argument("--json", help="append one JSON line per run to this file")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    if args.json:
        append_json_lines(args.json, results)


if __name__ == "__main__":
    main()
