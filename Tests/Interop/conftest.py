"""Fixtures for the gRPC interoperability tests: Python grpcio (PyPI) against our Swift gRPC.

- Python stubs are generated from Protos/ at session start (grpc_tools.protoc, -I Protos), so the
  tests always use the same contract as the Swift code.
- `certs`: the dev certificates (Deploy/certs/make-dev-certs.sh; idempotent).
- `echo_server`: the Swift `skills-echo serve` binary over mTLS on a free loopback port.
- `python_echo_server`: a grpcio server in this process with the same Echo semantics, the reference
  the Swift client is checked against (and a self-check of the client tests).
- `echo_target`: parametrized over both servers, so every client test runs against each.

Environment: SKILLS_ECHO_BIN (path of the skills-echo binary; default .build/debug/skills-echo),
SKILLS_CERT_DIR (default Deploy/certs/out).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from launcher import Launched

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "Protos"
ECHO_PROTO = "skills/testing/v1/echo.proto"
HEALTH_PROTO = "grpc/health/v1/health.proto"
SERVER_NAME = "localhost"
STARTUP_TIMEOUT = 20.0
ECHO_SERVICE = "skills.testing.v1.Echo"
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


# --------------------------------------------------------------------------------------------
# Stubs generated from Protos/
# --------------------------------------------------------------------------------------------

def _generate_stubs() -> tuple[object, object, object]:
    from grpc_tools import protoc
    import grpc_tools

    out = Path(tempfile.mkdtemp(prefix="skills-interop-stubs-"))
    atexit.register(shutil.rmtree, out, True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        ECHO_PROTO,
        HEALTH_PROTO,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"grpc_tools.protoc failed: {' '.join(args)}")
    # The echo stubs import each other as `skills.testing.v1.*` (a namespace package in `out`).
    sys.path.insert(0, str(out))
    from skills.testing.v1 import echo_pb2, echo_pb2_grpc  # type: ignore

    # The health messages live in package `grpc.health.v1`, which would collide with grpcio's own
    # `grpc` package; load the module from its file under a private name and call the service
    # through generic handlers (its *_grpc module would import `grpc.health.v1`).
    path = out / "grpc" / "health" / "v1" / "health_pb2.py"
    spec = importlib.util.spec_from_file_location("skills_interop_health_pb2", path)
    health_pb2 = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(health_pb2)
    return echo_pb2, echo_pb2_grpc, health_pb2


echo_pb2, echo_pb2_grpc, health_pb2 = _generate_stubs()


# --------------------------------------------------------------------------------------------
# Certificates and channels
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def certs() -> Path:
    out = Path(os.environ.get("SKILLS_CERT_DIR", ROOT / "Deploy" / "certs" / "out"))
    script = ROOT / "Deploy" / "certs" / "make-dev-certs.sh"
    result = subprocess.run(["bash", str(script), str(out)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"make-dev-certs.sh failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return out


def channel_credentials(certs: Path, identity: str | None = "hrss") -> grpc.ChannelCredentials:
    """mTLS credentials trusting the dev CA; `identity` names <identity>.pem/.key (None: no client cert)."""
    ca = (certs / "ca.pem").read_bytes()
    if identity is None:
        return grpc.ssl_channel_credentials(root_certificates=ca)
    return grpc.ssl_channel_credentials(
        root_certificates=ca,
        private_key=(certs / f"{identity}.key").read_bytes(),
        certificate_chain=(certs / f"{identity}.pem").read_bytes(),
    )


def secure_channel(target: str, certs: Path, identity: str | None = "hrss") -> grpc.Channel:
    return grpc.secure_channel(
        target,
        channel_credentials(certs, identity),
        options=[("grpc.ssl_target_name_override", SERVER_NAME)],
    )


def health_check(channel: grpc.Channel, service: str = "", timeout: float = 2.0):
    check = channel.unary_unary(
        HEALTH_CHECK,
        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
        response_deserializer=health_pb2.HealthCheckResponse.FromString,
    )
    return check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)


def wait_until_serving(target: str, certs: Path, timeout: float, alive=lambda: None) -> None:
    """Polls grpc.health.v1.Health/Check over mTLS until SERVING; `alive` raises if the server died."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    with secure_channel(target, certs) as channel:
        while time.monotonic() < deadline:
            alive()
            try:
                if health_check(channel, timeout=1.0).status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError as error:  # not listening yet, or not SERVING
                last = error
            time.sleep(0.1)
    raise TimeoutError(f"{target} did not report SERVING within {timeout:.0f} s (last error: {last})")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# The Swift echo server
# --------------------------------------------------------------------------------------------

def echo_binary() -> Path:
    path = Path(os.environ.get("SKILLS_ECHO_BIN", ROOT / ".build" / "debug" / "skills-echo"))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"the Swift echo binary {path} is missing: build it first "
            "(`swift build --product skills-echo`, or `make test`, which does), "
            "or point SKILLS_ECHO_BIN at it",
            pytrace=False,
        )
    return path


@dataclass
class SwiftEchoServer:
    target: str
    process: Launched


