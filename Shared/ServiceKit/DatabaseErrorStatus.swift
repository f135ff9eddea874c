import SQL
import Schema

/// The status a caller sees when the database, not the request, failed: the one mapping of
/// `DBError` to gRPC, shared by every service. Lost or refused connections and lock timeouts are
/// UNAVAILABLE (worth retrying, after a pause, with the same request_id); a lost race is ABORTED;
/// anything else is INTERNAL, without the database's text.
extension DBError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch kind {
        case .unavailable, .connectionLost:
            return RPCError(.unavailable, "the database is unavailable; retry with the same request_id")
        case .busy:
            return RPCError(.unavailable, "the database is busy; retry with the same request_id")
        case .serializationFailure, .uniqueViolation:
            return RPCError(.aborted, "a concurrent change conflicted with this call; retry with the same request_id")
        case .decoding, .other:
            return RPCError(.internalError, "internal error (database)")
        }
    }
}
