import Foundation
import SQL

/// A PostgreSQL schema of a test's own on the server named by SKILLS_TEST_POSTGRES_URL, so that a
/// test's tables neither meet nor disturb anyone else's on that shared server.
public enum ScratchPostgresSchema {
    /// Creates `<prefix>_<random>` and opens a database whose statements run in it (its
    /// `search_path`); nil when SKILLS_TEST_POSTGRES_URL is unset. Drop it with `drop(_:from:)`.
    public static func open(prefix: String) async throws -> (Database, schema: String)? {
        guard let url = ProcessInfo.processInfo.environment["SKILLS_TEST_POSTGRES_URL"] else { return nil }
        let schema = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await Database.open(.postgres(url: url))
        try await admin.transaction { try $0.executeScript("CREATE SCHEMA \(schema)") }
        await admin.close()
        let scoped = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        return (try await Database.open(.postgres(url: scoped)), schema)
    }

    /// Drops the schema and everything in it (best effort: a test's tearDown).
    public static func drop(_ schema: String, from database: Database) async {
        _ = try? await database.transaction { try $0.executeScript("DROP SCHEMA \(schema) CASCADE") }
    }
}
