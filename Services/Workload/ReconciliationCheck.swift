import Schema

/// The checks of `Reconciliation.check`, one function each, in the order their findings are reported.
extension Reconciliation {
    /// Reconciles the ledger with the claims and with what the replay was told (see `Reconciliation`).
    /// When not `expected.exclusive`, only the replay's claims and their entries are checked, but the
    /// sequences always are, over the whole ledger.
    public static func check(ledger fullLedger: [LedgerEntry], claims allClaims: [Claim], expected: Expectations)
        -> Report
    {
        let ours = Set(expected.claims.keys)
        let claims = expected.exclusive ? allClaims : allClaims.filter { ours.contains($0.id) }
        let ledger = expected.exclusive ? fullLedger : fullLedger.filter { ours.contains($0.claimId) }
        var report = figures(ledger: ledger, claims: claims, expected: expected)
        let (claimsByID, listedTwice) = index(claims)
        report.problems += sequenceProblems(fullLedger)
        report.problems += listedTwice
        report.problems += uniquenessProblems(ledger)
        for entry in ledger { report.problems += entryProblems(entry, claimsByID: claimsByID) }
        report.problems += claimProblems(claims, ledger: ledger, expected: expected)
        report.problems += payeeTotalProblems(ledger: ledger, claims: claims)
        report.problems += acknowledgedDisbursementProblems(ledger: ledger, expected: expected)
        report.problems += totalProblems(report)
        report.problems += acknowledgedClaimProblems(claimsByID: claimsByID, expected: expected)
        report.problems += journeyProblems(expected)
        return report
    }

    /// The report's figures, without problems.
    static func figures(ledger: [LedgerEntry], claims: [Claim], expected: Expectations) -> Report {
        var report = Report()
        report.ledgerEntries = ledger.count
        report.paidFen = ledger.reduce(0) { $0 + $1.amountFen }
        report.payees = Set(ledger.map { PayeeKey(kind: $0.payeeKind.rawValue, id: $0.payeeId) }).count
        report.acknowledgedFen = expected.disbursements.values.reduce(0) { $0 + $1.amountFen }
        report.claims = claims.count
        for decision in claims.compactMap(\.decision) {
            guard decision.eligible else {
                for rule in decision.refusingRuleIds { report.refusalsByRule[rule, default: 0] += 1 }
                continue
            }
            report.eligibleClaims += 1
            for tranche in decision.tranches where tranche.state == .held {
                report.heldTranches += 1
                report.heldFen += tranche.amountFen
            }
        }
        return report
    }

    /// The claims by id (the last listing wins), and a problem for each id listed again.
    static func index(_ claims: [Claim]) -> (byID: [String: Claim], listedTwice: [Problem]) {
        var byID: [String: Claim] = [:]
        var problems: [Problem] = []
        for claim in claims {
            if byID[claim.id] != nil {
                problems.append(Problem(kind: .claimListedTwice, message: "claim \(claim.id) listed twice"))
            }
            byID[claim.id] = claim
        }
        return (byID, problems)
    }

    /// The first entry whose sequence is not its position (1-based): sequences run 1..n without gaps.
    static func sequenceProblems(_ ledger: [LedgerEntry]) -> [Problem] {
        guard let gap = ledger.enumerated().first(where: { $0.element.sequence != Int64($0.offset + 1) }) else {
            return []
        }
        let (position, entry) = gap
        return [
            Problem(
                kind: .sequenceGap,
                message:
                    "entry \(entry.id) at position \(position + 1) has sequence \(entry.sequence) (want 1..\(ledger.count) without gaps)"
            )
        ]
    }

    /// No tranche paid twice, no entry id twice.
    static func uniquenessProblems(_ ledger: [LedgerEntry]) -> [Problem] {
        var problems: [Problem] = []
        var seenTranches: [String: String] = [:]
        var seenIDs: Set<String> = []
        for entry in ledger {
            if let first = seenTranches[entry.trancheId] {
                problems.append(
                    Problem(
                        kind: .tranchePaidTwice,
                        message: "tranche \(entry.trancheId) paid twice: \(first) and \(entry.id)"))
            }
            seenTranches[entry.trancheId] = entry.id
            if !seenIDs.insert(entry.id).inserted {
                problems.append(Problem(kind: .entryIDTwice, message: "ledger entry id \(entry.id) appears twice"))
            }
        }
        return problems
    }

