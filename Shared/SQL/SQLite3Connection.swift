import CSQLite

/// A connection to an SQLite file through the system's libsqlite3, with a cache of prepared
/// statements keyed by SQL text. Used by one thread at a time (opened with SQLITE_OPEN_NOMUTEX).
public final class SQLite3Connection: DBConnection {
    public var dialect: DBDialect { .sqlite }
    private let handle: OpaquePointer
    private var cache: [String: Statement] = [:]
    private var statistics = DBStatementStatistics(prepared: 0, reused: 0, cached: 0)
    /// The receiver `onCommit` installed; kept alive here, SQLite holds it unretained.
    private var commitHook: CommitHook?

    /// The most statements kept; a connection running more distinct SQL texts than this (say,
    /// generated IN lists) drops its cache and starts again.
    static let cacheLimit = 512

    private struct Statement {
        let pointer: OpaquePointer
        /// For bind i (the value of `$(i+1)`), SQLite's parameter index.
        let indexes: [Int32]
    }

    public init(path: String, pragmas: [String] = []) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw DBError(.unavailable, sqliteCode: code, "cannot open \(path): \(message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        for pragma in pragmas { try executeScript(pragma) }
    }

    deinit {
        for statement in cache.values { sqlite3_finalize(statement.pointer) }
        sqlite3_close_v2(handle)
    }

    /// Calls `body` on this connection's thread after each commit with the number of pages the
    /// WAL now holds (`sqlite3_wal_hook`); when it returns true, this connection checkpoints
    /// (PASSIVE) there and then. It replaces SQLite's automatic checkpoints on this connection
    /// (`SQLiteCheckpointer` decides).
    func onCommit(walPages body: @escaping (Int32) -> Bool) {
        let hook = CommitHook(body)
        commitHook = hook
        sqlite3_wal_hook(
            handle,
            { context, db, name, pages in
                guard let context, Unmanaged<CommitHook>.fromOpaque(context).takeUnretainedValue().body(pages)
                else { return SQLITE_OK }
                // SQLITE_BUSY (another connection is checkpointing) is fine: the next commit asks again.
                _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                return SQLITE_OK
            }, Unmanaged.passUnretained(hook).toOpaque())
    }

    private final class CommitHook {
        let body: (Int32) -> Bool
        init(_ body: @escaping (Int32) -> Bool) { self.body = body }
    }

    /// Whether a transaction is open on this connection.
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    public var statementStatistics: DBStatementStatistics {
        var statistics = statistics
        statistics.cached = cache.count
        return statistics
    }

