import CSQLite
import Foundation
import SQL
import XCTest

/// SQLite's memory in a service stays bounded however many readers read however much
/// (`Database.Options.sqliteSoftHeapLimitBytes`, issue 14).
final class SQLiteMemoryTests: XCTestCase {
    /// Four readers each scanning a 12 MiB table used to keep 4 x 12 MiB of pages, one cache each.
    func testReadersScanningEverythingStayUnderTheHeapLimit() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sqltest-memory-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        ).path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let options = Database.Options()
        let database = try await Database.open(.sqlite(path: path), options: options)
        try await database.transaction { connection in
            try connection.executeScript(
                """
                CREATE TABLE big (i INTEGER PRIMARY KEY, b BLOB);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO big (i, b) SELECT i, randomblob(4000) FROM n;
                """)
        }
        for _ in 0..<3 {
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await database.read { connection in
                            try connection.first("SELECT sum(length(b)) FROM big") { try $0.int64(0) } ?? 0
                        }
                    }
                }
                for try await total in group { XCTAssertEqual(total, 3000 * 4000) }
            }
        }
        let used = sqlite3_memory_used()
        await database.close()
        // The limit is soft (a page in use is never dropped): a few MiB over it is allowed.
        XCTAssertLessThan(
            used, Int64(options.sqliteSoftHeapLimitBytes) + 4 << 20,
            "SQLite holds \(used >> 20) MiB after four readers scanned a 12 MiB table")
    }
}
