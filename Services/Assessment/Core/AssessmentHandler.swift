import Foundation
import SQLKit
import Schema
import ServiceKit
import Storage

/// `skills.v1.AssessmentService`: assessments (A1), results, and certificates (A2, A3) signed with
/// the service's Ed25519 key so that any department can verify them offline (A4).
public struct AssessmentHandler: AssessmentServiceProvider {
    let environment: ServiceEnvironment
    let store: AssessmentStore
    let signer: CertificateSigner
    let verifier: CertificateVerifier
    let keyCreatedAt: Google_Protobuf_Timestamp?

    public static let manifest = ServiceManifest(
        name: "assessment", defaultPort: 7103, accessTable: AssessmentAccess.table,
        migrations: AssessmentStore.migrations)

    /// Loads the signing key from `<data-dir>/assessment-signing.key`, creating it on first start.
    public init(environment: ServiceEnvironment) throws {
        self.environment = environment
        self.store = AssessmentStore(store: environment.store)
        try FileManager.default.createDirectory(atPath: environment.settings.dataDir, withIntermediateDirectories: true)
        let path = "\(environment.settings.dataDir)/assessment-signing.key"
        self.signer = try CertificateSigner.loadOrCreate(at: path)
        self.verifier = try signer.verifier()
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
        self.keyCreatedAt = modified.map { Timestamps.timestamp($0) }
    }

    static func newID() -> String { RecordID.make("a") }

    // MARK: Assessments

