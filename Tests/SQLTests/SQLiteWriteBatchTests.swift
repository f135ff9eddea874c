import Foundation
import XCTest

@testable import SQL

/// Group commit on the SQLite writer (`SQLiteWriteBatch`): queued transactions commit together
/// and each still succeeds or fails on its own.
final class SQLiteWriteBatchTests: XCTestCase {
    private var directory = ""
    private var connection: SQLite3Connection!

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "write-batch-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        connection = try SQLite3Connection(
            path: directory + "/test.sqlite", pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"])
        try connection.executeScript("CREATE TABLE t (id TEXT PRIMARY KEY, note TEXT NOT NULL)")
        // An empty WAL, so that frames counted later are the batch's.
        try connection.executeScript("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    override func tearDown() async throws {
        connection = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private struct Refused: Error {}

    private func insert(_ id: String) -> @Sendable (any DBConnection) throws -> String {
        { connection in
            try connection.execute("INSERT INTO t (id, note) VALUES ($1, 'x')", id)
            return id
        }
    }

    private func ids() throws -> [String] {
        try connection.all("SELECT id FROM t ORDER BY id") { try $0.string(0) }
    }

    /// WAL frames written since the last checkpoint.
    private func walFrames() throws -> Int64 {
        try connection.first("PRAGMA wal_checkpoint(PASSIVE)") { try $0.int64(1) } ?? -1
    }

    func testQueuedTransactionsCommitOnceAndFailAlone() throws {
        let batch = SQLiteWriteBatch()
        let a = batch.add(insert("a"))
        let b = batch.add { connection -> String in
            try connection.execute("INSERT INTO t (id, note) VALUES ('b', 'x')")
            throw Refused()
        }
        let again = batch.add(insert("a"))
        let c = batch.add(insert("c"))
        let d = batch.add(insert("d"))
        batch.runWaiting { self.connection }

        XCTAssertEqual(try a.outcome()?.get(), "a")
        XCTAssertThrowsError(try b.outcome()?.get()) { XCTAssertTrue($0 is Refused) }
        XCTAssertThrowsError(try again.outcome()?.get()) { XCTAssertEqual(($0 as? DBError)?.kind, .uniqueViolation) }
        XCTAssertEqual(try c.outcome()?.get(), "c")
        XCTAssertEqual(try d.outcome()?.get(), "d")
        XCTAssertEqual(try ids(), ["a", "c", "d"], "the failed bodies changed nothing, the others committed")
        XCTAssertFalse(connection.inTransaction)
        // One commit: the table's and its key's pages once (2 frames), not once per insert (6).
        XCTAssertLessThanOrEqual(try walFrames(), 3)
    }

    /// When the whole transaction is rolled back under a body, the bodies before it lose their
    /// changes and say so; the ones after it run in a new transaction.
    func testATransactionRolledBackUnderTheBatchFailsWhatRanBefore() throws {
        let batch = SQLiteWriteBatch()
        let a = batch.add(insert("a"))
        let wrecker = batch.add { connection -> String in
            try connection.executeScript("ROLLBACK")
            throw Refused()
        }
        let c = batch.add(insert("c"))
        batch.runWaiting { self.connection }

        XCTAssertThrowsError(try a.outcome()?.get()) { XCTAssertEqual(($0 as? DBError)?.kind, .busy) }
        XCTAssertThrowsError(try wrecker.outcome()?.get()) { XCTAssertTrue($0 is Refused) }
        XCTAssertEqual(try c.outcome()?.get(), "c")
        XCTAssertEqual(try ids(), ["c"])
        XCTAssertFalse(connection.inTransaction)
    }

    func testALoneTransactionRunsWithoutASavepoint() throws {
        let batch = SQLiteWriteBatch()
        let alone = batch.add { connection -> Bool in
            // RELEASE of an unknown savepoint fails: there is none to release.
            (try? connection.execute("RELEASE batched")) == nil
        }
        batch.runWaiting { self.connection }
        XCTAssertEqual(try alone.outcome()?.get(), true)
    }

    /// The WAL is copied back every `sqliteWALCheckpointPages` pages by `SQLiteCheckpointer`, on
    /// a thread of its own: SQLite's automatic checkpoint, which runs inside a commit on the
    /// writer's thread, is off, and the commits past the threshold start a checkpoint elsewhere.
    func testTheWALIsCheckpointedOffTheWritersThread() async throws {
        var options = Database.Options()
        options.sqliteWALCheckpointPages = 20
        let database = try await Database.open(.sqlite(path: directory + "/checkpoint.sqlite"), options: options)
        let checkpointer = try XCTUnwrap(database.checkpointer)
        XCTAssertEqual(checkpointer.pages, 20)
        let automatic = try await database.transaction {
            try $0.first("PRAGMA wal_autocheckpoint") { try $0.int64(0) }
        }
        XCTAssertEqual(automatic, 0, "the writer runs no checkpoint of its own")
        try await database.transaction { try $0.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, data BLOB)") }
        for _ in 0..<40 {
            try await database.transaction {
                try $0.execute("INSERT INTO pages (data) VALUES ($1)", [UInt8](repeating: 7, count: 5000))
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while checkpointer.checkpoints == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertGreaterThan(checkpointer.checkpoints, 0)
        let rows = try await database.read { try $0.first("SELECT COUNT(*) FROM pages") { try $0.int64(0) } }
        XCTAssertEqual(rows, 40)
        await database.close()
    }

    /// However fast the writes come, the WAL stays bounded: past twice the threshold the writer
    /// checkpoints in its own commit, as SQLite's automatic checkpoint would.
    func testTheWALStaysBoundedUnderWritesThatNeverPause() async throws {
        var options = Database.Options()
        options.sqliteWALCheckpointPages = 20
        let path = directory + "/bounded.sqlite"
        let database = try await Database.open(.sqlite(path: path), options: options)
        let checkpointer = try XCTUnwrap(database.checkpointer)
        XCTAssertEqual(checkpointer.limit, 40)
        XCTAssertFalse(checkpointer.committed(walPages: 0))
        XCTAssertTrue(checkpointer.committed(walPages: 40))
        try await database.transaction { try $0.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, data BLOB)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<50 {
                        try await database.transaction {
                            try $0.execute("INSERT INTO pages (data) VALUES ($1)", [UInt8](repeating: 7, count: 5000))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let walBytes = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        // 40 pages, and the batches committed while the checkpointer's thread held the checkpoint
        // lock (the writer's own checkpoint then returns at once): 0.8-2.0 MB in runs here. With
        // the checkpointer's thread alone the WAL reached 9.5-10.3 MB.
        XCTAssertLessThan(walBytes, 4 << 20, "the WAL grew to \(walBytes) bytes")
        let rows = try await database.read { try $0.first("SELECT COUNT(*) FROM pages") { try $0.int64(0) } }
        XCTAssertEqual(rows, 800)
        await database.close()
    }

    /// Through `Database`: many concurrent calls, some refusing; every acknowledged write is
    /// visible to a read made right after it returns, and no refused one is.
    func testConcurrentTransactionsEachSeeTheirOwnOutcome() async throws {
        let database = try await Database.open(.sqlite(path: directory + "/concurrent.sqlite"))
        try await database.transaction { try $0.executeScript("CREATE TABLE t (id TEXT PRIMARY KEY)") }
        let outcomes = await withTaskGroup(of: (Int, Bool, Bool).self) { group in
            for index in 0..<64 {
                group.addTask {
                    do {
                        try await database.transaction { connection in
                            try connection.execute("INSERT INTO t (id) VALUES ($1)", "\(index)")
                            if index % 5 == 0 { throw Refused() }
                        }
                    } catch {
                        return (index, false, false)
                    }
                    let seen = try? await database.read {
                        try $0.first("SELECT 1 FROM t WHERE id = $1", "\(index)") { _ in true }
                    }
                    return (index, true, seen == true)
                }
            }
            return await group.reduce(into: [(Int, Bool, Bool)]()) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.count, 64)
        for (index, committed, seen) in outcomes {
            XCTAssertEqual(committed, index % 5 != 0, "call \(index)")
            if committed { XCTAssertTrue(seen, "call \(index)'s write is visible once acknowledged") }
        }
        let stored = try await database.read { try $0.first("SELECT count(*) FROM t") { try $0.int64(0) } }
        XCTAssertEqual(stored, 51)
        await database.close()
    }
}
