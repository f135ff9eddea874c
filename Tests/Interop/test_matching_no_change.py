"""Every matching method's bad inputs and wrong roles change nothing (issue 9).

Table-driven, against the real executables over mutual TLS (SQLite): for each method, malformed or
invalid input (missing ids, unknown enum values, invalid dates, negative numbers, oversize strings,
unknown ids, illegal transitions) and callers of the wrong role. Each case asserts the status code
and, for INVALID_ARGUMENT, that the message starts with the field it names; then that a snapshot of
everything readable (offerings, enrolments, demands with trends, catalogues, a student's progress
and the university's list and export) is byte-for-byte what it was before.
"""

from __future__ import annotations

import datetime
import random
from types import SimpleNamespace

import grpc
import pytest

import test_matching as tm
from services import rid
from test_matching import ELECTRICIAN, L4, TIMEOUT, cdate, c, m, r

svc = tm.svc
TODAY = tm.TODAY  # the business day every call of tm.svc carries
BIG = "字" * 5000
BAD_DATE = c.CalendarDate(year=2021, month=2, day=30)
FUTURE = cdate(TODAY + datetime.timedelta(days=5))
IA, NF, FP, PD = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION,
                  grpc.StatusCode.PERMISSION_DENIED)


@pytest.fixture(scope="module")
def world(svc):
    inst = tm.institution(svc, [ELECTRICIAN.code])
    offering = tm.publish(svc, tm.an_offering(inst.id, capacity=5))
    trainee = tm.worker(svc)
    enrollment = tm.select(svc, trainee.id, offering.id).enrollment
    school = f"德州职业技术学院-{random.randrange(16**8):08x}"
    student = tm.worker(svc, categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G3_STUDENT, school=school)])
    activity = svc.match("hrss").RecordStudentActivity(m.RecordStudentActivityRequest(request_id=rid(), activity=m.StudentActivity(
        worker_id=student.id, kind=m.STUDENT_ACTIVITY_KIND_ENTREPRENEURSHIP_TRAINING, stage=m.ENTREPRENEURSHIP_STAGE_AWARENESS,
        title="GYB", start_date=cdate(TODAY - datetime.timedelta(days=3)))), timeout=TIMEOUT)
    code = tm.unique_code()
    svc.match("worker-portal").SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        worker_id=trainee.id, occupation=c.Occupation(code=code, name="育婴员"), level=L4)), timeout=TIMEOUT)
    return SimpleNamespace(inst=inst.id, offering=offering.id, worker=trainee.id, enrollment=enrollment.id, school=school,
                           student=student.id, activity=activity.id, code=code)


def snapshot(svc, w) -> list[bytes]:
    hr = svc.match("hrss")
    t = TIMEOUT
    parts = [
        hr.GetOffering(m.GetOfferingRequest(offering_id=w.offering), timeout=t),
        hr.ListEnrollments(m.ListEnrollmentsRequest(page_size=1000), timeout=t),
        hr.GetEnrollment(m.GetEnrollmentRequest(enrollment_id=w.enrollment), timeout=t),
        hr.ListDemands(m.ListDemandsRequest(page_size=1000), timeout=t),
        hr.ListCatalog(m.ListCatalogRequest(page_size=1000), timeout=t),
        hr.GetStudentProgress(m.GetStudentProgressRequest(worker_id=w.student), timeout=t),
        hr.ListStudentProgress(m.ListStudentProgressRequest(school=w.school), timeout=t),
    ]
    parts += list(hr.ListOfferings(m.ListOfferingsRequest(), timeout=t))
    parts += list(hr.ExportStudentCredits(m.ExportStudentCreditsRequest(school=w.school, include_incomplete=True), timeout=t))
    return [p.SerializeToString() for p in parts]


def offering(w, **fields):
    return m.PublishOfferingRequest(request_id=rid(), offering=tm.an_offering(w.inst, **fields))


def demand(**fields):
    values = dict(occupation=c.Occupation(code="4-10-01-01", name="保育师"), level=L4)
    values.update(fields)
    return m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(**values))


