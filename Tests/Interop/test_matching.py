"""The matching service (`skills-matching`) end to end: the real executables started as processes
(registration, assessment, payment and matching), called over mutual TLS by Python grpcio with the
dev certificates of each role. SQLite (a fresh data dir per module).

Issue 9 (O1..O5, C1..C3):
- O2 PublishOffering checks R10 against registration (accepted filing covering the occupation)
  and shows payment's subsidy standard (R1: refused without one unless unsubsidised; with payment
  unreachable a subsidised offering is UNAVAILABLE);
- O3 SelectOffering never oversells: 30 concurrent selects (grpc.aio) on capacity 10 give exactly
  10 enrolments and 20 FAILED_PRECONDITION; a second active enrolment is ALREADY_EXISTS;
- O4 accept / learn / complete through the enrolment state machine; an illegal transition is
  FAILED_PRECONDITION naming both states;
- O5 RequestPayment hands the completed enrolment with its certificate to payment; a retry gives
  the same answer;
- O1 demands aggregate into C3; C1/C2 catalogue entries are published, replaced and listed;
- wrong roles are PERMISSION_DENIED.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import os
import random
from pathlib import Path

import grpc
import pytest

import services
from conftest import SERVER_NAME, channel_credentials, secure_channel, wait_until_serving
from services import rid, ServiceProcess, credit_code, id_number, service_binary, skills_v1

stubs = skills_v1()  # generates every skills/v1 proto and puts them on sys.path
from skills.v1 import assessment_pb2 as a  # noqa: E402  (type: ignore)
from skills.v1 import assessment_pb2_grpc as ag  # noqa: E402
from skills.v1 import matching_pb2 as m  # noqa: E402
from skills.v1 import matching_pb2_grpc as mg  # noqa: E402

r = stubs.registration_pb2
rg = stubs.registration_pb2_grpc
c = stubs.common_pb2

TIMEOUT = 15.0
# Matching's database in the module-scoped `svc`: every test of the module (and of the modules that
# share `svc`) runs on each.
BACKENDS = ["sqlite", "postgres"]
ELECTRICIAN = c.Occupation(code="6-31-01-03", name="电工")  # has a standard in the shipped policy file
L4 = c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER
FP = grpc.StatusCode.FAILED_PRECONDITION
# The services run with --accept-business-date and every call says it is this day: the shipped policy
# has standards only up to 2021-12-31 (R1), and a subsidised offering needs one on its end date.
BUSINESS_DAY = datetime.date(2021, 6, 15)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

def _binary(service: str) -> Path | None:
    path = service_binary(service)
    return path if path.is_file() and os.access(path, os.X_OK) else None


def _required(service: str) -> Path:
    path = _binary(service)
    if path is None:
        pytest.fail(f"{service_binary(service)} is missing: build it first (`swift build --product skills-{service}`)",
                    pytrace=False)
    return path


def _start(process: ServiceProcess, port: int | None = None) -> ServiceProcess:
    """Starts the process; on `port` when given (services that call each other need to know their
    addresses before both are up)."""
    original = services.free_port
    if port is not None:
        services.free_port = lambda: port
    try:
        process.start(attempts=1 if port is not None else 3)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    finally:
        services.free_port = original
    return process


class _Details(collections.namedtuple("_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready",
                                                   "compression")), grpc.ClientCallDetails):
    pass


class BusinessDay(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds `skills-business-date: <day>` to every call of a channel."""

    def __init__(self, day: datetime.date):
        self.day = day

    def _details(self, details):
        metadata = list(details.metadata or []) + [("skills-business-date", self.day.isoformat())]
        return _Details(details.method, details.timeout, metadata, details.credentials,
                        getattr(details, "wait_for_ready", None), getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)


