import XCTest

@testable import Policy

/// Shared/Policy/Rules/T1Target.swift alone.
final class T1TargetTests: XCTestCase {
    func testAnEligibleDecisionInTheProgrammeYearsCounts() {
        let v = T1Target.check(RuleFile.facts(), eligible: true, year: 2019)
        XCTAssertTrue(v.counts)
        XCTAssertEqual(v.line.en, "T1: counts toward the 2019-2021 target of 150000 subsidised trainings (2019)")
    }

    func testARefusedDecisionOrAnotherYearDoesNotCount() {
        let refused = T1Target.check(RuleFile.facts(), eligible: false, year: 2019)
        let later = T1Target.check(RuleFile.facts(), eligible: true, year: 2022)
        XCTAssertFalse(refused.counts)
        XCTAssertFalse(later.counts)
        XCTAssertEqual(refused.line.en, "T1: does not count toward the target of 150000 (the subsidy is refused)")
        XCTAssertEqual(
            later.line.en, "T1: does not count toward the target of 150000 (2022 is outside the target period)")
    }

    func testProgressIsMetAtTheTarget() {
        XCTAssertFalse(SubsidyEngine.targetProgress(subsidisedTrainings: 149_999, policy: Fx.v1).met)
        let met = SubsidyEngine.targetProgress(subsidisedTrainings: 150_000, policy: Fx.v1)
        XCTAssertTrue(met.met)
        XCTAssertEqual(met.permille, 1000)
    }
}
