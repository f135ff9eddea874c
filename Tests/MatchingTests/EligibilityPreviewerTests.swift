import Essentials
import Logging
import Schema
import XCTest

@testable import MatchingCore

/// The O3 preview runs the policy engine on the bundled (sample) Dezhou policy file.
final class EligibilityPreviewerTests: XCTestCase {
    let policy = PreviewPolicy.bundled(logger: Logger(label: "test"))
    let offering = Offering(
        id: "o-1", occupation: Occupation(code: "6-31-01-03", name: "电工"), level: .l4IntermediateWorker,
        institutionId: "i-1", capacity: 10, startDate: CalendarDate(year: 2020, month: 8, day: 1),
        endDate: CalendarDate(year: 2020, month: 8, day: 30), mode: .offline, kind: .ordinary)
    let inForce = CivilDate(2020, 8, 30)

    func preview(_ worker: Worker, claims: [Claim]? = []) -> EligibilityPreview {
        EligibilityPreviewer.preview(
            worker: worker, offering: offering, enrollmentID: "e-1", today: inForce, priorClaims: claims,
            book: policy.book)
    }

    func testTheBundledPolicyLoads() {
        XCTAssertNotNil(policy.book)
    }

    func testAnAttestedUnemployedWorkerTrainsFree() {
        let worker = Worker(
            id: "w-1", hukou: .urban,
            categories: [CategoryFact(category: .g8Unemployed, attested: true, attestedByRole: "hrss")])
        let result = preview(worker)
        XCTAssertTrue(result.eligible, result.message)
        XCTAssertEqual(result.refusingRuleIds, [])
        XCTAssertTrue(result.freeForWorker)
        XCTAssertEqual(result.estimatedSubsidyFen, 165000)
    }

    func testAPensionDrawerIsRefusedUnderR5() {
        let result = preview(Worker(id: "w-2", hukou: .urban, drawsMonthlyPension: true))
        XCTAssertFalse(result.eligible)
        XCTAssertTrue(result.refusingRuleIds.contains("R5"), "\(result.refusingRuleIds)")
    }

    func testAnEarlierSubsidyForTheSameOccupationAndLevelRefusesUnderR4() {
        var decision = Decision()
        decision.eligible = true
        let earlier = Claim(
            id: "c-0", enrollmentId: "e-0", workerId: "w-3", occupation: offering.occupation,
            level: .l4IntermediateWorker, completionDate: CalendarDate(year: 2019, month: 5, day: 1),
            decision: decision)
        let result = preview(Worker(id: "w-3", hukou: .urban), claims: [earlier])
        XCTAssertTrue(result.refusingRuleIds.contains("R4"), "\(result.refusingRuleIds)")
    }

    func testWithoutPaymentTheMessageSaysR3AndR4WereNotChecked() {
        XCTAssertTrue(preview(Worker(id: "w-4", hukou: .urban), claims: nil).message.contains("R3/R4"))
    }
}
