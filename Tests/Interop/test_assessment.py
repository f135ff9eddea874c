"""The assessment service (`skills-assessment`) end to end: the real executables started as
processes (registration, which assessment asks about workers, and assessment), called over mutual
TLS by Python grpcio with the dev certificates of each role. SQLite (a fresh data dir per module).

Issue 5, "Done when":
- issue, verify VALID; tamper one byte -> TAMPERED; revoke -> REVOKED at once; unknown number ->
  UNKNOWN; offline verification with only the published public key, from Python's `cryptography`;
- no certificate for a failed or unknown assessment, twice for one assessment, or by a role other
  than the assessment bodies; each refusal checked to change nothing (the SQLite tables are read
  directly, read-only, before and after);
- the signing key survives a restart.
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

    def snapshot(self) -> dict:
        """Every assessment and certificate row and the audit trail, read straight from SQLite."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as db:
            return {
                "assessments": sorted(db.execute("SELECT id, data FROM assessments").fetchall()),
                "certificates": sorted(db.execute("SELECT number, data FROM certificates").fetchall()),
                "audit": db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0],
            }

    def audit(self, entity: str) -> list[tuple]:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute("SELECT caller, method, detail FROM audit_log WHERE entity = ? ORDER BY at",
                              (entity,)).fetchall()


