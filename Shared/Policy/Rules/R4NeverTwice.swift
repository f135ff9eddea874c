// R4 Never twice (docs/POLICY.md): never twice for the same occupation at the same level; another
// level of the same occupation is fine.

/// R4: refuses when an earlier subsidy (not this enrolment's own) has the same occupation and level;
/// names the first such subsidy, or the other levels already subsidised when it passes.
enum R4NeverTwice {
    static func check(_ facts: ClaimFacts) -> LineVerdict {
        let e = facts.enrollment
        var duplicate: PriorSubsidy?
        var otherLevels: [Int] = []
        for s in facts.priorSubsidies where s.enrollmentId != e.enrollmentId && s.occupationCode == e.occupationCode {
            if s.level == e.level {
                if duplicate == nil { duplicate = s }
            } else if !otherLevels.contains(s.level) {
                otherLevels.append(s.level)
            }
        }
        let (oz, oe, lz, le) = (facts.occupationZH, facts.occupationEN, facts.levelZH, facts.levelEN)
        if let d = duplicate {
            return LineVerdict(
                line: TraceLine(
                    .r4, .refused,
                    zh: "R4: 已享受\(oz)\(lz)补贴（报名\(d.enrollmentId)，\(d.completionDate)结业），同一职业同一等级不可重复享受",
                    en:
                        "R4: already subsidised for \(oe) at \(le) (enrolment \(d.enrollmentId), completed \(d.completionDate)); never twice for the same occupation and level"
                ))
        }
        if otherLevels.isEmpty {
            return LineVerdict(
                line: TraceLine(.r4, .passed, zh: "R4: 首次享受\(oz)\(lz)补贴", en: "R4: first subsidy for \(oe) at \(le)"))
        }
        otherLevels.sort(by: >)
        let others = otherLevels.map(SkillLevel.titleZH).joined(separator: "、")
        let othersEN = otherLevels.map(SkillLevel.titleEN).joined(separator: ", ")
        return LineVerdict(
            line: TraceLine(
                .r4, .passed, zh: "R4: 首次享受\(oz)\(lz)补贴（同职业已享受的\(others)为不同等级，不受限）",
                en:
                    "R4: first subsidy for \(oe) at \(le) (earlier subsidies of the same occupation were at another level: \(othersEN))"
            ))
    }
}
