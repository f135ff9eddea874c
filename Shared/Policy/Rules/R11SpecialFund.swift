// R11 The special fund (docs/POLICY.md): the special fund for skills upgrading pays; every payment is
// traceable to its enrolment, policy version and the rules that decided it (RuleAttribution.swift
// names those per tranche). Here R11's trace line, for decided and for undecidable input.

/// R11: what the fund pays (or which rules refused) under which version and fingerprint.
enum R11SpecialFund {
    /// `refusedBy`: the refusing rules in docs/POLICY.md order (empty when eligible).
    static func check(_ facts: ClaimFacts, _ s: Settlement, refusedBy: [RuleID], allowanceFen: Int64) -> LineVerdict {
        let p = facts.policy
        let enrolment = facts.enrollment.enrollmentId
        if s.eligible {
            let total = s.amountFen + allowanceFen
            return LineVerdict(
                line: TraceLine(
                    .r11, .info,
                    zh: "R11: 由职业技能提升行动专项资金支付\(yuanZH(total))；依据政策版本\(p.version)（指纹\(p.fingerprint)），报名\(enrolment)",
                    en:
                        "R11: \(yuanEN(total)) from the vocational-skills upgrading special fund; policy version \(p.version) (fingerprint \(p.fingerprint)), enrolment \(enrolment)"
                ))
        }
        let ids = refusedBy.map(\.rawValue).joined(separator: ", ")
        return LineVerdict(
            line: TraceLine(
                .r11, .info,
                zh: "R11: 不予补贴，拒绝规则\(ids)；依据政策版本\(p.version)（指纹\(p.fingerprint)），报名\(enrolment)",
                en:
                    "R11: refused by \(ids); policy version \(p.version) (fingerprint \(p.fingerprint)), enrolment \(enrolment)"
            ))
    }

    /// The closing line of a decision refused for invalid input (`SubsidyEngine.validate`).
    static func invalidInput(refusedBy: [RuleID], policy p: PolicyData) -> TraceLine {
        let ids = refusedBy.map(\.rawValue).joined(separator: ", ")
        return TraceLine(
            .r11, .info, zh: "R11: 输入无效，不予补贴，拒绝规则\(ids)；政策版本\(p.version)（指纹\(p.fingerprint)）",
            en: "R11: invalid input, refused by \(ids); policy version \(p.version) (fingerprint \(p.fingerprint))")
    }
}
