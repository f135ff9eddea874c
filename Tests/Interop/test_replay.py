"""`skillsctl replay --launch` (issue 8): the programme replayed through the four real service
executables, then the special fund's ledger reconciled with what the platform acknowledged.

- 2000 trainings (seed 7) on SQLite: exit 0 and an exact reconciliation, the planned R3/R4 refusals;
- a smaller run on PostgreSQL (one database per service, created and dropped by skillsctl; skipped
  when SKILLS_TEST_POSTGRES_URL is unset), also exact: ledger sequences without gaps although
  Disburse transactions are retried after serialisation failures;
- 250 trainings with a random service SIGKILLed about every 2 s and restarted on the same port and
  data: still exact (no lost acknowledged write, no double payment); and 100 so on PostgreSQL;
- exit codes scripts rely on: 2 for usage errors, 3 when the services are unreachable;
- the launched services exit by themselves when skillsctl is SIGKILLed.

Binaries: skillsctl and the services from the directory of SKILLS_ECHO_BIN (the Makefile sets it),
else .build/debug. Budget: under ~3 minutes with a debug build on 2 cores.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from launcher import Launched
from services import POSTGRES_ENV, ROOT


def _bin_dir() -> Path:
    echo = os.environ.get("SKILLS_ECHO_BIN")
    return Path(echo).parent if echo else ROOT / ".build" / "debug"


def _skillsctl() -> Path:
    path = _bin_dir() / "skillsctl"
    missing = [p for p in [path] + [_bin_dir() / f"skills-{s}" for s in ("registration", "matching", "assessment", "payment")]
               if not (p.is_file() and os.access(p, os.X_OK))]
    if missing:
        pytest.fail(f"missing executables {', '.join(map(str, missing))}: run `swift build` first", pytrace=False)
    return path


def replay(certs: Path, data_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs `skillsctl replay --launch ...` in a session of its own: on a timeout the whole session
    (skillsctl and the services it launched, each in a process group of its own) is killed, so no
    service is left holding ports or PostgreSQL connections for the tests after it."""
    command = [str(_skillsctl()), "replay", "--launch", "--bin-dir", str(_bin_dir()), "--data-dir", str(data_dir),
               "--cert-dir", str(certs), *args]
    # Four PostgreSQL connections per launched service (they inherit skillsctl's environment) are
    # plenty for these runs and leave the server's slots to whatever else shares it.
    environment = {**os.environ, "SKILLS_DATABASE_CONNECTIONS": "4"}
    launched = Launched(command, log=data_dir.with_name(f"{data_dir.name}.replay.out"), env=environment, session=True,
                        split_stderr=True)
    try:
        status = launched.wait(timeout)  # on a timeout: the session killed, AssertionError with the output
    finally:
        launched.stop()
    return subprocess.CompletedProcess(command, status, launched.output(), launched.errors())


def assert_exact(result: subprocess.CompletedProcess, trainings: int) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"exit {result.returncode}\n{output[-6000:]}"
    line = next((l for l in result.stdout.splitlines() if l.startswith("reconciliation:")), "")
    assert line.startswith("reconciliation: OK"), output[-6000:]
    claims = re.search(r"(\d+) claims \((\d+) eligible; refused: ([^)]*)\)", line)
    assert claims, line
    assert int(claims.group(1)) == trainings, line
    # The population plans a 4th training in a year and a repeated occupation+level: both refused.
    assert "R3" in claims.group(3) and "R4" in claims.group(3), line
    paid = re.search(r"(\d+) fen paid \(acknowledged (\d+)\)", line)
    assert paid and paid.group(1) == paid.group(2) and int(paid.group(1)) > 0, line
    assert re.search(r"wall time [\d.]+ s", result.stdout), result.stdout
    assert "peak RSS (VmHWM): registration" in result.stdout, result.stdout
    return line