class Services:
    def __init__(self, certs: Path, processes: dict[str, ServiceProcess], business_day: datetime.date | None = None):
        self.certs = certs
        self.processes = processes
        self.business_day = business_day
        self.backend = "sqlite"
        self._channels: dict[str, grpc.Channel] = {}

    @property
    def has_payment(self) -> bool:
        return "payment" in self.processes

    def _channel(self, target: str, role: str) -> grpc.Channel:
        key = f"{target}/{role}"
        if key not in self._channels:
            channel = secure_channel(target, self.certs, role)
            if self.business_day is not None:
                channel = grpc.intercept_channel(channel, BusinessDay(self.business_day))
            self._channels[key] = channel
        return self._channels[key]

    def match(self, role: str = "hrss", target: str | None = None):
        return mg.MatchingServiceStub(self._channel(target or self.processes["matching"].target, role))

    def reg(self, role: str = "hrss"):
        return rg.RegistrationServiceStub(self._channel(self.processes["registration"].target, role))

    def ass(self, role: str = "assessment-org"):
        return ag.AssessmentServiceStub(self._channel(self.processes["assessment"].target, role))

    def close_channels(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()


def _matching_database(backend: str, request) -> str | None:
    """None (SQLite under the data directory), or a fresh PostgreSQL database dropped after the module."""
    if backend != "postgres":
        return None
    url = os.environ.get(services.POSTGRES_ENV)
    if not url:
        pytest.skip(f"{services.POSTGRES_ENV} is not set (e.g. postgres://skills:skills@127.0.0.1:5432/skills_test)")
    databases = services.PostgresDatabases(url)
    request.addfinalizer(databases.drop_all)
    return databases.create("match")


@pytest.fixture(scope="module", params=BACKENDS)
def svc(request, certs, tmp_path_factory):
    """The four services, matching on SQLite or on PostgreSQL (the others on SQLite)."""
    database = _matching_database(request.param, request)

    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    def process(name: str, extra: list[str]) -> ServiceProcess:
        return ServiceProcess(name, _required(name), certs, tmp_path_factory.mktemp(f"match-{name}"), ready,
                              database=database if name == "matching" else None,
                              extra=extra + ["--accept-business-date"])

    registration = _start(process("registration", []))
    assessment = _start(process("assessment", ["--registration-addr", registration.target]))
    matching_port = services.free_port()
    payment_port = services.free_port()
    running = {"registration": registration, "assessment": assessment}
    if _binary("payment") is not None:
        running["payment"] = _start(process("payment", [
            "--registration-addr", registration.target, "--assessment-addr", assessment.target,
            "--matching-addr", f"127.0.0.1:{matching_port}"]), payment_port)
    # Without a payment binary the address points at a port nobody listens on (payment unreachable).
    running["matching"] = _start(process("matching", [
        "--registration-addr", registration.target, "--assessment-addr", assessment.target,
        "--payment-addr", f"127.0.0.1:{payment_port}", "--peer-timeout-ms", "3000"]), matching_port)
    svc = Services(certs, running, BUSINESS_DAY)
    svc.backend = request.param
    yield svc
    svc.close_channels()
    status = running["matching"].stop()
    for name in ("payment", "assessment", "registration"):
        if name in running:
            running[name].stop()
    assert status == 0, f"skills-matching did not exit cleanly on SIGTERM ({status})\n{running['matching'].log_tail()}"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def error_of(call, *args, **kwargs) -> grpc.RpcError:
    return services.error_of(call, *args, timeout=TIMEOUT, **kwargs)


def unique_code(prefix: str = "4-99") -> str:
    return f"{prefix}-{random.randrange(100):02d}-{random.randrange(10**4):04d}"


def cdate(day: datetime.date) -> c.CalendarDate:
    return c.CalendarDate(year=day.year, month=day.month, day=day.day)


TODAY = BUSINESS_DAY


# The CN of Deploy/certs/out/institution.pem: the system acting for the institutions tests register.
INSTITUTION_SYSTEM = "institution-dev"


def institution(svc, scope: list[str], accept: bool = True, systems=(INSTITUTION_SYSTEM,)):
    filed = svc.reg("hrss").RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=r.Institution(
        credit_code=credit_code(), name="德州市电工培训学校", kind=c.INSTITUTION_KIND_PRIVATE_TRAINING,
        contact_phone="0534-2345678", address="德城区天衢路 1 号", district="371402",
        system_certificate_names=list(systems))), timeout=TIMEOUT)
    if not accept:
        return filed
    return svc.reg("hrss").ReviewInstitutionFiling(r.ReviewInstitutionFilingRequest(
        request_id=rid(), institution_id=filed.id, accept=True, licence_scope_occupations=scope, note="材料齐全"),
        timeout=TIMEOUT)


def worker(svc, **fields):
    values = dict(id_number=id_number(), name="张三", phone="13812345678", hukou=c.HUKOU_URBAN)
    values.update(fields)
    return svc.reg("hrss").RegisterWorker(r.RegisterWorkerRequest(request_id=rid(), worker=r.Worker(**values)),
                                          timeout=TIMEOUT)


def an_offering(institution_id: str, **fields) -> m.Offering:
    values = dict(occupation=ELECTRICIAN, level=L4, institution_id=institution_id, capacity=10,
                  start_date=cdate(TODAY), end_date=cdate(TODAY + datetime.timedelta(days=60)),
                  mode=m.TRAINING_MODE_OFFLINE, kind=c.OFFERING_KIND_ORDINARY, class_hours=80, venue="德城区实训基地")
    values.update(fields)
    return m.Offering(**values)


def publish(svc, offering: m.Offering, role: str = "hrss", target: str | None = None, request_id: str | None = None):
    return svc.match(role, target).PublishOffering(m.PublishOfferingRequest(request_id=request_id or rid(), offering=offering),
                                                   timeout=TIMEOUT)


def offering_for(svc, capacity: int = 10, **fields):
    inst = institution(svc, [ELECTRICIAN.code])
    return publish(svc, an_offering(inst.id, capacity=capacity, **fields))


def select(svc, worker_id: str, offering_id: str, role: str = "worker-portal", request_id: str | None = None):
    return svc.match(role).SelectOffering(m.SelectOfferingRequest(request_id=request_id or rid(), worker_id=worker_id,
                                                                  offering_id=offering_id), timeout=TIMEOUT)


def accept(svc, enrollment_id: str, yes: bool = True, reason: str = "", role: str = "institution"):
    return svc.match(role).AcceptEnrollment(m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=enrollment_id,
                                                                      accept=yes, reason=reason), timeout=TIMEOUT)


def learn(svc, enrollment_id: str, channel, minutes: int, role: str = "institution", day: datetime.date = TODAY):
    return svc.match(role).RecordLearning(m.RecordLearningRequest(request_id=rid(), enrollment_id=enrollment_id,
                                                                  channel=channel, minutes=minutes, day=cdate(day)),
                                          timeout=TIMEOUT)


def complete(svc, enrollment_id: str, attendance: int = 95, day: datetime.date = TODAY, role: str = "institution"):
    return svc.match(role).CompleteTraining(m.CompleteTrainingRequest(request_id=rid(), enrollment_id=enrollment_id,
                                                                      completion_date=cdate(day),
                                                                      attendance_percent=attendance), timeout=TIMEOUT)


def enrollments_of(svc, offering_id: str) -> list:
    return list(svc.match().ListEnrollments(m.ListEnrollmentsRequest(offering_id=offering_id, page_size=1000),
                                            timeout=TIMEOUT).enrollments)


