/// The four kinds of gRPC call.
public enum CallKind: String, Sendable, Hashable {
    case unary
    case serverStreaming
    case clientStreaming
    case bidirectionalStreaming
}

/// One method of a service: its gRPC path and kind, as written in `Protos/`.
public struct MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The fully qualified service name, e.g. `skills.v1.PaymentService`.
    public let service: String
    /// The method name, e.g. `SubmitClaim`.
    public let method: String
    public let kind: CallKind
    /// Whether the method changes state (carries a `request_id`); only idempotent calls are retried.
    public let isIdempotent: Bool
    /// The HTTP/2 `:path`, e.g. `/skills.v1.PaymentService/SubmitClaim`: made once, as a server
    /// reads it several times per call (access table, metrics, logs).
    public let path: String

    public init(service: String, method: String, kind: CallKind, isIdempotent: Bool = true) {
        self.service = service
        self.method = method
        self.kind = kind
        self.isIdempotent = isIdempotent
        self.path = "/\(service)/\(method)"
    }

    public var description: String { path }
}

/// A method together with its request and response types.
public struct RPCMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable {
    public let descriptor: MethodDescriptor
    public init(_ descriptor: MethodDescriptor) { self.descriptor = descriptor }
}

/// A service as written in `Protos/`.
public struct ServiceDescriptor: Sendable {
    /// The fully qualified name, e.g. `skills.v1.RegistrationService`.
    public let name: String
    public let methods: [MethodDescriptor]
    public init(name: String, methods: [MethodDescriptor]) {
        self.name = name
        self.methods = methods
    }
}
