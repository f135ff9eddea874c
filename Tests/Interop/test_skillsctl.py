"""skillsctl against the services started by `make run`'s script (debug build, own data directory)."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "debug"


@pytest.fixture(scope="module")
def platform(tmp_path_factory, certs):
    data = tmp_path_factory.mktemp("skillsctl-data")
    env = dict(os.environ, RUN_CONFIG="debug", SKILLS_DATA_DIR=str(data), CERT_DIR=str(certs))
    process = subprocess.Popen(["bash", str(ROOT / "Tools" / "run-local.sh")], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen += line
        if "Ctrl-C stops the services" in line:
            break
        if process.poll() is not None:
            pytest.fail(f"run-local.sh exited early:\n{seen}")
    yield certs
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def ctl(certs, *args):
    return subprocess.run([str(BIN / "skillsctl"), *args, "--cert-dir", str(certs)], capture_output=True, text=True, timeout=60)


def test_health_lists_every_service_serving(platform):
    result = ctl(platform, "health")
    assert result.returncode == 0, result.stdout + result.stderr
    for service in ("registration", "matching", "assessment", "payment"):
        assert any(line.startswith(service) and line.endswith("SERVING") for line in result.stdout.splitlines()), result.stdout


def test_health_fails_when_a_service_is_unreachable(platform):
    result = ctl(platform, "health", "--payment-addr", "127.0.0.1:1")
    assert result.returncode == 1
    assert "UNREACHABLE" in result.stdout


def test_progress_shows_the_target(platform):
    result = ctl(platform, "progress")
    assert result.returncode == 0, result.stderr
    assert "of 150000 subsidised trainings" in result.stdout


def test_ledger_export_is_csv_for_finance_and_refused_for_the_portal(platform):
    result = ctl(platform, "ledger", "export", "--csv", "--role", "finance")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("sequence,id,booked_at_unix,tranche_id")
    refused = ctl(platform, "ledger", "export", "--csv", "--role", "worker-portal")
    assert refused.returncode == 1
    assert "PERMISSION_DENIED" in refused.stderr


def test_progress_draws_t1_as_svg_and_png(platform, tmp_path):
    import shutil
    import xml.etree.ElementTree as ElementTree

    svg = tmp_path / "t1.svg"
    result = ctl(platform, "progress", "--chart", str(svg))
    assert result.returncode == 0, result.stderr
    root = ElementTree.parse(svg).getroot()
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "of 150000 subsidised trainings" in texts and "By year" in texts and "By category" in texts
    png = tmp_path / "t1.png"
    result = ctl(platform, "progress", "--chart", str(png))
    if shutil.which("rsvg-convert"):
        assert result.returncode == 0, result.stderr
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert result.returncode == 1 and "librsvg2-bin" in result.stderr
    wrong = ctl(platform, "progress", "--chart", str(tmp_path / "t1.gif"))
    assert wrong.returncode == 2 and "must end in .svg or .png" in wrong.stderr
