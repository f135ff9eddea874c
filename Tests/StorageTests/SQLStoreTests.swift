import Logging
import NIOPosix
import SQLKit
import Storage
import XCTest

/// The same suite runs on SQLite (always) and on PostgreSQL (when SKILLS_TEST_POSTGRES_URL is set,
/// as `.ci/run` does).
class SQLStoreTestCase: XCTestCase {
    class var location: StoreLocation? { nil }

    var store: SQLStore!
    var table = ""

    override func setUp() async throws {
        guard let location = Self.location else {
            throw XCTSkip("no database for this suite (PostgreSQL needs SKILLS_TEST_POSTGRES_URL)")
        }
        store = try await SQLStore.open(location, logger: Logger(label: "test"))
        table = "t_\(UInt32.random(in: 0...UInt32.max))"
        // A shared PostgreSQL database keeps the migration record of earlier runs.
        _ = try await store.transaction { try await $0.raw("DROP TABLE IF EXISTS schema_migrations").run() }
    }

    override func tearDown() async throws {
        if let store {
            let tables = [table, table + "_bulk"]
            _ = try? await store.transaction { db in
                for table in tables { try await db.raw("DROP TABLE IF EXISTS \(unsafeRaw: table)").run() }
            }
            await store.close()
        }
    }

    func migrations() -> [Migration] {
        let table = self.table
        return [
            Migration(version: 1, name: "counter") { _ in
                [
                    "CREATE TABLE \(table) (id TEXT PRIMARY KEY, n BIGINT NOT NULL)",
                    "INSERT INTO \(table) (id, n) VALUES ('c', 0)",
                ]
            }
        ]
    }

    struct Counter: Decodable { var n: Int64 }

    func counter() async throws -> Int64 {
        let table = self.table
        return try await store.read { db in
            try await db.raw("SELECT n FROM \(unsafeRaw: table) WHERE id = 'c'").first(decoding: Counter.self)?.n ?? -1
        }
    }

    func checkMigrationsApplyOnce() async throws {
        try await store.migrate(migrations())
        try await store.migrate(migrations())
        let value = try await counter()
        XCTAssertEqual(value, 0)
    }

    func checkRollbackOnError() async throws {
        try await store.migrate(migrations())
        struct Boom: Error {}
        let table = self.table
        do {
            try await store.transaction { db in
                try await db.raw("UPDATE \(unsafeRaw: table) SET n = 42").run()
                throw Boom()
            }
            XCTFail("expected the error")
        } catch is Boom {}
        let value = try await counter()
        XCTAssertEqual(value, 0)
    }

    func checkUniqueViolationIsRecognised() async throws {
        try await store.migrate(migrations())
        let table = self.table
        do {
            try await store.transaction {
                try await $0.raw("INSERT INTO \(unsafeRaw: table) (id, n) VALUES ('c', 1)").run()
            }
            XCTFail("expected a unique violation")
        } catch {
            XCTAssertTrue(SQLStore.isUniqueViolation(error), "\(String(reflecting: error))")
        }
    }

