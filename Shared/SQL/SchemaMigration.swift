import Essentials
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One versioned step of a schema, applied once, in version order, and recorded in
/// `schema_migrations (version, name, applied_at)` (the table the earlier sql-kit layer kept, so
/// databases it created carry on).
public struct SchemaMigration: Sendable {
    public let version: Int
    public let name: String
    public let statements: @Sendable (DBDialect) -> [String]

    public init(version: Int, name: String, statements: @escaping @Sendable (DBDialect) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

extension Database {
    /// The key of the PostgreSQL advisory lock migrations run under (the earlier layer's, too).
    static let migrationLock: Int64 = 73_010_001

    /// Applies the migrations not yet applied. SQLite: all in one write transaction. PostgreSQL:
    /// under a session advisory lock, so replicas starting together apply each once; each
    /// migration in a transaction of its own.
    public func migrate(_ migrations: [SchemaMigration]) async throws {
        let ordered = migrations.sorted { $0.version < $1.version }
        let dialect = self.dialect
        switch dialect {
        case .sqlite:
            try await transaction { connection in
                try Self.apply(ordered, on: connection, dialect: dialect, transactions: false)
            }
        case .postgres:
            try await withPostgresConnection { connection in
                try connection.execute("SELECT pg_advisory_lock($1)", Self.migrationLock)
                defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", Self.migrationLock) }
                try Self.apply(ordered, on: connection, dialect: dialect, transactions: true)
            }
        }
    }

    private static func apply(
        _ migrations: [SchemaMigration], on connection: any DBConnection, dialect: DBDialect,
        transactions: Bool
    ) throws {
        try connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
            """)
        let applied = Set(try connection.all("SELECT version FROM schema_migrations") { try $0.int64(0) })
        for migration in migrations where !applied.contains(Int64(migration.version)) {
            if transactions { try connection.executeScript("BEGIN") }
            do {
                for statement in migration.statements(dialect) { try connection.executeScript(statement) }
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version, migration.name,
                    RFC3339.format(seconds: Int64(Date().timeIntervalSince1970), nanos: 0) ?? "")
                if transactions { try connection.executeScript("COMMIT") }
            } catch {
                if transactions { try? connection.executeScript("ROLLBACK") }
                throw error
            }
        }
    }
}
