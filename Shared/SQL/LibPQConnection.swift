import CLibPQ
import Glibc

/// A blocking connection to PostgreSQL through libpq, with a cache of server-side prepared
/// statements keyed by SQL text (named `s1`, `s2`, ... on this session). Parameters are sent as
/// text (bytes in binary) with their types inferred by the server; results come back as text.
/// Used by one thread at a time.
///
/// Every statement goes out in libpq's pipeline mode, with whatever waits to go with it, in one
/// write ending in one Sync: the Parse of a statement not yet prepared, a transaction's BEGIN
/// (`begin(_:)` sends nothing by itself) and the writes queued by `executeDeferred`. So a
/// transaction costs one round trip per statement whose answer its body reads, plus one for
/// COMMIT and the queued writes; a statement's first run costs no extra trip for its Parse.
public final class LibPQConnection: DBConnection {
    public var dialect: DBDialect { .postgres }
    private let handle: OpaquePointer
    private var cache: [String: String] = [:]
    private var nextName = 1
    private var statistics = DBStatementStatistics(prepared: 0, reused: 0, cached: 0)
    private let responseTimeoutMilliseconds: Int
    /// Set when the server did not answer in time or a pipeline broke: the session is in an
    /// unknown state.
    private var abandoned = false
    /// Statements to send before the next one: the open transaction's BEGIN and deferred writes.
    private var queued: [(sql: String, binds: [DBValue])] = []
    /// Between `begin(_:)` and `commit()` or `rollback()`.
    private var transactionOpen = false
    /// `send`'s scratch space, kept between statements: the parameters' bytes, and per parameter
    /// its offset in them (-1: NULL), its length and its format.
    private var parameterBytes: [UInt8] = []
    private var parameterOffsets: [Int] = []
    private var parameterLengths: [Int32] = []
    private var parameterFormats: [Int32] = []

    /// What a pipeline's results answer, in order.
    private enum Expected {
        case prepare(sql: String, name: String)
        case statement(sql: String)

        var sql: String {
            switch self {
            case .prepare(let sql, _), .statement(let sql): return sql
            }
        }
    }

