"""`make run`'s script starts every service that exists, waits for SERVING and stops them cleanly.

Runs `Tools/run-local.sh` with the debug build (RUN_CONFIG=debug; `make run` itself builds release)
and RUN_EXIT_AFTER_START=1, on its own data directory and ports that the other tests do not use.
"""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_run_local_starts_and_stops_the_services(tmp_path, certs):
    env = dict(os.environ, RUN_CONFIG="debug", RUN_EXIT_AFTER_START="1", SKILLS_DATA_DIR=str(tmp_path / "data"),
               CERT_DIR=str(certs))
    result = subprocess.run(["bash", str(ROOT / "Tools" / "run-local.sh")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    for service in ("registration", "assessment", "payment"):
        assert f"{service}" in result.stdout and "SERVING" in result.stdout, result.stdout
        assert (tmp_path / "data" / f"{service}.sqlite").exists()
        assert (tmp_path / "data" / "logs" / f"{service}.log").exists()
    assert "stopped" in result.stdout
    # Every service exited on SIGTERM: nothing is left listening on the fixed ports.
    probe = subprocess.run(["bash", "-c", "ss -ltn '( sport = :7101 or sport = :7103 or sport = :7104 )' | tail -n +2"],
                           capture_output=True, text=True)
    assert probe.stdout.strip() == "", probe.stdout
