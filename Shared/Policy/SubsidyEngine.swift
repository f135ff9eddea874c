// The subsidy rules engine (docs/POLICY.md R1..R11, T1). Pure and deterministic: the same facts and the
// same policy version always give the same decision, which is how a stored decision is replayed
// (R11). No I/O, no clock, no Foundation, integer money (fen) and integer rates.

import Essentials

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

        let date = enrollment.completionDate
        let level = enrollment.level
        let occupation = policy.occupation(enrollment.occupationCode)
        let occZH = occupation.map { "\($0.nameZH)(\($0.code))" } ?? enrollment.occupationCode
        let occEN = occupation.map { "\($0.nameEN) (\($0.code))" } ?? enrollment.occupationCode
        let levelZH = SkillLevel.titleZH(level)
        let levelEN = SkillLevel.titleEN(level)
        let (qualifying, unverified) = qualifyingGroups(worker: worker, policy: policy)
        let lowIncome =
            worker.lowIncomeSupport
            && (worker.lowIncomeSupportAttested || !policy.lowIncomeSupportRequiresAttestation)
        var refused = RuleSet()

        // R1: the standard of the version in force on the completion date; no urban/rural input
        // exists in the lookup at all (城乡统一).
        let standard = occupation?.standardFen(level: level)
        let r1: TraceLine
        do {
            var zh: [String] = []
            var en: [String] = []
            if !policy.isInForce(on: date) {
                let outside = RuleAttribution.outsidePeriod(date, policy: policy)
                zh.append(outside.zh)
                en.append(outside.en)
            }
            if occupation == nil {
                zh.append("职业\(enrollment.occupationCode)不在补贴标准目录内")
                en.append("occupation \(enrollment.occupationCode) has no subsidy standard")
            } else if standard == nil {
                zh.append("\(occZH)\(levelZH)无补贴标准")
                en.append("\(occEN) has no standard at \(levelEN)")
            }
            if zh.isEmpty, let s = standard {
                r1 = TraceLine(
                    .r1, .passed,
                    zh: "R1: \(occZH)\(levelZH)补贴标准\(yuanZH(s))，城乡统一（版本\(policy.version)，\(policy.effectiveFrom)起执行）",
                    en:
                        "R1: standard for \(occEN) at \(levelEN): \(yuanEN(s)), the same for urban and rural workers (version \(policy.version), in force from \(policy.effectiveFrom))"
                )
            } else {
                refused.insert(.r1)
                r1 = TraceLine(
                    .r1, .refused, zh: "R1: " + zh.joined(separator: "；"), en: "R1: " + en.joined(separator: "; "))
            }
        }

        // R2: 先垫后补 — a verified A2 certificate obtained from this training, for this occupation,
        // at the enrolled level or better when the kind carries a level.
        let r2: TraceLine
        do {
            var zh: [String] = []
            var en: [String] = []
            if let c = certificate {
                let rules = policy.certificates
                if !rules.acceptedKinds.contains(c.kind) {
                    zh.append("\(c.kind.titleZH)不是认可的证书种类")
                    en.append("a \(c.kind.titleEN) is not an accepted kind")
                }
                if !c.verified {
                    zh.append("证书\(c.certificateId)未经核验")
                    en.append("certificate \(c.certificateId) is not verified")
                }
                if c.revoked {
                    zh.append("证书\(c.certificateId)已被撤销")
                    en.append("certificate \(c.certificateId) is revoked")
                }
                if !c.fromThisTraining {
                    zh.append("证书\(c.certificateId)并非本次培训取得")
                    en.append("certificate \(c.certificateId) was not obtained from this training")
                }
                if c.occupationCode != enrollment.occupationCode {
                    zh.append("证书职业\(c.occupationCode)与培训职业\(enrollment.occupationCode)不符")
                    en.append(
                        "certificate occupation \(c.occupationCode) differs from the training's \(enrollment.occupationCode)"
                    )
                }
                if rules.kindsWithLevel.contains(c.kind) {
                    if let cl = c.level {
                        let ok: Bool
                        switch rules.levelRule {
                        case "sameAsEnrolledLevel": ok = cl == level
                        case "any": ok = true
                        default: ok = cl <= level  // atOrAboveEnrolledLevel: 1 is the highest level
                        }
                        if !ok {
                            zh.append("证书等级\(SkillLevel.titleZH(cl))低于培训等级\(levelZH)")
                            en.append("certificate \(SkillLevel.titleEN(cl)) is below the training's \(levelEN)")
                        }
                    } else {
                        zh.append("\(c.kind.titleZH)未载明等级")
                        en.append("the \(c.kind.titleEN) states no level")
                    }
                }
                if zh.isEmpty {
                    let lz = c.level.map { "，\(SkillLevel.titleZH($0))" } ?? ""
                    let le = c.level.map { ", \(SkillLevel.titleEN($0))" } ?? ""
                    r2 = TraceLine(
                        .r2, .passed,
                        zh: "R2: 已取得本次培训的\(c.kind.titleZH)\(c.certificateId)（已核验\(lz)），先垫后补",
                        en:
                            "R2: verified \(c.kind.titleEN) \(c.certificateId) from this training\(le): pay first, reimburse after"
                    )
                } else {
                    refused.insert(.r2)
                    r2 = TraceLine(
                        .r2, .refused, zh: "R2: " + zh.joined(separator: "；"), en: "R2: " + en.joined(separator: "; "))
                }
            } else {
                refused.insert(.r2)
                r2 = TraceLine(
                    .r2, .refused, zh: "R2: 未取得本次培训的证书，先垫后补须取证后方可补贴",
                    en: "R2: no certificate from this training; the subsidy is paid only after one is obtained")
            }
        }

        // R3: at most N subsidised trainings per person per calendar year of the completion date
        // (policy time zone). Earlier subsidies of the same year count; this enrolment never counts
        // itself.
        let year = date.year
        var sameYear = 0
        for s in priorSubsidies where s.enrollmentId != enrollment.enrollmentId && s.completionDate.year == year {
            sameYear += 1
        }
        let nth = sameYear + 1
        let limit = policy.maxSubsidisedTrainingsPerYear
        let r3: TraceLine
        if nth <= limit {
            r3 = TraceLine(
                .r3, .passed,
                zh: "R3: 本年度（\(year)年，\(policy.timeZone)）第\(nth)次补贴培训（上限\(limit)次）",
                en: "R3: \(ordinalEN(nth)) subsidised training in \(year) (\(policy.timeZone); limit \(limit))")
        } else {
            refused.insert(.r3)
            r3 = TraceLine(
                .r3, .refused,
                zh: "R3: 本年度（\(year)年，\(policy.timeZone)）第\(nth)次补贴培训，超过每人每年\(limit)次上限",
                en:
                    "R3: would be the \(ordinalEN(nth)) subsidised training in \(year) (\(policy.timeZone)), above the limit of \(limit) per person per year"
            )
        }

        // R4: never twice for the same occupation at the same level; another level is fine.
        let r4: TraceLine
        do {
            var duplicate: PriorSubsidy?
            var otherLevels: [Int] = []
            for s in priorSubsidies
            where s.enrollmentId != enrollment.enrollmentId && s.occupationCode == enrollment.occupationCode {
                if s.level == level {
                    if duplicate == nil { duplicate = s }
                } else if !otherLevels.contains(s.level) {
                    otherLevels.append(s.level)
                }
            }
            if let d = duplicate {
                refused.insert(.r4)
                r4 = TraceLine(
                    .r4, .refused,
                    zh: "R4: 已享受\(occZH)\(levelZH)补贴（报名\(d.enrollmentId)，\(d.completionDate)结业），同一职业同一等级不可重复享受",
                    en:
                        "R4: already subsidised for \(occEN) at \(levelEN) (enrolment \(d.enrollmentId), completed \(d.completionDate)); never twice for the same occupation and level"
                )
            } else if otherLevels.isEmpty {
                r4 = TraceLine(
                    .r4, .passed, zh: "R4: 首次享受\(occZH)\(levelZH)补贴",
                    en: "R4: first subsidy for \(occEN) at \(levelEN)")
            } else {
                otherLevels.sort(by: >)
                let lz = otherLevels.map(SkillLevel.titleZH).joined(separator: "、")
                let le = otherLevels.map(SkillLevel.titleEN).joined(separator: ", ")
                r4 = TraceLine(
                    .r4, .passed,
                    zh: "R4: 首次享受\(occZH)\(levelZH)补贴（同职业已享受的\(lz)为不同等级，不受限）",
                    en:
                        "R4: first subsidy for \(occEN) at \(levelEN) (earlier subsidies of the same occupation were at another level: \(le))"
                )
            }
        }

        // R5: monthly pension -> not eligible.
        let r5: TraceLine
        if policy.monthlyPensionExcluded && worker.drawsMonthlyPension {
            refused.insert(.r5)
            r5 = TraceLine(
                .r5, .refused, zh: "R5: 按月领取养老金人员不纳入职业培训补贴范围",
                en: "R5: a person drawing a monthly pension is not eligible")
        } else {
            r5 = TraceLine(
                .r5, .passed, zh: "R5: 不按月领取养老金，纳入职业培训补贴范围",
                en: "R5: draws no monthly pension: eligible for training subsidies")
        }

        // R6: new hires' pre-job training: the worker must be the enterprise's new hire (G2).
        let share = policy.share(enrollment.offeringKind)
        let r6: TraceLine
        if enrollment.offeringKind == .newHirePreJob {
            let enterprise = enrollment.enterpriseId ?? ""
            var zh: [String] = []
            var en: [String] = []
            if !qualifying.contains(.g2) {
                zh.append("劳动者不是企业新录用职工（G2）")
                en.append("the worker is not a new hire (G2)")
            } else if worker.employerId != enterprise {
                zh.append("劳动者的录用企业\(worker.employerId ?? "（无）")不是举办岗前培训的企业\(enterprise)")
                en.append(
                    "the worker's employer \(worker.employerId ?? "(none)") is not enterprise \(enterprise) that runs the training"
                )
            }
            if zh.isEmpty {
                r6 = TraceLine(
                    .r6, .passed,
                    zh: "R6: 企业新录用职工（G2）岗前培训，按补贴标准的\(share)%补贴企业\(enterprise)",
                    en:
                        "R6: pre-job training of a new hire (G2): \(share)% of the standard, paid to enterprise \(enterprise)"
                )
            } else {
                refused.insert(.r6)
                r6 = TraceLine(
                    .r6, .refused, zh: "R6: 岗前培训补贴仅限本企业新录用职工：" + zh.joined(separator: "；"),
                    en: "R6: pre-job training subsidies are for the enterprise's own new hires: "
                        + en.joined(separator: "; "))
            }
        } else {
            r6 = TraceLine(
                .r6, .notApplicable, zh: "R6: 非企业新录用职工岗前培训，不适用",
                en: "R6: not a new hires' pre-job training; does not apply")
        }

        // R10: accepted filing and licence scope (checked here, traced in its place below).
        let institution = enrollment.institution
        let r10: TraceLine
        do {
            var zh: [String] = []
            var en: [String] = []
            if !institution.filingAccepted {
                zh.append("培训机构\(institution.institutionId)备案未通过")
                en.append("institution \(institution.institutionId) has no accepted filing")
            }
            if !institution.licenceScope.contains(enrollment.occupationCode) {
                zh.append("办学许可范围不含\(occZH)")
                en.append("its licence scope does not cover \(occEN)")
            }
            if zh.isEmpty {
                r10 = TraceLine(
                    .r10, .passed, zh: "R10: 培训机构\(institution.institutionId)备案已通过，办学许可范围包含\(occZH)",
                    en: "R10: institution \(institution.institutionId) has an accepted filing covering \(occEN)")
            } else {
                refused.insert(.r10)
                r10 = TraceLine(
                    .r10, .refused, zh: "R10: " + zh.joined(separator: "；"), en: "R10: " + en.joined(separator: "; "))
            }
        }

        let eligible = refused.isEmpty
        // Amount: integer fen, floored (DECISIONS.md "Rounding").
        let amount: Int64 = eligible ? (standard ?? 0) * Int64(share) / 100 : 0

        // R8 (and R6/R7 for who pays): the fee regime and the payee.
        let freeBy = qualifying.intersection(policy.freeGroups)
        let regime: FeeRegime
        switch enrollment.offeringKind {
        case .projectBased: regime = .project
        case .newHirePreJob: regime = .enterprise
        case .ordinary: regime = freeBy.isEmpty ? .advanceThenReimburse : .free
        }
        let payeeKind = policy.payeeKind(for: regime)
        let payeeID: String
        switch payeeKind {
        case .worker: payeeID = worker.workerId
        case .enterprise: payeeID = enrollment.enterpriseId ?? worker.employerId ?? ""
        case .institution: payeeID = institution.institutionId
        }
        let payee = Payee(payeeKind, payeeID)
        let workerAdvance: Int64 = (eligible && regime == .advanceThenReimburse && payeeKind == .worker) ? amount : 0

        // R7: tranches of the subsidy. Project-based: first = floor(amount * 60%), the rest held for
        // the employment condition, so the tranches always sum exactly to the amount.
        var tranches: [Tranche] = []
        let r7: TraceLine
        if enrollment.offeringKind == .projectBased {
            let pct = policy.projectFirstTranchePercent
            let threshold = policy.employmentThresholdPermille
            let first = amount * Int64(pct) / 100
            let rest = amount - first
            if eligible {
                if first > 0 {
                    tranches.append(
                        Tranche(
                            index: tranches.count + 1, purpose: .trainingSubsidy, amountFen: first,
                            payee: payee, condition: .onDecision, rule: .r7,
                            decidedBy: RuleAttribution.trainingSubsidy(regime: regime)))
                }
                if rest > 0 {
                    tranches.append(
                        Tranche(
                            index: tranches.count + 1, purpose: .trainingSubsidy, amountFen: rest,
                            payee: payee, condition: .employmentRateAtLeast(permille: threshold), rule: .r7,
                            decidedBy: RuleAttribution.trainingSubsidy(regime: regime)))
                }
                r7 = TraceLine(
                    .r7, .passed,
                    zh:
                        "R7: 项目制培训：先行拨付\(pct)%（\(yuanZH(first))）给\(payeeZH(payee))，其余\(100 - pct)%（\(yuanZH(rest))）待培训后就业率达到\(permilleText(threshold))以上再拨付",
                    en:
                        "R7: project-based: \(pct)% (\(yuanEN(first))) payable now to \(payeeEN(payee)), the remaining \(100 - pct)% (\(yuanEN(rest))) held until the employment rate reaches \(permilleText(threshold))"
                )
            } else {
                r7 = TraceLine(
                    .r7, .notApplicable, zh: "R7: 项目制培训，补贴未获批准，不拨付",
                    en: "R7: project-based, but the subsidy is refused: nothing to pay")
            }
        } else {
            if eligible && amount > 0 {
                tranches.append(
                    Tranche(
                        index: 1, purpose: .trainingSubsidy, amountFen: amount, payee: payee,
                        condition: .onDecision, rule: regime == .enterprise ? .r6 : .r8,
                        decidedBy: RuleAttribution.trainingSubsidy(regime: regime)))
            }
            r7 = TraceLine(
                .r7, .notApplicable, zh: "R7: 非项目制培训，一次性拨付，不分期",
                en: "R7: not project-based: a single tranche")
        }

        // R8: free groups (attested) -> the worker pays nothing and the institution is paid;
        // otherwise 先垫后补 (the worker pays first and is reimbursed).
        let r8: TraceLine
        do {
            var zh: String
            var en: String
            switch regime {
            case .free:
                let g = freeBy.groups
                zh = "R8: 免费培训（\(groupsZH(g))），劳动者不付费，补贴支付给\(payeeZH(payee))"
                en = "R8: free training (\(groupsEN(g))): the worker pays nothing; \(payeeEN(payee)) is paid"
            case .advanceThenReimburse:
                let g = qualifying.groups
                let gz = g.isEmpty ? "无特殊群体身份" : groupsZH(g)
                let ge = g.isEmpty ? "no special group" : groupsEN(g)
                zh = "R8: 补贴性培训（\(gz)）：劳动者先垫付培训费，取证后补贴\(yuanZH(amount))给\(payeeZH(payee))"
                en =
                    "R8: subsidised training (\(ge)): the worker pays first and \(payeeEN(payee)) is reimbursed \(yuanEN(amount))"
            case .enterprise:
                zh = "R8: 岗前培训由企业承担，劳动者不付费，补贴支付给\(payeeZH(payee))"
                en = "R8: the enterprise bears the pre-job training; the worker pays nothing; \(payeeEN(payee)) is paid"
            case .project:
                zh = "R8: 项目制培训由政府购买，劳动者不付费，补贴支付给\(payeeZH(payee))"
                en =
                    "R8: project-based training is purchased by the government; the worker pays nothing; \(payeeEN(payee)) is paid"
            }
            if !unverified.isEmpty {
                zh += "；自报未核实的类别不计入：\(groupsZH(unverified.groups))"
                en += "; self-declared, unverified categories do not count: \(groupsEN(unverified.groups))"
            }
            if !eligible {
                zh += "（补贴未获批准，不支付）"
                en += " (subsidy refused: nothing is paid)"
            }
            r8 = TraceLine(.r8, eligible ? .passed : .notApplicable, zh: zh, en: en)
        }

        // R9: living allowance, once per training, for the first matching group rule of the data
        // (G5, G4, G6 rural or urban low-income, G10 only within its window), paid to the worker.
        var allowance: Int64 = 0
        let r9: TraceLine
        do {
            var matched: AllowanceGroupRule?
            var missZH: [String] = []
            var missEN: [String] = []
            for rule in policy.livingAllowance.groups {
                let g = rule.group
                if !qualifying.contains(g) {
                    if unverified.contains(g) {
                        missZH.append("\(g.rawValue)\(g.titleZH)为自报未核实")
                        missEN.append("\(g.rawValue) \(g.titleEN) is self-declared, not attested")
                    }
                    continue
                }
                var ok = true
                switch rule.requires {
                case .none: break
                case .ruralHukouOrLowIncomeSupport:
                    if worker.hukou != .rural && !lowIncome {
                        ok = false
                        missZH.append("\(g.rawValue)\(g.titleZH)为城镇户籍且非（经核实的）低保家庭")
                        missEN.append(
                            "\(g.rawValue) \(g.titleEN) is urban and not from an (attested) minimum-living-support family"
                        )
                    }
                case .ruralHukou:
                    if worker.hukou != .rural {
                        ok = false
                        missZH.append("\(g.rawValue)\(g.titleZH)非农村户籍")
                        missEN.append("\(g.rawValue) \(g.titleEN) is not rural")
                    }
                case .lowIncomeSupport:
                    if !lowIncome {
                        ok = false
                        missZH.append("\(g.rawValue)\(g.titleZH)非（经核实的）低保家庭")
                        missEN.append(
                            "\(g.rawValue) \(g.titleEN) is not from an (attested) minimum-living-support family")
                    }
                }
                if ok, let from = rule.from, let to = rule.to, !(from <= date && date <= to) {
                    ok = false
                    missZH.append("\(g.rawValue)\(g.titleZH)的生活费补贴限\(from)至\(to)期间的培训，本次\(date)结业")
                    missEN.append(
                        "\(g.rawValue) \(g.titleEN) receives the allowance only for training within \(from) to \(to); this one completed \(date)"
                    )
                }
                if ok {
                    matched = rule
                    break
                }
            }
            let la = policy.livingAllowance
            if let m = matched {
                let attended = enrollment.trainingDays * enrollment.attendancePercent / 100
                let days = min(attended, la.maxDaysPerTraining)
                let g = m.group
                let allowancePayee = Payee(policy.payees.livingAllowance, worker.workerId)
                if eligible {
                    allowance = la.dailyFen * Int64(days)
                    if allowance > 0 {
                        tranches.append(
                            Tranche(
                                index: tranches.count + 1, purpose: .livingAllowance, amountFen: allowance,
                                payee: allowancePayee, condition: .onDecision, rule: .r9,
                                decidedBy: RuleAttribution.livingAllowance))
                    }
                    r9 = TraceLine(
                        .r9, .passed,
                        zh:
                            "R9: 生活费补贴（\(g.rawValue)\(g.titleZH)）：\(yuanZH(la.dailyFen))/天×\(days)天=\(yuanZH(allowance))，支付给\(payeeZH(allowancePayee))（培训\(enrollment.trainingDays)天，出勤\(enrollment.attendancePercent)%，上限\(la.maxDaysPerTraining)天）",
                        en:
                            "R9: living allowance (\(g.rawValue) \(g.titleEN)): \(yuanEN(la.dailyFen))/day × \(days) days = \(yuanEN(allowance)), paid to \(payeeEN(allowancePayee)) (\(enrollment.trainingDays) training days, \(enrollment.attendancePercent)% attendance, at most \(la.maxDaysPerTraining) days)"
                    )
                } else {
                    r9 = TraceLine(
                        .r9, .notApplicable,
                        zh: "R9: 属生活费补贴对象（\(g.rawValue)\(g.titleZH)），但补贴未获批准，不发放",
                        en:
                            "R9: entitled to the living allowance (\(g.rawValue) \(g.titleEN)), but the subsidy is refused: none is paid"
                    )
                }
            } else if missZH.isEmpty {
                r9 = TraceLine(.r9, .notApplicable, zh: "R9: 不属于生活费补贴对象", en: "R9: not entitled to a living allowance")
            } else {
                r9 = TraceLine(
                    .r9, .notApplicable, zh: "R9: 无生活费补贴：" + missZH.joined(separator: "；"),
                    en: "R9: no living allowance: " + missEN.joined(separator: "; "))
            }
        }

        // R11: the special fund pays; the decision names its version and rules.
        let refusedBy = refused.sorted
        let r11: TraceLine
        if eligible {
            r11 = TraceLine(
                .r11, .info,
                zh:
                    "R11: 由职业技能提升行动专项资金支付\(yuanZH(amount + allowance))；依据政策版本\(policy.version)（指纹\(policy.fingerprint)），报名\(enrollment.enrollmentId)",
                en:
                    "R11: \(yuanEN(amount + allowance)) from the vocational-skills upgrading special fund; policy version \(policy.version) (fingerprint \(policy.fingerprint)), enrolment \(enrollment.enrollmentId)"
            )
        } else {
            let ids = refusedBy.map(\.rawValue).joined(separator: ", ")
            r11 = TraceLine(
                .r11, .info,
                zh:
                    "R11: 不予补贴，拒绝规则\(ids)；依据政策版本\(policy.version)（指纹\(policy.fingerprint)），报名\(enrollment.enrollmentId)",
                en:
                    "R11: refused by \(ids); policy version \(policy.version) (fingerprint \(policy.fingerprint)), enrolment \(enrollment.enrollmentId)"
            )
        }

        // T1: an eligible decision in the programme years counts as one subsidised trainee-training.
        let target = policy.target
        let counts = eligible && year >= target.fromYear && year <= target.toYear
        let t1: TraceLine
        if counts {
            t1 = TraceLine(
                .t1, .info,
                zh: "T1: 计入\(target.fromYear)-\(target.toYear)年补贴性职业技能培训\(target.subsidisedTrainings)人次目标（\(year)年）",
                en:
                    "T1: counts toward the \(target.fromYear)-\(target.toYear) target of \(target.subsidisedTrainings) subsidised trainings (\(year))"
            )
        } else {
            let why = eligible ? "\(year)年不在目标期内" : "补贴未获批准"
            let whyEN = eligible ? "\(year) is outside the target period" : "the subsidy is refused"
            t1 = TraceLine(
                .t1, .info, zh: "T1: 不计入\(target.subsidisedTrainings)人次目标（\(why)）",
                en: "T1: does not count toward the target of \(target.subsidisedTrainings) (\(whyEN))")
        }

        return SubsidyDecision(
            outcome: eligible ? .eligible : .refused,
            refusedBy: refusedBy,
            policyVersion: policy.version,
            policyFingerprint: policy.fingerprint,
            enrollmentId: enrollment.enrollmentId,
            workerId: worker.workerId,
            standardFen: standard ?? 0,
            amountFen: amount,
            payee: eligible ? payee : nil,
            feeRegime: regime,
            workerAdvanceFen: workerAdvance,
            livingAllowanceFen: allowance,
            tranches: tranches,
            year: year,
            trainingNumberInYear: nth,
            countsTowardTarget: counts,
            inputProblems: [],
            trace: [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, t1]
        )
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
        let ids = rules.sorted.map(\.rawValue).joined(separator: ", ")
        trace.append(
            TraceLine(
                .r11, .info, zh: "R11: 输入无效，不予补贴，拒绝规则\(ids)；政策版本\(policy.version)（指纹\(policy.fingerprint)）",
                en:
                    "R11: invalid input, refused by \(ids); policy version \(policy.version) (fingerprint \(policy.fingerprint))"
            ))
        return SubsidyDecision(
            outcome: .refused, refusedBy: rules.sorted, policyVersion: policy.version,
            policyFingerprint: policy.fingerprint,
            enrollmentId: enrollment.enrollmentId, workerId: worker.workerId, standardFen: 0, amountFen: 0, payee: nil,
            feeRegime: .advanceThenReimburse, workerAdvanceFen: 0, livingAllowanceFen: 0, tranches: [],
            year: enrollment.completionDate.year, trainingNumberInYear: 0, countsTowardTarget: false,
            inputProblems: problems, trace: trace)
    }

    // MARK: - R7 employment condition

    /// R7: whether the held tranches of a project-based offering are released by its employment
    /// report: employed / trained >= threshold, compared as employed * 1000 >= trained * permille
    /// (integers only: 849/1000 stays held, 850/1000 and 17/20 release).
    public static func releaseHeldTranche(employment r: EmploymentReport, policy: PolicyData) -> TrancheRelease {
        let threshold = policy.employmentThresholdPermille
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
        if !problems.isEmpty {
            let f = problems.map(\.field).joined(separator: ", ")
            return TrancheRelease(
                released: false, ratePermille: 0, rateBasisPoints: 0, thresholdPermille: threshold,
                policyVersion: policy.version,
                inputProblems: problems,
                trace: TraceLine(
                    .r7, .refused, zh: "R7: 就业情况报告无效（\(f)），余款暂缓拨付",
                    en: "R7: invalid employment report (\(f)); the held tranche stays held"))
        }
        let released = r.employed * 1000 >= r.trained * threshold
        let rate = r.employed * 1000 / r.trained
        let trace: TraceLine
        if released {
            trace = TraceLine(
                .r7, .passed,
                zh:
                    "R7: 培训后就业率\(permilleText(rate))（\(r.employed)/\(r.trained)），达到\(permilleText(threshold))以上，拨付暂缓的余款",
                en:
                    "R7: employment rate \(permilleText(rate)) (\(r.employed) of \(r.trained)) reaches \(permilleText(threshold)): the held tranches are released"
            )
        } else {
            trace = TraceLine(
                .r7, .refused,
                zh:
                    "R7: 培训后就业率\(permilleText(rate))（\(r.employed)/\(r.trained)），未达到\(permilleText(threshold))，余款继续暂缓拨付",
                en:
                    "R7: employment rate \(permilleText(rate)) (\(r.employed) of \(r.trained)) is below \(permilleText(threshold)): the held tranches stay held"
            )
        }
        return TrancheRelease(
            released: released, ratePermille: rate, rateBasisPoints: r.employed * 10_000 / r.trained,
            thresholdPermille: threshold, policyVersion: policy.version,
            inputProblems: [], trace: trace)
    }

    // MARK: - R1 standard lookup (GetSubsidyStandard)

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

    // MARK: - T1

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

