import Essentials
import Policy
import Schema
import XCTest

@testable import MatchingCore

/// The completion date lies within the offering's dates and after the last learning day (R1, R3);
/// a subsidised offering needs a standard on its end date (R1).
final class OfferingDatesRuleTests: XCTestCase {
    private func day(_ y: Int, _ m: Int, _ d: Int) -> CivilDate { CivilDate(y, m, d) }

    private func problem(_ completion: CivilDate, lastLearning: CivilDate? = nil) -> String? {
        OfferingDatesRule.completionProblem(
            completion: completion, offeringID: "o-1", start: day(2020, 11, 1),
            end: day(2020, 11, 20), lastLearning: lastLearning)
    }

    func testCompletionWithinTheOfferingIsAccepted() {
        XCTAssertNil(problem(day(2020, 11, 1)))
        XCTAssertNil(problem(day(2020, 11, 20), lastLearning: day(2020, 11, 20)))
    }

    func testCompletionAfterTheEndNamesTheRuleAndTheDates() throws {
        let message = try XCTUnwrap(problem(day(2021, 2, 15)))
        XCTAssertTrue(
            message.hasPrefix("R1: the completion date 2021-02-15 is after offering o-1 ended on 2020-11-20"), message)
        XCTAssertTrue(message.contains("(R3)") && message.contains("2020-11-01 to 2020-11-20"), message)
        XCTAssertNotNil(problem(day(2020, 11, 21)))
    }

    func testCompletionBeforeTheStartOrTheLastLearningDayIsRefused() throws {
        XCTAssertTrue(try XCTUnwrap(problem(day(2020, 10, 31))).contains("before offering o-1 started on 2020-11-01"))
        let early = try XCTUnwrap(problem(day(2020, 11, 5), lastLearning: day(2020, 11, 10)))
        XCTAssertTrue(early.contains("before the last learning day recorded, 2020-11-10"), early)
    }

    func testTheLatestLearningDayIsKept() {
        let kept = OfferingDatesRule.latest(day(2020, 11, 10).calendarDate, day(2020, 11, 3))
        XCTAssertEqual(CivilDate(kept), day(2020, 11, 10))
        XCTAssertEqual(CivilDate(OfferingDatesRule.latest(nil, day(2020, 11, 3))), day(2020, 11, 3))
    }

    func testNoStandardNamesThePolicysLastDay() throws {
        let last = OfferingDatesRule.lastPolicyDay(try PolicyBook.bundled())
        XCTAssertEqual(last, day(2021, 12, 31))
        let message = OfferingDatesRule.noStandard(
            occupation: "6-31-01-03", level: .l4IntermediateWorker, end: day(2022, 1, 20),
            lastPolicyDay: last)
        XCTAssertTrue(
            message.hasPrefix(
                "R1: no subsidy standard for occupation 6-31-01-03 at level 4 on the offering's end date 2022-01-20"))
        XCTAssertTrue(
            message.contains("the policy's last period ends 2021-12-31") && message.contains("unsubsidised = true"),
            message)
    }
}
