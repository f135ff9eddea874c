"""`skillsctl call` against a real skills-registration (SQLite): JSON in, JSON out, exit codes
scripts can trust (0 ok, 1 error status, 2 unknown method/field or bad JSON, 3 unreachable)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import wait_until_serving
from services import ServiceProcess, id_number, service_binary

ROOT = Path(__file__).resolve().parents[2]
SKILLSCTL = ROOT / ".build" / "debug" / "skillsctl"


@pytest.fixture(scope="module")
def registration(certs, tmp_path_factory):
    binary = service_binary("registration")
    for path in (binary, SKILLSCTL):
        if not path.is_file():
            pytest.fail(f"{path} is missing: build it first (swift build)", pytrace=False)
    process = ServiceProcess("registration", binary, certs, tmp_path_factory.mktemp("ctl-call"),
                             lambda target, timeout, alive: wait_until_serving(target, certs, timeout, alive))
    process.start()
    yield process
    process.stop()


def call(registration, *args, stdin: str | None = None, role: str = "hrss"):
    return subprocess.run([str(SKILLSCTL), "call", *args, "--registration-addr", registration.target,
                           "--cert-dir", str(registration.cert_dir), "--role", role],
                          capture_output=True, text=True, timeout=60, input=stdin)


def test_register_then_get_round_trips_json_with_set_and_request_id(registration, tmp_path):
    number = id_number()
    request = tmp_path / "worker.json"
    request.write_text(json.dumps({"worker": {"id_number": number, "phone": "13812345678", "hukou": "HUKOU_URBAN"}}))
    first = call(registration, "registration", "RegisterWorker", "--json", f"@{request}", "--set", "worker.name=张三",
                 "--request-id", "ctl-test-" + number)
    assert first.returncode == 0, first.stderr
    worker = json.loads(first.stdout)  # one line when not on a terminal
    assert len(first.stdout.strip().splitlines()) == 1
    assert (worker["idNumber"], worker["name"], worker["hukou"]) == (number, "张三", "HUKOU_URBAN")
    assert isinstance(worker["version"], str), "int64 is a string in proto3 JSON"
    retry = call(registration, "registration", "RegisterWorker", "--json", f"@{request}", "--set", "worker.name=张三",
                 "--request-id", "ctl-test-" + number)
    assert retry.returncode == 0 and json.loads(retry.stdout)["id"] == worker["id"], retry.stderr
    got = call(registration, "registration", "GetWorker", "--json", "-", stdin=json.dumps({"workerId": worker["id"]}))
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == worker


def test_request_id_auto_fills_a_fresh_id(registration):
    base = json.dumps({"worker": {"idNumber": id_number(), "name": "李四", "phone": "13812345678", "hukou": "HUKOU_RURAL"}})
    result = call(registration, "registration", "RegisterWorker", "--json", base, "--request-id", "auto")
    assert result.returncode == 0, result.stderr
    missing = call(registration, "registration", "RegisterWorker", "--json", base)
    assert missing.returncode == 1 and "INVALID_ARGUMENT" in missing.stderr and "request_id" in missing.stderr


def test_an_error_status_exits_1_with_code_and_message(registration):
    result = call(registration, "registration", "GetWorker", "--json", '{"workerId": "no-such-worker"}')
    assert result.returncode == 1
    assert result.stdout == ""
    assert "NOT_FOUND" in result.stderr and "no-such-worker" in result.stderr
    denied = call(registration, "registration", "ListWorkers", role="enterprise")
    assert denied.returncode == 1 and "PERMISSION_DENIED" in denied.stderr


@pytest.mark.parametrize("args, message", [
    (["registration", "GetWorkr"], "has no method 'GetWorkr'"),
    (["nowhere", "GetWorker"], "unknown service 'nowhere'"),
    (["registration", "GetWorker", "--json", '{"wokerId": "x"}'], "unknown field 'wokerId'"),
    (["registration", "RegisterWorker", "--set", "worker.nmae=x"], "has no field 'nmae'"),
    (["registration", "RegisterWorker", "--json", '{"worker": {"hukou": "HUKOU_MARS"}}'], "worker.hukou"),
    (["registration", "GetWorker", "--json", "{oops"], "invalid JSON"),
])
def test_unknown_methods_fields_and_bad_json_exit_2(registration, args, message):
    result = call(registration, *args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert message in result.stderr


@pytest.mark.parametrize("args, message", [
    (["call"], "Missing expected argument '<service>'"),
    (["call", "registration", "GetWorker", "--bogus"], "Unknown option '--bogus'"),
    (["frobnicate"], "Unexpected argument 'frobnicate'"),
])
def test_usage_errors_exit_2_not_argument_parsers_64(args, message):
    result = subprocess.run([str(SKILLSCTL), *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert message in result.stderr


def test_unreachable_exits_3(registration):
    result = subprocess.run([str(SKILLSCTL), "call", "registration", "GetWorker", "--json", '{"workerId": "x"}',
                             "--registration-addr", "127.0.0.1:1", "--cert-dir", str(registration.cert_dir)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    assert "UNAVAILABLE" in result.stderr


def test_server_streaming_prints_one_object_per_line(registration):
    for name in ("王五", "赵六"):
        body = json.dumps({"worker": {"idNumber": id_number(), "name": name, "phone": "13812345678", "hukou": "HUKOU_URBAN"}})
        assert call(registration, "registration", "RegisterWorker", "--json", body, "--request-id", "auto").returncode == 0
    result = call(registration, "registration", "ListWorkers")
    assert result.returncode == 0, result.stderr
    workers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(workers) >= 2 and {"王五", "赵六"} <= {w["name"] for w in workers}


def test_health_and_reflection_by_full_service_name(registration):
    health = call(registration, "grpc.health.v1.Health", "Check", "--addr", registration.target)
    assert health.returncode == 0 and json.loads(health.stdout) == {"status": "SERVING"}, health.stderr
    reflection = call(registration, "grpc.reflection.v1.ServerReflection", "ServerReflectionInfo", "--addr",
                      registration.target, "--json", '[{"listServices": ""}]')
    assert reflection.returncode == 0, reflection.stderr
    services = json.loads(reflection.stdout.splitlines()[0])["listServicesResponse"]["service"]
    assert {"name": "skills.v1.RegistrationService"} in services
    needs_addr = call(registration, "grpc.health.v1.Health", "Check")
    assert needs_addr.returncode == 2 and "--addr" in needs_addr.stderr
