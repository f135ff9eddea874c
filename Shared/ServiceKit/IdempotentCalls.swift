import SQL
import Schema

/// Makes mutating calls idempotent through their client-supplied `request_id`.
///
/// A call runs as one transaction that first looks for a stored answer under
/// (caller, method, request_id), and otherwise runs the body, stores the response under that key and
/// appends to the audit trail: one trip to the database's thread, however many statements. A retry
/// with the same request_id gets the stored response and changes nothing, also after a restart.
/// Reusing a request_id for a different request is refused with `INVALID_ARGUMENT`. Two copies of
/// one request racing (say, through two replicas) commit once: the loser's transaction fails on the
/// key (or on a state the winner changed) and returns the winner's response.
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
        do {
            return try await database.transaction(isolation: isolation) { connection in
                if let stored: Response = try key.storedResponse(on: connection) { return stored }
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
                    on: connection, context: context, entity: entity(response), requestID: requestID,
                    detail: detail(response), at: now)
                return response
            }
        } catch {
            // On PostgreSQL a racing copy of this request (a retry through another replica) may
            // have committed first: the body then fails on a unique key or on a state the winner
            // changed (a tranche already paid), and the caller is owed the winner's answer. When
            // that look-up fails too, the body's own error is the one worth reporting. SQLite runs
            // write transactions one at a time, so the look-up inside this one already saw any
            // winner: a refusal there costs no second trip.
            if database.dialect == .postgres,
                let stored: Response = try? await database.read({ try key.storedResponse(on: $0) })
            {
                return stored
            }
            throw error
        }
    }

    /// The answer already given to this request, if any: lets a handler skip work it must not
    /// repeat before `run` (for example a call to another service). Throws like `run` for a
    /// missing or reused request_id. A look-up by key, so it runs on the caller's thread where it
    /// can (`Database.readInline`).
    public func previousResponse<Request: ProtoMessage, Response: ProtoMessage>(
        to request: Request, requestID: String, context: ServerContext, as type: Response.Type = Response.self
    ) async throws -> Response? {
        let key = try Key(request, requestID: requestID, context: context)
        return try await database.readInline { try key.storedResponse(on: $0) }
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
    private struct Key: Sendable {
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
