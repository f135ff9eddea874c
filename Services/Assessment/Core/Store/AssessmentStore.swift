import SQL
import Schema

/// The assessment service's tables and every query it runs. Entities are kept as their protobuf
/// encoding beside the columns looked up on.
///
/// The functions taking a connection run inside a transaction body (synchronously, on the
/// connection's thread); the others are reads of their own.
struct AssessmentStore: Sendable {
    let database: Database

    static let migrations: [SchemaMigration] = [
        SchemaMigration(version: 100, name: "assessments and certificates") { dialect in
            [
                """
                CREATE TABLE assessments (
                    id TEXT PRIMARY KEY,
                    worker_id TEXT NOT NULL,
                    worker_id_number TEXT NOT NULL,
                    worker_name TEXT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                """
                CREATE TABLE certificates (
                    number TEXT PRIMARY KEY,
                    worker_id TEXT NOT NULL,
                    assessment_id TEXT NOT NULL UNIQUE,
                    data \(dialect.blob) NOT NULL)
                """,
                "CREATE INDEX certificates_worker ON certificates (worker_id, number)",
            ]
        },
        SigningKeyStore.migration,
    ]

    /// An assessment with the worker's ID number and name as registration gave them when it was
    /// scheduled (the certificate carries them).
    struct StoredAssessment {
        var assessment: Assessment
        var workerIDNumber: String
        var workerName: String
    }

    func insert(_ assessment: Assessment, workerIDNumber: String, workerName: String, on connection: any DBConnection)
        throws
    {
        try connection.execute(
            "INSERT INTO assessments (id, worker_id, worker_id_number, worker_name, data) VALUES ($1, $2, $3, $4, $5)",
            assessment.id, assessment.workerId, workerIDNumber, workerName, assessment.serializedBytes())
    }

    func update(_ assessment: Assessment, on connection: any DBConnection) throws {
        try connection.execute(
            "UPDATE assessments SET data = $1 WHERE id = $2", assessment.serializedBytes(), assessment.id)
    }

    func assessment(id: String, on connection: any DBConnection) throws -> StoredAssessment? {
        try connection.first("SELECT data, worker_id_number, worker_name FROM assessments WHERE id = $1", id) {
            StoredAssessment(
                assessment: try Assessment(serializedBytes: $0.bytes(0)), workerIDNumber: try $0.string(1),
                workerName: try $0.string(2))
        }
    }

    /// Throws `DBError` `.uniqueViolation` when the number, or a certificate for its assessment, exists.
    func insert(_ certificate: Certificate, on connection: any DBConnection) throws {
        try connection.execute(
            "INSERT INTO certificates (number, worker_id, assessment_id, data) VALUES ($1, $2, $3, $4)",
            certificate.number, certificate.workerId, certificate.assessmentId, certificate.serializedBytes())
    }

    func update(_ certificate: Certificate, on connection: any DBConnection) throws {
        try connection.execute(
            "UPDATE certificates SET data = $1 WHERE number = $2", certificate.serializedBytes(), certificate.number)
    }

    func certificate(number: String, on connection: any DBConnection) throws -> Certificate? {
        try connection.first("SELECT data FROM certificates WHERE number = $1", number) {
            try Certificate(serializedBytes: $0.bytes(0))
        }
    }

    func certificate(number: String) async throws -> Certificate? {
        try await database.read { try certificate(number: number, on: $0) }
    }

    func certificates(workerID: String, after: String, limit: Int) async throws -> [Certificate] {
        try await database.read {
            try $0.all(
                "SELECT data FROM certificates WHERE worker_id = $1 AND number > $2 ORDER BY number LIMIT $3",
                workerID, after, limit
            ) { try Certificate(serializedBytes: $0.bytes(0)) }
        }
    }
}
