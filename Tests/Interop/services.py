"""Helpers for tests (and benchmarks) that run the platform's service executables as processes.

- `skills_v1()`: Python stubs generated from Protos/skills/v1/*.proto (once per process, into a
  temporary directory), returned as a namespace with `registration_pb2`, `registration_pb2_grpc`,
  `common_pb2`.
- `ServiceProcess`: one `skills-<service>` executable over mTLS on a free loopback port, with
  start / kill -9 / restart on the same data directory and database.
- `PostgresDatabases`: fresh PostgreSQL databases (`CREATE DATABASE` through `psql`) under the
  server named by SKILLS_TEST_POSTGRES_URL, dropped again at the end.
- `id_number()`, `credit_code()`: valid resident ID numbers (GB 11643-1999) and unified social
  credit codes (GB 32100-2015), unique per process.

Environment: SKILLS_REGISTRATION_BIN (default: next to SKILLS_ECHO_BIN, else .build/debug),
SKILLS_TEST_POSTGRES_URL (`postgres://user:password@host:port/db`; unset skips PostgreSQL).
"""

from __future__ import annotations

import atexit
import datetime
import itertools
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
from pathlib import Path

from launcher import Launched

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "Protos"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")


def shanghai_today() -> datetime.date:
    """The day the services call today: the calendar day in Asia/Shanghai (UTC+8), which is already
    tomorrow on a UTC machine from 16:00 on, not this machine's local date."""
    return datetime.datetime.now(SHANGHAI).date()


POSTGRES_ENV = "SKILLS_TEST_POSTGRES_URL"

# --------------------------------------------------------------------------------------------
# Stubs
# --------------------------------------------------------------------------------------------

_stubs: types.SimpleNamespace | None = None


