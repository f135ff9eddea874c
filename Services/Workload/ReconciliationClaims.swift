import Schema

/// The checks of the listed claims, claim by claim in listing order: a refused decision pays
/// nothing; an eligible one's tranches sum to its amount and allowance, each PAID tranche has its
/// ledger entry, the worker stays within R3 and R4, and tranches are held exactly where R7 says.
extension Reconciliation {
    static func claimProblems(_ claims: [Claim], ledger: [LedgerEntry], expected: Expectations) -> [Problem] {
        let enteredTranches = Set(ledger.map(\.trancheId))
        var limits = SubsidyLimits(maxTrainingsPerYear: expected.maxTrainingsPerYear)
        var problems: [Problem] = []
        for claim in claims {
            guard let decision = claim.decision else { continue }
            guard decision.eligible else {
                problems += refusedClaimProblems(claim, decision: decision)
                continue
            }
            problems += trancheSumProblems(claim, decision: decision)
            problems += paidTrancheProblems(claim, decision: decision, enteredTranches: enteredTranches)
            problems += limits.yearProblems(claim, decision: decision)
            problems += limits.occupationProblems(claim)
            problems += employmentHoldProblems(claim, decision: decision, expected: expected)
        }
        return problems
    }

    static func refusedClaimProblems(_ claim: Claim, decision: Decision) -> [Problem] {
        guard decision.tranches.contains(where: { $0.state == .paid }) else { return [] }
        return [Problem(kind: .refusedClaimPaid, message: "claim \(claim.id): refused decision has a paid tranche")]
    }

    static func trancheSumProblems(_ claim: Claim, decision: Decision) -> [Problem] {
        let sum = decision.tranches.reduce(Int64(0)) { $0 + $1.amountFen }
        guard sum != decision.amountFen + decision.livingAllowanceFen else { return [] }
        return [
            Problem(
                kind: .tranchesDoNotSum,
                message:
                    "claim \(claim.id): tranches sum to \(sum), amount + allowance = \(decision.amountFen + decision.livingAllowanceFen)"
            )
        ]
    }

    static func paidTrancheProblems(_ claim: Claim, decision: Decision, enteredTranches: Set<String>) -> [Problem] {
        decision.tranches.filter { $0.state == .paid && !enteredTranches.contains($0.id) }.map { tranche in
            Problem(
                kind: .paidTrancheWithoutEntry,
                message: "claim \(claim.id): tranche \(tranche.id) is PAID but has no ledger entry")
        }
    }

    /// R7: held exactly where the offering is project-based and its reported rate is below the
    /// threshold (or was not reported).
    static func employmentHoldProblems(_ claim: Claim, decision: Decision, expected: Expectations) -> [Problem] {
        let held = decision.tranches.filter { $0.state == .held }
        guard claim.offeringKind == .projectBased else {
            guard !held.isEmpty else { return [] }
            return [
                Problem(
                    kind: .heldWhereNotExpected,
                    message: "claim \(claim.id): a \(claim.offeringKind.protoName) offering has held tranches")
            ]
        }
        let rate = expected.employmentRates[claim.offeringId]
        let shouldHold = rate.map { $0 < expected.employmentThresholdBasisPoints } ?? true
        if shouldHold && held.isEmpty {
            return [
                Problem(
                    kind: .notHeldWhereExpected,
                    message:
                        "claim \(claim.id): offering \(claim.offeringId) reported \(rate.map { "\($0) bp" } ?? "no rate"), below the threshold, yet no tranche is held (R7)"
                )
            ]
        }
        if !shouldHold && !held.isEmpty {
            return [
                Problem(
                    kind: .heldWhereNotExpected,
                    message:
                        "claim \(claim.id): offering \(claim.offeringId) reported \(rate ?? 0) bp, at or above the threshold, yet \(held.count) tranche(s) are held (R7)"
                )
            ]
        }
        return []
    }
}

/// R3 and R4 over the eligible decisions met so far.
struct SubsidyLimits {
    let maxTrainingsPerYear: Int
    /// Eligible decisions by "worker/subsidy year".
    var perYear: [String: Int] = [:]
    /// The first eligible claim by "worker/occupation/level".
    var perOccupationLevel: [String: String] = [:]

    /// R3: reported once, by the decision that goes over the yearly limit.
    mutating func yearProblems(_ claim: Claim, decision: Decision) -> [Reconciliation.Problem] {
        let key = "\(claim.workerId)/\(decision.subsidyYear)"
        perYear[key, default: 0] += 1
        guard perYear[key] == maxTrainingsPerYear + 1 else { return [] }
        return [
            Reconciliation.Problem(
                kind: .tooManyInYear,
                message:
                    "worker \(claim.workerId) has more than \(maxTrainingsPerYear) subsidised trainings in \(decision.subsidyYear) (R3)"
            )
        ]
    }

    /// R4: every further eligible claim for an occupation and level the worker was subsidised for.
    mutating func occupationProblems(_ claim: Claim) -> [Reconciliation.Problem] {
        let key = "\(claim.workerId)/\(claim.occupation?.code ?? "")/\(claim.level.rawValue)"
        guard let first = perOccupationLevel[key] else {
            perOccupationLevel[key] = claim.id
            return []
        }
        return [
            Reconciliation.Problem(
                kind: .sameOccupationAndLevelTwice,
                message:
                    "worker \(claim.workerId) is subsidised twice for \(claim.occupation?.code ?? "") level \(claim.level.rawValue): claims \(first) and \(claim.id) (R4)"
            )
        ]
    }
}