def test_replay_2000_trainings_on_sqlite(certs, tmp_path):
    result = replay(certs, tmp_path / "data", "--trainings", "2000", "--seed", "7")
    line = assert_exact(result, 2000)
    # Project cohorts report rates on both sides of 85%: some tranches stay held.
    assert re.search(r"[1-9]\d* tranches held", line), line
    for method in ("MatchingService/SelectOffering", "MatchingService/RequestPayment", "PaymentService/Disburse",
                   "AssessmentService/IssueCertificate", "RegistrationService/RegisterWorker"):
        assert method in result.stdout, result.stdout


def test_replay_on_postgres(certs, tmp_path):
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    result = replay(certs, tmp_path / "data", "--trainings", "150", "--seed", "9", "--database", url)
    assert_exact(result, 150)
    assert "PostgreSQL" in result.stdout


def test_replay_with_services_killed_and_restarted(certs, tmp_path):
    result = replay(certs, tmp_path / "data", "--trainings", "250", "--seed", "11", "--faults", "1")
    assert_exact(result, 250)
    kills = re.search(r"\((\d+) SIGKILLs\)", result.stdout)
    assert kills and int(kills.group(1)) >= 2, result.stdout
    assert "starts)" in result.stdout, result.stdout


def test_replay_on_postgres_with_services_killed_and_restarted(certs, tmp_path):
    """On PostgreSQL a SIGKILL also ends the killed service's connections mid-transaction: the server
    rolls them back, the journeys retry with their request_ids, and the books still come out exact."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    # Faults stop when the journeys end, so the kills come from their duration: 100 trainings at
    # one kill every ~2 s ended after a single kill once the services got faster.
    result = replay(certs, tmp_path / "data", "--trainings", "200", "--seed", "13", "--faults", "1", "--database", url,
                    timeout=420)
    assert_exact(result, 200)
    kills = re.search(r"\((\d+) SIGKILLs\)", result.stdout)
    assert kills and int(kills.group(1)) >= 2, result.stdout


def test_exit_codes_for_usage_and_unreachable(certs):
    usage = subprocess.run([str(_skillsctl()), "replay", "--faults", "2"], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 2, usage.stderr
    unreachable = subprocess.run([str(_skillsctl()), "replay", "--trainings", "5", "--registration-addr", "127.0.0.1:1",
                                  "--cert-dir", str(certs)], capture_output=True, text=True, timeout=60)
    assert unreachable.returncode == 3, unreachable.stdout + unreachable.stderr
    assert "not serving" in unreachable.stderr


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _service_children(parent: int) -> dict[int, str]:
    """The skills-* processes whose parent is `parent` (PID -> command name), from /proc."""
    children = {}
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_path.read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == parent and name.startswith("skills-"):
            children[int(stat_path.parent.name)] = name
    return children


def test_launched_services_exit_when_skillsctl_is_sigkilled(certs, tmp_path):
    """No trap can run on SIGKILL: each launched service reads end of file on the standard input pipe
    skillsctl held (SKILLS_EXIT_WHEN_STDIN_CLOSES) and shuts down by itself."""
    command = [str(_skillsctl()), "replay", "--launch", "--bin-dir", str(_bin_dir()), "--data-dir", str(tmp_path / "data"),
               "--cert-dir", str(certs), "--trainings", "500", "--concurrency", "4"]
    process = Launched(command, log=tmp_path / "replay.out", session=True)
    services: dict[int, str] = {}
    try:
        process.wait_for(r"replay: .*\n", timeout=120)  # the services serve; the journeys begin
        services = _service_children(process.pid)
        assert sorted(services.values()) == ["skills-assessme", "skills-matching", "skills-payment", "skills-registra"], services
        os.kill(process.pid, signal.SIGKILL)  # skillsctl alone: the services lead process groups of their own
        process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_running(pid) for pid in services):
            time.sleep(0.1)
        left = {pid: name for pid, name in services.items() if _running(pid)}
        assert not left, f"still running 30 s after skillsctl was SIGKILLed: {left}"
    finally:
        for pid in services:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        process.kill()
