import Foundation
import SQLKit
import Schema
import Storage

/// The append-only record of every change: who (the certificate identity), what (method and
/// entity ids), when, and the request_id. Written in the same transaction as the change itself.
public struct AuditTrail: Sendable {
    public struct Entry: Sendable, Equatable, Codable {
        public var seq: Int64
        public var at: String
        public var caller: String
        public var role: String
        public var method: String
        public var entity: String
        public var requestId: String
        public var detail: String

        enum CodingKeys: String, CodingKey {
            case seq, at, caller, role, method, entity, detail
            case requestId = "request_id"
        }
    }

    public let store: SQLStore
    public init(store: SQLStore) { self.store = store }

    /// Appends an entry inside the caller's transaction.
    public static func record(
        in db: any SQLDatabase, context: ServerContext, entity: String, requestID: String,
        detail: String = ""
    ) async throws {
        let at = Timestamps.nowRFC3339()
        try await db.raw(
            """
            INSERT INTO audit_log (at, caller, role, method, entity, request_id, detail)
            VALUES (\(bind: at), \(bind: context.peer.commonName), \(bind: context.peer.role ?? ""),
                    \(bind: context.method.path), \(bind: entity), \(bind: requestID), \(bind: detail))
            """
        ).run()
    }

    /// The entries about one entity, oldest first.
    public func entries(entity: String) async throws -> [Entry] {
        try await store.read { db in
            try await db.raw(
                "SELECT seq, at, caller, role, method, entity, request_id, detail FROM audit_log WHERE entity = \(bind: entity) ORDER BY seq"
            )
            .all(decoding: Entry.self)
        }
    }

    /// The newest `limit` entries, newest first.
    public func recent(limit: Int) async throws -> [Entry] {
        try await store.read { db in
            try await db.raw(
                "SELECT seq, at, caller, role, method, entity, request_id, detail FROM audit_log ORDER BY seq DESC LIMIT \(bind: limit)"
            )
            .all(decoding: Entry.self)
        }
    }
}
