// What every rule of Shared/Policy/Rules reads: the facts of one claim, checked by
// `SubsidyEngine.validate`, and the values several rules derive from them. A rule file (R1..R11, T1)
// takes these facts and returns its own verdict with its own trace line; `SubsidyEngine.decide`
// composes them in docs/POLICY.md order.

import Essentials

/// The facts of one well-formed claim under one policy version, with the derived values the rules
/// share (names for the trace, the categories that count). Built once per decision.
struct ClaimFacts: Sendable {
    let worker: WorkerFacts
    let enrollment: EnrollmentFacts
    let certificate: CertificateFacts?
    let priorSubsidies: [PriorSubsidy]
    let policy: PolicyData

    /// R1: the occupation of the version's table, `nil` when the table lacks it.
    let occupation: Occupation?
    /// "电工(6-31-01-03)" / "Electrician (6-31-01-03)", or the bare code when the table lacks it.
    let occupationZH: String
    let occupationEN: String
    let levelZH: String
    let levelEN: String
    /// The categories that count (attested, or not needing attestation) and the self-declared ones
    /// that do not (issue 4).
    let qualifying: GroupSet
    let unverified: GroupSet
    /// Minimum living support that counts (attested when the policy requires it).
    let lowIncome: Bool

    init(
        worker: WorkerFacts, enrollment: EnrollmentFacts, certificate: CertificateFacts?,
        priorSubsidies: [PriorSubsidy], policy: PolicyData
    ) {
        self.worker = worker
        self.enrollment = enrollment
        self.certificate = certificate
        self.priorSubsidies = priorSubsidies
        self.policy = policy
        let occupation = policy.occupation(enrollment.occupationCode)
        self.occupation = occupation
        occupationZH = occupation.map { "\($0.nameZH)(\($0.code))" } ?? enrollment.occupationCode
        occupationEN = occupation.map { "\($0.nameEN) (\($0.code))" } ?? enrollment.occupationCode
        levelZH = SkillLevel.titleZH(enrollment.level)
        levelEN = SkillLevel.titleEN(enrollment.level)
        (qualifying, unverified) = SubsidyEngine.qualifyingGroups(worker: worker, policy: policy)
        lowIncome =
            worker.lowIncomeSupport && (worker.lowIncomeSupportAttested || !policy.lowIncomeSupportRequiresAttestation)
    }

    /// The completion date: it picks the standard (R1), the year (R3) and the allowance window (R9).
    var date: CivilDate { enrollment.completionDate }
    /// The enrolled A3 level, 5 (初级工) ... 1 (高级技师).
    var level: Int { enrollment.level }
}

/// What the eligibility checks (R1..R6, R10) leave for the rules that pay (R7, R8, R9) and those that
/// report (R11, T1): whether the claim is eligible and, if so, how much and to whom.
struct Settlement: Sendable {
    let eligible: Bool
    /// The training subsidy in fen: the standard times the offering kind's share, floored; 0 when refused.
    let amountFen: Int64
    /// R8 (R6, R7 for their kinds): who pays for the training and who receives the subsidy.
    let regime: FeeRegime
    let payee: Payee
    /// The attested free groups (R8) that made an ordinary training free.
    let freeBy: GroupSet

    /// What the worker pays the institution first: the subsidy under 先垫后补 when the worker is
    /// reimbursed, else 0.
    var workerAdvanceFen: Int64 {
        eligible && regime == .advanceThenReimburse && payee.kind == .worker ? amountFen : 0
    }
}

/// A rule's verdict: its own trace line, plus whatever the rule contributes to the decision.
protocol RuleVerdict: Sendable {
    var line: TraceLine { get }
}

extension RuleVerdict {
    /// The rule refuses the claim (its line says why).
    var refuses: Bool { line.outcome == .refused }
}

/// A rule whose verdict is only its trace line (R5, R10, R11, ...).
struct LineVerdict: RuleVerdict {
    let line: TraceLine
}

extension TraceLine {
    /// "R2: a; b" / "R2: 甲；乙": a refusal that lists every reason the rule found.
    static func refusal(_ rule: RuleID, zh: [String], en: [String]) -> TraceLine {
        TraceLine(
            rule, .refused, zh: "\(rule.rawValue): " + zh.joined(separator: "；"),
            en: "\(rule.rawValue): " + en.joined(separator: "; "))
    }
}
