"""Reconciliation of the payment service's ledger against its decisions (issue 6, "Done when").

`reconcile(ledger, claims)` takes the entries streamed by `PaymentService/ExportLedger` (every
entry, from sequence 1) and the claims returned by `ListClaims` (every page), and checks:

- no tranche id appears twice in the ledger, no ledger id twice, sequences run 1..n without gaps;
- every ledger entry carries a policy version, rule ids (including R11), the rules that decided it
  (decided_by, equal to its tranche's), an enrolment and a certificate number, and these agree with
  the claim it names;
- every ledger entry pays a tranche of an *eligible* decision that the claim shows as PAID with
  that entry's id and the same amount, and every PAID tranche has its ledger entry;
- for every payee (kind, id), the sum of the ledger amounts equals the sum of the paid tranches of
  the eligible decisions made out to that payee.

Who a tranche is made out to is derived from the decision alone, not from the ledger: the subsidy
tranches go to the decision's payee; when the decision has a living allowance (R9), its last
tranche (the highest index) is the allowance and goes to the worker (DECISIONS.md R9: "paid to the
worker").

Returns a `Reconciliation` with the per-payee totals; raises `ReconciliationError` listing every
discrepancy found. Usable from tests and as a command:

    python Tests/Interop/reconcile.py --target 127.0.0.1:7104 [--cert-dir Deploy/certs/out]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

PAYEE_WORKER = 1
TRANCHE_PAID = 3


class ReconciliationError(AssertionError):
    """The ledger does not reconcile with the decisions; `problems` lists why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("ledger does not reconcile:\n  " + "\n  ".join(problems))


@dataclass
class Reconciliation:
    entries: int = 0
    paid_fen: int = 0
    by_payee: dict = field(default_factory=dict)  # (payee_kind, payee_id) -> fen


def tranche_payees(claim) -> dict[str, tuple[int, str]]:
    """tranche id -> (payee kind, payee id), derived from the decision (see the module docstring)."""
    decision = claim.decision
    tranches = sorted(decision.tranches, key=lambda t: t.index)
    payees = {t.id: (decision.payee_kind, decision.payee_id) for t in tranches}
    if decision.living_allowance_fen > 0 and tranches:
        payees[tranches[-1].id] = (PAYEE_WORKER, claim.worker_id)
    return payees


