import PlatformTestSupport
import Schema
import XCTest

/// What the assessment rules tests share: a platform per test (registration behind assessment),
/// the calls an assessment body makes, and what a refused call must leave unchanged. Calls go
/// through assessment's public RPCs over the in-process transport, as callers see them.
class AssessmentCallsTestCase: XCTestCase {
    var platform: TestPlatform!
    let day = TestPlatform.on(PlatformDay(2021, 7, 7))
    let occupation = Occupation(code: "4-10-01-01", name: "家政服务员")

    override func setUp() async throws {
        platform = try await TestPlatform.start()
    }

    override func tearDown() async throws {
        await platform.close()
    }

    func client(_ caller: TestCaller = .assessmentOrg) -> AssessmentServiceClient { platform.assessment(as: caller) }

    func rid() -> String { platform.requestID("req") }

    func schedule(
        workerID: String, method: AssessmentMethod = .levelRecognition, level: SkillLevel = .l4IntermediateWorker
    ) async throws -> Assessment {
        try await client().scheduleAssessment(
            ScheduleAssessmentRequest(
                requestId: rid(),
                assessment: Assessment(method: method, workerId: workerID, occupation: occupation, level: level)),
            options: day)
    }

    @discardableResult
    func record(_ assessmentID: String, passed: Bool = true, score: Int32 = 88) async throws -> Assessment {
        try await client().recordResult(
            RecordResultRequest(
                requestId: rid(), assessmentId: assessmentID, score: score, passed: passed, assessor: "王考评员"),
            options: day)
    }

    /// A registered worker with a passed assessment of `method`.
    func passedAssessment(method: AssessmentMethod = .levelRecognition) async throws -> (Worker, Assessment) {
        let worker = try await platform.registerWorker(.g8Unemployed, name: "李四")
        let scheduled = try await schedule(workerID: worker.id, method: method)
        try await record(scheduled.id)
        return (worker, scheduled)
    }

    func issue(_ assessmentID: String, kind: CertificateKind = .unspecified, requestID: String? = nil) async throws
        -> Certificate
    {
        try await client().issueCertificate(
            IssueCertificateRequest(requestId: requestID ?? rid(), assessmentId: assessmentID, kind: kind), options: day
        )
    }

    /// A certificate issued for a new worker's passed level-recognition assessment.
    func aCertificate() async throws -> Certificate {
        let (_, scheduled) = try await passedAssessment()
        return try await issue(scheduled.id)
    }

    func verify(_ number: String, _ content: [UInt8], _ signature: [UInt8], as caller: TestCaller = .finance)
        async throws -> VerifyCertificateResponse
    {
        try await client(caller).verifyCertificate(
            VerifyCertificateRequest(number: number, content: content, signature: signature))
    }

    func status(of certificate: Certificate, as caller: TestCaller = .finance) async throws
        -> VerifyCertificateResponse.Status
    {
        try await verify(certificate.number, certificate.content, certificate.signature, as: caller).status
    }

    func certificates(of workerID: String) async throws -> [Certificate] {
        try await client(.finance).listCertificates(ListCertificatesRequest(workerId: workerID)).certificates
    }

    func revoke(_ number: String, reason: String, as caller: TestCaller = .assessmentOrg) async throws -> Certificate {
        try await client(caller).revokeCertificate(
            RevokeCertificateRequest(requestId: rid(), number: number, reason: reason), options: day)
    }

    /// A well-formed certificate number (its Luhn mod 32 check character right) for `body16`.
    func wellFormedNumber(_ body16: String, year: String = "2021") -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var factor = 2
        var total = 0
        for character in body16.reversed() {
            let addend = factor * (alphabet.firstIndex(of: character) ?? 0)
            total += addend / 32 + addend % 32
            factor = factor == 2 ? 1 : 2
        }
        return "DZ-\(year)-\(body16)\(alphabet[(32 - total % 32) % 32])"
    }

    func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
        var changed = bytes
        changed[index] ^= 0x01
        return changed
    }
}
