// The outputs of the engine. Every type is a plain value (Sendable, Equatable, Codable) so the
// payment service can store a decision as is and compare a replay with the stored one (R11).

import Essentials

public enum PayeeKind: String, Sendable, Hashable, Codable, CaseIterable {
    case worker
    case enterprise
    case institution
}

/// Who receives money: a worker, an enterprise or an institution, by id.
public struct Payee: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: PayeeKind
    public var id: String

    public init(_ kind: PayeeKind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    public var description: String { "\(kind.rawValue):\(id)" }
}

/// Who pays for the training itself (R8 and the offering kinds).
public enum FeeRegime: String, Sendable, Hashable, Codable {
    /// R8 free groups: the worker pays nothing; the institution is paid the subsidy.
    case free
    /// 先垫后补: the worker pays the institution first and the subsidy reimburses the worker.
    case advanceThenReimburse
    /// R6: the enterprise pays for its new hires' pre-job training and receives the subsidy.
    case enterprise
    /// R7: government-purchased project training: the worker pays nothing, the institution is paid.
    case project
}

public enum TranchePurpose: String, Sendable, Hashable, Codable {
    case trainingSubsidy
    case livingAllowance
}

/// When a tranche may be paid.
public enum TrancheCondition: Sendable, Hashable, Codable {
    /// Payable once the decision is eligible (the R2 certificate is already verified).
    case onDecision
    /// R7: held until the offering's employment rate is at least `permille`/1000.
    case employmentRateAtLeast(permille: Int)

    /// For the contract's `Tranche.condition`: "" when payable on decision, else
    /// "R7: employment rate >= 85.0%".
    public var text: String {
        switch self {
        case .onDecision: ""
        case .employmentRateAtLeast(let p): "R7: employment rate >= \(p / 10).\(p % 10)%"
        }
    }
}

public struct Tranche: Sendable, Hashable, Codable {
    /// 1-based, stable: the payment service keys "paid exactly once" on (claim, index).
    public var index: Int
    public var purpose: TranchePurpose
    public var amountFen: Int64
    public var payee: Payee
    public var condition: TrancheCondition
    /// The rule that made this tranche (R7 for the split, R6/R8 for the payee, R9 for allowances).
    public var rule: RuleID
    /// Every rule that decided this tranche's amount, payee or timing (R11), in POLICY.md order:
    /// `RuleAttribution`. Rules that only passed a check are in the trace, not here.
    public var decidedBy: [RuleID]

    public init(
        index: Int, purpose: TranchePurpose, amountFen: Int64, payee: Payee, condition: TrancheCondition, rule: RuleID,
        decidedBy: [RuleID]? = nil
    ) {
        self.index = index
        self.purpose = purpose
        self.amountFen = amountFen
        self.payee = payee
        self.condition = condition
        self.rule = rule
        self.decidedBy = decidedBy ?? [rule]
    }

    public var isHeld: Bool {
        if case .employmentRateAtLeast = condition { return true }
        return false
    }
}

public enum TraceOutcome: String, Sendable, Hashable, Codable {
    /// The rule was checked and holds (or contributed an amount).
    case passed
    /// The rule refuses the subsidy.
    case refused
    /// The rule does not apply to this case.
    case notApplicable
    /// Information only (R11, T1).
    case info
}

/// One line of the human-readable trace, in Chinese and English.
public struct TraceLine: Sendable, Hashable, Codable, CustomStringConvertible {
    public var rule: RuleID
    public var outcome: TraceOutcome
    public var zh: String
    public var en: String

    public init(_ rule: RuleID, _ outcome: TraceOutcome, zh: String, en: String) {
        self.rule = rule
        self.outcome = outcome
        self.zh = zh
        self.en = en
    }

    public var description: String { "\(zh) / \(en)" }
}

/// A field of the input that cannot be decided on (the caller should answer INVALID_ARGUMENT
/// naming `field` and `rule`).
public struct InputProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var field: String
    public var rule: RuleID
    /// English, for the status message.
    public var message: String
    public var messageZH: String

    public init(field: String, rule: RuleID, message: String, messageZH: String) {
        self.field = field
        self.rule = rule
        self.message = message
        self.messageZH = messageZH
    }

    public var description: String { "\(rule.rawValue): \(field): \(message)" }
}

