#!/usr/bin/env python3
"""The five-order path per enrolment against the real `skills-matching` (issue 9).

Starts `skills-registration`, `skills-assessment`, `skills-payment` and `skills-matching` (release
binaries under .build/release if all four are there, else .build/debug; or `--bin-dir`) over mTLS
on free loopback ports with fresh SQLite data dirs. Prepares an accepted institution, one offering
per occupation (large capacity, started 2021-01-01, ending in the future so it can be selected)
and N registered G8 workers, then runs C concurrent closed loops of grpc.aio enrolments for
`--duration` s, each:

  SelectOffering (worker-portal) -> AcceptEnrollment -> RecordLearning -> CompleteTraining
  (institution, completed 2021-06-30, so R1 finds a standard) -> [assessment: schedule, result,
  certificate; not timed] -> RequestPayment (hrss; matching has payment decide the claim, and
  payment calls matching back for the enrolment and the offering).

Prints calls/s and p50/p90/p99 per matching method and per whole enrolment (the five matching calls,
without the assessment step), and the servers' CPU: matching's per matching call, and every
server's per enrolment. `--json FILE` appends one JSON line. The client shares the cores with the
four servers: figures are a floor.

    .venv/bin/python Benchmarks/bench-matching.py --duration 20 --concurrency 8 -n 3000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import grpc

from bench_platform import (CERT_DIR, Platform, accepted_institution, aio_channel, append_json_lines, cpu_seconds,
                            default_bin_dir, percentile, register_g8_worker)
from services import free_port, skills_v1  # Tests/Interop, via bench_platform

stubs = skills_v1()
from skills.v1 import assessment_pb2 as a  # noqa: E402
from skills.v1 import assessment_pb2_grpc as ag  # noqa: E402
from skills.v1 import matching_pb2 as m  # noqa: E402
from skills.v1 import matching_pb2_grpc as mg  # noqa: E402

rg, c = stubs.registration_pb2_grpc, stubs.common_pb2
OCCUPATIONS = ["6-31-01-03", "6-18-02-04", "6-18-01-01", "6-18-01-02", "4-12-01-01", "4-03-02-01"]
METHODS = ["SelectOffering", "AcceptEnrollment", "RecordLearning", "CompleteTraining", "RequestPayment"]
COMPLETION = c.CalendarDate(year=2021, month=6, day=30)


def stats(name: str, latencies: list[float], seconds: float) -> dict:
    ms = sorted(x * 1000 for x in latencies)
    return {"what": name, "count": len(ms), "per_s": round(len(ms) / seconds, 1), "p50_ms": round(percentile(ms, 50), 2),
            "p90_ms": round(percentile(ms, 90), 2), "p99_ms": round(percentile(ms, 99), 2), "max_ms": round(ms[-1], 2) if ms else None}


async def run(args) -> dict:
    bin_dir = Path(args.bin_dir) if args.bin_dir else default_bin_dir("registration", "assessment", "payment", "matching")
    cert_dir = Path(args.cert_dir)
    platform = Platform(bin_dir, cert_dir, "bench-matching-")
    print(f"binaries: {bin_dir}   data: {platform.work}   cores: {os.cpu_count()}", flush=True)
    try:
        registration = platform.start("registration", [])
        assessment = platform.start("assessment", ["--registration-addr", registration.target])
        matching_port, payment_port = free_port(), free_port()
        platform.start("payment", ["--matching-addr", f"127.0.0.1:{matching_port}", "--registration-addr",
                                   registration.target, "--assessment-addr", assessment.target], port=payment_port)
        matching = platform.start("matching", ["--registration-addr", registration.target, "--assessment-addr",
                                               assessment.target, "--payment-addr", f"127.0.0.1:{payment_port}"],
                                  port=matching_port)

        reg = rg.RegistrationServiceStub(aio_channel(registration.target, cert_dir, "hrss"))
        ass = ag.AssessmentServiceStub(aio_channel(assessment.target, cert_dir, "assessment-org"))
        portal = mg.MatchingServiceStub(aio_channel(matching.target, cert_dir, "worker-portal"))
        institution = mg.MatchingServiceStub(aio_channel(matching.target, cert_dir, "institution"))
        hrss = mg.MatchingServiceStub(aio_channel(matching.target, cert_dir, "hrss"))

        inst = await accepted_institution(reg, OCCUPATIONS)
        end = time.gmtime(time.time() + 90 * 86400)
        offerings = []
        for code in OCCUPATIONS:
            offerings.append(await hrss.PublishOffering(m.PublishOfferingRequest(request_id=f"bench-o-{code}", offering=m.Offering(
                occupation=c.Occupation(code=code, name=code), level=4, institution_id=inst.id, capacity=100000,
                start_date=c.CalendarDate(year=2021, month=1, day=1),
                end_date=c.CalendarDate(year=end.tm_year, month=end.tm_mon, day=end.tm_mday),
                mode=m.TRAINING_MODE_OFFLINE, kind=c.OFFERING_KIND_ORDINARY, class_hours=80,
                # Open until after today, beyond the policy's last standard (2021-12-31): R1 allows
                # that only for an unsubsidised offering.
                unsubsidised=True))))

        workers: list[str] = []
        todo = list(range(args.workers))
        started = time.monotonic()

        async def prepare():
            while todo:
                worker = await register_g8_worker(reg, todo.pop())
                workers.append(worker.id)

        await asyncio.gather(*(prepare() for _ in range(16)))
        print(f"prepared {len(workers)} workers and {len(offerings)} offerings in {time.monotonic() - started:.1f} s", flush=True)

        latencies: dict[str, list[float]] = {name: [] for name in METHODS + ["enrolment"]}
        errors: dict[str, int] = {}
        eligible = 0
        queue = list(enumerate(workers))

        async def timed(name, call):
            t0 = time.monotonic()
            try:
                result = await call
            except grpc.RpcError as error:
                errors[name] = errors.get(name, 0) + 1
                if sum(errors.values()) <= 3:
                    print(f"  {name} error: {error.code()} {error.details()}", flush=True)
                raise
            elapsed = time.monotonic() - t0
            latencies[name].append(elapsed)
            return result, elapsed

        async def enrol(i, worker_id):
            nonlocal eligible
            offering = offerings[i % len(offerings)]
            spent = 0.0
            selected, t = await timed("SelectOffering", portal.SelectOffering(m.SelectOfferingRequest(
                request_id=f"sel-{worker_id}", worker_id=worker_id, offering_id=offering.id)))
            spent += t
            e_id = selected.enrollment.id
            _, t = await timed("AcceptEnrollment", institution.AcceptEnrollment(m.AcceptEnrollmentRequest(
                request_id=f"acc-{e_id}", enrollment_id=e_id, accept=True)))
            spent += t
            _, t = await timed("RecordLearning", institution.RecordLearning(m.RecordLearningRequest(
                request_id=f"learn-{e_id}", enrollment_id=e_id, channel=c.LEARNING_CHANNEL_OFFLINE, minutes=240)))
            spent += t
            _, t = await timed("CompleteTraining", institution.CompleteTraining(m.CompleteTrainingRequest(
                request_id=f"done-{e_id}", enrollment_id=e_id, completion_date=COMPLETION, attendance_percent=96)))
            spent += t
            s = await ass.ScheduleAssessment(a.ScheduleAssessmentRequest(request_id=f"s-{e_id}", assessment=a.Assessment(
                method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, worker_id=worker_id, occupation=offering.occupation, level=4,
                enrollment_id=e_id)))
            await ass.RecordResult(a.RecordResultRequest(request_id=f"r-{e_id}", assessment_id=s.id, score=90, passed=True))
            cert = await ass.IssueCertificate(a.IssueCertificateRequest(request_id=f"i-{e_id}", assessment_id=s.id))
            paid, t = await timed("RequestPayment", hrss.RequestPayment(m.RequestPaymentRequest(
                request_id=f"pay-{e_id}", enrollment_id=e_id, certificate_number=cert.number)))
            spent += t
            eligible += paid.eligible
            latencies["enrolment"].append(spent)

        pids = {name: proc.pid for name, proc in platform.processes.items()}
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t0 = time.monotonic()
        stop = t0 + args.duration

        async def loop():
            while time.monotonic() < stop and queue:
                i, worker_id = queue.pop()
                try:
                    await enrol(i, worker_id)
                except grpc.RpcError:
                    pass

        await asyncio.gather(*(loop() for _ in range(args.concurrency)))
        seconds = time.monotonic() - t0
        cpu = {name: cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
        enrolments = len(latencies["enrolment"])
        matching_calls = sum(len(latencies[name]) for name in METHODS)
        result = {
            "binaries": str(bin_dir), "cores": os.cpu_count(), "concurrency": args.concurrency, "seconds": round(seconds, 2),
            "enrolments": enrolments, "eligible": eligible, "errors": errors, "ran_out": not queue,
            "rows": [stats(name, latencies[name], seconds) for name in METHODS + ["enrolment"]],
            "matching_cpu_ms_per_call": round(cpu["matching"] * 1000 / max(1, matching_calls), 3),
            "cpu_ms_per_enrolment": {name: round(value * 1000 / max(1, enrolments), 2) for name, value in cpu.items()},
        }
        return result
    finally:
        platform.stop(keep=args.keep)


def describe(result: dict) -> str:
    lines = [f"{'':<18} {'per s':>8} {'count':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"]
    for row in result["rows"]:
        lines.append(f"{row['what']:<18} {row['per_s']:>8.1f} {row['count']:>7} {row['p50_ms']:>8} {row['p90_ms']:>8} "
                     f"{row['p99_ms']:>8} {row['max_ms']:>8}")
    lines.append(f"enrolments {result['enrolments']} in {result['seconds']} s at c={result['concurrency']}, "
                 f"eligible claims {result['eligible']}, errors {result['errors'] or 0}"
                 + (" (ran out of workers: raise -n)" if result["ran_out"] else ""))
    lines.append(f"matching CPU per matching call: {result['matching_cpu_ms_per_call']} ms;  CPU per enrolment (ms): "
                 + ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_enrolment"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir")
    parser.add_argument("--cert-dir", default=str(CERT_DIR))
    parser.add_argument("-d", "--duration", type=float, default=20.0)
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    parser.add_argument("-n", "--workers", type=int, default=3000, help="workers to prepare, one enrolment each (3000)")
    parser.add_argument("--json", help="append one JSON line to this file")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(describe(result), flush=True)
    if args.json:
        append_json_lines(args.json, [result])


if __name__ == "__main__":
    main()
