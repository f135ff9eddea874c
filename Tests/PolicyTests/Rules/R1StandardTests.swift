import XCTest

@testable import Policy

/// Shared/Policy/Rules/R1Standard.swift alone.
final class R1StandardTests: XCTestCase {
    func testGrantsTheStandardOfTheVersionInForce() {
        let v = R1Standard.check(RuleFile.facts())
        XCTAssertFalse(v.refuses)
        XCTAssertEqual(v.standardFen, 150_000)
        XCTAssertEqual(
            v.line.en,
            "R1: standard for Electrician (6-31-01-03) at level 4 (intermediate): CNY 1500.00, the same for urban and rural workers (version dezhou-2019-2021/v1, in force from 2019-01-01)"
        )
    }

    func testRefusesAfterTheProgrammesLastPeriodButReportsTheStandard() {
        let v = R1Standard.check(RuleFile.facts(enrollment: Fx.enrollment(completed: "2022-03-01"), policy: Fx.v2))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(v.standardFen, 165_000)
        XCTAssertEqual(
            v.line.en,
            "R1: the completion date 2022-03-01 falls after the programme's last policy period, which ends 2021-12-31")
    }

    func testRefusesAnOccupationWithoutStandard() {
        let v = R1Standard.check(RuleFile.facts(enrollment: Fx.enrollment(occupation: "9-99-99-99")))
        XCTAssertTrue(v.refuses)
        XCTAssertNil(v.standardFen)
        XCTAssertEqual(v.line.en, "R1: occupation 9-99-99-99 has no subsidy standard")
        XCTAssertEqual(v.line.zh, "R1: 职业9-99-99-99不在补贴标准目录内")
    }

    func testStandardLookUpPicksTheVersionInForce() {
        let before = SubsidyEngine.standard(
            occupation: Fx.electrician, level: 4, on: Fx.date("2020-06-30"), book: Fx.book)
        let after = SubsidyEngine.standard(
            occupation: Fx.electrician, level: 4, on: Fx.date("2020-07-01"), book: Fx.book)
        XCTAssertEqual(before?.amountFen, 150_000)
        XCTAssertEqual(after?.amountFen, 165_000)
        XCTAssertEqual(after?.policyVersion, Fx.v2ID)
        XCTAssertNil(
            SubsidyEngine.standard(occupation: Fx.electrician, level: 4, on: Fx.date("2022-01-01"), book: Fx.book))
    }
}
