"""What the bench-*.py scripts share: binaries, service processes, mTLS channels and process figures.

Each script starts the platform's `skills-<service>` executables over mTLS on free loopback ports
with fresh data directories, loads them with grpc.aio clients, and reads the servers' CPU and memory
from /proc. The parts they do the same way live here:

- `ROOT`, `CERT_DIR`, `default_bin_dir()`: the repository, the dev certificates, the executables.
- `Platform`: the service processes of one run, in one temporary data directory, stopped together.
- `wait_until_serving()`: the `ready` callable for `services.ServiceProcess` (health check).
- `credentials()`, `aio_channel()`: mTLS credentials and grpc.aio channels for a certificate role.
- `accepted_institution()`, `register_g8_worker()`: the registration data matching and payment need.
- `cpu_seconds()`, `rss_kib()`, `client_cpu_seconds()`: CPU and memory of a server and of the client.
- `percentile()`, `append_json_lines()`: figures and the `--json FILE` output.

Importing this module puts Tests/Interop on sys.path, so a script can then import `services`
(ServiceProcess, id_number, skills_v1, ...), the helpers the interop tests use.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import grpc
import grpc.aio

ROOT = Path(__file__).resolve().parents[1]
CERT_DIR = ROOT / "Deploy" / "certs" / "out"
SERVER_NAME = "localhost"  # the name in the servers' certificates
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import services  # noqa: E402
from services import ServiceProcess, credit_code, id_number, skills_v1  # noqa: E402

# --------------------------------------------------------------------------------------------
# Binaries and processes
# --------------------------------------------------------------------------------------------


def default_bin_dir(*names: str) -> Path:
    """.build/release if it holds `skills-<name>` for every one of `names`, else .build/debug."""
    release = ROOT / ".build" / "release"
    if all((release / f"skills-{name}").is_file() for name in names):
        return release
    return ROOT / ".build" / "debug"


def wait_until_serving(cert_dir: Path):
    """`ready` for ServiceProcess: grpc.health.v1 Check("") until SERVING (raw bytes, no stubs).

    It connects with the hrss certificate from `cert_dir`."""

    def ready(target: str, timeout: float, alive) -> None:
        deadline = time.monotonic() + timeout
        last = None
        options = [("grpc.ssl_target_name_override", SERVER_NAME)]
        with grpc.secure_channel(target, credentials(cert_dir, "hrss"), options=options) as channel:
            check = channel.unary_unary("/grpc.health.v1.Health/Check")  # bytes in, bytes out
            while time.monotonic() < deadline:
                alive()
                try:
                    if check(b"", timeout=1.0) == b"\x08\x01":  # status: SERVING
                        return
                except grpc.RpcError as error:
                    last = error
                time.sleep(0.1)
        raise TimeoutError(f"{target} did not report SERVING within {timeout:.0f} s (last error: {last})")

    return ready


class Platform:
    """The service processes of one benchmark run, each with a data dir under one temporary `work` dir.

    `start()` them in dependency order; `stop()` stops them, the last started first, and removes
    `work` (unless asked to keep it)."""

    def __init__(self, bin_dir: Path, cert_dir: Path, prefix: str):
        self.bin_dir = bin_dir
        self.cert_dir = cert_dir
        self.work = Path(tempfile.mkdtemp(prefix=prefix))
        self.processes: dict[str, ServiceProcess] = {}  # by service name, in start order

    def start(self, service: str, extra: list[str], database: str | None = None,
              port: int | None = None) -> ServiceProcess:
        """Starts `bin_dir/skills-<service>` with `extra` arguments and waits until it is SERVING.

        `port` fixes the port, for two services that must know each other's address before either
        runs (payment and matching); such a start is tried once, as another port would not do."""
        data_dir = self.work / service
        data_dir.mkdir()
        process = ServiceProcess(service, self.bin_dir / f"skills-{service}", self.cert_dir, data_dir,
                                 wait_until_serving(self.cert_dir), database=database, extra=extra)
        if port is None:
            process.start()
        else:
            original = services.free_port  # ServiceProcess takes its port from services.free_port()
            services.free_port = lambda: port
            try:
                process.start(attempts=1)
            finally:
                services.free_port = original
        self.processes[service] = process
        return process

    def stop(self, keep: bool = False) -> None:
        """Stops the processes (SIGTERM), the last started first; removes `work` unless `keep`."""
        for process in reversed(list(self.processes.values())):
            process.stop()
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------------


def credentials(cert_dir: Path, role: str) -> grpc.ChannelCredentials:
    """mTLS channel credentials of `role`: cert_dir/<role>.pem and .key, trusting cert_dir/ca.pem."""
    return grpc.ssl_channel_credentials(root_certificates=(cert_dir / "ca.pem").read_bytes(),
                                        private_key=(cert_dir / f"{role}.key").read_bytes(),
                                        certificate_chain=(cert_dir / f"{role}.pem").read_bytes())


def aio_channel(target: str, cert_dir: Path, role: str, options: tuple | list = ()) -> grpc.aio.Channel:
    """A grpc.aio mTLS channel to `target` as `role`; `options` are channel arguments to add."""
    return grpc.aio.secure_channel(target, credentials(cert_dir, role),
                                   options=[("grpc.ssl_target_name_override", SERVER_NAME), *options])


# --------------------------------------------------------------------------------------------
# Registration data
# --------------------------------------------------------------------------------------------


async def accepted_institution(reg, occupations: list[str]):
    """Registers a private training institution and accepts its filing for `occupations`.

    `reg` is a grpc.aio RegistrationServiceStub (hrss). Returns the accepted Institution."""
    stubs = skills_v1()
    r, c = stubs.registration_pb2, stubs.common_pb2
    inst = await reg.RegisterInstitution(r.RegisterInstitutionRequest(request_id="bench-inst", institution=r.Institution(
        credit_code=credit_code(), name="德州市职业技能培训学校", kind=c.INSTITUTION_KIND_PRIVATE_TRAINING,
        contact_phone="0534-2345678", address="德城区", district="371402",
        # O4: the CN of institution.pem, the certificate the benchmark accepts / learns / completes with.
        system_certificate_names=["institution-dev"])))
    return await reg.ReviewInstitutionFiling(r.ReviewInstitutionFilingRequest(
        request_id="bench-review", institution_id=inst.id, accept=True, licence_scope_occupations=occupations))


async def register_g8_worker(reg, index: int):
    """Registers worker number `index`, an urban G8 (unemployed) worker; returns the Worker."""
    stubs = skills_v1()
    r, c = stubs.registration_pb2, stubs.common_pb2
    return await reg.RegisterWorker(r.RegisterWorkerRequest(request_id=f"bench-w-{index}", worker=r.Worker(
        id_number=id_number(), name="张三", phone="13812345678", hukou=c.HUKOU_URBAN,
        categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G8_UNEMPLOYED)])))


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time of process `pid` so far: utime + stime from /proc/PID/stat (fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def rss_kib(pid: int) -> int:
    """Resident memory of process `pid` now: VmRSS from /proc/PID/status, in KiB (0 if not shown)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def client_cpu_seconds() -> float:
    """CPU time of this (the client's) process so far: user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    """The `q`th percentile of sorted `values`: the one at index round(q/100 * (n - 1)); NaN if none."""
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def append_json_lines(path, records: list[dict]) -> None:
    """Appends each record to the file at `path` as one JSON line (UTF-8 text, not escaped)."""
    with open(path, "a") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