# --------------------------------------------------------------------------------------------
# O2: offerings and R10
# --------------------------------------------------------------------------------------------

def test_publish_offering_checks_r10_against_registration(svc):
    pending = institution(svc, [ELECTRICIAN.code], accept=False)
    error = error_of(svc.match().PublishOffering, m.PublishOfferingRequest(request_id=rid(), offering=an_offering(pending.id)))
    assert error.code() == FP and error.details().startswith("R10:") and "PENDING" in error.details()

    other_scope = institution(svc, ["4-10-01-01"])
    error = error_of(svc.match().PublishOffering, m.PublishOfferingRequest(request_id=rid(), offering=an_offering(other_scope.id)))
    assert error.code() == FP and error.details().startswith("R10:") and ELECTRICIAN.code in error.details()

    error = error_of(svc.match().PublishOffering, m.PublishOfferingRequest(request_id=rid(), offering=an_offering("i-nope")))
    assert error.code() == FP and "R10" in error.details()
    for refused in (pending, other_scope):
        assert list(svc.match("worker-portal").ListOfferings(m.ListOfferingsRequest(institution_id=refused.id), timeout=TIMEOUT)) == []

    accepted = institution(svc, [ELECTRICIAN.code])
    request_id = rid()
    offering = publish(svc, an_offering(accepted.id, target_groups=[c.WORKER_CATEGORY_G8_UNEMPLOYED]), request_id=request_id)
    assert offering.id.startswith("o-") and offering.enrolled == 0 and offering.version == 1
    assert offering.published_at.seconds > 0
    # R1: the standard in force on the offering's end date (electrician level 4 from 2020-07-01).
    assert offering.subsidy_standard_fen == 165000
    # A retry answers the first result.
    assert publish(svc, an_offering(accepted.id, target_groups=[c.WORKER_CATEGORY_G8_UNEMPLOYED]), request_id=request_id) == offering
    assert svc.match("payment").GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT) == offering

    listed = list(svc.match("worker-portal").ListOfferings(m.ListOfferingsRequest(institution_id=accepted.id), timeout=TIMEOUT))
    assert [o.id for o in listed] == [offering.id]
    by_group = lambda g: [o.id for o in svc.match("worker-portal").ListOfferings(
        m.ListOfferingsRequest(institution_id=accepted.id, target_group=g), timeout=TIMEOUT)]
    assert by_group(c.WORKER_CATEGORY_G8_UNEMPLOYED) == [offering.id]
    assert by_group(c.WORKER_CATEGORY_G1_ENTERPRISE_EMPLOYEE) == []
    assert [o.id for o in svc.match().ListOfferings(m.ListOfferingsRequest(
        institution_id=accepted.id, level=c.SKILL_LEVEL_L3_SENIOR_WORKER), timeout=TIMEOUT)] == []


def test_publish_offering_shows_the_standard_in_force_on_the_last_day(svc):
    if not svc.has_payment:
        pytest.skip("skills-payment is not built")
    inst = institution(svc, [ELECTRICIAN.code])
    # The sample policy file: electrician level 4 is 150000 fen from 2019-01-01, 165000 from 2020-07-01 (R1).
    before = publish(svc, an_offering(inst.id, start_date=c.CalendarDate(year=2020, month=5, day=1),
                                      end_date=c.CalendarDate(year=2020, month=6, day=30)))
    after = publish(svc, an_offering(inst.id, start_date=c.CalendarDate(year=2020, month=6, day=1),
                                     end_date=c.CalendarDate(year=2020, month=7, day=31)))
    assert (before.subsidy_standard_fen, after.subsidy_standard_fen) == (150000, 165000)
    # An offering that has ended cannot be selected.
    error = error_of(svc.match("worker-portal").SelectOffering, m.SelectOfferingRequest(
        request_id=rid(), worker_id=worker(svc).id, offering_id=before.id))
    assert error.code() == FP and "ended" in error.details()


