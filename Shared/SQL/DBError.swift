/// A failure reported by the database or by this layer, classified so that callers (and each
/// service's *Error.swift mapping to gRPC status) can tell a duplicate key from a lost server.
public struct DBError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A unique or primary-key constraint rejected the row (PostgreSQL 23505; SQLite's
        /// SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY are reported with that state too).
        case uniqueViolation
        /// A serializable transaction lost a race (40001) or a deadlock was broken (40P01); the whole
        /// transaction may be retried (`Database.transaction` does so on PostgreSQL).
        case serializationFailure
        /// The connection broke while in use; whether an in-flight COMMIT took effect is unknown.
        case connectionLost
        /// No connection could be made (the server is down or refuses), or the database is closed.
        case unavailable
        /// The database is locked (SQLite busy past busy_timeout, PostgreSQL lock or statement timeout).
        case busy
        /// A column could not be read as the requested type.
        case decoding
        /// Anything else: a syntax error, another constraint, a misuse.
        case other
    }

    public let kind: Kind
    /// The SQLSTATE (PostgreSQL's, or its equivalent for SQLite constraint failures), when known.
    public let sqlState: String?
    /// SQLite's extended result code, when the error comes from SQLite.
    public let sqliteCode: Int32?
    public let message: String

    public init(_ kind: Kind, sqlState: String? = nil, sqliteCode: Int32? = nil, _ message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.sqliteCode = sqliteCode
        self.message = message
    }

    /// Whether the database could not be reached (lost or refused): UNAVAILABLE to a gRPC caller.
    public var isUnavailable: Bool { kind == .unavailable || kind == .connectionLost }

    public var description: String {
        var text = "\(kind)"
        if let sqlState { text += " [\(sqlState)]" }
        if let sqliteCode { text += " (sqlite \(sqliteCode))" }
        return text + ": " + message
    }

    static func decoding(column: Int, _ message: String) -> DBError {
        DBError(.decoding, "column \(column): \(message)")
    }

    /// The kind PostgreSQL's SQLSTATE stands for.
    static func kind(sqlState: String) -> Kind {
        switch sqlState {
        case "23505": return .uniqueViolation
        case "40001", "40P01": return .serializationFailure
        case "57P03": return .unavailable
        case "57P01", "57P02": return .connectionLost
        case "55P03", "57014": return .busy
        default: return sqlState.hasPrefix("08") ? .connectionLost : .other
        }
    }
}