// MARK: - Text helpers (no Foundation)

/// 1234 fen -> "12.34元".
func yuanZH(_ fen: Int64) -> String { yuanDigits(fen) + "元" }
/// 1234 fen -> "CNY 12.34".
func yuanEN(_ fen: Int64) -> String { "CNY " + yuanDigits(fen) }

func yuanDigits(_ fen: Int64) -> String {
    let m = fen.magnitude
    let cents = m % 100
    return (fen < 0 ? "-" : "") + String(m / 100) + (cents < 10 ? ".0" : ".") + String(cents)
}

/// 849 -> "84.9%".
func permilleText(_ p: Int) -> String { "\(p / 10).\(p % 10)%" }

func ordinalEN(_ n: Int) -> String {
    let tens = n % 100
    if tens >= 11 && tens <= 13 { return "\(n)th" }
    switch n % 10 {
    case 1: return "\(n)st"
    case 2: return "\(n)nd"
    case 3: return "\(n)rd"
    default: return "\(n)th"
    }
}

func groupsZH(_ g: [Group]) -> String { g.map { "\($0.rawValue)\($0.titleZH)" }.joined(separator: "、") }
func groupsEN(_ g: [Group]) -> String { g.map { "\($0.rawValue) \($0.titleEN)" }.joined(separator: ", ") }

func payeeZH(_ p: Payee) -> String {
    switch p.kind {
    case .worker: "劳动者\(p.id)"
    case .enterprise: "企业\(p.id)"
    case .institution: "培训机构\(p.id)"
    }
}

func payeeEN(_ p: Payee) -> String {
    switch p.kind {
    case .worker: "worker \(p.id)"
    case .enterprise: "enterprise \(p.id)"
    case .institution: "institution \(p.id)"
    }
}