public struct SubsidyDecision: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case eligible
        case refused
    }

    public var outcome: Outcome
    /// Every rule that refused, in docs/POLICY.md order; empty when eligible, never empty when refused.
    public var refusedBy: [RuleID]
    /// R11: the policy version (and its content fingerprint) that decided.
    public var policyVersion: String
    public var policyFingerprint: String
    public var enrollmentId: String
    public var workerId: String
    /// R1: the standard in force for the occupation and level (0 when none).
    public var standardFen: Int64
    /// The training subsidy (0 when refused).
    public var amountFen: Int64
    /// Who receives the training subsidy (`nil` when refused).
    public var payee: Payee?
    public var feeRegime: FeeRegime
    /// What the worker pays the institution first: the subsidy amount under 先垫后补, 0 when the
    /// training is free (R8), the enterprise's (R6) or a project's (R7). Reimbursed by `amountFen`.
    public var workerAdvanceFen: Int64
    /// R9 living allowance (0 when none or refused), always paid to the worker.
    public var livingAllowanceFen: Int64
    /// Subsidy tranches (R7 split) then the allowance tranche. Sum = amountFen + livingAllowanceFen.
    public var tranches: [Tranche]
    /// R3: the calendar year of the completion date (policy time zone) and which subsidised training
    /// of that year this is (1-based).
    public var year: Int
    public var trainingNumberInYear: Int
    /// T1: an eligible decision in the programme period counts as one subsidised trainee-training.
    public var countsTowardTarget: Bool
    /// Non-empty when the input could not be decided on (then the decision is refused by their rules).
    public var inputProblems: [InputProblem]
    /// One line per rule (R1..R11, T1) for a well-formed input.
    public var trace: [TraceLine]

    public var isEligible: Bool { outcome == .eligible }
    public var totalFen: Int64 { amountFen + livingAllowanceFen }
    /// The part payable now (tranches without a held condition).
    public var payableNowFen: Int64 { tranches.filter { !$0.isHeld }.reduce(0) { $0 + $1.amountFen } }
    public var heldFen: Int64 { tranches.filter { $0.isHeld }.reduce(0) { $0 + $1.amountFen } }

    /// The trace as text, one line per rule: "R3: ... / R3: ...".
    public var traceText: String { trace.map(\.description).joined(separator: "\n") }

    /// The rules that decided what is paid (the union of the tranches' `decidedBy`), POLICY.md order.
    public var decidedBy: [RuleID] {
        var rules = RuleSet()
        for tranche in tranches { for rule in tranche.decidedBy { rules.insert(rule) } }
        return rules.sorted
    }

    /// Why it was refused, in English: the refusing rules' trace lines ("R1: ...; R2: ..."); empty
    /// when eligible.
    public var refusalReason: String {
        trace.filter { $0.outcome == .refused }.map(\.en).joined(separator: "; ")
    }
}

/// R7: the answer to an employment report.
public struct TrancheRelease: Sendable, Hashable, Codable {
    public var released: Bool
    /// employed * 1000 / trained, floored (display only; the comparison is exact integer math).
    public var ratePermille: Int
    /// employed * 10000 / trained, floored (the contract's `employment_rate_bp`); 0 for invalid input.
    public var rateBasisPoints: Int
    public var thresholdPermille: Int
    public var policyVersion: String
    public var inputProblems: [InputProblem]
    public var trace: TraceLine
}

/// T1 progress.
public struct TargetProgress: Sendable, Hashable, Codable {
    public var target: Int
    public var achieved: Int
    /// achieved * 1000 / target, floored.
    public var permille: Int
    public var met: Bool
    public var fromYear: Int
    public var toYear: Int
    public var trace: TraceLine
}

/// R1: the standard quoted for an occupation and level on a date (GetSubsidyStandard).
public struct StandardQuote: Sendable, Hashable, Codable {
    public var occupationCode: String
    public var occupationZH: String
    public var occupationEN: String
    public var level: Int
    public var amountFen: Int64
    public var policyVersion: String
    public var effectiveFrom: CivilDate
    public var effectiveTo: CivilDate
}
