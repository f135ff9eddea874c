import CLibPQ
import Glibc

/// A blocking connection to PostgreSQL through libpq, with a cache of server-side prepared
/// statements keyed by SQL text (named `s1`, `s2`, ... on this session). Parameters are sent as
/// text (bytes in binary) with their types inferred by the server; results come back as text.
/// Used by one thread at a time.
public final class LibPQConnection: DBConnection {
    public var dialect: DBDialect { .postgres }
    private let handle: OpaquePointer
    private var cache: [String: String] = [:]
    private var nextName = 1
    private var statistics = DBStatementStatistics(prepared: 0, reused: 0, cached: 0)
    private let responseTimeoutMilliseconds: Int
    /// Set when the server did not answer in time: the session is in an unknown state.
    private var abandoned = false

    /// Connects (blocking, bounded by the conninfo's `connect_timeout`). Throws `.unavailable`.
    /// - Parameter responseTimeoutMilliseconds: the longest a prepared statement waits for the
    ///   server's answer before the connection counts as lost (0: no limit). It bounds a call when
    ///   the server hangs with its sockets open, which neither TCP timeouts nor the server's own
    ///   statement_timeout catch.
    public init(conninfo: String, responseTimeoutMilliseconds: Int = 0) throws {
        self.responseTimeoutMilliseconds = responseTimeoutMilliseconds
        guard let handle = PQconnectdb(conninfo) else { throw DBError(.unavailable, "libpq: out of memory") }
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

    /// Whether the session is inside a transaction block (or a failed one) right now.
    var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    public var statementStatistics: DBStatementStatistics {
        var statistics = statistics
        statistics.cached = cache.count
        return statistics
    }

    public func executeScript(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func execute(_ sql: String, _ binds: [DBValue]) throws -> Int {
        let result = try run(sql, binds)
        defer { PQclear(result) }
        guard let tuples = PQcmdTuples(result), tuples.pointee != 0 else { return 0 }
        return Int(String(cString: tuples)) ?? 0
    }

    public func query(_ sql: String, _ binds: [DBValue], _ row: (DBRow) throws -> Void) throws {
        let result = try run(sql, binds)
        defer { PQclear(result) }
        let rows = PQntuples(result)
        var index: Int32 = 0
        while index < rows {
            try row(DBRow(source: .postgres(result: result, row: index)))
            index += 1
        }
    }

    /// Runs a cached statement; the caller clears the result.
    private func run(_ sql: String, _ binds: [DBValue]) throws -> OpaquePointer {
        let name = try prepared(sql)
        // One buffer for every parameter's bytes (NUL-terminated text, or raw bytes).
        // Starts non-empty so that an empty value still gets a non-NULL pointer.
        var buffer: [UInt8] = [0]
        var offsets: [Int] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        offsets.reserveCapacity(binds.count)
        for value in binds {
            var format: Int32 = 0
            let start = buffer.count
            switch value {
            case .null:
                offsets.append(-1)
                lengths.append(0)
                formats.append(0)
                continue
            case .int(let int): buffer.append(contentsOf: String(int).utf8)
            case .bool(let bool): buffer.append(bool ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            case .double(let double): buffer.append(contentsOf: Self.text(double).utf8)
            case .text(let text): buffer.append(contentsOf: text.utf8)
            case .bytes(let bytes):
                buffer.append(contentsOf: bytes)
                format = 1
            }
            lengths.append(Int32(buffer.count - start))
            if format == 0 { buffer.append(0) }
            offsets.append(start)
            formats.append(format)
        }
        let sent = buffer.withUnsafeBufferPointer { storage in
            let base = storage.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in offset < 0 ? nil : base.map { $0 + offset } }
            return PQsendQueryPrepared(handle, name, Int32(binds.count), values, lengths, formats, 0)
        }
        guard sent == 1, let result = try awaitResult() else { throw lostOrOther(sql) }
        do {
            try check(result, sql)
        } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    private func prepared(_ sql: String) throws -> String {
        if let name = cache[sql] {
            statistics.reused += 1
            return name
        }
        if cache.count >= SQLite3Connection.cacheLimit {
            try executeScript("DEALLOCATE ALL")
            cache.removeAll(keepingCapacity: true)
        }
        let name = "s\(nextName)"
        nextName += 1
        guard PQsendPrepare(handle, name, sql, 0, nil) == 1, let result = try awaitResult() else {
            throw lostOrOther(sql)
        }
        defer { PQclear(result) }
        try check(result, sql)
        cache[sql] = name
        statistics.prepared += 1
        return name
    }

    /// The first result of what was just sent (the rest are cleared), waiting at most the
    /// response timeout for each part of the answer.
    private func awaitResult() throws -> OpaquePointer? {
        let deadline = ContinuousClock.now + .milliseconds(responseTimeoutMilliseconds)
        var first: OpaquePointer?
        do {
            while true {
                try waitUntilReadable(deadline)
                guard let result = PQgetResult(handle) else { return first }
                if first == nil { first = result } else { PQclear(result) }
            }
        } catch {
            PQclear(first)
            throw error
        }
    }

    private func waitUntilReadable(_ deadline: ContinuousClock.Instant) throws {
        while PQisBusy(handle) == 1 {
            var timeout: Int32 = -1
            if responseTimeoutMilliseconds > 0 {
                let remaining = (deadline - .now).components
                let milliseconds = remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000
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
            guard PQconsumeInput(handle) == 1 else { throw DBError(.connectionLost, Self.message(handle)) }
        }
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

    // Column readers for DBRow (text format).

    static func columnCount(_ result: OpaquePointer) -> Int { Int(PQnfields(result)) }

    static func isNull(_ result: OpaquePointer, _ row: Int32, _ column: Int) -> Bool {
        PQgetisnull(result, row, Int32(column)) == 1
    }

    private static func value(_ result: OpaquePointer, _ row: Int32, _ column: Int) -> UnsafeBufferPointer<UInt8> {
        guard let pointer = PQgetvalue(result, row, Int32(column)) else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        let count = Int(PQgetlength(result, row, Int32(column)))
        return UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: count)
    }

    static func string(_ result: OpaquePointer, _ row: Int32, _ column: Int) -> String {
        String(decoding: value(result, row, column), as: UTF8.self)
    }

    static func int64(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> Int64 {
        let bytes = value(result, row, column)
        var index = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        guard index < bytes.count else {
            throw DBError.decoding(column: column, "'\(string(result, row, column))' is not an integer")
        }
        var magnitude: UInt64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else {
                throw DBError.decoding(column: column, "'\(string(result, row, column))' is not an integer")
            }
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw DBError.decoding(column: column, "out of range for Int64") }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else {
                throw DBError.decoding(column: column, "out of range for Int64")
            }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw DBError.decoding(column: column, "out of range for Int64") }
        return Int64(magnitude)
    }

    static func double(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> Double {
        let text = string(result, row, column)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let double = Double(text) else { throw DBError.decoding(column: column, "'\(text)' is not a number") }
            return double
        }
    }

    static func bool(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> Bool {
        let bytes = value(result, row, column)
        switch bytes.first {
        case UInt8(ascii: "t") where bytes.count == 1: return true
        case UInt8(ascii: "f") where bytes.count == 1: return false
        default:
            // An integer column read as a flag.
            return try int64(result, row, column) != 0
        }
    }

    /// A bytea column in PostgreSQL's hex output format (`\x0a1b...`).
    static func bytes(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> [UInt8] {
        let text = value(result, row, column)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            // Not bytea: the column's text itself.
            return Array(text)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((text.count - 2) / 2)
        var index = 2
        while index < text.count {
            guard let high = hexDigit(text[index]), let low = hexDigit(text[index + 1]) else {
                throw DBError.decoding(column: column, "malformed bytea")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    fileprivate func trimmingSuffixWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
