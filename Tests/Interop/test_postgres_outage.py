"""PostgreSQL goes away for 10 s in the middle of a replay (issue 14): calls fail fast with
UNAVAILABLE (none hangs past its deadline), health reports NOT_SERVING while it is down, the
services recover by themselves when it returns, and the replay's reconciliation is exact.

The server is the test's own (initdb in a temporary directory on a free port, run as the `postgres`
OS user), so the suite's shared server is not disturbed. Needs root and PostgreSQL 15's binaries
(as on CI); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import re

import grpc
import pytest

import services
from conftest import health_check, secure_channel, wait_until_serving
from launcher import Launched
from services import ServiceProcess, service_binary, skills_v1
from test_replay import _skillsctl

PG_BIN = Path("/usr/lib/postgresql/15/bin")
NAMES = ("registration", "assessment", "payment", "matching")
SERVING, NOT_SERVING = 1, 2


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own, stopped and started at will."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.port = services.free_port()
        directory.mkdir(parents=True, exist_ok=True)
        shutil.chown(directory, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _as_postgres(self, *command) -> None:
        result = subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.directory / "server.log", "-o",
                          f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        result = subprocess.run(["psql", self.url(), "-qc", f"CREATE DATABASE {name}"], capture_output=True,
                                text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return self.url(name)

    def count(self, database: str, table: str) -> int:
        result = subprocess.run(["psql", self.url(database), "-qtAc", f"SELECT COUNT(*) FROM {table}"],
                                capture_output=True, text=True, timeout=10)
        return int(result.stdout.strip() or 0) if result.returncode == 0 else 0


@pytest.fixture
def postgres(tmp_path):
    if os.geteuid() != 0 or not (PG_BIN / "pg_ctl").exists() or shutil.which("runuser") is None:
        pytest.skip(f"needs root and PostgreSQL 15's binaries in {PG_BIN}")
    server = ThrowawayPostgres(Path("/tmp") / f"skills-outage-{os.getpid()}-{services.free_port()}")
    server.start()
    yield server
    try:
        server.stop()
    except AssertionError:
        pass
    shutil.rmtree(server.directory, ignore_errors=True)


def _start_platform(certs: Path, data: Path, postgres: ThrowawayPostgres) -> dict[str, ServiceProcess]:
    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    ports = {name: services.free_port() for name in NAMES}
    addresses = [arg for name in NAMES for arg in (f"--{name}-addr", f"127.0.0.1:{ports[name]}")]
    running = {}
    original = services.free_port
    try:
        for name in NAMES:
            (data / name).mkdir(parents=True)
            process = ServiceProcess(name, service_binary(name), certs, data / name, ready,
                                     database=postgres.create_database(f"outage_{name}"),
                                     extra=addresses + ["--accept-business-date", "--peer-timeout-ms", "2000"])
            services.free_port = lambda port=ports[name]: port
            running[name] = process.start(attempts=1)
    finally:
        services.free_port = original
    return running


def _health(target: str, certs: Path) -> int | None:
    try:
        with secure_channel(target, certs) as channel:
            return health_check(channel, timeout=2.0).status
    except grpc.RpcError:
        return None


def _wait_for_health(running: dict[str, ServiceProcess], certs: Path, status: int, timeout: float) -> float:
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if all(_health(process.target, certs) == status for process in running.values()):
            return time.monotonic() - started
        time.sleep(0.1)
    seen = {name: _health(process.target, certs) for name, process in running.items()}
    raise AssertionError(f"health did not become {status} within {timeout} s: {seen}")


def test_a_replay_survives_postgres_going_away_for_ten_seconds(certs, tmp_path, postgres):
    running = _start_platform(certs, tmp_path / "data", postgres)
    addresses = [arg for name in NAMES for arg in (f"--{name}-addr", running[name].target)]
    replay = Launched([str(_skillsctl()), "replay", "--trainings", "150", "--seed", "21", "--cert-dir", str(certs),
                       "--concurrency", "16", *addresses], log=tmp_path / "replay.out", split_stderr=True)
    try:
        deadline = time.monotonic() + 60
        while postgres.count("outage_registration", "workers") < 20:
            assert replay.running(), f"the replay ended before the outage:\n{replay.output()[-3000:]}"
            assert time.monotonic() < deadline, "the replay registered nobody within 60 s"
            time.sleep(0.05)

        postgres.stop()
        stopped = time.monotonic()
        # Health follows within a couple of seconds (it checks every second).
        _wait_for_health(running, certs, NOT_SERVING, timeout=5)
        # A call that needs the database fails fast, with UNAVAILABLE, well inside its deadline.
        v1 = skills_v1()
        with secure_channel(running["registration"].target, certs) as channel:
            stub = v1.registration_pb2_grpc.RegistrationServiceStub(channel)
            for _ in range(3):
                began = time.monotonic()
                with pytest.raises(grpc.RpcError) as refused:
                    stub.GetWorker(v1.registration_pb2.GetWorkerRequest(worker_id="w-none"), timeout=5)
                assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, refused.value
                assert time.monotonic() - began < 3, "a call hung while the database was down"
        time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))
        assert replay.running(), "the replay gave up during the outage"

        postgres.start()
        recovered = _wait_for_health(running, certs, SERVING, timeout=20)
        status = replay.wait(300)
        output = replay.output()
        assert status == 0, f"exit {status}\n{output[-4000:]}{replay.errors()[-2000:]}"
        line = next((l for l in output.splitlines() if l.startswith("reconciliation:")), "")
        assert line.startswith("reconciliation: OK"), output[-4000:]
        claims = re.search(r"(\d+) claims", line)
        assert claims and int(claims.group(1)) == 150, line
        paid = re.search(r"(\d+) fen paid \(acknowledged (\d+)\)", line)
        assert paid and paid.group(1) == paid.group(2) and int(paid.group(1)) > 0, line
        print(f"health back to SERVING {recovered:.1f} s after the server returned")
    finally:
        replay.stop()
        for process in running.values():
            process.stop()
