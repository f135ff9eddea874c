import XCTest

@testable import Policy

/// Shared/Policy/Rules/R4NeverTwice.swift alone.
final class R4NeverTwiceTests: XCTestCase {
    func testGrantsTheFirstSubsidyForTheOccupationAndLevel() {
        let v = R4NeverTwice.check(RuleFile.facts())
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertEqual(v.line.en, "R4: first subsidy for Electrician (6-31-01-03) at level 4 (intermediate)")
    }

    func testGrantsAnotherLevelOfTheSameOccupation() {
        let priors = [Fx.prior(Fx.electrician, level: 5, completed: "2018-05-01")]
        let v = R4NeverTwice.check(RuleFile.facts(priors: priors))
        XCTAssertFalse(v.refuses)
        XCTAssertTrue(
            v.line.en.hasSuffix("(earlier subsidies of the same occupation were at another level: level 5 (junior))"))
    }

    func testRefusesTheSameOccupationAndLevelTwice() {
        let priors = [Fx.prior(Fx.electrician, level: 4, completed: "2018-05-01", id: "E0")]
        let v = R4NeverTwice.check(RuleFile.facts(priors: priors))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(
            v.line.en,
            "R4: already subsidised for Electrician (6-31-01-03) at level 4 (intermediate) (enrolment E0, completed 2018-05-01); never twice for the same occupation and level"
        )
    }
}