@pytest.mark.parametrize("field,change", [
    ("offering.occupation.code", dict(occupation=c.Occupation(code="", name="电工"))),
    ("offering.level", dict(level=9)),
    ("offering.level", dict(level=c.SKILL_LEVEL_UNSPECIFIED)),
    ("offering.capacity", dict(capacity=0)),
    ("offering.end_date", dict(end_date=cdate(TODAY - datetime.timedelta(days=1)))),
    ("offering.start_date", dict(start_date=c.CalendarDate(year=2026, month=2, day=30))),
    ("offering.kind", dict(kind=c.OFFERING_KIND_UNSPECIFIED)),
    ("offering.kind", dict(kind=42)),
    ("offering.mode", dict(mode=m.TRAINING_MODE_UNSPECIFIED)),
    ("offering.enterprise_credit_code", dict(kind=c.OFFERING_KIND_NEW_HIRE_PRE_JOB)),
    ("offering.target_groups", dict(target_groups=[99])),
])
def test_publish_offering_refuses_bad_fields(svc, field, change):
    inst = institution(svc, [ELECTRICIAN.code])
    error = error_of(svc.match().PublishOffering, m.PublishOfferingRequest(request_id=rid(), offering=an_offering(inst.id, **change)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith(field), error.details()
    assert list(svc.match().ListOfferings(m.ListOfferingsRequest(institution_id=inst.id), timeout=TIMEOUT)) == []


def test_publish_offering_with_payment_unreachable(svc, certs, tmp_path_factory):
    """A subsidised offering needs payment's R1 standard: UNAVAILABLE (retry later) and nothing
    published; an unsubsidised one needs no standard and is published with 0."""
    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    lonely = _start(ServiceProcess("matching", _required("matching"), certs, tmp_path_factory.mktemp("match-nopay"), ready,
                                   extra=["--registration-addr", svc.processes["registration"].target,
                                          "--payment-addr", f"127.0.0.1:{services.free_port()}", "--peer-timeout-ms", "2000",
                                          "--accept-business-date"]))
    try:
        inst = institution(svc, [ELECTRICIAN.code])
        error = error_of(svc.match(target=lonely.target).PublishOffering,
                         m.PublishOfferingRequest(request_id=rid(), offering=an_offering(inst.id)))
        assert error.code() == grpc.StatusCode.UNAVAILABLE and "R1" in error.details(), error.details()
        assert list(svc.match(target=lonely.target).ListOfferings(m.ListOfferingsRequest(institution_id=inst.id),
                                                                  timeout=TIMEOUT)) == []
        offering = publish(svc, an_offering(inst.id, unsubsidised=True), target=lonely.target)
        assert offering.subsidy_standard_fen == 0 and offering.unsubsidised and offering.id
    finally:
        assert lonely.stop() == 0


# --------------------------------------------------------------------------------------------
# O3..O5: the enrolment's life
# --------------------------------------------------------------------------------------------

def test_select_accept_learn_complete_and_pay(svc):
    offering = offering_for(svc)
    trainee = worker(svc)
    request_id = rid()
    selected = select(svc, trainee.id, offering.id, request_id=request_id)
    enrollment = selected.enrollment
    assert enrollment.state == c.ENROLLMENT_STATE_SELECTED and enrollment.id.startswith("e-")
    assert enrollment.institution_id == offering.institution_id and enrollment.version == 1
    preview = selected.eligibility
    if offering.subsidy_standard_fen == 0:
        # The sample policy file has no standard in force today: the preview refuses under R1, as
        # payment would, and the worker is enrolled all the same (self-paid is never blocked).
        assert not preview.eligible and "R1" in preview.refusing_rule_ids and preview.estimated_subsidy_fen == 0
    else:
        assert preview.eligible and preview.estimated_subsidy_fen == offering.subsidy_standard_fen
    assert preview.message
    assert select(svc, trainee.id, offering.id, request_id=request_id) == selected  # a retry changes nothing
    assert svc.match().GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 1

    accepted = accept(svc, enrollment.id)
    assert accepted.state == c.ENROLLMENT_STATE_ACCEPTED and accepted.accepted_at.seconds > 0 and accepted.version == 2
    learn(svc, enrollment.id, c.LEARNING_CHANNEL_OFFLINE, 120)
    learn(svc, enrollment.id, c.LEARNING_CHANNEL_APP, 30, role="worker-portal")
    learning = learn(svc, enrollment.id, c.LEARNING_CHANNEL_OFFLINE, 60)
    assert learning.state == c.ENROLLMENT_STATE_IN_TRAINING
    assert {t.channel: t.minutes for t in learning.learning} == {c.LEARNING_CHANNEL_OFFLINE: 180, c.LEARNING_CHANNEL_APP: 30}
    done = complete(svc, enrollment.id, attendance=96)
    assert done.state == c.ENROLLMENT_STATE_COMPLETED and done.attendance_percent == 96
    assert done.completion_date == cdate(TODAY) and done.completed_at.seconds > 0
    assert svc.match("payment").GetEnrollment(m.GetEnrollmentRequest(enrollment_id=enrollment.id), timeout=TIMEOUT) == done

    # Completed is not a state learning can be recorded in.
    error = error_of(svc.match("institution").RecordLearning, m.RecordLearningRequest(
        request_id=rid(), enrollment_id=enrollment.id, channel=c.LEARNING_CHANNEL_PC, minutes=10))
    assert error.code() == FP and "cannot go from COMPLETED to IN_TRAINING" in error.details()

    if not svc.has_payment:
        pytest.skip("skills-payment is not built: O5 not exercised")
    # The certificate from this training (R2), issued by assessment.
    assessment = svc.ass().ScheduleAssessment(a.ScheduleAssessmentRequest(request_id=rid(), assessment=a.Assessment(
        method=c.ASSESSMENT_METHOD_LEVEL_RECOGNITION, worker_id=trainee.id, occupation=ELECTRICIAN, level=L4,
        enrollment_id=enrollment.id)), timeout=TIMEOUT)
    svc.ass().RecordResult(a.RecordResultRequest(request_id=rid(), assessment_id=assessment.id, score=90, passed=True,
                                                 assessor="王考评员"), timeout=TIMEOUT)
    certificate = svc.ass().IssueCertificate(a.IssueCertificateRequest(request_id=rid(), assessment_id=assessment.id),
                                             timeout=TIMEOUT)
    error = error_of(svc.match("worker-portal").RequestPayment, m.RequestPaymentRequest(
        request_id=rid(), enrollment_id=enrollment.id, certificate_number=certificate.number))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    pay_id = rid()
    paid = svc.match().RequestPayment(m.RequestPaymentRequest(request_id=pay_id, enrollment_id=enrollment.id,
                                                              certificate_number=certificate.number), timeout=TIMEOUT)
    assert paid.claim_id and paid.enrollment.claim_id == paid.claim_id
    assert paid.enrollment.certificate_number == certificate.number
    if paid.eligible:
        assert paid.enrollment.state == c.ENROLLMENT_STATE_CLAIMED
    else:
        assert paid.enrollment.state == c.ENROLLMENT_STATE_COMPLETED and list(paid.refusing_rule_ids)
    again = svc.match().RequestPayment(m.RequestPaymentRequest(request_id=pay_id, enrollment_id=enrollment.id,
                                                               certificate_number=certificate.number), timeout=TIMEOUT)
    assert again == paid


def test_illegal_transitions_name_both_states(svc):
    offering = offering_for(svc)
    enrollment = select(svc, worker(svc).id, offering.id).enrollment
    error = error_of(svc.match("institution").CompleteTraining, m.CompleteTrainingRequest(
        request_id=rid(), enrollment_id=enrollment.id, completion_date=cdate(TODAY), attendance_percent=90))
    assert error.code() == FP and "cannot go from SELECTED to COMPLETED" in error.details()
    error = error_of(svc.match().RequestPayment, m.RequestPaymentRequest(request_id=rid(), enrollment_id=enrollment.id,
                                                                        certificate_number="DZ-2026-X"))
    assert error.code() == FP and "cannot go from SELECTED to CLAIMED" in error.details()
    unchanged = svc.match().GetEnrollment(m.GetEnrollmentRequest(enrollment_id=enrollment.id), timeout=TIMEOUT)
    assert unchanged == enrollment

    accept(svc, enrollment.id)
    error = error_of(svc.match("institution").AcceptEnrollment, m.AcceptEnrollmentRequest(
        request_id=rid(), enrollment_id=enrollment.id, accept=True))
    assert error.code() == FP and "cannot go from ACCEPTED to ACCEPTED" in error.details()

    for bad, field in ((dict(attendance_percent=101), "attendance_percent"),
                       (dict(completion_date=c.CalendarDate(year=2026, month=13, day=1)), "completion_date"),
                       (dict(completion_date=cdate(TODAY + datetime.timedelta(days=3))), "completion_date")):
        values = dict(request_id=rid(), enrollment_id=enrollment.id, completion_date=cdate(TODAY), attendance_percent=90)
        values.update(bad)
        error = error_of(svc.match("institution").CompleteTraining, m.CompleteTrainingRequest(**values))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith(field)
    for channel, minutes in ((c.LEARNING_CHANNEL_UNSPECIFIED, 10), (9, 10), (c.LEARNING_CHANNEL_PC, 0)):
        error = error_of(svc.match("institution").RecordLearning, m.RecordLearningRequest(
            request_id=rid(), enrollment_id=enrollment.id, channel=channel, minutes=minutes))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = error_of(svc.match("institution").AcceptEnrollment, m.AcceptEnrollmentRequest(
        request_id=rid(), enrollment_id="e-missing", accept=True))
    assert error.code() == grpc.StatusCode.NOT_FOUND


OTHER_INSTITUTION = "institution-b"  # Deploy/certs/out/institution-b.pem: CN=institution-b-dev, OU=institution


def refused_for_other_institution(call, institution_id: str) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = raised.value
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error.details()
    assert institution_id in error.details() and "institution-b-dev" in error.details(), error.details()


def test_only_the_offerings_institution_accepts_learns_and_completes(svc):
    """O4 by certificate identity: another institution's system (same role, other CN) is refused for
    accept, learning and completion, and nothing changes; the offering's own system goes through."""
    offering = offering_for(svc)
    inst_id = offering.institution_id
    enrollment = select(svc, worker(svc).id, offering.id).enrollment
    get = lambda: svc.match().GetEnrollment(m.GetEnrollmentRequest(enrollment_id=enrollment.id), timeout=TIMEOUT)
    b = OTHER_INSTITUTION
    for call in (lambda: accept(svc, enrollment.id, role=b),
                 lambda: accept(svc, enrollment.id, yes=False, reason="满员", role=b),
                 lambda: learn(svc, enrollment.id, c.LEARNING_CHANNEL_OFFLINE, 60, role=b),
                 lambda: complete(svc, enrollment.id, role=b)):
        refused_for_other_institution(call, inst_id)
    assert get() == enrollment
    assert svc.match().GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 1

    accepted = accept(svc, enrollment.id)
    assert accepted.state == c.ENROLLMENT_STATE_ACCEPTED
    for call in (lambda: learn(svc, enrollment.id, c.LEARNING_CHANNEL_OFFLINE, 60, role=b),
                 lambda: complete(svc, enrollment.id, role=b)):
        refused_for_other_institution(call, inst_id)
    assert get() == accepted
    assert learn(svc, enrollment.id, c.LEARNING_CHANNEL_OFFLINE, 60).state == c.ENROLLMENT_STATE_IN_TRAINING
    # The worker portal records online learning for any enrolment (its own role, not an institution's).
    learnt = learn(svc, enrollment.id, c.LEARNING_CHANNEL_APP, 30, role="worker-portal")
    refused_for_other_institution(lambda: complete(svc, enrollment.id, role=b), inst_id)
    assert get() == learnt
    assert complete(svc, enrollment.id).state == c.ENROLLMENT_STATE_COMPLETED


def test_system_names_changed_by_hrss_take_effect_at_once(svc):
    """An institution registered without system names: no institution system may act for it; once
    hrss lists institution-b-dev, matching re-reads the names on the mismatch and lets it act."""
    inst = institution(svc, [ELECTRICIAN.code], systems=())
    assert list(inst.system_certificate_names) == []
    offering = publish(svc, an_offering(inst.id))
    enrollment = select(svc, worker(svc).id, offering.id).enrollment
    with pytest.raises(grpc.RpcError) as raised:
        accept(svc, enrollment.id)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED and inst.id in raised.value.details()
    changed = svc.reg("hrss").SetInstitutionSystems(r.SetInstitutionSystemsRequest(
        request_id=rid(), institution_id=inst.id, system_certificate_names=["institution-b-dev"]), timeout=TIMEOUT)
    assert list(changed.system_certificate_names) == ["institution-b-dev"] and changed.version == inst.version + 1
    assert accept(svc, enrollment.id, role=OTHER_INSTITUTION).state == c.ENROLLMENT_STATE_ACCEPTED
    with pytest.raises(grpc.RpcError) as raised:
        learn(svc, enrollment.id, c.LEARNING_CHANNEL_OFFLINE, 30)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED and "institution-dev" in raised.value.details()


def test_duplicate_select_and_rejection_releases_the_place(svc):
    offering = offering_for(svc, capacity=2)
    trainee = worker(svc)
    first = select(svc, trainee.id, offering.id).enrollment
    error = error_of(svc.match("worker-portal").SelectOffering, m.SelectOfferingRequest(
        request_id=rid(), worker_id=trainee.id, offering_id=offering.id))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert svc.match().GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 1

    error = error_of(svc.match("institution").AcceptEnrollment, m.AcceptEnrollmentRequest(
        request_id=rid(), enrollment_id=first.id, accept=False))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # a rejection needs a reason
    rejected = accept(svc, first.id, yes=False, reason="名额调整")
    assert rejected.state == c.ENROLLMENT_STATE_REJECTED and rejected.reason == "名额调整"
    assert svc.match().GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 0
    # The rejected enrolment no longer blocks a new one.
    second = select(svc, trainee.id, offering.id, role="hrss").enrollment
    assert second.id != first.id and second.state == c.ENROLLMENT_STATE_SELECTED

    error = error_of(svc.match("worker-portal").SelectOffering, m.SelectOfferingRequest(
        request_id=rid(), worker_id="w-missing", offering_id=offering.id))
    assert error.code() == FP and "not registered" in error.details()
    error = error_of(svc.match("worker-portal").SelectOffering, m.SelectOfferingRequest(
        request_id=rid(), worker_id=trainee.id, offering_id="o-missing"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert len(enrollments_of(svc, offering.id)) == 2


def test_pension_drawer_gets_a_refusing_preview_but_is_enrolled(svc):
    offering = offering_for(svc)
    retiree = worker(svc, draws_monthly_pension=True)
    selected = select(svc, retiree.id, offering.id)
    assert selected.enrollment.state == c.ENROLLMENT_STATE_SELECTED  # self-paid training is never blocked
    assert not selected.eligibility.eligible and "R5" in selected.eligibility.refusing_rule_ids
    assert "self-paid" in selected.eligibility.message


def test_capacity_is_never_oversold_under_concurrent_selects(svc, certs):
    offering = offering_for(svc, capacity=10)
    workers = [worker(svc).id for _ in range(30)]

    async def run():
        async with grpc.aio.secure_channel(svc.processes["matching"].target, channel_credentials(certs, "worker-portal"),
                                           options=[("grpc.ssl_target_name_override", SERVER_NAME)]) as channel:
            stub = mg.MatchingServiceStub(channel)

            async def one(worker_id):
                try:
                    await stub.SelectOffering(m.SelectOfferingRequest(request_id=rid(), worker_id=worker_id,
                                                                      offering_id=offering.id), timeout=60,
                                              metadata=(("skills-business-date", TODAY.isoformat()),))
                    return "ok"
                except grpc.aio.AioRpcError as error:
                    return (error.code(), error.details())

            return await asyncio.gather(*(one(w) for w in workers))

    results = asyncio.run(run())
    assert results.count("ok") == 10, results
    refused = [r for r in results if r != "ok"]
    assert len(refused) == 20 and all(code == FP and "offering is full" in details for code, details in refused), refused
    assert svc.match().GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 10
    listed = enrollments_of(svc, offering.id)
    assert len(listed) == 10 and len({e.worker_id for e in listed}) == 10
    open_ids = [o.id for o in svc.match().ListOfferings(m.ListOfferingsRequest(
        institution_id=offering.institution_id, open_only=True), timeout=TIMEOUT)]
    assert offering.id not in open_ids


# --------------------------------------------------------------------------------------------
# O1, C1..C3
# --------------------------------------------------------------------------------------------

def test_demands_aggregate_into_the_c3_catalogue(svc):
    code = unique_code()
    occupation = c.Occupation(code=code, name="育婴员")
    trainee = worker(svc)
    enterprise = svc.reg("enterprise").RegisterEnterprise(r.RegisterEnterpriseRequest(request_id=rid(), enterprise=r.Enterprise(
        credit_code=credit_code(), name="德州示范家政有限公司", industry="O8010", district="371402")), timeout=TIMEOUT)
    for _ in range(2):
        d = svc.match("worker-portal").SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
            worker_id=trainee.id, occupation=occupation, level=L4)), timeout=TIMEOUT)
        assert d.id.startswith("d-") and d.headcount == 1 and d.submitted_at.seconds > 0
    svc.match("enterprise").SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        enterprise_credit_code=enterprise.credit_code, occupation=occupation, level=L4, headcount=20)), timeout=TIMEOUT)
    svc.match("enterprise").SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        enterprise_credit_code=enterprise.credit_code, occupation=occupation, level=c.SKILL_LEVEL_L5_JUNIOR_WORKER,
        headcount=5)), timeout=TIMEOUT)

    rows = svc.match().ListDemands(m.ListDemandsRequest(occupation_code=code), timeout=TIMEOUT).rows
    assert [(row.level, row.demand_count, row.headcount, row.worker_requests, row.enterprise_requests) for row in rows] == [
        (L4, 3, 22, 2, 1), (c.SKILL_LEVEL_L5_JUNIOR_WORKER, 1, 5, 0, 1)]
    assert rows[0].occupation.name == "育婴员"
    page = svc.match().ListDemands(m.ListDemandsRequest(occupation_code=code, page_size=1), timeout=TIMEOUT)
    assert len(page.rows) == 1 and page.next_page_token
    rest = svc.match().ListDemands(m.ListDemandsRequest(occupation_code=code, page_size=1, page_token=page.next_page_token),
                                   timeout=TIMEOUT)
    assert [row.level for row in rest.rows] == [c.SKILL_LEVEL_L5_JUNIOR_WORKER]

    # An enterprise cannot submit for a worker, nor the portal for an enterprise.
    error = error_of(svc.match("enterprise").SubmitDemand, m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        worker_id=trainee.id, occupation=occupation, level=L4)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = error_of(svc.match("worker-portal").SubmitDemand, m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        enterprise_credit_code=enterprise.credit_code, occupation=occupation, level=L4, headcount=3)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    for bad in (m.Demand(worker_id=trainee.id, occupation=occupation, level=0),
                m.Demand(worker_id=trainee.id, occupation=c.Occupation(code=""), level=L4),
                m.Demand(worker_id=trainee.id, occupation=occupation, level=L4, headcount=2),
                m.Demand(occupation=occupation, level=L4)):
        error = error_of(svc.match("worker-portal").SubmitDemand, m.SubmitDemandRequest(request_id=rid(), demand=bad))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = error_of(svc.match("worker-portal").SubmitDemand, m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        worker_id="w-missing", occupation=occupation, level=L4)))
    assert error.code() == FP
    rows_after = svc.match().ListDemands(m.ListDemandsRequest(occupation_code=code), timeout=TIMEOUT).rows
    assert list(rows_after) == list(rows)


