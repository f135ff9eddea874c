"""Issue 7, "done when": two skills-matching replicas on one PostgreSQL database behind nginx
(Deploy/nginx/skills-grpc.conf, rendered for this test's ports and the dev certificates), one
replica SIGKILLed in the middle of a run of concurrent SelectOffering calls.

Callers go through nginx only: Python grpcio threads and `skillsctl call matching SelectOffering`.
Each call has its own request_id; a call that fails with UNAVAILABLE / INTERNAL / UNKNOWN /
DEADLINE_EXCEEDED (what a replica dying under nginx looks like: HTTP 502, a reset stream) is
retried with the SAME request_id, so at most one enrolment can come of it.

Afterwards, through the surviving replica directly: every acknowledged enrolment exists
(GetEnrollment), the offering's enrolled count equals the acknowledged enrolments, ListEnrollments
holds exactly those (no worker twice), and nginx's log shows the calls after the kill reached the
other replica.

Needs: nginx (Debian nginx-light or nginx; Tools/ensure-system-packages.sh installs it),
SKILLS_TEST_POSTGRES_URL, the debug binaries (skills-*, skillsctl).
"""

from __future__ import annotations

import datetime
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import grpc
import pytest

import services
from conftest import SERVER_NAME, channel_credentials, secure_channel, wait_until_serving
from launcher import Launched
from services import ServiceProcess, rid, shanghai_today
from test_matching import ELECTRICIAN, Services, _required, _start, an_offering, cdate, institution, m, mg, worker

