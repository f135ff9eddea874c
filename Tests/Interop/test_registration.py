"""The registration service (`skills-registration`) end to end: the real executable started as a
process, called over mutual TLS by Python grpcio with the dev certificates of each role.

Every test runs against SQLite (the default, a file in a fresh data dir) and against PostgreSQL (a
fresh database on the server of SKILLS_TEST_POSTGRES_URL; skipped when that is unset). Select one
with `-k sqlite` or `-k postgres`.

What is here is what only the wire shows: health over mTLS, the caller's identity and role taken
from its client certificate, a server stream and an unknown enum value as grpcio encodes them, the
status codes and messages grpcio reports, `kill -9` right after a RegisterWorker reply losing
nothing, and duplicate registrations racing through real PostgreSQL transactions. The registration rules themselves (issue 4: every method, invalid ID numbers and credit
codes, duplicates, missing fields, retries, masking; the right status, a message naming the field,
nothing written) are checked on the handlers in process: Tests/RegistrationTests (WorkerRulesTests,
OrganisationRulesTests, OrganisationInputTests, RegistrationHandlerTests).
"""

from __future__ import annotations

import concurrent.futures
import os
import random
import threading
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


def error_of(call, *args, **kwargs) -> grpc.RpcError:
    return services.error_of(call, *args, timeout=TIMEOUT, **kwargs)


def all_workers(reg, **filters) -> list:
    return list(reg.stub("hrss").ListWorkers(r.ListWorkersRequest(**filters), timeout=TIMEOUT))


def assert_no_worker(reg, number: str) -> None:
    error = error_of(reg.stub("hrss").GetWorker, r.GetWorkerRequest(id_number=number))
    assert error.code() == grpc.StatusCode.NOT_FOUND, error.details()


def unique_district() -> str:
    return f"37{random.randrange(10**4):04d}"


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


def test_get_worker_errors(reg):
    stub = reg.stub("hrss")
    assert error_of(stub.GetWorker, r.GetWorkerRequest(worker_id="w-does-not-exist")).code() == grpc.StatusCode.NOT_FOUND
    assert error_of(stub.GetWorker, r.GetWorkerRequest(id_number=id_number())).code() == grpc.StatusCode.NOT_FOUND
    error = error_of(stub.GetWorker, r.GetWorkerRequest())
    assert error.code() == INVALID and "key" in error.details()


def test_list_workers_streams_to_grpcio_and_refuses_an_unknown_enum(reg):
    """A server stream read by grpcio; 99, a category value the contract does not have, encoded by
    Python, is refused with the field named in the status grpcio reports (the filters and paging
    themselves: WorkerRulesTests)."""
    district = unique_district()
    made = [register(reg, a_worker(district=district, categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G16_DOMESTIC_SERVICE)]))
            for _ in range(3)]
    streamed = all_workers(reg, district=district)
    assert [w.id for w in streamed] == sorted(w.id for w in made)
    assert [w.id_number for w in streamed] == [w.id_number for w in sorted(made, key=lambda w: w.id)]

    error = error_of(lambda req, timeout: list(reg.stub("hrss").ListWorkers(req, timeout=timeout)),
                     r.ListWorkersRequest(category=99))
    assert error.code() == INVALID and "category" in error.details()


# --------------------------------------------------------------------------------------------
# The test's own identifier generators (services.id_number, credit_code)
# --------------------------------------------------------------------------------------------

def test_identifier_generators_match_the_published_examples():
    # Self-checks of the test's own generators: the examples printed in GB 32100-2015 and GB 11643-1999.
    assert credit_check_character("91350100M000100Y4") == "3"
    assert id_check_character("11010519491231002") == "X"


# --------------------------------------------------------------------------------------------
# The caller's role, from its client certificate
# --------------------------------------------------------------------------------------------

