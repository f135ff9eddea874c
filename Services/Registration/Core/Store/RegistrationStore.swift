import SQL
import Schema
import ServiceKit

/// The registration service's SQL: every query it runs, and nothing else.
///
/// The functions taking a connection run inside a transaction body (synchronously, on the
/// connection's thread); the others are reads of their own, look-ups by key with
/// `Database.readInline` (on the caller's thread on SQLite), pages with `Database.read`.
struct RegistrationStore: Sendable {
    let database: Database

    // MARK: Workers

    /// Inserts a new worker and the first entry of its history; when the ID number is registered
    /// already, inserts nothing and returns the id of the worker who holds it.
    func insertWorker(_ worker: Worker, changedBy: String, on connection: any DBConnection) throws -> String? {
        let data = worker.serializedBytes()
        let inserted = try connection.execute(
            """
            INSERT INTO workers (id, id_number, district, categories, version, data)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id_number) DO NOTHING
            """,
            worker.id, worker.idNumber, worker.district, Self.categoryKey(worker), worker.version, data)
        guard inserted == 1 else {
            return try connection.first("SELECT id FROM workers WHERE id_number = $1", worker.idNumber) {
                try $0.string(0)
            } ?? ""
        }
        try recordHistory(worker, changedBy: changedBy, data: data, on: connection)
        return nil
    }

    /// Stores `worker` over the row still at `previousVersion`; false when that row has moved on.
    func replaceWorker(_ worker: Worker, previousVersion: Int64, changedBy: String, on connection: any DBConnection)
        throws -> Bool
    {
        let data = worker.serializedBytes()
        let updated = try connection.execute(
            """
            UPDATE workers SET id_number = $1, district = $2, categories = $3, version = $4, data = $5
            WHERE id = $6 AND version = $7
            """,
            worker.idNumber, worker.district, Self.categoryKey(worker), worker.version, data, worker.id,
            previousVersion)
        guard updated == 1 else { return false }
        try recordHistory(worker, changedBy: changedBy, data: data, on: connection)
        return true
    }

    private func recordHistory(_ worker: Worker, changedBy: String, data: [UInt8], on connection: any DBConnection)
        throws
    {
        try connection.execute(
            "INSERT INTO worker_history (worker_id, version, changed_by, changed_at, data) VALUES ($1, $2, $3, $4, $5)",
            worker.id, worker.version, changedBy, Timestamps.nowRFC3339(), data)
    }

    func worker(id: String, on connection: any DBConnection) throws -> Worker? {
        try connection.first("SELECT data FROM workers WHERE id = $1", id) { try Worker(serializedBytes: $0.bytes(0)) }
    }

    func worker(id: String) async throws -> Worker? {
        try await database.readInline { try worker(id: id, on: $0) }
    }

    func worker(idNumber: String) async throws -> Worker? {
        try await database.readInline {
            try $0.first("SELECT data FROM workers WHERE id_number = $1", idNumber) {
                try Worker(serializedBytes: $0.bytes(0))
            }
        }
    }

    /// The versions a worker went through, oldest first.
    func workerHistory(id: String) async throws -> [Worker] {
        try await database.read {
            try $0.all("SELECT data FROM worker_history WHERE worker_id = $1 ORDER BY version", id) {
                try Worker(serializedBytes: $0.bytes(0))
            }
        }
    }

    /// One page of workers ordered by id, after `afterID`.
    func workers(category: WorkerCategory, district: String, afterID: String, limit: Int) async throws -> [Worker] {
        var query = PageQuery("SELECT data FROM workers WHERE id > $1", afterID)
        if category != .unspecified { query.where("categories LIKE", "%,\(category.rawValue),%") }
        if !district.isEmpty { query.where("district =", district) }
        let (sql, binds) = query.ordered(by: "id", limit: limit)
        return try await database.read { connection in
            var page: [Worker] = []
            try connection.query(sql, binds) { page.append(try Worker(serializedBytes: $0.bytes(0))) }
            return page
        }
    }

    static func categoryKey(_ worker: Worker) -> String {
        "," + worker.categories.map { String($0.category.rawValue) }.joined(separator: ",") + ","
    }

    // MARK: Enterprises

    /// Inserts a new enterprise; false (and nothing changed) when its credit code is registered already.
    func insertEnterprise(_ enterprise: Enterprise, on connection: any DBConnection) throws -> Bool {
        try connection.execute(
            """
            INSERT INTO enterprises (credit_code, version, data) VALUES ($1, $2, $3)
            ON CONFLICT (credit_code) DO NOTHING
            """,
            enterprise.creditCode, enterprise.version, enterprise.serializedBytes()) == 1
    }

