import PlatformTestSupport
import Schema
import XCTest

/// Matching's handlers over the in-process transport, with registration and payment behind them:
/// O2 checked against the institution's filing (R10), O3 and O4 by the right callers, and refused
/// calls that leave offerings and enrolments as they were.
final class MatchingHandlerTests: XCTestCase {
    var platform: TestPlatform!

    override func setUp() async throws {
        platform = try await TestPlatform.start()
    }

    override func tearDown() async throws {
        await platform.close()
    }

    private let start = PlatformDay(2021, 4, 12)
    private let end = PlatformDay(2021, 6, 30)

    private func offerings() async throws -> [Offering] {
        try await platform.matching(as: .hrss).listOfferings(ListOfferingsRequest()) { try await $0.collect() }
    }

    private func enrollment(_ id: String) async throws -> Enrollment {
        try await platform.matching(as: .hrss).getEnrollment(GetEnrollmentRequest(enrollmentId: id))
    }

    func testSelectAcceptLearnAndCompleteAnOffering() async throws {
        let institution = try await platform.fileInstitution()
        let offering = try await platform.publishOffering(institutionID: institution.id, start: start, end: end)
        XCTAssertEqual(offering.institutionId, institution.id)
        XCTAssertGreaterThan(offering.subsidyStandardFen, 0, "payment's standard in force on the last day (R1)")
        let worker = try await platform.registerWorker(.g8Unemployed)
        let completed = try await platform.train(workerID: worker.id, offering: offering, completion: end)
        XCTAssertEqual(completed.state, .completed)
        XCTAssertEqual(completed.attendancePercent, 96)
        XCTAssertEqual(completed.completionDate, end.calendarDate)
        let listed = try await offerings()
        XCTAssertEqual(listed.map(\.enrolled), [1])
    }

    func testAnOfferingOutsideTheInstitutionsLicenceScopeIsRefusedUnderR10() async throws {
        let institution = try await platform.fileInstitution(scope: [FixtureOccupations.chemicalOperator.code])
        let refused = await refusal {
            try await self.platform.publishOffering(institutionID: institution.id, start: self.start, end: self.end)
        }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertEqual(
            refused?.message,
            "R10: the licence scope of institution \(institution.id) does not cover occupation \(FixtureOccupations.electrician.code)"
        )
        let listed = try await offerings()
        XCTAssertEqual(listed, [])
    }

    func testOnlyHrssPublishesOfferings() async throws {
        let institution = try await platform.fileInstitution()
        let refused = await refusal {
            try await self.platform.matching(as: .institution()).publishOffering(
                PublishOfferingRequest(
                    requestId: "pub-1",
                    offering: Offering(
                        occupation: FixtureOccupations.electrician, level: .l4IntermediateWorker,
                        institutionId: institution.id, capacity: 10, startDate: self.start.calendarDate,
                        endDate: self.end.calendarDate, mode: .offline, kind: .ordinary, classHours: 80)))
        }
        XCTAssertEqual(refused?.code, .permissionDenied)
        XCTAssertEqual(
            refused?.message,
            "role 'institution' (institution-dev) may not call /skills.v1.MatchingService/PublishOffering")
        let listed = try await offerings()
        XCTAssertEqual(listed, [])
    }

    func testAnotherInstitutionsSystemMayNotAcceptTheEnrolment() async throws {
        let institution = try await platform.fileInstitution()
        let offering = try await platform.publishOffering(institutionID: institution.id, start: start, end: end)
        let worker = try await platform.registerWorker(.g8Unemployed)
        let selected = try await platform.matching(as: .workerPortal).selectOffering(
            SelectOfferingRequest(requestId: "sel-1", workerId: worker.id, offeringId: offering.id),
            options: TestPlatform.on(start.adding(days: -7)))
        let enrollmentID = try XCTUnwrap(selected.enrollment?.id)
        let before = try await enrollment(enrollmentID)

        let refused = await refusal {
            try await self.platform.matching(as: .institution("institution-b-dev")).acceptEnrollment(
                AcceptEnrollmentRequest(requestId: "acc-1", enrollmentId: enrollmentID, accept: true),
                options: TestPlatform.on(self.start.adding(days: -3)))
        }
        XCTAssertEqual(refused?.code, .permissionDenied)
        XCTAssertEqual(
            refused?.message,
            "O4: certificate 'institution-b-dev' does not act for institution \(institution.id), which delivers "
                + "this enrolment (registration: Institution.system_certificate_names)")
        let after = try await enrollment(enrollmentID)
        XCTAssertEqual(after, before)
        XCTAssertEqual(after.state, .selected)
    }

    func testCompletingBeforeAcceptanceNamesBothStatesAndChangesNothing() async throws {
        let institution = try await platform.fileInstitution()
        let offering = try await platform.publishOffering(institutionID: institution.id, start: start, end: end)
        let worker = try await platform.registerWorker(.g8Unemployed)
        let selected = try await platform.matching(as: .workerPortal).selectOffering(
            SelectOfferingRequest(requestId: "sel-2", workerId: worker.id, offeringId: offering.id),
            options: TestPlatform.on(start.adding(days: -7)))
        let enrollmentID = try XCTUnwrap(selected.enrollment?.id)
        let before = try await enrollment(enrollmentID)

        let refused = await refusal {
            try await self.platform.matching(as: .institution()).completeTraining(
                CompleteTrainingRequest(
                    requestId: "done-1", enrollmentId: enrollmentID, completionDate: self.end.calendarDate,
                    attendancePercent: 96),
                options: TestPlatform.on(self.end))
        }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertEqual(refused?.message, "enrolment \(enrollmentID): cannot go from SELECTED to COMPLETED")
        let after = try await enrollment(enrollmentID)
        XCTAssertEqual(after, before)
    }

    func testSelectingTheSameOfferingTwiceIsAlreadyExists() async throws {
        let institution = try await platform.fileInstitution()
        let offering = try await platform.publishOffering(institutionID: institution.id, start: start, end: end)
        let worker = try await platform.registerWorker(.g8Unemployed)
        let day = TestPlatform.on(start.adding(days: -7))
        _ = try await platform.matching(as: .workerPortal).selectOffering(
            SelectOfferingRequest(requestId: "sel-3", workerId: worker.id, offeringId: offering.id), options: day)
        let refused = await refusal {
            try await self.platform.matching(as: .workerPortal).selectOffering(
                SelectOfferingRequest(requestId: "sel-4", workerId: worker.id, offeringId: offering.id), options: day)
        }
        XCTAssertEqual(refused?.code, .alreadyExists)
        XCTAssertEqual(
            refused?.message, "worker \(worker.id) already holds an active enrolment in offering \(offering.id)")
        let listed = try await offerings()
        XCTAssertEqual(listed.map(\.enrolled), [1])
    }
}