    /// Read-modify-write transactions racing from many tasks lose no update.
    func checkConcurrentTransactionsLoseNoUpdate() async throws {
        try await store.migrate(migrations())
        let table = self.table
        let store = self.store!
        await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await store.transaction { db in
                        let current =
                            try await db.raw("SELECT n FROM \(unsafeRaw: table) WHERE id = 'c'").first(
                                decoding: Counter.self)?.n ?? 0
                        try await db.raw("UPDATE \(unsafeRaw: table) SET n = \(bind: current + 1) WHERE id = 'c'").run()
                    }
                }
            }
            do {
                try await group.waitForAll()
            } catch {
                XCTFail(String(reflecting: error))
            }
        }
        let value = try await counter()
        XCTAssertEqual(value, 50)
    }

    /// A row whose write transaction has returned is found by a read issued right after, also while
    /// other reads keep statements running: an SQLite connection on which statements overlap keeps
    /// the snapshot of the oldest one, so a read sharing a connection with a long SELECT that began
    /// before the commit misses the row.
    func checkReadSeesAcknowledgedWrite() async throws {
        try await store.migrate(migrations())
        let table = self.table, bulk = table + "_bulk"
        let store = self.store!
        try await store.transaction { db in
            try await db.raw("CREATE TABLE \(unsafeRaw: bulk) (id BIGINT PRIMARY KEY, label TEXT NOT NULL)").run()
            for start in stride(from: 0, to: 2000, by: 500) {
                let values = (start..<start + 500).map { "(\($0), 'row \($0)')" }.joined(separator: ", ")
                try await db.raw("INSERT INTO \(unsafeRaw: bulk) (id, label) VALUES \(unsafeRaw: values)").run()
            }
        }
        // Multi-row SELECTs keep a statement active for as long as their rows are stepped through.
        let bulkReads = Gauge()
        let background = (0..<2).map { _ in
            Task {
                while !Task.isCancelled {
                    do {
                        _ = try await store.read { try await $0.raw("SELECT id, label FROM \(unsafeRaw: bulk)").all() }
                    } catch is CancellationError {
                        return
                    }
                    await bulkReads.enter()
                }
            }
        }
        defer { for task in background { task.cancel() } }
        try await within(seconds: 30, "the first bulk read") {
            while await bulkReads.total == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        let deadline = ContinuousClock.now + .seconds(1.5)
        let (attempts, misses) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var attempts = 0, misses = 0
                    repeat {
                        let id = "w\(worker)-\(attempts)", n = attempts
                        try await store.transaction { db in
                            try await db.raw("INSERT INTO \(unsafeRaw: table) (id, n) VALUES (\(bind: id), \(bind: n))")
                                .run()
                        }
                        let found = try await store.read { db in
                            try await db.raw("SELECT n FROM \(unsafeRaw: table) WHERE id = \(bind: id)").first(
                                decoding: Counter.self)
                        }
                        attempts += 1
                        if found == nil { misses += 1 }
                    } while attempts < 100 && ContinuousClock.now < deadline
                    return (attempts, misses)
                }
            }
            return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        for task in background {
            task.cancel()
            try await task.value
        }
        let backgroundReads = await bulkReads.total
        print(
            "\(name): \(misses) of \(attempts) acknowledged writes not found by the next read (\(backgroundReads) bulk reads alongside)"
        )
        XCTAssertEqual(misses, 0, "acknowledged writes not found by the read right after")
    }

    /// More read bodies than connections, each holding its connection across an await, all finish;
    /// on SQLite no more run at once than there are reader connections.
    func checkMoreReadBodiesThanConnections() async throws {
        let store = self.store!
        let gauge = Gauge()
        let bodies = 3 * SQLStore.sqliteReaderConnections
        let sums = try await within(seconds: 30, "\(bodies) read bodies") {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<bodies {
                    group.addTask {
                        try await store.read { db in
                            await gauge.enter()
                            let first =
                                try await db.raw("SELECT \(bind: i) AS n").first(decoding: Counter.self)?.n ?? -1
                            try await Task.sleep(for: .milliseconds(20))
                            let second =
                                try await db.raw("SELECT \(bind: i) AS n").first(decoding: Counter.self)?.n ?? -1
                            await gauge.leave()
                            return Int(first + second)
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        XCTAssertEqual(sums.sorted(), (0..<bodies).map { 2 * $0 })
        let highest = await gauge.highest
        XCTAssertGreaterThan(highest, 1, "reads ran one at a time")
        if store.dialect == .sqlite { XCTAssertLessThanOrEqual(highest, SQLStore.sqliteReaderConnections) }
    }

    /// Read bodies that throw give their connections back.
    func checkThrowingReadBodyReleasesConnection() async throws {
        try await store.migrate(migrations())
        struct Boom: Error {}
        let store = self.store!
        let bodies = 2 * SQLStore.sqliteReaderConnections
        try await within(seconds: 30, "reads after failed reads") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<bodies {
                    group.addTask {
                        do {
                            _ = try await store.read { db -> Int in
                                try await db.raw("SELECT 1 AS n").run()
                                throw Boom()
                            }
                            XCTFail("expected the error")
                        } catch is Boom {}
                    }
                }
                try await group.waitForAll()
            }
        }
        let table = self.table
        let values = try await within(seconds: 30, "reads after failed reads") {
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<bodies {
                    group.addTask {
                        try await store.read { db in
                            try await db.raw("SELECT n FROM \(unsafeRaw: table) WHERE id = 'c'").first(
                                decoding: Counter.self)?.n ?? -1
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
        }
        XCTAssertEqual(values, Array(repeating: 0, count: bodies))
    }

    /// Reads are answered while a write transaction is open, from the data committed before it.
    func checkReadsRunAlongsideOpenTransaction() async throws {
        try await store.migrate(migrations())
        let table = self.table
        let store = self.store!
        let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
        let (commit, commitSignal) = AsyncStream<Void>.makeStream()
        defer { commitSignal.finish() }
        let writer = Task {
            defer { insertedSignal.finish() }
            try await store.transaction { db in
                try await db.raw("INSERT INTO \(unsafeRaw: table) (id, n) VALUES ('open', 1)").run()
                insertedSignal.yield()
                for await _ in commit { break }
            }
        }
        for await _ in inserted { break }
        let read = { @Sendable in
            try await store.read { db in
                try await db.raw("SELECT n FROM \(unsafeRaw: table) WHERE id = 'open'").first(decoding: Counter.self)?.n
            }
        }
        let during = try await within(seconds: 30, "reads during a write transaction") {
            try await withThrowingTaskGroup(of: Int64?.self) { group in
                for _ in 0..<2 * SQLStore.sqliteReaderConnections { group.addTask { try await read() } }
                return try await group.reduce(into: [Int64?]()) { $0.append($1) }
            }
        }
        XCTAssertEqual(during, Array(repeating: nil, count: 2 * SQLStore.sqliteReaderConnections))
        commitSignal.yield()
        try await writer.value
        let after = try await read()
        XCTAssertEqual(after, 1)
    }

    /// A read cancelled while it waits for a connection stops waiting, and bodies ended by
    /// cancellation give their connections back (SQLite: PostgreSQL's pool waits regardless).
    func checkCancelledReadsReleaseConnections() async throws {
        let store = self.store!
        let holding = Gauge()
        let holders = (0..<SQLStore.sqliteReaderConnections).map { _ in
            Task {
                try await store.read { db in
                    try await db.raw("SELECT 1 AS n").run()
                    await holding.enter()
                    try await Task.sleep(for: .seconds(60))
                }
            }
        }
        try await within(seconds: 30, "holders") {
            while await holding.current < SQLStore.sqliteReaderConnections {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        let waiter = Task { try await store.read { try await $0.raw("SELECT 1 AS n").run() } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        do {
            try await within(seconds: 30, "the cancelled waiter") { try await waiter.value }
            XCTFail("the waiter ran although every connection was held")
        } catch is CancellationError {}
        for holder in holders { holder.cancel() }
        for holder in holders {
            do {
                try await holder.value
                XCTFail("expected the holder's sleep to be cancelled")
            } catch is CancellationError {}
        }
        try await within(seconds: 30, "reads after cancelled reads") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 * SQLStore.sqliteReaderConnections {
                    group.addTask { _ = try await store.read { try await $0.raw("SELECT 1 AS n").first() } }
                }
                try await group.waitForAll()
            }
        }
    }

    func checkPing() async throws {
        let ok = await store.ping()
        XCTAssertTrue(ok)
    }
}

final class SQLiteStoreTests: SQLStoreTestCase {
    override class var location: StoreLocation? { .sqlite(path: ":memory:") }
    func testMigrationsApplyOnce() async throws { try await checkMigrationsApplyOnce() }
    func testRollbackOnError() async throws { try await checkRollbackOnError() }
    func testUniqueViolationIsRecognised() async throws { try await checkUniqueViolationIsRecognised() }
    func testConcurrentTransactionsLoseNoUpdate() async throws { try await checkConcurrentTransactionsLoseNoUpdate() }
    func testPing() async throws { try await checkPing() }
    func testReadSeesAcknowledgedWrite() async throws { try await checkReadSeesAcknowledgedWrite() }
    func testMoreReadBodiesThanConnections() async throws { try await checkMoreReadBodiesThanConnections() }
    func testThrowingReadBodyReleasesConnection() async throws { try await checkThrowingReadBodyReleasesConnection() }
    func testReadsRunAlongsideOpenTransaction() async throws { try await checkReadsRunAlongsideOpenTransaction() }
    func testCancelledReadsReleaseConnections() async throws { try await checkCancelledReadsReleaseConnections() }
}

final class SQLiteFileStoreTests: SQLStoreTestCase {
    override class var location: StoreLocation? {
        .sqlite(path: NSTemporaryDirectory() + "skills-store-\(UInt32.random(in: 0...UInt32.max))/test.sqlite")
    }
    func testMigrationsApplyOnce() async throws { try await checkMigrationsApplyOnce() }
    func testRollbackOnError() async throws { try await checkRollbackOnError() }
    func testUniqueViolationIsRecognised() async throws { try await checkUniqueViolationIsRecognised() }
    func testConcurrentTransactionsLoseNoUpdate() async throws { try await checkConcurrentTransactionsLoseNoUpdate() }
    func testPing() async throws { try await checkPing() }
    func testReadSeesAcknowledgedWrite() async throws { try await checkReadSeesAcknowledgedWrite() }
    func testMoreReadBodiesThanConnections() async throws { try await checkMoreReadBodiesThanConnections() }
    func testThrowingReadBodyReleasesConnection() async throws { try await checkThrowingReadBodyReleasesConnection() }
    func testReadsRunAlongsideOpenTransaction() async throws { try await checkReadsRunAlongsideOpenTransaction() }
    func testCancelledReadsReleaseConnections() async throws { try await checkCancelledReadsReleaseConnections() }
}

final class PostgresStoreTests: SQLStoreTestCase {
    override class var location: StoreLocation? {
        ProcessInfo.processInfo.environment["SKILLS_TEST_POSTGRES_URL"].map { .postgres(url: $0) }
    }
    func testMigrationsApplyOnce() async throws { try await checkMigrationsApplyOnce() }
    func testRollbackOnError() async throws { try await checkRollbackOnError() }
    func testUniqueViolationIsRecognised() async throws { try await checkUniqueViolationIsRecognised() }
    func testConcurrentTransactionsLoseNoUpdate() async throws { try await checkConcurrentTransactionsLoseNoUpdate() }
    func testPing() async throws { try await checkPing() }
    func testReadSeesAcknowledgedWrite() async throws { try await checkReadSeesAcknowledgedWrite() }
    func testMoreReadBodiesThanConnections() async throws { try await checkMoreReadBodiesThanConnections() }
    func testThrowingReadBodyReleasesConnection() async throws { try await checkThrowingReadBodyReleasesConnection() }
    func testReadsRunAlongsideOpenTransaction() async throws { try await checkReadsRunAlongsideOpenTransaction() }

    /// `--database-connections`: a replica never holds more server connections than it was given
    /// (rounded up to one per event loop), however many calls want one at once.
    func testPoolOpensNoMoreConnectionsThanConfigured() async throws {
        guard let location = Self.location else { throw XCTSkip("needs SKILLS_TEST_POSTGRES_URL") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let small = try await SQLStore.open(
            location, logger: Logger(label: "test"), eventLoopGroup: group, postgresConnections: 2)
        struct Backend: Decodable { var pid: Int32 }
        let pids = try await within(seconds: 60, "12 reads over 2 connections") {
            try await withThrowingTaskGroup(of: Int32.self) { tasks in
                for _ in 0..<12 {
                    tasks.addTask {
                        try await small.read { db in
                            try await db.raw("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)").first(
                                decoding: Backend.self)?.pid ?? -1
                        }
                    }
                }
                return try await tasks.reduce(into: Set<Int32>()) { $0.insert($1) }
            }
        }
        await small.close()
        try await group.shutdownGracefully()
        XCTAssertFalse(pids.contains(-1))
        XCTAssertLessThanOrEqual(pids.count, 2, "backends used: \(pids.sorted())")
    }
}

final class StoreLocationTests: XCTestCase {
    func testParsing() {
        XCTAssertEqual(StoreLocation("data/x.sqlite"), .sqlite(path: "data/x.sqlite"))
        XCTAssertEqual(StoreLocation("sqlite:///tmp/x.sqlite"), .sqlite(path: "/tmp/x.sqlite"))
        XCTAssertEqual(StoreLocation("postgres://u:secret@h:5432/db"), .postgres(url: "postgres://u:secret@h:5432/db"))
        XCTAssertEqual(StoreLocation("postgres://u:secret@h:5432/db").description, "postgres://***@h:5432/db")
    }
}

/// Counts read bodies: how many are running, the most at once, how many have started.
actor Gauge {
    private(set) var current = 0, highest = 0, total = 0
    func enter() {
        current += 1
        total += 1
        highest = max(highest, current)
    }
    func leave() { current -= 1 }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// `operation`'s result, or `TimedOut` when it takes longer than `seconds` (instead of a test that hangs).
func within<T: Sendable>(seconds: Int, _ what: String, _ operation: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(description: "\(what): not done within \(seconds) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
