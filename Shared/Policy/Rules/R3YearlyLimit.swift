// R3 Three a year (docs/POLICY.md): at most N subsidised trainings per person per calendar year, the
// year of the completion date in the policy's time zone (Asia/Shanghai).

/// R3: earlier subsidies completed in the same year count; the enrolment being decided never counts
/// itself (a retried or replayed decision sees its own stored subsidy among the priors).
enum R3YearlyLimit {
    struct Verdict: RuleVerdict {
        /// The calendar year of the completion date.
        let year: Int
        /// Which subsidised training of that year this claim would be (1-based).
        let nth: Int
        let line: TraceLine
    }

    static func check(_ facts: ClaimFacts) -> Verdict {
        let year = facts.date.year
        let own = facts.enrollment.enrollmentId
        let sameYear = facts.priorSubsidies.filter { $0.enrollmentId != own && $0.completionDate.year == year }.count
        let nth = sameYear + 1
        let limit = facts.policy.maxSubsidisedTrainingsPerYear
        let zone = facts.policy.timeZone
        if nth <= limit {
            return Verdict(
                year: year, nth: nth,
                line: TraceLine(
                    .r3, .passed, zh: "R3: 本年度（\(year)年，\(zone)）第\(nth)次补贴培训（上限\(limit)次）",
                    en: "R3: \(ordinalEN(nth)) subsidised training in \(year) (\(zone); limit \(limit))"))
        }
        return Verdict(
            year: year, nth: nth,
            line: TraceLine(
                .r3, .refused, zh: "R3: 本年度（\(year)年，\(zone)）第\(nth)次补贴培训，超过每人每年\(limit)次上限",
                en:
                    "R3: would be the \(ordinalEN(nth)) subsidised training in \(year) (\(zone)), above the limit of \(limit) per person per year"
            ))
    }
}
