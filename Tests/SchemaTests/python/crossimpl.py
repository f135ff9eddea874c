#!/usr/bin/env python3
"""Cross-implementation check of the schema: Python `protobuf` classes generated from Protos/
(with grpcio-tools) against the Swift/protobuf-c bindings.

    crossimpl.py write DIR   writes py_<Message>.bin for every fixture below
    crossimpl.py check DIR   parses swift_<Message>.bin written by the Swift test and compares
                             each with the same fixture; exit status 1 on any difference

The fixtures must stay equal to `CrossImplementationFixtures` in
Tests/SchemaTests/CrossImplementationTests.swift.
"""
import os
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def load_modules():
    import grpc_tools
    from grpc_tools import protoc

    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    protos_dir = os.path.join(ROOT, "Protos")
    protos = []
    for base, _, files in os.walk(os.path.join(protos_dir, "skills")):
        for name in files:
            if name.endswith(".proto"):
                protos.append(os.path.relpath(os.path.join(base, name), protos_dir))
    out = tempfile.mkdtemp(prefix="crossimpl-")
    rc = protoc.main(["protoc", "-I", protos_dir, "-I", include, "--python_out=" + out] + sorted(protos))
    if rc != 0:
        sys.exit("crossimpl: protoc failed (%d)" % rc)
    sys.path.insert(0, out)
    import importlib
    mods = {}
    for name in ["common", "registration", "matching", "assessment", "payment"]:
        mods[name] = importlib.import_module("skills.v1.%s_pb2" % name)
    mods["echo"] = importlib.import_module("skills.testing.v1.echo_pb2")
    return mods


def fixtures(m):
    from google.protobuf.timestamp_pb2 import Timestamp

    c, r, mt, a, p, e = m["common"], m["registration"], m["matching"], m["assessment"], m["payment"], m["echo"]
    occupation = c.Occupation(code="4-10-01-01", name="家政服务员")
    out = {}
    out["RegisterWorkerRequest"] = r.RegisterWorkerRequest(
        request_id="req-0001",
        worker=r.Worker(
            id="w-1", id_number="37140219900101123X", name="张三", phone="13800000000",
            hukou=c.HUKOU_RURAL,
            categories=[
                r.CategoryFact(
                    category=c.WORKER_CATEGORY_G6_TWO_AFTER_YOUTH, attested=True, attested_by_role="civil-affairs",
                    attested_by="cn=mz-01", attested_at=Timestamp(seconds=1577836800, nanos=500),
                    low_income_family=True, rural=True, valid_until=c.CalendarDate(year=2021, month=12, day=31)),
                r.CategoryFact(category=c.WORKER_CATEGORY_G14_VETERAN, evidence_reference="TY-2019-88"),
            ],
            birth_date=c.CalendarDate(year=2003, month=5, day=17), district="371402", version=3,
            created_at=Timestamp(seconds=1546300800)))
    out["GetWorkerRequest"] = r.GetWorkerRequest(id_number="37140219900101123X")
    out["SelectOfferingResponse"] = mt.SelectOfferingResponse(
        enrollment=mt.Enrollment(
            id="e-9", worker_id="w-1", offering_id="o-7", institution_id="i-3", state=c.ENROLLMENT_STATE_SELECTED,
            learning=[mt.LearningTime(channel=c.LEARNING_CHANNEL_OFFLINE, minutes=120),
                      mt.LearningTime(channel=c.LEARNING_CHANNEL_WECHAT, minutes=45)],
            attendance_percent=87, completion_date=c.CalendarDate(year=2020, month=6, day=30),
            selected_at=Timestamp(seconds=1590000000)),
        eligibility=mt.EligibilityPreview(
            eligible=False, refusing_rule_ids=["R3", "R4"], message="每人每年不超过3次 / at most 3 a year",
            estimated_subsidy_fen=120000, free_for_worker=True, living_allowance=True))
    out["Certificate"] = a.Certificate(
        number="DZ-2020-000123", kind=c.CERTIFICATE_KIND_SKILL_LEVEL, level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER,
        worker_id="w-1", worker_id_number="37140219900101123X", worker_name="张三", occupation=occupation,
        issued_at=Timestamp(seconds=1593500000, nanos=123456789), issuer="德州市职业技能鉴定中心",
        content=bytes([0, 1, 254, 255]) + "证书".encode("utf-8"), signature=bytes((i * 7) % 256 for i in range(64)),
        key_id="k1", revoked=True, revocation_reason="fraud", revoked_at=Timestamp(seconds=1600000000))
    out["VerifyCertificateResponse"] = a.VerifyCertificateResponse(
        status=a.VerifyCertificateResponse.STATUS_TAMPERED, message="signature mismatch")
    out["SubmitClaimResponse"] = p.SubmitClaimResponse(claim=p.Claim(
        id="c-1", enrollment_id="e-9", worker_id="w-1", offering_id="o-7", institution_id="i-3",
        certificate_number="DZ-2020-000123", occupation=occupation, level=c.SKILL_LEVEL_L4_INTERMEDIATE_WORKER,
        offering_kind=c.OFFERING_KIND_PROJECT_BASED, completion_date=c.CalendarDate(year=2020, month=6, day=30),
        decision=p.Decision(
            eligible=True, amount_fen=150000, payee_kind=c.PAYEE_KIND_INSTITUTION, payee_id="i-3",
            tranches=[
                p.Tranche(id="t-1", index=0, amount_fen=90000, state=p.TRANCHE_STATE_PAYABLE, condition="R7: delivered"),
                p.Tranche(id="t-2", index=1, amount_fen=60000, state=p.TRANCHE_STATE_HELD,
                          condition="R7: employment rate >= 85%"),
            ],
            living_allowance_fen=30000, policy_version="dezhou-2019-2021.1",
            trace=[p.TraceLine(rule_id="R1", zh="同类工种同一等级同等补贴", en="one standard"),
                   p.TraceLine(rule_id="R7", zh="项目制培训", en="project-based")],
            standard_fen=150000, subsidy_year=2020),
        submitted_at=Timestamp(seconds=1594000000), submitted_by="cn=matching"))
    out["EchoRequest"] = e.EchoRequest(
        text="héllo 世界", payload=bytes(range(256)), fail_with_code=-5, fail_with_message="x", repeat=3,
        delay_ms=2147483647)
    return out


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit("usage: crossimpl.py write|check DIR")
    mode, directory = sys.argv[1], sys.argv[2]
    expected = fixtures(load_modules())
    if mode == "write":
        for name, message in sorted(expected.items()):
            with open(os.path.join(directory, "py_%s.bin" % name), "wb") as fh:
                fh.write(message.SerializeToString())
        print("crossimpl: wrote %d messages" % len(expected))
        return
    failures = 0
    for name, message in sorted(expected.items()):
        path = os.path.join(directory, "swift_%s.bin" % name)
        with open(path, "rb") as fh:
            data = fh.read()
        parsed = type(message)()
        try:
            parsed.ParseFromString(data)
        except Exception as error:  # noqa: BLE001 - report any parse failure
            print("FAIL %s: Python cannot parse the Swift bytes: %s" % (name, error))
            failures += 1
            continue
        if parsed != message:
            print("FAIL %s: values differ\n--- Swift wrote:\n%s--- expected:\n%s" % (name, parsed, message))
            failures += 1
        elif data != message.SerializeToString(deterministic=True):
            print("note %s: equal values, different byte order" % name)
    if failures:
        sys.exit(1)
    print("crossimpl: %d Swift-written messages match" % len(expected))


if __name__ == "__main__":
    main()
