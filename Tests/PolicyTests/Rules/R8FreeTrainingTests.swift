import XCTest

@testable import Policy

/// Shared/Policy/Rules/R8FreeTraining.swift alone.
final class R8FreeTrainingTests: XCTestCase {
    func testAnAttestedFreeGroupTrainsFreeAndTheInstitutionIsPaid() {
        let f = RuleFile.facts(worker: Fx.worker([Fx.attested(.g4)]))
        let s = RuleFile.settled(f)
        XCTAssertEqual(s.regime, .free)
        XCTAssertEqual(s.payee, Payee(.institution, "I1"))
        XCTAssertEqual(s.workerAdvanceFen, 0)
        let v = R8FreeTraining.check(f, s)
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertTrue(v.line.en.hasPrefix("R8: free training (G4 "), v.line.en)
    }

    func testOthersPayFirstAndAreReimbursed() {
        let f = RuleFile.facts()
        let s = RuleFile.settled(f)
        XCTAssertEqual(s.regime, .advanceThenReimburse)
        XCTAssertEqual(s.payee, Payee(.worker, "W1"))
        XCTAssertEqual(s.workerAdvanceFen, 150_000)
    }

    func testASelfDeclaredFreeGroupDoesNotCount() {
        let f = RuleFile.facts(worker: Fx.worker([Fx.declared(.g4)]))
        let v = R8FreeTraining.check(f, RuleFile.settled(f))
        XCTAssertEqual(RuleFile.settled(f).regime, .advanceThenReimburse)
        XCTAssertTrue(v.line.en.contains("; self-declared, unverified categories do not count: G4 "), v.line.en)
    }

    func testPaysNothingWhenTheClaimIsRefused() {
        let f = RuleFile.facts(worker: Fx.worker([Fx.attested(.g4)]))
        let s = RuleFile.settled(f, eligible: false)
        let v = R8FreeTraining.check(f, s)
        XCTAssertEqual(v.line.outcome, .notApplicable)
        XCTAssertEqual(s.amountFen, 0)
        XCTAssertTrue(v.line.en.hasSuffix(" (subsidy refused: nothing is paid)"), v.line.en)
    }
}
