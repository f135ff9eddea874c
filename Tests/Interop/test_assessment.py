"""The assessment service (`skills-assessment`) end to end: the real executables started as
processes (registration, which assessment asks about workers, and assessment), called over mutual
TLS by Python grpcio with the dev certificates of each role. SQLite (a fresh data dir per module).

What is here is what crosses the wire, the language or the process (issue 5): issue and verify with
the issuer taken from the client certificate; the content's canonical JSON rebuilt byte for byte
and the Ed25519 signature checked offline with only the published public key, by Python's
`cryptography`; a revocation shown at once and in the audit trail on disk; the signing key across
a restart and a kill -9, and another data dir's key. The rules (tampering, unknown and malformed
numbers, who may verify, issue and revoke, no certificate without a passed result or twice or of
a kind the method does not give, retries; each refusal changing nothing) are checked on the
handlers in process: Tests/AssessmentTests (VerificationRulesTests, IssuingRulesTests,
AssessmentHandlerTests).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import grpc
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from conftest import health_check, health_pb2, secure_channel, wait_until_serving
import services
from services import rid, ServiceProcess, id_number, service_binary, skills_v1

stubs = skills_v1()  # generates every skills/v1 proto and puts them on sys.path
from skills.v1 import assessment_pb2 as a  # noqa: E402  (type: ignore)
from skills.v1 import assessment_pb2_grpc as ag  # noqa: E402

r = stubs.registration_pb2
rg = stubs.registration_pb2_grpc
c = stubs.common_pb2

SERVICE = "skills.v1.AssessmentService"
TIMEOUT = 10.0
V = a.VerifyCertificateResponse
OCCUPATION = c.Occupation(code="4-10-01-01", name="家政服务员")


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

def _binary(service: str) -> Path:
    path = service_binary(service)
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: build it first (`swift build --product skills-{service}`), "
                    f"or point SKILLS_{service.upper()}_BIN at it", pytrace=False)
    return path


class Services:
    """A running skills-registration and skills-assessment, and a stub per caller role."""

    def __init__(self, registration: ServiceProcess, assessment: ServiceProcess, certs: Path):
        self.registration = registration
        self.assessment = assessment
        self.certs = certs
        self._channels: dict[str, grpc.Channel] = {}

    def _channel(self, target: str, role: str) -> grpc.Channel:
        key = f"{target}/{role}"
        if key not in self._channels:
            self._channels[key] = secure_channel(target, self.certs, role)
        return self._channels[key]

    def ass(self, role: str = "assessment-org"):
        return ag.AssessmentServiceStub(self._channel(self.assessment.target, role))

    def reg(self, role: str = "hrss"):
        return rg.RegistrationServiceStub(self._channel(self.registration.target, role))

    def close_channels(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    @property
    def database(self) -> Path:
        return self.assessment.data_dir / "assessment.sqlite"

    def audit(self, entity: str) -> list[tuple]:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute("SELECT caller, method, detail FROM audit_log WHERE entity = ? ORDER BY at",
                              (entity,)).fetchall()


def start_assessment(registration: ServiceProcess, certs: Path, data_dir: Path,
                     database: str | None = None) -> ServiceProcess:
    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    process = ServiceProcess("assessment", _binary("assessment"), certs, data_dir, ready, database=database,
                             extra=["--registration-addr", registration.target])
    try:
        process.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    return process


@pytest.fixture(scope="module")
def svc(certs, tmp_path_factory):
    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    registration = ServiceProcess("registration", _binary("registration"), certs,
                                  tmp_path_factory.mktemp("assess-registration"), ready)
    try:
        registration.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    assessment = start_assessment(registration, certs, tmp_path_factory.mktemp("assessment"))
    services = Services(registration, assessment, certs)
    yield services
    services.close_channels()
    status = assessment.stop()
    registration.stop()
    assert status == 0, f"skills-assessment did not exit cleanly on SIGTERM ({status})\n{assessment.log_tail()}"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def common_name(certs: Path, role: str) -> str:
    """The CN of a dev certificate: what the service records as the issuer / assessing body."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    cert = x509.load_pem_x509_certificate((certs / f"{role}.pem").read_bytes())
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def error_of(call, *args, **kwargs) -> grpc.RpcError:
    return services.error_of(call, *args, timeout=TIMEOUT, **kwargs)


