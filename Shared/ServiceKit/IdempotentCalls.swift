import SQL
import Schema

/// Makes mutating calls idempotent through their client-supplied `request_id`.
///
/// A call runs as one transaction that runs the body, stores the response under
/// (caller, method, request_id) and appends to the audit trail: one trip to the database's thread,
/// however many statements. A retry with the same request_id gets the stored response and changes
/// nothing, also after a restart. Reusing a request_id for a different request is refused with
/// `INVALID_ARGUMENT`. Two copies of one request racing (say, through two replicas) commit once.
///
/// The transaction does not look for a stored answer before the body: the INSERT under the key
/// tells. Almost every call is a first call, for which that look-up would be a statement spent on
/// nothing. A retry (or a racing copy's loser) fails on the key, or earlier on a state the first
/// call changed; its transaction rolls back, and only then is the stored answer read and returned.
/// So a retry runs the body once more, to no effect, which is why the body must have no effect
/// outside the database (on PostgreSQL a serialisation failure runs it again anyway).
///
/// A handler that must answer a retry before doing other work (calling another service) looks
/// first with `lookUp` and passes what it found to `run(after:)`.
public struct IdempotentCalls: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// The longest request_id accepted.
    public static let maxRequestIDLength = 128

    /// - Parameters:
    ///   - entity: the id(s) the change is about, for the audit trail (from the response).
    ///   - body: the change, run inside the transaction on the connection's thread. On PostgreSQL it
    ///     may run more than once (a serialisation failure retries the transaction), so it must have
    ///     no effect outside the database.
    public func run<Request: ProtoMessage, Response: ProtoMessage>(
        _ request: Request, requestID: String, context: ServerContext,
        isolation: Database.Isolation = .serializable,
        entity: @escaping @Sendable (Response) -> String,
        detail: @escaping @Sendable (Response) -> String = { _ in "" },
        _ body: @escaping @Sendable (any DBConnection) throws -> Response
    ) async throws -> Response {
        let key = try Key(request, requestID: requestID, context: context)
        return try await store(key, context: context, isolation: isolation, entity: entity, detail: detail, body)
    }

    /// Looks for the answer already given to this request before the handler does work it must not
    /// repeat (say, a call to another service): a retry is then answered without it, also while
    /// that service is down. Pass what it returns to `run(after:...)`. Throws like `run` for a
    /// missing or reused request_id. A look-up by key, so it runs on the caller's thread where it
    /// can (`Database.readInline`).
    public func lookUp<Request: ProtoMessage, Response: ProtoMessage>(
        _ request: Request, requestID: String, context: ServerContext, as type: Response.Type = Response.self
    ) async throws -> Lookup<Response> {
        let key = try Key(request, requestID: requestID, context: context)
        let previous: Response? = try await database.readInline { try key.storedResponse(on: $0) }
        return Lookup(previous: previous, key: key, context: context)
    }

    /// Runs the call `lookUp` found unanswered, as `run` does, under the key it looked up: a racing
    /// copy that stored an answer since fails this one's INSERT on that key, the transaction rolls
    /// back, and the caller gets that copy's answer (or `INVALID_ARGUMENT` when it answered a
    /// different request under the same request_id). Given a lookup that found an answer, returns
    /// that answer and runs nothing.
    public func run<Response: ProtoMessage>(
        after lookup: Lookup<Response>,
        isolation: Database.Isolation = .serializable,
        entity: @escaping @Sendable (Response) -> String,
        detail: @escaping @Sendable (Response) -> String = { _ in "" },
        _ body: @escaping @Sendable (any DBConnection) throws -> Response
    ) async throws -> Response {
        if let previous = lookup.previous { return previous }
        return try await store(
            lookup.key, context: lookup.context, isolation: isolation, entity: entity, detail: detail, body)
    }

    /// What `lookUp` found for one call: the answer already given, if any, and the call's key, so
    /// that `run(after:)` stores under exactly the key that was looked up.
    public struct Lookup<Response: ProtoMessage>: Sendable {
        /// The answer stored for this request_id, nil when the call has not been answered yet.
        public let previous: Response?
        fileprivate let key: Key
        fileprivate let context: ServerContext
    }

    /// Runs `body` and stores its answer and audit row in one transaction; when that fails, the
    /// answer stored under `key`, if any.
    private func store<Response: ProtoMessage>(
        _ key: Key, context: ServerContext, isolation: Database.Isolation,
        entity: @escaping @Sendable (Response) -> String, detail: @escaping @Sendable (Response) -> String,
        _ body: @escaping @Sendable (any DBConnection) throws -> Response
    ) async throws -> Response {
        do {
            return try await database.transaction(isolation: isolation) { connection in
                let response = try body(connection)
                let now = Timestamps.nowRFC3339()
                // Deferred: on PostgreSQL these two rows go with the COMMIT (a racing copy's
                // unique-key failure then surfaces there, and is handled below all the same),
                // as one statement: a Bind and Execute fewer for the server on every call.
                if connection.dialect == .postgres {
                    try connection.executeDeferred(
                        Self.storeAndAudit, key.caller, key.method, key.requestID, key.hash,
                        response.serializedBytes(), now, context.peer.role?.rawValue ?? "", entity(response),
                        detail(response))
                    return response
                }
                try connection.executeDeferred(
                    """
                    INSERT INTO idempotency (caller, method, request_id, request_hash, response, at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    """,
                    key.caller, key.method, key.requestID, key.hash, response.serializedBytes(), now)
                try AuditTrail.record(
                    on: connection, context: context, entity: entity(response), requestID: key.requestID,
                    detail: detail(response), at: now)
                return response
            }
        } catch {
            // A retry, or a racing copy of this request (a retry through another replica) that
            // committed first: the body then fails on the idempotency key, on another unique key or
            // on a state the first call changed (a tranche already paid), and the caller is owed
            // the stored answer, or INVALID_ARGUMENT when it answered a different request under
            // this key. Otherwise the body's own error is the one worth reporting.
            let stored: Response?
            do {
                stored = try await database.readInline { try key.storedResponse(on: $0) }
            } catch let refusal as RPCError where refusal.code == .invalidArgument {
                throw refusal
            } catch {
                stored = nil
            }
            if let stored { return stored }
            throw error
        }
    }

    /// PostgreSQL: the stored answer and its audit row (`AuditTrail.record`) in one statement.
    private static let storeAndAudit = """
        WITH stored AS (
            INSERT INTO idempotency (caller, method, request_id, request_hash, response, at)
            VALUES ($1, $2, $3, $4, $5, $6))
        INSERT INTO audit_log (at, caller, role, method, entity, request_id, detail)
        VALUES ($6, $1, $7, $2, $8, $3, $9)
        """

    /// Refuses a missing or over-long request_id.
    static func check(requestID: String) throws {
        guard !requestID.isEmpty else {
            throw RPCError(.invalidArgument, "request_id: required (every mutating call carries an idempotency key)")
        }
        guard requestID.utf8.count <= maxRequestIDLength else {
            throw RPCError(.invalidArgument, "request_id: longer than \(maxRequestIDLength) bytes")
        }
    }

    /// A 64-bit FNV-1a fingerprint of the request bytes, to tell a retry from a reused key.
    static func fingerprint(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Where a call's answer is stored, and the fingerprint of the request it answered.
    fileprivate struct Key: Sendable {
        let caller: String
        let method: String
        let requestID: String
        let hash: String

        init<Request: ProtoMessage>(_ request: Request, requestID: String, context: ServerContext) throws {
            try IdempotentCalls.check(requestID: requestID)
            self.caller = context.peer.commonName
            self.method = context.method.path
            self.requestID = requestID
            self.hash = IdempotentCalls.fingerprint(request.serializedBytes())
        }

        func storedResponse<Response: ProtoMessage>(on connection: any DBConnection) throws -> Response? {
            let row = try connection.first(
                "SELECT request_hash, response FROM idempotency WHERE caller = $1 AND method = $2 AND request_id = $3",
                caller, method, requestID
            ) { (hash: try $0.string(0), response: try $0.bytes(1)) }
            guard let row else { return nil }
            guard row.hash == hash else {
                throw RPCError(
                    .invalidArgument, "request_id: '\(requestID)' was already used for a different \(method) request")
            }
            return try Response(serializedBytes: row.response)
        }
    }
}
