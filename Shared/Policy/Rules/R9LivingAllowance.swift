// R9 Living allowance (docs/POLICY.md): during training for G5 and their children (G4); for G6 who
// are rural, or urban from a minimum-living-support family; for G10 only within its window. Once per
// training, paid to the worker.

import Essentials

/// R9: the first group rule of the policy data that the worker matches gives the allowance:
/// daily amount × (training days × attendance / 100, floored), at most the policy's days.
enum R9LivingAllowance {
    struct Verdict: RuleVerdict {
        /// 0 when none is due or the claim is refused.
        let allowanceFen: Int64
        /// The allowance tranche (index `nextIndex`), when there is money to pay.
        let tranche: Tranche?
        let line: TraceLine
    }

    /// `nextIndex`: the index the allowance tranche takes after the subsidy's tranches.
    static func check(_ facts: ClaimFacts, _ s: Settlement, nextIndex: Int) -> Verdict {
        let (matched, missZH, missEN) = match(facts)
        guard let m = matched else {
            if missZH.isEmpty {
                return Verdict(
                    allowanceFen: 0, tranche: nil,
                    line: TraceLine(
                        .r9, .notApplicable, zh: "R9: 不属于生活费补贴对象", en: "R9: not entitled to a living allowance"))
            }
            return Verdict(
                allowanceFen: 0, tranche: nil,
                line: TraceLine(
                    .r9, .notApplicable, zh: "R9: 无生活费补贴：" + missZH.joined(separator: "；"),
                    en: "R9: no living allowance: " + missEN.joined(separator: "; ")))
        }
        let g = m.group
        guard s.eligible else {
            return Verdict(
                allowanceFen: 0, tranche: nil,
                line: TraceLine(
                    .r9, .notApplicable, zh: "R9: 属生活费补贴对象（\(g.rawValue)\(g.titleZH)），但补贴未获批准，不发放",
                    en:
                        "R9: entitled to the living allowance (\(g.rawValue) \(g.titleEN)), but the subsidy is refused: none is paid"
                ))
        }
        let la = facts.policy.livingAllowance
        let e = facts.enrollment
        let days = min(e.trainingDays * e.attendancePercent / 100, la.maxDaysPerTraining)
        let allowance = la.dailyFen * Int64(days)
        let payee = Payee(facts.policy.payees.livingAllowance, facts.worker.workerId)
        let tranche =
            allowance > 0
            ? Tranche(
                index: nextIndex, purpose: .livingAllowance, amountFen: allowance, payee: payee,
                condition: .onDecision, rule: .r9, decidedBy: RuleAttribution.livingAllowance) : nil
        return Verdict(
            allowanceFen: allowance, tranche: tranche,
            line: TraceLine(
                .r9, .passed,
                zh:
                    "R9: 生活费补贴（\(g.rawValue)\(g.titleZH)）：\(yuanZH(la.dailyFen))/天×\(days)天=\(yuanZH(allowance))，支付给\(payeeZH(payee))（培训\(e.trainingDays)天，出勤\(e.attendancePercent)%，上限\(la.maxDaysPerTraining)天）",
                en:
                    "R9: living allowance (\(g.rawValue) \(g.titleEN)): \(yuanEN(la.dailyFen))/day × \(days) days = \(yuanEN(allowance)), paid to \(payeeEN(payee)) (\(e.trainingDays) training days, \(e.attendancePercent)% attendance, at most \(la.maxDaysPerTraining) days)"
            ))
    }

    /// The first group rule the worker meets, and why each earlier rule of a declared group missed.
    private static func match(_ facts: ClaimFacts) -> (AllowanceGroupRule?, [String], [String]) {
        var missZH: [String] = []
        var missEN: [String] = []
        for rule in facts.policy.livingAllowance.groups {
            let g = rule.group
            if !facts.qualifying.contains(g) {
                if facts.unverified.contains(g) {
                    missZH.append("\(g.rawValue)\(g.titleZH)为自报未核实")
                    missEN.append("\(g.rawValue) \(g.titleEN) is self-declared, not attested")
                }
                continue
            }
            if let miss = requirementMiss(rule, facts: facts) ?? windowMiss(rule, date: facts.date) {
                missZH.append(miss.zh)
                missEN.append(miss.en)
                continue
            }
            return (rule, missZH, missEN)
        }
        return (nil, missZH, missEN)
    }

    /// Why the worker fails the rule's hukou / minimum-living-support requirement, `nil` when met.
    private static func requirementMiss(_ rule: AllowanceGroupRule, facts: ClaimFacts) -> (zh: String, en: String)? {
        let g = rule.group
        let rural = facts.worker.hukou == .rural
        switch rule.requires {
        case .none:
            return nil
        case .ruralHukouOrLowIncomeSupport:
            if rural || facts.lowIncome { return nil }
            return (
                "\(g.rawValue)\(g.titleZH)为城镇户籍且非（经核实的）低保家庭",
                "\(g.rawValue) \(g.titleEN) is urban and not from an (attested) minimum-living-support family"
            )
        case .ruralHukou:
            if rural { return nil }
            return ("\(g.rawValue)\(g.titleZH)非农村户籍", "\(g.rawValue) \(g.titleEN) is not rural")
        case .lowIncomeSupport:
            if facts.lowIncome { return nil }
            return (
                "\(g.rawValue)\(g.titleZH)非（经核实的）低保家庭",
                "\(g.rawValue) \(g.titleEN) is not from an (attested) minimum-living-support family"
            )
        }
    }

    /// Why the completion date falls outside the rule's window (G10: 2019-01-01 .. 2020-12-31), `nil`
    /// when it has none or the date is inside.
    private static func windowMiss(_ rule: AllowanceGroupRule, date: CivilDate) -> (zh: String, en: String)? {
        guard let from = rule.from, let to = rule.to, !(from <= date && date <= to) else { return nil }
        let g = rule.group
        return (
            "\(g.rawValue)\(g.titleZH)的生活费补贴限\(from)至\(to)期间的培训，本次\(date)结业",
            "\(g.rawValue) \(g.titleEN) receives the allowance only for training within \(from) to \(to); this one completed \(date)"
        )
    }
}
