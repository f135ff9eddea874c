import XCTest

@testable import Policy

/// Shared/Policy/Rules/R5Pension.swift alone.
final class R5PensionTests: XCTestCase {
    func testGrantsAWorkerWithoutMonthlyPension() {
        let v = R5Pension.check(RuleFile.facts())
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertEqual(v.line.en, "R5: draws no monthly pension: eligible for training subsidies")
    }

    func testRefusesAWorkerDrawingAMonthlyPension() {
        let v = R5Pension.check(RuleFile.facts(worker: Fx.worker(pension: true)))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(v.line.en, "R5: a person drawing a monthly pension is not eligible")
    }
}