    public func scheduleAssessment(request: ScheduleAssessmentRequest, context: ServerContext) async throws
        -> Assessment
    {
        guard var assessment = request.assessment else {
            throw AssessmentError.invalid(field: "assessment", message: "required")
        }
        guard !assessment.workerId.isEmpty else {
            throw AssessmentError.invalid(field: "assessment.worker_id", message: "required")
        }
        guard let occupation = assessment.occupation, !occupation.code.isEmpty else {
            throw AssessmentError.invalid(field: "assessment.occupation.code", message: "required")
        }
        guard assessment.method.isRecognized, assessment.method != .unspecified else {
            throw AssessmentError.invalid(
                field: "assessment.method",
                message: "unknown or unspecified assessment method \(assessment.method.rawValue) (A1)")
        }
        guard assessment.level.isRecognized else {
            throw AssessmentError.invalid(
                field: "assessment.level", message: "unknown skill level \(assessment.level.rawValue) (A3: 1..5)")
        }
        do {
            try MethodKindRules.checkSchedule(method: assessment.method, level: assessment.level)
        } catch {
            throw AssessmentError.rule(error)
        }
        // A retry is answered from the first result, even while registration is unreachable.
        if let previous = try await environment.legacyIdempotent.previousResponse(
            to: request, requestID: request.requestId,
            context: context, as: Assessment.self)
        {
            return previous
        }
        // The worker must be registered; the certificate will carry their name and ID number.
        let worker: Worker
        do {
            worker = try await environment.peers.registration.getWorker(
                GetWorkerRequest(key: .workerId(assessment.workerId)),
                options: environment.peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw AssessmentError.workerNotFound(assessment.workerId)
        }
        assessment.id = Self.newID()
        assessment.assessingBody = context.peer.commonName
        assessment.result = nil
        assessment.certificateNumber = ""
        assessment.createdAt = Timestamps.timestamp()
        let stored = assessment
        let store = self.store
        return try await environment.legacyIdempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (a: Assessment) in "assessment/\(a.id)" }
        ) { db in
            try await store.insert(stored, workerIDNumber: worker.idNumber, workerName: worker.name, in: db)
            return stored
        }
    }

    public func recordResult(request: RecordResultRequest, context: ServerContext) async throws -> Assessment {
        guard (0...100).contains(request.score) else {
            throw AssessmentError.invalid(field: "score", message: "must be 0..100, got \(request.score)")
        }
        let store = self.store
        return try await environment.legacyIdempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (a: Assessment) in "assessment/\(a.id)" },
            detail: { (a: Assessment) in "passed=\(a.result?.passed ?? false)" }
        ) { db in
            guard var assessment = try await store.assessment(id: request.assessmentId, in: db)?.0 else {
                throw AssessmentError.assessmentNotFound(request.assessmentId)
            }
            guard assessment.result == nil else { throw AssessmentError.resultAlreadyRecorded(assessment.id) }
            assessment.result = AssessmentResult(
                score: request.score, passed: request.passed,
                assessor: request.assessor.isEmpty ? context.peer.commonName : request.assessor,
                recordedAt: Timestamps.timestamp(), note: request.note)
            try await store.update(assessment, in: db)
            return assessment
        }
    }

    // MARK: Certificates

    public func issueCertificate(request: IssueCertificateRequest, context: ServerContext) async throws -> Certificate {
        guard !request.assessmentId.isEmpty else {
            throw AssessmentError.invalid(field: "assessment_id", message: "required")
        }
        guard request.kind.isRecognized else {
            throw AssessmentError.invalid(
                field: "kind", message: "unknown certificate kind \(request.kind.rawValue) (A2)")
        }
        let store = self.store
        let signer = self.signer
        return try await environment.legacyIdempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (c: Certificate) in "certificate/\(c.number)" },
            detail: { (c: Certificate) in "assessment \(c.assessmentId)" }
        ) { db in
            guard let found = try await store.assessment(id: request.assessmentId, in: db) else {
                throw AssessmentError.assessmentNotFound(request.assessmentId)
            }
            var assessment = found.0
            let (idNumber, name) = (found.idNumber, found.name)
            guard let result = assessment.result else { throw AssessmentError.noResult(assessment.id) }
            guard result.passed else { throw AssessmentError.notPassed(assessment.id) }
            if let number = try await store.certificateExists(assessmentID: assessment.id, in: db) {
                throw AssessmentError.alreadyIssued(assessment: assessment.id, number: number)
            }
            let kind =
                request.kind == .unspecified
                ? (MethodKindRules.defaultKind(for: assessment.method) ?? .unspecified) : request.kind
            do {
                try MethodKindRules.checkIssue(method: assessment.method, kind: kind, level: assessment.level)
            } catch let error as AssessmentRuleError {
                throw AssessmentError.rule(error)
            }
            let issuedAt = Timestamps.timestamp()
            var certificate = Certificate()
            // The number carries the year of issue on the business date (a replay of 2021 issues
            // DZ-2021-...), not the wall clock's; issued_at stays the wall clock.
            certificate.number = try CertificateNumber.generate(year: BusinessDay.today().year)
            certificate.kind = kind
            certificate.level = assessment.level
            certificate.workerId = assessment.workerId
            certificate.workerIdNumber = idNumber
            certificate.workerName = name
            certificate.occupation = assessment.occupation
            certificate.issuedAt = issuedAt
            certificate.issuer = context.peer.commonName
            certificate.assessmentId = assessment.id
            certificate.enrollmentId = assessment.enrollmentId
            certificate.content = CertificateContent(certificate).bytes()
            certificate.signature = signer.sign(certificate.content)
            certificate.keyId = signer.keyID
            try await store.insert(certificate, in: db)
            assessment.certificateNumber = certificate.number
            try await store.update(assessment, in: db)
            return certificate
        }
    }

    public func getCertificate(request: GetCertificateRequest, context: ServerContext) async throws -> Certificate {
        guard CertificateNumber.isWellFormed(request.number) else {
            throw AssessmentError.invalid(
                field: "number", message: "'\(request.number)' is not a certificate number (DZ-YYYY-...)")
        }
        let store = self.store
        guard
            let certificate = try await environment.store.read({
                try await store.certificate(number: request.number, in: $0)
            })
        else {
            throw AssessmentError.certificateNotFound(request.number)
        }
        return certificate
    }

    public func verifyCertificate(request: VerifyCertificateRequest, context: ServerContext) async throws
        -> VerifyCertificateResponse
    {
        // A malformed number is simply unknown: verification answers, it does not fail.
        guard CertificateNumber.isWellFormed(request.number) else { return VerificationOutcome.unknown.response() }
        let store = self.store
        let stored = try await environment.store.read { try await store.certificate(number: request.number, in: $0) }
        return VerificationOutcome.evaluate(
            stored: stored, presentedContent: request.content,
            presentedSignature: request.signature, verifier: verifier
        ).response()
    }

    public func revokeCertificate(request: RevokeCertificateRequest, context: ServerContext) async throws -> Certificate
    {
        guard CertificateNumber.isWellFormed(request.number) else {
            throw AssessmentError.invalid(field: "number", message: "'\(request.number)' is not a certificate number")
        }
        guard !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AssessmentError.invalid(field: "reason", message: "a revocation needs a reason (A4)")
        }
        let store = self.store
        return try await environment.legacyIdempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (c: Certificate) in "certificate/\(c.number)" },
            detail: { (c: Certificate) in "revoked: \(c.revocationReason)" }
        ) { db in
            guard var certificate = try await store.certificate(number: request.number, in: db) else {
                throw AssessmentError.certificateNotFound(request.number)
            }
            guard !certificate.revoked else { throw AssessmentError.alreadyRevoked(certificate.number) }
            certificate.revoked = true
            certificate.revocationReason = request.reason
            certificate.revokedAt = Timestamps.timestamp()
            try await store.update(certificate, in: db)
            return certificate
        }
    }

    public func listCertificates(request: ListCertificatesRequest, context: ServerContext) async throws
        -> ListCertificatesResponse
    {
        guard !request.workerId.isEmpty else { throw AssessmentError.invalid(field: "worker_id", message: "required") }
        guard let size = PageSize.rows(for: request.pageSize) else {
            throw AssessmentError.invalid(field: "page_size", message: PageSize.refusal(for: request.pageSize))
        }
        let page = try await store.certificates(workerID: request.workerId, after: request.pageToken, limit: size)
        return ListCertificatesResponse(
            certificates: page, nextPageToken: page.count == size ? page.last?.number ?? "" : "")
    }

    public func getSigningKey(request: GetSigningKeyRequest, context: ServerContext) async throws -> SigningKey {
        guard request.keyId.isEmpty || request.keyId == signer.keyID else {
            throw AssessmentError.invalid(
                field: "key_id", message: "unknown key \(request.keyId); the current key is \(signer.keyID)")
        }
        return signer.signingKey(notBefore: keyCreatedAt)
    }
}
