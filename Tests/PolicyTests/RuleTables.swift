import Essentials

@testable import Policy

/// One table per rule id of docs/POLICY.md, each with both sides of its boundaries. `RuleTests` runs
/// one table per test method; `testEveryRuleHasATest` fails when an id of `RuleID.all` has no table
/// or a table lacks a side.
enum RuleTables {
    static let v1 = Fx.v1ID
    static let v2 = Fx.v2ID
    static let w1 = Payee(.worker, "W1")
    static let i1 = Payee(.institution, "I1")

    static let all: [RuleID: [RuleCase]] = [
        .r1: r1, .r2: r2, .r3: r3, .r4: r4, .r5: r5, .r6: r6, .r7: r7, .r8: r8, .r9: r9,
        .r10: r10, .r11: r11, .t1: t1,
    ]

    /// The ids of `ids` without a usable table (no table, or not both sides).
    static func missingCoverage(_ tables: [RuleID: [RuleCase]], ids: [RuleID] = RuleID.all) -> [RuleID] {
        ids.filter { id in
            guard let cases = tables[id] else { return true }
            return !cases.contains { $0.side == .holds } || !cases.contains { $0.side == .breaks }
        }
    }

    // R1: standard in force on the completion date; urban = rural; table change at 2020-07-01.
    static let r1: [RuleCase] = [
        dc(
            "electrician L4 under table 1", .holds,
            DecisionCase(
                expect: Expect(
                    outcome: .eligible, amountFen: 150_000, version: v1, ruleLine: .passed,
                    ruleLineContains: ["1500.00元", "CNY 1500.00"]))),
        dc(
            "urban and rural get the same standard (rural)", .holds,
            DecisionCase(
                worker: Fx.worker(hukou: .rural), expect: Expect(outcome: .eligible, amountFen: 150_000))),
        dc(
            "urban and rural get the same standard (urban)", .holds,
            DecisionCase(
                worker: Fx.worker(hukou: .urban), expect: Expect(outcome: .eligible, amountFen: 150_000))),
        dc(
            "2020-06-30: last day of table 1", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-06-30"),
                expect: Expect(outcome: .eligible, amountFen: 150_000, version: v1))),
        dc(
            "2020-07-01: first day of table 2 (+10%)", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-07-01"),
                expect: Expect(outcome: .eligible, amountFen: 165_000, version: v2))),
        dc(
            "new occupation only in table 2", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(occupation: "4-01-02-07", level: 5, completed: "2020-07-01"),
                certificate: Fx.certificate(occupation: "4-01-02-07", level: 5),
                expect: Expect(outcome: .eligible, amountFen: 80_000, version: v2))),
        dc(
            "new occupation before table 2", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(occupation: "4-01-02-07", level: 5, completed: "2020-06-30"),
                certificate: Fx.certificate(occupation: "4-01-02-07", level: 5),
                expect: Expect(outcome: .refused, refusedBy: [.r1], amountFen: 0, version: v1, ruleLine: .refused))),
        dc(
            "unknown occupation", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(occupation: "9-99-99-99"),
                certificate: Fx.certificate(occupation: "9-99-99-99"),
                expect: Expect(outcome: .refused, refusedBy: [.r1], amountFen: 0))),
        dc(
            "domestic service has no level-2 standard", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(occupation: Fx.domestic, level: 2),
                certificate: Fx.certificate(occupation: Fx.domestic, level: 2),
                expect: Expect(outcome: .refused, refusedBy: [.r1]))),
        dc(
            "2022-01-01: no version in force", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2022-01-01"),
                expect: Expect(outcome: .refused, refusedBy: [.r1], ruleLineContains: ["2022-01-01"]))),
        dc(
            "v2 cannot decide before its effective date", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-06-30"), version: v2,
                expect: Expect(outcome: .refused, refusedBy: [.r1]))),
        RuleCase(
            name: "quote 2020-06-30", side: .holds,
            check: .standard(occupation: Fx.electrician, level: 4, on: "2020-06-30", fen: 150_000, version: v1)),
        RuleCase(
            name: "quote 2020-07-01", side: .holds,
            check: .standard(occupation: Fx.electrician, level: 4, on: "2020-07-01", fen: 165_000, version: v2)),
        RuleCase(
            name: "quote 2018-12-31", side: .breaks,
            check: .standard(occupation: Fx.electrician, level: 4, on: "2018-12-31", fen: nil, version: nil)),
        RuleCase(
            name: "quote missing level", side: .breaks,
            check: .standard(occupation: Fx.domestic, level: 1, on: "2019-06-01", fen: nil, version: nil)),
    ]

    // R2: verified A2 certificate from this training, same occupation, level at or above.
    static let r2: [RuleCase] = [
        dc(
            "verified skill-level certificate at the level", .holds,
            DecisionCase(expect: Expect(outcome: .eligible, ruleLine: .passed))),
        dc(
            "certificate one level higher (3 for 4)", .holds,
            DecisionCase(
                certificate: Fx.certificate(level: 3), expect: Expect(outcome: .eligible, amountFen: 150_000))),
        dc(
            "training completion certificate (no level)", .holds,
            DecisionCase(
                certificate: Fx.certificate(kind: .trainingCompletion, level: nil), expect: Expect(outcome: .eligible))),
        dc(
            "special-operation permit", .holds,
            DecisionCase(
                certificate: Fx.certificate(kind: .specialOperationPermit, level: nil),
                expect: Expect(outcome: .eligible))),
        dc(
            "no certificate", .breaks,
            DecisionCase(
                certificate: nil, expect: Expect(outcome: .refused, refusedBy: [.r2], amountFen: 0, ruleLine: .refused))
        ),
        dc(
            "unverified certificate", .breaks,
            DecisionCase(
                certificate: Fx.certificate(verified: false), expect: Expect(outcome: .refused, refusedBy: [.r2]))),
        dc(
            "revoked certificate", .breaks,
            DecisionCase(
                certificate: Fx.certificate(revoked: true), expect: Expect(outcome: .refused, refusedBy: [.r2]))),
        dc(
            "older certificate, not from this training", .breaks,
            DecisionCase(
                certificate: Fx.certificate(fromThisTraining: false),
                expect: Expect(outcome: .refused, refusedBy: [.r2]))),
        dc(
            "certificate one level lower (5 for 4)", .breaks,
            DecisionCase(
                certificate: Fx.certificate(level: 5), expect: Expect(outcome: .refused, refusedBy: [.r2]))),
        dc(
            "skill-level certificate without a level", .breaks,
            DecisionCase(
                certificate: Fx.certificate(level: nil), expect: Expect(outcome: .refused, refusedBy: [.r2]))),
        dc(
            "certificate of another occupation", .breaks,
            DecisionCase(
                certificate: Fx.certificate(occupation: Fx.welder), expect: Expect(outcome: .refused, refusedBy: [.r2]))
        ),
    ]

    // R3: at most 3 per calendar year of the completion date (Asia/Shanghai).
    static let r3: [RuleCase] = {
        // 2019-12-31 23:59:59 and 2020-01-01 00:00:00 in Asia/Shanghai, as UTC instants.
        let lastSecond2019 = CivilDate(epochSeconds: 1_577_807_999, utcOffsetSeconds: 28_800).description
        let firstSecond2020 = CivilDate(epochSeconds: 1_577_808_000, utcOffsetSeconds: 28_800).description
        return [
            dc(
                "3rd training in 2020", .holds,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: "2020-03-01"), priors: Array(Fx.threeIn(2020).prefix(2)),
                    expect: Expect(
                        outcome: .eligible, trainingNumberInYear: 3, ruleLine: .passed,
                        ruleLineContains: ["第3次", "3rd"]))),
            dc(
                "4th training in 2020", .breaks,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: "2020-03-01"), priors: Fx.threeIn(2020),
                    expect: Expect(
                        outcome: .refused, refusedBy: [.r3], amountFen: 0, trainingNumberInYear: 4, ruleLine: .refused,
                        ruleLineContains: ["第4次", "4th"]))),
            dc(
                "a 4th in the next calendar year is fine", .holds,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: "2021-01-01"), priors: Fx.threeIn(2020),
                    expect: Expect(outcome: .eligible, trainingNumberInYear: 1))),
            dc(
                "Dec 31 (Shanghai) is still 2019: 4th in 2019", .breaks,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: lastSecond2019), priors: Fx.threeIn(2019),
                    expect: Expect(outcome: .refused, refusedBy: [.r3]))),
            dc(
                "Jan 1 (Shanghai), still Dec 31 in UTC: 1st in 2020", .holds,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: firstSecond2020), priors: Fx.threeIn(2019),
                    expect: Expect(outcome: .eligible, trainingNumberInYear: 1))),
            dc(
                "earlier subsidies from another year do not count", .holds,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: "2019-12-31"), priors: Fx.threeIn(2020),
                    expect: Expect(outcome: .eligible, trainingNumberInYear: 1))),
            dc(
                "a retried decision does not count itself", .holds,
                DecisionCase(
                    enrollment: Fx.enrollment(completed: "2020-03-01", id: "E1"),
                    priors: Array(Fx.threeIn(2020).prefix(2)) + [
                        Fx.prior(Fx.electrician, level: 4, completed: "2020-03-01", id: "E1")
                    ],
                    expect: Expect(outcome: .eligible, trainingNumberInYear: 3))),
        ]
    }()

    // R4: never twice for the same occupation and level; another level is fine.
    static let r4: [RuleCase] = [
        dc(
            "same occupation at the same level again", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-03-01"),
                priors: [Fx.prior(Fx.electrician, level: 4, completed: "2019-04-01")],
                expect: Expect(outcome: .refused, refusedBy: [.r4], amountFen: 0, ruleLine: .refused))),
        dc(
            "same occupation at a different level", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-03-01"),
                priors: [Fx.prior(Fx.electrician, level: 5, completed: "2019-04-01")],
                expect: Expect(outcome: .eligible, amountFen: 150_000, ruleLine: .passed, ruleLineContains: ["五级/初级工"]))
        ),
        dc(
            "another occupation at the same level", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-03-01"),
                priors: [Fx.prior(Fx.welder, level: 4, completed: "2019-04-01")],
                expect: Expect(outcome: .eligible))),
        dc(
            "all refusing rules are named (R3 and R4)", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2020-11-01"),
                priors: Array(Fx.threeIn(2020).prefix(2)) + [
                    Fx.prior(Fx.electrician, level: 4, completed: "2020-10-01")
                ],
                expect: Expect(outcome: .refused, refusedBy: [.r3, .r4]))),
    ]

    // R5: monthly pension -> not eligible.
    static let r5: [RuleCase] = [
        dc(
            "no monthly pension", .holds,
            DecisionCase(worker: Fx.worker(pension: false), expect: Expect(outcome: .eligible, ruleLine: .passed))),
        dc(
            "draws a monthly pension", .breaks,
            DecisionCase(
                worker: Fx.worker(pension: true),
                expect: Expect(outcome: .refused, refusedBy: [.r5], amountFen: 0, ruleLine: .refused))),
        dc(
            "pension refuses a free group too, and no allowance", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)], pension: true),
                expect: Expect(outcome: .refused, refusedBy: [.r5], allowanceFen: 0, trancheAmounts: []))),
    ]

    // R6: new hires' pre-job training: 100% of the standard to the enterprise.
    static let r6: [RuleCase] = [
        dc(
            "new hire of ENT1 in ENT1's pre-job training", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.declared(.g2)], employer: "ENT1"),
                enrollment: Fx.enrollment(kind: .newHirePreJob, enterprise: "ENT1"),
                expect: Expect(
                    outcome: .eligible, amountFen: 150_000, payee: Payee(.enterprise, "ENT1"), feeRegime: .enterprise,
                    workerAdvanceFen: 0, trancheAmounts: [150_000], ruleLine: .passed, ruleLineContains: ["100%"]))),
        dc(
            "new hire at 100% of table 2", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.declared(.g2)], employer: "ENT1"),
                enrollment: Fx.enrollment(completed: "2021-05-01", kind: .newHirePreJob, enterprise: "ENT1"),
                expect: Expect(outcome: .eligible, amountFen: 165_000, payee: Payee(.enterprise, "ENT1")))),
        dc(
            "an employee (G1), not a new hire", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.declared(.g1)], employer: "ENT1"),
                enrollment: Fx.enrollment(kind: .newHirePreJob, enterprise: "ENT1"),
                expect: Expect(outcome: .refused, refusedBy: [.r6], ruleLine: .refused))),
        dc(
            "a new hire of another enterprise", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.declared(.g2)], employer: "ENT2"),
                enrollment: Fx.enrollment(kind: .newHirePreJob, enterprise: "ENT1"),
                expect: Expect(outcome: .refused, refusedBy: [.r6]))),
        dc(
            "ordinary training: R6 does not apply", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.declared(.g2)], employer: "ENT1"),
                expect: Expect(
                    outcome: .eligible, payee: w1, feeRegime: .advanceThenReimburse, ruleLine: .notApplicable))),
    ]

    // R7: project-based: 60% now, 40% held until employment >= 85%.
    static let r7: [RuleCase] = [
        dc(
            "project-based tranches 60/40", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(kind: .projectBased),
                expect: Expect(
                    outcome: .eligible, amountFen: 150_000, payee: i1, feeRegime: .project, workerAdvanceFen: 0,
                    trancheAmounts: [90_000, 60_000], heldFen: 60_000, ruleLine: .passed))),
        dc(
            "project-based, odd amount (table 2 childcare 805.00)", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(
                    occupation: Fx.childcare, level: 5, completed: "2020-08-01", kind: .projectBased),
                certificate: Fx.certificate(occupation: Fx.childcare, level: 5),
                expect: Expect(
                    outcome: .eligible, amountFen: 80_500, trancheAmounts: [48_300, 32_200], heldFen: 32_200))),
        dc(
            "not project-based: one tranche", .breaks,
            DecisionCase(
                expect: Expect(outcome: .eligible, trancheAmounts: [150_000], heldFen: 0, ruleLine: .notApplicable))),
        dc(
            "project-based but refused: no tranche", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(kind: .projectBased), certificate: nil,
                expect: Expect(outcome: .refused, refusedBy: [.r2], trancheAmounts: []))),
        RuleCase(
            name: "85.0% (850/1000) releases", side: .holds,
            check: .employment(trained: 1000, employed: 850, released: true, problems: [])),
        RuleCase(
            name: "84.9% (849/1000) stays held", side: .breaks,
            check: .employment(trained: 1000, employed: 849, released: false, problems: [])),
        RuleCase(
            name: "17/20 = 85% exactly releases", side: .holds,
            check: .employment(trained: 20, employed: 17, released: true, problems: [])),
        RuleCase(
            name: "16/19 = 84.2% stays held", side: .breaks,
            check: .employment(trained: 19, employed: 16, released: false, problems: [])),
        RuleCase(
            name: "all employed", side: .holds,
            check: .employment(trained: 7, employed: 7, released: true, problems: [])),
        RuleCase(
            name: "nobody trained is invalid", side: .breaks,
            check: .employment(trained: 0, employed: 0, released: false, problems: ["employment.trained"])),
        RuleCase(
            name: "more employed than trained is invalid", side: .breaks,
            check: .employment(trained: 10, employed: 11, released: false, problems: ["employment.employed"])),
    ]

    // R8: free groups (attested) pay nothing, the institution is paid; G1/G3 are subsidised.
    static let r8: [RuleCase] = {
        var cases: [RuleCase] = [Group.g4, .g5, .g6, .g7, .g8, .g9, .g10, .g11, .g12].map { g in
            dc(
                "\(g) attested: free", .holds,
                DecisionCase(
                    worker: Fx.worker([Fx.attested(g)]),
                    expect: Expect(
                        outcome: .eligible, amountFen: 150_000, payee: i1, feeRegime: .free, workerAdvanceFen: 0,
                        ruleLine: .passed)))
        }
        cases += [
            dc(
                "G8 self-declared (unverified): not free", .breaks,
                DecisionCase(
                    worker: Fx.worker([Fx.declared(.g8)]),
                    expect: Expect(
                        outcome: .eligible, payee: w1, feeRegime: .advanceThenReimburse, workerAdvanceFen: 150_000,
                        ruleLineContains: ["自报未核实", "unverified"]))),
            dc(
                "G1 employee: subsidised, worker reimbursed", .breaks,
                DecisionCase(
                    worker: Fx.worker([Fx.declared(.g1)]),
                    expect: Expect(
                        outcome: .eligible, amountFen: 150_000, payee: w1, feeRegime: .advanceThenReimburse,
                        workerAdvanceFen: 150_000))),
            dc(
                "G3 student: subsidised", .breaks,
                DecisionCase(
                    worker: Fx.worker([Fx.declared(.g3)], employer: nil),
                    expect: Expect(outcome: .eligible, payee: w1, feeRegime: .advanceThenReimburse))),
            dc(
                "G14 veteran (attested): subsidised, not in the free list", .breaks,
                DecisionCase(
                    worker: Fx.worker([Fx.attested(.g14)]),
                    expect: Expect(outcome: .eligible, payee: w1, feeRegime: .advanceThenReimburse))),
            dc(
                "no category: subsidised", .breaks,
                DecisionCase(
                    worker: Fx.worker([]),
                    expect: Expect(outcome: .eligible, payee: w1, feeRegime: .advanceThenReimburse))),
        ]
        return cases
    }()

    // R9: living allowance: G5, G4, G6 rural or urban low-income, G10 within 2019-01-01..2020-12-31.
    static let r9: [RuleCase] = [
        dc(
            "G5: 20 days x 30.00", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)]),
                expect: Expect(
                    outcome: .eligible, amountFen: 150_000, allowanceFen: 60_000, trancheAmounts: [150_000, 60_000],
                    ruleLine: .passed))),
        dc(
            "G4 child of a poor family", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g4)]), expect: Expect(outcome: .eligible, allowanceFen: 60_000))),
        dc(
            "G6 rural", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g6)], hukou: .rural),
                expect: Expect(outcome: .eligible, allowanceFen: 60_000))),
        dc(
            "G6 urban with attested low-income support", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g6)], hukou: .urban, lowIncome: true, lowIncomeAttested: true),
                expect: Expect(outcome: .eligible, allowanceFen: 60_000))),
        dc(
            "G6 urban without low-income support", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g6)], hukou: .urban),
                expect: Expect(outcome: .eligible, allowanceFen: 0, feeRegime: .free, ruleLine: .notApplicable))),
        dc(
            "G6 urban, low-income support self-declared", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g6)], hukou: .urban, lowIncome: true, lowIncomeAttested: false),
                expect: Expect(outcome: .eligible, allowanceFen: 0))),
        dc(
            "G10 completing 2020-12-31", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g10)]), enrollment: Fx.enrollment(completed: "2020-12-31"),
                expect: Expect(outcome: .eligible, allowanceFen: 60_000))),
        dc(
            "G10 completing 2019-01-01", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g10)]), enrollment: Fx.enrollment(completed: "2019-01-01"),
                expect: Expect(outcome: .eligible, allowanceFen: 60_000))),
        dc(
            "G10 completing 2021-01-01", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g10)]), enrollment: Fx.enrollment(completed: "2021-01-01"),
                expect: Expect(
                    outcome: .eligible, allowanceFen: 0, ruleLine: .notApplicable, ruleLineContains: ["2020-12-31"]))),
        dc(
            "G5 completing 2021-01-01: the window is G10's only", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)]), enrollment: Fx.enrollment(completed: "2021-01-01"),
                expect: Expect(outcome: .eligible, allowanceFen: 60_000))),
        dc(
            "attendance 90% of 20 days = 18 days", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)]), enrollment: Fx.enrollment(days: 20, attendance: 90),
                expect: Expect(outcome: .eligible, allowanceFen: 54_000))),
        dc(
            "50 days capped at 30", .holds,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)]), enrollment: Fx.enrollment(days: 50),
                expect: Expect(outcome: .eligible, allowanceFen: 90_000))),
        dc(
            "G5 self-declared", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.declared(.g5)]),
                expect: Expect(outcome: .eligible, allowanceFen: 0, workerAdvanceFen: 150_000))),
        dc(
            "G1: no allowance", .breaks,
            DecisionCase(expect: Expect(outcome: .eligible, allowanceFen: 0, ruleLine: .notApplicable))),
        dc(
            "G5 but refused (no certificate): no allowance", .breaks,
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)]), certificate: nil,
                expect: Expect(outcome: .refused, refusedBy: [.r2], allowanceFen: 0, trancheAmounts: []))),
    ]

    // R10: accepted filing whose licence scope covers the occupation.
    static let r10: [RuleCase] = [
        dc(
            "accepted filing, occupation in scope", .holds,
            DecisionCase(expect: Expect(outcome: .eligible, ruleLine: .passed))),
        dc(
            "filing not accepted", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(filingAccepted: false),
                expect: Expect(outcome: .refused, refusedBy: [.r10], ruleLine: .refused))),
        dc(
            "occupation outside the licence scope", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(scope: [Fx.welder, Fx.cook]),
                expect: Expect(outcome: .refused, refusedBy: [.r10]))),
        dc(
            "neither", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(filingAccepted: false, scope: []),
                expect: Expect(outcome: .refused, refusedBy: [.r10]))),
    ]

    // R11: every decision names its version and rules (the replay test is in RuleTests).
    static let r11: [RuleCase] = [
        dc(
            "eligible decision names version and fingerprint", .holds,
            DecisionCase(
                expect: Expect(
                    outcome: .eligible, version: v1, ruleLine: .info, ruleLineContains: [v1, Fx.v1.fingerprint]))),
        dc(
            "refused decision names its rules", .breaks,
            DecisionCase(
                worker: Fx.worker(pension: true), certificate: nil,
                expect: Expect(outcome: .refused, refusedBy: [.r2, .r5], version: v1, ruleLineContains: ["R2, R5"]))),
        dc(
            "impossible completion date is an input problem (R1)", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2021-02-30"),
                expect: Expect(
                    outcome: .refused, refusedBy: [.r1], amountFen: 0, inputProblemFields: ["enrollment.completionDate"]
                ))),
        dc(
            "level 6 and attendance 101 are input problems", .breaks,
            DecisionCase(
                enrollment: Fx.enrollment(level: 6, attendance: 101),
                expect: Expect(
                    outcome: .refused, refusedBy: [.r1, .r9],
                    inputProblemFields: ["enrollment.level", "enrollment.attendancePercent"]))),
    ]

    // T1: 150,000 subsidised trainings 2019-2021.
    static let t1: [RuleCase] = [
        dc(
            "eligible training in 2021 counts", .holds,
            DecisionCase(
                enrollment: Fx.enrollment(completed: "2021-12-31"),
                expect: Expect(outcome: .eligible, countsTowardTarget: true, ruleLineContains: ["150000"]))),
        dc(
            "refused training does not count", .breaks,
            DecisionCase(
                certificate: nil, expect: Expect(outcome: .refused, refusedBy: [.r2], countsTowardTarget: false))),
        RuleCase(name: "149,999 is short", side: .breaks, check: .target(achieved: 149_999, met: false, permille: 999)),
        RuleCase(name: "150,000 meets it", side: .holds, check: .target(achieved: 150_000, met: true, permille: 1000)),
        RuleCase(name: "nothing yet", side: .breaks, check: .target(achieved: 0, met: false, permille: 0)),
    ]
}
