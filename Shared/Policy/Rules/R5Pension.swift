// R5 Pensioners (docs/POLICY.md): people who draw a monthly pension are not eligible.

/// R5: refuses a worker drawing a monthly pension when the policy excludes them.
enum R5Pension {
    static func check(_ facts: ClaimFacts) -> LineVerdict {
        if facts.policy.monthlyPensionExcluded && facts.worker.drawsMonthlyPension {
            return LineVerdict(
                line: TraceLine(
                    .r5, .refused, zh: "R5: 按月领取养老金人员不纳入职业培训补贴范围",
                    en: "R5: a person drawing a monthly pension is not eligible"))
        }
        return LineVerdict(
            line: TraceLine(
                .r5, .passed, zh: "R5: 不按月领取养老金，纳入职业培训补贴范围",
                en: "R5: draws no monthly pension: eligible for training subsidies"))
    }
}
