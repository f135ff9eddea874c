"""skillsctl against the services started by `make run`'s script (debug build, own data directory,
own ports), while another "platform" holds the default ports 7101-7104 and 9101-9104: the tests must
pass whatever else runs on this machine (they failed while `make run` was running in another terminal,
and run-local.sh reported the other platform's /healthz as its own SERVING)."""
import http.server
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from test_run_local import free_port_block, start_platform, stop_platform

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "debug"
DEFAULT_PORTS = (7101, 7102, 7103, 7104)
DEFAULT_METRICS_PORTS = (9101, 9102, 9103, 9104)


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def other_platform():
    """Occupies each default port that is free, as another `make run` would: gRPC ports listen and
    never answer, metrics ports answer /healthz with 200."""
    held = []
    for port in DEFAULT_PORTS:
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
            held.append(s)
        except OSError:
            s.close()  # already taken: by another platform, which is the point
    servers = []
    for port in DEFAULT_METRICS_PORTS:
        try:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Healthy)
        except OSError:
            continue
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield
    for server in servers:
        server.shutdown()
        server.server_close()
    for s in held:
        s.close()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, certs, other_platform):
    data = tmp_path_factory.mktemp("skillsctl-data")
    base, metrics = free_port_block(), free_port_block()
    launched, _ = start_platform(data, certs, base, metrics, demo=True, timeout=600)
    yield {"certs": certs, "addresses": ["--registration-addr", f"127.0.0.1:{base + 1}", "--matching-addr", f"127.0.0.1:{base + 2}",
                                         "--assessment-addr", f"127.0.0.1:{base + 3}", "--payment-addr", f"127.0.0.1:{base + 4}"]}
    stop_platform(launched)


def ctl(platform, *args):
    """skillsctl with the platform's addresses, except those `args` set themselves."""
    pairs = platform["addresses"]
    addresses = [item for flag, value in zip(pairs[::2], pairs[1::2]) if flag not in args for item in (flag, value)]
    return subprocess.run([str(BIN / "skillsctl"), *args, *addresses, "--cert-dir", str(platform["certs"])],
                          capture_output=True, text=True, timeout=60)


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
