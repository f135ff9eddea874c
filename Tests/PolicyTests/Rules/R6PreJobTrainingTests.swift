import XCTest

@testable import Policy

/// Shared/Policy/Rules/R6PreJobTraining.swift alone.
final class R6PreJobTrainingTests: XCTestCase {
    let preJob = Fx.enrollment(kind: .newHirePreJob, enterprise: "ENT1")

    func testGrantsTheEnterprisesOwnNewHire() {
        let v = R6PreJobTraining.check(RuleFile.facts(worker: Fx.worker([Fx.attested(.g2)]), enrollment: preJob))
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertEqual(
            v.line.en, "R6: pre-job training of a new hire (G2): 100% of the standard, paid to enterprise ENT1")
    }

    func testRefusesAWorkerWhoIsNotANewHire() {
        let v = R6PreJobTraining.check(RuleFile.facts(enrollment: preJob))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(
            v.line.en,
            "R6: pre-job training subsidies are for the enterprise's own new hires: the worker is not a new hire (G2)")
    }

    func testRefusesAnotherEnterprisesNewHire() {
        let v = R6PreJobTraining.check(
            RuleFile.facts(worker: Fx.worker([Fx.attested(.g2)], employer: "ENT2"), enrollment: preJob))
        XCTAssertTrue(v.refuses)
        XCTAssertTrue(v.line.en.hasSuffix("the worker's employer ENT2 is not enterprise ENT1 that runs the training"))
    }

    func testDoesNotApplyToOtherKinds() {
        XCTAssertEqual(R6PreJobTraining.check(RuleFile.facts()).line.outcome, .notApplicable)
    }
}