def start_assessment(registration: ServiceProcess, certs: Path, data_dir: Path) -> ServiceProcess:
    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    process = ServiceProcess("assessment", _binary("assessment"), certs, data_dir, ready,
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


def check_digit_number(body16: str, year: str = "2026") -> str:
    """A well-formed certificate number (correct Luhn mod 32 check character) for `body16`."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    codes = [alphabet.index(ch) for ch in body16]
    factor, total = 2, 0
    for code in reversed(codes):
        addend = factor * code
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return f"DZ-{year}-{body16}{alphabet[(32 - total % 32) % 32]}"


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
# 1. Issue, verify, tamper, revoke, unknown, offline
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


def test_tampering_one_byte_of_content_is_tampered(svc):
    _, _, cert = a_certificate(svc)
    for index in (0, 10, len(cert.content) // 2, len(cert.content) - 1):
        answer = verify(svc, cert.number, flip(cert.content, index), cert.signature)
        assert status_of(answer) == "STATUS_TAMPERED", (index, answer.message)
        assert not answer.HasField("certificate")
    # A forged name, re-encoded as valid JSON, is still tampered.
    forged = json.loads(cert.content)
    forged["worker_name"] = "王五"
    forged_bytes = json.dumps(forged, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert status_of(verify(svc, cert.number, forged_bytes, cert.signature)) == "STATUS_TAMPERED"
    # The original still verifies.
    assert status_of(verify(svc, cert.number, cert.content, cert.signature)) == "STATUS_VALID"


def test_tampering_the_signature_is_tampered(svc):
    _, _, cert = a_certificate(svc)
    for index in (0, 31, 63):
        answer = verify(svc, cert.number, cert.content, flip(cert.signature, index))
        assert status_of(answer) == "STATUS_TAMPERED", (index, answer.message)
    assert status_of(verify(svc, cert.number, cert.content, b"")) == "STATUS_TAMPERED"
    assert status_of(verify(svc, cert.number, cert.content, cert.signature[:-1])) == "STATUS_TAMPERED"
    # Another genuine certificate's content and signature under this number: tampered, not valid.
    _, _, other = a_certificate(svc)
    assert status_of(verify(svc, cert.number, other.content, other.signature)) == "STATUS_TAMPERED"


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


def test_hrss_may_revoke(svc):
    _, _, cert = a_certificate(svc)
    svc.ass("hrss").RevokeCertificate(a.RevokeCertificateRequest(request_id=rid(), number=cert.number,
                                                                 reason="复核不合格"), timeout=TIMEOUT)
    assert status_of(verify(svc, cert.number, cert.content, cert.signature)) == "STATUS_REVOKED"


def test_unknown_well_formed_number_is_unknown(svc):
    _, _, cert = a_certificate(svc)
    number = check_digit_number("0" * 15 + "1")
    answer = verify(svc, number, cert.content, cert.signature)
    assert status_of(answer) == "STATUS_UNKNOWN", answer.message
    assert not answer.HasField("certificate")
    error = error_of(svc.ass("finance").GetCertificate, a.GetCertificateRequest(number=number))
    assert error.code() == grpc.StatusCode.NOT_FOUND, error.details()


@pytest.mark.parametrize("number", ["", "garbage", "DZ-2026-", "dz-2026-0000000000000001X",
                                    "DZ-2026-0000000000000000Z", "DZ-2026-00000000000000001", "DZ-2026-0000000000000001&"])
def test_malformed_number_is_unknown(svc, number):
    _, _, cert = a_certificate(svc)
    answer = verify(svc, number, cert.content, cert.signature)
    assert status_of(answer) == "STATUS_UNKNOWN", (number, answer.message)


def test_a_real_number_with_one_character_changed_is_unknown(svc):
    _, _, cert = a_certificate(svc)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    position = 10
    replacement = next(ch for ch in alphabet if ch != cert.number[position])
    typo = cert.number[:position] + replacement + cert.number[position + 1:]
    assert status_of(verify(svc, typo, cert.content, cert.signature)) == "STATUS_UNKNOWN"


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


def test_every_verified_role_may_verify(svc):
    _, _, cert = a_certificate(svc)
    for role in ("finance", "hrss", "institution", "enterprise", "worker-portal", "social-insurance"):
        assert status_of(verify(svc, cert.number, cert.content, cert.signature, role=role)) == "STATUS_VALID", role


# --------------------------------------------------------------------------------------------
# 2. Refusals: status, and nothing changed
# --------------------------------------------------------------------------------------------

def assert_refused(svc, call, request, code: grpc.StatusCode, *fragments: str) -> grpc.RpcError:
    before = svc.snapshot()
    error = error_of(call, request)
    assert error.code() == code, (error.code(), error.details())
    for fragment in fragments:
        assert fragment in (error.details() or ""), (fragment, error.details())
    assert svc.snapshot() == before, "a refused call changed the store"
    return error


def test_no_certificate_before_a_result(svc):
    worker = register_worker(svc)
    scheduled = schedule(svc, worker.id)
    assert_refused(svc, svc.ass().IssueCertificate, a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id),
                   grpc.StatusCode.FAILED_PRECONDITION, scheduled.id)
    assert certificates_of(svc, worker.id) == []


def test_no_certificate_for_a_failed_result(svc):
    worker = register_worker(svc)
    scheduled = schedule(svc, worker.id)
    recorded = record(svc, scheduled.id, passed=False, score=41)
    assert recorded.result.score == 41 and not recorded.result.passed and recorded.result.assessor == "王考评员"
    assert_refused(svc, svc.ass().IssueCertificate, a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id),
                   grpc.StatusCode.FAILED_PRECONDITION, "not passed")
    assert certificates_of(svc, worker.id) == []


def test_no_certificate_for_an_unknown_assessment(svc):
    assert_refused(svc, svc.ass().IssueCertificate, a.IssueCertificateRequest(request_id=rid(), assessment_id="a-nonexistent"),
                   grpc.StatusCode.NOT_FOUND, "a-nonexistent")


def test_no_second_certificate_for_one_assessment(svc):
    worker, scheduled, cert = a_certificate(svc)
    error = assert_refused(svc, svc.ass().IssueCertificate,
                           a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id),
                           grpc.StatusCode.ALREADY_EXISTS, cert.number)
    assert [x.number for x in certificates_of(svc, worker.id)] == [cert.number], error.details()
    # Another (fitting) kind does not get round it either.
    assert_refused(svc, svc.ass().IssueCertificate,
                   a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id,
                                             kind=c.CERTIFICATE_KIND_SKILL_LEVEL),
                   grpc.StatusCode.ALREADY_EXISTS)
    assert len(certificates_of(svc, worker.id)) == 1


@pytest.mark.parametrize("role", ["hrss", "finance", "institution", "enterprise", "worker-portal"])
def test_only_assessment_bodies_issue(svc, role):
    worker, scheduled = passed_assessment(svc)
    assert_refused(svc, svc.ass(role).IssueCertificate, a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id),
                   grpc.StatusCode.PERMISSION_DENIED)
    assert certificates_of(svc, worker.id) == []
    # The assessment body still can.
    issue(svc, scheduled.id)
    assert len(certificates_of(svc, worker.id)) == 1


def test_kind_must_fit_the_method(svc):
    worker, scheduled = passed_assessment(svc)  # level recognition -> skill level only (A2)
    for kind in (c.CERTIFICATE_KIND_SPECIAL_OPERATION_PERMIT, c.CERTIFICATE_KIND_OCCUPATIONAL_QUALIFICATION,
                 c.CERTIFICATE_KIND_TRAINING_COMPLETION):
        assert_refused(svc, svc.ass().IssueCertificate,
                       a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id, kind=kind),
                       grpc.StatusCode.FAILED_PRECONDITION, "A2", c.CertificateKind.Name(kind))
    assert certificates_of(svc, worker.id) == []
    cert = issue(svc, scheduled.id, kind=c.CERTIFICATE_KIND_SKILL_LEVEL)
    assert cert.kind == c.CERTIFICATE_KIND_SKILL_LEVEL


@pytest.mark.parametrize("method,kind", [
    (c.ASSESSMENT_METHOD_SKILL_APPRAISAL, c.CERTIFICATE_KIND_OCCUPATIONAL_QUALIFICATION),
    (c.ASSESSMENT_METHOD_SPECIAL_ABILITY, c.CERTIFICATE_KIND_SPECIAL_VOCATIONAL_ABILITY),
    (c.ASSESSMENT_METHOD_ENTERPRISE_SELF_EVALUATION, c.CERTIFICATE_KIND_SKILL_LEVEL),
    (c.ASSESSMENT_METHOD_SKILLS_COMPETITION, c.CERTIFICATE_KIND_SKILL_LEVEL),
    (c.ASSESSMENT_METHOD_SPECIAL_OPERATION_EXAM, c.CERTIFICATE_KIND_SPECIAL_OPERATION_PERMIT),
    (c.ASSESSMENT_METHOD_TRAINING_COMPLETION, c.CERTIFICATE_KIND_TRAINING_COMPLETION),
])
def test_each_method_issues_its_kind(svc, method, kind):
    _, scheduled = passed_assessment(svc, method=method)
    cert = issue(svc, scheduled.id)
    assert cert.kind == kind
    assert status_of(verify(svc, cert.number, cert.content, cert.signature)) == "STATUS_VALID"


def test_schedule_for_an_unregistered_worker(svc):
    assert_refused(svc, svc.ass().ScheduleAssessment,
                   a.ScheduleAssessmentRequest(request_id=rid(), assessment=a.Assessment(
                       method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, worker_id="w-nonexistent", occupation=OCCUPATION,
                       level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER)),
                   grpc.StatusCode.FAILED_PRECONDITION, "w-nonexistent")


def test_schedule_with_an_unknown_method(svc):
    worker = register_worker(svc)
    assert_refused(svc, svc.ass().ScheduleAssessment,
                   a.ScheduleAssessmentRequest(request_id=rid(), assessment=a.Assessment(
                       method=99, worker_id=worker.id, occupation=OCCUPATION, level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER)),
                   grpc.StatusCode.INVALID_ARGUMENT, "method")


def test_schedule_graded_method_without_level(svc):
    worker = register_worker(svc)
    assert_refused(svc, svc.ass().ScheduleAssessment,
                   a.ScheduleAssessmentRequest(request_id=rid(), assessment=a.Assessment(
                       method=c.ASSESSMENT_METHOD_SKILL_APPRAISAL, worker_id=worker.id, occupation=OCCUPATION)),
                   grpc.StatusCode.FAILED_PRECONDITION, "A3")


def test_record_result_twice(svc):
    worker = register_worker(svc)
    scheduled = schedule(svc, worker.id)
    record(svc, scheduled.id, passed=False, score=30)
    assert_refused(svc, svc.ass().RecordResult,
                   a.RecordResultRequest(request_id=rid(), assessment_id=scheduled.id, score=95, passed=True),
                   grpc.StatusCode.FAILED_PRECONDITION, "already")
    # Still the failed result: no certificate.
    error = error_of(svc.ass().IssueCertificate, a.IssueCertificateRequest(request_id=rid(), assessment_id=scheduled.id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_record_result_score_out_of_range(svc):
    worker = register_worker(svc)
    scheduled = schedule(svc, worker.id)
    assert_refused(svc, svc.ass().RecordResult,
                   a.RecordResultRequest(request_id=rid(), assessment_id=scheduled.id, score=101, passed=True),
                   grpc.StatusCode.INVALID_ARGUMENT, "score")


def test_revoke_twice(svc):
    _, _, cert = a_certificate(svc)
    svc.ass().RevokeCertificate(a.RevokeCertificateRequest(request_id=rid(), number=cert.number, reason="first"),
                                timeout=TIMEOUT)
    assert_refused(svc, svc.ass().RevokeCertificate,
                   a.RevokeCertificateRequest(request_id=rid(), number=cert.number, reason="second"),
                   grpc.StatusCode.FAILED_PRECONDITION, "already revoked")
    got = svc.ass("finance").GetCertificate(a.GetCertificateRequest(number=cert.number), timeout=TIMEOUT)
    assert got.revocation_reason == "first"


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_without_reason(svc, reason):
    _, _, cert = a_certificate(svc)
    assert_refused(svc, svc.ass().RevokeCertificate,
                   a.RevokeCertificateRequest(request_id=rid(), number=cert.number, reason=reason),
                   grpc.StatusCode.INVALID_ARGUMENT, "reason")
    assert status_of(verify(svc, cert.number, cert.content, cert.signature)) == "STATUS_VALID"


@pytest.mark.parametrize("role", ["finance", "institution", "worker-portal"])
def test_revoke_by_other_roles_is_denied(svc, role):
    _, _, cert = a_certificate(svc)
    assert_refused(svc, svc.ass(role).RevokeCertificate,
                   a.RevokeCertificateRequest(request_id=rid(), number=cert.number, reason="不该由我撤销"),
                   grpc.StatusCode.PERMISSION_DENIED)
    assert status_of(verify(svc, cert.number, cert.content, cert.signature)) == "STATUS_VALID"


def test_revoke_unknown_certificate(svc):
    assert_refused(svc, svc.ass().RevokeCertificate,
                   a.RevokeCertificateRequest(request_id=rid(), number=check_digit_number("0" * 14 + "77"), reason="x"),
                   grpc.StatusCode.NOT_FOUND)


def test_retried_issue_returns_the_same_certificate(svc):
    worker, scheduled = passed_assessment(svc)
    request_id = rid()
    first = issue(svc, scheduled.id, request_id=request_id)
    before = svc.snapshot()
    again = issue(svc, scheduled.id, request_id=request_id)
    assert again.number == first.number and again == first
    assert svc.snapshot() == before
    assert [x.number for x in certificates_of(svc, worker.id)] == [first.number]
    # The same request_id for a different request is refused.
    _, other = passed_assessment(svc)
    error = error_of(svc.ass().IssueCertificate, a.IssueCertificateRequest(request_id=request_id, assessment_id=other.id))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()


def test_retried_schedule_and_revoke_return_the_first_answer(svc):
    worker = register_worker(svc)
    request = a.ScheduleAssessmentRequest(request_id=rid(), assessment=a.Assessment(
        method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, worker_id=worker.id, occupation=OCCUPATION,
        level=c.SKILL_LEVEL_L3_SENIOR_WORKER))
    first = svc.ass().ScheduleAssessment(request, timeout=TIMEOUT)
    before = svc.snapshot()
    assert svc.ass().ScheduleAssessment(request, timeout=TIMEOUT).id == first.id
    assert svc.snapshot() == before

    _, _, cert = a_certificate(svc)
    revoke = a.RevokeCertificateRequest(request_id=rid(), number=cert.number, reason="重复请求")
    one = svc.ass().RevokeCertificate(revoke, timeout=TIMEOUT)
    assert svc.ass().RevokeCertificate(revoke, timeout=TIMEOUT) == one


def test_certificate_numbers_are_unique_and_random(svc):
    numbers = [a_certificate(svc)[2].number for _ in range(5)]
    assert len(set(numbers)) == 5
    # No shared run of the random part beyond chance: the 16 random characters differ in most places.
    bodies = [n[8:24] for n in numbers]
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            same = sum(x == y for x, y in zip(bodies[i], bodies[j]))
            assert same < 8, (bodies[i], bodies[j])


# --------------------------------------------------------------------------------------------
# 3. Restart: the signing key persists
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
