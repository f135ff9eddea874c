// R1 One standard (docs/POLICY.md): an occupation at a level carries one subsidy, the same for urban
// and rural workers, from the version in force on the completion date. Also the standard look-up
// (GetSubsidyStandard, matching's publish check).

import Essentials

/// R1: the standard of the version in force on the completion date. No urban/rural input exists in
/// the look-up at all (城乡统一).
enum R1Standard {
    struct Verdict: RuleVerdict {
        /// The version's standard for the occupation and level, `nil` when it has none (even when
        /// the date is outside the version, so the decision still reports it).
        let standardFen: Int64?
        let line: TraceLine
    }

    static func check(_ facts: ClaimFacts) -> Verdict {
        let policy = facts.policy
        let standard = facts.occupation?.standardFen(level: facts.level)
        var zh: [String] = []
        var en: [String] = []
        if !policy.isInForce(on: facts.date) {
            let outside = RuleAttribution.outsidePeriod(facts.date, policy: policy)
            zh.append(outside.zh)
            en.append(outside.en)
        }
        let code = facts.enrollment.occupationCode
        if facts.occupation == nil {
            zh.append("职业\(code)不在补贴标准目录内")
            en.append("occupation \(code) has no subsidy standard")
        } else if standard == nil {
            zh.append("\(facts.occupationZH)\(facts.levelZH)无补贴标准")
            en.append("\(facts.occupationEN) has no standard at \(facts.levelEN)")
        }
        guard zh.isEmpty, let s = standard else {
            return Verdict(standardFen: standard, line: .refusal(.r1, zh: zh, en: en))
        }
        return Verdict(
            standardFen: s,
            line: TraceLine(
                .r1, .passed,
                zh:
                    "R1: \(facts.occupationZH)\(facts.levelZH)补贴标准\(yuanZH(s))，城乡统一（版本\(policy.version)，\(policy.effectiveFrom)起执行）",
                en:
                    "R1: standard for \(facts.occupationEN) at \(facts.levelEN): \(yuanEN(s)), the same for urban and rural workers (version \(policy.version), in force from \(policy.effectiveFrom))"
            ))
    }
}

extension SubsidyEngine {
    /// R1: the standard in force on `date` for an occupation and level, or `nil` when no version is
    /// in force or the table has no such occupation / level.
    public static func standard(occupation: String, level: Int, on date: CivilDate, book: PolicyBook) -> StandardQuote?
    {
        guard date.isValid, let v = book.inForce(on: date) else { return nil }
        return standard(occupation: occupation, level: level, policy: v)
    }

    /// R1: the standard of one version.
    public static func standard(occupation code: String, level: Int, policy: PolicyData) -> StandardQuote? {
        guard let o = policy.occupation(code), let fen = o.standardFen(level: level) else { return nil }
        return StandardQuote(
            occupationCode: o.code, occupationZH: o.nameZH, occupationEN: o.nameEN, level: level,
            amountFen: fen, policyVersion: policy.version,
            effectiveFrom: policy.effectiveFrom, effectiveTo: policy.effectiveTo)
    }
}