    func enterprise(creditCode: String) async throws -> Enterprise? {
        try await database.readInline {
            try $0.first("SELECT data FROM enterprises WHERE credit_code = $1", creditCode) {
                try Enterprise(serializedBytes: $0.bytes(0))
            }
        }
    }

    // MARK: Institutions

    /// Inserts a new institution; when its credit code is registered already, inserts nothing and
    /// returns the id of the institution that holds it.
    func insertInstitution(_ institution: Institution, on connection: any DBConnection) throws -> String? {
        let inserted = try connection.execute(
            """
            INSERT INTO institutions (id, credit_code, filing_status, kind, scope, version, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credit_code) DO NOTHING
            """,
            institution.id, institution.creditCode, institution.filingStatus.rawValue, institution.kind.rawValue,
            Self.scopeKey(institution), institution.version, institution.serializedBytes())
        guard inserted == 1 else {
            return try connection.first("SELECT id FROM institutions WHERE credit_code = $1", institution.creditCode) {
                try $0.string(0)
            } ?? ""
        }
        return nil
    }

    func updateInstitution(_ institution: Institution, on connection: any DBConnection) throws {
        try connection.execute(
            "UPDATE institutions SET filing_status = $1, scope = $2, version = $3, data = $4 WHERE id = $5",
            institution.filingStatus.rawValue, Self.scopeKey(institution), institution.version,
            institution.serializedBytes(), institution.id)
    }

    private static func scopeKey(_ institution: Institution) -> String {
        "," + institution.licenceScopeOccupations.joined(separator: ",") + ","
    }

    func institution(id: String, on connection: any DBConnection) throws -> Institution? {
        try connection.first("SELECT data FROM institutions WHERE id = $1", id) {
            try Institution(serializedBytes: $0.bytes(0))
        }
    }

    func institution(id: String) async throws -> Institution? {
        try await database.readInline { try institution(id: id, on: $0) }
    }

    func institutions(
        status: FilingStatus, kind: InstitutionKind, occupation: String, afterID: String,
        limit: Int
    ) async throws -> [Institution] {
        var query = PageQuery("SELECT data FROM institutions WHERE id > $1", afterID)
        if status != .unspecified { query.where("filing_status =", status.rawValue) }
        if kind != .unspecified { query.where("kind =", kind.rawValue) }
        if !occupation.isEmpty { query.where("scope LIKE", "%,\(occupation),%") }
        let (sql, binds) = query.ordered(by: "id", limit: limit)
        return try await database.read { connection in
            var page: [Institution] = []
            try connection.query(sql, binds) { page.append(try Institution(serializedBytes: $0.bytes(0))) }
            return page
        }
    }

    // MARK: Teachers

    /// Inserts a new teacher; throws `DBError` `.uniqueViolation` when the ID number is registered already.
    func insertTeacher(_ teacher: Teacher, on connection: any DBConnection) throws {
        try connection.execute(
            "INSERT INTO teachers (id, id_number, pool, specialities, data) VALUES ($1, $2, $3, $4, $5)",
            teacher.id, teacher.idNumber, teacher.pool.rawValue,
            "," + teacher.specialities.joined(separator: ",") + ",",
            teacher.serializedBytes())
    }

    func teachers(pool: TeacherPool, speciality: String, afterID: String, limit: Int) async throws -> [Teacher] {
        var query = PageQuery("SELECT data FROM teachers WHERE id > $1", afterID)
        if pool != .unspecified { query.where("pool =", pool.rawValue) }
        if !speciality.isEmpty { query.where("specialities LIKE", "%,\(speciality),%") }
        let (sql, binds) = query.ordered(by: "id", limit: limit)
        return try await database.read { connection in
            var page: [Teacher] = []
            try connection.query(sql, binds) { page.append(try Teacher(serializedBytes: $0.bytes(0))) }
            return page
        }
    }
}

/// A keyset-paged SELECT with optional filters, numbering its parameters as they are added (each
/// combination of filters is one statement text, prepared once per connection).
private struct PageQuery {
    private var sql: String
    private var binds: [DBValue]

    init(_ sql: String, _ first: any DBBindable) {
        self.sql = sql
        self.binds = [first.dbValue]
    }

    /// Adds `AND <condition> $n`, `condition` ending in the operator.
    mutating func `where`(_ condition: String, _ value: any DBBindable) {
        binds.append(value.dbValue)
        sql += " AND \(condition) $\(binds.count)"
    }

    func ordered(by column: String, limit: Int) -> (String, [DBValue]) {
        (sql + " ORDER BY \(column) LIMIT $\(binds.count + 1)", binds + [.int(Int64(limit))])
    }
}
