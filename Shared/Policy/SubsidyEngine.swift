// The subsidy rules engine (docs/POLICY.md R1..R11, T1). Pure and deterministic: the same facts and the
// same policy version always give the same decision, which is how a stored decision is replayed
// (R11). No I/O, no clock, no Foundation, integer money (fen) and integer rates.
//
// Each rule lives in its own file under Rules/ (R1Standard.swift ... R11SpecialFund.swift,
// T1Target.swift) and returns its own verdict and trace line; this file checks the input, composes
// the rules in docs/POLICY.md order and assembles the decision.

public enum SubsidyEngine {
    // MARK: - Input validation

    /// Problems that make the input undecidable; each names the field and the rule that needs it.
    /// `decide` refuses such input (citing these rules); a service may call this first and answer
    /// INVALID_ARGUMENT instead.
    public static func validate(
        worker: WorkerFacts,
        enrollment: EnrollmentFacts,
        certificate: CertificateFacts?,
        priorSubsidies: [PriorSubsidy]
    ) -> [InputProblem] {
        var p: [InputProblem] = []
        func add(_ field: String, _ rule: RuleID, _ en: String, _ zh: String) {
            p.append(InputProblem(field: field, rule: rule, message: en, messageZH: zh))
        }
        if worker.workerId.isEmpty { add("worker.workerId", .r11, "is empty", "为空") }
        if enrollment.enrollmentId.isEmpty { add("enrollment.enrollmentId", .r11, "is empty", "为空") }
        if !enrollment.completionDate.isValid {
            add(
                "enrollment.completionDate", .r1, "\(enrollment.completionDate) is not a date",
                "\(enrollment.completionDate) 不是有效日期")
        }
        if enrollment.occupationCode.isEmpty { add("enrollment.occupationCode", .r1, "is empty", "为空") }
        if !SkillLevel.valid.contains(enrollment.level) {
            add("enrollment.level", .r1, "\(enrollment.level) is not a level 1...5", "\(enrollment.level) 不是1至5级")
        }
        if enrollment.institution.institutionId.isEmpty {
            add("enrollment.institution.institutionId", .r10, "is empty", "为空")
        }
        if enrollment.trainingDays < 0 || enrollment.trainingDays > 3660 {
            add(
                "enrollment.trainingDays", .r9, "\(enrollment.trainingDays) is not 0...3660",
                "\(enrollment.trainingDays) 不在0至3660之间")
        }
        if !(0...100).contains(enrollment.attendancePercent) {
            add(
                "enrollment.attendancePercent", .r9, "\(enrollment.attendancePercent) is not 0...100",
                "\(enrollment.attendancePercent) 不在0至100之间")
        }
        if enrollment.offeringKind == .newHirePreJob, (enrollment.enterpriseId ?? "").isEmpty {
            add("enrollment.enterpriseId", .r6, "is required for a new hires' pre-job training", "新录用职工岗前培训须注明企业")
        }
        if let c = certificate, let l = c.level, !SkillLevel.valid.contains(l) {
            add("certificate.level", .r2, "\(l) is not a level 1...5", "\(l) 不是1至5级")
        }
        for (i, s) in priorSubsidies.enumerated() {
            if !s.completionDate.isValid {
                add(
                    "priorSubsidies[\(i)].completionDate", .r3, "\(s.completionDate) is not a date",
                    "\(s.completionDate) 不是有效日期")
            }
            if !SkillLevel.valid.contains(s.level) {
                add("priorSubsidies[\(i)].level", .r4, "\(s.level) is not a level 1...5", "\(s.level) 不是1至5级")
            }
        }
        return p
    }

    // MARK: - Categories

    /// The categories that count (attested, or not needing attestation) and those that do not count
    /// because they are self-declared but need attestation (issue 4).
    public static func qualifyingGroups(worker: WorkerFacts, policy: PolicyData) -> (
        qualifying: GroupSet, unverified: GroupSet
    ) {
        var declared = GroupSet()
        var qualifying = GroupSet()
        for c in worker.categories {
            declared.insert(c.group)
            if c.attested || !policy.attestationRequired.contains(c.group) { qualifying.insert(c.group) }
        }
        return (qualifying, declared.subtracting(qualifying))
    }

    // MARK: - The decision

    /// Decides with the version in force on the completion date (R1); when none is in force the
    /// newest version refuses under R1.
    public static func decide(
        worker: WorkerFacts,
        enrollment: EnrollmentFacts,
        certificate: CertificateFacts?,
        priorSubsidies: [PriorSubsidy],
        book: PolicyBook
    ) -> SubsidyDecision {
        decide(
            worker: worker, enrollment: enrollment, certificate: certificate, priorSubsidies: priorSubsidies,
            policy: book.versionFor(enrollment.completionDate))
    }

