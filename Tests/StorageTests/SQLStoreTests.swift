import Logging
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
        guard let location = Self.location else { throw XCTSkip("no database for this suite (PostgreSQL needs SKILLS_TEST_POSTGRES_URL)") }
        store = try await SQLStore.open(location, logger: Logger(label: "test"))
        table = "t_\(UInt32.random(in: 0...UInt32.max))"
        // A shared PostgreSQL database keeps the migration record of earlier runs.
        _ = try await store.transaction { try await $0.raw("DROP TABLE IF EXISTS schema_migrations").run() }
    }

    override func tearDown() async throws {
        if let store {
            let table = self.table
            _ = try? await store.transaction { try await $0.raw("DROP TABLE IF EXISTS \(unsafeRaw: table)").run() }
            await store.close()
        }
    }

    func migrations() -> [Migration] {
        let table = self.table
        return [
            Migration(version: 1, name: "counter") { _ in
                ["CREATE TABLE \(table) (id TEXT PRIMARY KEY, n BIGINT NOT NULL)", "INSERT INTO \(table) (id, n) VALUES ('c', 0)"]
            },
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
            try await store.transaction { try await $0.raw("INSERT INTO \(unsafeRaw: table) (id, n) VALUES ('c', 1)").run() }
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
                        let current = try await db.raw("SELECT n FROM \(unsafeRaw: table) WHERE id = 'c'").first(decoding: Counter.self)?.n ?? 0
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
}

final class StoreLocationTests: XCTestCase {
    func testParsing() {
        XCTAssertEqual(StoreLocation("data/x.sqlite"), .sqlite(path: "data/x.sqlite"))
        XCTAssertEqual(StoreLocation("sqlite:///tmp/x.sqlite"), .sqlite(path: "/tmp/x.sqlite"))
        XCTAssertEqual(StoreLocation("postgres://u:secret@h:5432/db"), .postgres(url: "postgres://u:secret@h:5432/db"))
        XCTAssertEqual(StoreLocation("postgres://u:secret@h:5432/db").description, "postgres://***@h:5432/db")
    }
}
