"""The registration service (`skills-registration`) end to end: the real executable started as a
process, called over mutual TLS by Python grpcio with the dev certificates of each role.

Every test runs against SQLite (the default, a file in a fresh data dir) and against PostgreSQL (a
fresh database on the server of SKILLS_TEST_POSTGRES_URL; skipped when that is unset). Select one
with `-k sqlite` or `-k postgres`.

Issue 4, "Done when": every RegistrationService method works; invalid ID numbers / credit codes,
duplicates, unknown enum values and missing fields get the right status, a message naming the
field, and nothing is written; a retried request_id returns the first answer; `kill -9` right after
a RegisterWorker reply loses nothing.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import grpc
import pytest

from conftest import health_check, health_pb2, secure_channel, wait_until_serving
import services
from services import (rid, POSTGRES_ENV, PostgresDatabases, ServiceProcess, credit_check_character, credit_code,
                      id_check_character, id_number, service_binary, skills_v1)

stubs = skills_v1()
r = stubs.registration_pb2
c = stubs.common_pb2
rg = stubs.registration_pb2_grpc

SERVICE = "skills.v1.RegistrationService"
TIMEOUT = 10.0
BACKENDS = ["sqlite", "postgres"]
INVALID = grpc.StatusCode.INVALID_ARGUMENT


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def registration_binary() -> Path:
    path = service_binary("registration")
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"the registration service {path} is missing: build it first "
                    "(`swift build --product skills-registration`, or `make test`, which does), "
                    "or point SKILLS_REGISTRATION_BIN at it", pytrace=False)
    return path


@pytest.fixture(scope="session")
def postgres_databases():
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (`.ci/run` sets it; e.g. "
                    "postgres://skills:skills@127.0.0.1:5432/skills_test, a role with CREATEDB)")
    databases = PostgresDatabases(url)
    yield databases
    databases.drop_all()


class Registration:
    """A running skills-registration and a stub per caller role."""

    def __init__(self, process: ServiceProcess, certs: Path):
        self.process = process
        self.certs = certs
        self._channels: dict[str, grpc.Channel] = {}

    def stub(self, role: str = "hrss"):
        key = f"{self.process.target}/{role}"
        if key not in self._channels:
            self._channels[key] = secure_channel(self.process.target, self.certs, role)
        return rg.RegistrationServiceStub(self._channels[key])

    def close_channels(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    def restart_after_kill(self) -> None:
        self.close_channels()
        self.process.kill()
        self.process.start()


def _start(backend: str, request, certs: Path, binary: Path, tmp_path_factory, name: str) -> Registration:
    database = None
    if backend == "postgres":
        database = request.getfixturevalue("postgres_databases").create("reg")
    data_dir = tmp_path_factory.mktemp(f"{name}-{backend}")

    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    process = ServiceProcess("registration", binary, certs, data_dir, ready, database=database)
    try:
        process.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    return Registration(process, certs)


@pytest.fixture(scope="session", params=BACKENDS)
def reg(request, certs, registration_binary, tmp_path_factory):
    """One skills-registration per backend for the whole session (the tests use unique keys)."""
    service = _start(request.param, request, certs, registration_binary, tmp_path_factory, "registration")
    yield service
    service.close_channels()
    status = service.process.stop()
    assert status == 0, f"skills-registration did not exit cleanly on SIGTERM ({status})\n{service.process.log_tail()}"


@pytest.fixture(params=BACKENDS)
def fresh_reg(request, certs, registration_binary, tmp_path_factory):
    """A skills-registration of its own (data dir, database), for tests that kill it."""
    service = _start(request.param, request, certs, registration_binary, tmp_path_factory, "durability")
    yield service
    service.close_channels()
    service.process.stop()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def a_worker(**fields):
    values = dict(id_number=id_number(), name="张三", phone="13812345678", hukou=c.HUKOU_RURAL)
    values.update(fields)
    return r.Worker(**values)


def g8(**fields):
    return r.CategoryFact(category=c.WORKER_CATEGORY_G8_UNEMPLOYED, **fields)


def register(reg, worker=None, role="hrss", request_id=None):
    worker = worker if worker is not None else a_worker()
    return reg.stub(role).RegisterWorker(r.RegisterWorkerRequest(request_id=request_id or rid(), worker=worker),
                                         timeout=TIMEOUT)


def an_institution(**fields):
    values = dict(credit_code=credit_code(), name="德州市职业技能培训学校", kind=c.INSTITUTION_KIND_PRIVATE_TRAINING,
                  contact_phone="0534-2345678", address="德城区天衢路 1 号", district="371402",
                  system_certificate_names=["institution-dev"])
    values.update(fields)
    return r.Institution(**values)


def an_enterprise(**fields):
    values = dict(credit_code=credit_code(), name="德州示范化工有限公司", industry="C2614", key_industry=True,
                  high_risk=True, high_risk_sector="chemicals", district="371402")
    values.update(fields)
    return r.Enterprise(**values)


def error_of(call, *args, **kwargs) -> grpc.RpcError:
    return services.error_of(call, *args, timeout=TIMEOUT, **kwargs)


def all_workers(reg, **filters) -> list:
    return list(reg.stub("hrss").ListWorkers(r.ListWorkersRequest(**filters), timeout=TIMEOUT))


def worker_count(reg) -> int:
    return len(all_workers(reg))


def assert_no_worker(reg, number: str) -> None:
    error = error_of(reg.stub("hrss").GetWorker, r.GetWorkerRequest(id_number=number))
    assert error.code() == grpc.StatusCode.NOT_FOUND, error.details()


def all_institutions(reg, **filters) -> list:
    found, token = [], ""
    while True:
        page = reg.stub("hrss").ListInstitutions(r.ListInstitutionsRequest(page_size=1000, page_token=token, **filters),
                                                 timeout=TIMEOUT)
        found += page.institutions
        token = page.next_page_token
        if not token:
            return found


def unique_district() -> str:
    return f"37{random.randrange(10**4):04d}"


def unique_code(prefix: str) -> str:
    return f"{prefix}-{random.randrange(16**10):010x}"


# --------------------------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_reports_serving(reg, certs, service):
    with secure_channel(reg.process.target, certs, "hrss") as channel:
        assert health_check(channel, service).status == health_pb2.HealthCheckResponse.SERVING


# --------------------------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------------------------

def test_register_worker_hrss_attests_g8(reg):
    number = id_number(birth="19900101")
    worker = register(reg, a_worker(id_number=number, district="371402",
                                    categories=[g8(evidence_reference="DZ-UNEMP-0001")]))
    assert worker.id.startswith("w-")
    assert worker.version == 1
    assert worker.id_number == number and worker.name == "张三" and worker.phone == "13812345678"
    assert worker.hukou == c.HUKOU_RURAL and worker.district == "371402"
    assert (worker.birth_date.year, worker.birth_date.month, worker.birth_date.day) == (1990, 1, 1)
    assert worker.created_at.seconds > 0 and worker.updated_at == worker.created_at
    [fact] = worker.categories
    assert fact.category == c.WORKER_CATEGORY_G8_UNEMPLOYED
    assert fact.attested, "hrss is the department that attests G8"
    assert fact.attested_by_role == "hrss"
    assert fact.attested_by == "hrss-dev"
    assert fact.attested_at.seconds > 0
    assert fact.evidence_reference == "DZ-UNEMP-0001"

    by_id = reg.stub("hrss").GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT)
    by_number = reg.stub("hrss").GetWorker(r.GetWorkerRequest(id_number=number), timeout=TIMEOUT)
    assert by_id == worker
    assert by_number == worker


def test_register_worker_by_the_portal_is_self_declared(reg):
    number = id_number()
    worker = register(reg, a_worker(id_number=number, categories=[g8()]), role="worker-portal")
    [fact] = worker.categories
    assert fact.category == c.WORKER_CATEGORY_G8_UNEMPLOYED
    assert not fact.attested, "the worker portal cannot attest G8: it is a self-declaration"
    assert fact.attested_by_role == "" and fact.attested_by == ""
    stored = reg.stub("hrss").GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT)
    assert stored.id_number == number
    assert not stored.categories[0].attested


def test_lower_case_check_character_is_normalised(reg):
    # Find a number whose check character is X.
    while True:
        number = id_number()
        if number.endswith("X"):
            break
    worker = register(reg, a_worker(id_number=number.lower()))
    assert worker.id_number == number
    found = reg.stub("hrss").GetWorker(r.GetWorkerRequest(id_number=number.lower()), timeout=TIMEOUT)
    assert found.id == worker.id


def test_get_worker_errors(reg):
    stub = reg.stub("hrss")
    assert error_of(stub.GetWorker, r.GetWorkerRequest(worker_id="w-does-not-exist")).code() == grpc.StatusCode.NOT_FOUND
    assert error_of(stub.GetWorker, r.GetWorkerRequest(id_number=id_number())).code() == grpc.StatusCode.NOT_FOUND
    error = error_of(stub.GetWorker, r.GetWorkerRequest())
    assert error.code() == INVALID and "key" in error.details()


def test_update_worker_versions_masks_and_conflicts(reg):
    stub = reg.stub("hrss")
    worker = register(reg, a_worker(name="李四", phone="13800000001"))

    # Full replace (empty mask), with the version read.
    changed = a_worker(id=worker.id, id_number=worker.id_number, name="李四四", phone="13800000002",
                       hukou=c.HUKOU_URBAN, categories=[g8()], district="371402")
    v2 = stub.UpdateWorker(r.UpdateWorkerRequest(request_id=rid(), worker=changed, expected_version=1), timeout=TIMEOUT)
    assert v2.version == 2 and v2.id == worker.id
    assert (v2.name, v2.phone, v2.hukou, v2.district) == ("李四四", "13800000002", c.HUKOU_URBAN, "371402")
    assert v2.categories[0].attested and v2.categories[0].attested_by_role == "hrss"
    assert v2.created_at == worker.created_at
    assert (v2.updated_at.seconds, v2.updated_at.nanos) >= (worker.updated_at.seconds, worker.updated_at.nanos)

    # update_mask: only the phone changes, although the request carries another name too.
    masked = r.Worker(id=worker.id, name="王五", phone="13800000003")
    v3 = stub.UpdateWorker(r.UpdateWorkerRequest(request_id=rid(), worker=masked, update_mask=["phone"]), timeout=TIMEOUT)
    assert v3.version == 3
    assert v3.phone == "13800000003" and v3.name == "李四四" and v3.hukou == c.HUKOU_URBAN
    assert len(v3.categories) == 1

    # A stale expected_version is FAILED_PRECONDITION, and nothing changes.
    stale = r.Worker(id=worker.id, phone="13800000004")
    error = error_of(stub.UpdateWorker, r.UpdateWorkerRequest(request_id=rid(), worker=stale, expected_version=2,
                                                              update_mask=["phone"]))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "expected_version" in error.details()
    now = stub.GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT)
    assert now == v3

    # An unknown worker is NOT_FOUND; the ID number cannot be changed.
    error = error_of(stub.UpdateWorker, r.UpdateWorkerRequest(request_id=rid(), worker=r.Worker(id="w-nobody", phone="13800000005"),
                                                              update_mask=["phone"]))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = error_of(stub.UpdateWorker, r.UpdateWorkerRequest(request_id=rid(), worker=r.Worker(id=worker.id, id_number=id_number()),
                                                              update_mask=["id_number"]))
    assert error.code() == INVALID and "update_mask[0]" in error.details()
    assert stub.GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT) == v3


def test_update_worker_retry_returns_the_first_answer(reg):
    stub = reg.stub("hrss")
    worker = register(reg)
    request = r.UpdateWorkerRequest(request_id=rid(), worker=r.Worker(id=worker.id, phone="13900000001"), update_mask=["phone"])
    first = stub.UpdateWorker(request, timeout=TIMEOUT)
    again = stub.UpdateWorker(request, timeout=TIMEOUT)
    assert first == again and again.version == 2
    assert stub.GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT).version == 2


def test_list_workers_filters_limits_and_pages(reg):
    district = unique_district()
    g16 = [register(reg, a_worker(district=district, categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G16_DOMESTIC_SERVICE)]))
           for _ in range(4)]
    g13 = [register(reg, a_worker(district=district, categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G13_RURAL_TALENT)]))
           for _ in range(2)]

    everyone = all_workers(reg, district=district)
    assert sorted(w.id for w in everyone) == sorted(w.id for w in g16 + g13)
    assert [w.id for w in everyone] == sorted(w.id for w in everyone), "ordered by id"

    domestic = all_workers(reg, district=district, category=c.WORKER_CATEGORY_G16_DOMESTIC_SERVICE)
    assert sorted(w.id for w in domestic) == sorted(w.id for w in g16)
    assert all(w.categories[0].category == c.WORKER_CATEGORY_G16_DOMESTIC_SERVICE for w in domestic)

    first = all_workers(reg, district=district, category=c.WORKER_CATEGORY_G16_DOMESTIC_SERVICE, limit=3)
    assert [w.id for w in first] == [w.id for w in domestic[:3]]
    rest = all_workers(reg, district=district, category=c.WORKER_CATEGORY_G16_DOMESTIC_SERVICE, after_id=first[-1].id)
    assert [w.id for w in rest] == [w.id for w in domestic[3:]]
    assert all_workers(reg, district=district, after_id=everyone[-1].id) == []

    # Full records for hrss.
    assert {w.id_number for w in domestic} == {w.id_number for w in g16}

    error = error_of(lambda req, timeout: list(reg.stub("hrss").ListWorkers(req, timeout=timeout)),
                     r.ListWorkersRequest(category=99))
    assert error.code() == INVALID and "category" in error.details()


# --------------------------------------------------------------------------------------------
# Enterprises
# --------------------------------------------------------------------------------------------

def test_register_and_get_enterprise(reg):
    stub = reg.stub("hrss")
    enterprise = an_enterprise()
    created = stub.RegisterEnterprise(r.RegisterEnterpriseRequest(request_id=rid(), enterprise=enterprise), timeout=TIMEOUT)
    assert created.credit_code == enterprise.credit_code and created.version == 1
    assert created.key_industry and created.high_risk and created.high_risk_sector == "chemicals"
    got = reg.stub("enterprise").GetEnterprise(r.GetEnterpriseRequest(credit_code=enterprise.credit_code.lower()), timeout=TIMEOUT)
    assert got == created

    error = error_of(stub.RegisterEnterprise, r.RegisterEnterpriseRequest(request_id=rid(), enterprise=an_enterprise(credit_code=enterprise.credit_code)))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS and enterprise.credit_code in error.details()
    error = error_of(stub.GetEnterprise, r.GetEnterpriseRequest(credit_code=credit_code()))
    assert error.code() == grpc.StatusCode.NOT_FOUND


# --------------------------------------------------------------------------------------------
# Institutions and their filing (C4, R10)
# --------------------------------------------------------------------------------------------

def test_institution_filing_review_and_catalogue(reg):
    hrss = reg.stub("hrss")
    occupation = unique_code("4-10-01")
    institution = an_institution(licence_scope_occupations=["ignored"])
    filed = reg.stub("institution").RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=institution),
                                                        timeout=TIMEOUT)
    assert filed.id.startswith("i-")
    assert filed.filing_status == c.FILING_STATUS_PENDING
    assert filed.reviewed_by == "" and filed.version == 1
    assert filed.id not in {i.id for i in all_institutions(reg, filing_status=c.FILING_STATUS_ACCEPTED)}

    reviewed = hrss.ReviewInstitutionFiling(
        r.ReviewInstitutionFilingRequest(request_id=rid(), institution_id=filed.id, accept=True,
                                         licence_scope_occupations=[occupation, "4-10-01-01"], note="材料齐全"),
        timeout=TIMEOUT)
    assert reviewed.filing_status == c.FILING_STATUS_ACCEPTED
    assert list(reviewed.licence_scope_occupations) == [occupation, "4-10-01-01"]
    assert reviewed.reviewed_by == "hrss-dev" and reviewed.review_note == "材料齐全"
    assert reviewed.reviewed_at.seconds > 0 and reviewed.version == 2

    got = reg.stub("worker-portal").GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT)
    assert got == reviewed

    accepted = all_institutions(reg, filing_status=c.FILING_STATUS_ACCEPTED)
    assert filed.id in {i.id for i in accepted}
    assert all(i.filing_status == c.FILING_STATUS_ACCEPTED for i in accepted)
    by_occupation = all_institutions(reg, filing_status=c.FILING_STATUS_ACCEPTED, occupation_code=occupation)
    assert [i.id for i in by_occupation] == [filed.id]

    # A filing is reviewed once.
    error = error_of(hrss.ReviewInstitutionFiling,
                     r.ReviewInstitutionFilingRequest(request_id=rid(), institution_id=filed.id, accept=False, note="再审"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and filed.id in error.details()
    assert hrss.GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT) == reviewed

    error = error_of(hrss.GetInstitution, r.GetInstitutionRequest(institution_id="i-nothing"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_institution_rejection_and_paging(reg):
    hrss = reg.stub("hrss")
    occupation = unique_code("6-18-01")
    ids = []
    for _ in range(5):
        filed = hrss.RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(
            kind=c.INSTITUTION_KIND_TECHNICIAN_COLLEGE)), timeout=TIMEOUT)
        hrss.ReviewInstitutionFiling(r.ReviewInstitutionFilingRequest(request_id=rid(), institution_id=filed.id, accept=True,
                                                                      licence_scope_occupations=[occupation]), timeout=TIMEOUT)
        ids.append(filed.id)
    rejected = hrss.RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution()), timeout=TIMEOUT)
    rejected = hrss.ReviewInstitutionFiling(r.ReviewInstitutionFilingRequest(request_id=rid(), institution_id=rejected.id,
                                                                             accept=False, note="无办学许可"), timeout=TIMEOUT)
    assert rejected.filing_status == c.FILING_STATUS_REJECTED and list(rejected.licence_scope_occupations) == []

    pages, token = [], ""
    while True:
        page = hrss.ListInstitutions(r.ListInstitutionsRequest(occupation_code=occupation, page_size=2, page_token=token),
                                     timeout=TIMEOUT)
        pages.append([i.id for i in page.institutions])
        token = page.next_page_token
        if not token:
            break
        assert len(pages) < 10, "paging does not end"
    seen = [i for page in pages for i in page]
    assert sorted(seen) == sorted(ids), "every accepted institution exactly once"
    assert all(len(page) <= 2 for page in pages) and len(pages) >= 3

    kind = all_institutions(reg, kind=c.INSTITUTION_KIND_TECHNICIAN_COLLEGE, occupation_code=occupation)
    assert sorted(i.id for i in kind) == sorted(ids)
    assert rejected.id in {i.id for i in all_institutions(reg, filing_status=c.FILING_STATUS_REJECTED)}

    error = error_of(hrss.ListInstitutions, r.ListInstitutionsRequest(filing_status=99))
    assert error.code() == INVALID and "filing_status" in error.details()


def test_institution_system_names_round_trip_and_are_changed_by_hrss_only(reg):
    """Institution.system_certificate_names: set at registration, kept through the review, replaced
    by hrss with SetInstitutionSystems (versioned); institutions themselves may not change them."""
    hrss = reg.stub("hrss")
    filed = reg.stub("institution").RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(
        system_certificate_names=["institution-dev", "德州培训学校-备用系统"])), timeout=TIMEOUT)
    assert list(filed.system_certificate_names) == ["institution-dev", "德州培训学校-备用系统"]
    reviewed = hrss.ReviewInstitutionFiling(r.ReviewInstitutionFilingRequest(
        request_id=rid(), institution_id=filed.id, accept=True, licence_scope_occupations=["4-10-01-01"]), timeout=TIMEOUT)
    assert list(reviewed.system_certificate_names) == list(filed.system_certificate_names)
    got = reg.stub("worker-portal").GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT)
    assert got == reviewed

    request = r.SetInstitutionSystemsRequest(request_id=rid(), institution_id=filed.id,
                                             system_certificate_names=["institution-b-dev"], expected_version=reviewed.version)
    changed = hrss.SetInstitutionSystems(request, timeout=TIMEOUT)
    assert list(changed.system_certificate_names) == ["institution-b-dev"] and changed.version == reviewed.version + 1
    assert changed.filing_status == c.FILING_STATUS_ACCEPTED and list(changed.licence_scope_occupations) == ["4-10-01-01"]
    assert hrss.SetInstitutionSystems(request, timeout=TIMEOUT) == changed  # a retry answers the first result
    assert hrss.GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT) == changed

    stale = error_of(hrss.SetInstitutionSystems, r.SetInstitutionSystemsRequest(
        request_id=rid(), institution_id=filed.id, system_certificate_names=[], expected_version=reviewed.version))
    assert stale.code() == grpc.StatusCode.FAILED_PRECONDITION and filed.id in stale.details()
    for role in ("institution", "institution-b", "education"):
        denied = error_of(reg.stub(role).SetInstitutionSystems, r.SetInstitutionSystemsRequest(
            request_id=rid(), institution_id=filed.id, system_certificate_names=["intruder"]))
        assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    missing = error_of(hrss.SetInstitutionSystems, r.SetInstitutionSystemsRequest(
        request_id=rid(), institution_id="i-nothing", system_certificate_names=["a"]))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    assert hrss.GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT) == changed

    cleared = hrss.SetInstitutionSystems(r.SetInstitutionSystemsRequest(
        request_id=rid(), institution_id=filed.id, system_certificate_names=[]), timeout=TIMEOUT)
    assert list(cleared.system_certificate_names) == [] and cleared.version == changed.version + 1


def test_duplicate_institution_names_the_existing_one(reg):
    hrss = reg.stub("hrss")
    institution = an_institution()
    filed = hrss.RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=institution), timeout=TIMEOUT)
    error = error_of(hrss.RegisterInstitution, r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(
        credit_code=institution.credit_code)))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS and filed.id in error.details()


# --------------------------------------------------------------------------------------------
# Teachers
# --------------------------------------------------------------------------------------------

def test_register_and_list_teachers(reg):
    speciality = unique_code("4-10-01")
    stub = reg.stub("institution")
    made, numbers = [], []
    for pool in (r.TEACHER_POOL_VOCATIONAL, r.TEACHER_POOL_VOCATIONAL, r.TEACHER_POOL_ENTREPRENEURSHIP):
        numbers.append(id_number())
        teacher = r.Teacher(id_number=numbers[-1], name="赵老师", pool=pool, specialities=[speciality, "育婴"],
                            phone="13700000001", title="高级讲师")
        made.append(stub.RegisterTeacher(r.RegisterTeacherRequest(request_id=rid(), teacher=teacher), timeout=TIMEOUT))
    assert all(t.id.startswith("t-") and t.created_at.seconds > 0 for t in made)
    assert [t.id_number for t in made] == [n[:4] + "*" * 10 + n[-4:] for n in numbers], "masked for the institution"

    hrss = reg.stub("hrss")
    vocational = hrss.ListTeachers(r.ListTeachersRequest(pool=r.TEACHER_POOL_VOCATIONAL, speciality=speciality), timeout=TIMEOUT)
    assert sorted(t.id for t in vocational.teachers) == sorted(t.id for t in made[:2])
    assert vocational.next_page_token == ""
    both = hrss.ListTeachers(r.ListTeachersRequest(speciality=speciality), timeout=TIMEOUT)
    assert sorted(t.id for t in both.teachers) == sorted(t.id for t in made)

    first = hrss.ListTeachers(r.ListTeachersRequest(speciality=speciality, page_size=2), timeout=TIMEOUT)
    assert len(first.teachers) == 2 and first.next_page_token
    second = hrss.ListTeachers(r.ListTeachersRequest(speciality=speciality, page_size=2, page_token=first.next_page_token),
                               timeout=TIMEOUT)
    assert sorted(t.id for t in list(first.teachers) + list(second.teachers)) == sorted(t.id for t in made)

    # The same person twice is ALREADY_EXISTS.
    again = r.Teacher(id_number=numbers[0], name="赵老师", pool=r.TEACHER_POOL_VOCATIONAL, specialities=[speciality])
    error = error_of(stub.RegisterTeacher, r.RegisterTeacherRequest(request_id=rid(), teacher=again))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS


# --------------------------------------------------------------------------------------------
# Bad input: the right status, a message naming the field, nothing written
# --------------------------------------------------------------------------------------------

def _bad_id_numbers():
    good = id_number(birth="19900101")
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    impossible = "371402" + "19900230" + "123"
    impossible += id_check_character(impossible)
    letters = "3714021990A101123"
    return [
        pytest.param(wrong_check, id="wrong-check-character"),
        pytest.param(impossible, id="impossible-date-19900230"),
        pytest.param(good[:-1], id="17-characters"),
        pytest.param(good + "1", id="19-characters"),
        pytest.param(letters + "5", id="letters"),
        pytest.param("", id="empty"),
    ]


@pytest.mark.parametrize("number", _bad_id_numbers())
def test_invalid_id_number_is_refused_and_nothing_written(reg, number):
    before = worker_count(reg)
    request_id = rid()
    error = error_of(reg.stub("hrss").RegisterWorker, r.RegisterWorkerRequest(request_id=request_id, worker=a_worker(id_number=number)))
    assert error.code() == INVALID
    assert "worker.id_number" in error.details()
    if number:
        assert_no_worker(reg, number)
    assert worker_count(reg) == before
    # The refused request left no idempotency record: its request_id is still free.
    ok = register(reg, request_id=request_id)
    assert ok.version == 1


def _bad_credit_codes():
    good = credit_code()
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    params = [pytest.param(wrong_check, id="wrong-check-character")]
    for letter in "IOZSV":
        first17 = good[:10] + letter + good[11:17]
        params.append(pytest.param(first17 + "0", id=f"letter-{letter}"))
    params += [pytest.param(good[:-1], id="17-characters"), pytest.param(good + "0", id="19-characters"),
               pytest.param("", id="empty")]
    return params


@pytest.mark.parametrize("code", _bad_credit_codes())
def test_invalid_credit_code_is_refused_and_nothing_written(reg, code):
    hrss = reg.stub("hrss")
    error = error_of(hrss.RegisterEnterprise, r.RegisterEnterpriseRequest(request_id=rid(), enterprise=an_enterprise(credit_code=code)))
    assert error.code() == INVALID and "enterprise.credit_code" in error.details()
    if code:
        assert error_of(hrss.GetEnterprise, r.GetEnterpriseRequest(credit_code=code)).code() == grpc.StatusCode.NOT_FOUND

    before = len(all_institutions(reg))
    error = error_of(hrss.RegisterInstitution, r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(credit_code=code)))
    assert error.code() == INVALID and "institution.credit_code" in error.details()
    assert len(all_institutions(reg)) == before


def test_identifier_generators_match_the_published_examples():
    # Self-checks of the test's own generators: the examples printed in GB 32100-2015 and GB 11643-1999.
    assert credit_check_character("91350100M000100Y4") == "3"
    assert id_check_character("11010519491231002") == "X"


WORKER_CASES = [
    # (id, request builder, the field the message must name)
    ("unknown-hukou", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(hukou=99)), "worker.hukou"),
    ("unspecified-hukou", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(hukou=c.HUKOU_UNSPECIFIED)), "worker.hukou"),
    ("unknown-category", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(categories=[r.CategoryFact(category=99)])),
     "worker.categories[0].category"),
    ("unspecified-category", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(categories=[r.CategoryFact()])),
     "worker.categories[0].category"),
    ("no-worker", lambda: r.RegisterWorkerRequest(request_id=rid()), "worker"),
    ("empty-name", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(name="")), "worker.name"),
    ("blank-name", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(name="   ")), "worker.name"),
    ("no-phone", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(phone="")), "worker.phone"),
    ("bad-phone", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(phone="12345")), "worker.phone"),
    ("no-request-id", lambda: r.RegisterWorkerRequest(worker=a_worker()), "request_id"),
    ("g1-without-employer", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(
        categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G1_ENTERPRISE_EMPLOYEE)])), "worker.categories[0].employer_credit_code"),
    ("g1-bad-employer", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(
        categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G1_ENTERPRISE_EMPLOYEE, employer_credit_code="91371402MA3C00000")])),
     "worker.categories[0].employer_credit_code"),
    ("repeated-category", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(categories=[g8(), g8()])),
     "worker.categories[1].category"),
    ("birth-date-differs", lambda: r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(
        id_number=id_number(birth="19900101"), birth_date=c.CalendarDate(year=1990, month=1, day=2))), "worker.birth_date"),
]


@pytest.mark.parametrize("build,field", [pytest.param(b, f, id=i) for i, b, f in WORKER_CASES])
def test_invalid_worker_request_is_refused_and_nothing_written(reg, build, field):
    request = build()
    before = worker_count(reg)
    error = error_of(reg.stub("hrss").RegisterWorker, request)
    assert error.code() == INVALID, error.details()
    assert f"{field}:" in error.details(), f"the message names {field}: {error.details()}"
    if request.HasField("worker") and request.worker.id_number:
        assert_no_worker(reg, request.worker.id_number)
    assert worker_count(reg) == before


ORGANISATION_CASES = [
    ("enterprise-no-enterprise", "RegisterEnterprise", lambda: r.RegisterEnterpriseRequest(request_id=rid()), "enterprise"),
    ("enterprise-empty-name", "RegisterEnterprise",
     lambda: r.RegisterEnterpriseRequest(request_id=rid(), enterprise=an_enterprise(name="")), "enterprise.name"),
    ("enterprise-no-request-id", "RegisterEnterprise", lambda: r.RegisterEnterpriseRequest(enterprise=an_enterprise()), "request_id"),
    ("enterprise-bad-industry", "RegisterEnterprise",
     lambda: r.RegisterEnterpriseRequest(request_id=rid(), enterprise=an_enterprise(industry="ZZ")), "enterprise.industry"),
    ("institution-unknown-kind", "RegisterInstitution",
     lambda: r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(kind=99)), "institution.kind"),
    ("institution-unspecified-kind", "RegisterInstitution",
     lambda: r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(kind=0)), "institution.kind"),
    ("institution-empty-name", "RegisterInstitution",
     lambda: r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution(name="")), "institution.name"),
    ("teacher-unknown-pool", "RegisterTeacher", lambda: r.RegisterTeacherRequest(request_id=rid(), teacher=r.Teacher(
        id_number=id_number(), name="钱老师", pool=99, specialities=["x"])), "teacher.pool"),
    ("teacher-no-specialities", "RegisterTeacher", lambda: r.RegisterTeacherRequest(request_id=rid(), teacher=r.Teacher(
        id_number=id_number(), name="钱老师", pool=r.TEACHER_POOL_VOCATIONAL)), "teacher.specialities"),
    ("teacher-bad-id-number", "RegisterTeacher", lambda: r.RegisterTeacherRequest(request_id=rid(), teacher=r.Teacher(
        id_number="371402199002301234", name="钱老师", pool=r.TEACHER_POOL_VOCATIONAL, specialities=["x"])), "teacher.id_number"),
    ("institution-blank-system-name", "RegisterInstitution", lambda: r.RegisterInstitutionRequest(
        request_id=rid(), institution=an_institution(system_certificate_names=["institution-dev", " "])),
     "institution.system_certificate_names[1]"),
    ("institution-long-system-name", "RegisterInstitution", lambda: r.RegisterInstitutionRequest(
        request_id=rid(), institution=an_institution(system_certificate_names=["x" * 65])), "institution.system_certificate_names[0]"),
    ("institution-repeated-system-name", "RegisterInstitution", lambda: r.RegisterInstitutionRequest(
        request_id=rid(), institution=an_institution(system_certificate_names=["a-dev", "a-dev"])),
     "institution.system_certificate_names[1]"),
    ("institution-too-many-system-names", "RegisterInstitution", lambda: r.RegisterInstitutionRequest(
        request_id=rid(), institution=an_institution(system_certificate_names=[f"s{i}" for i in range(17)])),
     "institution.system_certificate_names"),
    ("institution-spaced-system-name", "RegisterInstitution", lambda: r.RegisterInstitutionRequest(
        request_id=rid(), institution=an_institution(system_certificate_names=[" institution-dev"])),
     "institution.system_certificate_names[0]"),
    ("systems-empty-name", "SetInstitutionSystems", lambda: r.SetInstitutionSystemsRequest(
        request_id=rid(), institution_id="i-x", system_certificate_names=[""]), "system_certificate_names[0]"),
    ("systems-no-institution", "SetInstitutionSystems", lambda: r.SetInstitutionSystemsRequest(
        request_id=rid(), system_certificate_names=["a"]), "institution_id"),
    ("systems-no-request-id", "SetInstitutionSystems", lambda: r.SetInstitutionSystemsRequest(
        institution_id="i-x", system_certificate_names=["a"]), "request_id"),
    ("review-no-scope", "ReviewInstitutionFiling", lambda: r.ReviewInstitutionFilingRequest(
        request_id=rid(), institution_id="i-x", accept=True), "licence_scope_occupations"),
    ("review-reject-without-note", "ReviewInstitutionFiling", lambda: r.ReviewInstitutionFilingRequest(
        request_id=rid(), institution_id="i-x", accept=False), "note"),
]


def _counts(reg):
    hrss = reg.stub("hrss")
    teachers = hrss.ListTeachers(r.ListTeachersRequest(page_size=1000), timeout=TIMEOUT)
    return len(all_institutions(reg)), len(teachers.teachers)


@pytest.mark.parametrize("method,build,field", [pytest.param(m, b, f, id=i) for i, m, b, f in ORGANISATION_CASES])
def test_invalid_organisation_request_is_refused_and_nothing_written(reg, method, build, field):
    request = build()
    before = _counts(reg)
    error = error_of(getattr(reg.stub("hrss"), method), request)
    assert error.code() == INVALID, error.details()
    assert f"{field}:" in error.details(), f"the message names {field}: {error.details()}"
    assert _counts(reg) == before
    if method == "RegisterEnterprise" and request.enterprise.credit_code:
        missing = error_of(reg.stub("hrss").GetEnterprise, r.GetEnterpriseRequest(credit_code=request.enterprise.credit_code))
        assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_duplicate_worker_names_the_existing_worker(reg):
    number = id_number()
    first = register(reg, a_worker(id_number=number))
    before = worker_count(reg)
    error = error_of(reg.stub("hrss").RegisterWorker, r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(id_number=number, name="另一人")))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert first.id in error.details() and "id_number" in error.details()
    # Also through another caller, and with a lower-case x.
    error = error_of(reg.stub("worker-portal").RegisterWorker, r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(id_number=number)))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert worker_count(reg) == before
    assert reg.stub("hrss").GetWorker(r.GetWorkerRequest(id_number=number), timeout=TIMEOUT).name == "张三"


def test_retried_request_id_returns_the_first_answer(reg):
    request = r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(categories=[g8()]))
    first = reg.stub("hrss").RegisterWorker(request, timeout=TIMEOUT)
    before = worker_count(reg)
    again = reg.stub("hrss").RegisterWorker(request, timeout=TIMEOUT)
    assert again == first
    assert worker_count(reg) == before

    # The same request_id with a different body is refused, naming request_id; nothing is written.
    other = r.RegisterWorkerRequest(request_id=request.request_id, worker=a_worker())
    error = error_of(reg.stub("hrss").RegisterWorker, other)
    assert error.code() == INVALID and "request_id" in error.details()
    assert_no_worker(reg, other.worker.id_number)
    assert worker_count(reg) == before


def test_retried_enterprise_and_institution_requests(reg):
    hrss = reg.stub("hrss")
    enterprise = r.RegisterEnterpriseRequest(request_id=rid(), enterprise=an_enterprise())
    assert hrss.RegisterEnterprise(enterprise, timeout=TIMEOUT) == hrss.RegisterEnterprise(enterprise, timeout=TIMEOUT)
    institution = r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution())
    first = hrss.RegisterInstitution(institution, timeout=TIMEOUT)
    assert hrss.RegisterInstitution(institution, timeout=TIMEOUT).id == first.id
    review = r.ReviewInstitutionFilingRequest(request_id=rid(), institution_id=first.id, accept=True, licence_scope_occupations=["x"])
    assert hrss.ReviewInstitutionFiling(review, timeout=TIMEOUT) == hrss.ReviewInstitutionFiling(review, timeout=TIMEOUT)


# --------------------------------------------------------------------------------------------
# Roles and personal data
# --------------------------------------------------------------------------------------------

def test_finance_cannot_register_workers(reg):
    number = id_number()
    error = error_of(reg.stub("finance").RegisterWorker, r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(id_number=number)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert_no_worker(reg, number)


def test_institution_cannot_review_filings(reg):
    filed = reg.stub("institution").RegisterInstitution(r.RegisterInstitutionRequest(request_id=rid(), institution=an_institution()),
                                                        timeout=TIMEOUT)
    error = error_of(reg.stub("institution").ReviewInstitutionFiling, r.ReviewInstitutionFilingRequest(
        request_id=rid(), institution_id=filed.id, accept=True, licence_scope_occupations=["4-10-01-01"]))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    still = reg.stub("hrss").GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT)
    assert still.filing_status == c.FILING_STATUS_PENDING and still.version == 1


def test_worker_portal_cannot_list_workers(reg):
    error = error_of(lambda req, timeout: list(reg.stub("worker-portal").ListWorkers(req, timeout=timeout)), r.ListWorkersRequest())
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("role", ["worker-portal", "institution"])
def test_personal_data_is_masked_for_roles_without_need(reg, role):
    number = id_number(birth="19900101")
    worker = register(reg, a_worker(id_number=number, phone="13812345678"))
    seen = reg.stub(role).GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT)
    assert seen.id_number == number[:4] + "*" * 10 + number[-4:]
    assert seen.phone == "138****5678"
    assert seen.name == worker.name and seen.id == worker.id

    full = reg.stub("hrss").GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT)
    assert full.id_number == number and full.phone == "13812345678"


def test_registration_reply_to_the_portal_is_masked(reg):
    number = id_number()
    worker = register(reg, a_worker(id_number=number), role="worker-portal")
    assert worker.id_number == number[:4] + "*" * 10 + number[-4:]
    assert reg.stub("hrss").GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT).id_number == number


def test_teacher_lists_are_masked_for_the_portal(reg):
    speciality = unique_code("teach")
    number = id_number()
    reg.stub("hrss").RegisterTeacher(r.RegisterTeacherRequest(request_id=rid(), teacher=r.Teacher(
        id_number=number, name="孙老师", pool=r.TEACHER_POOL_ENTREPRENEURSHIP, specialities=[speciality], phone="13712345678")),
        timeout=TIMEOUT)
    [seen] = reg.stub("worker-portal").ListTeachers(r.ListTeachersRequest(speciality=speciality), timeout=TIMEOUT).teachers
    assert seen.id_number == number[:4] + "*" * 10 + number[-4:] and seen.phone == "137****5678"
    [full] = reg.stub("hrss").ListTeachers(r.ListTeachersRequest(speciality=speciality), timeout=TIMEOUT).teachers
    assert full.id_number == number and full.phone == "13712345678"


# --------------------------------------------------------------------------------------------
# Durability
# --------------------------------------------------------------------------------------------

def test_worker_survives_kill_9_right_after_the_reply(fresh_reg):
    request = r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(categories=[g8()]))
    worker = fresh_reg.stub("hrss").RegisterWorker(request, timeout=TIMEOUT)
    fresh_reg.restart_after_kill()  # SIGKILL at once, then start on the same data dir / database

    found = fresh_reg.stub("hrss").GetWorker(r.GetWorkerRequest(worker_id=worker.id), timeout=TIMEOUT)
    assert found == worker
    # The idempotency record survived too: the retry gets the first answer, not ALREADY_EXISTS.
    assert fresh_reg.stub("hrss").RegisterWorker(request, timeout=TIMEOUT) == worker
    assert fresh_reg.process.starts == 2
