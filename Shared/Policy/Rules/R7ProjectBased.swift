// R7 Project-based training (docs/POLICY.md): a share of the subsidy (60%) is paid once the training
// is delivered, the rest only when the employment rate after training reaches the threshold (85%).
// Here: the tranches of every decision, and whether an employment report releases the held ones.

/// R7: the subsidy's tranches. Project-based: first = floor(amount * first%), the rest held for the
/// employment condition, so the tranches always sum exactly to the amount. Any other kind: one
/// tranche, made by R6 (enterprise) or R8.
enum R7ProjectBased {
    struct Verdict: RuleVerdict {
        /// The training-subsidy tranches, indexed from 1; empty when refused or nothing is due.
        let tranches: [Tranche]
        let line: TraceLine
    }

    static func split(_ facts: ClaimFacts, _ s: Settlement) -> Verdict {
        let decidedBy = RuleAttribution.trainingSubsidy(regime: s.regime)
        guard facts.enrollment.offeringKind == .projectBased else {
            var tranches: [Tranche] = []
            if s.eligible && s.amountFen > 0 {
                tranches.append(
                    Tranche(
                        index: 1, purpose: .trainingSubsidy, amountFen: s.amountFen, payee: s.payee,
                        condition: .onDecision, rule: s.regime == .enterprise ? .r6 : .r8, decidedBy: decidedBy))
            }
            return Verdict(
                tranches: tranches,
                line: TraceLine(
                    .r7, .notApplicable, zh: "R7: 非项目制培训，一次性拨付，不分期", en: "R7: not project-based: a single tranche"))
        }
        guard s.eligible else {
            return Verdict(
                tranches: [],
                line: TraceLine(
                    .r7, .notApplicable, zh: "R7: 项目制培训，补贴未获批准，不拨付",
                    en: "R7: project-based, but the subsidy is refused: nothing to pay"))
        }
        let pct = facts.policy.projectFirstTranchePercent
        let threshold = facts.policy.employmentThresholdPermille
        let first = s.amountFen * Int64(pct) / 100
        let rest = s.amountFen - first
        var tranches: [Tranche] = []
        for (amount, condition) in [
            (first, TrancheCondition.onDecision), (rest, .employmentRateAtLeast(permille: threshold)),
        ] where amount > 0 {
            tranches.append(
                Tranche(
                    index: tranches.count + 1, purpose: .trainingSubsidy, amountFen: amount, payee: s.payee,
                    condition: condition, rule: .r7, decidedBy: decidedBy))
        }
        let (pz, pe, t) = (payeeZH(s.payee), payeeEN(s.payee), permilleText(threshold))
        return Verdict(
            tranches: tranches,
            line: TraceLine(
                .r7, .passed,
                zh:
                    "R7: 项目制培训：先行拨付\(pct)%（\(yuanZH(first))）给\(pz)，其余\(100 - pct)%（\(yuanZH(rest))）待培训后就业率达到\(t)以上再拨付",
                en:
                    "R7: project-based: \(pct)% (\(yuanEN(first))) payable now to \(pe), the remaining \(100 - pct)% (\(yuanEN(rest))) held until the employment rate reaches \(t)"
            ))
    }
}

extension SubsidyEngine {
    /// R7: whether the held tranches of a project-based offering are released by its employment
    /// report: employed / trained >= threshold, compared as employed * 1000 >= trained * permille
    /// (integers only: 849/1000 stays held, 850/1000 and 17/20 release).
    public static func releaseHeldTranche(employment r: EmploymentReport, policy: PolicyData) -> TrancheRelease {
        let threshold = policy.employmentThresholdPermille
        let problems = employmentProblems(r)
        if !problems.isEmpty {
            let f = problems.map(\.field).joined(separator: ", ")
            return TrancheRelease(
                released: false, ratePermille: 0, rateBasisPoints: 0, thresholdPermille: threshold,
                policyVersion: policy.version, inputProblems: problems,
                trace: TraceLine(
                    .r7, .refused, zh: "R7: 就业情况报告无效（\(f)），余款暂缓拨付",
                    en: "R7: invalid employment report (\(f)); the held tranche stays held"))
        }
        let released = r.employed * 1000 >= r.trained * threshold
        let rate = r.employed * 1000 / r.trained
        let (rt, tt) = (permilleText(rate), permilleText(threshold))
        let trace =
            released
            ? TraceLine(
                .r7, .passed, zh: "R7: 培训后就业率\(rt)（\(r.employed)/\(r.trained)），达到\(tt)以上，拨付暂缓的余款",
                en:
                    "R7: employment rate \(rt) (\(r.employed) of \(r.trained)) reaches \(tt): the held tranches are released"
            )
            : TraceLine(
                .r7, .refused, zh: "R7: 培训后就业率\(rt)（\(r.employed)/\(r.trained)），未达到\(tt)，余款继续暂缓拨付",
                en:
                    "R7: employment rate \(rt) (\(r.employed) of \(r.trained)) is below \(tt): the held tranches stay held"
            )
        return TrancheRelease(
            released: released, ratePermille: rate, rateBasisPoints: r.employed * 10_000 / r.trained,
            thresholdPermille: threshold, policyVersion: policy.version, inputProblems: [], trace: trace)
    }

    private static func employmentProblems(_ r: EmploymentReport) -> [InputProblem] {
        var problems: [InputProblem] = []
        if r.trained <= 0 || r.trained > 10_000_000 {
            problems.append(
                InputProblem(
                    field: "employment.trained", rule: .r7, message: "\(r.trained) is not 1...10000000",
                    messageZH: "\(r.trained) 不在1至10000000之间"))
        }
        if r.employed < 0 || r.employed > max(r.trained, 0) {
            problems.append(
                InputProblem(
                    field: "employment.employed", rule: .r7, message: "\(r.employed) is not 0...trained (\(r.trained))",
                    messageZH: "\(r.employed) 不在0至培训人数（\(r.trained)）之间"))
        }
        return problems
    }
}