    /// Connects (blocking, bounded by the conninfo's `connect_timeout`). Throws `.unavailable`.
    /// - Parameter responseTimeoutMilliseconds: the longest a round trip waits for the server's
    ///   answer before the connection counts as lost (0: no limit). It bounds a call when the
    ///   server hangs with its sockets open, which neither TCP timeouts nor the server's own
    ///   statement_timeout catch.
    public init(conninfo: String, responseTimeoutMilliseconds: Int = 0) throws {
        self.responseTimeoutMilliseconds = responseTimeoutMilliseconds
        guard let handle = PQconnectdb(conninfo) else {
            guard skills_libpq_available() != 0 else {
                throw DBError(
                    .unavailable, "cannot load libpq.so.5, the PostgreSQL client library (Debian package libpq5)")
            }
            throw DBError(.unavailable, "libpq: out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(handle)
            PQfinish(handle)
            throw DBError(.unavailable, message)
        }
        self.handle = handle
        // Server notices (a DROP ... IF EXISTS that skipped) are not errors: not printed to stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable (false once the server closed it or it broke).
    public var isHealthy: Bool { !abandoned && PQstatus(handle) == CONNECTION_OK }

    /// Whether the session is inside a transaction block (or a failed one) on the server now.
    var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// How many times this connection has waited for the server's answer (pipelines sent and
    /// scripts run): what the pipelining saves is measured in these.
    public private(set) var roundTrips = 0

    public var statementStatistics: DBStatementStatistics {
        var statistics = statistics
        statistics.cached = cache.count
        return statistics
    }

    // MARK: Transactions

    /// Opens a transaction with `begin` (`BEGIN ISOLATION LEVEL ...`), which goes to the server
    /// with the transaction's first statement.
    func begin(_ begin: String) {
        queued = [(begin, [])]
        transactionOpen = true
    }

    /// Commits: the deferred writes and COMMIT in one round trip. A transaction that has sent
    /// nothing (its body ran no statement) ends without one.
    func commit() throws {
        transactionOpen = false
        if queued.count == 1 && !inTransaction {
            queued.removeAll()
            return
        }
        PQclear(try round("COMMIT", []))
    }

    /// Ends the transaction after a failure: drops what was not sent, rolls back what was.
    func rollback() {
        transactionOpen = false
        queued.removeAll()
        if isHealthy && inTransaction { _ = try? execute("ROLLBACK", []) }
    }

    /// Inside a transaction, queues the statement to go with the next one (or the COMMIT):
    /// its error, if any, is thrown there. Outside one, runs it now.
    public func executeDeferred(_ sql: String, _ binds: [DBValue]) throws {
        guard transactionOpen else {
            try execute(sql, binds)
            return
        }
        queued.append((sql, binds))
    }

    // MARK: Statements

    public func executeScript(_ sql: String) throws {
        if let last = queued.popLast() { PQclear(try round(last.sql, last.binds)) }
        roundTrips += 1
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func execute(_ sql: String, _ binds: [DBValue]) throws -> Int {
        let result = try round(sql, binds)
        defer { PQclear(result) }
        guard var digit = PQcmdTuples(result) else { return 0 }
        var rows = 0
        while digit.pointee >= UInt8(ascii: "0"), digit.pointee <= UInt8(ascii: "9") {
            rows = rows &* 10 &+ Int(digit.pointee) - Int(UInt8(ascii: "0"))
            digit += 1
        }
        return rows
    }

    public func query(_ sql: String, _ binds: [DBValue], _ row: (DBRow) throws -> Void) throws {
        let result = try round(sql, binds)
        defer { PQclear(result) }
        let rows = PQntuples(result)
        var index: Int32 = 0
        while index < rows {
            try row(DBRow(source: .postgres(result: result, row: index)))
            index += 1
        }
    }

    // MARK: Pipelines

    /// Sends the queued statements and then this one in one pipeline, each preceded by its Parse
    /// when not prepared yet, and returns this statement's result (the caller clears it). Throws
    /// the first failure in the pipeline; the server skips the rest up to the Sync.
    private func round(_ sql: String, _ binds: [DBValue]) throws -> OpaquePointer {
        guard !abandoned else { throw DBError(.connectionLost, "the connection was given up after an earlier failure") }
        var statements = queued
        queued.removeAll()
        statements.append((sql, binds))
        try makeRoom(for: statements)
        guard PQenterPipelineMode(handle) == 1 else { throw lostOrOther(sql) }
        var expected: [Expected] = []
        var naming: [String: String] = [:]
        for statement in statements {
            let name: String
            if let known = cache[statement.sql] ?? naming[statement.sql] {
                name = known
                statistics.reused += 1
            } else {
                name = "s\(nextName)"
                nextName += 1
                naming[statement.sql] = name
                guard PQsendPrepare(handle, name, statement.sql, 0, nil) == 1 else { throw abandon(statement.sql) }
                expected.append(.prepare(sql: statement.sql, name: name))
            }
            guard send(name, statement.binds) else { throw abandon(statement.sql) }
            expected.append(.statement(sql: statement.sql))
        }
        guard PQpipelineSync(handle) == 1 else { throw abandon(sql) }
        roundTrips += 1
        return try collect(expected)
    }

    /// Empties the statement cache when this pipeline's new statements would overflow it.
    private func makeRoom(for statements: [(sql: String, binds: [DBValue])]) throws {
        guard cache.count + statements.count > SQLite3Connection.cacheLimit else { return }
        let new = Set(statements.lazy.map(\.sql).filter { self.cache[$0] == nil }).count
        guard cache.count + new > SQLite3Connection.cacheLimit else { return }
        let result = PQexec(handle, "DEALLOCATE ALL")
        defer { PQclear(result) }
        try check(result, "DEALLOCATE ALL")
        cache.removeAll(keepingCapacity: true)
    }

    /// Queues one execution of a prepared statement.
    private func send(_ name: String, _ binds: [DBValue]) -> Bool {
        // One buffer for every parameter's bytes (NUL-terminated text, or raw bytes), reused from
        // one statement to the next. Starts non-empty so that an empty value still gets a
        // non-NULL pointer.
        parameterBytes.removeAll(keepingCapacity: true)
        parameterBytes.append(0)
        parameterOffsets.removeAll(keepingCapacity: true)
        parameterLengths.removeAll(keepingCapacity: true)
        parameterFormats.removeAll(keepingCapacity: true)
        for value in binds {
            var format: Int32 = 0
            let start = parameterBytes.count
            switch value {
            case .null:
                parameterOffsets.append(-1)
                parameterLengths.append(0)
                parameterFormats.append(0)
                continue
            case .int(let int): parameterBytes.append(contentsOf: String(int).utf8)
            case .bool(let bool): parameterBytes.append(bool ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            case .double(let double): parameterBytes.append(contentsOf: Self.text(double).utf8)
            case .text(let text): parameterBytes.append(contentsOf: text.utf8)
            case .bytes(let bytes):
                parameterBytes.append(contentsOf: bytes)
                format = 1
            }
            parameterLengths.append(Int32(parameterBytes.count - start))
            if format == 0 { parameterBytes.append(0) }
            parameterOffsets.append(start)
            parameterFormats.append(format)
        }
        let count = binds.count
        return parameterBytes.withUnsafeBufferPointer { storage in
            withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(1, count)) { values in
                let base = storage.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                for index in 0..<count {
                    let offset = parameterOffsets[index]
                    values[index] = offset < 0 ? nil : base.map { $0 + offset }
                }
                return PQsendQueryPrepared(
                    handle, name, Int32(count), values.baseAddress, parameterLengths, parameterFormats, 0) == 1
            }
        }
    }

    /// Reads a pipeline's results (each query's result, then its terminating NULL; then the
    /// Sync's) and leaves pipeline mode. Returns the last statement's result; throws the first
    /// failure. A broken or late pipeline abandons the connection: its state is unknown.
    private func collect(_ expected: [Expected]) throws -> OpaquePointer {
        let limit = responseTimeoutMilliseconds
        let deadline = limit > 0 ? Self.monotonicMilliseconds() + limit : 0
        var failure: DBError?
        var last: OpaquePointer?
        do {
            for item in expected {
                PQclear(last)
                last = nil
                guard let result = try nextResult(deadline) else { throw abandon(item.sql) }
                while let extra = try nextResult(deadline) { PQclear(extra) }
                let status = PQresultStatus(result)
                switch (item, status) {
                case (.prepare(let sql, let name), PGRES_COMMAND_OK):
                    cache[sql] = name
                    statistics.prepared += 1
                    PQclear(result)
                case (.statement, PGRES_COMMAND_OK), (.statement, PGRES_TUPLES_OK), (.statement, PGRES_EMPTY_QUERY):
                    last = result
                case (_, PGRES_PIPELINE_ABORTED):
                    PQclear(result)
                default:
                    if failure == nil {
                        do { try check(result, item.sql) } catch let error as DBError { failure = error }
                    }
                    PQclear(result)
                }
            }
            guard let sync = try nextResult(deadline), PQresultStatus(sync) == PGRES_PIPELINE_SYNC else {
                throw abandon(expected.last?.sql ?? "")
            }
            PQclear(sync)
            guard PQexitPipelineMode(handle) == 1 else { throw abandon(expected.last?.sql ?? "") }
        } catch {
            PQclear(last)
            throw error
        }
        if let failure {
            PQclear(last)
            throw failure
        }
        guard let last else { throw abandon(expected.last?.sql ?? "") }
        return last
    }

    /// The next result of the pipeline, waiting at most until `deadline` (monotonic milliseconds;
    /// 0: no limit) for it.
    private func nextResult(_ deadline: Int) throws -> OpaquePointer? {
        try waitUntilReadable(deadline)
        return PQgetResult(handle)
    }

    private func waitUntilReadable(_ deadline: Int) throws {
        while PQisBusy(handle) == 1 {
            var timeout: Int32 = -1
            if deadline > 0 {
                let milliseconds = deadline - Self.monotonicMilliseconds()
                guard milliseconds > 0 else {
                    abandoned = true
                    throw DBError(.connectionLost, "no answer from the server within \(responseTimeoutMilliseconds) ms")
                }
                timeout = Int32(clamping: milliseconds)
            }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, timeout) < 0 && errno != EINTR {
                abandoned = true
                throw DBError(.connectionLost, "poll: errno \(errno)")
            }
            guard PQconsumeInput(handle) == 1 else {
                abandoned = true
                throw DBError(.connectionLost, Self.message(handle))
            }
        }
    }

    private static func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    /// Gives the connection up (the pool drops it) and says why.
    private func abandon(_ sql: String) -> DBError {
        let error = lostOrOther(sql)
        abandoned = true
        return DBError(.connectionLost, error.message)
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        guard let result else { throw lostOrOther(sql) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message =
                PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? Self.message(handle)
            if let state {
                let kind = DBError.kind(sqlState: state)
                throw DBError(kind == .other && !isHealthy ? .connectionLost : kind, sqlState: state, message)
            }
            // No SQLSTATE: libpq's own failure (the socket closed, the server vanished).
            throw DBError(isHealthy ? .other : .connectionLost, message + (isHealthy ? ": " + sql : ""))
        }
    }

    private func lostOrOther(_ sql: String) -> DBError {
        DBError(isHealthy ? .other : .connectionLost, Self.message(handle))
    }

    private static func message(_ handle: OpaquePointer) -> String {
        PQerrorMessage(handle).map { String(cString: $0) }?.trimmingSuffixWhitespace() ?? "libpq: unknown error"
    }

    private static func text(_ double: Double) -> String {
        if double.isNaN { return "NaN" }
        if double.isInfinite { return double < 0 ? "-Infinity" : "Infinity" }
        return "\(double)"
    }
}

extension String {
    fileprivate func trimmingSuffixWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
