import Synchronization
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A service's SQL database: SQLite embedded (WAL) by default, PostgreSQL by URL.
///
/// A `transaction` or `read` body is synchronous and runs on the thread that owns its connection:
/// one hand-off there and one back per call, however many statements it runs, each prepared once
/// per connection. SQLite has one writer connection (transactions run one at a time, `BEGIN
/// IMMEDIATE`) and a few reader connections that run alongside it; PostgreSQL has a bounded pool
/// of blocking libpq connections, each on a thread of its own, where a lost connection is dropped
/// and reopened by a later call. Call `close()` when done: the threads live until then. A call
/// whose task is cancelled still runs once it has been queued (its body is not interruptible).
public final class Database: Sendable {
    /// Where the database is: an SQLite file, or a PostgreSQL server.
    public enum Location: Sendable, Hashable, CustomStringConvertible {
        /// An SQLite file (created if missing). `:memory:` is a temporary file (the writer and the
        /// readers must share one database).
        case sqlite(path: String)
        /// `postgres://user:password@host:port/database[?param=value...]` (libpq URI syntax).
        case postgres(url: String)

        /// Parses a `--database` setting: a `postgres://`/`postgresql://` URL, `sqlite://path` or a path.
        public init(_ text: String) {
            if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
                self = .postgres(url: text)
            } else if text.hasPrefix("sqlite://") {
                self = .sqlite(path: String(text.dropFirst("sqlite://".count)))
            } else {
                self = .sqlite(path: text)
            }
        }