def register_worker(svc, name: str = "李四"):
    worker = r.Worker(id_number=id_number(), name=name, phone="13812345678", hukou=c.HUKOU_URBAN)
    return svc.reg("hrss").RegisterWorker(r.RegisterWorkerRequest(request_id=rid(), worker=worker), timeout=TIMEOUT)


def schedule(svc, worker_id: str, method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION,
             level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER, role="assessment-org"):
    assessment = a.Assessment(method=method, worker_id=worker_id, occupation=OCCUPATION, level=level)
    return svc.ass(role).ScheduleAssessment(a.ScheduleAssessmentRequest(request_id=rid(), assessment=assessment),
                                            timeout=TIMEOUT)


def record(svc, assessment_id: str, passed: bool = True, score: int = 88):
    return svc.ass().RecordResult(a.RecordResultRequest(request_id=rid(), assessment_id=assessment_id, score=score,
                                                        passed=passed, assessor="王考评员"), timeout=TIMEOUT)


def passed_assessment(svc, method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER):
    worker = register_worker(svc)
    scheduled = schedule(svc, worker.id, method=method, level=level)
    record(svc, scheduled.id, passed=True)
    return worker, scheduled


def issue(svc, assessment_id: str, kind=c.CERTIFICATE_KIND_UNSPECIFIED, request_id: str | None = None,
          role="assessment-org"):
    return svc.ass(role).IssueCertificate(a.IssueCertificateRequest(request_id=request_id or rid(),
                                                                    assessment_id=assessment_id, kind=kind),
                                          timeout=TIMEOUT)


def a_certificate(svc):
    worker, scheduled = passed_assessment(svc)
    return worker, scheduled, issue(svc, scheduled.id)


def verify(svc, number: str, content: bytes, signature: bytes, role: str = "finance"):
    return svc.ass(role).VerifyCertificate(a.VerifyCertificateRequest(number=number, content=content,
                                                                      signature=signature), timeout=TIMEOUT)


def status_of(response) -> str:
    return V.Status.Name(response.status)


def certificates_of(svc, worker_id: str) -> list:
    return list(svc.ass("finance").ListCertificates(a.ListCertificatesRequest(worker_id=worker_id),
                                                    timeout=TIMEOUT).certificates)


def public_key(svc) -> tuple[Ed25519PublicKey, a.SigningKey]:
    key = svc.ass("finance").GetSigningKey(a.GetSigningKeyRequest(), timeout=TIMEOUT)
    loaded = load_pem_public_key(key.public_key_pem.encode())
    assert isinstance(loaded, Ed25519PublicKey), type(loaded)
    return loaded, key


def flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


# --------------------------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_reports_serving(svc, service):
    with secure_channel(svc.assessment.target, svc.certs, "finance") as channel:
        assert health_check(channel, service).status == health_pb2.HealthCheckResponse.SERVING


# --------------------------------------------------------------------------------------------
# 1. Issue, verify, revoke; the content and key checked by Python
# --------------------------------------------------------------------------------------------

def test_issue_and_verify_valid(svc):
    worker, scheduled, cert = a_certificate(svc)
    assert cert.number.startswith("DZ-") and len(cert.number) == 25, cert.number
    assert cert.kind == c.CERTIFICATE_KIND_SKILL_LEVEL  # the default kind for level recognition (A2)
    assert cert.level == c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER
    assert cert.worker_id == worker.id and cert.worker_id_number == worker.id_number and cert.worker_name == "李四"
    assert cert.assessment_id == scheduled.id and cert.issuer == common_name(svc.certs, "assessment-org")
    assert cert.signature and cert.key_id and not cert.revoked

    answer = verify(svc, cert.number, cert.content, cert.signature)
    assert status_of(answer) == "STATUS_VALID", answer.message
    assert answer.certificate.number == cert.number and answer.certificate.content == cert.content

    got = svc.ass("hrss").GetCertificate(a.GetCertificateRequest(number=cert.number), timeout=TIMEOUT)
    assert got == cert
    assert [x.number for x in certificates_of(svc, worker.id)] == [cert.number]