def test_finance_cannot_register_workers(reg):
    number = id_number()
    error = error_of(reg.stub("finance").RegisterWorker, r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(id_number=number)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert_no_worker(reg, number)


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


# --------------------------------------------------------------------------------------------
# Duplicates racing (on PostgreSQL the transactions really overlap; SQLite runs them one by one)
# --------------------------------------------------------------------------------------------

def _race(calls: list) -> list:
    """Runs the calls at once (released together by a barrier); each result is a response or the
    grpc.RpcError it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=TIMEOUT)
        try:
            return call()
        except grpc.RpcError as error:
            return error

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _one_winner(results: list) -> tuple:
    won = [result for result in results if not isinstance(result, grpc.RpcError)]
    lost = [result for result in results if isinstance(result, grpc.RpcError)]
    assert len(won) == 1, [result.details() if isinstance(result, grpc.RpcError) else result for result in results]
    assert [error.code() for error in lost] == [grpc.StatusCode.ALREADY_EXISTS] * len(lost), \
        [(error.code(), error.details()) for error in lost]
    return won[0], lost


RACERS = 6


def test_racing_registrations_of_one_person_or_organisation_make_one_and_name_it(reg):
    """Different requests (request_ids) registering the same ID number or credit code at the same
    moment: one is registered, every other caller is told ALREADY_EXISTS naming the one that was
    (not ABORTED, not a second row)."""
    stub = reg.stub("hrss")
    number = id_number()
    workers = [lambda: stub.RegisterWorker(r.RegisterWorkerRequest(request_id=rid(), worker=a_worker(id_number=number)),
                                           timeout=TIMEOUT) for _ in range(RACERS)]
    worker, lost = _one_winner(_race(workers))
    assert all(f"registered as {worker.id}" in error.details() for error in lost), [e.details() for e in lost]
    assert stub.GetWorker(r.GetWorkerRequest(id_number=number), timeout=TIMEOUT) == worker

    code = credit_code()
    institution = r.Institution(credit_code=code, name="德州市电工培训学校", kind=c.INSTITUTION_KIND_PRIVATE_TRAINING,
                                contact_phone="0534-2345678", address="德城区天衢路 1 号", district="371402")
    institutions = [lambda: stub.RegisterInstitution(
        r.RegisterInstitutionRequest(request_id=rid(), institution=institution), timeout=TIMEOUT) for _ in range(RACERS)]
    filed, lost = _one_winner(_race(institutions))
    assert all(f"registered as {filed.id}" in error.details() for error in lost), [e.details() for e in lost]
    assert stub.GetInstitution(r.GetInstitutionRequest(institution_id=filed.id), timeout=TIMEOUT) == filed

    code = credit_code()
    enterprise = r.Enterprise(credit_code=code, name="德州石化有限公司", industry="C2511", district="371402")
    enterprises = [lambda: reg.stub("enterprise").RegisterEnterprise(
        r.RegisterEnterpriseRequest(request_id=rid(), enterprise=enterprise), timeout=TIMEOUT) for _ in range(RACERS)]
    registered, lost = _one_winner(_race(enterprises))
    assert all(code in error.details() for error in lost), [e.details() for e in lost]
    assert stub.GetEnterprise(r.GetEnterpriseRequest(credit_code=code), timeout=TIMEOUT) == registered

    teacher = r.Teacher(id_number=id_number(), name="钱老师", pool=r.TEACHER_POOL_VOCATIONAL, specialities=["6-31-01-03"])
    teachers = [lambda: stub.RegisterTeacher(r.RegisterTeacherRequest(request_id=rid(), teacher=teacher),
                                             timeout=TIMEOUT) for _ in range(RACERS)]
    made, _ = _one_winner(_race(teachers))
    listed = stub.ListTeachers(r.ListTeachersRequest(speciality="6-31-01-03", page_size=1000), timeout=TIMEOUT)
    assert [t.id for t in listed.teachers if t.name == "钱老师" and t.id == made.id] == [made.id]
