/// The SQL dialect a statement is written for. Parameters are `$1`, `$2`, ... in both.
public enum DBDialect: String, Sendable {
    case sqlite
    case postgres

    /// The column type for binary data.
    public var blob: String { self == .sqlite ? "BLOB" : "BYTEA" }
    /// An auto-incrementing 64-bit primary key.
    public var serialPrimaryKey: String {
        self == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
    }
}

/// One open connection, lent to a `Database.transaction` or `read` body on the thread that owns it.
///
/// Not Sendable, and valid only inside the body it was given to: every statement runs
/// synchronously on the calling thread. Each distinct SQL text is prepared (parsed and planned)
/// once per connection and then reused from the connection's cache.
public protocol DBConnection: AnyObject {
    var dialect: DBDialect { get }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ binds: [DBValue]) throws -> Int

    /// Runs one statement and calls `row` for each result row, in order. The row is a cursor over
    /// the current result: read its columns inside `row`, never keep it.
    func query(_ sql: String, _ binds: [DBValue], _ row: (DBRow) throws -> Void) throws

    /// Runs SQL text without preparing or caching it (DDL, pragmas; several statements allowed).
    func executeScript(_ sql: String) throws

    /// Runs a write whose result the caller does not need. Inside a PostgreSQL transaction it is
    /// queued to go to the server with the next statement or the COMMIT (a round trip fewer), so
    /// its error, if any, is thrown by that later call; elsewhere it runs at once.
    func executeDeferred(_ sql: String, _ binds: [DBValue]) throws

    /// How many statements this connection has prepared (parsed) so far, and how many runs reused
    /// a cached one instead.
    var statementStatistics: DBStatementStatistics { get }
}

/// Counters of a connection's statement cache.
public struct DBStatementStatistics: Sendable, Equatable {
    /// Statements parsed and planned (cache misses).
    public var prepared: Int
    /// Runs that found their statement in the cache.
    public var reused: Int
    /// Statements in the cache now.
    public var cached: Int
}

extension DBConnection {
    @discardableResult
    public func execute(_ sql: String, _ binds: any DBBindable...) throws -> Int {
        try execute(sql, binds.map(\.dbValue))
    }

    public func executeDeferred(_ sql: String, _ binds: [DBValue]) throws { try execute(sql, binds) }

    public func executeDeferred(_ sql: String, _ binds: any DBBindable...) throws {
        try executeDeferred(sql, binds.map(\.dbValue))
    }

    /// Every result row, read into the caller's type by `decode`.
    public func all<T>(_ sql: String, _ binds: any DBBindable..., decode: (DBRow) throws -> T) throws -> [T] {
        var rows: [T] = []
        try query(sql, binds.map(\.dbValue)) { rows.append(try decode($0)) }
        return rows
    }

    /// The first result row, read into the caller's type by `decode`, or nil when there is none.
    public func first<T>(_ sql: String, _ binds: any DBBindable..., decode: (DBRow) throws -> T) throws -> T? {
        var first: T?
        try query(sql, binds.map(\.dbValue)) { row in
            if first == nil { first = try decode(row) }
        }
        return first
    }
}

/// The current row of a result: columns by position (0-based), read without an intermediate
/// representation. Valid only inside the callback that received it.
public struct DBRow {
    enum Source {
        case sqlite(OpaquePointer)
        case postgres(result: OpaquePointer, row: Int32)
    }

    let source: Source

    public var columnCount: Int {
        switch source {
        case .sqlite(let statement): return SQLite3Connection.columnCount(statement)
        case .postgres(let result, _): return LibPQConnection.columnCount(result)
        }
    }

    public func isNull(_ column: Int) -> Bool {
        switch source {
        case .sqlite(let statement): return SQLite3Connection.isNull(statement, column)
        case .postgres(let result, let row): return LibPQConnection.isNull(result, row, column)
        }
    }

    public func int64(_ column: Int) throws -> Int64 {
        try checkPresent(column)
        switch source {
        case .sqlite(let statement): return try SQLite3Connection.int64(statement, column)
        case .postgres(let result, let row): return try LibPQConnection.int64(result, row, column)
        }
    }

    public func double(_ column: Int) throws -> Double {
        try checkPresent(column)
        switch source {
        case .sqlite(let statement): return try SQLite3Connection.double(statement, column)
        case .postgres(let result, let row): return try LibPQConnection.double(result, row, column)
        }
    }

    public func string(_ column: Int) throws -> String {
        try checkPresent(column)
        switch source {
        case .sqlite(let statement): return SQLite3Connection.string(statement, column)
        case .postgres(let result, let row): return LibPQConnection.string(result, row, column)
        }
    }

    public func bool(_ column: Int) throws -> Bool {
        try checkPresent(column)
        switch source {
        case .sqlite(let statement): return try SQLite3Connection.int64(statement, column) != 0
        case .postgres(let result, let row): return try LibPQConnection.bool(result, row, column)
        }
    }

    public func bytes(_ column: Int) throws -> [UInt8] {
        try checkPresent(column)
        switch source {
        case .sqlite(let statement): return SQLite3Connection.bytes(statement, column)
        case .postgres(let result, let row): return try LibPQConnection.bytes(result, row, column)
        }
    }

    /// A column as any `DBColumnDecodable` type; an Optional type reads NULL as nil.
    public func get<T: DBColumnDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        try T.decode(self, column)
    }

    private func checkPresent(_ column: Int) throws {
        guard column >= 0, column < columnCount else {
            throw DBError.decoding(column: column, "no such column (the result has \(columnCount))")
        }
        if isNull(column) { throw DBError.decoding(column: column, "NULL (read it as an Optional)") }
    }
}
