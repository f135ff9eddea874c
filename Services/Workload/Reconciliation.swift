import Schema

/// The end-of-replay check of the special fund's ledger (ExportLedger) against the claims (ListClaims)
/// and against what the platform acknowledged to the replay. Ports Tests/Interop/reconcile.py and
/// adds the programme-level checks:
/// - ledger sequences run 1..n without gaps; no tranche paid twice; no entry id twice;
/// - every entry carries a policy version, rule ids with R11, the rules that decided it (its
///   tranche's decided_by), an enrolment and a certificate, and
///   pays a PAID tranche of an eligible decision of the same enrolment, certificate, policy,
///   amount and payee (the decision's payee; the R9 allowance, the last tranche, to the worker);
///   every PAID tranche has its entry; per payee the ledger sums equal the paid tranches;
/// - no worker has more eligible decisions in a year than R3 allows, or two for one occupation and
///   level (R4);
/// - a tranche is HELD exactly where the offering is project-based and its reported employment
///   rate is below the threshold (R7);
/// - every acknowledged Disburse is in the ledger with the same entry and amount, nothing else is,
///   and the totals agree; every acknowledged decision is listed unchanged; every training got the
///   planned decision; no journey failed.
public enum Reconciliation {
    public enum ProblemKind: String, Sendable, Hashable, CaseIterable {
        case claimListedTwice, tranchePaidTwice, entryIDTwice, sequenceGap, untraceableEntry, unknownClaim,
            refusedClaimPaid, entryDisagreesWithClaim, trancheNotMarkedPaid, paidTrancheWithoutEntry, payeeTotals,
            tranchesDoNotSum, tooManyInYear, sameOccupationAndLevelTwice, heldWhereNotExpected, notHeldWhereExpected,
            lostAcknowledgedPayment, unacknowledgedPayment, totalsDiffer, acknowledgedClaimMissing, decisionChanged,
            unexpectedDecision, journeyFailed
    }

    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let kind: ProblemKind
        public let message: String
        public var description: String { "\(kind.rawValue): \(message)" }
    }

    /// What the replay was told, and the policy figures the checks use.
    public struct Expectations: Sendable {
        /// Acknowledged Disburse answers by tranche id.
        public var disbursements: [String: LedgerEntry]
        /// Acknowledged RequestPayment decisions by claim id.
        public var claims: [String: ReplayRecord.AcknowledgedClaim]
        /// Acknowledged employment rates (basis points) by offering id.
        public var employmentRates: [String: Int]
        public var unexpectedDecisions: [ReplayRecord.UnexpectedDecision]
        public var failures: [Int: String]
        public var maxTrainingsPerYear: Int
        public var employmentThresholdBasisPoints: Int
        /// True when the platform holds nothing but this replay (launched fresh): then every ledger
        /// entry and claim must be the replay's. Otherwise only the replay's claims and their
        /// entries are checked (sequences are always checked over the whole ledger).
        public var exclusive: Bool

        public init(
            disbursements: [String: LedgerEntry] = [:], claims: [String: ReplayRecord.AcknowledgedClaim] = [:],
            employmentRates: [String: Int] = [:], unexpectedDecisions: [ReplayRecord.UnexpectedDecision] = [],
            failures: [Int: String] = [:], maxTrainingsPerYear: Int = 3, employmentThresholdBasisPoints: Int = 8500,
            exclusive: Bool = true
        ) {
            self.disbursements = disbursements
            self.claims = claims
            self.employmentRates = employmentRates
            self.unexpectedDecisions = unexpectedDecisions
            self.failures = failures
            self.maxTrainingsPerYear = maxTrainingsPerYear
            self.employmentThresholdBasisPoints = employmentThresholdBasisPoints
            self.exclusive = exclusive
        }

        public init(
            record: ReplayRecord, maxTrainingsPerYear: Int, employmentThresholdBasisPoints: Int, exclusive: Bool = true
        ) {
            self.init(
                disbursements: record.disbursements, claims: record.claims,
                employmentRates: record.employmentReports.mapValues { Int($0.employmentRateBp) },
                unexpectedDecisions: record.unexpectedDecisions, failures: record.failures,
                maxTrainingsPerYear: maxTrainingsPerYear,
                employmentThresholdBasisPoints: employmentThresholdBasisPoints,
                exclusive: exclusive)
        }
    }

    /// The result: the problems found (none when consistent) and the figures.
    public struct Report: Sendable {
        public var problems: [Problem] = []
        public var ledgerEntries = 0
        public var paidFen: Int64 = 0
        public var heldFen: Int64 = 0
        public var heldTranches = 0
        public var claims = 0
        public var eligibleClaims = 0
        public var refusalsByRule: [String: Int] = [:]
        public var payees = 0
        public var acknowledgedFen: Int64 = 0

        public var isConsistent: Bool { problems.isEmpty }

        public func count(_ kind: ProblemKind) -> Int { problems.filter { $0.kind == kind }.count }

        /// One line: "reconciliation: OK ..." or "reconciliation: FAILED (n problems) ...".
        public var summary: String {
            let refusals = refusalsByRule.keys.sorted().map { "\($0) \(refusalsByRule[$0] ?? 0)" }.joined(
                separator: ", ")
            let figures =
                "\(ledgerEntries) ledger entries, \(paidFen) fen paid (acknowledged \(acknowledgedFen)), \(heldTranches) tranches held (\(heldFen) fen), "
                + "\(claims) claims (\(eligibleClaims) eligible; refused: \(refusals.isEmpty ? "none" : refusals)), \(payees) payees"
            return isConsistent
                ? "reconciliation: OK — \(figures)" : "reconciliation: FAILED (\(problems.count) problems) — \(figures)"
        }
    }

    /// Tranche id -> (payee kind, payee id), from the decision alone (see reconcile.py).
    static func tranchePayees(_ claim: Claim) -> [String: (PayeeKind, String)] {
        guard let decision = claim.decision else { return [:] }
        let tranches = decision.tranches.sorted { $0.index < $1.index }
        var payees: [String: (PayeeKind, String)] = [:]
        for tranche in tranches { payees[tranche.id] = (decision.payeeKind, decision.payeeId) }
        if decision.livingAllowanceFen > 0, let last = tranches.last { payees[last.id] = (.worker, claim.workerId) }
        return payees
    }

    struct PayeeKey: Hashable, Comparable, CustomStringConvertible {
        let kind: Int32
        let id: String
        static func < (a: PayeeKey, b: PayeeKey) -> Bool { (a.kind, a.id) < (b.kind, b.id) }
        var description: String { "(\(kind), \(id))" }
    }

    public static func check(ledger fullLedger: [LedgerEntry], claims allClaims: [Claim], expected: Expectations)
        -> Report
    {
        var report = Report()
        func problem(_ kind: ProblemKind, _ message: String) {
            report.problems.append(Problem(kind: kind, message: message))
        }

        // Sequences over the whole ledger, whoever booked the entries.
        for (position, entry) in fullLedger.enumerated() where entry.sequence != Int64(position + 1) {
            problem(
                .sequenceGap,
                "entry \(entry.id) at position \(position + 1) has sequence \(entry.sequence) (want 1..\(fullLedger.count) without gaps)"
            )
            break
        }
        let ours = Set(expected.claims.keys)
        let claims = expected.exclusive ? allClaims : allClaims.filter { ours.contains($0.id) }
        let ledger = expected.exclusive ? fullLedger : fullLedger.filter { ours.contains($0.claimId) }

        var claimsByID: [String: Claim] = [:]
        for claim in claims {
            if claimsByID[claim.id] != nil { problem(.claimListedTwice, "claim \(claim.id) listed twice") }
            claimsByID[claim.id] = claim
        }

        // 1. Uniqueness.
        var seenTranches: [String: String] = [:]
        var seenIDs: Set<String> = []
        for entry in ledger {
            if let first = seenTranches[entry.trancheId] {
                problem(.tranchePaidTwice, "tranche \(entry.trancheId) paid twice: \(first) and \(entry.id)")
            }
            seenTranches[entry.trancheId] = entry.id
            if !seenIDs.insert(entry.id).inserted {
                problem(.entryIDTwice, "ledger entry id \(entry.id) appears twice")
            }
        }

        // 2. Each entry is traceable and matches the paid tranche of an eligible decision.
        var ledgerSum: [PayeeKey: Int64] = [:]
        for entry in ledger {
            let at = "ledger entry \(entry.id) (seq \(entry.sequence), tranche \(entry.trancheId))"
            if entry.amountFen <= 0 {
                problem(.untraceableEntry, "\(at): amount \(entry.amountFen) fen is not positive")
            }
            if entry.policyVersion.isEmpty { problem(.untraceableEntry, "\(at): no policy_version") }
            if entry.ruleIds.isEmpty {
                problem(.untraceableEntry, "\(at): no rule ids")
            } else if !entry.ruleIds.contains("R11") {
                problem(.untraceableEntry, "\(at): rule ids \(entry.ruleIds) lack R11 (the special fund)")
            }
            if entry.enrollmentId.isEmpty { problem(.untraceableEntry, "\(at): no enrollment_id") }
            if entry.certificateNumber.isEmpty { problem(.untraceableEntry, "\(at): no certificate_number") }
            ledgerSum[PayeeKey(kind: entry.payeeKind.rawValue, id: entry.payeeId), default: 0] += entry.amountFen
            report.paidFen += entry.amountFen
            guard let claim = claimsByID[entry.claimId], let decision = claim.decision else {
                problem(.unknownClaim, "\(at): claim \(entry.claimId) is not among the listed claims")
                continue
            }
            if !decision.eligible {
                problem(
                    .refusedClaimPaid,
                    "\(at): pays claim \(claim.id), whose decision is refused (\(decision.refusingRuleIds))")
            }
            if entry.enrollmentId != claim.enrollmentId {
                problem(
                    .entryDisagreesWithClaim, "\(at): enrolment \(entry.enrollmentId) != claim's \(claim.enrollmentId)")
            }
            if entry.certificateNumber != claim.certificateNumber {
                problem(
                    .entryDisagreesWithClaim,
                    "\(at): certificate \(entry.certificateNumber) != claim's \(claim.certificateNumber)")
            }
            if entry.decidedBy.isEmpty {
                problem(.untraceableEntry, "\(at): no decided_by (the rules that decided the payment, R11)")
            } else if let tranche = decision.tranches.first(where: { $0.id == entry.trancheId }),
                !tranche.decidedBy.isEmpty,
                tranche.decidedBy != entry.decidedBy
            {
                problem(
                    .entryDisagreesWithClaim,
                    "\(at): decided by \(entry.decidedBy) != its tranche's \(tranche.decidedBy)")
            }
            if entry.policyVersion != decision.policyVersion {
                problem(
                    .entryDisagreesWithClaim,
                    "\(at): policy \(entry.policyVersion) != decision's \(decision.policyVersion)")
            }
            guard let tranche = decision.tranches.first(where: { $0.id == entry.trancheId }) else {
                problem(.entryDisagreesWithClaim, "\(at): claim \(claim.id) has no such tranche")
                continue
            }
            if tranche.amountFen != entry.amountFen {
                problem(.entryDisagreesWithClaim, "\(at): amount \(entry.amountFen) != tranche's \(tranche.amountFen)")
            }
            if tranche.state != .paid {
                problem(
                    .trancheNotMarkedPaid, "\(at): the claim shows the tranche \(tranche.state.protoName), not PAID")
            } else if tranche.ledgerEntryId != entry.id {
                problem(
                    .trancheNotMarkedPaid, "\(at): the claim's tranche names ledger entry '\(tranche.ledgerEntryId)'")
            }
            if let payee = tranchePayees(claim)[tranche.id], payee.0 != entry.payeeKind || payee.1 != entry.payeeId {
                problem(
                    .entryDisagreesWithClaim,
                    "\(at): paid to (\(entry.payeeKind.protoName), \(entry.payeeId)), the decision says (\(payee.0.protoName), \(payee.1))"
                )
            }
        }

        // 3. Per payee, and the programme rules over eligible decisions.
        var decidedSum: [PayeeKey: Int64] = [:]
        var perYear: [String: Int] = [:]
        var perOccupationLevel: [String: String] = [:]
        for claim in claims {
            report.claims += 1
            guard let decision = claim.decision else { continue }
            if !decision.eligible {
                for rule in decision.refusingRuleIds { report.refusalsByRule[rule, default: 0] += 1 }
                if decision.tranches.contains(where: { $0.state == .paid }) {
                    problem(.refusedClaimPaid, "claim \(claim.id): refused decision has a paid tranche")
                }
                continue
            }
            report.eligibleClaims += 1
            let sum = decision.tranches.reduce(Int64(0)) { $0 + $1.amountFen }
            if sum != decision.amountFen + decision.livingAllowanceFen {
                problem(
                    .tranchesDoNotSum,
                    "claim \(claim.id): tranches sum to \(sum), amount + allowance = \(decision.amountFen + decision.livingAllowanceFen)"
                )
            }
            let payees = tranchePayees(claim)
            for tranche in decision.tranches {
                if tranche.state == .paid {
                    if let payee = payees[tranche.id] {
                        decidedSum[PayeeKey(kind: payee.0.rawValue, id: payee.1), default: 0] += tranche.amountFen
                    }
                    if seenTranches[tranche.id] == nil {
                        problem(
                            .paidTrancheWithoutEntry,
                            "claim \(claim.id): tranche \(tranche.id) is PAID but has no ledger entry")
                    }
                } else if tranche.state == .held {
                    report.heldTranches += 1
                    report.heldFen += tranche.amountFen
                }
            }
            // R3, R4.
            let yearKey = "\(claim.workerId)/\(decision.subsidyYear)"
            perYear[yearKey, default: 0] += 1
            if perYear[yearKey] == expected.maxTrainingsPerYear + 1 {
                problem(
                    .tooManyInYear,
                    "worker \(claim.workerId) has more than \(expected.maxTrainingsPerYear) subsidised trainings in \(decision.subsidyYear) (R3)"
                )
            }
            let occupationKey = "\(claim.workerId)/\(claim.occupation?.code ?? "")/\(claim.level.rawValue)"
            if let first = perOccupationLevel[occupationKey] {
                problem(
                    .sameOccupationAndLevelTwice,
                    "worker \(claim.workerId) is subsidised twice for \(claim.occupation?.code ?? "") level \(claim.level.rawValue): claims \(first) and \(claim.id) (R4)"
                )
            } else {
                perOccupationLevel[occupationKey] = claim.id
            }
            // R7: held exactly where the reported rate is below the threshold.
            let held = decision.tranches.filter { $0.state == .held }
            if claim.offeringKind == .projectBased {
                let rate = expected.employmentRates[claim.offeringId]
                let shouldHold = rate.map { $0 < expected.employmentThresholdBasisPoints } ?? true
                if shouldHold && held.isEmpty {
                    problem(
                        .notHeldWhereExpected,
                        "claim \(claim.id): offering \(claim.offeringId) reported \(rate.map { "\($0) bp" } ?? "no rate"), below the threshold, yet no tranche is held (R7)"
                    )
                } else if !shouldHold && !held.isEmpty {
                    problem(
                        .heldWhereNotExpected,
                        "claim \(claim.id): offering \(claim.offeringId) reported \(rate ?? 0) bp, at or above the threshold, yet \(held.count) tranche(s) are held (R7)"
                    )
                }
            } else if !held.isEmpty {
                problem(
                    .heldWhereNotExpected,
                    "claim \(claim.id): a \(claim.offeringKind.protoName) offering has held tranches")
            }
        }
        for payee in Set(ledgerSum.keys).union(decidedSum.keys).sorted()
        where ledgerSum[payee, default: 0] != decidedSum[payee, default: 0] {
            problem(
                .payeeTotals,
                "payee \(payee): ledger \(ledgerSum[payee, default: 0]) fen != paid decisions \(decidedSum[payee, default: 0]) fen"
            )
        }
        report.payees = ledgerSum.count

        // 4. Against what was acknowledged.
        var ledgerByTranche: [String: LedgerEntry] = [:]
        for entry in ledger where ledgerByTranche[entry.trancheId] == nil { ledgerByTranche[entry.trancheId] = entry }
        for (trancheID, acknowledged) in expected.disbursements.sorted(by: { $0.key < $1.key }) {
            report.acknowledgedFen += acknowledged.amountFen
            guard let entry = ledgerByTranche[trancheID] else {
                problem(
                    .lostAcknowledgedPayment,
                    "Disburse of tranche \(trancheID) was acknowledged (entry \(acknowledged.id), \(acknowledged.amountFen) fen) but is not in the ledger"
                )
                continue
            }
            if entry.id != acknowledged.id || entry.amountFen != acknowledged.amountFen {
                problem(
                    .lostAcknowledgedPayment,
                    "tranche \(trancheID): acknowledged entry \(acknowledged.id) of \(acknowledged.amountFen) fen, the ledger has \(entry.id) of \(entry.amountFen) fen"
                )
            }
        }
        for entry in ledger where expected.disbursements[entry.trancheId] == nil {
            problem(
                .unacknowledgedPayment,
                "ledger entry \(entry.id) pays tranche \(entry.trancheId), which no acknowledged Disburse paid")
        }
        if report.acknowledgedFen != report.paidFen {
            problem(
                .totalsDiffer,
                "the ledger pays \(report.paidFen) fen, the acknowledged disbursements total \(report.acknowledgedFen) fen"
            )
        }
        for (claimID, acknowledged) in expected.claims.sorted(by: { $0.key < $1.key }) {
            guard let claim = claimsByID[claimID] else {
                problem(
                    .acknowledgedClaimMissing,
                    "claim \(claimID) (training \(acknowledged.trainingIndex)) was acknowledged but is not listed")
                continue
            }
            if (claim.decision?.eligible ?? false) != acknowledged.eligible {
                problem(
                    .decisionChanged,
                    "claim \(claimID): acknowledged \(acknowledged.eligible ? "eligible" : "refused"), listed \(claim.decision?.eligible == true ? "eligible" : "refused")"
                )
            }
        }
        for unexpected in expected.unexpectedDecisions.sorted(by: { $0.trainingIndex < $1.trainingIndex }) {
            problem(
                .unexpectedDecision,
                "training \(unexpected.trainingIndex): planned \(unexpected.expected), got \(unexpected.eligible ? "eligible" : "refused \(unexpected.refusingRuleIDs)")"
            )
        }
        for (training, error) in expected.failures.sorted(by: { $0.key < $1.key }) {
            problem(
                .journeyFailed,
                training >= 0
                    ? "training \(training) did not finish: \(error)"
                    : "cohort report of offering \(-1 - training) failed: \(error)")
        }
        report.ledgerEntries = ledger.count
        return report
    }

    /// The whole ledger and every claim, from payment (finance role).
    public static func fetch(payment: PaymentServiceClient, retry: CallRetry) async throws -> (
        ledger: [LedgerEntry], claims: [Claim]
    ) {
        let ledger = try await retry.run("PaymentService/ExportLedger") {
            try await payment.exportLedger(ExportLedgerRequest(), options: CallOptions(timeout: .seconds(600))) {
                entries in
                var all: [LedgerEntry] = []
                for try await entry in entries { all.append(entry) }
                return all
            }
        }
        var claims: [Claim] = []
        var token = ""
        repeat {
            let pageToken = token
            let page = try await retry.run("PaymentService/ListClaims") {
                try await payment.listClaims(
                    ListClaimsRequest(pageSize: 1000, pageToken: pageToken),
                    options: CallOptions(timeout: .seconds(120)))
            }
            claims += page.claims
            token = page.nextPageToken
        } while !token.isEmpty
        return (ledger, claims)
    }
}