        /// The location without a password, for logs.
        public var description: String {
            switch self {
            case .sqlite(let path): return "sqlite:\(path)"
            case .postgres(let url):
                guard let at = url.lastIndex(of: "@"), let scheme = url.firstRange(of: "://") else { return url }
                return String(url[..<scheme.upperBound]) + "***" + String(url[at...])
            }
        }
    }

    /// How strictly a PostgreSQL transaction is isolated (SQLite write transactions are serialised).
    public enum Isolation: Sendable {
        /// Enough when unique constraints, `SELECT ... FOR UPDATE` or a guarded UPDATE carry the rule.
        case readCommitted
        /// For rules that read several rows and write based on them; retried on 40001/40P01.
        case serializable
    }

    /// Sizes and time limits; the defaults suit a service on a small machine.
    public struct Options: Sendable {
        /// The most PostgreSQL connections (and threads) this object opens. Each is a server
        /// process that warms its own caches and plans, and more busy ones than the server has
        /// cores only queue there, at a cost: the replay of 2,000 trainings on a 2-core machine
        /// took 9.1 ms of server CPU per training with 16 per service, 6.9 ms with 4.
        public var postgresConnections = 4
        /// SQLite reader connections (and threads).
        public var sqliteReaders = 4
        /// How long a PostgreSQL connect may take before the call fails with `.unavailable`.
        public var connectTimeoutSeconds = 2
        /// The longest a PostgreSQL statement (lock waits included) may run; 0 means no limit.
        public var statementTimeoutMilliseconds = 30_000
        /// The longest a PostgreSQL statement waits for the server's answer before its connection
        /// counts as lost (a server that hangs with its connections open); 0 means no limit. Longer
        /// than `statementTimeoutMilliseconds`, so the server's own timeout normally comes first.
        public var responseTimeoutMilliseconds = 35_000
        /// How long a sent request may stay unacknowledged by the server's TCP stack before the
        /// connection counts as lost (a server that vanished without closing its sockets).
        public var tcpUserTimeoutMilliseconds = 10_000
        /// After a failed connect, calls within this interval fail at once instead of trying again.
        public var reconnectInterval: Duration = .milliseconds(200)
        /// How many times a transaction is tried in all when PostgreSQL reports a serialisation failure.
        public var serializationAttempts = 60
        /// SQLite's busy_timeout in milliseconds.
        public var sqliteBusyTimeoutMilliseconds = 5000
        /// The most memory SQLite should hold in this process, all connections' page caches
        /// together (`PRAGMA soft_heap_limit`; 0: no limit). Without it every reader fills its own
        /// 16 MiB cache: a replay's reconciliation, reading whole tables, took payment from 67 to
        /// 117 MiB resident. 8 MiB cost no measurable CPU per training in a 3,000-training replay
        /// against 16 (Benchmarks/README.md, "Memory").
        public var sqliteSoftHeapLimitBytes = 8 << 20

        /// The WAL size, in pages, past which the WAL is copied back into the database, on a
        /// thread of its own (`SQLiteCheckpointer`; SQLite's automatic checkpoint is at 1000). A
        /// checkpoint writes every page the WAL holds once and syncs both files; pages that many
        /// transactions dirty again (the tails of tables and indexes) are written once per
        /// checkpoint, so fewer checkpoints write less.
        public var sqliteWALCheckpointPages = 8000

        public init() {}
    }

    public let dialect: DBDialect
    private let backend: Backend
    private let options: Options
    /// SQLite: the write transactions waiting to commit together (`SQLiteWriteBatch`).
    private let writes = SQLiteWriteBatch()
    /// SQLite only: readers for `readInline` on the caller's thread.
    private let inline: InlineReaders?
    /// SQLite only: copies the WAL into the database off the writer's thread.
    let checkpointer: SQLiteCheckpointer?
    private let retries = Atomic<Int>(0)

    private enum Backend: Sendable {
        case sqlite(writer: ConnectionThreads<SQLite3Connection>, readers: ConnectionThreads<SQLite3Connection>)
        case postgres(ConnectionThreads<LibPQConnection>)
    }

    private init(
        dialect: DBDialect, backend: Backend, options: Options, inline: InlineReaders? = nil,
        checkpointer: SQLiteCheckpointer? = nil
    ) {
        self.dialect = dialect
        self.backend = backend
        self.options = options
        self.inline = inline
        self.checkpointer = checkpointer
    }

    /// Opens the database. SQLite: creates the file and its directory, switches it to WAL.
    /// PostgreSQL: connects once to check the server answers (throws `.unavailable` otherwise);
    /// the pool opens further connections as calls need them.
    public static func open(_ location: Location, options: Options = Options()) async throws -> Database {
        switch location {
        case .sqlite(let path):
            let file: String
            if path == ":memory:" {
                let name = "skills-sql-\(UInt64.random(in: 0...UInt64.max)).sqlite"
                file = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
            } else {
                let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
                if !directory.isEmpty {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
                file = path
            }
            // Each connection keeps up to 16 MiB of pages (SQLite's default is 2 MiB): a replay's
            // 150,000 trainings outgrow 2 MiB, and every miss is a pread copied from the page cache.
            // All connections together stay near `sqliteSoftHeapLimitBytes` (process-wide): past it a
            // connection reuses its own least recently used pages instead of taking more memory.
            let common = [
                "PRAGMA busy_timeout = \(options.sqliteBusyTimeoutMilliseconds)", "PRAGMA cache_size = -16384",
                "PRAGMA soft_heap_limit = \(options.sqliteSoftHeapLimitBytes)",
            ]
            let writerPragmas =
                [
                    "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
                ] + common
            let checkpointer = SQLiteCheckpointer(
                file: file, pragmas: common, pages: options.sqliteWALCheckpointPages)
            let writer = ConnectionThreads(name: "sqlite-writer", count: 1) {
                let connection = try SQLite3Connection(path: file, pragmas: writerPragmas)
                connection.onCommit(walPages: checkpointer.committed)
                return connection
            }
            do {
                try await writer.perform { _ = try $0.connection() }
            } catch {
                await writer.close()
                await checkpointer.close()
                throw error
            }
            let readers = ConnectionThreads(name: "sqlite-reader", count: max(1, options.sqliteReaders)) {
                try SQLite3Connection(path: file, pragmas: common + ["PRAGMA query_only = 1"])
            }
            // Point look-ups only: a smaller page cache than the threads' (busy_timeout 0: see InlineReaders).
            let inlinePragmas = ["PRAGMA busy_timeout = 0", "PRAGMA cache_size = -4096", "PRAGMA query_only = 1"]
            let inline = InlineReaders(limit: max(1, options.sqliteReaders)) {
                try SQLite3Connection(path: file, pragmas: inlinePragmas)
            }
            return Database(
                dialect: .sqlite, backend: .sqlite(writer: writer, readers: readers), options: options, inline: inline,
                checkpointer: checkpointer)
        case .postgres(let url):
            let conninfo = conninfo(url, options)
            let gate = ConnectGate(interval: options.reconnectInterval)
            let pool = ConnectionThreads(
                name: "postgres", count: max(1, options.postgresConnections),
                open: {
                    try gate.connect {
                        try LibPQConnection(
                            conninfo: conninfo, responseTimeoutMilliseconds: options.responseTimeoutMilliseconds)
                    }
                },
                isHealthy: { $0.isHealthy })
            let database = Database(dialect: .postgres, backend: .postgres(pool), options: options)
            do {
                try await pool.perform { _ = try $0.connection() }
            } catch {
                await pool.close()
                throw error
            }
            return database
        }
    }

    /// The URL with the time limits added unless it sets them itself.
    static func conninfo(_ url: String, _ options: Options) -> String {
        var parameters: [String] = []
        func add(_ name: String, _ value: String) {
            if !url.contains(name + "=") { parameters.append(name + "=" + value) }
        }
        add("connect_timeout", "\(options.connectTimeoutSeconds)")
        add("tcp_user_timeout", "\(options.tcpUserTimeoutMilliseconds)")
        add("keepalives_idle", "5")
        add("keepalives_interval", "2")
        add("keepalives_count", "3")
        if options.statementTimeoutMilliseconds > 0 {
            add("options", "-c%20statement_timeout%3D\(options.statementTimeoutMilliseconds)")
        }
        guard !parameters.isEmpty else { return url }
        return url + (url.contains("?") ? "&" : "?") + parameters.joined(separator: "&")
    }

    /// How many times PostgreSQL transactions were run again after a serialisation failure.
    public var serializationRetries: Int { retries.load(ordering: .relaxed) }

    /// Runs `body` in one transaction on the connection's own thread; commits when it returns,
    /// rolls back when it throws. On PostgreSQL a serialisation failure (40001, 40P01) runs the
    /// whole body again (after a short random pause), so `body` must have no other effects.
    @discardableResult
    public func transaction<T: Sendable>(
        isolation: Isolation = .serializable,
        _ body: @escaping @Sendable (any DBConnection) throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite(let writer, _):
            let writes = self.writes
            let (entry, outcome) = writes.add(body)
            do {
                try await writer.perform { slot in writes.runWaiting(on: slot.connection) }
            } catch {
                // Closed: unless a batch took the body first, it never runs.
                if writes.withdraw(entry) { throw error }
            }
            guard let result = outcome() else {
                throw DBError(.unavailable, "the database closed while the transaction ran")
            }
            return try result.get()
        case .postgres(let pool):
            let begin =
                isolation == .serializable
                ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL READ COMMITTED"
            var attempt = 1
            while true {
                do {
                    return try await pool.perform { slot in
                        try Self.inTransaction(try slot.connection(), begin: begin, body)
                    }
                } catch let error as DBError
                    where error.kind == .serializationFailure && attempt < options.serializationAttempts
                {
                    retries.add(1, ordering: .relaxed)
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(50, 2 * attempt))))
                    attempt += 1
                }
            }
        }
    }

    /// A PostgreSQL transaction: BEGIN goes with the body's first statement, and the writes the
    /// body deferred go with COMMIT (`LibPQConnection.begin`), so BEGIN and COMMIT cost no round
    /// trip of their own.
    private static func inTransaction<T>(
        _ connection: LibPQConnection, begin: String, _ body: (any DBConnection) throws -> T
    ) throws -> T {
        connection.begin(begin)
        do {
            let result = try body(connection)
            try connection.commit()
            return result
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// Runs read-only statements on a connection of the body's own (each statement sees the
    /// database as of its start, acknowledged writes included). SQLite readers run alongside the
    /// writer; a write statement there fails (`query_only`).
    @discardableResult
    public func read<T: Sendable>(_ body: @escaping @Sendable (any DBConnection) throws -> T) async throws -> T {
        switch backend {
        case .sqlite(_, let readers):
            return try await readers.perform { slot in try body(try slot.connection()) }
        case .postgres(let pool):
            return try await pool.perform { slot in
                let connection = try slot.connection()
                defer { if connection.inTransaction { _ = try? connection.execute("ROLLBACK") } }
                return try body(connection)
            }
        }
    }

    /// Runs a short read-only body, a look-up by key, where that costs least. SQLite: on the calling
    /// thread with a pooled reader connection (`InlineReaders`), so that a handler on an event loop
    /// answers without a thread hand-off; when none is free, or SQLite reports busy, as `read` does.
    /// PostgreSQL: as `read` (a round trip to the server must not hold the caller's thread). The
    /// body may run twice and blocks the calling thread while it runs: keep it to a few rows.
    @discardableResult
    public func readInline<T: Sendable>(_ body: @escaping @Sendable (any DBConnection) throws -> T) async throws -> T {
        if let inline {
            do {
                if case .ran(let result) = try inline.run({ try body($0) }) { return result }
            } catch let error as DBError where error.kind == .busy || error.kind == .unavailable {
                // The reader threads wait out busy_timeout, or report why the file cannot be opened.
            }
        }
        return try await read(body)
    }

    /// Runs `body` on a pooled PostgreSQL connection outside any transaction (migrations).
    func withPostgresConnection<T: Sendable>(_ body: @escaping @Sendable (LibPQConnection) throws -> T) async throws
        -> T
    {
        guard case .postgres(let pool) = backend else { throw DBError(.other, "not a PostgreSQL database") }
        return try await pool.perform { slot in try body(try slot.connection()) }
    }

    /// Whether the database answers now (health reporting). Never waits past the connect timeout
    /// for a new connection, though it queues behind running calls.
    public func ping() async -> Bool {
        do {
            return try await read { try $0.first("SELECT 1") { try $0.int64(0) } } == 1
        } catch {
            return false
        }
    }

    /// Stops the threads after the running calls; queued and later calls fail with `.unavailable`.
    public func close() async {
        switch backend {
        case .sqlite(let writer, let readers):
            inline?.close()
            await readers.close()
            await writer.close()
            await checkpointer?.close()
        case .postgres(let pool):
            await pool.close()
        }
    }
}

/// Lets PostgreSQL connects fail fast while the server is down: after a failed attempt, the next
/// attempts within `interval` throw `.unavailable` at once instead of each waiting for a refusal
/// or a timeout.
private final class ConnectGate: Sendable {
    private let interval: Duration
    private let lastFailure = Mutex<ContinuousClock.Instant?>(nil)

    init(interval: Duration) { self.interval = interval }

    func connect<C>(_ open: () throws -> C) throws -> C {
        if let last = lastFailure.withLock({ $0 }), ContinuousClock.now - last < interval {
            throw DBError(.unavailable, "the database server was unreachable less than \(interval) ago")
        }
        do {
            let connection = try open()
            lastFailure.withLock { $0 = nil }
            return connection
        } catch {
            lastFailure.withLock { $0 = .now }
            throw error
        }
    }
}
