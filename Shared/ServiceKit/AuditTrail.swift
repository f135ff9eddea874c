import SQL
import Schema

/// The append-only record of every change: who (the certificate identity), what (method and
/// entity ids), when, and the request_id. Written in the same transaction as the change itself.
public struct AuditTrail: Sendable {
    public struct Entry: Sendable, Equatable {
        public var seq: Int64
        public var at: String
        public var caller: String
        public var role: String
        public var method: String
        public var entity: String
        public var requestId: String
        public var detail: String
    }

    public let database: Database
    public init(database: Database) { self.database = database }

    /// Appends an entry inside the caller's transaction (on PostgreSQL it goes to the server with
    /// the transaction's next statement or its COMMIT). `at` defaults to now.
    public static func record(
        on connection: any DBConnection, context: ServerContext, entity: String, requestID: String,
        detail: String = "", at: String = Timestamps.nowRFC3339()
    ) throws {
        try connection.executeDeferred(
            """
            INSERT INTO audit_log (at, caller, role, method, entity, request_id, detail)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            at, context.peer.commonName, context.peer.role?.rawValue ?? "", context.method.path,
            entity, requestID, detail)
    }

    /// The entries about one entity, oldest first.
    public func entries(entity: String) async throws -> [Entry] {
        try await database.read { connection in
            try connection.all(Self.select + " WHERE entity = $1 ORDER BY seq", entity, decode: Self.entry)
        }
    }

    /// The newest `limit` entries, newest first.
    public func recent(limit: Int) async throws -> [Entry] {
        try await database.read { connection in
            try connection.all(Self.select + " ORDER BY seq DESC LIMIT $1", limit, decode: Self.entry)
        }
    }

    private static let select = "SELECT seq, at, caller, role, method, entity, request_id, detail FROM audit_log"

    private static func entry(_ row: DBRow) throws -> Entry {
        Entry(
            seq: try row.int64(0), at: try row.string(1), caller: try row.string(2), role: try row.string(3),
            method: try row.string(4), entity: try row.string(5), requestId: try row.string(6),
            detail: try row.string(7))
    }
}