@pytest.fixture(scope="session")
def swift_echo_server(certs: Path, tmp_path_factory):
    binary = echo_binary()
    port = free_port()
    log = tmp_path_factory.mktemp("skills-echo") / "server.log"
    command = [
        str(binary), "serve",
        "--host", "127.0.0.1", "--port", str(port),
        "--cert", str(certs / "echo.pem"), "--key", str(certs / "echo.key"), "--ca", str(certs / "ca.pem"),
    ]
    # It exits when this process does, however it ends: standard input is a pipe held here.
    process = Launched(command, log=log, hold_stdin=True, env=dict(os.environ, SKILLS_EXIT_WHEN_STDIN_CLOSES="1"))
    server = SwiftEchoServer(target=f"127.0.0.1:{port}", process=process)

    def alive():
        if not process.running():
            raise RuntimeError(
                f"skills-echo exited with {process.returncode} before serving\n"
                f"command: {' '.join(command)}\n{process.log_tail()}"
            )

    try:
        wait_until_serving(server.target, certs, STARTUP_TIMEOUT, alive)
    except Exception as error:
        process.kill()
        tail = "" if isinstance(error, RuntimeError) else f"\n{process.log_tail()}"
        pytest.fail(f"the Swift echo server did not start: {error}{tail}", pytrace=False)
    yield server
    if process.stop(timeout=10) is None:
        pytest.fail(f"skills-echo did not stop within 10 s of SIGTERM\n{process.log_tail()}")


@pytest.fixture(scope="session")
def echo_server(swift_echo_server: SwiftEchoServer) -> str:
    """`127.0.0.1:port` of the Swift echo server."""
    return swift_echo_server.target


# --------------------------------------------------------------------------------------------
# The Python reference echo server
# --------------------------------------------------------------------------------------------

def _sleep_ms(context: grpc.ServicerContext, ms: int) -> None:
    """Sleeps in small steps, returning early when the call is cancelled or its deadline passes."""
    end = time.monotonic() + ms / 1000.0
    while context.is_active():
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.01))


def _caller(context: grpc.ServicerContext) -> str:
    names = context.auth_context().get("x509_common_name") or [b""]
    return names[0].decode("utf-8", "replace")


def _echo_metadata(context: grpc.ServicerContext) -> None:
    echoed = tuple((k, v) for k, v in context.invocation_metadata() if k.startswith("x-echo-"))
    context.set_trailing_metadata(echoed)


def _fail_if_asked(context: grpc.ServicerContext, request) -> None:
    if request.fail_with_code != 0:
        context.abort(_status_code(request.fail_with_code), request.fail_with_message)


def _status_code(number: int) -> grpc.StatusCode:
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


class PythonEcho(echo_pb2_grpc.EchoServicer):
    """The Echo semantics both servers implement (see Protos/skills/testing/v1/echo.proto)."""

    def Get(self, request, context):
        if request.delay_ms > 0:
            _sleep_ms(context, request.delay_ms)
        _echo_metadata(context)
        _fail_if_asked(context, request)
        return echo_pb2.EchoResponse(text=request.text, payload=request.payload, caller=_caller(context))

    def Expand(self, request, context):
        _echo_metadata(context)
        _fail_if_asked(context, request)
        caller = _caller(context)
        for i in range(request.repeat):
            if i > 0 and request.delay_ms > 0:
                _sleep_ms(context, request.delay_ms)
            if not context.is_active():
                return
            yield echo_pb2.EchoResponse(text=f"{request.text} {i}", payload=request.payload, count=i + 1, caller=caller)

    def Collect(self, request_iterator, context):
        _echo_metadata(context)
        texts = []
        for request in request_iterator:
            _fail_if_asked(context, request)
            texts.append(request.text)
        return echo_pb2.EchoResponse(text=" ".join(texts), count=len(texts), caller=_caller(context))

    def Update(self, request_iterator, context):
        _echo_metadata(context)
        caller = _caller(context)
        count = 0
        for request in request_iterator:
            _fail_if_asked(context, request)
            count += 1
            yield echo_pb2.EchoResponse(text=request.text, payload=request.payload, count=count, caller=caller)


def _python_health_handler() -> grpc.GenericRpcHandler:
    def check(request, context):
        if request.service in ("", ECHO_SERVICE):
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
        context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service}")

    return grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {
            "Check": grpc.unary_unary_rpc_method_handler(
                check,
                request_deserializer=health_pb2.HealthCheckRequest.FromString,
                response_serializer=health_pb2.HealthCheckResponse.SerializeToString,
            )
        },
    )


@pytest.fixture(scope="session")
def python_echo_server(certs: Path):
    """`127.0.0.1:port` of an in-process grpcio Echo server requiring client certificates."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))  # default max receive: 4 MiB
    echo_pb2_grpc.add_EchoServicer_to_server(PythonEcho(), server)
    server.add_generic_rpc_handlers((_python_health_handler(),))
    credentials = grpc.ssl_server_credentials(
        [((certs / "echo.key").read_bytes(), (certs / "echo.pem").read_bytes())],
        root_certificates=(certs / "ca.pem").read_bytes(),
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    assert port, "could not bind the Python echo server"
    server.start()
    target = f"127.0.0.1:{port}"
    wait_until_serving(target, certs, STARTUP_TIMEOUT)
    yield target
    server.stop(grace=1).wait()


# --------------------------------------------------------------------------------------------
# One client test, both servers
# --------------------------------------------------------------------------------------------

@pytest.fixture(params=["swift", "python"], ids=["swift_echo", "python_echo"])
def echo_target(request) -> str:
    """The address of the Swift or the Python echo server (every client test runs against both).

    Select one with `-k swift_echo` or `-k python_echo`."""
    if request.param == "swift":
        return request.getfixturevalue("echo_server")
    return request.getfixturevalue("python_echo_server")


@pytest.fixture
def channel(echo_target: str, certs: Path):
    with secure_channel(echo_target, certs, "hrss") as ch:
        yield ch


@pytest.fixture
def stub(channel):
    return echo_pb2_grpc.EchoStub(channel)