def test_content_is_canonical_json_with_the_certificate_fields(svc):
    worker, scheduled, cert = a_certificate(svc)
    text = cert.content.decode("utf-8")
    content = json.loads(text)
    expected = {
        "number": cert.number,
        "worker_id": worker.id,
        "worker_id_number": worker.id_number,
        "worker_name": "李四",
        "kind": "CERTIFICATE_KIND_SKILL_LEVEL",
        "level": 4,
        "occupation_code": OCCUPATION.code,
        "occupation_name": OCCUPATION.name,
        "assessment_id": scheduled.id,
        "enrollment_id": "",
        "issuer": common_name(svc.certs, "assessment-org"),
        "format": "skills.v1.certificate-content/1",
    }
    for key, value in expected.items():
        assert content[key] == value, key
    assert content["issued_at"].endswith("Z")
    # Canonical: sorted keys, no whitespace, literal UTF-8; Python rebuilds the same bytes.
    assert json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == cert.content


def test_revoke_shows_at_once_and_is_audited(svc):
    _, _, cert = a_certificate(svc)
    revoked = svc.ass().RevokeCertificate(a.RevokeCertificateRequest(request_id=rid(), number=cert.number,
                                                                     reason="证书信息造假"), timeout=TIMEOUT)
    assert revoked.revoked and revoked.revocation_reason == "证书信息造假" and revoked.HasField("revoked_at")

    answer = verify(svc, cert.number, cert.content, cert.signature)
    assert status_of(answer) == "STATUS_REVOKED", answer.message
    assert answer.certificate.revoked and answer.certificate.revocation_reason == "证书信息造假"
    assert "证书信息造假" in answer.message

    got = svc.ass("finance").GetCertificate(a.GetCertificateRequest(number=cert.number), timeout=TIMEOUT)
    assert got.revoked and got.revocation_reason == "证书信息造假"
    # A revoked certificate whose content was altered is tampered.
    assert status_of(verify(svc, cert.number, flip(cert.content, 5), cert.signature)) == "STATUS_TAMPERED"

    trail = svc.audit(f"certificate/{cert.number}")
    methods = [method for _, method, _ in trail]
    assert methods == ["/skills.v1.AssessmentService/IssueCertificate",
                       "/skills.v1.AssessmentService/RevokeCertificate"], trail
    assert trail[-1][0] == common_name(svc.certs, "assessment-org") and "证书信息造假" in trail[-1][2]


