"""S1, the students' "three ones" (三个一), and the C3 demand trend, against the real executables
(registration, assessment, payment, matching) over mutual TLS, SQLite. See Protos/skills/v1/matching.proto.

- a G3 student's entrepreneurship training (in stages), employment practice and vocational training
  add up to their progress; a selected, then completed, enrolment counts by itself;
- a university (education role) lists its students with paging and a status filter, and exports the
  credit-recognition rows (typed and CSV);
- who may record what: institution only trainings, education only its own university's students;
- ListDemands carries the recent and previous periods' counts and the trend direction.
"""

from __future__ import annotations

import csv
import datetime
import io
import random

import grpc
import pytest

import test_matching as tm
from services import rid
from test_matching import ELECTRICIAN, L4, TIMEOUT, cdate, error_of, m, c, r

svc = tm.svc  # the module-scoped services of test_matching, started afresh for this module
TODAY = tm.TODAY  # the business day every call of tm.svc carries
EDU = "education"
S = m  # the S1 messages live in matching.proto


def school_name() -> str:
    return f"德州学院-{random.randrange(16**8):08x}"


def student(svc, school: str, name: str = "李四"):
    return tm.worker(svc, name=name, categories=[r.CategoryFact(category=c.WORKER_CATEGORY_G3_STUDENT, school=school)])


def record(svc, role: str = EDU, **fields):
    return svc.match(role).RecordStudentActivity(S.RecordStudentActivityRequest(
        request_id=rid(), activity=S.StudentActivity(**fields)), timeout=TIMEOUT)


def progress(svc, worker_id: str, school: str = "", role: str = EDU):
    return svc.match(role).GetStudentProgress(S.GetStudentProgressRequest(worker_id=worker_id, school=school), timeout=TIMEOUT)


