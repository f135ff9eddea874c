"""`make run`'s script: starts the four services with --accept-business-date, waits for SERVING, runs
`skillsctl demo`, prints the summary and where the data is, and stops the services cleanly.

Runs `Tools/run-local.sh` with the debug build (RUN_CONFIG=debug; `make run` itself builds release)
and RUN_EXIT_AFTER_START=1, twice on one data directory of its own (a second `make run` reuses
./data), on ports of its own (RUN_PORT_BASE / RUN_METRICS_PORT_BASE) so other tests never clash.
"""
import os
import socket
import subprocess
from pathlib import Path

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