def test_catalogue_entries_are_published_replaced_and_listed(svc):
    code = unique_code("6-99")
    entry = m.CatalogEntry(kind=c.CATALOG_KIND_C1_KEY_INDUSTRY, occupation=c.Occupation(code=code, name="化工总控工"),
                           levels=[L4, c.SKILL_LEVEL_L3_SENIOR_WORKER], industry="C26", effective_from=cdate(TODAY))
    first = svc.match().PublishCatalogEntry(m.PublishCatalogEntryRequest(request_id=rid(), entry=entry), timeout=TIMEOUT)
    assert first.id.startswith("c-") and first.version == 1 and first.published_by == "hrss-dev"
    entry.note = "调整"
    second = svc.match().PublishCatalogEntry(m.PublishCatalogEntryRequest(request_id=rid(), entry=entry), timeout=TIMEOUT)
    assert second.id == first.id and second.version == 2 and second.note == "调整"

    def listed(kind, on=TODAY):
        return [e.id for e in svc.match("worker-portal").ListCatalog(m.ListCatalogRequest(kind=kind, on_date=cdate(on), page_size=1000),
                                                                     timeout=TIMEOUT).entries]
    assert first.id in listed(c.CATALOG_KIND_C1_KEY_INDUSTRY)
    assert first.id not in listed(c.CATALOG_KIND_C2_GENERAL)
    assert first.id not in listed(c.CATALOG_KIND_C1_KEY_INDUSTRY, TODAY - datetime.timedelta(days=1))

    # An offering of a catalogued occupation carries its catalogue.
    inst = institution(svc, [code])
    # (Not in the policy's standards table: published unsubsidised, R1.)
    offering = publish(svc, an_offering(inst.id, occupation=c.Occupation(code=code, name="化工总控工"), unsubsidised=True))
    assert offering.catalog == c.CATALOG_KIND_C1_KEY_INDUSTRY

    for bad in (dict(kind=c.CATALOG_KIND_UNSPECIFIED), dict(levels=[]), dict(levels=[7]),
                dict(effective_until=cdate(TODAY - datetime.timedelta(days=1)))):
        broken = m.CatalogEntry()
        broken.CopyFrom(entry)
        for key, value in bad.items():
            if key == "levels":
                del broken.levels[:]
                broken.levels.extend(value)
            elif key == "effective_until":
                broken.effective_until.CopyFrom(value)
            else:
                setattr(broken, key, value)
        error = error_of(svc.match().PublishCatalogEntry, m.PublishCatalogEntryRequest(request_id=rid(), entry=broken))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# --------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------

