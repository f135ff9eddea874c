"""Policy files from the operator's side: `skillsctl policy check`, services that refuse to start on a
bad `--policy-file`, and the policy version and fingerprint a running service shows (/metrics, log,
`skillsctl health`).

The files are the shipped Dezhou 2019-2021 policy plus a 2022-2024 period, good or broken."""
import copy
import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import wait_until_serving
from services import ROOT, ServiceProcess, free_port, service_binary

SHIPPED = ROOT / "Shared" / "Policy" / "Data" / "dezhou-2019-2021.json"
NEXT = "dezhou-2022-2024/v1"


def skillsctl() -> Path:
    return service_binary("registration").parent / "skillsctl"


def shipped() -> dict:
    return json.loads(SHIPPED.read_text())


def with_next_period(file: dict, **changes) -> dict:
    """The shipped file plus a 2022-2024 version that adjusts v2 and prices everything it prices."""
    file = copy.deepcopy(file)
    v2 = file["versions"][-1]
    version = {"version": NEXT, "extends": v2["version"], "effectiveFrom": "2022-01-01", "effectiveTo": "2024-12-31",
               "standards": copy.deepcopy(v2["standards"])}
    version.update(changes)
    file["versions"].append(version)
    return file


def broken() -> dict:
    """A standalone 2021-06-01..2024-12-31 version (overlaps v1 and v2) without 电工 level 3."""
    file = shipped()
    version = copy.deepcopy(file["versions"][0])
    version.update(version=NEXT, effectiveFrom="2021-06-01", effectiveTo="2024-12-31",
                   standards=copy.deepcopy(file["versions"][1]["standards"]))
    electrician = version["standards"]["occupations"][0]
    assert electrician["code"] == "6-31-01-03"
    del electrician["levels"]["3"]
    file["versions"].append(version)
    return file


def write(tmp_path: Path, name: str, content: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2))
    return path


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(skillsctl()), "policy", "check", str(path)], capture_output=True, text=True, timeout=60)


def fingerprint_of(path: Path) -> str:
    result = check(path)
    assert result.returncode == 0, result.stderr
    return re.search(r"^fingerprint: sha256:([0-9a-f]{64})$", result.stdout, re.M).group(1)


# --------------------------------------------------------------------------------------------
# skillsctl policy check
# --------------------------------------------------------------------------------------------

def test_check_accepts_the_shipped_file_and_prints_version_and_fingerprint():
    result = check(SHIPPED)
    assert result.returncode == 0, result.stderr
    assert "version:     dezhou-2019-2021/v2" in result.stdout
    assert re.search(r"^fingerprint: sha256:[0-9a-f]{64}$", result.stdout, re.M), result.stdout
    assert "2019-01-01..2020-06-30  dezhou-2019-2021/v1" in result.stdout
    assert "2020-07-01..2021-12-31  dezhou-2019-2021/v2" in result.stdout
    assert "after 2021-12-31: no subsidy standard; claims completed later are refused under R1 (that is before today" in result.stdout


def test_check_accepts_a_later_period_and_the_fingerprint_follows_the_content(tmp_path):
    good = write(tmp_path, "good.json", with_next_period(shipped()))
    result = check(good)
    assert result.returncode == 0, result.stderr
    assert f"version:     {NEXT}" in result.stdout
    assert "2022-01-01..2024-12-31  dezhou-2022-2024/v1  (21 occupations)" in result.stdout
    # Layout does not count, content does.
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads(good.read_text()), separators=(",", ":")))
    assert fingerprint_of(compact) == fingerprint_of(good)
    assert fingerprint_of(good) != fingerprint_of(SHIPPED)


def test_check_refuses_an_overlapping_period_and_a_missing_price(tmp_path):
    result = check(write(tmp_path, "bad.json", broken()))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].endswith("bad.json: 3 problems"), result.stderr
    assert ("overlap: period 2021-06-01..2024-12-31 (version dezhou-2022-2024/v1) overlaps period "
            "2019-01-01..2021-12-31 (version dezhou-2019-2021/v1) on 2021-06-01..2021-12-31") in result.stderr
    assert ("overlap: period 2021-06-01..2024-12-31 (version dezhou-2022-2024/v1) overlaps period "
            "2020-07-01..2021-12-31 (version dezhou-2019-2021/v2) on 2021-06-01..2021-12-31") in result.stderr
    assert ("missing-price: period 2021-06-01..2024-12-31 (version dezhou-2022-2024/v1): "
            "occupation 6-31-01-03 电工 level 3 has no price") in result.stderr


def test_check_refuses_an_undeclared_gap_and_accepts_a_declared_one(tmp_path):
    later = with_next_period(shipped(), effectiveFrom="2022-03-01")
    result = check(write(tmp_path, "gap.json", later))
    assert result.returncode == 1
    assert "gap: no version covers 2022-01-01..2022-02-28" in result.stderr
    later["intendedGaps"] = [{"from": "2022-01-01", "to": "2022-02-28", "reason": "the 2022 table was published late"}]
    result = check(write(tmp_path, "declared.json", later))
    assert result.returncode == 0, result.stderr
    assert "intended gap 2022-01-01..2022-02-28: the 2022 table was published late" in result.stdout


