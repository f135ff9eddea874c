// AsyncKit's connection pool is internally locked but not annotated Sendable (postgres-kit imports it the same way).
@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// A service's SQL database over sql-kit: SQLite embedded (WAL mode) by default, PostgreSQL by URL
/// so that several replicas of one service share one database.
///
/// Writes go through `transaction`, which runs its body on one connection between `BEGIN` and
/// `COMMIT` (rolled back when the body throws). On SQLite, write transactions are serialised
/// (`BEGIN IMMEDIATE` on the one writer connection) and each `read` body has a reader connection to
/// itself (`SQLiteReaderPool`), which WAL lets run alongside the writer. On PostgreSQL,
/// transactions use a connection pool at `SERIALIZABLE` isolation and are retried when the server
/// reports a serialisation failure.
public final class SQLStore: Sendable {
    public let location: StoreLocation
    public let dialect: SQLDialectKind
    private let backend: Backend
    private let logger: Logger

    private enum Backend: Sendable {
        case sqlite(writer: SQLiteConnection, readers: SQLiteReaderPool, lock: AsyncSerialLock)
        case postgres(pool: EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    /// The PostgreSQL connections one replica opens at most, unless configured. PostgreSQL's default
    /// `max_connections` of 100 then holds about six replicas of all services together.
    public static let defaultPostgresConnections = 16

    /// How many times a PostgreSQL transaction is retried after a serialisation failure.
    public static let serializationRetries = 60

    /// How many SQLite `read` bodies run at once; further ones wait for a connection. A body holds its
    /// connection also between its statements, hence more connections than the threads that run
    /// statements (`NIOThreadPool.singleton`, one per core); each keeps its own page cache (up to
    /// 16 MiB, see `open`), hence not many more.
    public static let sqliteReaderConnections = 4

    private init(location: StoreLocation, dialect: SQLDialectKind, backend: Backend, logger: Logger) {
        self.location = location
        self.dialect = dialect
        self.backend = backend
        self.logger = logger
    }

    /// Opens the database (creating the SQLite file and its directory if needed). On PostgreSQL the
    /// pool opens connections as calls need them, up to `postgresConnections` (spread over the event
    /// loops, at least one each).
    public static func open(
        _ location: StoreLocation, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        postgresConnections: Int = defaultPostgresConnections
    ) async throws -> SQLStore {
        switch location {
        case .sqlite(let path):
            let storage: SQLiteConnection.Storage
            if path == ":memory:" {
                // The writer and the reader must see one database, so "in memory" is a temporary
                // file (the operating system's page cache keeps it in memory in practice).
                storage = .file(path: NSTemporaryDirectory() + "skills-\(UInt64.random(in: 0...UInt64.max)).sqlite")
            } else {
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
                storage = .file(path: path)
            }
            // Each connection keeps up to 16 MiB of pages (SQLite's default is 2 MiB): a replay's
            // 150,000 trainings outgrow 2 MiB, and every miss is a pread copied from the page cache.
            let connectionPragmas = ["PRAGMA busy_timeout = 5000", "PRAGMA cache_size = -16384"]
            let writer = try await SQLiteConnection.open(
                storage: storage, threadPool: .singleton, logger: logger, on: eventLoopGroup.any())
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"]
                + connectionPragmas
            {
                _ = try await writer.query(pragma)
            }
            var readers: [SQLiteConnection] = []
            for _ in 0..<sqliteReaderConnections {
                let reader = try await SQLiteConnection.open(
                    storage: storage, threadPool: .singleton, logger: logger, on: eventLoopGroup.any())
                for pragma in connectionPragmas { _ = try await reader.query(pragma) }
                readers.append(reader)
            }
            return SQLStore(
                location: location, dialect: .sqlite,
                backend: .sqlite(writer: writer, readers: SQLiteReaderPool(readers), lock: AsyncSerialLock()),
                logger: logger)
        case .postgres(let url):
            let configuration = try SQLPostgresConfiguration(
                url: url.contains("sslmode=") || url.contains("tlsmode=")
                    ? url
                    : url + (url.contains("?") ? "&" : "?") + "sslmode=disable")
            // AsyncKit's limit is per event loop: the total split over the loops, rounded down.
            let loops = max(1, Array(eventLoopGroup.makeIterator()).count)
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: max(1, postgresConnections / loops),
                pruneInterval: .seconds(60), logger: logger, on: eventLoopGroup)
            let store = SQLStore(location: location, dialect: .postgres, backend: .postgres(pool: pool), logger: logger)
            guard await store.ping() else {
                try? await pool.shutdownAsync()
                throw StoreError.unavailable("cannot reach \(location)")
            }
            return store
        }
    }

