import XCTest

@testable import Policy

/// Shared/Policy/Rules/R9LivingAllowance.swift alone.
final class R9LivingAllowanceTests: XCTestCase {
    func testGrantsAnAttestedG5PerAttendedDay() {
        let f = RuleFile.facts(
            worker: Fx.worker([Fx.attested(.g5)]), enrollment: Fx.enrollment(days: 20, attendance: 90))
        let v = R9LivingAllowance.check(f, RuleFile.settled(f), nextIndex: 2)
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertEqual(v.allowanceFen, 3000 * 18)
        XCTAssertEqual(v.tranche?.index, 2)
        XCTAssertEqual(v.tranche?.payee, Payee(.worker, "W1"))
        XCTAssertEqual(v.tranche?.decidedBy, [.r9])
    }

    func testNoAllowanceForAnUrbanG6WithoutAttestedSupport() {
        let f = RuleFile.facts(worker: Fx.worker([Fx.attested(.g6)], hukou: .urban, lowIncome: true))
        let v = R9LivingAllowance.check(f, RuleFile.settled(f), nextIndex: 2)
        XCTAssertEqual(v.allowanceFen, 0)
        XCTAssertNil(v.tranche)
        XCTAssertTrue(v.line.en.hasPrefix("R9: no living allowance: G6 "), v.line.en)
        XCTAssertTrue(v.line.en.hasSuffix("is urban and not from an (attested) minimum-living-support family"))
    }

    func testNoAllowanceForG10OutsideItsWindow() {
        let f = RuleFile.facts(
            worker: Fx.worker([Fx.attested(.g10)]), enrollment: Fx.enrollment(completed: "2021-03-01"), policy: Fx.v2)
        let v = R9LivingAllowance.check(f, RuleFile.settled(f), nextIndex: 2)
        XCTAssertEqual(v.allowanceFen, 0)
        XCTAssertTrue(
            v.line.en.contains("only for training within 2019-01-01 to 2020-12-31; this one completed 2021-03-01"))
    }

    func testNothingWhenTheClaimIsRefused() {
        let f = RuleFile.facts(worker: Fx.worker([Fx.attested(.g5)]))
        let v = R9LivingAllowance.check(f, RuleFile.settled(f, eligible: false), nextIndex: 1)
        XCTAssertEqual(v.allowanceFen, 0)
        XCTAssertNil(v.tranche)
        XCTAssertEqual(v.line.outcome, .notApplicable)
    }

    func testNotEntitledWithoutAGroup() {
        let f = RuleFile.facts()
        XCTAssertEqual(
            R9LivingAllowance.check(f, RuleFile.settled(f), nextIndex: 2).line.en,
            "R9: not entitled to a living allowance")
    }
}
