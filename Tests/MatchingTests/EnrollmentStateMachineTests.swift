import Essentials
import Schema
import XCTest

@testable import MatchingCore

final class EnrollmentStateMachineTests: XCTestCase {
    func testTheFiveOrderPathIsAllowed() {
        let path: [EnrollmentState] = [.selected, .accepted, .inTraining, .inTraining, .completed, .claimed, .paid]
        for (from, to) in zip(path, path.dropFirst()) {
            XCTAssertTrue(EnrollmentStateMachine.canMove(from: from, to: to), "\(from) -> \(to)")
        }
        XCTAssertTrue(EnrollmentStateMachine.canMove(from: .accepted, to: .completed))
        XCTAssertTrue(EnrollmentStateMachine.canMove(from: .selected, to: .rejected))
        XCTAssertTrue(EnrollmentStateMachine.canMove(from: .inTraining, to: .withdrawn))
    }

    func testIllegalTransitionsNameBothStates() {
        XCTAssertThrowsError(try EnrollmentStateMachine.check(from: .selected, to: .completed, enrollmentID: "e-1")) {
            error in
            let rpc = (error as? RPCErrorConvertible)?.rpcError
            XCTAssertEqual(rpc?.code, .failedPrecondition)
            XCTAssertEqual(rpc?.message, "enrolment e-1: cannot go from SELECTED to COMPLETED")
        }
        for end in [EnrollmentState.paid, .withdrawn, .rejected] {
            for target in EnrollmentState.allCases {
                XCTAssertFalse(EnrollmentStateMachine.canMove(from: end, to: target), "\(end) is final")
            }
        }
        XCTAssertFalse(EnrollmentStateMachine.canMove(from: .unspecified, to: .selected))
        XCTAssertFalse(EnrollmentStateMachine.canMove(from: .rejected, to: .accepted))
    }

    func testOnlyWithdrawnAndRejectedGiveThePlaceBack() {
        for state in EnrollmentState.allCases {
            XCTAssertEqual(
                EnrollmentStateMachine.isActive(state), state != .withdrawn && state != .rejected, "\(state)")
        }
    }

    func testDays() {
        XCTAssertNil(CivilDate(CalendarDate(year: 2021, month: 2, day: 29)))
        XCTAssertNotNil(CivilDate(CalendarDate(year: 2020, month: 2, day: 29)))
        XCTAssertNil(CivilDate(CalendarDate(year: 2020, month: 13, day: 1)))
        XCTAssertNil(CivilDate(CalendarDate(year: 1899, month: 12, day: 31)))
        XCTAssertFalse(CalendarDate().isSet)
        XCTAssertEqual(CivilDate(CalendarDate(year: 2020, month: 7, day: 1))?.description, "2020-07-01")
        XCTAssertLessThan(CivilDate(2020, 6, 30), CivilDate(2020, 7, 1))
    }

    func testClaimRequestIDIsDeterministicAndBounded() {
        XCTAssertEqual(MatchingHandler.claimRequestID(for: "r-1"), MatchingHandler.claimRequestID(for: "r-1"))
        XCTAssertNotEqual(MatchingHandler.claimRequestID(for: "r-1"), MatchingHandler.claimRequestID(for: "r-2"))
        let long = String(repeating: "x", count: 128)
        XCTAssertLessThanOrEqual(MatchingHandler.claimRequestID(for: long).utf8.count, 128)
        XCTAssertEqual(MatchingHandler.claimRequestID(for: long), MatchingHandler.claimRequestID(for: long))
    }
}
