import Foundation
import SQLKit
import Schema
import ServiceKit
import Storage

/// The registration service's SQL: every query it runs, and nothing else.
struct RegistrationStore: Sendable {
    let store: SQLStore

    private struct DataRow: Decodable { var data: Data }
    private struct IDRow: Decodable { var id: String }

    // MARK: Workers

    func existingWorkerID(idNumber: String, in db: any SQLDatabase) async throws -> String? {
        try await db.raw("SELECT id FROM workers WHERE id_number = \(bind: idNumber)").first(decoding: IDRow.self)?.id
    }

    func insertWorker(_ worker: Worker, changedBy: String, in db: any SQLDatabase) async throws {
        let data = Data(worker.serializedBytes())
        try await db.raw(
            """
            INSERT INTO workers (id, id_number, district, categories, version, data)
            VALUES (\(bind: worker.id), \(bind: worker.idNumber), \(bind: worker.district),
                    \(bind: Self.categoryKey(worker)), \(bind: worker.version), \(bind: data))
            """
        ).run()
        try await recordHistory(worker, changedBy: changedBy, data: data, in: db)
    }

    func replaceWorker(_ worker: Worker, previousVersion: Int64, changedBy: String, in db: any SQLDatabase) async throws
        -> Bool
    {
        let data = Data(worker.serializedBytes())
        let updated = try await db.raw(
            """
            UPDATE workers SET id_number = \(bind: worker.idNumber), district = \(bind: worker.district),
                categories = \(bind: Self.categoryKey(worker)), version = \(bind: worker.version), data = \(bind: data)
            WHERE id = \(bind: worker.id) AND version = \(bind: previousVersion)
            RETURNING id
            """
        ).all(decoding: IDRow.self)
        guard !updated.isEmpty else { return false }
        try await recordHistory(worker, changedBy: changedBy, data: data, in: db)
        return true
    }

    private func recordHistory(_ worker: Worker, changedBy: String, data: Data, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO worker_history (worker_id, version, changed_by, changed_at, data)
            VALUES (\(bind: worker.id), \(bind: worker.version), \(bind: changedBy), \(bind: Timestamps.nowRFC3339()), \(bind: data))
            """
        ).run()
    }

    func worker(id: String, in db: any SQLDatabase) async throws -> Worker? {
        try await decode(db.raw("SELECT data FROM workers WHERE id = \(bind: id)").first(decoding: DataRow.self))
    }

    func worker(idNumber: String, in db: any SQLDatabase) async throws -> Worker? {
        try await decode(
            db.raw("SELECT data FROM workers WHERE id_number = \(bind: idNumber)").first(decoding: DataRow.self))
    }

    /// The versions a worker went through, oldest first.
    func workerHistory(id: String) async throws -> [Worker] {
        try await store.read { db in
            try await db.raw("SELECT data FROM worker_history WHERE worker_id = \(bind: id) ORDER BY version")
                .all(decoding: DataRow.self).map { try Worker(serializedBytes: $0.data) }
        }
    }

    /// One page of workers ordered by id, after `afterID`.
    func workers(category: WorkerCategory, district: String, afterID: String, limit: Int) async throws -> [Worker] {
        try await store.read { db in
            var query = SQLQueryString("SELECT data FROM workers WHERE id > \(bind: afterID)")
            if category != .unspecified { query = query + " AND categories LIKE \(bind: "%,\(category.rawValue),%")" }
            if !district.isEmpty { query = query + " AND district = \(bind: district)" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: DataRow.self).map { try Worker(serializedBytes: $0.data) }
        }
    }

    static func categoryKey(_ worker: Worker) -> String {
        "," + worker.categories.map { String($0.category.rawValue) }.joined(separator: ",") + ","
    }

    // MARK: Enterprises

    func insertEnterprise(_ enterprise: Enterprise, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO enterprises (credit_code, version, data)
            VALUES (\(bind: enterprise.creditCode), \(bind: enterprise.version), \(bind: Data(enterprise.serializedBytes())))
            """
        ).run()
    }

    func enterprise(creditCode: String, in db: any SQLDatabase) async throws -> Enterprise? {
        try await decode(
            db.raw("SELECT data FROM enterprises WHERE credit_code = \(bind: creditCode)").first(decoding: DataRow.self)
        )
    }

    // MARK: Institutions

    func existingInstitutionID(creditCode: String, in db: any SQLDatabase) async throws -> String? {
        try await db.raw("SELECT id FROM institutions WHERE credit_code = \(bind: creditCode)").first(
            decoding: IDRow.self)?.id
    }

    func saveInstitution(_ institution: Institution, isNew: Bool, in db: any SQLDatabase) async throws {
        let data = Data(institution.serializedBytes())
        let scope = "," + institution.licenceScopeOccupations.joined(separator: ",") + ","
        if isNew {
            try await db.raw(
                """
                INSERT INTO institutions (id, credit_code, filing_status, kind, scope, version, data)
                VALUES (\(bind: institution.id), \(bind: institution.creditCode), \(bind: institution.filingStatus.rawValue),
                        \(bind: institution.kind.rawValue), \(bind: scope), \(bind: institution.version), \(bind: data))
                """
            ).run()
        } else {
            try await db.raw(
                """
                UPDATE institutions SET filing_status = \(bind: institution.filingStatus.rawValue), scope = \(bind: scope),
                    version = \(bind: institution.version), data = \(bind: data)
                WHERE id = \(bind: institution.id)
                """
            ).run()
        }
    }

    func institution(id: String, in db: any SQLDatabase) async throws -> Institution? {
        try await decode(db.raw("SELECT data FROM institutions WHERE id = \(bind: id)").first(decoding: DataRow.self))
    }

    func institutions(
        status: FilingStatus, kind: InstitutionKind, occupation: String, afterID: String,
        limit: Int
    ) async throws -> [Institution] {
        try await store.read { db in
            var query = SQLQueryString("SELECT data FROM institutions WHERE id > \(bind: afterID)")
            if status != .unspecified { query = query + " AND filing_status = \(bind: status.rawValue)" }
            if kind != .unspecified { query = query + " AND kind = \(bind: kind.rawValue)" }
            if !occupation.isEmpty { query = query + " AND scope LIKE \(bind: "%,\(occupation),%")" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: DataRow.self).map { try Institution(serializedBytes: $0.data) }
        }
    }

    // MARK: Teachers

    func insertTeacher(_ teacher: Teacher, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO teachers (id, id_number, pool, specialities, data)
            VALUES (\(bind: teacher.id), \(bind: teacher.idNumber), \(bind: teacher.pool.rawValue),
                    \(bind: "," + teacher.specialities.joined(separator: ",") + ","), \(bind: Data(teacher.serializedBytes())))
            """
        ).run()
    }

    func teachers(pool: TeacherPool, speciality: String, afterID: String, limit: Int) async throws -> [Teacher] {
        try await store.read { db in
            var query = SQLQueryString("SELECT data FROM teachers WHERE id > \(bind: afterID)")
            if pool != .unspecified { query = query + " AND pool = \(bind: pool.rawValue)" }
            if !speciality.isEmpty { query = query + " AND specialities LIKE \(bind: "%,\(speciality),%")" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: DataRow.self).map { try Teacher(serializedBytes: $0.data) }
        }
    }

    private func decode<M: ProtoMessage>(_ row: DataRow?) throws -> M? {
        guard let row else { return nil }
        return try M(serializedBytes: row.data)
    }
}
