import XCTest

@testable import Policy

/// Shared/Policy/Rules/R7ProjectBased.swift alone.
final class R7ProjectBasedTests: XCTestCase {
    func testGrantsSixtyPercentNowAndHoldsTheRest() {
        let f = RuleFile.facts(enrollment: Fx.enrollment(kind: .projectBased))
        let v = R7ProjectBased.split(f, RuleFile.settled(f))
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertEqual(v.tranches.map(\.amountFen), [90_000, 60_000])
        XCTAssertEqual(v.tranches.map(\.condition), [.onDecision, .employmentRateAtLeast(permille: 850)])
        XCTAssertEqual(v.tranches.map(\.index), [1, 2])
        XCTAssertEqual(v.tranches.map(\.payee), [Payee(.institution, "I1"), Payee(.institution, "I1")])
        XCTAssertEqual(v.tranches[0].decidedBy, [.r1, .r2, .r7])
    }

    func testPaysNothingWhenTheClaimIsRefused() {
        let f = RuleFile.facts(enrollment: Fx.enrollment(kind: .projectBased))
        let v = R7ProjectBased.split(f, RuleFile.settled(f, eligible: false))
        XCTAssertEqual(v.line.outcome, .notApplicable)
        XCTAssertEqual(v.tranches, [])
        XCTAssertEqual(v.line.en, "R7: project-based, but the subsidy is refused: nothing to pay")
    }

    func testOtherKindsGetOneTrancheByTheirRule() {
        let f = RuleFile.facts()
        let v = R7ProjectBased.split(f, RuleFile.settled(f))
        XCTAssertEqual(v.line.outcome, .notApplicable)
        XCTAssertEqual(v.tranches.map(\.amountFen), [150_000])
        XCTAssertEqual(v.tranches.map(\.rule), [.r8])
    }

    func testEmploymentReportReleasesAtTheThresholdOnly() {
        let held = SubsidyEngine.releaseHeldTranche(
            employment: EmploymentReport(offeringId: "O1", trained: 1000, employed: 849), policy: Fx.v1)
        let released = SubsidyEngine.releaseHeldTranche(
            employment: EmploymentReport(offeringId: "O1", trained: 20, employed: 17), policy: Fx.v1)
        XCTAssertFalse(held.released)
        XCTAssertEqual(held.trace.outcome, .refused)
        XCTAssertTrue(released.released)
        XCTAssertEqual(
            released.trace.en, "R7: employment rate 85.0% (17 of 20) reaches 85.0%: the held tranches are released")
    }
}