def activity(w, **fields):
    values = dict(worker_id=w.student, kind=m.STUDENT_ACTIVITY_KIND_EMPLOYMENT_PRACTICE, title="实训", start_date=cdate(TODAY))
    values.update(fields)
    return m.RecordStudentActivityRequest(request_id=rid(), activity=m.StudentActivity(**values))


def complete_activity(w, **fields):
    values = dict(request_id=rid(), activity_id=w.activity, end_date=cdate(TODAY))
    values.update(fields)
    return m.CompleteStudentActivityRequest(**values)


def learning(w, **fields):
    values = dict(request_id=rid(), enrollment_id=w.enrollment, channel=c.LEARNING_CHANNEL_PC, minutes=30, day=cdate(TODAY))
    values.update(fields)
    return m.RecordLearningRequest(**values)


def completion(w, **fields):
    values = dict(request_id=rid(), enrollment_id=w.enrollment, completion_date=cdate(TODAY), attendance_percent=90)
    values.update(fields)
    return m.CompleteTrainingRequest(**values)


# (case id, role, method, request from the world, expected code, the field an INVALID_ARGUMENT names)
CASES = [
    # O1 SubmitDemand
    ("demand-missing", "hrss", "SubmitDemand", lambda w: m.SubmitDemandRequest(request_id=rid()), IA, "demand"),
    ("demand-no-request-id", "worker-portal", "SubmitDemand", lambda w: m.SubmitDemandRequest(demand=m.Demand(
        worker_id=w.worker, occupation=c.Occupation(code="4-10-01-01"), level=L4)), IA, "request_id"),
    ("demand-empty-worker", "worker-portal", "SubmitDemand", lambda w: demand(worker_id=""), IA, "demand.worker_id"),
    ("demand-level-99", "worker-portal", "SubmitDemand", lambda w: demand(worker_id=w.worker, level=99), IA, "demand.level"),
    ("demand-code-oversize", "worker-portal", "SubmitDemand",
     lambda w: demand(worker_id=w.worker, occupation=c.Occupation(code=BIG)), IA, "demand.occupation.code"),
    ("demand-note-oversize", "worker-portal", "SubmitDemand", lambda w: demand(worker_id=w.worker, note=BIG * 2), IA, "demand.note"),
    ("demand-negative-headcount", "enterprise", "SubmitDemand",
     lambda w: demand(enterprise_credit_code="91371400MA3C000001", headcount=-3), IA, "demand.headcount"),
    ("demand-unknown-worker", "worker-portal", "SubmitDemand", lambda w: demand(worker_id="w-nobody"), FP, None),
    ("demand-enterprise-for-worker", "enterprise", "SubmitDemand", lambda w: demand(worker_id=w.worker), PD, None),
    ("demand-wrong-role", "institution", "SubmitDemand", lambda w: demand(worker_id=w.worker), PD, None),
    # C3 ListDemands
    ("demands-level-42", "hrss", "ListDemands", lambda w: m.ListDemandsRequest(level=42), IA, "level"),
    ("demands-bad-date", "hrss", "ListDemands", lambda w: m.ListDemandsRequest(from_date=BAD_DATE), IA, "from_date"),
    ("demands-negative-page", "hrss", "ListDemands", lambda w: m.ListDemandsRequest(page_size=-1), IA, "page_size"),
    ("demands-bad-token", "hrss", "ListDemands", lambda w: m.ListDemandsRequest(page_token="garbage"), IA, "page_token"),
    ("demands-negative-period", "hrss", "ListDemands", lambda w: m.ListDemandsRequest(trend_period_days=-7), IA, "trend_period_days"),
    ("demands-wrong-role", "civil-affairs", "ListDemands", lambda w: m.ListDemandsRequest(), PD, None),
    # C1/C2 PublishCatalogEntry, ListCatalog
    ("catalog-kind-9", "hrss", "PublishCatalogEntry", lambda w: m.PublishCatalogEntryRequest(request_id=rid(), entry=m.CatalogEntry(
        kind=9, occupation=c.Occupation(code="6-99-01-01"), levels=[L4], effective_from=cdate(TODAY))), IA, "entry.kind"),
    ("catalog-no-levels", "hrss", "PublishCatalogEntry", lambda w: m.PublishCatalogEntryRequest(request_id=rid(), entry=m.CatalogEntry(
        kind=c.CATALOG_KIND_C2_GENERAL, occupation=c.Occupation(code="6-99-01-01"), effective_from=cdate(TODAY))), IA, "entry.levels"),
    ("catalog-bad-date", "hrss", "PublishCatalogEntry", lambda w: m.PublishCatalogEntryRequest(request_id=rid(), entry=m.CatalogEntry(
        kind=c.CATALOG_KIND_C2_GENERAL, occupation=c.Occupation(code="6-99-01-01"), levels=[L4], effective_from=BAD_DATE)),
     IA, "entry.effective_from"),
    ("catalog-note-oversize", "hrss", "PublishCatalogEntry", lambda w: m.PublishCatalogEntryRequest(request_id=rid(), entry=m.CatalogEntry(
        kind=c.CATALOG_KIND_C2_GENERAL, occupation=c.Occupation(code="6-99-01-01"), levels=[L4], effective_from=cdate(TODAY),
        note=BIG)), IA, "entry.note"),
    ("catalog-wrong-role", "institution", "PublishCatalogEntry", lambda w: m.PublishCatalogEntryRequest(request_id=rid(), entry=m.CatalogEntry(
        kind=c.CATALOG_KIND_C2_GENERAL, occupation=c.Occupation(code="6-99-01-01"), levels=[L4], effective_from=cdate(TODAY))), PD, None),
    ("list-catalog-kind-7", "hrss", "ListCatalog", lambda w: m.ListCatalogRequest(kind=7), IA, "kind"),
    ("list-catalog-bad-date", "hrss", "ListCatalog", lambda w: m.ListCatalogRequest(on_date=BAD_DATE), IA, "on_date"),
    ("list-catalog-negative-page", "hrss", "ListCatalog", lambda w: m.ListCatalogRequest(page_size=-5), IA, "page_size"),
    # O2 PublishOffering, ListOfferings, GetOffering
    ("offering-missing", "hrss", "PublishOffering", lambda w: m.PublishOfferingRequest(request_id=rid()), IA, "offering"),
    ("offering-negative-capacity", "hrss", "PublishOffering", lambda w: offering(w, capacity=-5), IA, "offering.capacity"),
    ("offering-negative-hours", "hrss", "PublishOffering", lambda w: offering(w, class_hours=-1), IA, "offering.class_hours"),
    ("offering-bad-date", "hrss", "PublishOffering", lambda w: offering(w, start_date=BAD_DATE), IA, "offering.start_date"),
    ("offering-mode-9", "hrss", "PublishOffering", lambda w: offering(w, mode=9), IA, "offering.mode"),
    ("offering-venue-oversize", "hrss", "PublishOffering", lambda w: offering(w, venue=BIG), IA, "offering.venue"),
    ("offering-unknown-demand", "hrss", "PublishOffering", lambda w: offering(w, demand_ids=["d-nothing"]), NF, None),
    ("offering-unknown-institution", "hrss", "PublishOffering",
     lambda w: m.PublishOfferingRequest(request_id=rid(), offering=tm.an_offering("i-nobody")), FP, None),
    ("offering-wrong-role", "worker-portal", "PublishOffering", lambda w: offering(w), PD, None),
    ("list-offerings-negative-limit", "hrss", "ListOfferings", lambda w: m.ListOfferingsRequest(limit=-1), IA, "limit"),
    ("list-offerings-group-99", "hrss", "ListOfferings", lambda w: m.ListOfferingsRequest(target_group=99), IA, "target_group"),
    ("list-offerings-bad-date", "hrss", "ListOfferings", lambda w: m.ListOfferingsRequest(starts_after=BAD_DATE), IA, "starts_after"),
    ("list-offerings-after-oversize", "hrss", "ListOfferings", lambda w: m.ListOfferingsRequest(after_id=BIG), IA, "after_id"),
    ("get-offering-empty", "hrss", "GetOffering", lambda w: m.GetOfferingRequest(), IA, "offering_id"),
    ("get-offering-unknown", "hrss", "GetOffering", lambda w: m.GetOfferingRequest(offering_id="o-nothing"), NF, None),
    ("get-offering-oversize", "hrss", "GetOffering", lambda w: m.GetOfferingRequest(offering_id=BIG), IA, "offering_id"),
    # O3 SelectOffering
    ("select-no-worker", "worker-portal", "SelectOffering",
     lambda w: m.SelectOfferingRequest(request_id=rid(), offering_id=w.offering), IA, "worker_id"),
    ("select-unknown-offering", "worker-portal", "SelectOffering",
     lambda w: m.SelectOfferingRequest(request_id=rid(), worker_id=w.student, offering_id="o-nothing"), NF, None),
    ("select-unknown-worker", "worker-portal", "SelectOffering",
     lambda w: m.SelectOfferingRequest(request_id=rid(), worker_id="w-nobody", offering_id=w.offering), FP, None),
    ("select-twice", "worker-portal", "SelectOffering",
     lambda w: m.SelectOfferingRequest(request_id=rid(), worker_id=w.worker, offering_id=w.offering), grpc.StatusCode.ALREADY_EXISTS, None),
    ("select-worker-oversize", "worker-portal", "SelectOffering",
     lambda w: m.SelectOfferingRequest(request_id=rid(), worker_id=BIG, offering_id=w.offering), IA, "worker_id"),
    ("select-wrong-role", "enterprise", "SelectOffering",
     lambda w: m.SelectOfferingRequest(request_id=rid(), worker_id=w.student, offering_id=w.offering), PD, None),
    # O4 AcceptEnrollment, RecordLearning, CompleteTraining
    ("accept-empty", "institution", "AcceptEnrollment", lambda w: m.AcceptEnrollmentRequest(request_id=rid(), accept=True), IA, "enrollment_id"),
    ("accept-unknown", "institution", "AcceptEnrollment",
     lambda w: m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id="e-nothing", accept=True), NF, None),
    ("reject-without-reason", "institution", "AcceptEnrollment",
     lambda w: m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=w.enrollment, accept=False), IA, "reason"),
    ("reject-reason-oversize", "institution", "AcceptEnrollment",
     lambda w: m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=w.enrollment, accept=False, reason=BIG), IA, "reason"),
    ("accept-wrong-role", "hrss", "AcceptEnrollment",
     lambda w: m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=w.enrollment, accept=True), PD, None),
    ("learn-channel-9", "institution", "RecordLearning", lambda w: learning(w, channel=9), IA, "channel"),
    ("learn-negative-minutes", "institution", "RecordLearning", lambda w: learning(w, minutes=-10), IA, "minutes"),
    ("learn-too-many-minutes", "institution", "RecordLearning", lambda w: learning(w, minutes=100000), IA, "minutes"),
    ("learn-bad-date", "institution", "RecordLearning", lambda w: learning(w, day=BAD_DATE), IA, "day"),
    ("learn-future", "institution", "RecordLearning", lambda w: learning(w, day=FUTURE), IA, "day"),
    ("learn-unknown", "institution", "RecordLearning", lambda w: learning(w, enrollment_id="e-nothing"), NF, None),
    ("learn-before-accept", "institution", "RecordLearning", lambda w: learning(w), FP, None),
    ("learn-wrong-role", "enterprise", "RecordLearning", lambda w: learning(w), PD, None),
    ("complete-negative-attendance", "institution", "CompleteTraining", lambda w: completion(w, attendance_percent=-1), IA,
     "attendance_percent"),
    ("complete-bad-date", "institution", "CompleteTraining", lambda w: completion(w, completion_date=BAD_DATE), IA, "completion_date"),
    ("complete-future", "institution", "CompleteTraining", lambda w: completion(w, completion_date=FUTURE), IA, "completion_date"),
    ("complete-from-selected", "institution", "CompleteTraining", lambda w: completion(w), FP, None),
    ("complete-wrong-role", "worker-portal", "CompleteTraining", lambda w: completion(w), PD, None),
    # O5 RequestPayment
    ("pay-no-certificate", "hrss", "RequestPayment",
     lambda w: m.RequestPaymentRequest(request_id=rid(), enrollment_id=w.enrollment), IA, "certificate_number"),
    ("pay-no-enrollment", "hrss", "RequestPayment",
     lambda w: m.RequestPaymentRequest(request_id=rid(), certificate_number="DZ-1"), IA, "enrollment_id"),
    ("pay-certificate-oversize", "hrss", "RequestPayment",
     lambda w: m.RequestPaymentRequest(request_id=rid(), enrollment_id=w.enrollment, certificate_number=BIG), IA, "certificate_number"),
    ("pay-unknown", "hrss", "RequestPayment",
     lambda w: m.RequestPaymentRequest(request_id=rid(), enrollment_id="e-nothing", certificate_number="DZ-1"), NF, None),
    ("pay-not-completed", "hrss", "RequestPayment",
     lambda w: m.RequestPaymentRequest(request_id=rid(), enrollment_id=w.enrollment, certificate_number="DZ-1"), FP, None),
    ("pay-wrong-role", "institution", "RequestPayment",
     lambda w: m.RequestPaymentRequest(request_id=rid(), enrollment_id=w.enrollment, certificate_number="DZ-1"), PD, None),
    # O4 by the offering's institution only: another institution's system (institution-b.pem)
    ("accept-other-institution", "institution-b", "AcceptEnrollment",
     lambda w: m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=w.enrollment, accept=True), PD, None),
    ("reject-other-institution", "institution-b", "AcceptEnrollment",
     lambda w: m.AcceptEnrollmentRequest(request_id=rid(), enrollment_id=w.enrollment, accept=False, reason="满员"), PD, None),
    ("learn-other-institution", "institution-b", "RecordLearning",
     lambda w: learning(w, channel=c.LEARNING_CHANNEL_OFFLINE), PD, None),
    ("complete-other-institution", "institution-b", "CompleteTraining", lambda w: completion(w), PD, None),
    # O5 RecordPayment (payment only; CLAIMED -> PAID)
    ("paid-empty", "payment", "RecordPayment", lambda w: m.RecordPaymentRequest(request_id=rid()), IA, "enrollment_id"),
    ("paid-oversize", "payment", "RecordPayment", lambda w: m.RecordPaymentRequest(request_id=rid(), enrollment_id=BIG),
     IA, "enrollment_id"),
    ("paid-no-request-id", "payment", "RecordPayment", lambda w: m.RecordPaymentRequest(enrollment_id=w.enrollment),
     IA, "request_id"),
    ("paid-unknown", "payment", "RecordPayment", lambda w: m.RecordPaymentRequest(request_id=rid(), enrollment_id="e-nothing"),
     NF, None),
    ("paid-not-claimed", "payment", "RecordPayment",
     lambda w: m.RecordPaymentRequest(request_id=rid(), enrollment_id=w.enrollment), FP, None),
    ("paid-wrong-role", "hrss", "RecordPayment",
     lambda w: m.RecordPaymentRequest(request_id=rid(), enrollment_id=w.enrollment), PD, None),
    ("paid-institution", "institution", "RecordPayment",
     lambda w: m.RecordPaymentRequest(request_id=rid(), enrollment_id=w.enrollment), PD, None),
    # Enrolment reads
    ("get-enrollment-empty", "hrss", "GetEnrollment", lambda w: m.GetEnrollmentRequest(), IA, "enrollment_id"),
    ("get-enrollment-unknown", "hrss", "GetEnrollment", lambda w: m.GetEnrollmentRequest(enrollment_id="e-nothing"), NF, None),
    ("get-enrollment-wrong-role", "civil-affairs", "GetEnrollment", lambda w: m.GetEnrollmentRequest(enrollment_id=w.enrollment), PD, None),
    ("list-enrollments-state-99", "hrss", "ListEnrollments", lambda w: m.ListEnrollmentsRequest(state=99), IA, "state"),
    ("list-enrollments-negative-page", "hrss", "ListEnrollments", lambda w: m.ListEnrollmentsRequest(page_size=-1), IA, "page_size"),
    ("list-enrollments-oversize", "hrss", "ListEnrollments", lambda w: m.ListEnrollmentsRequest(worker_id=BIG), IA, "worker_id"),
    # S1 RecordStudentActivity
    ("activity-missing", "hrss", "RecordStudentActivity", lambda w: m.RecordStudentActivityRequest(request_id=rid()), IA, "activity"),
    ("activity-kind-0", "hrss", "RecordStudentActivity", lambda w: activity(w, kind=0), IA, "activity.kind"),
    ("activity-kind-9", "hrss", "RecordStudentActivity", lambda w: activity(w, kind=9), IA, "activity.kind"),
    ("activity-no-stage", "hrss", "RecordStudentActivity",
     lambda w: activity(w, kind=m.STUDENT_ACTIVITY_KIND_ENTREPRENEURSHIP_TRAINING), IA, "activity.stage"),
    ("activity-stage-on-practice", "hrss", "RecordStudentActivity",
     lambda w: activity(w, stage=m.ENTREPRENEURSHIP_STAGE_PRACTICE), IA, "activity.stage"),
    ("activity-no-title", "hrss", "RecordStudentActivity", lambda w: activity(w, title=" "), IA, "activity.title"),
    ("activity-title-oversize", "hrss", "RecordStudentActivity", lambda w: activity(w, title=BIG), IA, "activity.title"),
    ("activity-future-start", "hrss", "RecordStudentActivity", lambda w: activity(w, start_date=FUTURE), IA, "activity.start_date"),
    ("activity-bad-date", "hrss", "RecordStudentActivity", lambda w: activity(w, start_date=BAD_DATE), IA, "activity.start_date"),
    ("activity-completed-no-end", "hrss", "RecordStudentActivity", lambda w: activity(w, completed=True), IA, "activity.end_date"),
    ("activity-end-before-start", "hrss", "RecordStudentActivity", lambda w: activity(
        w, completed=True, end_date=cdate(TODAY - datetime.timedelta(days=1))), IA, "activity.end_date"),
    ("activity-negative-hours", "hrss", "RecordStudentActivity", lambda w: activity(w, hours=-1), IA, "activity.hours"),
    ("activity-too-many-hours", "hrss", "RecordStudentActivity", lambda w: activity(w, hours=5000), IA, "activity.hours"),
    ("activity-id-given", "hrss", "RecordStudentActivity", lambda w: activity(w, id="sa-mine"), IA, "activity.id"),
    ("activity-enrollment-given", "hrss", "RecordStudentActivity", lambda w: activity(w, enrollment_id=w.enrollment), IA,
     "activity.enrollment_id"),
    ("activity-unknown-worker", "hrss", "RecordStudentActivity", lambda w: activity(w, worker_id="w-nobody"), FP, None),
    ("activity-not-a-student", "hrss", "RecordStudentActivity", lambda w: activity(w, worker_id=w.worker), FP, None),
    ("activity-institution-practice", "institution", "RecordStudentActivity", lambda w: activity(w), PD, None),
    ("activity-education-other-school", "education", "RecordStudentActivity", lambda w: activity(w, school="别的大学"), PD, None),
    ("activity-wrong-role", "enterprise", "RecordStudentActivity", lambda w: activity(w), PD, None),
    # S1 CompleteStudentActivity
    ("complete-activity-empty", "hrss", "CompleteStudentActivity", lambda w: complete_activity(w, activity_id=""), IA, "activity_id"),
    ("complete-activity-unknown", "hrss", "CompleteStudentActivity", lambda w: complete_activity(w, activity_id="sa-nothing"), NF, None),
    ("complete-activity-bad-date", "hrss", "CompleteStudentActivity", lambda w: complete_activity(w, end_date=BAD_DATE), IA, "end_date"),
    ("complete-activity-before-start", "hrss", "CompleteStudentActivity",
     lambda w: complete_activity(w, end_date=cdate(TODAY - datetime.timedelta(days=10))), IA, "end_date"),
    ("complete-activity-negative-hours", "hrss", "CompleteStudentActivity", lambda w: complete_activity(w, hours=-1), IA, "hours"),
    ("complete-activity-education-no-school", "education", "CompleteStudentActivity", lambda w: complete_activity(w), IA, "school"),
    ("complete-activity-education-other-school", "education", "CompleteStudentActivity",
     lambda w: complete_activity(w, school="别的大学"), PD, None),
    ("complete-activity-wrong-role", "worker-portal", "CompleteStudentActivity", lambda w: complete_activity(w), PD, None),
    # S1 reads
    ("progress-empty", "hrss", "GetStudentProgress", lambda w: m.GetStudentProgressRequest(), IA, "worker_id"),
    ("progress-unknown", "hrss", "GetStudentProgress", lambda w: m.GetStudentProgressRequest(worker_id="w-nobody"), NF, None),
    ("progress-not-a-student", "hrss", "GetStudentProgress", lambda w: m.GetStudentProgressRequest(worker_id=w.worker), FP, None),
    ("progress-wrong-role", "enterprise", "GetStudentProgress", lambda w: m.GetStudentProgressRequest(worker_id=w.student), PD, None),
    ("list-students-no-school", "education", "ListStudentProgress", lambda w: m.ListStudentProgressRequest(), IA, "school"),
    ("list-students-status-9", "education", "ListStudentProgress", lambda w: m.ListStudentProgressRequest(school=w.school, status=9),
     IA, "status"),
    ("list-students-negative-page", "education", "ListStudentProgress",
     lambda w: m.ListStudentProgressRequest(school=w.school, page_size=-1), IA, "page_size"),
    ("list-students-school-oversize", "education", "ListStudentProgress", lambda w: m.ListStudentProgressRequest(school=BIG), IA, "school"),
    ("list-students-wrong-role", "institution", "ListStudentProgress", lambda w: m.ListStudentProgressRequest(school=w.school), PD, None),
    ("export-no-school", "education", "ExportStudentCredits", lambda w: m.ExportStudentCreditsRequest(), IA, "school"),
    ("export-bad-date", "education", "ExportStudentCredits",
     lambda w: m.ExportStudentCreditsRequest(school=w.school, completed_from=BAD_DATE), IA, "completed_from"),
    ("export-to-before-from", "education", "ExportStudentCredits", lambda w: m.ExportStudentCreditsRequest(
        school=w.school, completed_from=cdate(TODAY), completed_to=cdate(TODAY - datetime.timedelta(days=1))), IA, "completed_to"),
    ("export-wrong-role", "worker-portal", "ExportStudentCredits", lambda w: m.ExportStudentCreditsRequest(school=w.school), PD, None),
]
STREAMING = {"ListOfferings", "ExportStudentCredits"}


def test_every_method_is_covered():
    methods = {method.name for method in m.DESCRIPTOR.services_by_name["MatchingService"].methods}
    assert methods == {case[2] for case in CASES}, methods ^ {case[2] for case in CASES}


@pytest.mark.parametrize("name,role,method,build,code,field", CASES, ids=[case[0] for case in CASES])
def test_bad_input_or_wrong_role_changes_nothing(svc, world, name, role, method, build, code, field):
    before = snapshot(svc, world)
    call = getattr(svc.match(role), method)
    with pytest.raises(grpc.RpcError) as raised:
        response = call(build(world), timeout=TIMEOUT)
        if method in STREAMING:
            list(response)
    error = raised.value
    assert error.code() == code, (name, error.code(), error.details())
    if field is not None:
        assert error.details().startswith(field + ":") or error.details().startswith(field + " "), (name, error.details())
    assert len(error.details()) < 1000, "the message must not echo an oversize field"
    assert snapshot(svc, world) == before, f"{name} changed something"
