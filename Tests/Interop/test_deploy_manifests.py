"""kubectl-free checks of Deploy/: Kubernetes manifests, systemd units, nginx, Prometheus, Grafana.

Parses every YAML document under Deploy/k8s and checks what issue 7 asks of it (probes, requests and
limits, non-root, read-only root filesystem, no privilege escalation, Services that select a
workload, the HPA's target, a kustomization that lists every file); that the systemd units parse and
carry the restart and hardening settings; that the Grafana dashboard and the Prometheus config parse;
and, when nginx is installed, that `nginx -t` accepts both nginx configurations through the wrappers
in Deploy/nginx/test/.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (bash Tools/python-env.sh installs it)")

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "Deploy"
K8S = DEPLOY / "k8s"
SERVICES = ("registration", "matching", "assessment", "payment")
GRPC_PORTS = {"registration": 7101, "matching": 7102, "assessment": 7103, "payment": 7104}
METRICS_PORTS = {s: p + 2000 for s, p in GRPC_PORTS.items()}


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------

def _k8s_documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.y*ml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


DOCS = _k8s_documents()


def _of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in DOCS if doc.get("kind") == kind]


def _deployments() -> list[dict]:
    return _of_kind("Deployment")


def test_every_document_is_a_kubernetes_object():
    assert DOCS, "no YAML under Deploy/k8s"
    for name, doc in DOCS:
        assert isinstance(doc, dict), name
        assert doc.get("apiVersion") and doc.get("kind"), f"{name}: apiVersion/kind missing"
        assert doc.get("metadata", {}).get("name"), f"{name}: {doc['kind']} without a name"


def test_one_deployment_and_service_per_service():
    deployments = {d["metadata"]["name"] for d in _deployments()}
    services = {s["metadata"]["name"] for s in _of_kind("Service")}
    for svc in SERVICES:
        assert f"skills-{svc}" in deployments
        assert f"skills-{svc}" in services


@pytest.mark.parametrize("deployment", _deployments(), ids=lambda d: d["metadata"]["name"])
def test_deployment_is_probed_limited_and_unprivileged(deployment):
    name = deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]["spec"]
    pod_security = pod.get("securityContext", {})
    containers = pod["containers"]
    assert containers
    for container in containers:
        where = f"{name}/{container['name']}"
        for probe in ("readinessProbe", "livenessProbe"):
            assert container.get(probe), f"{where}: no {probe}"
        resources = container.get("resources", {})
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                assert resources.get(section, {}).get(resource), f"{where}: no {section}.{resource}"
        security = container.get("securityContext", {})
        run_as_non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
        assert run_as_non_root is True, f"{where}: runAsNonRoot is not true"
        assert security.get("runAsUser", pod_security.get("runAsUser")) not in (None, 0), f"{where}: runs as root"
        assert security.get("readOnlyRootFilesystem") is True, f"{where}: root filesystem writable"
        assert security.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed"
        assert "ALL" in security.get("capabilities", {}).get("drop", []), f"{where}: capabilities not dropped"


@pytest.mark.parametrize("service", SERVICES)
def test_service_deployment_uses_metrics_port_for_probes_and_mounts_tls(service):
    deployment = next(d for d in _deployments() if d["metadata"]["name"] == f"skills-{service}")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": GRPC_PORTS[service], "metrics": METRICS_PORTS[service]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        http = container[probe].get("httpGet")
        assert http and http["path"] == "/healthz", f"{service}: {probe} is not httpGet /healthz"
        assert http["port"] in ("metrics", METRICS_PORTS[service])
    env = {e["name"]: e for e in container["env"]}
    assert env["SKILLS_PORT"]["value"] == str(GRPC_PORTS[service])
    assert env["SKILLS_METRICS_PORT"]["value"] == str(METRICS_PORTS[service])
    if service in ("matching", "payment"):
        assert env["SKILLS_DATABASE"]["valueFrom"]["secretKeyRef"]["name"] == "skills-database"
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["tls"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == f"skills-{service}-tls"
    assert "data" in volumes


def test_every_service_selects_a_workload():
    workloads = _deployments() + _of_kind("StatefulSet")
    pod_labels = [w["spec"]["template"]["metadata"]["labels"] for w in workloads]
    for service in _of_kind("Service"):
        selector = service["spec"].get("selector")
        assert selector, f"Service {service['metadata']['name']} has no selector"
        assert any(selector.items() <= labels.items() for labels in pod_labels), \
            f"Service {service['metadata']['name']} selects no workload: {selector}"


def test_workload_selectors_match_their_pod_labels():
    for workload in _deployments() + _of_kind("StatefulSet"):
        match = workload["spec"]["selector"]["matchLabels"]
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert match.items() <= labels.items(), workload["metadata"]["name"]


def test_hpa_targets_matching_deployment():
    hpas = _of_kind("HorizontalPodAutoscaler")
    assert len(hpas) == 1
    spec = hpas[0]["spec"]
    target = spec["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "skills-matching")
    assert any(d["metadata"]["name"] == target["name"] for d in _deployments())
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 6)
    cpu = [m for m in spec["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert cpu and cpu[0]["resource"]["target"]["averageUtilization"] == 70


def test_pdb_selects_matching():
    pdbs = _of_kind("PodDisruptionBudget")
    assert pdbs
    matching = next(d for d in _deployments() if d["metadata"]["name"] == "skills-matching")
    labels = matching["spec"]["template"]["metadata"]["labels"]
    assert pdbs[0]["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_postgres_statefulset():
    statefulsets = _of_kind("StatefulSet")
    assert statefulsets
    postgres = statefulsets[0]
    assert postgres["spec"]["template"]["spec"]["containers"][0]["image"].startswith("postgres:15")
    assert postgres["spec"]["volumeClaimTemplates"]
    assert any(s["metadata"]["name"] == "skills-database" for s in _of_kind("Secret"))


def test_kustomization_lists_every_file():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    files = {p.name for p in K8S.glob("*.y*ml")} - {"kustomization.yaml"}
    assert listed == files, f"missing: {sorted(files - listed)}, unknown: {sorted(listed - files)}"


def test_containerfile_is_multi_stage_and_non_root():
    text = (DEPLOY / "Containerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    # Built as `make build-release` builds: the flags of Deploy/release-flags (runtime linked in).
    assert "Deploy/release-flags" in text
    assert "--static-swift-stdlib" in (DEPLOY / "release-flags").read_text()
    assert "skills-platform_Policy.resources" not in text  # the policy data is built into the binaries
    assert "USER 65532" in text
    for service in SERVICES:
        assert service in text
    # The C targets' headers to build with, and their libraries to run with (libpq is dlopen()ed).
    build, runtime = text.split("\nFROM ")[1:3]
    for package in ("libprotobuf-c-dev", "libssl-dev", "libsqlite3-dev", "libpq-dev"):
        assert package in build, package
    for package in ("libprotobuf-c1", "libssl3", "libsqlite3-0", "libpq5"):
        assert package in runtime, package


# ---------------------------------------------------------------------------------------------
# systemd
# ---------------------------------------------------------------------------------------------

HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
    "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "SystemCallFilter": "@system-service",
    "CapabilityBoundingSet": "", "AmbientCapabilities": "",
}


def _unit(service: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read_string((DEPLOY / "systemd" / f"skills-{service}.service").read_text())
    return parser


@pytest.mark.parametrize("service", SERVICES)
def test_systemd_unit(service):
    unit = _unit(service)
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    s = unit["Service"]
    assert s["Type"] == "simple"
    assert s["ExecStart"] == f"/usr/local/bin/skills-{service}"
    assert s["EnvironmentFile"] == f"/etc/skills/{service}.env"
    assert s["Restart"] == "on-failure"
    assert s["RestartSec"] == "2"
    assert s["KillSignal"] == "SIGTERM"
    assert s["TimeoutStopSec"] == "20"
    assert s["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert s["User"] == "skills" and s["DynamicUser"] == "yes"
    assert s["StateDirectory"] == f"skills/{service}"
    assert int(s["LimitNOFILE"]) >= 4096
    for key, value in HARDENING.items():
        assert s.get(key) == value, f"{key}={s.get(key)!r}, want {value!r}"


@pytest.mark.parametrize("service", SERVICES)
def test_env_example_documents_every_setting(service):
    text = (DEPLOY / "systemd" / f"{service}.env.example").read_text()
    settings = (ROOT / "Shared" / "ServiceKit" / "ServiceSettings.swift").read_text()
    import re
    wanted = set(re.findall(r"\b(SKILLS_[A-Z_]+)\b", settings))
    if service == "payment":
        main = (ROOT / "Services" / "Payment" / "Main" / "main.swift").read_text()
        wanted |= set(re.findall(r"\b(SKILLS_[A-Z_]+)\b", main))
    defined = set(re.findall(r"^(SKILLS_[A-Z_]+)=", text, re.M))
    assert wanted and wanted <= defined, f"undocumented: {sorted(wanted - defined)}"
    assert f"SKILLS_PORT={GRPC_PORTS[service]}" in text
    assert f"SKILLS_METRICS_PORT={METRICS_PORTS[service]}" in text


# ---------------------------------------------------------------------------------------------
# Prometheus and Grafana
# ---------------------------------------------------------------------------------------------

def test_prometheus_scrapes_the_four_metrics_ports():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = [t for job in config["scrape_configs"] for sc in job.get("static_configs", [])
               for t in sc["targets"]]
    assert len(targets) == 4
    assert sorted(int(t.rsplit(":", 1)[1]) for t in targets) == sorted(METRICS_PORTS.values())


def test_grafana_dashboard_has_a_query_in_every_panel():
    dashboard = json.loads((DEPLOY / "prometheus" / "grafana-dashboard.json").read_text())
    panels = dashboard["panels"]
    assert panels
    exprs = []
    for panel in panels:
        queries = [t.get("expr") for t in panel.get("targets", []) if t.get("expr")]
        assert queries, f"panel {panel.get('title')!r} has no query"
        exprs += queries
    joined = "\n".join(exprs)
    assert "rpc_server_requests_total" in joined
    assert 'code!="OK"' in joined
    assert "histogram_quantile" in joined and "rpc_server_duration_seconds_bucket" in joined
    assert any("T1" in p["title"] for p in panels)


# ---------------------------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------------------------

STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")


@pytest.mark.parametrize("wrapper", ["nginx.conf", "nginx-passthrough.conf"])
def test_nginx_accepts_the_config(wrapper):
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    if wrapper == "nginx-passthrough.conf" and not STREAM_MODULE.exists():
        pytest.skip(f"{STREAM_MODULE} missing (Debian: apt-get install libnginx-mod-stream)")
    certs = DEPLOY / "nginx" / "test" / "skills"
    missing = [p.name for p in certs.iterdir() if not p.exists()] if wrapper == "nginx.conf" else []
    if missing:
        pytest.skip(f"dev certificates missing ({', '.join(missing)}): run make certs")
    with tempfile.TemporaryDirectory(prefix="skills-nginx-") as prefix:
        result = subprocess.run(
            [nginx, "-t", "-p", prefix, "-c", str(DEPLOY / "nginx" / "test" / wrapper)],
            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    if result.returncode != 0 and "Permission denied" in output:
        pytest.skip(f"nginx -t needs access nginx lacks here (run as root): {output.strip()}")
    assert result.returncode == 0, output
    assert "test is successful" in output


def test_nginx_config_terminates_and_originates_mutual_tls():
    text = (DEPLOY / "nginx" / "skills-grpc.conf").read_text()
    for directive in ("ssl_verify_client       on", "grpc_ssl_verify               on",
                      "grpc_set_header x-client-cert-subject  $ssl_client_s_dn",
                      "server 127.0.0.1:7102", "server 127.0.0.1:7112", "keepalive 32"):
        assert directive in text, directive
    for service in SERVICES:
        assert f"grpc_pass grpcs://skills_{service};" in text
