import Logging
import NIOCore
import NIOHPACK
import Schema
import Synchronization

/// Serves services to ``InProcessTransport`` clients in the same process: no socket, TLS or
/// HTTP/2, but the rest of what `GRPCServer` does to a call.
///
/// A call is routed by its `/package.Service/Method` path through the same router, passes the
/// same interceptors (authorization by the caller's certificate role), and its messages are
/// encoded, length-prefixed, size-checked and decoded as on the wire. Metadata goes through the
/// header coding (reserved names dropped, `-bin` values base64), `grpc-timeout` deadlines cancel
/// the handler, and errors become the status a remote caller would see. Tests use it to run
/// several services' handlers together in one process, as fast as function calls.
///
/// ```swift
/// let server = InProcessServer(services: [handler.serviceDefinition], interceptors: [AuthorizationInterceptor(table: table)])
/// let client = RegistrationServiceClient(InProcessTransport(server: server, peer: PeerIdentity(commonName: "hrss-dev", organizationalUnits: ["hrss"])))
/// ```
///
/// Services can be installed after clients exist (`init()`, then `serve`), so that services that
/// call each other can be wired in a cycle; a call before then fails `UNAVAILABLE`, like a
/// connection refused.
public final class InProcessServer: Sendable {
    /// The standard health service, as `GRPCServer` serves it.
    public let health = HealthService()
    private let router = Mutex<ServerCallRouter?>(nil)

    /// A server that serves nothing yet; see `serve`.
    public init() {}

    public convenience init(
        services: [ServiceDefinition], interceptors: [any ServerInterceptor] = [],
        maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
        logger: Logger = Logger(label: "skills.rpc.in-process")
    ) {
        self.init()
        serve(services, interceptors: interceptors, maxReceiveMessageBytes: maxReceiveMessageBytes, logger: logger)
    }

    /// Starts serving `services` (with health and reflection, as `GRPCServer` does); replaces
    /// whatever was served before.
    public func serve(
        _ services: [ServiceDefinition], interceptors: [any ServerInterceptor] = [],
        maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
        logger: Logger = Logger(label: "skills.rpc.in-process")
    ) {
        let reflection = ReflectionService(
            services: services.map(\.descriptor.name)
                + [Grpc_Health_V1_Health.name, Grpc_Reflection_V1_ServerReflection.name])
        let router = ServerCallRouter(
            services: services + [health.serviceDefinition, reflection.serviceDefinition],
            interceptors: interceptors, maxReceiveMessageBytes: maxReceiveMessageBytes, logger: logger)
        for service in services { health.setStatus(.serving, for: service.descriptor.name) }
        self.router.withLock { $0 = router }
    }

    /// Starts one call: routes it, runs the interceptors and the handler. The call's responses
    /// and final status arrive on `InProcessCall.responses`.
    func start(path: String, metadata: Metadata, timeout: Duration, peer: PeerIdentity) -> InProcessCall {
        let startedAt = ContinuousClock.now
        guard let router = router.withLock({ $0 }) else {
            return .failed(RPCError(.unavailable, "nothing is served in process yet (connection refused)"))
        }
        guard let method = router.methods[path] else {
            return .failed(RPCError(.unimplemented, "Method not found: \(path)"))
        }
        let context = ServerContext(
            method: method.descriptor, requestMetadata: Self.throughHeaders(metadata),
            deadline: startedAt + timeout, peer: peer, remoteAddress: "in-process")
        let call = InProcessCall(router: router, context: context, startedAt: startedAt)
        do {
            for interceptor in router.interceptors { try interceptor.accept(context) }
        } catch {
            call.finish(error)
            return call
        }
        call.run(method.body)
        return call
    }

    /// `metadata` as the server sees it after the trip through HTTP/2 headers.
    static func throughHeaders(_ metadata: Metadata) -> Metadata {
        var headers = HPACKHeaders()
        MetadataCoding.append(metadata, to: &headers)
        return MetadataCoding.metadata(from: headers)
    }
}