def reconcile(ledger, claims) -> Reconciliation:
    ledger = list(ledger)
    claims = list(claims)
    problems: list[str] = []

    claims_by_id = {}
    for claim in claims:
        if claim.id in claims_by_id:
            problems.append(f"claim {claim.id} listed twice")
        claims_by_id[claim.id] = claim

    # 1. Uniqueness and ordering.
    seen_tranches: dict[str, str] = {}
    seen_ids: set[str] = set()
    for entry in ledger:
        if entry.tranche_id in seen_tranches:
            problems.append(f"tranche {entry.tranche_id} paid twice: {seen_tranches[entry.tranche_id]} and {entry.id}")
        seen_tranches[entry.tranche_id] = entry.id
        if entry.id in seen_ids:
            problems.append(f"ledger entry id {entry.id} appears twice")
        seen_ids.add(entry.id)
    sequences = [e.sequence for e in ledger]
    if sequences != list(range(1, len(ledger) + 1)):
        problems.append(f"ledger sequences are not 1..{len(ledger)} without gaps: {sequences[:20]}...")

    # 2. Each entry is traceable and matches the paid tranche of an eligible decision.
    ledger_sum: dict[tuple[int, str], int] = defaultdict(int)
    for entry in ledger:
        where = f"ledger entry {entry.id} (seq {entry.sequence}, tranche {entry.tranche_id})"
        if entry.amount_fen <= 0:
            problems.append(f"{where}: amount {entry.amount_fen} fen is not positive")
        if not entry.policy_version:
            problems.append(f"{where}: no policy_version")
        if not entry.rule_ids:
            problems.append(f"{where}: no rule ids")
        elif "R11" not in entry.rule_ids:
            problems.append(f"{where}: rule ids {list(entry.rule_ids)} lack R11 (the special fund)")
        if not entry.enrollment_id:
            problems.append(f"{where}: no enrollment_id")
        if not entry.certificate_number:
            problems.append(f"{where}: no certificate_number")
        ledger_sum[(entry.payee_kind, entry.payee_id)] += entry.amount_fen
        claim = claims_by_id.get(entry.claim_id)
        if claim is None:
            problems.append(f"{where}: claim {entry.claim_id} not among the listed claims")
            continue
        decision = claim.decision
        if not decision.eligible:
            problems.append(f"{where}: pays claim {claim.id}, whose decision is refused ({list(decision.refusing_rule_ids)})")
        if entry.enrollment_id != claim.enrollment_id:
            problems.append(f"{where}: enrolment {entry.enrollment_id} != claim's {claim.enrollment_id}")
        if entry.certificate_number != claim.certificate_number:
            problems.append(f"{where}: certificate {entry.certificate_number} != claim's {claim.certificate_number}")
        if entry.policy_version != decision.policy_version:
            problems.append(f"{where}: policy {entry.policy_version} != decision's {decision.policy_version}")
        tranche = next((t for t in decision.tranches if t.id == entry.tranche_id), None)
        if tranche is None:
            problems.append(f"{where}: claim {claim.id} has no such tranche")
            continue
        if tranche.amount_fen != entry.amount_fen:
            problems.append(f"{where}: amount {entry.amount_fen} != tranche's {tranche.amount_fen}")
        if not entry.decided_by:
            problems.append(f"{where}: no decided_by (the rules that decided the payment, R11)")
        elif tranche.decided_by and list(tranche.decided_by) != list(entry.decided_by):
            problems.append(f"{where}: decided by {list(entry.decided_by)} != its tranche's {list(tranche.decided_by)}")
        if tranche.state != TRANCHE_PAID:
            problems.append(f"{where}: the claim shows the tranche in state {tranche.state}, not PAID")
        if tranche.ledger_entry_id != entry.id:
            problems.append(f"{where}: the claim's tranche names ledger entry {tranche.ledger_entry_id!r}")
        expected_payee = tranche_payees(claim)[tranche.id]
        if (entry.payee_kind, entry.payee_id) != expected_payee:
            problems.append(f"{where}: paid to {(entry.payee_kind, entry.payee_id)}, the decision says {expected_payee}")

    # 3. Per payee: ledger sums = paid tranches of eligible decisions.
    decided_sum: dict[tuple[int, str], int] = defaultdict(int)
    for claim in claims:
        decision = claim.decision
        if not decision.eligible:
            if any(t.state == TRANCHE_PAID for t in decision.tranches):
                problems.append(f"claim {claim.id}: refused decision has a paid tranche")
            continue
        if sum(t.amount_fen for t in decision.tranches) != decision.amount_fen + decision.living_allowance_fen:
            problems.append(f"claim {claim.id}: tranches sum to {sum(t.amount_fen for t in decision.tranches)}, "
                            f"amount + allowance = {decision.amount_fen + decision.living_allowance_fen}")
        payees = tranche_payees(claim)
        for tranche in decision.tranches:
            if tranche.state == TRANCHE_PAID:
                decided_sum[payees[tranche.id]] += tranche.amount_fen
                if tranche.id not in seen_tranches:
                    problems.append(f"claim {claim.id}: tranche {tranche.id} is PAID but has no ledger entry")
    for payee in sorted(set(ledger_sum) | set(decided_sum)):
        if ledger_sum.get(payee, 0) != decided_sum.get(payee, 0):
            problems.append(f"payee {payee}: ledger {ledger_sum.get(payee, 0)} fen != paid decisions {decided_sum.get(payee, 0)} fen")

    if problems:
        raise ReconciliationError(problems)
    return Reconciliation(entries=len(ledger), paid_fen=sum(e.amount_fen for e in ledger), by_payee=dict(ledger_sum))


def fetch(payment_stub, timeout: float = 30.0):
    """(ledger entries, claims) from a PaymentService stub called with the finance role."""
    from skills.v1 import payment_pb2 as p  # type: ignore

    ledger = list(payment_stub.ExportLedger(p.ExportLedgerRequest(), timeout=timeout))
    claims, token = [], ""
    while True:
        page = payment_stub.ListClaims(p.ListClaimsRequest(page_size=1000, page_token=token), timeout=timeout)
        claims += page.claims
        token = page.next_page_token
        if not token:
            return ledger, claims


def main() -> int:
    import argparse
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import secure_channel  # noqa: E402
    from services import ROOT, skills_v1  # noqa: E402

    parser = argparse.ArgumentParser(description="Reconcile a payment service's ledger with its decisions.")
    parser.add_argument("--target", default="127.0.0.1:7104")
    parser.add_argument("--cert-dir", default=str(ROOT / "Deploy" / "certs" / "out"))
    args = parser.parse_args()
    skills_v1()
    from skills.v1 import payment_pb2_grpc as pg  # type: ignore

    with secure_channel(args.target, Path(args.cert_dir), "finance") as channel:
        ledger, claims = fetch(pg.PaymentServiceStub(channel))
    try:
        result = reconcile(ledger, claims)
    except ReconciliationError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"reconciled: {result.entries} ledger entries, {result.paid_fen} fen, {len(result.by_payee)} payees, "
          f"{len(claims)} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
