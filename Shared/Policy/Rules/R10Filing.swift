// R10 Filing (docs/POLICY.md): the institution must hold an accepted filing that covers the
// occupation. Checked with the other eligibility rules; traced in its place after R9.

/// R10: an accepted filing (备案) and a licence scope that includes the enrolled occupation.
enum R10Filing {
    static func check(_ facts: ClaimFacts) -> LineVerdict {
        let institution = facts.enrollment.institution
        let id = institution.institutionId
        var zh: [String] = []
        var en: [String] = []
        if !institution.filingAccepted {
            zh.append("培训机构\(id)备案未通过")
            en.append("institution \(id) has no accepted filing")
        }
        if !institution.licenceScope.contains(facts.enrollment.occupationCode) {
            zh.append("办学许可范围不含\(facts.occupationZH)")
            en.append("its licence scope does not cover \(facts.occupationEN)")
        }
        guard zh.isEmpty else { return LineVerdict(line: .refusal(.r10, zh: zh, en: en)) }
        return LineVerdict(
            line: TraceLine(
                .r10, .passed, zh: "R10: 培训机构\(id)备案已通过，办学许可范围包含\(facts.occupationZH)",
                en: "R10: institution \(id) has an accepted filing covering \(facts.occupationEN)"))
    }
}
