import Schema

/// A hook around every call a server serves: authorization, request logs, metrics.
///
/// `accept` runs before the handler (on the connection's event loop, so keep it cheap) and can
/// refuse the call by throwing an `RPCError`; `completed` runs once the status is sent.
public protocol ServerInterceptor: Sendable {
    func accept(_ context: ServerContext) throws(RPCError)
    func completed(_ context: ServerContext, code: StatusCode, message: String, duration: Duration)
}

extension ServerInterceptor {
    public func accept(_ context: ServerContext) throws(RPCError) {}
    public func completed(_ context: ServerContext, code: StatusCode, message: String, duration: Duration) {}
}

/// Refuses calls whose caller role the access table does not allow, with `PERMISSION_DENIED`.
public struct AuthorizationInterceptor: ServerInterceptor {
    public let table: AccessTable
    public init(table: AccessTable) { self.table = table }

    public func accept(_ context: ServerContext) throws(RPCError) {
        guard table.allows(context.peer.role, toCall: context.method) else {
            throw RPCError(
                .permissionDenied,
                "role '\(context.peer.role?.rawValue ?? "none")' (\(context.peer.commonName)) may not call \(context.method.path)"
            )
        }
    }
}
