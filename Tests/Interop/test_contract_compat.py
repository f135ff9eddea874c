"""The public contract stays backward compatible with its committed baseline (Protos/baseline).

The first test is the gate: today's Protos/skills/v1 compiled with protoc against
skills-v1-2026-12-04.pb. The others feed the checker edited copies of the baseline and assert it
reports each kind of break (and stays quiet for additions), so a silent checker cannot pass.
"""

from __future__ import annotations

import copy

import pytest
from google.protobuf import descriptor_pb2

from contract_compat import BASELINE, breaking_changes, compile_current, load

FDP = descriptor_pb2.FieldDescriptorProto


@pytest.fixture(scope="module")
def baseline() -> descriptor_pb2.FileDescriptorSet:
    return load(BASELINE)


def _file(fds, name: str):
    return next(f for f in fds.file if f.name == name)


def _message(fds, file: str, name: str):
    return next(m for m in _file(fds, file).message_type if m.name == name)


def _field(message, name: str):
    return next(f for f in message.field if f.name == name)


def _kinds(baseline, edit) -> list[str]:
    changed = copy.deepcopy(baseline)
    edit(changed)
    return sorted({b.kind for b in breaking_changes(baseline, changed)})


def test_current_contract_is_compatible_with_the_baseline(baseline):
    breaks = breaking_changes(baseline, compile_current())
    assert breaks == [], "breaking changes against the baseline:\n" + "\n".join(map(str, breaks))


def test_baseline_against_itself_and_additions_are_not_breaks(baseline):
    assert breaking_changes(baseline, baseline) == []

    def add(fds):
        ledger = _message(fds, "skills/v1/payment.proto", "LedgerEntry")
        ledger.field.add(name="new_field", number=99, type=FDP.TYPE_STRING, label=FDP.LABEL_REPEATED, json_name="newField")
        _file(fds, "skills/v1/payment.proto").message_type.add(name="NewMessage")
        enum = next(e for e in _file(fds, "skills/v1/common.proto").enum_type if e.name == "Hukou")
        enum.value.add(name="HUKOU_OTHER", number=9)
        service = _file(fds, "skills/v1/payment.proto").service[0]
        service.method.add(name="NewMethod", input_type=".skills.v1.GetClaimRequest", output_type=".skills.v1.Claim")

    assert _kinds(baseline, add) == []


def _remove(container, name: str):
    for i, item in enumerate(container):
        if item.name == name:
            del container[i]
            return
    raise KeyError(name)


PAYMENT = "skills/v1/payment.proto"
COMMON = "skills/v1/common.proto"

BREAKS = {
    "message removed": lambda fds: _remove(_file(fds, PAYMENT).message_type, "LedgerEntry"),
    "field removed": lambda fds: _remove(_message(fds, PAYMENT, "LedgerEntry").field, "rule_ids"),
    "field number reused": lambda fds: setattr(_field(_message(fds, PAYMENT, "LedgerEntry"), "claim_id"), "name", "claim"),
    "field retyped": lambda fds: setattr(_field(_message(fds, PAYMENT, "LedgerEntry"), "amount_fen"), "type", FDP.TYPE_INT32),
    "field cardinality changed": lambda fds: setattr(_field(_message(fds, PAYMENT, "LedgerEntry"), "claim_id"), "label",
                                                     FDP.LABEL_REPEATED),
    "enum removed": lambda fds: _remove(_file(fds, COMMON).enum_type, "Hukou"),
    "enum value removed": lambda fds: _remove(next(e for e in _file(fds, COMMON).enum_type if e.name == "Hukou").value,
                                              "HUKOU_RURAL"),
    "enum value renamed": lambda fds: setattr(
        next(v for v in next(e for e in _file(fds, COMMON).enum_type if e.name == "Hukou").value if v.number == 2),
        "name", "HUKOU_COUNTRYSIDE"),
    "service removed": lambda fds: _remove(_file(fds, PAYMENT).service, "PaymentService"),
    "method removed": lambda fds: _remove(_file(fds, PAYMENT).service[0].method, "ExportLedger"),
    "method input changed": lambda fds: setattr(
        next(m for m in _file(fds, PAYMENT).service[0].method if m.name == "GetClaim"), "input_type", ".skills.v1.ListClaimsRequest"),
    "method output changed": lambda fds: setattr(
        next(m for m in _file(fds, PAYMENT).service[0].method if m.name == "GetClaim"), "output_type", ".skills.v1.Decision"),
    "method streaming changed": lambda fds: setattr(
        next(m for m in _file(fds, PAYMENT).service[0].method if m.name == "ExportLedger"), "server_streaming", False),
}


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_each_kind_of_break_is_reported(baseline, kind):
    assert kind in _kinds(baseline, BREAKS[kind])


def test_retyping_a_message_field_to_another_message_is_reported(baseline):
    def edit(fds):
        _field(_message(fds, PAYMENT, "Claim"), "decision").type_name = ".skills.v1.Tranche"

    assert _kinds(baseline, edit) == ["field retyped"]


def test_a_renamed_package_is_reported(baseline):
    def edit(fds):
        for f in fds.file:
            if f.package == "skills.v1":
                f.package = "skills.v2"

    assert "package removed or renamed" in _kinds(baseline, edit)


def test_a_field_moved_to_another_number_is_reported(baseline):
    def edit(fds):
        _field(_message(fds, PAYMENT, "LedgerEntry"), "booked_by").number = 99

    assert _kinds(baseline, edit) == ["field removed"]
