import Foundation
import SQL
import Synchronization
import XCTest

/// The shared checks and PostgreSQL's own on the server named by SKILLS_TEST_POSTGRES_URL.
final class PostgresDatabaseTests: DatabaseTestCase {
    override class var location: Database.Location? {
        ProcessInfo.processInfo.environment["SKILLS_TEST_POSTGRES_URL"].map { .postgres(url: $0) }
    }

    func testStatementPreparedOncePerConnection() async throws { try await checkStatementPreparedOncePerConnection() }
    func testTypedRoundTrips() async throws { try await checkTypedRoundTrips() }
    func testRollbackOnThrow() async throws { try await checkRollbackOnThrow() }
    func testUniqueViolationTyped() async throws { try await checkUniqueViolationTyped() }

    private func createCounter() async throws {
        let table = self.table
        try await database.transaction { connection in
            try connection.executeScript("CREATE TABLE \(table) (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            try connection.execute("INSERT INTO \(table) (id, n) VALUES ('c', 0)")
        }
    }

    private func counter() async throws -> Int64? {
        let table = self.table
        return try await database.read { try $0.first("SELECT n FROM \(table) WHERE id = 'c'") { try $0.int64(0) } }
    }

    /// Two SERIALIZABLE read-then-write transactions that both read before either writes: one
    /// fails with 40001 and is run again, so no increment is lost.
    func testSerializationFailureIsRetried() async throws {
        try await createCounter()
        let table = self.table
        let barrier = Barrier(parties: 2)
        let database = self.database!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                let firstAttempt = Mutex(true)
                group.addTask {
                    try await database.transaction(isolation: .serializable) { connection in
                        let n = try connection.first("SELECT n FROM \(table) WHERE id = 'c'") { try $0.int64(0) } ?? -1
                        if firstAttempt.withLock({ first in
                            defer { first = false }
                            return first
                        }) {
                            XCTAssertTrue(
                                barrier.arriveAndWait(timeout: 20), "both transactions read before either writes")
                        }
                        try connection.execute("UPDATE \(table) SET n = $1 WHERE id = 'c'", n + 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        let value = try await counter()
        XCTAssertEqual(value, 2)
        XCTAssertGreaterThanOrEqual(database.serializationRetries, 1)

        // Many at once: every increment counts.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await database.transaction(isolation: .serializable) { connection in
                        let n = try connection.first("SELECT n FROM \(table) WHERE id = 'c'") { try $0.int64(0) } ?? -1
                        try connection.execute("UPDATE \(table) SET n = $1 WHERE id = 'c'", n + 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await counter()
        XCTAssertEqual(final, 18)
    }

    /// READ COMMITTED with SELECT ... FOR UPDATE: transactions queue on the row lock and each
    /// reads the previous one's committed value, without serialisation failures.
    func testForUpdateQueuesOnTheRowLock() async throws {
        let database = try await open { $0.postgresConnections = 4 }
        self.database = database
        try await createCounter()
        let table = self.table
        let retriesBefore = database.serializationRetries
        let holding = Barrier(parties: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The first holds the lock until a second transaction has started.
            group.addTask {
                try await database.transaction(isolation: .readCommitted) { connection in
                    let n =
                        try connection.first("SELECT n FROM \(table) WHERE id = 'c' FOR UPDATE") { try $0.int64(0) }
                        ?? -1
                    _ = holding.arriveAndWait(timeout: 20)
                    try connection.execute("UPDATE \(table) SET n = $1 WHERE id = 'c'", n + 1)
                }
            }
            _ = await Task.detached { holding.arriveAndWait(timeout: 20) }.value
            for _ in 0..<19 {
                group.addTask {
                    try await database.transaction(isolation: .readCommitted) { connection in
                        let n =
                            try connection.first("SELECT n FROM \(table) WHERE id = 'c' FOR UPDATE") { try $0.int64(0) }
                            ?? -1
                        try connection.execute("UPDATE \(table) SET n = $1 WHERE id = 'c'", n + 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        let value = try await counter()
        XCTAssertEqual(value, 20)
        XCTAssertEqual(database.serializationRetries, retriesBefore)
    }

    /// A statement past the statement timeout fails (typed, with its SQL state) instead of hanging,
    /// and the connection stays usable.
    func testStatementTimeoutBoundsACall() async throws {
        let database = try await open {
            $0.postgresConnections = 1
            $0.statementTimeoutMilliseconds = 200
        }
        let started = ContinuousClock.now
        do {
            try await database.read { try $0.execute("SELECT pg_sleep(5)") }
            XCTFail("pg_sleep(5) outlived a 200 ms statement timeout")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .busy, "\(error)")
            XCTAssertEqual(error.sqlState, "57014")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        let one = try await database.read { try $0.first("SELECT 1") { try $0.int64(0) } }
        XCTAssertEqual(one, 1)
    }

    /// Two database objects (two replicas) migrating one schema at once apply each migration once.
    func testMigrationsUnderTheAdvisoryLock() async throws {
        guard case .postgres(let url) = Self.location else { return }
        let schema = table
        try await database.transaction { try $0.executeScript("CREATE SCHEMA \(schema)") }
        let scoped = Database.Location.postgres(
            url: url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)")
        let first = try await Database.open(scoped)
        let second = try await Database.open(scoped)
        let migrations = [
            SchemaMigration(version: 1, name: "table") { _ in ["CREATE TABLE items (id TEXT PRIMARY KEY)"] },
            SchemaMigration(version: 2, name: "seed") { _ in
                ["INSERT INTO items (id) VALUES ('a')", "SELECT pg_sleep(0.2)"]
            },
            SchemaMigration(version: 3, name: "more") { _ in ["INSERT INTO items (id) VALUES ('b')"] },
        ]
        async let a: Void = first.migrate(migrations)
        async let b: Void = second.migrate(migrations)
        _ = try await (a, b)
        let versions = try await first.read {
            try $0.all("SELECT version FROM schema_migrations ORDER BY version") { try $0.int64(0) }
        }
        let items = try await second.read { try $0.all("SELECT id FROM items ORDER BY id") { try $0.string(0) } }
        await first.close()
        await second.close()
        XCTAssertEqual(versions, [1, 2, 3])
        XCTAssertEqual(items, ["a", "b"])
        try await database.transaction { try $0.executeScript("DROP SCHEMA \(schema) CASCADE") }
    }
}

/// Lets `parties` threads wait for each other (bounded by a timeout: false when it passed).
final class Barrier: Sendable {
    private let parties: Int
    private let arrived = Mutex(0)
    private let semaphore = DispatchSemaphore(value: 0)

    init(parties: Int) { self.parties = parties }

    func arriveAndWait(timeout seconds: Double) -> Bool {
        let count = arrived.withLock { value in
            value += 1
            return value
        }
        if count == parties {
            for _ in 0..<(parties - 1) { semaphore.signal() }
            return true
        }
        return semaphore.wait(timeout: .now() + seconds) == .success
    }
}
