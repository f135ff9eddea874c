import Foundation
import SQL
import XCTest

/// Round trips on PostgreSQL: BEGIN goes with a transaction's first statement, deferred writes
/// and a new statement's Parse go with the next statement or the COMMIT, and a failure among
/// them still rolls the whole transaction back. Runs on the server of SKILLS_TEST_POSTGRES_URL.
final class PostgresPipelineTests: DatabaseTestCase {
    override class var location: Database.Location? {
        ProcessInfo.processInfo.environment["SKILLS_TEST_POSTGRES_URL"].map { .postgres(url: $0) }
    }

    /// A database with one connection, so that every call below runs on it, and its table.
    private func oneConnection() async throws -> Database {
        let database = try await open { $0.postgresConnections = 1 }
        try await createTable(database)
        return database
    }

    private func roundTrips(_ database: Database) async throws -> Int {
        try await database.read { connection in
            guard let connection = connection as? LibPQConnection else {
                throw DBError(.other, "not a PostgreSQL connection")
            }
            return connection.roundTrips
        }
    }

    func testATransactionCostsOneTripPerReadAndOneForCommitAndDeferredWrites() async throws {
        let database = try await oneConnection()
        let table = self.table
        let before = try await roundTrips(database)
        let seen = try await database.transaction { connection in
            let seen = try connection.first("SELECT count(*) FROM \(table)") { try $0.int64(0) }
            try connection.executeDeferred("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 1)
            try connection.executeDeferred("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "b", 2)
            return seen
        }
        let after = try await roundTrips(database)
        XCTAssertEqual(seen, 0)
        XCTAssertEqual(after - before, 2, "BEGIN with the SELECT; the two INSERTs with COMMIT")
        let rows = try await count(database)
        XCTAssertEqual(rows, 2)
    }

    func testAStatementsFirstRunIsPreparedInTheSameTrip() async throws {
        let database = try await oneConnection()
        let table = self.table
        let before = try await roundTrips(database)
        let statistics = try await database.read { connection in
            let first = connection.statementStatistics
            _ = try connection.first("SELECT count(*) + 41 FROM \(table)") { try $0.int64(0) }
            let second = connection.statementStatistics
            return (second.prepared - first.prepared, second.reused - first.reused)
        }
        let after = try await roundTrips(database)
        XCTAssertEqual(after - before, 1, "Parse, Bind and Execute in one trip")
        XCTAssertEqual(statistics.0, 1)
        XCTAssertEqual(statistics.1, 0)
    }

    func testATransactionThatRunsNoStatementCostsNoTrip() async throws {
        let database = try await oneConnection()
        let before = try await roundTrips(database)
        try await database.transaction { _ in }
        do {
            try await database.transaction { _ -> Void in throw DBError(.other, "refused before any statement") }
            XCTFail("the body's error is thrown")
        } catch let error as DBError {
            XCTAssertEqual(error.message, "refused before any statement")
        }
        let after = try await roundTrips(database)
        XCTAssertEqual(after - before, 0)
    }

    func testADeferredWriteThatFailsAtCommitRollsEverythingBack() async throws {
        let database = try await oneConnection()
        let table = self.table
        do {
            try await database.transaction { connection in
                try connection.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 1)
                try connection.executeDeferred("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "b", 2)
                try connection.executeDeferred("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 3)
            }
            XCTFail("the duplicate key is reported")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .uniqueViolation)
        }
        let rows = try await count(database)
        XCTAssertEqual(rows, 0, "nothing of the failed transaction stays")
        // The connection is usable again, outside any transaction.
        try await database.transaction { connection in
            try connection.execute("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "c", 4)
        }
        let after = try await count(database)
        XCTAssertEqual(after, 1)
    }

    func testTheFirstFailureInAPipelineIsTheOneReported() async throws {
        let database = try await oneConnection()
        let table = self.table
        do {
            try await database.transaction { connection in
                try connection.executeDeferred("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 1)
                try connection.executeDeferred("INSERT INTO no_such_table_\(table) (id) VALUES ($1)", "x")
                _ = try connection.first("SELECT count(*) FROM \(table)") { try $0.int64(0) }
                XCTFail("the SELECT after the failed INSERT does not answer")
            }
            XCTFail("the failure is reported")
        } catch let error as DBError {
            XCTAssertEqual(error.sqlState, "42P01", "\(error)")
        }
        let rows = try await count(database)
        XCTAssertEqual(rows, 0)
    }

    func testEveryByteValueRoundTripsAndMalformedHexIsRefused() async throws {
        let database = try await oneConnection()
        let table = self.table
        let all = (0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) }
        try await database.transaction { connection in
            try connection.execute("INSERT INTO \(table) (id, b) VALUES ($1, $2)", "all", all)
            try connection.execute("INSERT INTO \(table) (id, b) VALUES ($1, $2)", "none", [UInt8]())
        }
        let read = try await database.read { connection in
            try connection.all("SELECT b FROM \(table) ORDER BY id") { try $0.bytes(0) }
        }
        XCTAssertEqual(read, [all, []])
        do {
            _ = try await database.read { try $0.first("SELECT '\\x4g'::text") { try $0.bytes(0) } }
            XCTFail("a hex text with a non-digit is not read as bytes")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .decoding)
        }
    }

    func testExecuteCountsTheRowsItChanged() async throws {
        let database = try await oneConnection()
        let table = self.table
        let counts = try await database.transaction { connection in
            let inserted = try connection.execute(
                "INSERT INTO \(table) (id, i) SELECT 'r' || n, n FROM generate_series(1, 12) AS n")
            let updated = try connection.execute("UPDATE \(table) SET i = i + 1 WHERE i > $1", 2)
            let none = try connection.execute("DELETE FROM \(table) WHERE i < 0")
            return [inserted, updated, none]
        }
        XCTAssertEqual(counts, [12, 10, 0])
    }

    func testADeferredWriteOutsideATransactionRunsAtOnce() async throws {
        let database = try await oneConnection()
        let table = self.table
        try await database.read { connection in
            try connection.executeDeferred("INSERT INTO \(table) (id, i) VALUES ($1, $2)", "a", 1)
        }
        let rows = try await count(database)
        XCTAssertEqual(rows, 1)
    }
}