    public func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            throw Self.error(code, message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle)))
        }
    }

    @discardableResult
    public func execute(_ sql: String, _ binds: [DBValue]) throws -> Int {
        try run(sql, binds) { _ in }
        return Int(sqlite3_changes64(handle))
    }

    public func query(_ sql: String, _ binds: [DBValue], _ row: (DBRow) throws -> Void) throws {
        try run(sql, binds, row)
    }

    private func run(_ sql: String, _ binds: [DBValue], _ row: (DBRow) throws -> Void) throws {
        let statement = try prepared(sql)
        let pointer = statement.pointer
        // Reset whatever happens: a statement left stepping would pin this connection's snapshot.
        defer { sqlite3_reset(pointer) }
        guard binds.count == statement.indexes.count else {
            throw DBError(
                .other, "\(binds.count) values bound to a statement with \(statement.indexes.count) parameters: \(sql)")
        }
        for (value, index) in zip(binds, statement.indexes) {
            let code = bind(value, to: pointer, at: index)
            guard code == SQLITE_OK else { throw Self.error(code, String(cString: sqlite3_errmsg(handle))) }
        }
        while true {
            let code = sqlite3_step(pointer)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw Self.error(code, String(cString: sqlite3_errmsg(handle))) }
            try row(DBRow(source: .sqlite(pointer)))
        }
    }

    private func bind(_ value: DBValue, to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .null: return sqlite3_bind_null(statement, index)
        case .int(let int): return sqlite3_bind_int64(statement, index, int)
        case .double(let double): return sqlite3_bind_double(statement, index, double)
        case .bool(let bool): return sqlite3_bind_int64(statement, index, bool ? 1 : 0)
        case .text(var text):
            return text.withUTF8 { utf8 in
                guard let base = utf8.baseAddress else {
                    return sqlite3_bind_text64(statement, index, "", 0, csqlite_transient(), UInt8(SQLITE_UTF8))
                }
                return sqlite3_bind_text64(
                    statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                    sqlite3_uint64(utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            }
        case .bytes(let bytes):
            return bytes.withUnsafeBytes { raw in
                // A zero-length blob still needs a non-NULL pointer, or SQLite stores NULL.
                sqlite3_bind_blob64(
                    statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(raw.count),
                    csqlite_transient())
            }
        }
    }

    private func prepared(_ sql: String) throws -> Statement {
        if let statement = cache[sql] {
            statistics.reused += 1
            return statement
        }
        if cache.count >= Self.cacheLimit {
            for statement in cache.values { sqlite3_finalize(statement.pointer) }
            cache.removeAll(keepingCapacity: true)
        }
        var pointer: OpaquePointer?
        var code: Int32 = SQLITE_OK
        let trailing = sql.withCString { text -> Bool in
            var tail: UnsafePointer<CChar>?
            code = sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, &tail)
            return tail.map { String(cString: $0).contains(where: { !$0.isWhitespace && $0 != ";" }) } ?? false
        }
        guard code == SQLITE_OK, let pointer else {
            throw Self.error(code, String(cString: sqlite3_errmsg(handle)) + ": " + sql)
        }
        if trailing {
            sqlite3_finalize(pointer)
            throw DBError(.other, "one statement at a time (use executeScript for several): \(sql)")
        }
        let statement = Statement(pointer: pointer, indexes: try Self.parameterIndexes(pointer, sql))
        cache[sql] = statement
        statistics.prepared += 1
        return statement
    }

    /// Maps `$1`, `$2`, ... to SQLite's parameter indexes (which follow first appearance); plain
    /// `?` parameters keep their positions.
    private static func parameterIndexes(_ statement: OpaquePointer, _ sql: String) throws -> [Int32] {
        let count = sqlite3_bind_parameter_count(statement)
        guard count > 0 else { return [] }
        var indexes = [Int32](repeating: 0, count: Int(count))
        for index in 1...count {
            guard let name = sqlite3_bind_parameter_name(statement, index) else {
                indexes[Int(index) - 1] = index
                continue
            }
            let text = String(cString: name)
            guard text.first == "$", let number = Int(text.dropFirst()), number >= 1, number <= Int(count) else {
                sqlite3_finalize(statement)
                throw DBError(.other, "parameters are $1...$\(count); found \(text) in: \(sql)")
            }
            indexes[number - 1] = index
        }
        return indexes
    }

    static func error(_ code: Int32, _ message: String) -> DBError {
        // Extended codes (macros Swift does not import): SQLITE_CONSTRAINT | (n << 8).
        switch code {
        case 2067, 1555:  // _UNIQUE, _PRIMARYKEY
            return DBError(.uniqueViolation, sqlState: "23505", sqliteCode: code, message)
        case 787: return DBError(.other, sqlState: "23503", sqliteCode: code, message)  // _FOREIGNKEY
        case 1299: return DBError(.other, sqlState: "23502", sqliteCode: code, message)  // _NOTNULL
        case 275: return DBError(.other, sqlState: "23514", sqliteCode: code, message)  // _CHECK
        default:
            switch code & 0xff {
            case SQLITE_BUSY, SQLITE_LOCKED: return DBError(.busy, sqliteCode: code, message)
            case SQLITE_CANTOPEN: return DBError(.unavailable, sqliteCode: code, message)
            default: return DBError(.other, sqliteCode: code, message)
            }
        }
    }

    // Column readers for DBRow.

    static func columnCount(_ statement: OpaquePointer) -> Int { Int(sqlite3_column_count(statement)) }

    static func isNull(_ statement: OpaquePointer, _ column: Int) -> Bool {
        sqlite3_column_type(statement, Int32(column)) == SQLITE_NULL
    }

    static func int64(_ statement: OpaquePointer, _ column: Int) throws -> Int64 {
        switch sqlite3_column_type(statement, Int32(column)) {
        case SQLITE_INTEGER: return sqlite3_column_int64(statement, Int32(column))
        case SQLITE_FLOAT:
            let double = sqlite3_column_double(statement, Int32(column))
            guard let int = Int64(exactly: double) else {
                throw DBError.decoding(column: column, "\(double) is not an integer")
            }
            return int
        default:
            let text = string(statement, column)
            guard let int = Int64(text) else { throw DBError.decoding(column: column, "'\(text)' is not an integer") }
            return int
        }
    }

    static func double(_ statement: OpaquePointer, _ column: Int) throws -> Double {
        switch sqlite3_column_type(statement, Int32(column)) {
        case SQLITE_INTEGER, SQLITE_FLOAT: return sqlite3_column_double(statement, Int32(column))
        default:
            let text = string(statement, column)
            guard let double = Double(text) else { throw DBError.decoding(column: column, "'\(text)' is not a number") }
            return double
        }
    }

    static func string(_ statement: OpaquePointer, _ column: Int) -> String {
        guard let text = sqlite3_column_text(statement, Int32(column)) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    static func bytes(_ statement: OpaquePointer, _ column: Int) -> [UInt8] {
        guard let blob = sqlite3_column_blob(statement, Int32(column)) else { return [] }
        let count = Int(sqlite3_column_bytes(statement, Int32(column)))
        return [UInt8](UnsafeRawBufferPointer(start: blob, count: count))
    }
}