def test_three_ones_add_up_from_records_and_enrolments(svc):
    school = school_name()
    s = student(svc, school)
    fresh = progress(svc, s.id, school)
    assert fresh.status == S.THREE_ONES_STATUS_NOT_STARTED and fresh.school == school and fresh.id_number == s.id_number
    assert fresh.entrepreneurship_training.status == S.THREE_ONES_STATUS_NOT_STARTED

    awareness = record(svc, worker_id=s.id, kind=S.STUDENT_ACTIVITY_KIND_ENTREPRENEURSHIP_TRAINING,
                       stage=S.ENTREPRENEURSHIP_STAGE_AWARENESS, title="GYB 创业意识", provider="德州创业学院",
                       start_date=cdate(TODAY - datetime.timedelta(days=40)), school=school)
    assert awareness.id.startswith("sa-") and awareness.school == school and awareness.recorded_by_role == EDU
    plan = record(svc, "institution", worker_id=s.id, kind=S.STUDENT_ACTIVITY_KIND_ENTREPRENEURSHIP_TRAINING,
                  stage=S.ENTREPRENEURSHIP_STAGE_BUSINESS_PLAN, title="SYB 创业计划", hours=40,
                  start_date=cdate(TODAY - datetime.timedelta(days=20)))
    half = progress(svc, s.id, school)
    assert half.entrepreneurship_training.status == S.THREE_ONES_STATUS_IN_PROGRESS
    assert [a.id for a in half.entrepreneurship_training.activities] == [awareness.id, plan.id]

    done_on = TODAY - datetime.timedelta(days=2)
    request_id = rid()
    completed = svc.match("institution").CompleteStudentActivity(S.CompleteStudentActivityRequest(
        request_id=request_id, activity_id=plan.id, end_date=cdate(done_on), certificate_number="SYB-2024-1"), timeout=TIMEOUT)
    assert completed.completed and completed.end_date == cdate(done_on) and completed.hours == 40 and completed.version == 2
    again = svc.match("institution").CompleteStudentActivity(S.CompleteStudentActivityRequest(
        request_id=request_id, activity_id=plan.id, end_date=cdate(done_on), certificate_number="SYB-2024-1"), timeout=TIMEOUT)
    assert again == completed  # a retry answers the first result
    error = error_of(svc.match("institution").CompleteStudentActivity, S.CompleteStudentActivityRequest(
        request_id=rid(), activity_id=plan.id, end_date=cdate(done_on)))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "already completed" in error.details()

    record(svc, worker_id=s.id, kind=S.STUDENT_ACTIVITY_KIND_EMPLOYMENT_PRACTICE, title="德州示范公司 实训岗", hours=120,
           start_date=cdate(TODAY - datetime.timedelta(days=30)), end_date=cdate(TODAY - datetime.timedelta(days=1)),
           completed=True, school=school)
    two = progress(svc, s.id, school)
    assert two.parts_completed == 2 and two.status == S.THREE_ONES_STATUS_IN_PROGRESS
    assert two.entrepreneurship_training.completed_on == cdate(done_on) and two.entrepreneurship_training.hours == 40
    assert two.vocational_training.status == S.THREE_ONES_STATUS_NOT_STARTED

    # The vocational training: an enrolment of the G3 student counts by itself.
    offering = tm.offering_for(svc, class_hours=64)
    enrollment = tm.select(svc, s.id, offering.id).enrollment
    assert progress(svc, s.id, school).vocational_training.status == S.THREE_ONES_STATUS_IN_PROGRESS
    tm.accept(svc, enrollment.id)
    tm.complete(svc, enrollment.id)
    full = progress(svc, s.id, school)
    voc = full.vocational_training
    assert voc.status == S.THREE_ONES_STATUS_COMPLETED and voc.hours == 64 and voc.completed_on == cdate(TODAY)
    assert [a.enrollment_id for a in voc.activities] == [enrollment.id] and voc.activities[0].provider == offering.institution_id
    assert full.parts_completed == 3 and full.status == S.THREE_ONES_STATUS_COMPLETED
    assert progress(svc, s.id, role="hrss") == full and progress(svc, s.id, role="worker-portal") == full

    # The university's list and export.
    other = student(svc, school, name="王五")
    listed = svc.match(EDU).ListStudentProgress(S.ListStudentProgressRequest(school=school), timeout=TIMEOUT)
    assert {p.worker_id for p in listed.students} == {s.id}  # matching knows a student once something is recorded
    record(svc, worker_id=other.id, kind=S.STUDENT_ACTIVITY_KIND_EMPLOYMENT_PRACTICE, title="暑期实训",
           start_date=cdate(TODAY), school=school)
    first = svc.match(EDU).ListStudentProgress(S.ListStudentProgressRequest(school=school, page_size=1), timeout=TIMEOUT)
    assert len(first.students) == 1 and first.next_page_token
    rest = svc.match(EDU).ListStudentProgress(S.ListStudentProgressRequest(school=school, page_size=1,
                                                                           page_token=first.next_page_token), timeout=TIMEOUT)
    assert {first.students[0].worker_id, rest.students[0].worker_id} == {s.id, other.id}
    only_done = svc.match(EDU).ListStudentProgress(S.ListStudentProgressRequest(
        school=school, status=S.THREE_ONES_STATUS_COMPLETED), timeout=TIMEOUT)
    assert [p.worker_id for p in only_done.students] == [s.id] and only_done.next_page_token == ""

    rows = list(svc.match(EDU).ExportStudentCredits(S.ExportStudentCreditsRequest(school=school), timeout=TIMEOUT))
    assert [(row.worker_id, row.kind) for row in rows] == [
        (s.id, S.STUDENT_ACTIVITY_KIND_VOCATIONAL_TRAINING), (s.id, S.STUDENT_ACTIVITY_KIND_ENTREPRENEURSHIP_TRAINING),
        (s.id, S.STUDENT_ACTIVITY_KIND_EMPLOYMENT_PRACTICE)]
    text = rows[0].csv_header + "".join(row.csv for row in rows)
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [t["part"] for t in table] == ["VOCATIONAL_TRAINING", "ENTREPRENEURSHIP_TRAINING", "EMPLOYMENT_PRACTICE"]
    assert all(t["status"] == "COMPLETED" and t["id_number"] == s.id_number and t["school"] == school for t in table)
    assert table[1]["completed_on"] == done_on.isoformat() and table[1]["certificates"] == "SYB-2024-1"
    assert "[BUSINESS_PLAN] SYB 创业计划" in table[1]["detail"]
    everything = list(svc.match("hrss").ExportStudentCredits(S.ExportStudentCreditsRequest(
        school=school, include_incomplete=True), timeout=TIMEOUT))
    assert len(everything) == 6 and sum(1 for row in everything if row.csv_header) == 1
    later = list(svc.match(EDU).ExportStudentCredits(S.ExportStudentCreditsRequest(
        school=school, completed_from=cdate(TODAY)), timeout=TIMEOUT))
    assert [row.kind for row in later] == [S.STUDENT_ACTIVITY_KIND_VOCATIONAL_TRAINING]