def test_wrong_roles_are_permission_denied(svc):
    offering = offering_for(svc)
    inst_id = offering.institution_id
    enrollment = select(svc, worker(svc).id, offering.id).enrollment
    calls = [
        ("institution", "PublishOffering", m.PublishOfferingRequest(request_id=rid(), offering=an_offering(inst_id))),
        ("worker-portal", "PublishOffering", m.PublishOfferingRequest(request_id=rid(), offering=an_offering(inst_id))),
        ("institution", "SelectOffering", m.SelectOfferingRequest(request_id=rid(), worker_id="w", offering_id=offering.id)),
        ("enterprise", "SelectOffering", m.SelectOfferingRequest(request_id=rid(), worker_id="w", offering_id=offering.id)),
        ("hrss", "AcceptEnrollment", m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=enrollment.id, accept=True)),
        ("worker-portal", "AcceptEnrollment", m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=enrollment.id, accept=True)),
        ("enterprise", "RecordLearning", m.RecordLearningRequest(request_id=rid(), enrollment_id=enrollment.id,
                                                                 channel=c.LEARNING_CHANNEL_PC, minutes=5)),
        ("worker-portal", "CompleteTraining", m.CompleteTrainingRequest(request_id=rid(), enrollment_id=enrollment.id,
                                                                        completion_date=cdate(TODAY), attendance_percent=90)),
        ("institution", "RequestPayment", m.RequestPaymentRequest(request_id=rid(), enrollment_id=enrollment.id,
                                                                  certificate_number="DZ-1")),
        ("enterprise", "PublishCatalogEntry", m.PublishCatalogEntryRequest(request_id=rid(), entry=m.CatalogEntry())),
        ("institution", "SubmitDemand", m.SubmitDemandRequest(request_id=rid(), demand=m.Demand())),
        ("civil-affairs", "GetEnrollment", m.GetEnrollmentRequest(enrollment_id=enrollment.id)),
    ]
    for role in ("hrss", "finance", "institution", "worker-portal"):
        calls.append((role, "RecordPayment", m.RecordPaymentRequest(request_id=rid(), enrollment_id=enrollment.id)))
    for role, method, request in calls:
        error = error_of(getattr(svc.match(role), method), request)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, (role, method, error)
    assert svc.match().GetEnrollment(m.GetEnrollmentRequest(enrollment_id=enrollment.id), timeout=TIMEOUT) == enrollment
    assert svc.match().GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 1
    assert len(list(svc.match().ListOfferings(m.ListOfferingsRequest(institution_id=inst_id), timeout=TIMEOUT))) == 1


