import Foundation
import SQL
import XCTest

/// `Database.readInline`: a look-up by key on the caller's thread (SQLite), as `read` otherwise.
final class SQLiteInlineReadTests: DatabaseTestCase {
    override class var location: Database.Location? { .sqlite(path: ":memory:") }

    func testInlineReadRunsOnTheCallersThread() async throws {
        try await createTable()
        let table = self.table
        let database = self.database!
        try await database.transaction { try $0.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 7) }
        // Detached: the task runs on the global executor and calls readInline without a hop.
        let (caller, reader, value) = try await Task.detached {
            let caller = pthread_self()
            let (reader, value) = try await database.readInline { connection in
                (pthread_self(), try connection.first("SELECT i FROM \(table) WHERE id = $1", "a") { try $0.int64(0) })
            }
            return (caller, reader, value)
        }.value
        XCTAssertEqual(value, 7)
        XCTAssertNotEqual(pthread_equal(caller, reader), 0, "the body ran on another thread")
    }

    /// Each write acknowledged to its caller is seen by that caller's next inline read (WAL).
    func testInlineReadSeesEveryAcknowledgedWrite() async throws {
        let missed = try await missedReadsOfAcknowledgedWrites(read: { try await $0.readInline($1) })
        XCTAssertEqual(missed, 0)
    }

    /// With every pooled connection lent out, a further inline read runs on a reader thread rather
    /// than wait.
    func testInlineReadGoesToTheReaderThreadsWhenThePoolIsLent() async throws {
        let database = try await open { $0.sqliteReaders = 1 }
        try await createTable(database)
        let table = self.table
        try await database.transaction { try $0.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 1) }
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Task.detached {
            try await database.readInline { connection in
                holding.signal()
                // Bounded, so a broken test cannot hold the thread for ever.
                _ = release.wait(timeout: .now() + 30)
                return try connection.first("SELECT i FROM \(table) WHERE id = $1", "a") { try $0.int64(0) }
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                holding.wait()
                continuation.resume()
            }
        }
        let second = try await database.readInline {
            try $0.first("SELECT i FROM \(table) WHERE id = $1", "a") { try $0.int64(0) }
        }
        release.signal()
        XCTAssertEqual(second, 1)
        let first = try await holder.value
        XCTAssertEqual(first, 1)
    }

    func testInlineReadWritesAreRefused() async throws {
        try await createTable()
        let table = self.table
        do {
            try await database.readInline { try $0.execute("INSERT INTO \(table) (id) VALUES ($1)", "x") }
            XCTFail("an inline reader wrote")
        } catch is DBError {}
        let rows = try await count()
        XCTAssertEqual(rows, 0)
    }

    func testInlineReadAfterCloseIsUnavailable() async throws {
        let database = try await open()
        await database.close()
        do {
            _ = try await database.readInline { try $0.first("SELECT 1") { try $0.int64(0) } }
            XCTFail("read a closed database")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .unavailable)
        }
    }
}

/// On PostgreSQL `readInline` is `read`: the same answers, on a pool thread.
final class PostgresInlineReadTests: DatabaseTestCase {
    override class var location: Database.Location? {
        ProcessInfo.processInfo.environment["SKILLS_TEST_POSTGRES_URL"].map { .postgres(url: $0) }
    }

    func testInlineReadAnswersLikeRead() async throws {
        try await createTable()
        let table = self.table
        try await database.transaction { try $0.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 7) }
        let inline = try await database.readInline {
            try $0.first("SELECT i FROM \(table) WHERE id = $1", "a") { try $0.int64(0) }
        }
        let missing = try await database.readInline {
            try $0.first("SELECT i FROM \(table) WHERE id = $1", "b") { try $0.int64(0) }
        }
        XCTAssertEqual(inline, 7)
        XCTAssertNil(missing)
    }
}
