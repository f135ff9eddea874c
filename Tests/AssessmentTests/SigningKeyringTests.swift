import AssessmentCore
import PlatformTestSupport
import SQL
import Schema
import XCTest

/// Replicas on one database verify and publish each other's keys (A4): what the `signing_keys`
/// table holds is served and trusted, and only when a row is the key it names.
final class SigningKeyringTests: XCTestCase {
    var platform: TestPlatform!

    override func setUp() async throws {
        platform = try await TestPlatform.start()
    }

    override func tearDown() async throws {
        await platform.close()
    }

    private var database: Database {
        get throws { try XCTUnwrap(platform.databases["assessment"]) }
    }

    /// Writes a `signing_keys` row as another replica's start would.
    private func insertKeyRow(keyID: String, _ key: SigningKey) async throws {
        try await database.transaction { connection in
            try connection.execute(
                "INSERT INTO signing_keys (key_id, data) VALUES ($1, $2)", keyID, key.serializedBytes())
        }
    }

    func testAKeyAnotherReplicaPublishedIsServedByID() async throws {
        let other = try CertificateSigner.generate()
        try await insertKeyRow(keyID: other.keyID, other.signingKey())

        let served = try await platform.assessment(as: .finance).getSigningKey(GetSigningKeyRequest(keyId: other.keyID))
        XCTAssertEqual(served.keyId, other.keyID)
        XCTAssertEqual(served.publicKeyPem, other.publicKeyPEM)
        let current = try await platform.assessment(as: .finance).getSigningKey(GetSigningKeyRequest())
        XCTAssertNotEqual(current.keyId, other.keyID, "the current key stays this replica's own")
        let byOwnID = try await platform.assessment(as: .finance).getSigningKey(
            GetSigningKeyRequest(keyId: current.keyId))
        XCTAssertEqual(byOwnID, current)
    }

    func testARowThatIsNotTheKeyItNamesIsNotServed() async throws {
        let impostor = try CertificateSigner.generate()
        try await insertKeyRow(keyID: "00112233445566ff", impostor.signingKey())

        let refused = await refusal {
            try await self.platform.assessment(as: .finance).getSigningKey(
                GetSigningKeyRequest(keyId: "00112233445566ff"))
        }
        XCTAssertEqual(refused?.code, .invalidArgument)
        XCTAssertEqual(refused?.message.hasPrefix("key_id: unknown key 00112233445566ff"), true, refused?.message ?? "")
    }

    func testACertificateNamingAKeyNoReplicaPublishedIsTampered() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let day = TestPlatform.on(PlatformDay(2021, 7, 7))
        let assessment = try await platform.assessment(as: .assessmentOrg).scheduleAssessment(
            ScheduleAssessmentRequest(
                requestId: platform.requestID("schedule"),
                assessment: Assessment(
                    method: .levelRecognition, workerId: worker.id, occupation: FixtureOccupations.electrician,
                    level: .l4IntermediateWorker, venue: "德州市职业技能鉴定中心")), options: day)
        _ = try await platform.assessment(as: .assessmentOrg).recordResult(
            RecordResultRequest(
                requestId: platform.requestID("result"), assessmentId: assessment.id, score: 88, passed: true,
                assessor: "王考评员"), options: day)
        var certificate = try await platform.assessment(as: .assessmentOrg).issueCertificate(
            IssueCertificateRequest(requestId: platform.requestID("cert"), assessmentId: assessment.id), options: day)

        certificate.keyId = "ffeeddccbbaa9988"
        let altered = certificate
        try await database.transaction { connection in
            try connection.execute(
                "UPDATE certificates SET data = $1 WHERE number = $2", altered.serializedBytes(), altered.number)
        }
        let verdict = try await platform.assessment(as: .finance).verifyCertificate(
            VerifyCertificateRequest(
                number: certificate.number, content: certificate.content, signature: certificate.signature))
        XCTAssertEqual(verdict.status, .tampered)
        XCTAssertEqual(verdict.message, "the stored certificate does not match its signed content")
    }
}
