// Which rules decided a payment (R11: "every payment is traceable to the rule that decided it"),
// and how R1 words a completion date outside the policy's periods. Pure functions of the
// decision's branch and the policy version, so a replayed decision names the same rules.

import Essentials

/// The rules that set a tranche's amount, payee and timing. A rule that only passed a check
/// (R3, R4, R5, R10) or did not apply is in the decision's trace, not among these.
public enum RuleAttribution {
    /// A training-subsidy tranche: R1 fixed the standard, R2 made it payable only after the
    /// certificate, and the fee regime chose the share and the payee: R8 for an ordinary training
    /// (free for G4..G12, otherwise 先垫后补), R6 for new hires' pre-job training, R7 for a project
    /// (its 60 % now and the rest held for the employment rate).
    public static func trainingSubsidy(regime: FeeRegime) -> [RuleID] {
        switch regime {
        case .free, .advanceThenReimburse: [.r1, .r2, .r8]
        case .enterprise: [.r1, .r2, .r6]
        case .project: [.r1, .r2, .r7]
        }
    }

    /// A living-allowance tranche: R9 alone decides who gets it and how much.
    public static let livingAllowance: [RuleID] = [.r9]

    /// R1's reason when `date` is outside the version's period, in Chinese and English. A date
    /// after a version that reaches the programme's last year is after the programme itself
    /// ("falls after the programme's last policy period, which ends 2021-12-31"); likewise before.
    public static func outsidePeriod(_ date: CivilDate, policy: PolicyData) -> (zh: String, en: String) {
        let target = policy.target
        if date > policy.effectiveTo {
            if policy.effectiveTo.year >= target.toYear {
                return (
                    "结业日期\(date)晚于本计划最后一个政策期（至\(policy.effectiveTo)止），无补贴标准",
                    "the completion date \(date) falls after the programme's last policy period, which ends \(policy.effectiveTo)"
                )
            }
            return (
                "结业日期\(date)晚于政策版本\(policy.version)的执行期（至\(policy.effectiveTo)止）",
                "the completion date \(date) falls after policy version \(policy.version), which ends \(policy.effectiveTo)"
            )
        }
        if policy.effectiveFrom.year <= target.fromYear || date.year < target.fromYear {
            let first =
                policy.effectiveFrom.year <= target.fromYear ? policy.effectiveFrom : CivilDate(target.fromYear, 1, 1)
            return (
                "结业日期\(date)早于本计划第一个政策期（自\(first)起）",
                "the completion date \(date) falls before the programme's first policy period, which begins \(first)"
            )
        }
        return (
            "结业日期\(date)早于政策版本\(policy.version)的执行期（自\(policy.effectiveFrom)起）",
            "the completion date \(date) falls before policy version \(policy.version), which begins \(policy.effectiveFrom)"
        )
    }
}
