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

/// Which certificate roles may call which methods: the per-method access table of docs/DESIGN.md.
///
/// Keys are full method paths (`/skills.v1.PaymentService/Disburse`) or a whole service
/// (`/skills.v1.PaymentService/*`); the most specific entry wins. A method with no entry is
/// refused, except the health service, which any verified caller may use.
public struct AccessTable: Sendable, Hashable {
    public var rules: [String: Set<String>]

    public init(_ rules: [String: Set<String>]) { self.rules = rules }

    public static let alwaysAllowedServices: Set<String> = [
        "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ]

    public func allows(role: String?, method: MethodDescriptor) -> Bool {
        if Self.alwaysAllowedServices.contains(method.service) { return true }
        guard let role else { return false }
        if let roles = rules[method.path] { return roles.contains(role) || roles.contains("*") }
        if let roles = rules["/\(method.service)/*"] { return roles.contains(role) || roles.contains("*") }
        return false
    }

    /// The methods of `service` that no entry covers: a call to one of them is always refused, so a
    /// method added to the contract without an entry here is a method nobody can call.
    public func methodsWithoutEntry(in service: ServiceDescriptor) -> [String] {
        if Self.alwaysAllowedServices.contains(service.name) || rules["/\(service.name)/*"] != nil { return [] }
        return service.methods.map(\.path).filter { rules[$0] == nil }
    }

    /// The entries under `service` that name no method of it (a typo, or a method since renamed).
    public func entriesWithoutMethod(in service: ServiceDescriptor) -> [String] {
        let paths = Set(service.methods.map(\.path)).union(["/\(service.name)/*"])
        return rules.keys.filter { $0.hasPrefix("/\(service.name)/") && !paths.contains($0) }.sorted()
    }
}

/// Refuses calls whose caller role the access table does not allow, with `PERMISSION_DENIED`.
public struct AuthorizationInterceptor: ServerInterceptor {
    public let table: AccessTable
    public init(table: AccessTable) { self.table = table }

    public func accept(_ context: ServerContext) throws(RPCError) {
        guard table.allows(role: context.peer.role, method: context.method) else {
            throw RPCError(
                .permissionDenied,
                "role '\(context.peer.role ?? "none")' (\(context.peer.commonName)) may not call \(context.method.path)"
            )
        }
    }
}