    /// How strictly a PostgreSQL transaction is isolated (SQLite write transactions are always
    /// serialised).
    public enum Isolation: Sendable {
        /// Enough when unique constraints or a version check in the UPDATE guard the rule.
        case readCommitted
        /// For rules that read several rows and write based on them (counts, balances).
        case serializable
    }

    /// Runs `body` in one transaction; commits when it returns, rolls back when it throws.
    public func transaction<T: Sendable>(
        isolation: Isolation = .serializable,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite(let writer, _, let lock):
            return try await lock.withLock {
                try await Self.run(on: writer.sql(), begin: "BEGIN IMMEDIATE", body)
            }
        case .postgres(let pool):
            let begin =
                isolation == .serializable
                ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL READ COMMITTED"
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try await pool.withConnectionAsync(logger: logger) { connection in
                        try await Self.run(on: connection.sql(), begin: begin, body)
                    }
                } catch  where attempt < Self.serializationRetries && Self.isSerializationFailure(error) {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(50, 2 * attempt))))
                }
            }
        }
    }

    /// BEGIN, body, COMMIT; ROLLBACK only when the body failed (a failed COMMIT has already ended
    /// the transaction).
    private static func run<T>(
        on db: any SQLDatabase, begin: String,
        _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await db.raw(SQLQueryString(begin)).run()
        let result: T
        do {
            result = try await body(db)
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
        try await db.raw("COMMIT").run()
        return result
    }

    /// Runs read-only queries (outside a write transaction). `body` must not call `read` or
    /// `transaction`: on SQLite, once bodies doing so hold every reader connection, the inner calls
    /// can wait for ever.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(_, let readers, _):
            return try await readers.withConnection { try await body($0.sql()) }
        case .postgres(let pool):
            return try await pool.withConnectionAsync(logger: logger) { try await body($0.sql()) }
        }
    }

    /// Applies the migrations not yet applied, in version order, each in its own transaction.
    /// On PostgreSQL an advisory lock keeps replicas starting together from racing.
    public func migrate(_ migrations: [Migration]) async throws {
        let dialect = self.dialect
        try await transaction { db in
            if dialect == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(73010001)").run() }
            try await db.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
                """
            ).run()
            let applied = Set(
                try await db.raw("SELECT version FROM schema_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
            for migration in migrations.sorted(by: { $0.version < $1.version })
            where !applied.contains(migration.version) {
                for statement in migration.statements(dialect) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                let now = ISO8601DateFormatter().string(from: Date())
                try await db.raw(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: now))"
                ).run()
            }
        }
    }

    /// Whether the database answers (health checks).
    public func ping() async -> Bool {
        do {
            _ = try await read { try await $0.raw("SELECT 1 AS one").first() }
            return true
        } catch {
            logger.warning("database ping failed", metadata: ["error": "\(String(reflecting: error))"])
            return false
        }
    }

    public func close() async {
        switch backend {
        case .sqlite(let writer, let readers, _):
            await readers.close()
            try? await writer.close()
        case .postgres(let pool):
            try? await pool.shutdownAsync()
        }
    }

    /// Whether `error` is a unique-constraint violation (a duplicate key).
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
        let text = String(describing: error)
        return text.contains("UNIQUE constraint failed") || text.contains("constraint(") && text.contains("UNIQUE")
    }

    static func isSerializationFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }
}

/// Storage failures that are not the caller's fault.
public enum StoreError: Error, CustomStringConvertible {
    case unavailable(String)
    public var description: String {
        switch self {
        case .unavailable(let message): return message
        }
    }
}

extension EventLoopGroupConnectionPool where Source == PostgresConnectionSource {
    /// `withConnection` for async bodies.
    func withConnectionAsync<T: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(logger: logger) { connection in
            connection.eventLoop.makeFutureWithTask { try await body(connection) }
        }.get()
    }
}