    /// Decides one claim under one policy version. Replay: pass the version recorded in the stored
    /// decision (`PolicyBook.version(id:)`) and the same facts; the result is equal.
    public static func decide(
        worker: WorkerFacts,
        enrollment: EnrollmentFacts,
        certificate: CertificateFacts?,
        priorSubsidies: [PriorSubsidy],
        policy: PolicyData
    ) -> SubsidyDecision {
        let problems = validate(
            worker: worker, enrollment: enrollment, certificate: certificate, priorSubsidies: priorSubsidies)
        if !problems.isEmpty {
            return refusedForInput(problems, worker: worker, enrollment: enrollment, policy: policy)
        }

        let facts = ClaimFacts(
            worker: worker, enrollment: enrollment, certificate: certificate, priorSubsidies: priorSubsidies,
            policy: policy)
        let r1 = R1Standard.check(facts)
        let r2 = R2Certificate.check(facts)
        let r3 = R3YearlyLimit.check(facts)
        let r4 = R4NeverTwice.check(facts)
        let r5 = R5Pension.check(facts)
        let r6 = R6PreJobTraining.check(facts)
        let r10 = R10Filing.check(facts)
        let checks: [any RuleVerdict] = [r1, r2, r3, r4, r5, r6, r10]
        var refused = RuleSet()
        for verdict in checks where verdict.refuses { refused.insert(verdict.line.rule) }
        let settlement = settle(facts, standardFen: r1.standardFen, eligible: refused.isEmpty)
        let r7 = R7ProjectBased.split(facts, settlement)
        let r8 = R8FreeTraining.check(facts, settlement)
        let r9 = R9LivingAllowance.check(facts, settlement, nextIndex: r7.tranches.count + 1)
        let r11 = R11SpecialFund.check(
            facts, settlement, refusedBy: refused.sorted, allowanceFen: r9.allowanceFen)
        let t1 = T1Target.check(facts, eligible: settlement.eligible, year: r3.year)
        let inOrder: [any RuleVerdict] = [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, t1]
        return SubsidyDecision(
            outcome: settlement.eligible ? .eligible : .refused,
            refusedBy: refused.sorted,
            policyVersion: policy.version,
            policyFingerprint: policy.fingerprint,
            enrollmentId: enrollment.enrollmentId,
            workerId: worker.workerId,
            standardFen: r1.standardFen ?? 0,
            amountFen: settlement.amountFen,
            payee: settlement.eligible ? settlement.payee : nil,
            feeRegime: settlement.regime,
            workerAdvanceFen: settlement.workerAdvanceFen,
            livingAllowanceFen: r9.allowanceFen,
            tranches: r7.tranches + (r9.tranche.map { [$0] } ?? []),
            year: r3.year,
            trainingNumberInYear: r3.nth,
            countsTowardTarget: t1.counts,
            inputProblems: [],
            trace: inOrder.map(\.line)
        )
    }

    /// The amount (the standard times the offering kind's share, floored to fen: DECISIONS.md
    /// "Rounding"), the fee regime and the payee (R8) once the eligibility rules have spoken.
    static func settle(_ facts: ClaimFacts, standardFen: Int64?, eligible: Bool) -> Settlement {
        let share = facts.policy.share(facts.enrollment.offeringKind)
        let (regime, freeBy) = R8FreeTraining.regime(facts)
        return Settlement(
            eligible: eligible, amountFen: eligible ? (standardFen ?? 0) * Int64(share) / 100 : 0, regime: regime,
            payee: R8FreeTraining.payee(facts, regime: regime), freeBy: freeBy)
    }

    static func refusedForInput(
        _ problems: [InputProblem], worker: WorkerFacts, enrollment: EnrollmentFacts, policy: PolicyData
    ) -> SubsidyDecision {
        var rules = RuleSet()
        var trace: [TraceLine] = []
        for p in problems {
            rules.insert(p.rule)
            trace.append(
                TraceLine(
                    p.rule, .refused, zh: "\(p.rule.rawValue): 输入无效：\(p.field) \(p.messageZH)",
                    en: "\(p.rule.rawValue): invalid input: \(p.field) \(p.message)"))
        }
        trace.append(R11SpecialFund.invalidInput(refusedBy: rules.sorted, policy: policy))
        return SubsidyDecision(
            outcome: .refused, refusedBy: rules.sorted, policyVersion: policy.version,
            policyFingerprint: policy.fingerprint,
            enrollmentId: enrollment.enrollmentId, workerId: worker.workerId, standardFen: 0, amountFen: 0, payee: nil,
            feeRegime: .advanceThenReimburse, workerAdvanceFen: 0, livingAllowanceFen: 0, tranches: [],
            year: enrollment.completionDate.year, trainingNumberInYear: 0, countsTowardTarget: false,
            inputProblems: problems, trace: trace)
    }
}
