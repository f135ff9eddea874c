import Foundation
import SQLKit
import Schema
import Storage

/// `IdempotentCalls` over the sql-kit `Storage` layer, for the services not yet moved to `SQL`
/// (issue 14); removed with `Storage`. Same tables, same behaviour.
///
/// The first call runs its body in a transaction that also stores the response under
/// (caller, method, request_id) and appends to the audit trail; a retry with the same request_id
/// gets the stored response and changes nothing, also after a restart. Reusing a request_id for a
/// different request is refused with `INVALID_ARGUMENT`. Two copies of one request racing (say,
/// through two replicas) commit once: the loser's transaction fails on the key and returns the
/// winner's response.
public struct LegacyIdempotentCalls: Sendable {
    public let store: SQLStore
    public init(store: SQLStore) { self.store = store }

    /// - Parameters:
    ///   - entity: the id(s) the change is about, for the audit trail (from the response).
    ///   - body: the change, run inside the transaction.
    public func run<Request: ProtoMessage, Response: ProtoMessage>(
        _ request: Request, requestID: String, context: ServerContext, isolation: SQLStore.Isolation = .serializable,
        entity: @escaping @Sendable (Response) -> String,
        detail: @escaping @Sendable (Response) -> String = { _ in "" },
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Response
    ) async throws -> Response {
        try IdempotentCalls.check(requestID: requestID)
        let caller = context.peer.commonName
        let method = context.method.path
        let hash = IdempotentCalls.fingerprint(request.serializedBytes())
        if let stored: Response = try await storedResponse(
            caller: caller, method: method, requestID: requestID, hash: hash)
        {
            return stored
        }
        do {
            return try await store.transaction(isolation: isolation) { db in
                let response = try await body(db)
                try await db.raw(
                    """
                    INSERT INTO idempotency (caller, method, request_id, request_hash, response, at)
                    VALUES (\(bind: caller), \(bind: method), \(bind: requestID), \(bind: hash),
                            \(bind: Data(response.serializedBytes())), \(bind: Timestamps.nowRFC3339()))
                    """
                ).run()
                try await Self.recordAudit(
                    in: db, context: context, entity: entity(response), requestID: requestID,
                    detail: detail(response))
                return response
            }
        } catch {
            // A racing copy of this request (a retry through another replica) may have committed
            // first: the body then fails on a unique key or on a state the winner changed (a
            // tranche already paid), and the caller is owed the winner's answer. When that look-up
            // fails too, the body's own error is the one worth reporting.
            if let stored: Response = try? await storedResponse(
                caller: caller, method: method, requestID: requestID, hash: hash)
            {
                return stored
            }
            throw error
        }
    }

    /// The answer already given to this request, if any: lets a handler skip work it must not
    /// repeat before `run` (for example a call to another service). Throws like `run` for a
    /// missing or reused request_id.
    public func previousResponse<Request: ProtoMessage, Response: ProtoMessage>(
        to request: Request, requestID: String, context: ServerContext, as type: Response.Type = Response.self
    ) async throws -> Response? {
        guard !requestID.isEmpty else {
            throw RPCError(.invalidArgument, "request_id: required (every mutating call carries an idempotency key)")
        }
        return try await storedResponse(
            caller: context.peer.commonName, method: context.method.path, requestID: requestID,
            hash: IdempotentCalls.fingerprint(request.serializedBytes()))
    }

    private func storedResponse<Response: ProtoMessage>(
        caller: String, method: String, requestID: String,
        hash: String
    ) async throws -> Response? {
        let row = try await store.read { db in
            try await db.raw(
                """
                SELECT request_hash, response FROM idempotency
                WHERE caller = \(bind: caller) AND method = \(bind: method) AND request_id = \(bind: requestID)
                """
            ).first(decoding: StoredResponseRow.self)
        }
        guard let row else { return nil }
        guard row.request_hash == hash else {
            throw RPCError(
                .invalidArgument, "request_id: '\(requestID)' was already used for a different \(method) request")
        }
        return try Response(serializedBytes: row.response)
    }

}

extension LegacyIdempotentCalls {
    static func recordAudit(
        in db: any SQLDatabase, context: ServerContext, entity: String, requestID: String, detail: String
    ) async throws {
        try await db.raw(
            """
            INSERT INTO audit_log (at, caller, role, method, entity, request_id, detail)
            VALUES (\(bind: Timestamps.nowRFC3339()), \(bind: context.peer.commonName), \(bind: context.peer.role ?? ""),
                    \(bind: context.method.path), \(bind: entity), \(bind: requestID), \(bind: detail))
            """
        ).run()
    }
}

private struct StoredResponseRow: Decodable {
    var request_hash: String
    var response: Data
}
