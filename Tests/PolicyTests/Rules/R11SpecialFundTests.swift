import XCTest

@testable import Policy

/// Shared/Policy/Rules/R11SpecialFund.swift alone.
final class R11SpecialFundTests: XCTestCase {
    func testNamesWhatTheFundPaysUnderWhichVersion() {
        let f = RuleFile.facts()
        let v = R11SpecialFund.check(f, RuleFile.settled(f), refusedBy: [], allowanceFen: 6_000)
        XCTAssertEqual(v.line.outcome, .info)
        XCTAssertEqual(
            v.line.en,
            "R11: CNY 1560.00 from the vocational-skills upgrading special fund; policy version dezhou-2019-2021/v1 (fingerprint \(Fx.v1.fingerprint)), enrolment E1"
        )
    }

    func testNamesTheRefusingRules() {
        let f = RuleFile.facts()
        let v = R11SpecialFund.check(f, RuleFile.settled(f, eligible: false), refusedBy: [.r3, .r5], allowanceFen: 0)
        XCTAssertEqual(
            v.line.en,
            "R11: refused by R3, R5; policy version dezhou-2019-2021/v1 (fingerprint \(Fx.v1.fingerprint)), enrolment E1"
        )
        XCTAssertTrue(
            R11SpecialFund.invalidInput(refusedBy: [.r1], policy: Fx.v1).en.hasPrefix(
                "R11: invalid input, refused by R1;"))
    }
}
