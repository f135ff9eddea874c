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
import json
import math
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import grpc.aio

ROOT = Path(__file__).resolve().parents[1]
PROTOS = ROOT / "Protos"
SERVER_NAME = "localhost"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

# --------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------


def generate_stubs(out: Path):
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "skills" / "v1").glob("*.proto"))
    args = ["grpc_tools.protoc", f"-I{PROTOS}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}",
            *protos]
    if protoc.main(args) != 0:
        raise SystemExit(f"grpc_tools.protoc failed: {' '.join(args)}")
    sys.path.insert(0, str(out))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_bin_dir() -> Path:
    release = ROOT / ".build" / "release"
    if (release / "skills-assessment").is_file() and (release / "skills-registration").is_file():
        return release
    return ROOT / ".build" / "debug"


def id_number(n: int) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    day = n // 1000
    birth = time.strftime("%Y%m%d", time.gmtime(time.mktime((1970, 1, 1, 12, 0, 0, 0, 0, 0)) + (day % 10000) * 86400))
    first17 = f"371402{birth}{n % 1000:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


class Server:
    def __init__(self, service: str, binary: Path, cert_dir: Path, data_dir: Path, extra: list[str]):
        self.service = service
        self.port = free_port()
        self.log = data_dir / f"{service}.log"
        command = [str(binary), "--host", "127.0.0.1", "--port", str(self.port), "--metrics-port", "0",
                   "--data-dir", str(data_dir), "--cert-dir", str(cert_dir), "--log-level", "warning", *extra]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime, stime

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def credentials(cert_dir: Path, role: str) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials((cert_dir / "ca.pem").read_bytes(), (cert_dir / f"{role}.key").read_bytes(),
                                        (cert_dir / f"{role}.pem").read_bytes())


def channel(target: str, cert_dir: Path, role: str, index: int = 0) -> grpc.aio.Channel:
    # A distinct channel argument per index keeps grpc from sharing one subchannel (connection).
    return grpc.aio.secure_channel(target, credentials(cert_dir, role),
                                   options=[("grpc.ssl_target_name_override", SERVER_NAME),
                                            ("grpc.bench_connection_index", index)])


async def wait_ready(server: Server, call, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.service} exited with {server.process.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            await call()
            return
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return  # it answers (e.g. NOT_FOUND): serving
            last = error
            await asyncio.sleep(0.1)
    raise SystemExit(f"{server.service} not ready after {timeout:.0f} s: {last}")


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
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


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measured(name: str, server: Server, concurrency: int, duration: float, make_call) -> dict:
    cpu0, client0 = server.cpu_seconds(), self_cpu()
    result = await closed_loop(concurrency, duration, make_call)
    cpu1, client1 = server.cpu_seconds(), self_cpu()
    calls = max(result["calls"], 1)
    result.update(method=name, concurrency=concurrency,
                  server_cpu_us_per_call=round((cpu1 - cpu0) / calls * 1e6),
                  client_cpu_us_per_call=round((client1 - client0) / calls * 1e6),
                  server_rss_mib=round(server.rss_mib(), 1))
    return result


async def run(args) -> list[dict]:
    from skills.v1 import assessment_pb2 as a, assessment_pb2_grpc as ag  # type: ignore
    from skills.v1 import common_pb2 as c, registration_pb2 as r, registration_pb2_grpc as rg  # type: ignore

    bin_dir = Path(args.bin_dir) if args.bin_dir else default_bin_dir()
    cert_dir = Path(args.cert_dir)
    if not (cert_dir / "ca.pem").is_file():
        subprocess.run(["bash", str(ROOT / "Deploy" / "certs" / "make-dev-certs.sh"), str(cert_dir)], check=True)
    for name in ("skills-registration", "skills-assessment"):
        if not (bin_dir / name).is_file():
            raise SystemExit(f"{bin_dir / name} is missing: swift build [-c release] --product {name}")
    work = Path(tempfile.mkdtemp(prefix="bench-assessment-"))
    (work / "registration").mkdir()
    (work / "assessment").mkdir()
    print(f"binaries: {bin_dir}   data: {work}   cores: {os.cpu_count()}", flush=True)

    registration = Server("registration", bin_dir / "skills-registration", cert_dir, work / "registration", [])
    assessment = Server("assessment", bin_dir / "skills-assessment", cert_dir, work / "assessment",
                        ["--registration-addr", f"127.0.0.1:{registration.port}"])
    channels: list[grpc.aio.Channel] = []
    try:
        hrss_channel = channel(registration.target, cert_dir, "hrss")
        org_channels = [channel(assessment.target, cert_dir, "assessment-org", i) for i in range(args.connections)]
        finance_channels = [channel(assessment.target, cert_dir, "finance", i) for i in range(args.connections)]
        channels += [hrss_channel, *org_channels, *finance_channels]
        reg = rg.RegistrationServiceStub(hrss_channel)
        org = [ag.AssessmentServiceStub(ch) for ch in org_channels]
        verifiers = [ag.AssessmentServiceStub(ch) for ch in finance_channels]

        await wait_ready(registration, lambda: reg.GetWorker(r.GetWorkerRequest(worker_id="w-none"), timeout=2))
        await wait_ready(assessment, lambda: verifiers[0].GetSigningKey(a.GetSigningKeyRequest(), timeout=2))

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
                    request_id=f"bw-{tag}", worker=r.Worker(id_number=id_number(base + n), name="张三",
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
        assessment.stop()
        registration.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


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
    parser.add_argument("--cert-dir", default=str(ROOT / "Deploy" / "certs" / "out"))
    parser.add_argument("-d", "--duration", type=float, default=10.0, help="seconds per measured run (10)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="calls in flight (16)")
    parser.add_argument("--connections", type=int, default=1, help="HTTP/2 connections per role (1)")
    parser.add_argument("-n", "--assessments", type=int, default=3000,
                        help="passed assessments to prepare: the most certificates the issue run can make (3000)")
    parser.add_argument("--warmup-calls", type=int, default=50)
    parser.add_argument("--json", help="append one JSON line per run to this file")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    args = parser.parse_args()

    stubs = Path(tempfile.mkdtemp(prefix="bench-assessment-stubs-"))
    try:
        generate_stubs(stubs)
        results = asyncio.run(run(args))
    finally:
        shutil.rmtree(stubs, ignore_errors=True)
    if args.json:
        with open(args.json, "a") as out:
            for result in results:
                out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
