import Foundation
import SQL
import XCTest

final class SQLiteDatabaseTests: DatabaseTestCase {
    override class var location: Database.Location? { .sqlite(path: ":memory:") }

    func testStatementPreparedOncePerConnection() async throws { try await checkStatementPreparedOncePerConnection() }
    func testTypedRoundTrips() async throws { try await checkTypedRoundTrips() }
    func testRollbackOnThrow() async throws { try await checkRollbackOnThrow() }
    func testUniqueViolationTyped() async throws { try await checkUniqueViolationTyped() }

    /// Readers are not blocked by an open write transaction, and do not see its rows until it commits.
    func testReadsRunAlongsideTheWriter() async throws {
        try await createTable()
        let table = self.table
        let inside = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let database = self.database!
        let writer = Task {
            try await database.transaction { connection in
                try connection.execute("INSERT INTO \(table) (id) VALUES ($1)", "pending")
                inside.signal()
                // Bounded, so a broken test cannot hang the writer thread for ever.
                _ = release.wait(timeout: .now() + 30)
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                inside.wait()
                continuation.resume()
            }
        }
        let during = try await count()
        release.signal()
        try await writer.value
        let after = try await count()
        XCTAssertEqual(during, 0, "a read during the write transaction completes and sees the committed state")
        XCTAssertEqual(after, 1)
    }

    /// Every write acknowledged to its caller is visible to the next read, whichever reader serves
    /// it, while other writes and reads run at the same time.
    func testReadSeesEveryAcknowledgedWrite() async throws {
        let table = self.table
        let database = self.database!
        let missed = try await missedReadsOfAcknowledgedWrites(read: { try await $0.read($1) }) {
            // Long reads keep readers busy meanwhile.
            for _ in 0..<40 {
                _ = try await database.read { try $0.all("SELECT id FROM \(table)") { try $0.string(0) } }
            }
        }
        XCTAssertEqual(missed, 0)
        let rows = try await count()
        XCTAssertEqual(rows, 320)
    }

    func testWritesOutsideTheWriterAreRefused() async throws {
        try await createTable()
        let table = self.table
        do {
            try await database.read { try $0.execute("INSERT INTO \(table) (id) VALUES ('x')") }
            XCTFail("a reader connection is query-only")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .other)
        }
    }

    func testMigrationsApplyOnceAndRecordVersions() async throws {
        let table = self.table
        let migrations = [
            SchemaMigration(version: 2, name: "seed") { _ in ["INSERT INTO \(table) (id, i) VALUES ('seed', 1)"] },
            SchemaMigration(version: 1, name: "table") { dialect in
                ["CREATE TABLE \(table) (id TEXT PRIMARY KEY, i BIGINT, b \(dialect.blob))"]
            },
        ]
        try await database.migrate(migrations)
        try await database.migrate(migrations)
        let versions = try await database.read {
            try $0.all("SELECT version FROM schema_migrations ORDER BY version") { try $0.int64(0) }
        }
        XCTAssertEqual(versions, [1, 2])
        let rows = try await count()
        XCTAssertEqual(rows, 1)
    }

    func testMoreThanOneStatementIsRefused() async throws {
        do {
            try await database.transaction { try $0.execute("SELECT 1; SELECT 2") }
            XCTFail("one statement at a time")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .other)
        }
    }
}
