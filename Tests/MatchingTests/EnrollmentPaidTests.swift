import Schema
import ServiceKit
import XCTest

@testable import MatchingCore

/// CLAIMED -> PAID (issue 9): when a claim makes its enrolment PAID, and the transition itself.
final class EnrollmentPaidTests: XCTestCase {
    private func claim(eligible: Bool = true, _ states: [TrancheState]) -> Claim {
        let tranches = states.enumerated().map {
            Tranche(id: "t-\($0.offset)", index: Int32($0.offset), amountFen: 100, state: $0.element)
        }
        return Claim(id: "c-e-1", enrollmentId: "e-1", decision: Decision(eligible: eligible, tranches: tranches))
    }

    func testPaidWhenNothingIsPayableAndSomethingIsPaid() {
        XCTAssertNil(EnrollmentPaidRule.unpaidReason(claim: claim([.paid]), enrollmentID: "e-1"))
        XCTAssertNil(EnrollmentPaidRule.unpaidReason(claim: claim([.paid, .paid]), enrollmentID: "e-1"))
        // R7: the held 40 % waits for the employment report; the enrolment is PAID meanwhile.
        XCTAssertNil(EnrollmentPaidRule.unpaidReason(claim: claim([.paid, .held]), enrollmentID: "e-1"))
    }

    func testNotPaidWhileSomethingIsPayableOrNothingWasPaid() {
        XCTAssertEqual(
            EnrollmentPaidRule.unpaidReason(claim: claim([.payable]), enrollmentID: "e-1"),
            "claim c-e-1 still has 1 payable tranche(s) (t-0)")
        XCTAssertNotNil(EnrollmentPaidRule.unpaidReason(claim: claim([.paid, .payable]), enrollmentID: "e-1"))
        XCTAssertEqual(
            EnrollmentPaidRule.unpaidReason(claim: claim([.held]), enrollmentID: "e-1"),
            "claim c-e-1 has no disbursed tranche")
        XCTAssertEqual(
            EnrollmentPaidRule.unpaidReason(claim: claim([]), enrollmentID: "e-1"),
            "claim c-e-1 has no disbursed tranche")
        XCTAssertEqual(
            EnrollmentPaidRule.unpaidReason(claim: claim(eligible: false, [.paid]), enrollmentID: "e-1"),
            "claim c-e-1 was refused; nothing is paid")
        XCTAssertEqual(
            EnrollmentPaidRule.unpaidReason(claim: claim([.paid]), enrollmentID: "e-2"),
            "claim c-e-1 belongs to enrolment e-1, not to this one")
    }

    func testClaimedMovesToPaidAndNothingElseDoes() throws {
        XCTAssertNoThrow(try EnrollmentStateMachine.check(from: .claimed, to: .paid, enrollmentID: "e-1"))
        for from in [EnrollmentState.selected, .accepted, .inTraining, .withdrawn, .rejected, .paid] {
            XCTAssertThrowsError(try EnrollmentStateMachine.check(from: from, to: .paid, enrollmentID: "e-1")) {
                error in
                let rpc = (error as? RPCErrorConvertible)?.rpcError
                XCTAssertEqual(rpc?.code, .failedPrecondition)
                XCTAssertEqual(
                    rpc?.message, "enrolment e-1: cannot go from \(EnrollmentStateMachine.name(from)) to PAID")
            }
        }
        let refusal = MatchingError.notPaid(enrollment: "e-1", reason: "claim c-e-1 has no disbursed tranche").rpcError
        XCTAssertEqual(refusal.code, .failedPrecondition)
        XCTAssertEqual(
            refusal.message, "enrolment e-1 cannot go from CLAIMED to PAID: claim c-e-1 has no disbursed tranche")
    }

    func testOnlyPaymentMayRecordAPayment() {
        let method = MatchingService.Method.recordPayment.descriptor
        XCTAssertTrue(MatchingAccess.table.allows(.payment, toCall: method))
        for role: Role in [.hrss, .finance, .institution, .workerPortal, .matching] {
            XCTAssertFalse(MatchingAccess.table.allows(role, toCall: method), role.rawValue)
        }
    }
}

/// O4 by the offering's institution: when matching's copy of the system names is enough.
final class InstitutionSystemsCheckTests: XCTestCase {
    func testAFreshCopyListingTheCallerIsEnough() {
        XCTAssertEqual(
            InstitutionSystemsCheck.verdict(
                commonName: "institution-dev", names: ["institution-dev"], readAt: 1000, now: 1200),
            .allowed)
    }

    func testEverythingElseAsksRegistration() {
        // Not listed (maybe just added by hrss), no copy yet, or a copy too old (maybe just removed).
        XCTAssertEqual(
            InstitutionSystemsCheck.verdict(
                commonName: "institution-b-dev", names: ["institution-dev"], readAt: 1000, now: 1001),
            .refresh)
        XCTAssertEqual(
            InstitutionSystemsCheck.verdict(commonName: "institution-dev", names: nil, readAt: 0, now: 1000), .refresh)
        XCTAssertEqual(
            InstitutionSystemsCheck.verdict(
                commonName: "institution-dev", names: ["institution-dev"], readAt: 1000,
                now: 1000 + InstitutionSystemsCheck.refreshInterval), .refresh)
    }

    func testTheRefusalNamesTheInstitutionAndTheCaller() {
        let error = MatchingError.notInstitutionSystem(institution: "i-7", caller: "institution-b-dev").rpcError
        XCTAssertEqual(error.code, .permissionDenied)
        XCTAssertTrue(error.message.contains("i-7") && error.message.contains("institution-b-dev"), error.message)
    }
}
