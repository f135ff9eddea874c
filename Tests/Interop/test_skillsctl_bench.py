"""`skillsctl bench`: closed-loop load over mTLS against the services of `make run`'s script (debug
build, own data directory and ports), figures per method as one JSON object."""
import json
import subprocess
from pathlib import Path

import pytest

from test_run_local import free_port_block, start_platform, stop_platform

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "debug"


@pytest.fixture(scope="module")
def services(tmp_path_factory, certs):
    data = tmp_path_factory.mktemp("bench-data")
    base, metrics = free_port_block(), free_port_block()
    launched, _ = start_platform(data, certs, base, metrics, timeout=90)
    addresses = ["--registration-addr", f"127.0.0.1:{base + 1}", "--matching-addr", f"127.0.0.1:{base + 2}",
                 "--assessment-addr", f"127.0.0.1:{base + 3}", "--payment-addr", f"127.0.0.1:{base + 4}",
                 "--cert-dir", str(certs)]
    yield addresses
    stop_platform(launched)


def bench(addresses, *args):
    return subprocess.run([str(BIN / "skillsctl"), "bench", *args, *addresses], capture_output=True, text=True, timeout=120)


def test_get_worker_json_has_parseable_figures(services):
    result = bench(services, "get-worker", "--duration", "1", "--concurrency", "4", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["scenario"] == "get-worker" and report["failed_iterations"] == 0
    assert report["iterations"] > 0 and report["iterations_per_s"] > 0
    figures = report["methods"]["RegistrationService/GetWorker"]
    assert figures["calls"] == report["iterations"] and figures["failures"] == 0
    assert 0 < figures["p50_ms"] <= figures["p90_ms"] <= figures["p99_ms"] <= figures["max_ms"]


def test_enrolment_times_every_step_of_the_five_orders(services):
    result = bench(services, "enrolment", "--duration", "1", "--concurrency", "2", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["iterations"] > 0
    for method in ("SelectOffering", "AcceptEnrollment", "RecordLearning", "CompleteTraining", "RequestPayment"):
        assert report["methods"][f"MatchingService/{method}"]["calls"] == report["iterations"]


def test_unknown_scenario_is_a_usage_error(services):
    result = bench(services, "no-such-scenario")
    assert result.returncode == 2


def test_unreachable_services_exit_3(services):
    result = bench([a if not a.startswith("127.0.0.1:") else "127.0.0.1:1" for a in services], "get-worker", "--duration", "1")
    assert result.returncode == 3, result.stdout + result.stderr
