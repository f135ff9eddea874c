import XCTest

@testable import Policy

/// Shared/Policy/Rules/R10Filing.swift alone.
final class R10FilingTests: XCTestCase {
    func testGrantsAnAcceptedFilingCoveringTheOccupation() {
        let v = R10Filing.check(RuleFile.facts())
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertEqual(v.line.en, "R10: institution I1 has an accepted filing covering Electrician (6-31-01-03)")
    }

    func testRefusesAFilingNotAcceptedAndOutOfScope() {
        let v = R10Filing.check(RuleFile.facts(enrollment: Fx.enrollment(filingAccepted: false, scope: [Fx.welder])))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(
            v.line.en,
            "R10: institution I1 has no accepted filing; its licence scope does not cover Electrician (6-31-01-03)")
    }
}
