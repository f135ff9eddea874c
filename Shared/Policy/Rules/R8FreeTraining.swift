// R8 Free training (docs/POLICY.md): for the free groups (G4..G12) the worker pays nothing and the
// institution is paid; others (G1, G3, ...) get subsidised training: the worker pays first and is
// reimbursed (先垫后补). Here also who pays and who is paid for R6 and R7 offerings.

/// R8: the fee regime and the payee of every claim, and R8's trace line.
enum R8FreeTraining {
    /// The fee regime by offering kind; an ordinary training is free when an attested (counting)
    /// category is one of the policy's free groups, which are returned too.
    static func regime(_ facts: ClaimFacts) -> (regime: FeeRegime, freeBy: GroupSet) {
        let freeBy = facts.qualifying.intersection(facts.policy.freeGroups)
        switch facts.enrollment.offeringKind {
        case .projectBased: return (.project, freeBy)
        case .newHirePreJob: return (.enterprise, freeBy)
        case .ordinary: return (freeBy.isEmpty ? .advanceThenReimburse : .free, freeBy)
        }
    }

    /// Who receives the training subsidy under `regime` (the policy's `payees`).
    static func payee(_ facts: ClaimFacts, regime: FeeRegime) -> Payee {
        let kind = facts.policy.payeeKind(for: regime)
        switch kind {
        case .worker: return Payee(kind, facts.worker.workerId)
        case .enterprise: return Payee(kind, facts.enrollment.enterpriseId ?? facts.worker.employerId ?? "")
        case .institution: return Payee(kind, facts.enrollment.institution.institutionId)
        }
    }

    /// Passed when the claim is eligible, else not applicable (nothing is paid); it never refuses.
    static func check(_ facts: ClaimFacts, _ s: Settlement) -> LineVerdict {
        let (pz, pe) = (payeeZH(s.payee), payeeEN(s.payee))
        var zh: String
        var en: String
        switch s.regime {
        case .free:
            let g = s.freeBy.groups
            zh = "R8: 免费培训（\(groupsZH(g))），劳动者不付费，补贴支付给\(pz)"
            en = "R8: free training (\(groupsEN(g))): the worker pays nothing; \(pe) is paid"
        case .advanceThenReimburse:
            let g = facts.qualifying.groups
            let gz = g.isEmpty ? "无特殊群体身份" : groupsZH(g)
            let ge = g.isEmpty ? "no special group" : groupsEN(g)
            zh = "R8: 补贴性培训（\(gz)）：劳动者先垫付培训费，取证后补贴\(yuanZH(s.amountFen))给\(pz)"
            en = "R8: subsidised training (\(ge)): the worker pays first and \(pe) is reimbursed \(yuanEN(s.amountFen))"
        case .enterprise:
            zh = "R8: 岗前培训由企业承担，劳动者不付费，补贴支付给\(pz)"
            en = "R8: the enterprise bears the pre-job training; the worker pays nothing; \(pe) is paid"
        case .project:
            zh = "R8: 项目制培训由政府购买，劳动者不付费，补贴支付给\(pz)"
            en = "R8: project-based training is purchased by the government; the worker pays nothing; \(pe) is paid"
        }
        if !facts.unverified.isEmpty {
            zh += "；自报未核实的类别不计入：\(groupsZH(facts.unverified.groups))"
            en += "; self-declared, unverified categories do not count: \(groupsEN(facts.unverified.groups))"
        }
        if !s.eligible {
            zh += "（补贴未获批准，不支付）"
            en += " (subsidy refused: nothing is paid)"
        }
        return LineVerdict(line: TraceLine(.r8, s.eligible ? .passed : .notApplicable, zh: zh, en: en))
    }
}