def skills_v1() -> types.SimpleNamespace:
    """The skills.v1 messages and stubs, generated from Protos/ with grpc_tools.protoc."""
    global _stubs
    if _stubs is not None:
        return _stubs
    import grpc_tools
    from grpc_tools import protoc

    out = Path(tempfile.mkdtemp(prefix="skills-v1-stubs-"))
    atexit.register(shutil.rmtree, out, True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "skills" / "v1").glob("*.proto"))
    args = ["grpc_tools.protoc", f"-I{PROTOS}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError(f"grpc_tools.protoc failed: {' '.join(args)}")
    # `skills` is a namespace package (no __init__.py), so it may span this directory and the one
    # conftest generates the echo stubs into.
    sys.path.insert(0, str(out))
    from skills.v1 import common_pb2, registration_pb2, registration_pb2_grpc  # type: ignore

    _stubs = types.SimpleNamespace(common_pb2=common_pb2, registration_pb2=registration_pb2,
                                   registration_pb2_grpc=registration_pb2_grpc)
    return _stubs


# --------------------------------------------------------------------------------------------
# Valid identifiers
# --------------------------------------------------------------------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_counter = itertools.count(random.randrange(0, 10**6))


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident ID number's first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_number(birth: str | None = None, region: str = "371402") -> str:
    """A valid, process-unique 18-character resident ID number (Dezhou Decheng by default)."""
    n = next(_counter)
    if birth is None:
        # Unique through the date (about 27 years of days) and the 3-digit sequence number.
        day = n // 1000
        base = time.mktime((1970, 1, 1, 12, 0, 0, 0, 0, -1))
        birth = time.strftime("%Y%m%d", time.localtime(base + (day % 10000) * 86400))
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + id_check_character(first17)


def credit_check_character(first17: str) -> str:
    """The GB 32100-2015 MOD 31 check character of a credit code's first 17 characters."""
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code() -> str:
    """A valid, process-unique unified social credit code (an enterprise in Dezhou, 9137...)."""
    n = next(_counter)
    org = "".join(random.choice(_CREDIT_ALPHABET) for _ in range(3)) + f"{n % 10**6:06d}"
    first17 = "91371402" + org
    return first17 + credit_check_character(first17)


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_binary(service: str) -> Path:
    """Path of `skills-<service>`: SKILLS_<SERVICE>_BIN, else next to SKILLS_ECHO_BIN, else .build/debug."""
    name = f"skills-{service}"
    explicit = os.environ.get(f"SKILLS_{service.upper()}_BIN")
    if explicit:
        return Path(explicit)
    echo = os.environ.get("SKILLS_ECHO_BIN")
    if echo:
        return Path(echo).parent / name
    return ROOT / ".build" / "debug" / name


class _ExitedEarly(RuntimeError):
    """The service exited before it reported SERVING."""


class ServiceProcess:
    """One service executable over mTLS on loopback, restartable on the same data and database.

    `ready` is a callable `(target, timeout, alive)` that waits until the service is SERVING
    (conftest's `wait_until_serving` bound to the certificates)."""

    def __init__(self, service: str, binary: Path, cert_dir: Path, data_dir: Path, ready,
                 database: str | None = None, extra: list[str] | None = None, startup_timeout: float = 30.0):
        self.service = service
        self.binary = binary
        self.cert_dir = cert_dir
        self.data_dir = data_dir
        self.database = database
        self.extra = extra or []
        self.ready = ready
        self.startup_timeout = startup_timeout
        self.process: Launched | None = None
        self.port = 0
        self.starts = 0
        self.log = data_dir / f"{service}.log"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        command = [str(self.binary), "--host", "127.0.0.1", "--port", str(self.port), "--metrics-port", "off",
                   "--data-dir", str(self.data_dir), "--cert-dir", str(self.cert_dir)]
        if self.database:
            command += ["--database", self.database]
        return command + self.extra

    def log_tail(self, lines: int = 40) -> str:
        """The end of the log across every start (each start appends)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, attempts: int = 3) -> "ServiceProcess":
        """Starts the process on a new free port and waits for SERVING; raises with the log tail.

        When the process exits before serving (say another process took the free port between
        `free_port()` and the bind: other suites run on this machine too), it is tried again on
        another port, up to `attempts` times."""
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once()
            except _ExitedEarly:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> "ServiceProcess":
        assert self.process is None or not self.process.running(), "already running"
        self.port = free_port()
        self.starts += 1
        command = self.command()
        # Standard input is a pipe this process holds: the service exits when the tests (or a
        # benchmark) end, however they end, SIGKILL included.
        process = self.process = Launched(command, log=self.log, append=True, hold_stdin=True,
                                          env=dict(os.environ, SKILLS_EXIT_WHEN_STDIN_CLOSES="1"))

        def alive():
            if not process.running():
                raise _ExitedEarly(f"{self.binary.name} exited with {process.returncode} before serving\n"
                                   f"command: {' '.join(command)}\n{self.log_tail()}")

        try:
            self.ready(self.target, self.startup_timeout, alive)
        except Exception as error:
            self.kill()
            if isinstance(error, RuntimeError):
                raise
            raise RuntimeError(f"{self.binary.name} did not start: {error}\n{self.log_tail()}") from error
        return self

    def kill(self) -> None:
        """`kill -9`: no shutdown, no flushing."""
        if self.process is not None:
            self.process.kill()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait; SIGKILL after `timeout`. Returns the exit status (None if it had to be killed)."""
        return None if self.process is None else self.process.stop(timeout)

    def restart(self) -> "ServiceProcess":
        self.stop()
        return self.start()


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------

class PostgresDatabases:
    """Creates fresh databases on the server of `base_url` and drops them in `drop_all()`."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.created: list[str] = []

    def _psql(self, sql: str) -> None:
        result = subprocess.run(["psql", self.base_url, "-v", "ON_ERROR_STOP=1", "-qtAX", "-c", sql],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed ({result.returncode}): {result.stderr.strip()}")

    def create(self, prefix: str = "reg") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{os.getpid()}_{random.randrange(16**8):08x}"
        self._psql(f"CREATE DATABASE {name}")
        self.created.append(name)
        parts = urllib.parse.urlsplit(self.base_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def drop_all(self) -> None:
        for name in reversed(self.created):
            try:
                self._psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except Exception:  # best effort: a leftover test database does no harm
                pass
        self.created.clear()


def rid() -> str:
    """A fresh request_id (idempotency key) for one mutating call."""
    return f"req-{random.randrange(16**12):012x}"


def error_of(call, *args, timeout: float, **kwargs):
    """The grpc.RpcError a call must fail with (fails the test when the call succeeds)."""
    import grpc
    import pytest
    with pytest.raises(grpc.RpcError) as raised:
        call(*args, timeout=timeout, **kwargs)
    return raised.value