def test_offline_verification_with_only_the_public_key(svc):
    _, _, cert = a_certificate(svc)
    key, published = public_key(svc)
    assert published.algorithm == "ed25519" and published.key_id == cert.key_id
    assert "BEGIN PUBLIC KEY" in published.public_key_pem
    key.verify(cert.signature, cert.content)  # raises InvalidSignature if not
    with pytest.raises(InvalidSignature):
        key.verify(cert.signature, flip(cert.content, 10))
    with pytest.raises(InvalidSignature):
        key.verify(flip(cert.signature, 0), cert.content)
    # The key by id, too; an unknown id is refused.
    by_id = svc.ass("worker-portal").GetSigningKey(a.GetSigningKeyRequest(key_id=cert.key_id), timeout=TIMEOUT)
    assert by_id.public_key_pem == published.public_key_pem
    error = error_of(svc.ass("finance").GetSigningKey, a.GetSigningKeyRequest(key_id="no-such-key"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# --------------------------------------------------------------------------------------------
# 2. Restart: the signing key persists
# --------------------------------------------------------------------------------------------

def test_signing_key_survives_a_restart(svc, certs, tmp_path_factory):
    process = start_assessment(svc.registration, certs, tmp_path_factory.mktemp("assessment-restart"))
    own = Services(svc.registration, process, certs)
    try:
        _, _, cert = a_certificate(own)
        _, key_before = public_key(own)
        assert cert.key_id == key_before.key_id

        own.close_channels()
        assert process.stop() == 0, process.log_tail()
        process.start()

        key, key_after = public_key(own)
        assert key_after.key_id == key_before.key_id
        assert key_after.public_key_pem == key_before.public_key_pem
        key.verify(cert.signature, cert.content)
        assert status_of(verify(own, cert.number, cert.content, cert.signature)) == "STATUS_VALID"
        # And after kill -9.
        own.close_channels()
        process.kill()
        process.start()
        assert public_key(own)[1].key_id == key_before.key_id
        assert status_of(verify(own, cert.number, cert.content, cert.signature)) == "STATUS_VALID"
        # New certificates are signed by the same key.
        _, _, newer = a_certificate(own)
        assert newer.key_id == key_before.key_id
        key.verify(newer.signature, newer.content)
    finally:
        own.close_channels()
        process.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_replicas_on_one_database_verify_each_others_certificates(svc, certs, tmp_path_factory, backend):
    """Two replicas behind one load balancer: one database, each its own data directory and so its
    own key. A certificate either one signed is valid at the other, which publishes its key too."""
    databases = None
    if backend == "postgres":
        url = os.environ.get(services.POSTGRES_ENV)
        if not url:
            pytest.skip(f"{services.POSTGRES_ENV} is not set")
        databases = services.PostgresDatabases(url)
        database = databases.create("replicas")
    else:
        database = str(tmp_path_factory.mktemp("replicas-db") / "assessment.sqlite")
    first = start_assessment(svc.registration, certs, tmp_path_factory.mktemp("replica-a"), database)
    second = start_assessment(svc.registration, certs, tmp_path_factory.mktemp("replica-b"), database)
    one, other = Services(svc.registration, first, certs), Services(svc.registration, second, certs)
    try:
        _, first_key = public_key(one)
        _, second_key = public_key(other)
        assert first_key.key_id != second_key.key_id
        for signer, checker, key in ((one, other, first_key), (other, one, second_key)):
            _, _, cert = a_certificate(signer)
            assert cert.key_id == key.key_id
            assert status_of(verify(checker, cert.number, cert.content, cert.signature)) == "STATUS_VALID"
            assert status_of(verify(checker, cert.number, flip(cert.content, 10), cert.signature)) == "STATUS_TAMPERED"
            published = checker.ass("worker-portal").GetSigningKey(a.GetSigningKeyRequest(key_id=cert.key_id),
                                                                   timeout=TIMEOUT)
            assert published.public_key_pem == key.public_key_pem
            load_pem_public_key(published.public_key_pem.encode()).verify(cert.signature, cert.content)
        # A replica that restarts keeps its key, and the other still knows it.
        one.close_channels()
        assert first.stop() == 0, first.log_tail()
        first.start()
        assert public_key(one)[1].key_id == first_key.key_id
    finally:
        one.close_channels()
        other.close_channels()
        first.stop()
        second.stop()
        if databases:
            databases.drop_all()


def test_a_different_data_dir_has_a_different_key(svc, certs, tmp_path_factory):
    """A certificate is verified against this service's key: another instance's key is not it."""
    process = start_assessment(svc.registration, certs, tmp_path_factory.mktemp("assessment-other"))
    other = Services(svc.registration, process, certs)
    try:
        _, mine = public_key(svc)
        _, theirs = public_key(other)
        assert mine.key_id != theirs.key_id
        _, _, cert = a_certificate(other)
        their_key, _ = public_key(other)
        my_key, _ = public_key(svc)
        their_key.verify(cert.signature, cert.content)
        with pytest.raises(InvalidSignature):
            my_key.verify(cert.signature, cert.content)
        # The number is unknown to the first instance.
        assert status_of(verify(svc, cert.number, cert.content, cert.signature)) == "STATUS_UNKNOWN"
    finally:
        other.close_channels()
        process.stop()
