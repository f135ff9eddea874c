import Foundation
import SQLKit
import Schema
import Storage

/// The assessment service's tables and every query it runs. Entities are kept as their protobuf
/// encoding beside the columns looked up on.
struct AssessmentStore: Sendable {
    let store: SQLStore

    static let migrations: [Migration] = [
        Migration(version: 100, name: "assessments and certificates") { dialect in
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
        }
    ]

    struct AssessmentRow: Decodable {
        var data: Data
        var worker_id_number: String
        var worker_name: String
    }
    private struct DataRow: Decodable { var data: Data }

    func insert(_ assessment: Assessment, workerIDNumber: String, workerName: String, in db: any SQLDatabase)
        async throws
    {
        try await db.raw(
            """
            INSERT INTO assessments (id, worker_id, worker_id_number, worker_name, data)
            VALUES (\(bind: assessment.id), \(bind: assessment.workerId), \(bind: workerIDNumber), \(bind: workerName),
                    \(bind: Data(assessment.serializedBytes())))
            """
        ).run()
    }

    func update(_ assessment: Assessment, in db: any SQLDatabase) async throws {
        try await db.raw(
            "UPDATE assessments SET data = \(bind: Data(assessment.serializedBytes())) WHERE id = \(bind: assessment.id)"
        ).run()
    }

    func assessment(id: String, in db: any SQLDatabase) async throws -> (Assessment, idNumber: String, name: String)? {
        guard
            let row = try await db.raw(
                "SELECT data, worker_id_number, worker_name FROM assessments WHERE id = \(bind: id)"
            )
            .first(decoding: AssessmentRow.self)
        else { return nil }
        return (try Assessment(serializedBytes: row.data), row.worker_id_number, row.worker_name)
    }

    func insert(_ certificate: Certificate, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO certificates (number, worker_id, assessment_id, data)
            VALUES (\(bind: certificate.number), \(bind: certificate.workerId), \(bind: certificate.assessmentId),
                    \(bind: Data(certificate.serializedBytes())))
            """
        ).run()
    }

    func update(_ certificate: Certificate, in db: any SQLDatabase) async throws {
        try await db.raw(
            "UPDATE certificates SET data = \(bind: Data(certificate.serializedBytes())) WHERE number = \(bind: certificate.number)"
        ).run()
    }

    func certificate(number: String, in db: any SQLDatabase) async throws -> Certificate? {
        guard
            let row = try await db.raw("SELECT data FROM certificates WHERE number = \(bind: number)").first(
                decoding: DataRow.self)
        else {
            return nil
        }
        return try Certificate(serializedBytes: row.data)
    }

    func certificateExists(assessmentID: String, in db: any SQLDatabase) async throws -> String? {
        struct Row: Decodable { var number: String }
        return try await db.raw("SELECT number FROM certificates WHERE assessment_id = \(bind: assessmentID)").first(
            decoding: Row.self)?.number
    }

    func certificates(workerID: String, after: String, limit: Int) async throws -> [Certificate] {
        try await store.read { db in
            try await db.raw(
                """
                SELECT data FROM certificates WHERE worker_id = \(bind: workerID) AND number > \(bind: after)
                ORDER BY number LIMIT \(bind: limit)
                """
            ).all(decoding: DataRow.self).map { try Certificate(serializedBytes: $0.data) }
        }
    }
}
