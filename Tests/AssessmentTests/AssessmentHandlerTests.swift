import PlatformTestSupport
import Schema
import XCTest

/// Assessment's handlers over the in-process transport, with registration behind them: a passed
/// assessment becomes a signed certificate anyone can verify (A2, A4); what is refused issues nothing.
final class AssessmentHandlerTests: XCTestCase {
    var platform: TestPlatform!

    override func setUp() async throws {
        platform = try await TestPlatform.start()
    }

    override func tearDown() async throws {
        await platform.close()
    }

    private let day = TestPlatform.on(PlatformDay(2021, 7, 7))

    private func schedule(workerID: String) async throws -> Assessment {
        try await platform.assessment(as: .assessmentOrg).scheduleAssessment(
            ScheduleAssessmentRequest(
                requestId: platform.requestID("schedule"),
                assessment: Assessment(
                    method: .levelRecognition, workerId: workerID, occupation: FixtureOccupations.electrician,
                    level: .l4IntermediateWorker, venue: "德州市职业技能鉴定中心")), options: day)
    }

    private func record(_ assessment: Assessment, passed: Bool) async throws {
        _ = try await platform.assessment(as: .assessmentOrg).recordResult(
            RecordResultRequest(
                requestId: platform.requestID("result"), assessmentId: assessment.id, score: passed ? 88 : 40,
                passed: passed,
                assessor: "王考评员"), options: day)
    }

    private func certificates(of workerID: String) async throws -> [Certificate] {
        try await platform.assessment(as: .hrss).listCertificates(ListCertificatesRequest(workerId: workerID))
            .certificates
    }

    func testAPassedAssessmentIsCertifiedAndVerifiesForAnyCaller() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed, name: "韩霞")
        let assessment = try await schedule(workerID: worker.id)
        try await record(assessment, passed: true)
        let certificate = try await platform.assessment(as: .assessmentOrg).issueCertificate(
            IssueCertificateRequest(requestId: "cert-1", assessmentId: assessment.id), options: day)
        XCTAssertEqual(certificate.workerId, worker.id)
        XCTAssertEqual(certificate.workerName, "韩霞")
        XCTAssertTrue(certificate.number.hasPrefix("DZ-2021-"), certificate.number)
        XCTAssertFalse(certificate.signature.isEmpty)

        let verified = try await platform.assessment(as: .finance).verifyCertificate(
            VerifyCertificateRequest(
                number: certificate.number, content: certificate.content, signature: certificate.signature))
        XCTAssertEqual(verified.status, .valid, verified.message)
        var tampered = certificate.content
        tampered[tampered.count / 2] ^= 0x01
        let forged = try await platform.assessment(as: .finance).verifyCertificate(
            VerifyCertificateRequest(number: certificate.number, content: tampered, signature: certificate.signature))
        XCTAssertEqual(forged.status, .tampered, forged.message)
    }

    func testAFailedAssessmentIssuesNoCertificate() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let assessment = try await schedule(workerID: worker.id)
        try await record(assessment, passed: false)
        let refused = await refusal {
            try await self.platform.assessment(as: .assessmentOrg).issueCertificate(
                IssueCertificateRequest(requestId: "cert-2", assessmentId: assessment.id), options: self.day)
        }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertEqual(
            refused?.message, "R2/A2: assessment \(assessment.id) was not passed; no certificate can be issued")
        let issued = try await certificates(of: worker.id)
        XCTAssertEqual(issued, [])
    }

    func testOnlyAnAssessmentBodyIssuesCertificates() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let assessment = try await schedule(workerID: worker.id)
        try await record(assessment, passed: true)
        let refused = await refusal {
            try await self.platform.assessment(as: .hrss).issueCertificate(
                IssueCertificateRequest(requestId: "cert-3", assessmentId: assessment.id), options: self.day)
        }
        XCTAssertEqual(refused?.code, .permissionDenied)
        XCTAssertEqual(
            refused?.message, "role 'hrss' (hrss-dev) may not call /skills.v1.AssessmentService/IssueCertificate")
        let issued = try await certificates(of: worker.id)
        XCTAssertEqual(issued, [])
    }

    func testAnAssessmentOfAnUnregisteredWorkerIsRefused() async throws {
        let refused = await refusal { try await self.schedule(workerID: "w-unknown") }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertEqual(refused?.message, "worker w-unknown is not registered")
    }

    func testASecondCertificateForOneAssessmentIsAlreadyExists() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let assessment = try await schedule(workerID: worker.id)
        try await record(assessment, passed: true)
        let first = try await platform.assessment(as: .assessmentOrg).issueCertificate(
            IssueCertificateRequest(requestId: "cert-4", assessmentId: assessment.id), options: day)
        let refused = await refusal {
            try await self.platform.assessment(as: .assessmentOrg).issueCertificate(
                IssueCertificateRequest(requestId: "cert-5", assessmentId: assessment.id), options: self.day)
        }
        XCTAssertEqual(refused?.code, .alreadyExists)
        XCTAssertEqual(refused?.message, "assessment \(assessment.id) already has certificate \(first.number)")
        let issued = try await certificates(of: worker.id)
        XCTAssertEqual(issued.map(\.number), [first.number])
    }
}