def test_who_may_record_what(svc):
    school = school_name()
    s = student(svc, school)
    practice = dict(worker_id=s.id, kind=S.STUDENT_ACTIVITY_KIND_EMPLOYMENT_PRACTICE, title="实训", start_date=cdate(TODAY))
    cases = [
        ("institution", dict(practice), grpc.StatusCode.PERMISSION_DENIED, "does not record EMPLOYMENT_PRACTICE"),
        (EDU, dict(practice, school="另一所大学"), grpc.StatusCode.PERMISSION_DENIED, "not a student of"),
        (EDU, dict(practice), grpc.StatusCode.INVALID_ARGUMENT, "activity.school"),
        ("hrss", dict(practice, school="另一所大学"), grpc.StatusCode.INVALID_ARGUMENT, "school"),
        ("hrss", dict(practice, worker_id=tm.worker(svc).id), grpc.StatusCode.FAILED_PRECONDITION, "S1"),
    ]
    for role, fields, code, text in cases:
        error = error_of(svc.match(role).RecordStudentActivity, S.RecordStudentActivityRequest(
            request_id=rid(), activity=S.StudentActivity(**fields)))
        assert error.code() == code and text in error.details(), (role, fields, error.details())
    error = error_of(svc.match(EDU).GetStudentProgress, S.GetStudentProgressRequest(worker_id=s.id, school="另一所大学"))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    for role in ("worker-portal", "institution", "enterprise"):
        error = error_of(svc.match(role).ListStudentProgress, S.ListStudentProgressRequest(school=school))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert progress(svc, s.id, school).status == S.THREE_ONES_STATUS_NOT_STARTED


def test_demand_trend_compares_the_recent_period_with_the_one_before(svc):
    code = tm.unique_code()
    occupation = c.Occupation(code=code, name="养老护理员")
    trainee = tm.worker(svc)
    for _ in range(2):
        svc.match("worker-portal").SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
            worker_id=trainee.id, occupation=occupation, level=L4)), timeout=TIMEOUT)
    enterprise = svc.reg("enterprise").RegisterEnterprise(r.RegisterEnterpriseRequest(request_id=rid(), enterprise=r.Enterprise(
        credit_code=tm.credit_code(), name="德州康养有限公司", industry="Q8514", district="371402")), timeout=TIMEOUT)
    svc.match("enterprise").SubmitDemand(m.SubmitDemandRequest(request_id=rid(), demand=m.Demand(
        enterprise_credit_code=enterprise.credit_code, occupation=occupation, level=L4, headcount=5)), timeout=TIMEOUT)

    def row(**fields):
        [only] = svc.match().ListDemands(m.ListDemandsRequest(occupation_code=code, **fields), timeout=TIMEOUT).rows
        return only

    now = row()
    assert (now.demand_count, now.headcount) == (3, 7)
    assert (now.recent_demands, now.recent_headcount, now.previous_demands, now.previous_headcount) == (3, 7, 0, 0)
    assert now.trend == m.DEMAND_TREND_NEW
    # Seen from 30 days ahead with 30-day periods, today's demands are in the previous period.
    ahead = row(trend_period_days=30, trend_as_of=cdate(TODAY + datetime.timedelta(days=30)))
    assert (ahead.recent_headcount, ahead.previous_headcount, ahead.previous_demands) == (0, 7, 3)
    assert ahead.trend == m.DEMAND_TREND_FALLING and (ahead.demand_count, ahead.headcount) == (3, 7)
    far = row(trend_period_days=7, trend_as_of=cdate(TODAY + datetime.timedelta(days=100)))
    assert (far.recent_headcount, far.previous_headcount, far.trend) == (0, 0, m.DEMAND_TREND_STEADY)
    assert list(svc.match().ListDemands(m.ListDemandsRequest(occupation_code=code, from_date=cdate(TODAY + datetime.timedelta(days=1))),
                                        timeout=TIMEOUT).rows) == []
    for bad, field in ((dict(trend_period_days=-1), "trend_period_days"), (dict(trend_period_days=400), "trend_period_days"),
                       (dict(trend_as_of=c.CalendarDate(year=2021, month=2, day=29)), "trend_as_of"),
                       (dict(from_date=cdate(TODAY), to_date=cdate(TODAY - datetime.timedelta(days=1))), "to_date")):
        error = error_of(svc.match().ListDemands, m.ListDemandsRequest(occupation_code=code, **bad))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith(field), error.details()
