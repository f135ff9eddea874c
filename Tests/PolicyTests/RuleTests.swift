import XCTest

@testable import Policy

/// One test per rule id of docs/POLICY.md (each runs that rule's table from RuleTables, both sides of
/// every boundary), plus the coverage check.
final class RuleTests: XCTestCase {
    func testR1_standardInForceOnCompletionDate() { Runner.run(.r1, RuleTables.r1) }
    func testR2_verifiedCertificateFromThisTraining() { Runner.run(.r2, RuleTables.r2) }
    func testR3_atMostThreePerCalendarYear() { Runner.run(.r3, RuleTables.r3) }
    func testR4_neverTwiceSameOccupationAndLevel() { Runner.run(.r4, RuleTables.r4) }
    func testR5_monthlyPensionExcluded() { Runner.run(.r5, RuleTables.r5) }
    func testR6_newHirePreJobFullStandardToEnterprise() { Runner.run(.r6, RuleTables.r6) }
    func testR7_projectTranchesAndEmploymentThreshold() { Runner.run(.r7, RuleTables.r7) }
    func testR8_freeGroupsAndSubsidisedGroups() { Runner.run(.r8, RuleTables.r8) }
    func testR9_livingAllowance() { Runner.run(.r9, RuleTables.r9) }
    func testR10_institutionFilingAndScope() { Runner.run(.r10, RuleTables.r10) }
    func testR11_traceability() {
        Runner.run(.r11, RuleTables.r11)
        // Replay: the stored decision, decided again with the version it names, is equal.
        let c = DecisionCase(
            worker: Fx.worker([Fx.attested(.g5)]),
            enrollment: Fx.enrollment(completed: "2020-05-01", kind: .projectBased),
            expect: Expect(outcome: .eligible))
        let stored = Runner.decide(c)
        let data = try! JSONEncoder().encode(stored)
        let reloaded = try! JSONDecoder().decode(SubsidyDecision.self, from: data)
        XCTAssertEqual(reloaded, stored)
        let replayed = SubsidyEngine.decide(
            worker: c.worker, enrollment: c.enrollment, certificate: c.certificate,
            priorSubsidies: c.priors, policy: Fx.book.version(id: reloaded.policyVersion)!)
        XCTAssertEqual(replayed, reloaded)
        XCTAssertEqual(replayed.policyFingerprint, Fx.v1.fingerprint)
        // One trace line per rule, in docs/POLICY.md order.
        XCTAssertEqual(stored.trace.map(\.rule), RuleID.all)
    }
    func testT1_programmeTarget() { Runner.run(.t1, RuleTables.t1) }

    /// What the payment service copies into the contract (Tranche.condition, employment_rate_bp).
    func testContractHelpers() {
        let d = Runner.decide(
            DecisionCase(enrollment: Fx.enrollment(kind: .projectBased), expect: Expect(outcome: .eligible)))
        XCTAssertEqual(d.tranches.map(\.condition.text), ["", "R7: employment rate >= 85.0%"])
        XCTAssertEqual(d.payableNowFen, 90_000)
        XCTAssertEqual(d.heldFen, 60_000)
        let r = SubsidyEngine.releaseHeldTranche(
            employment: EmploymentReport(offeringId: "O1", trained: 1000, employed: 849), policy: Fx.v1)
        XCTAssertEqual(r.rateBasisPoints, 8490)
        XCTAssertEqual(r.ratePermille, 849)
        XCTAssertEqual(r.trace.zh, "R7: 培训后就业率84.9%（849/1000），未达到85.0%，余款继续暂缓拨付")
    }

    /// Fails when an id of RuleID.all has no table, or a table without both sides of its boundary.
    func testEveryRuleHasATest() {
        XCTAssertEqual(RuleID.all.count, 12, "R1..R11 and T1")
        XCTAssertEqual(RuleTables.missingCoverage(RuleTables.all), [], "rule ids without a two-sided test table")
        // Every table is executed by a test method named after its id (kept in sync by hand; this
        // list is compared with RuleID.all so a new id without a method fails here).
        let methods: [RuleID: () -> Void] = [
            .r1: testR1_standardInForceOnCompletionDate, .r2: testR2_verifiedCertificateFromThisTraining,
            .r3: testR3_atMostThreePerCalendarYear, .r4: testR4_neverTwiceSameOccupationAndLevel,
            .r5: testR5_monthlyPensionExcluded, .r6: testR6_newHirePreJobFullStandardToEnterprise,
            .r7: testR7_projectTranchesAndEmploymentThreshold, .r8: testR8_freeGroupsAndSubsidisedGroups,
            .r9: testR9_livingAllowance, .r10: testR10_institutionFilingAndScope, .r11: testR11_traceability,
            .t1: testT1_programmeTarget,
        ]
        XCTAssertEqual(Set(methods.keys), Set(RuleID.all), "a rule id without a test method")
        // Every decision case of a rule's table shows that rule in the trace (checked when run) —
        // and the checker itself can fail: dropping a table or one side is reported.
        var partial = RuleTables.all
        partial[.r5] = nil
        XCTAssertEqual(RuleTables.missingCoverage(partial), [.r5])
        partial = RuleTables.all
        partial[.r9] = RuleTables.r9.filter { $0.side == .holds }
        XCTAssertEqual(RuleTables.missingCoverage(partial), [.r9])
    }

    /// Unverified (self-declared) categories never bring money or free training.
    func testUnverifiedCategoriesNeverQualify() {
        for g in Fx.v1.attestationRequired.groups {
            let declared = Runner.decide(
                DecisionCase(worker: Fx.worker([Fx.declared(g)], hukou: .rural), expect: Expect(outcome: .eligible)))
            XCTAssertEqual(declared.feeRegime, .advanceThenReimburse, "\(g)")
            XCTAssertEqual(declared.livingAllowanceFen, 0, "\(g)")
            XCTAssertEqual(declared.payee, Payee(.worker, "W1"), "\(g)")
        }
    }

    func testTraceIsBilingualAndReadable() {
        let d = Runner.decide(
            DecisionCase(
                worker: Fx.worker([Fx.attested(.g5)]), enrollment: Fx.enrollment(completed: "2020-03-01"),
                priors: [Fx.prior(completed: "2020-01-10")], expect: Expect(outcome: .eligible)))
        let r3 = d.trace.first { $0.rule == .r3 }!
        XCTAssertEqual(r3.zh, "R3: 本年度（2020年，Asia/Shanghai）第2次补贴培训（上限3次）")
        XCTAssertEqual(r3.en, "R3: 2nd subsidised training in 2020 (Asia/Shanghai; limit 3)")
        let r9 = d.trace.first { $0.rule == .r9 }!
        XCTAssertTrue(r9.zh.contains("30.00元/天×20天=600.00元"), r9.zh)
    }
}
