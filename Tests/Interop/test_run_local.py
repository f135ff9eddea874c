"""`make run`'s script: starts the four services with --accept-business-date, waits for SERVING, runs
`skillsctl demo`, prints the summary and where the data is, and stops the services cleanly.

Runs `Tools/run-local.sh` with the debug build (RUN_CONFIG=debug; `make run` itself builds release)
and RUN_EXIT_AFTER_START=1, twice on one data directory of its own (a second `make run` reuses
./data), on ports of its own (RUN_PORT_BASE / RUN_METRICS_PORT_BASE) so other tests never clash.
Also: a port already taken (gRPC, or metrics answering /healthz as another platform's does) fails
before anything starts, naming the port and its process; a second run at once fails and leaves the
first serving; the services exit when the script is SIGKILLed.
"""
import http.server
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from launcher import Launched

ROOT = Path(__file__).resolve().parents[2]


def free_port_block(count: int = 5) -> int:
    """A base such that base+1..base+count-1 are free on loopback now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1] - 1
        if base + count > 65535:
            continue
        try:
            sockets = []
            for offset in range(1, count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free block of loopback ports")


def run_local(data: Path, certs: Path, port_base: int, metrics_base: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, RUN_CONFIG="debug", RUN_EXIT_AFTER_START="1", SKILLS_DATA_DIR=str(data), CERT_DIR=str(certs),
               RUN_PORT_BASE=str(port_base), RUN_METRICS_PORT_BASE=str(metrics_base))
    return subprocess.run(["bash", str(ROOT / "Tools" / "run-local.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def summary(stdout: str) -> str:
    """The demo's summary, from its title to the suggested commands."""
    start = stdout.index("Five-order demo")
    return stdout[start:stdout.index("Where to look next", start)]


def test_run_local_runs_the_demo_twice_on_the_same_data(tmp_path, certs):
    data = tmp_path / "data"
    port_base, metrics_base = free_port_block(), free_port_block()
    first = run_local(data, certs, port_base, metrics_base)
    assert first.returncode == 0, first.stdout + first.stderr
    for service in ("registration", "matching", "assessment", "payment"):
        assert any(line.split()[:2] == [service, "SERVING"] for line in first.stdout.splitlines()), first.stdout
        assert (data / f"{service}.sqlite").exists()
        assert (data / "logs" / f"{service}.log").exists()
    assert "--accept-business-date" in first.stdout
    text = summary(first.stdout)
    # Paid claims (to a worker, an enterprise, an institution), a refusal with its rule, the
    # project cohort's employment report, the ledger and T1.
    for expected in ("paid ¥", "to the worker", "to the enterprise", "refused: R4", "employment", "Ledger:", "T1:"):
        assert expected in text, text
    assert "skillsctl progress" in first.stdout and "ledger export" in first.stdout
    assert f"Data: {data}" in first.stdout and "stopped" in first.stdout
    # Plain step lines on stderr when it is not a terminal.
    assert "demo: " in first.stderr and "\r" not in first.stderr

    second = run_local(data, certs, port_base, metrics_base)
    assert second.returncode == 0, second.stdout + second.stderr
    assert summary(second.stdout) == text

    # Every service exited on SIGTERM: nothing is left listening on the test's ports.
    ports = " or ".join(f"sport = :{port_base + n}" for n in range(1, 5))
    probe = subprocess.run(["bash", "-c", f"ss -ltn '( {ports} )' | tail -n +2"], capture_output=True, text=True)
    assert probe.stdout.strip() == "", probe.stdout


# --- a port or the data directory already in use; what outlives the script ----------------------

def listening_socket(port: int) -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen()
    return s


