import Essentials
import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `skills.v1.AssessmentService`: assessments (A1), results, and certificates (A2, A3) signed with
/// the service's Ed25519 key so that any department can verify them offline (A4).
public struct AssessmentHandler: AssessmentServiceProvider {
    let environment: ServiceEnvironment
    let store: AssessmentStore
    /// This replica's signing key and every other replica's public key.
    let keys: SigningKeyring
    var signer: CertificateSigner { keys.signer }

    public static let manifest = ServiceManifest(
        name: "assessment", defaultPort: 7103, accessTable: AssessmentAccess.table,
        migrations: AssessmentStore.migrations)

    /// Loads the signing key from `<data-dir>/assessment-signing.key`, creating it on first start,
    /// and records its public key in the database, so that every replica sharing the database
    /// verifies what this one signs.
    public static func start(environment: ServiceEnvironment) async throws -> AssessmentHandler {
        let handler = try AssessmentHandler(environment: environment)
        try await handler.keys.publish()
        return handler
    }

    private init(environment: ServiceEnvironment) throws {
        self.environment = environment
        self.store = AssessmentStore(database: environment.database)
        try FileManager.default.createDirectory(atPath: environment.settings.dataDir, withIntermediateDirectories: true)
        let path = "\(environment.settings.dataDir)/assessment-signing.key"
        let signer = try CertificateSigner.loadOrCreate(at: path)
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
        self.keys = try SigningKeyring(
            signer: signer, notBefore: modified.map { Timestamps.timestamp($0) },
            store: SigningKeyStore(database: environment.database))
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
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: Assessment.self)
        if let previous = lookup.previous { return previous }
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
        return try await environment.idempotent.run(
            after: lookup,
            entity: { (a: Assessment) in "assessment/\(a.id)" }
        ) { connection in
            try store.insert(stored, workerIDNumber: worker.idNumber, workerName: worker.name, on: connection)
            return stored
        }
    }

    public func recordResult(request: RecordResultRequest, context: ServerContext) async throws -> Assessment {
        guard (0...100).contains(request.score) else {
            throw AssessmentError.invalid(field: "score", message: "must be 0..100, got \(request.score)")
        }
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (a: Assessment) in "assessment/\(a.id)" },
            detail: { (a: Assessment) in "passed=\(a.result?.passed ?? false)" }
        ) { connection in
            guard var assessment = try store.assessment(id: request.assessmentId, on: connection)?.assessment else {
                throw AssessmentError.assessmentNotFound(request.assessmentId)
            }
            guard assessment.result == nil else { throw AssessmentError.resultAlreadyRecorded(assessment.id) }
            assessment.result = AssessmentResult(
                score: request.score, passed: request.passed,
                assessor: request.assessor.isEmpty ? context.peer.commonName : request.assessor,
                recordedAt: Timestamps.timestamp(), note: request.note)
            try store.update(assessment, on: connection)
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
        // The number carries the year of issue on the business date (a replay of 2021 issues
        // DZ-2021-...), not the wall clock's; issued_at stays the wall clock. Read here: the
        // transaction body runs on the database's thread, outside this task and its business day.
        let year = BusinessDay.today().year
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (c: Certificate) in "certificate/\(c.number)" },
            detail: { (c: Certificate) in "assessment \(c.assessmentId)" }
        ) { connection in
            guard let found = try store.assessment(id: request.assessmentId, on: connection) else {
                throw AssessmentError.assessmentNotFound(request.assessmentId)
            }
            var assessment = found.assessment
            guard let result = assessment.result else { throw AssessmentError.noResult(assessment.id) }
            guard result.passed else { throw AssessmentError.notPassed(assessment.id) }
            // Issuing records the number on the assessment in the same transaction, so the row
            // just read tells (the certificates table's unique assessment_id backs it up).
            guard assessment.certificateNumber.isEmpty else {
                throw AssessmentError.alreadyIssued(assessment: assessment.id, number: assessment.certificateNumber)
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
            certificate.number = try CertificateNumber.generate(year: year)
            certificate.kind = kind
            certificate.level = assessment.level
            certificate.workerId = assessment.workerId
            certificate.workerIdNumber = found.workerIDNumber
            certificate.workerName = found.workerName
            certificate.occupation = assessment.occupation
            certificate.issuedAt = issuedAt
            certificate.issuer = context.peer.commonName
            certificate.assessmentId = assessment.id
            certificate.enrollmentId = assessment.enrollmentId
            certificate.content = CertificateContent(certificate).bytes()
            certificate.signature = signer.sign(certificate.content)
            certificate.keyId = signer.keyID
            // The assessment first: on PostgreSQL a concurrent issue for it then fails as a
            // serialisation failure, and its retry sees the number and refuses.
            assessment.certificateNumber = certificate.number
            try store.update(assessment, on: connection)
            try store.insert(certificate, on: connection)
            return certificate
        }
    }

    public func getCertificate(request: GetCertificateRequest, context: ServerContext) async throws -> Certificate {
        guard CertificateNumber.isWellFormed(request.number) else {
            throw AssessmentError.invalid(
                field: "number", message: "'\(request.number)' is not a certificate number (DZ-YYYY-...)")
        }
        guard let certificate = try await store.certificate(number: request.number) else {
            throw AssessmentError.certificateNotFound(request.number)
        }
        return certificate
    }

    public func verifyCertificate(request: VerifyCertificateRequest, context: ServerContext) async throws
        -> VerifyCertificateResponse
    {
        // A malformed number is simply unknown: verification answers, it does not fail.
        guard CertificateNumber.isWellFormed(request.number) else { return VerificationOutcome.unknown.response() }
        guard let stored = try await store.certificate(number: request.number) else {
            return VerificationOutcome.unknown.response()
        }
        // A record naming a key no replica of this database published was not issued as it stands.
        guard let signedBy = try await keys.entry(keyID: stored.keyId) else {
            return VerificationOutcome.tampered(.storedRecordInconsistent).response()
        }
        return VerificationOutcome.evaluate(
            stored: stored, presentedContent: request.content,
            presentedSignature: request.signature, verifier: signedBy.verifier
        ).response()
    }

    public func revokeCertificate(request: RevokeCertificateRequest, context: ServerContext) async throws -> Certificate
    {
        guard CertificateNumber.isWellFormed(request.number) else {
            throw AssessmentError.invalid(field: "number", message: "'\(request.number)' is not a certificate number")
        }
        guard !request.reason.trimmingHorizontalWhitespace().isEmpty else {
            throw AssessmentError.invalid(field: "reason", message: "a revocation needs a reason (A4)")
        }
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (c: Certificate) in "certificate/\(c.number)" },
            detail: { (c: Certificate) in "revoked: \(c.revocationReason)" }
        ) { connection in
            guard var certificate = try store.certificate(number: request.number, on: connection) else {
                throw AssessmentError.certificateNotFound(request.number)
            }
            guard !certificate.revoked else { throw AssessmentError.alreadyRevoked(certificate.number) }
            certificate.revoked = true
            certificate.revocationReason = request.reason
            certificate.revokedAt = Timestamps.timestamp()
            try store.update(certificate, on: connection)
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
        if request.keyId.isEmpty { return keys.current.key }
        guard let entry = try await keys.entry(keyID: request.keyId) else {
            throw AssessmentError.invalid(
                field: "key_id", message: "unknown key \(request.keyId); the current key is \(signer.keyID)")
        }
        return entry.key
    }
}