# --------------------------------------------------------------------------------------------
# Two replicas on one PostgreSQL
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def postgres_url():
    url = os.environ.get(services.POSTGRES_ENV)
    if not url:
        pytest.skip(f"{services.POSTGRES_ENV} is not set (e.g. postgres://skills:skills@127.0.0.1:5432/skills_test)")
    databases = services.PostgresDatabases(url)
    yield databases.create("match")
    databases.drop_all()


def test_two_replicas_on_postgres_never_oversell(svc, certs, tmp_path_factory, postgres_url):
    if svc.backend != "sqlite":
        pytest.skip("the replicas have a database of their own: once, beside the SQLite services, is enough")
    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    payment = svc.processes.get("payment")
    extra = ["--registration-addr", svc.processes["registration"].target,
             "--payment-addr", payment.target if payment else f"127.0.0.1:{services.free_port()}", "--accept-business-date"]
    replicas = [_start(ServiceProcess("matching", _required("matching"), certs, tmp_path_factory.mktemp(f"match-pg{i}"), ready,
                                      database=postgres_url, extra=extra)) for i in range(2)]
    try:
        inst = institution(svc, [ELECTRICIAN.code])
        offering = publish(svc, an_offering(inst.id, capacity=50), target=replicas[0].target)
        workers = [worker(svc).id for _ in range(200)]

        async def run():
            credentials = channel_credentials(certs, "worker-portal")
            options = [("grpc.ssl_target_name_override", SERVER_NAME)]
            async with grpc.aio.secure_channel(replicas[0].target, credentials, options=options) as one, \
                    grpc.aio.secure_channel(replicas[1].target, credentials, options=options) as two:
                stubs_ = [mg.MatchingServiceStub(one), mg.MatchingServiceStub(two)]

                async def attempt(i, worker_id):
                    try:
                        await stubs_[i % 2].SelectOffering(m.SelectOfferingRequest(
                            request_id=rid(), worker_id=worker_id, offering_id=offering.id), timeout=120,
                            metadata=(("skills-business-date", TODAY.isoformat()),))
                        return "ok"
                    except grpc.aio.AioRpcError as error:
                        return (error.code(), error.details())

                return await asyncio.gather(*(attempt(i, w) for i, w in enumerate(workers)))

        results = asyncio.run(run())
        assert results.count("ok") == 50, [r for r in results if r != "ok"][:5]
        refused = [r for r in results if r != "ok"]
        odd = [(code, details) for code, details in refused if not (code == FP and "offering is full" in details)]
        assert not odd, odd[:5]
        for replica in replicas:
            stub = svc.match("hrss", replica.target)
            assert stub.GetOffering(m.GetOfferingRequest(offering_id=offering.id), timeout=TIMEOUT).enrolled == 50
            listed = stub.ListEnrollments(m.ListEnrollmentsRequest(offering_id=offering.id, page_size=1000), timeout=TIMEOUT)
            assert len(listed.enrollments) == 50 and len({e.worker_id for e in listed.enrollments}) == 50

        # The other queries on PostgreSQL: demands (C3 aggregates) and catalogue entries.
        code = unique_code()
        portal = svc.match("worker-portal", replicas[1].target)
        for worker_id in workers[:3]:
            portal.SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
                worker_id=worker_id, occupation=c.Occupation(code=code, name="育婴员"), level=L4)), timeout=TIMEOUT)
        rows = svc.match("hrss", replicas[0].target).ListDemands(m.ListDemandsRequest(occupation_code=code), timeout=TIMEOUT).rows
        assert [(row.demand_count, row.headcount, row.worker_requests) for row in rows] == [(3, 3, 3)]
        entry = svc.match("hrss", replicas[0].target).PublishCatalogEntry(m.PublishCatalogEntryRequest(
            request_id=rid(), entry=m.CatalogEntry(kind=c.CATALOG_KIND_C2_GENERAL, occupation=c.Occupation(code=code, name="育婴员"),
                                                   levels=[L4], effective_from=cdate(TODAY))), timeout=TIMEOUT)
        listed = svc.match("hrss", replicas[1].target).ListCatalog(m.ListCatalogRequest(kind=c.CATALOG_KIND_C2_GENERAL),
                                                                   timeout=TIMEOUT).entries
        assert entry.id in [e.id for e in listed]
    finally:
        for replica in replicas:
            replica.stop()
