import XCTest

@testable import Policy

/// Shared/Policy/Rules/R3YearlyLimit.swift alone.
final class R3YearlyLimitTests: XCTestCase {
    func testGrantsTheThirdOfTheYear() {
        let v = R3YearlyLimit.check(RuleFile.facts(priors: Array(Fx.threeIn(2019).prefix(2))))
        XCTAssertFalse(v.refuses)
        XCTAssertEqual(v.year, 2019)
        XCTAssertEqual(v.nth, 3)
        XCTAssertEqual(v.line.en, "R3: 3rd subsidised training in 2019 (Asia/Shanghai; limit 3)")
    }

    func testRefusesTheFourthOfTheYear() {
        let v = R3YearlyLimit.check(RuleFile.facts(priors: Fx.threeIn(2019)))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(v.nth, 4)
        XCTAssertEqual(
            v.line.en,
            "R3: would be the 4th subsidised training in 2019 (Asia/Shanghai), above the limit of 3 per person per year"
        )
    }

    func testOtherYearsAndTheEnrolmentItselfDoNotCount() {
        let own = Fx.prior(completed: "2019-06-15", id: "E1")
        let v = R3YearlyLimit.check(
            RuleFile.facts(priors: Fx.threeIn(2020) + Array(Fx.threeIn(2019).prefix(2)) + [own]))
        XCTAssertFalse(v.refuses)
        XCTAssertEqual(v.nth, 3)
    }
}