    /// Per payee, the ledger pays what the eligible decisions' PAID tranches say.
    static func payeeTotalProblems(ledger: [LedgerEntry], claims: [Claim]) -> [Problem] {
        var ledgerSum: [PayeeKey: Int64] = [:]
        for entry in ledger {
            ledgerSum[PayeeKey(kind: entry.payeeKind.rawValue, id: entry.payeeId), default: 0] += entry.amountFen
        }
        var decidedSum: [PayeeKey: Int64] = [:]
        for claim in claims {
            guard let decision = claim.decision, decision.eligible else { continue }
            let payees = tranchePayees(claim)
            for tranche in decision.tranches where tranche.state == .paid {
                if let payee = payees[tranche.id] {
                    decidedSum[PayeeKey(kind: payee.0.rawValue, id: payee.1), default: 0] += tranche.amountFen
                }
            }
        }
        return Set(ledgerSum.keys).union(decidedSum.keys).sorted().compactMap { payee in
            let paid = ledgerSum[payee, default: 0], decided = decidedSum[payee, default: 0]
            guard paid != decided else { return nil }
            return Problem(
                kind: .payeeTotals, message: "payee \(payee): ledger \(paid) fen != paid decisions \(decided) fen")
        }
    }

    /// Every acknowledged Disburse is in the ledger with the same entry and amount, and nothing else is.
    static func acknowledgedDisbursementProblems(ledger: [LedgerEntry], expected: Expectations) -> [Problem] {
        var problems: [Problem] = []
        var ledgerByTranche: [String: LedgerEntry] = [:]
        for entry in ledger where ledgerByTranche[entry.trancheId] == nil { ledgerByTranche[entry.trancheId] = entry }
        for (trancheID, acknowledged) in expected.disbursements.sorted(by: { $0.key < $1.key }) {
            guard let entry = ledgerByTranche[trancheID] else {
                problems.append(
                    Problem(
                        kind: .lostAcknowledgedPayment,
                        message:
                            "Disburse of tranche \(trancheID) was acknowledged (entry \(acknowledged.id), \(acknowledged.amountFen) fen) but is not in the ledger"
                    ))
                continue
            }
            if entry.id != acknowledged.id || entry.amountFen != acknowledged.amountFen {
                problems.append(
                    Problem(
                        kind: .lostAcknowledgedPayment,
                        message:
                            "tranche \(trancheID): acknowledged entry \(acknowledged.id) of \(acknowledged.amountFen) fen, the ledger has \(entry.id) of \(entry.amountFen) fen"
                    ))
            }
        }
        for entry in ledger where expected.disbursements[entry.trancheId] == nil {
            problems.append(
                Problem(
                    kind: .unacknowledgedPayment,
                    message:
                        "ledger entry \(entry.id) pays tranche \(entry.trancheId), which no acknowledged Disburse paid"
                ))
        }
        return problems
    }

    /// The ledger pays in all what the acknowledged disbursements total.
    static func totalProblems(_ figures: Report) -> [Problem] {
        guard figures.acknowledgedFen != figures.paidFen else { return [] }
        return [
            Problem(
                kind: .totalsDiffer,
                message:
                    "the ledger pays \(figures.paidFen) fen, the acknowledged disbursements total \(figures.acknowledgedFen) fen"
            )
        ]
    }

    /// Every acknowledged decision is listed, as eligible or refused as it was acknowledged.
    static func acknowledgedClaimProblems(claimsByID: [String: Claim], expected: Expectations) -> [Problem] {
        var problems: [Problem] = []
        for (claimID, acknowledged) in expected.claims.sorted(by: { $0.key < $1.key }) {
            guard let claim = claimsByID[claimID] else {
                problems.append(
                    Problem(
                        kind: .acknowledgedClaimMissing,
                        message:
                            "claim \(claimID) (training \(acknowledged.trainingIndex)) was acknowledged but is not listed"
                    ))
                continue
            }
            if (claim.decision?.eligible ?? false) != acknowledged.eligible {
                problems.append(
                    Problem(
                        kind: .decisionChanged,
                        message:
                            "claim \(claimID): acknowledged \(acknowledged.eligible ? "eligible" : "refused"), listed \(claim.decision?.eligible == true ? "eligible" : "refused")"
                    ))
            }
        }
        return problems
    }

    /// Trainings that got another decision than planned, then journeys that did not finish.
    static func journeyProblems(_ expected: Expectations) -> [Problem] {
        let unexpected = expected.unexpectedDecisions.sorted(by: { $0.trainingIndex < $1.trainingIndex }).map {
            Problem(
                kind: .unexpectedDecision,
                message:
                    "training \($0.trainingIndex): planned \($0.expected), got \($0.eligible ? "eligible" : "refused \($0.refusingRuleIDs)")"
            )
        }
        let failed = expected.failures.sorted(by: { $0.key < $1.key }).map { training, error in
            Problem(
                kind: .journeyFailed,
                message: training >= 0
                    ? "training \(training) did not finish: \(error)"
                    : "cohort report of offering \(-1 - training) failed: \(error)")
        }
        return unexpected + failed
    }
}