# These services take no business date: the offering runs from today (Asia/Shanghai), unsubsidised.
TODAY = shanghai_today()

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "Deploy" / "nginx" / "skills-grpc.conf"
SKILLSCTL = ROOT / ".build" / "debug" / "skillsctl"
RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED}
WORKERS = 90
CAPACITY = 70
THREADS = 6
CTL_CALLS = 10  # of the WORKERS, this many go through skillsctl
RUN_BUDGET = 45.0


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render_nginx(tmp: Path, certs: Path, backends: dict[str, list[str]], ports: dict[str, int]) -> Path:
    """Deploy/nginx/skills-grpc.conf with the test's backends, listen ports, log and certificates."""
    text = NGINX_CONF.read_text()
    for service, targets in backends.items():
        def upstream(match: re.Match) -> str:
            options = " max_fails=1 fail_timeout=5s"
            servers = "".join(f"    server {target}{options};\n" for target in targets)
            body = re.sub(r"^\s*server 127\.0\.0\.1:\d+[^;]*;\n", "", match.group(2), flags=re.M)
            return match.group(1) + servers + body
        text, count = re.subn(rf"(upstream skills_{service} \{{\n(?:\s*#.*\n)*\s*zone[^\n]*\n)(.*?)(?=\}})",
                              upstream, text, flags=re.S)
        assert count == 1, f"no upstream skills_{service} in {NGINX_CONF}"
    for service, port in ports.items():
        default = {"registration": 8101, "matching": 8102, "assessment": 8103, "payment": 8104}[service]
        text, count = re.subn(rf"listen {default} ssl http2;", f"listen 127.0.0.1:{port} ssl http2;", text)
        assert count == 1, f"no 'listen {default}' in {NGINX_CONF}"
    text = text.replace("/var/log/nginx/skills-grpc.log", str(tmp / "access.log"))
    (tmp / "skills").mkdir()
    for name, source in {"ca.pem": "ca.pem", "server.pem": "matching.pem", "server.key": "matching.key",
                         "client.pem": "hrss.pem", "client.key": "hrss.key"}.items():
        (tmp / "skills" / name).symlink_to(certs / source)
    (tmp / "skills-grpc.conf").write_text(text)
    conf = tmp / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    access_log off;
    include {tmp}/skills-grpc.conf;
}}
""")
    return conf


@pytest.fixture(scope="module")
def balanced(certs, tmp_path_factory):
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; Tools/ensure-system-packages.sh does it)")
    url = os.environ.get(services.POSTGRES_ENV)
    if not url:
        pytest.skip(f"{services.POSTGRES_ENV} is not set (two matching replicas need one PostgreSQL database)")
    if not SKILLSCTL.is_file():
        pytest.fail(f"{SKILLSCTL} is missing: swift build --product skillsctl", pytrace=False)
    databases = services.PostgresDatabases(url)
    database = databases.create("lb")

    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    def process(name: str, extra: list[str], database: str | None = None, tag: str = "") -> ServiceProcess:
        return ServiceProcess(name, _required(name), certs, tmp_path_factory.mktemp(f"lb-{name}{tag}"), ready,
                              database=database, extra=extra)

    running: list[ServiceProcess] = []
    nginx_process = None
    try:
        nginx_ports = {name: services.free_port() for name in ("registration", "matching", "assessment", "payment")}
        registration = _start(process("registration", []))
        running.append(registration)
        assessment = _start(process("assessment", ["--registration-addr", registration.target]))
        running.append(assessment)
        matching_front = f"127.0.0.1:{nginx_ports['matching']}"
        payment = _start(process("payment", ["--registration-addr", registration.target, "--assessment-addr", assessment.target,
                                             "--matching-addr", matching_front]))
        running.append(payment)
        peers = ["--registration-addr", registration.target, "--assessment-addr", assessment.target,
                 "--payment-addr", payment.target, "--peer-timeout-ms", "3000"]
        replicas = [_start(process("matching", peers, database=database, tag=str(i))) for i in range(2)]
        running += replicas

        tmp = tmp_path_factory.mktemp("nginx")
        conf = render_nginx(tmp, certs, {"registration": [registration.target], "matching": [r.target for r in replicas],
                                         "assessment": [assessment.target], "payment": [payment.target]}, nginx_ports)
        check = subprocess.run([nginx, "-t", "-p", str(tmp), "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx_process = Launched([nginx, "-p", tmp, "-c", conf], log=tmp / "nginx.out")
        wait_until_serving(matching_front, certs, 15, lambda: nginx_process.running() or pytest.fail(
            f"nginx exited: {nginx_process.output()}{(tmp / 'error.log').read_text()}"))
        yield types_namespace(certs=certs, replicas=replicas, front=matching_front, log=tmp / "access.log",
                              svc=Services(certs, {"registration": registration, "assessment": assessment,
                                                   "payment": payment, "matching": replicas[1]}))
    finally:
        if nginx_process is not None:
            nginx_process.stop(timeout=10, how=signal.SIGQUIT)  # graceful: workers finish their connections
        for process_ in reversed(running):
            process_.stop()
        databases.drop_all()


def types_namespace(**values):
    import types
    return types.SimpleNamespace(**values)


def test_a_replica_killed_mid_run_loses_no_acknowledged_enrolment(balanced):
    svc = balanced.svc
    inst = institution(svc, [ELECTRICIAN.code])
    offering = svc.match("hrss", balanced.replicas[0].target).PublishOffering(
        m.PublishOfferingRequest(request_id=rid(), offering=an_offering(
            inst.id, capacity=CAPACITY, start_date=cdate(TODAY), end_date=cdate(TODAY + datetime.timedelta(days=60)),
            unsubsidised=True)), timeout=15)
    workers = [worker(svc).id for _ in range(WORKERS)]

    work: queue.Queue = queue.Queue()
    for index, worker_id in enumerate(workers):
        work.put(("ctl" if index % (WORKERS // CTL_CALLS) == 0 else "grpc", worker_id, rid()))
    acknowledged: dict[str, str] = {}   # worker id -> enrolment id
    refused: dict[str, str] = {}        # worker id -> status
    retries = {"grpc": 0, "ctl": 0}
    done_after_kill = []
    killed = threading.Event()
    lock = threading.Lock()
    deadline = time.monotonic() + RUN_BUDGET

    def via_grpc(stub, worker_id, request_id):
        while time.monotonic() < deadline:
            try:
                response = stub.SelectOffering(m.SelectOfferingRequest(
                    request_id=request_id, worker_id=worker_id, offering_id=offering.id), timeout=10)
                return "ok", response.enrollment.id
            except grpc.RpcError as error:
                if error.code() not in RETRIED:
                    return "refused", error.code().name
                with lock:
                    retries["grpc"] += 1
                time.sleep(0.05)
        return "gave up", ""

    def via_ctl(worker_id, request_id):
        request = json.dumps({"workerId": worker_id, "offeringId": offering.id})
        while time.monotonic() < deadline:
            result = subprocess.run([str(SKILLSCTL), "call", "matching", "SelectOffering", "--json", request,
                                     "--request-id", request_id, "--matching-addr", balanced.front, "--role", "worker-portal",
                                     "--cert-dir", str(balanced.certs), "--timeout-ms", "10000"],
                                    capture_output=True, text=True, timeout=30)
            if result.returncode == 0:
                return "ok", json.loads(result.stdout)["enrollment"]["id"]
            retriable = result.returncode == 3 or any(code in result.stderr for code in ("INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED"))
            if not retriable:
                assert result.returncode == 1, (result.returncode, result.stderr)
                return "refused", result.stderr.strip()
            with lock:
                retries["ctl"] += 1
            time.sleep(0.05)
        return "gave up", ""

    def caller():
        credentials = channel_credentials(balanced.certs, "worker-portal")
        with grpc.secure_channel(balanced.front, credentials, options=[("grpc.ssl_target_name_override", SERVER_NAME)]) as channel:
            stub = mg.MatchingServiceStub(channel)
            while True:
                try:
                    how, worker_id, request_id = work.get_nowait()
                except queue.Empty:
                    return
                outcome, detail = via_ctl(worker_id, request_id) if how == "ctl" else via_grpc(stub, worker_id, request_id)
                with lock:
                    if outcome == "ok":
                        acknowledged[worker_id] = detail
                    else:
                        refused[worker_id] = f"{outcome}: {detail}"
                    if killed.is_set():
                        done_after_kill.append(worker_id)

    threads = [threading.Thread(target=caller) for _ in range(THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while work.qsize() > WORKERS * 2 // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim = balanced.replicas[0]
    victim.kill()  # SIGKILL: no draining, no GOAWAY
    killed.set()
    kill_time = time.time()
    for thread in threads:
        thread.join(timeout=RUN_BUDGET + 15)
    elapsed = time.monotonic() - started

    assert not any(t.is_alive() for t in threads), "callers still running"
    assert not [w for w, why in refused.items() if why.startswith("gave up")], refused
    assert len(acknowledged) + len(refused) == WORKERS
    # Only "offering is full" may refuse; everyone else got a place.
    assert len(acknowledged) == CAPACITY, (len(acknowledged), list(refused.values())[:5])
    assert all("FAILED_PRECONDITION" in why or "offering is full" in why for why in refused.values()), refused
    assert done_after_kill, "no call completed after the replica was killed"

    survivor = svc.match("hrss", balanced.replicas[1].target)
    for worker_id, enrollment_id in acknowledged.items():
        enrollment = survivor.GetEnrollment(m.GetEnrollmentRequest(enrollment_id=enrollment_id), timeout=15)
        assert (enrollment.worker_id, enrollment.offering_id) == (worker_id, offering.id)
    assert survivor.GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=15).enrolled == len(acknowledged)
    listed = survivor.ListEnrollments(m.ListEnrollmentsRequest(offering_id=offering.id, page_size=1000), timeout=15).enrollments
    assert sorted(e.id for e in listed) == sorted(acknowledged.values())
    assert len({e.worker_id for e in listed}) == len(listed), "a worker is enrolled twice"

    # nginx's own record: after the kill every answered call came from the surviving replica.
    survivor_addr = balanced.replicas[1].target
    after = []
    for line in balanced.log.read_text().splitlines():
        if "SelectOffering" not in line:
            continue
        # $msec: when nginx logged the answer, to the millisecond (a run's post-kill part can take
        # under 2 s, too short for $time_local's whole seconds).
        match = re.search(r"msec=(\d+\.\d+)", line)
        stamp = float(match.group(1)) if match else 0.0
        if stamp > kill_time + 0.2:
            after.append(line)
    assert after, "nginx logged no SelectOffering after the kill"
    answered = [line for line in after if " 200 grpc_status=" in line]

    def last_upstream(line: str) -> str:  # "$upstream_addr" lists every replica tried: "a:1, b:2"
        return line.split("upstream=")[1].split(" rt=")[0].split(", ")[-1].strip()

    assert answered and all(last_upstream(line) == survivor_addr for line in answered), answered[-5:]
    print(f"\n{WORKERS} selects ({CTL_CALLS} via skillsctl) by {THREADS} callers in {elapsed:.1f} s; "
          f"{len(acknowledged)} enrolled, {len(refused)} full; retries after the kill: {retries}")