class Healthy(http.server.BaseHTTPRequestHandler):
    """Another platform's metrics endpoint: /healthz says 200."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def start_platform(data: Path, certs: Path, port_base: int, metrics_base: int, demo: bool = False,
                   timeout: float = 90) -> tuple[Launched, dict[str, int]]:
    """run-local.sh (`make run`'s script, debug build), until it waits for Ctrl-C: the launch, in a
    session of its own, and the PID of each service it reports. `stop_platform` ends it."""
    env = dict(os.environ, RUN_CONFIG="debug", SKILLS_DATA_DIR=str(data), CERT_DIR=str(certs),
               RUN_PORT_BASE=str(port_base), RUN_METRICS_PORT_BASE=str(metrics_base))
    if not demo:
        env["RUN_DEMO"] = "0"
    platform = Launched(["bash", ROOT / "Tools" / "run-local.sh"], log=data.with_name(f"{data.name}.run-local.out"),
                        env=env, session=True)
    try:
        platform.wait_for("Ctrl-C stops the services", timeout)
        seen = platform.output()
        pids = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+SERVING .*\(pid (\d+)\)$", seen, re.M)}
        assert len(pids) == 4, f"run-local.sh did not start the four services:\n{seen}"
    except BaseException:
        stop_platform(platform)
        raise
    return platform, pids


def stop_platform(platform: Launched) -> None:
    """SIGTERM to the script's process group (its trap stops the services), then whatever is left is killed."""
    platform.stop(timeout=60)


def test_a_taken_grpc_port_fails_before_anything_starts(tmp_path, certs):
    data = tmp_path / "data"
    port_base, metrics_base = free_port_block(), free_port_block()
    with listening_socket(port_base + 3):
        result = run_local(data, certs, port_base, metrics_base)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"port {port_base + 3} (assessment gRPC) is already in use by " in result.stderr, result.stderr
    assert f"(pid {os.getpid()})" in result.stderr, "ss names the process holding the port"
    assert "nothing was started" in result.stderr and "RUN_PORT_BASE=" in result.stderr
    assert "SERVING" not in result.stdout
    assert not list((data / "logs").glob("*.log")), "no service was started"


def test_a_taken_metrics_port_answering_healthz_is_not_reported_as_serving(tmp_path, certs):
    # The failure seen while `make run` ran in another terminal: /healthz on the port said 200, so
    # every service was listed SERVING although its own process had died on bind.
    data = tmp_path / "data"
    port_base, metrics_base = free_port_block(), free_port_block()
    other = http.server.ThreadingHTTPServer(("127.0.0.1", metrics_base + 2), Healthy)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        result = run_local(data, certs, port_base, metrics_base)
    finally:
        other.shutdown()
        other.server_close()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"port {metrics_base + 2} (matching metrics) is already in use by " in result.stderr, result.stderr
    assert "SERVING" not in result.stdout


def test_a_second_run_fails_clearly_and_leaves_the_first_serving(tmp_path, certs):
    data = tmp_path / "data"
    port_base, metrics_base = free_port_block(), free_port_block()
    first, pids = start_platform(data, certs, port_base, metrics_base)
    try:
        same_data = run_local(data, certs, free_port_block(), free_port_block())
        assert same_data.returncode == 1, same_data.stdout + same_data.stderr
        assert f"another run-local.sh (make run) is using {data} (pid {first.pid})" in same_data.stderr, same_data.stderr
        assert "nothing was started" in same_data.stderr

        same_ports = run_local(tmp_path / "other-data", certs, port_base, metrics_base)
        assert same_ports.returncode == 1, same_ports.stdout + same_ports.stderr
        assert f"port {port_base + 1} (registration gRPC) is already in use by skills-registra (pid {pids['registration']})" \
            in same_ports.stderr, same_ports.stderr
        assert "SERVING" not in same_ports.stdout

        assert all(running(pid) for pid in pids.values()), pids
        addresses = [f"--{name}-addr=127.0.0.1:{port_base + n}"
                     for n, name in enumerate(("registration", "matching", "assessment", "payment"), start=1)]
        health = subprocess.run([str(ROOT / ".build" / "debug" / "skillsctl"), "health", *addresses, "--cert-dir", str(certs)],
                                capture_output=True, text=True, timeout=60)
        assert health.returncode == 0, health.stdout + health.stderr
    finally:
        stop_platform(first)
    assert not any(running(pid) for pid in pids.values())


def test_the_services_exit_when_run_local_is_killed(tmp_path, certs):
    platform, pids = start_platform(tmp_path / "data", certs, free_port_block(), free_port_block())
    try:
        os.kill(platform.pid, signal.SIGKILL)  # no trap runs: the services must notice by themselves
        platform.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(running(pid) for pid in pids.values()):
            time.sleep(0.1)
        left = {name: pid for name, pid in pids.items() if running(pid)}
        assert not left, f"still running 30 s after run-local.sh was killed: {left}"
    finally:
        for pid in pids.values():
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        stop_platform(platform)


def test_check_only_reports_a_taken_port_and_passes_on_free_ones(tmp_path, certs):
    """`make run` runs `run-local.sh --check` before its release build: a taken port is reported at once."""
    port_base, metrics_base = free_port_block(), free_port_block()
    env = dict(os.environ, SKILLS_DATA_DIR=str(tmp_path / "data"), RUN_PORT_BASE=str(port_base),
               RUN_METRICS_PORT_BASE=str(metrics_base))
    command = ["bash", str(ROOT / "Tools" / "run-local.sh"), "--check"]
    with listening_socket(port_base + 2):
        taken = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert taken.returncode == 1 and f"port {port_base + 2} (matching gRPC) is already in use" in taken.stderr, taken.stderr
    free = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert free.returncode == 0, free.stderr
    assert free.stdout == "" and not list((tmp_path / "data" / "logs").glob("*.log"))
