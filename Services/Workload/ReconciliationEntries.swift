import Schema

/// The checks of one ledger entry: traceable on its own, and the paid tranche of an eligible decision
/// of the same enrolment, certificate, policy, amount and payee.
extension Reconciliation {
    static func entryProblems(_ entry: LedgerEntry, claimsByID: [String: Claim]) -> [Problem] {
        let at = "ledger entry \(entry.id) (seq \(entry.sequence), tranche \(entry.trancheId))"
        let traceability = traceabilityProblems(entry, at: at)
        guard let claim = claimsByID[entry.claimId], let decision = claim.decision else {
            return traceability + [
                Problem(kind: .unknownClaim, message: "\(at): claim \(entry.claimId) is not among the listed claims")
            ]
        }
        return traceability + decisionAgreementProblems(entry, claim: claim, decision: decision, at: at)
            + trancheAgreementProblems(entry, claim: claim, decision: decision, at: at)
    }

    /// A positive amount, a policy version, rule ids with R11, an enrolment and a certificate.
    static func traceabilityProblems(_ entry: LedgerEntry, at: String) -> [Problem] {
        var problems: [Problem] = []
        func untraceable(_ message: String) { problems.append(Problem(kind: .untraceableEntry, message: message)) }
        if entry.amountFen <= 0 { untraceable("\(at): amount \(entry.amountFen) fen is not positive") }
        if entry.policyVersion.isEmpty { untraceable("\(at): no policy_version") }
        if entry.ruleIds.isEmpty {
            untraceable("\(at): no rule ids")
        } else if !entry.ruleIds.contains("R11") {
            untraceable("\(at): rule ids \(entry.ruleIds) lack R11 (the special fund)")
        }
        if entry.enrollmentId.isEmpty { untraceable("\(at): no enrollment_id") }
        if entry.certificateNumber.isEmpty { untraceable("\(at): no certificate_number") }
        return problems
    }

    /// The entry agrees with its claim's decision: eligible, same enrolment, certificate, deciding
    /// rules (those of its tranche) and policy version.
    static func decisionAgreementProblems(_ entry: LedgerEntry, claim: Claim, decision: Decision, at: String)
        -> [Problem]
    {
        var problems: [Problem] = []
        func disagrees(_ message: String) { problems.append(Problem(kind: .entryDisagreesWithClaim, message: message)) }
        if !decision.eligible {
            problems.append(
                Problem(
                    kind: .refusedClaimPaid,
                    message: "\(at): pays claim \(claim.id), whose decision is refused (\(decision.refusingRuleIds))"))
        }
        if entry.enrollmentId != claim.enrollmentId {
            disagrees("\(at): enrolment \(entry.enrollmentId) != claim's \(claim.enrollmentId)")
        }
        if entry.certificateNumber != claim.certificateNumber {
            disagrees("\(at): certificate \(entry.certificateNumber) != claim's \(claim.certificateNumber)")
        }
        if entry.decidedBy.isEmpty {
            problems.append(
                Problem(
                    kind: .untraceableEntry,
                    message: "\(at): no decided_by (the rules that decided the payment, R11)"))
        } else if let tranche = decision.tranches.first(where: { $0.id == entry.trancheId }),
            !tranche.decidedBy.isEmpty,
            tranche.decidedBy != entry.decidedBy
        {
            disagrees("\(at): decided by \(entry.decidedBy) != its tranche's \(tranche.decidedBy)")
        }
        if entry.policyVersion != decision.policyVersion {
            disagrees("\(at): policy \(entry.policyVersion) != decision's \(decision.policyVersion)")
        }
        return problems
    }

    /// The entry pays a tranche of the decision, of its amount, marked PAID with this entry, to the
    /// payee the decision names for it.
    static func trancheAgreementProblems(_ entry: LedgerEntry, claim: Claim, decision: Decision, at: String)
        -> [Problem]
    {
        guard let tranche = decision.tranches.first(where: { $0.id == entry.trancheId }) else {
            return [Problem(kind: .entryDisagreesWithClaim, message: "\(at): claim \(claim.id) has no such tranche")]
        }
        var problems: [Problem] = []
        if tranche.amountFen != entry.amountFen {
            problems.append(
                Problem(
                    kind: .entryDisagreesWithClaim,
                    message: "\(at): amount \(entry.amountFen) != tranche's \(tranche.amountFen)"))
        }
        if tranche.state != .paid {
            problems.append(
                Problem(
                    kind: .trancheNotMarkedPaid,
                    message: "\(at): the claim shows the tranche \(tranche.state.protoName), not PAID"))
        } else if tranche.ledgerEntryId != entry.id {
            problems.append(
                Problem(
                    kind: .trancheNotMarkedPaid,
                    message: "\(at): the claim's tranche names ledger entry '\(tranche.ledgerEntryId)'"))
        }
        if let payee = tranchePayees(claim)[tranche.id], payee.0 != entry.payeeKind || payee.1 != entry.payeeId {
            problems.append(
                Problem(
                    kind: .entryDisagreesWithClaim,
                    message:
                        "\(at): paid to (\(entry.payeeKind.protoName), \(entry.payeeId)), the decision says (\(payee.0.protoName), \(payee.1))"
                ))
        }
        return problems
    }
}
