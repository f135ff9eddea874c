import Schema

/// Which certificate roles may call which methods: the per-method access table of docs/DESIGN.md.
///
/// Entries are keyed by the generated method descriptors (`PaymentService.Method.disburse.descriptor`),
/// or cover every method of a service (test servers). A method's own entry wins over its service's.
/// A method with no entry is refused to every caller, except the health and reflection services,
/// which any verified caller may use; `methodsWithoutEntry` lets a test catch a method added to the
/// contract without an entry.
public struct AccessTable: Sendable, Hashable {
    /// Who may call a method.
    public enum Callers: Sendable, Hashable, ExpressibleByArrayLiteral {
        /// Any caller whose verified certificate names a role (an anonymous caller is refused).
        case anyone
        /// Callers whose certificate has one of these roles.
        case only(Set<Role>)

        public init(arrayLiteral roles: Role...) { self = .only(Set(roles)) }

        public func admit(_ role: Role?) -> Bool {
            switch self {
            case .anyone: return role != nil
            case .only(let roles): return role.map(roles.contains) ?? false
            }
        }
    }

    private let methods: [String: Callers]
    private let services: [String: Callers]

    /// - Parameters:
    ///   - entries: who may call each method.
    ///   - everyMethodOf: who may call any method of a service (by its full name) without an entry of its own.
    public init(_ entries: [MethodDescriptor: Callers], everyMethodOf services: [String: Callers] = [:]) {
        self.methods = Dictionary(uniqueKeysWithValues: entries.map { ($0.key.path, $0.value) })
        self.services = services
    }

    /// The services every verified caller may use: health checks and reflection.
    public static let alwaysAllowedServices: Set<String> = [
        "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ]

    public func allows(_ role: Role?, toCall method: MethodDescriptor) -> Bool {
        // The method's own entry first: a call it admits (nearly every call) costs one look-up.
        if let callers = methods[method.path] {
            return callers.admit(role) || Self.alwaysAllowedServices.contains(method.service)
        }
        if Self.alwaysAllowedServices.contains(method.service) { return true }
        return services[method.service]?.admit(role) ?? false
    }

    /// The methods of `service` that no entry covers: a call to one of them is always refused, so a
    /// method added to the contract without an entry here is a method nobody can call.
    public func methodsWithoutEntry(in service: ServiceDescriptor) -> [String] {
        if Self.alwaysAllowedServices.contains(service.name) || services[service.name] != nil { return [] }
        return service.methods.map(\.path).filter { methods[$0] == nil }
    }

    /// The entries under `service` that name no method of it (a method since renamed or removed).
    public func entriesWithoutMethod(in service: ServiceDescriptor) -> [String] {
        let paths = Set(service.methods.map(\.path))
        return methods.keys.filter { $0.hasPrefix("/\(service.name)/") && !paths.contains($0) }.sorted()
    }
}
