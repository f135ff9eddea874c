import Foundation
import SQL
import Synchronization
import XCTest

/// The checks both backends share; `SQLiteDatabaseTests` and `PostgresDatabaseTests` run them.
class DatabaseTestCase: XCTestCase {
    class var location: Database.Location? { nil }

    var database: Database!
    var table = ""
    private var opened: [Database] = []

    override func setUp() async throws {
        guard Self.location != nil else {
            throw XCTSkip(
                "PostgreSQL tests need SKILLS_TEST_POSTGRES_URL (e.g. postgres://skills:skills@127.0.0.1:5432/skills_test)"
            )
        }
        table = "sqltest_\(UInt32.random(in: 0...UInt32.max))"
        database = try await open()
    }

    override func tearDown() async throws {
        if let database {
            let table = self.table
            _ = try? await database.transaction { try $0.executeScript("DROP TABLE IF EXISTS \(table)") }
        }
        for database in opened { await database.close() }
        opened = []
    }

    /// Opens the suite's database again (closed in tearDown).
    func open(_ configure: (inout Database.Options) -> Void = { _ in }) async throws -> Database {
        guard let location = Self.location else { throw XCTSkip("no database") }
        var options = Database.Options()
        configure(&options)
        let database = try await Database.open(location, options: options)
        opened.append(database)
        return database
    }

    func createTable(_ database: Database? = nil) async throws {
        let table = self.table
        try await (database ?? self.database).transaction { connection in
            let blob = connection.dialect.blob
            try connection.executeScript(
                """
                CREATE TABLE \(table) (id TEXT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT, b \(blob), f BOOLEAN, n BIGINT)
                """)
        }
    }

    func count(_ database: Database? = nil) async throws -> Int64 {
        let table = self.table
        return try await (database ?? self.database).read {
            try $0.first("SELECT count(*) FROM \(table)") { try $0.int64(0) }
        } ?? -1
    }

    /// A look-up of one row's `i`, as `Database.read` and `readInline` run it.
    typealias RowLookup = @Sendable (any DBConnection) throws -> Int64?

    /// Eight tasks each insert 40 rows, reading every row back with `read` right after its
    /// transaction returned (`extra` runs beside them); returns how many reads missed their row.
    func missedReadsOfAcknowledgedWrites(
        read: @escaping @Sendable (Database, @escaping RowLookup) async throws -> Int64?,
        extra: (@Sendable () async throws -> Void)? = nil
    ) async throws -> Int {
        try await createTable()
        let table = self.table
        let database = self.database!
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var missed = 0
                    for index in 0..<40 {
                        let id = "w\(worker)-\(index)"
                        try await database.transaction {
                            try $0.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", id, index)
                        }
                        let seen = try await read(database) {
                            try $0.first("SELECT i FROM \(table) WHERE id = $1", id) { try $0.int64(0) }
                        }
                        if seen != Int64(index) { missed += 1 }
                    }
                    return missed
                }
            }
            if let extra {
                group.addTask {
                    try await extra()
                    return 0
                }
            }
            return try await group.reduce(0, +)
        }
    }

    // MARK: checks

    func checkStatementPreparedOncePerConnection() async throws {
        // One connection, so every transaction below runs on it.
        let database = try await open { $0.postgresConnections = 1 }
        try await createTable(database)
        let table = self.table
        _ = try await database.transaction { $0.statementStatistics }  // BEGIN and COMMIT prepared
        let before = try await database.transaction { $0.statementStatistics }
        for index in 0..<25 {
            try await database.transaction {
                try $0.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "row\(index)", index)
            }
        }
        let after = try await database.transaction { $0.statementStatistics }
        XCTAssertEqual(after.prepared - before.prepared, 1, "the INSERT is parsed once, then reused")
        XCTAssertGreaterThanOrEqual(
            after.reused - before.reused, 24 + 25 * 2, "BEGIN, COMMIT and the INSERT come from the cache")
        let rows = try await count(database)
        XCTAssertEqual(rows, 25)
    }

    func checkTypedRoundTrips() async throws {
        try await createTable()
        let table = self.table
        let text = "韩霞 🎓 'single' \"double\" \\x00 tab\there"
        let bytes: [UInt8] = [0, 1, 0x5c, 0x78, 255, 0]
        try await database.transaction { connection in
            try connection.execute(
                "INSERT INTO \(table) (id, i, d, t, b, f, n) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                "max", Int64.max, -1.5e300, text, bytes, true, Int64?.none)
            try connection.execute(
                "INSERT INTO \(table) (id, i, d, t, b, f, n) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                "min", Int64.min, 0.1, "", [UInt8](), false, Int64(-7))
            // Parameters out of order and repeated.
            try connection.execute("INSERT INTO \(table) (id, t, n) VALUES ($2, $1, $3)", "reordered", "third", 3)
        }
        struct Row: Equatable {
            var i: Int64?
            var d: Double?
            var t: String?
            var b: [UInt8]?
            var f: Bool?
            var n: Int64?
        }
        let rows = try await database.read { connection in
            try connection.all("SELECT i, d, t, b, f, n FROM \(table) ORDER BY id") { row in
                Row(
                    i: try row.get(0), d: try row.get(1), t: try row.get(2), b: try row.get(3), f: try row.get(4),
                    n: try row.get(5))
            }
        }
        XCTAssertEqual(
            rows,
            [
                Row(i: Int64.max, d: -1.5e300, t: text, b: bytes, f: true, n: nil),
                Row(i: Int64.min, d: 0.1, t: "", b: [], f: false, n: -7),
                Row(i: nil, d: nil, t: "reordered", b: nil, f: nil, n: 3),  // id is $2, t is $1
            ])
        let found = try await database.read {
            try $0.first("SELECT t FROM \(table) WHERE t = $1", text) { try $0.string(0) }
        }
        XCTAssertEqual(found, text, "a unicode parameter matches the stored text")
        do {
            _ = try await database.read { try $0.first("SELECT n FROM \(table) WHERE id = 'max'") { try $0.int64(0) } }
            XCTFail("NULL read as a non-optional Int64")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .decoding)
        }
    }

    func checkRollbackOnThrow() async throws {
        try await createTable()
        let table = self.table
        struct Boom: Error {}
        do {
            try await database.transaction { connection in
                try connection.execute("INSERT INTO \(table) (id) VALUES ($1)", "doomed")
                throw Boom()
            }
            XCTFail("the body's error is rethrown")
        } catch is Boom {}
        let rows = try await count()
        XCTAssertEqual(rows, 0)
        try await database.transaction { try $0.execute("INSERT INTO \(table) (id) VALUES ($1)", "after") }
        let after = try await count()
        XCTAssertEqual(after, 1, "the connection is usable after a rollback")
    }

    func checkUniqueViolationTyped() async throws {
        try await createTable()
        let table = self.table
        try await database.transaction { try $0.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "key", 1) }
        do {
            try await database.transaction { connection in
                try connection.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "other", 2)
                try connection.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "key", 3)
            }
            XCTFail("a duplicate key is refused")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .uniqueViolation, "\(error)")
            XCTAssertEqual(error.sqlState, "23505")
        }
        let values = try await database.read { try $0.all("SELECT i FROM \(table) ORDER BY id") { try $0.int64(0) } }
        XCTAssertEqual(values, [1], "the failed transaction changed nothing")
    }
}