def test_check_usage_errors(tmp_path):
    missing = subprocess.run([str(skillsctl()), "policy", "check"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "Missing expected argument '<file>'" in missing.stderr
    unreadable = check(tmp_path / "nope.json")
    assert unreadable.returncode == 1
    assert "file: cannot read" in unreadable.stderr


# --------------------------------------------------------------------------------------------
# The services
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["payment", "matching"])
def test_service_refuses_to_start_on_a_bad_policy_file(service, certs, tmp_path):
    bad = write(tmp_path, "bad.json", broken())
    command = [str(service_binary(service)), "--host", "127.0.0.1", "--port", str(free_port()), "--metrics-port", "off",
               "--data-dir", str(tmp_path), "--cert-dir", str(certs), "--policy-file", str(bad)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert f"policy file {bad} is not valid (3 problems); not starting" in result.stderr
    assert "overlap: period 2021-06-01..2024-12-31 (version dezhou-2022-2024/v1)" in result.stderr
    assert "missing-price: period 2021-06-01..2024-12-31 (version dezhou-2022-2024/v1): occupation 6-31-01-03" in result.stderr
    assert not list(tmp_path.glob("*.sqlite")), "refused before opening a database"


def test_service_takes_the_policy_file_from_the_environment(certs, tmp_path):
    bad = write(tmp_path, "bad.json", broken())
    command = [str(service_binary("payment")), "--host", "127.0.0.1", "--port", str(free_port()), "--metrics-port", "off",
               "--data-dir", str(tmp_path), "--cert-dir", str(certs)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env={**os.environ, "SKILLS_POLICY_FILE": str(bad)})
    assert result.returncode == 1
    assert "not starting" in result.stderr


def policy_info(metrics_port: int) -> dict:
    """The labels of `skills_policy_info` on /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    lines = [line for line in text.splitlines() if line.startswith("skills_policy_info{")]
    assert len(lines) == 1, text
    labels, value = re.fullmatch(r"skills_policy_info\{(.*)\} (\S+)", lines[0]).groups()
    assert float(value) == 1
    return dict(re.findall(r'(\w+)="([^"]*)"', labels))


def started(service: str, certs: Path, data_dir: Path, extra: list[str]) -> tuple[ServiceProcess, int]:
    metrics_port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    process = ServiceProcess(service, service_binary(service), certs, data_dir,
                             lambda target, timeout, alive: wait_until_serving(target, certs, timeout, alive),
                             extra=extra + ["--metrics-port", str(metrics_port)])
    process.start()
    return process, metrics_port


def test_running_services_show_the_policy_version_and_fingerprint(certs, tmp_path):
    good = write(tmp_path, "good.json", with_next_period(shipped()))
    payment, payment_metrics = started("payment", certs, tmp_path / "payment", ["--policy-file", str(good)])
    matching, matching_metrics = started("matching", certs, tmp_path / "matching", [])
    try:
        assert policy_info(payment_metrics) == {"version": NEXT, "fingerprint": fingerprint_of(good)}
        assert policy_info(matching_metrics) == {"version": "dezhou-2019-2021/v2", "fingerprint": fingerprint_of(SHIPPED)}
        payment_log, matching_log = payment.log.read_text(), matching.log.read_text()
        assert "policy in force" in payment_log, payment_log
        assert f"policy_fingerprint={fingerprint_of(good)}" in payment_log
        assert f"policy_version={NEXT}" in payment_log
        assert "policy_version=dezhou-2019-2021/v2" in matching_log
        # A policy that ended before today: the log says what that means for today's claims.
        assert "the policy's last period ends 2021-12-31: claims completed after it are refused under R1" in matching_log
        assert "the policy's last period ends 2024-12-31" in payment_log
        # skillsctl health shows the policy of the services that apply the rules (a health trailer).
        nobody = f"127.0.0.1:{free_port()}"
        health = subprocess.run([str(skillsctl()), "health", "--cert-dir", str(certs), "--timeout-ms", "3000",
                                 "--registration-addr", nobody, "--assessment-addr", nobody,
                                 "--matching-addr", matching.target, "--payment-addr", payment.target],
                                capture_output=True, text=True, timeout=60)
        lines = health.stdout.splitlines()
        below = {line.split()[0]: lines[i + 1].strip() if i + 1 < len(lines) else "" for i, line in enumerate(lines)}
        assert [line.split()[0] for line in lines if not line.startswith(" ")] == ["registration", "matching", "assessment", "payment"]
        assert below["payment"] == f"policy {NEXT} sha256:{fingerprint_of(good)}", health.stdout
        assert below["matching"] == f"policy dezhou-2019-2021/v2 sha256:{fingerprint_of(SHIPPED)}", health.stdout
        assert below["registration"].startswith("matching") and health.returncode == 1, health.stdout
        assert any(line.startswith("payment") and line.endswith("SERVING") for line in lines), health.stdout
    finally:
        payment.stop()
        matching.stop()
