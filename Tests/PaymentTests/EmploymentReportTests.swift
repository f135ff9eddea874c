import PlatformTestSupport
import Schema
import XCTest

/// R7 on evidence through payment's handlers over the in-process platform: contribution records
/// count once social insurance attested them, the confirmation needs a second certificate and the
/// reviewed revision, and only project-based offerings take reports.
final class EmploymentReportTests: XCTestCase {
    let completion = PlatformDay(2021, 7, 30)
    let reportDay = TestPlatform.on(PlatformDay(2021, 10, 28))

    func testContributionRecordsCountOnceSocialInsuranceAttestedThem() async throws {
        try await withPlatform { platform in try await self.contributionRecords(platform) }
    }

    func testConfirmationNeedsAnotherCertificateAndTheReviewedRevision() async throws {
        try await withPlatform { platform in try await self.confirmation(platform) }
    }

    private func withPlatform(_ body: (TestPlatform) async throws -> Void) async throws {
        let platform = try await TestPlatform.start()
        do {
            try await body(platform)
        } catch {
            await platform.close()
            throw error
        }
        await platform.close()
    }

    private func contributionRecords(_ platform: TestPlatform) async throws {
        let (project, workers) = try await cohort(platform, size: 2)
        let reference = "SI-\(platform.nextSerial())"
        let byRecord = EmployedTrainee(
            workerId: workers[0].id, evidence: .contribution(ContributionEvidence(recordReference: reference)))
        let propose = { (trainees: [EmployedTrainee]) in
            try await platform.payment(as: .institution()).reportEmployment(
                ReportEmploymentRequest(
                    requestId: platform.requestID("propose"), offeringId: project.id, employedTrainees: trainees),
                options: self.reportDay)
        }
        let unattested = await refusal { try await propose([byRecord]) }
        XCTAssertEqual(unattested?.code, .failedPrecondition)
        XCTAssertTrue(
            unattested?.message.hasPrefix("R7: ") == true && unattested?.message.contains(reference) == true,
            "\(String(describing: unattested))")

        let record = ContributionRecord(
            recordReference: reference, workerId: workers[0].id, employerCreditCode: platform.newCreditCode(),
            month: PlatformDay(2021, 8, 15).calendarDate)
        let attest = { (record: ContributionRecord, caller: TestCaller) in
            try await platform.payment(as: caller).attestContribution(
                AttestContributionRequest(
                    requestId: platform.requestID("attest"), record: record), options: self.reportDay)
        }
        let byHrss = await refusal { try await attest(record, .hrss) }
        XCTAssertEqual(byHrss?.code, .permissionDenied)
        let attested = try await attest(record, .socialInsurance)
        XCTAssertEqual(attested.attestedBy, "social-insurance-dev")
        XCTAssertEqual(attested.month, PlatformDay(2021, 8, 1).calendarDate, "a record is for a month")
        let same = try await attest(record, .socialInsurance)
        XCTAssertEqual(same, attested, "the same record attested again changes nothing")
        var other = record
        other.workerId = workers[1].id
        let conflicting = await refusal { try await attest(other, .socialInsurance) }
        XCTAssertEqual(conflicting?.code, .alreadyExists)

        let proposal = try await propose([byRecord])
        XCTAssertEqual([proposal.trained, proposal.employed, proposal.employmentRateBp], [2, 1, 5000])
        // Attested for worker 0, so it does not show that worker 1 is employed.
        let misused = await refusal {
            try await propose([
                EmployedTrainee(
                    workerId: workers[1].id, evidence: .contribution(ContributionEvidence(recordReference: reference)))
            ])
        }
        XCTAssertTrue(
            misused?.message.contains("attested for another worker") == true, "\(String(describing: misused))")
    }

    private func confirmation(_ platform: TestPlatform) async throws {
        let (project, workers) = try await cohort(platform, size: 2)
        let employer = platform.newCreditCode()
        let trainees = workers.map {
            EmployedTrainee(
                workerId: $0.id,
                evidence: .employer(
                    EmployerEvidence(creditCode: employer, startDate: PlatformDay(2021, 9, 1).calendarDate)))
        }
        let deprecated = await refusal {
            try await platform.payment(as: .hrss).reportEmployment(
                ReportEmploymentRequest(
                    requestId: platform.requestID("propose"), offeringId: project.id, trained: 20, employed: 17),
                options: self.reportDay)
        }
        XCTAssertEqual(deprecated?.code, .invalidArgument)
        XCTAssertTrue(deprecated?.message.hasPrefix("trained: R7") == true, "\(String(describing: deprecated))")

        let first = try await platform.payment(as: .hrss).reportEmployment(
            ReportEmploymentRequest(
                requestId: platform.requestID("propose"), offeringId: project.id, employedTrainees: [trainees[0]]),
            options: reportDay)
        let second = try await platform.payment(as: .hrss).reportEmployment(
            ReportEmploymentRequest(
                requestId: platform.requestID("propose"), offeringId: project.id, employedTrainees: trainees),
            options: reportDay)
        XCTAssertEqual([first.revision, second.revision], [1, 2])
        let confirm = { (caller: TestCaller, revision: Int32) in
            try await platform.payment(as: caller).confirmEmployment(
                ConfirmEmploymentRequest(
                    requestId: platform.requestID("confirm"), offeringId: project.id, revision: revision),
                options: self.reportDay)
        }
        let sameCertificate = await refusal { try await confirm(.hrss, 2) }
        XCTAssertEqual(sameCertificate?.code, .failedPrecondition)
        XCTAssertTrue(
            sameCertificate?.message.contains("different certificate") == true, "\(String(describing: sameCertificate))"
        )
        let colleague = TestCaller(role: "hrss", commonName: "hrss-reviewer")
        let stale = await refusal { try await confirm(colleague, 1) }
        XCTAssertTrue(stale?.message.contains("replaced by revision 2") == true, "\(String(describing: stale))")
        let confirmed = try await confirm(colleague, 2)
        XCTAssertEqual(confirmed.state, .confirmed)
        XCTAssertEqual(confirmed.confirmedBy, "hrss-reviewer")
        XCTAssertEqual(confirmed.employmentRateBp, 10_000)
        let read = try await platform.payment(as: .finance).getEmploymentReport(
            GetEmploymentReportRequest(offeringId: project.id))
        XCTAssertEqual(read, confirmed)

        let institution = try await platform.fileInstitution()
        let ordinary = try await platform.publishOffering(
            institutionID: institution.id, start: PlatformDay(2021, 5, 10), end: completion)
        let notProject = await refusal {
            try await platform.payment(as: .hrss).reportEmployment(
                ReportEmploymentRequest(
                    requestId: platform.requestID("propose"), offeringId: ordinary.id, employedTrainees: []),
                options: self.reportDay)
        }
        XCTAssertEqual(notProject?.code, .failedPrecondition)
        XCTAssertTrue(notProject?.message.contains("not project-based") == true, "\(String(describing: notProject))")
    }

    /// A project-based offering and `size` workers who completed it on `completion` (no claims).
    private func cohort(_ platform: TestPlatform, size: Int) async throws -> (Offering, [Worker]) {
        let institution = try await platform.fileInstitution()
        let project = try await platform.publishOffering(
            institutionID: institution.id, kind: .projectBased, start: PlatformDay(2021, 5, 10),
            end: completion, projectID: "XM-\(platform.nextSerial())")
        var workers: [Worker] = []
        for _ in 0..<size {
            let worker = try await platform.registerWorker(.g8Unemployed)
            _ = try await platform.train(workerID: worker.id, offering: project, completion: completion)
            workers.append(worker)
        }
        return (project, workers)
    }
}
