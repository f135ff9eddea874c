// T1 The programme target (docs/POLICY.md): subsidised trainings counted towards the programme's
// target. Here whether one decision counts, and the progress over all counted decisions.

/// T1: an eligible decision completed in the programme years counts as one subsidised
/// trainee-training.
enum T1Target {
    struct Verdict: RuleVerdict {
        let counts: Bool
        let line: TraceLine
    }

    /// `year`: the calendar year of the completion date (R3's).
    static func check(_ facts: ClaimFacts, eligible: Bool, year: Int) -> Verdict {
        let t = facts.policy.target
        let counts = eligible && year >= t.fromYear && year <= t.toYear
        if counts {
            return Verdict(
                counts: true,
                line: TraceLine(
                    .t1, .info, zh: "T1: 计入\(t.fromYear)-\(t.toYear)年补贴性职业技能培训\(t.subsidisedTrainings)人次目标（\(year)年）",
                    en:
                        "T1: counts toward the \(t.fromYear)-\(t.toYear) target of \(t.subsidisedTrainings) subsidised trainings (\(year))"
                ))
        }
        let why = eligible ? "\(year)年不在目标期内" : "补贴未获批准"
        let whyEN = eligible ? "\(year) is outside the target period" : "the subsidy is refused"
        return Verdict(
            counts: false,
            line: TraceLine(
                .t1, .info, zh: "T1: 不计入\(t.subsidisedTrainings)人次目标（\(why)）",
                en: "T1: does not count toward the target of \(t.subsidisedTrainings) (\(whyEN))"))
    }
}

extension SubsidyEngine {
    /// T1: progress of the programme target given the number of subsidised trainings counted
    /// (eligible decisions with `countsTowardTarget`).
    public static func targetProgress(subsidisedTrainings n: Int, policy: PolicyData) -> TargetProgress {
        let t = policy.target
        let achieved = max(0, n)
        let permille = achieved * 1000 / t.subsidisedTrainings
        let met = achieved >= t.subsidisedTrainings
        return TargetProgress(
            target: t.subsidisedTrainings, achieved: achieved, permille: permille, met: met,
            fromYear: t.fromYear, toYear: t.toYear,
            trace: TraceLine(
                .t1, met ? .passed : .info,
                zh:
                    "T1: \(t.fromYear)-\(t.toYear)年补贴性职业技能培训\(achieved)人次，目标\(t.subsidisedTrainings)人次（\(permilleText(permille))）\(met ? "，已完成" : "")",
                en:
                    "T1: \(achieved) subsidised trainings \(t.fromYear)-\(t.toYear) against a target of \(t.subsidisedTrainings) (\(permilleText(permille)))\(met ? ": met" : "")"
            ))
    }
}
