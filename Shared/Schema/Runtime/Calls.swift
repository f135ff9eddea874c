import NIOCore
import Synchronization

/// Per-call settings on the client side.
public struct CallOptions: Sendable {
    /// How long the call may take; sent as `grpc-timeout`. `nil` uses the channel's default.
    public var timeout: Duration?
    /// Custom request metadata.
    public var metadata: Metadata
    /// Receives the response headers and trailers, for callers that need them.
    public var responseMetadata: ResponseMetadata?

    public init(timeout: Duration? = nil, metadata: Metadata = Metadata(), responseMetadata: ResponseMetadata? = nil) {
        self.timeout = timeout
        self.metadata = metadata
        self.responseMetadata = responseMetadata
    }
}

/// The metadata a server sent back: filled by the transport while a call runs.
public final class ResponseMetadata: Sendable {
    private let state = Mutex<(headers: Metadata, trailers: Metadata)>((Metadata(), Metadata()))
    public init() {}
    public var headers: Metadata { state.withLock { $0.headers } }
    public var trailers: Metadata { state.withLock { $0.trailers } }
    public func setHeaders(_ headers: Metadata) { state.withLock { $0.headers = headers } }
    public func setTrailers(_ trailers: Metadata) { state.withLock { $0.trailers = trailers } }
}

/// Who is calling: the identity in the verified TLS client certificate.
///
/// The platform CA issues one certificate per service and per department system; the subject's
/// organisational unit (OU) names the caller's role (`hrss`, `finance`, `registration` ...).
public struct PeerIdentity: Sendable, Hashable, CustomStringConvertible {
    public var commonName: String
    public var organizationalUnits: [String]
    public var organization: String
    public var dnsNames: [String]
    public var uris: [String]

    public init(
        commonName: String = "", organizationalUnits: [String] = [], organization: String = "",
        dnsNames: [String] = [], uris: [String] = []
    ) {
        self.commonName = commonName
        self.organizationalUnits = organizationalUnits
        self.organization = organization
        self.dnsNames = dnsNames
        self.uris = uris
    }

    /// The caller's role: the first OU of the subject, if the certificate names one.
    public var role: Role? { organizationalUnits.first.map(Role.init(rawValue:)) }

    /// A caller that presented no certificate (only possible on servers that do not require one).
    public static let anonymous = PeerIdentity()

    public var description: String {
        let ou = organizationalUnits.isEmpty ? "" : " OU=\(organizationalUnits.joined(separator: ","))"
        return "CN=\(commonName)\(ou)"
    }
}

/// What a server handler knows about the call it is serving.
public struct ServerContext: Sendable {
    public let method: MethodDescriptor
    public let requestMetadata: Metadata
    /// When the client's `grpc-timeout` runs out; the handler's task is cancelled then.
    public let deadline: ContinuousClock.Instant?
    /// The verified caller.
    public let peer: PeerIdentity
    /// The caller's socket address, for logs.
    public let remoteAddress: String
    /// Trailing metadata the handler wants to send with the status.
    public let responseTrailers: ResponseTrailers

    public init(
        method: MethodDescriptor, requestMetadata: Metadata, deadline: ContinuousClock.Instant?,
        peer: PeerIdentity, remoteAddress: String, responseTrailers: ResponseTrailers = ResponseTrailers()
    ) {
        self.method = method
        self.requestMetadata = requestMetadata
        self.deadline = deadline
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.responseTrailers = responseTrailers
    }
}

/// Trailing metadata collected by a handler while it runs.
public final class ResponseTrailers: Sendable {
    private let metadata = Mutex(Metadata())
    public init() {}
    public func add(_ name: String, _ value: String) { metadata.withLock { $0.add(name, value) } }
    public func add(_ name: String, binary value: [UInt8]) { metadata.withLock { $0.add(name, binary: value) } }
    public var current: Metadata { metadata.withLock { $0 } }
}

/// A stream of incoming messages: a server's requests, or a client's responses.
public struct MessageStream<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = any Error
    private let base: AsyncThrowingStream<Element, any Error>

    public init(_ base: AsyncThrowingStream<Element, any Error>) { self.base = base }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<Element, any Error>.AsyncIterator
        public mutating func next() async throws -> Element? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }

    /// Collects every element (for small streams).
    public func collect() async throws -> [Element] {
        var all: [Element] = []
        for try await element in self { all.append(element) }
        return all
    }
}

/// Sends outgoing messages: a server's responses, or a client's requests. `write` waits while
/// the peer is not reading (HTTP/2 flow control), so a fast producer cannot exhaust memory.
public struct MessageWriter<Element: Sendable>: Sendable {
    private let sink: @Sendable (Element) async throws -> Void
    public init(_ sink: @escaping @Sendable (Element) async throws -> Void) { self.sink = sink }
    public func write(_ element: Element) async throws { try await sink(element) }
    public func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await sink(element) }
    }
}

/// A way to make calls: implemented by the RPC layer's channel; used by the generated clients.
public protocol ClientTransport: Sendable {
    func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>, request: Request, options: CallOptions
    ) async throws -> Response

    func serverStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, request: Request, options: CallOptions,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result

    func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void
    ) async throws -> Response

    func bidirectionalStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result
}

/// A server-side method, with its request and response types erased for the transport.
public struct ServerMethod: Sendable {
    public enum Body: Sendable {
        /// Decodes the request, runs the handler and returns the response.
        case unary(@Sendable (ByteBuffer, ServerContext) async throws -> any ProtoMessage)
        /// Any streaming kind: requests arrive as raw messages, responses leave typed.
        case streaming(
            @Sendable (MessageStream<ByteBuffer>, MessageWriter<any ProtoMessage>, ServerContext) async throws -> Void)
    }

    public let descriptor: MethodDescriptor
    public let body: Body

    public init(descriptor: MethodDescriptor, body: Body) {
        self.descriptor = descriptor
        self.body = body
    }

    static func decode<M: ProtoMessage>(_ type: M.Type, _ buffer: ByteBuffer) throws -> M {
        do {
            return try M(buffer: buffer)
        } catch {
            throw error.rpcError
        }
    }

    static func decoded<M: ProtoMessage>(_ type: M.Type, _ raw: MessageStream<ByteBuffer>) -> MessageStream<M> {
        let (stream, continuation) = AsyncThrowingStream<M, any Error>.makeStream()
        let task = Task {
            do {
                for try await buffer in raw { continuation.yield(try decode(M.self, buffer)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return MessageStream(stream)
    }

    public static func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) -> ServerMethod {
        ServerMethod(
            descriptor: method.descriptor,
            body: .unary { buffer, context in
                try await handler(try decode(Request.self, buffer), context)
            })
    }

    public static func serverStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request, MessageWriter<Response>, ServerContext) async throws -> Void
    ) -> ServerMethod {
        ServerMethod(
            descriptor: method.descriptor,
            body: .streaming { requests, responses, context in
                var iterator = requests.makeAsyncIterator()
                guard let first = try await iterator.next() else {
                    throw RPCError(.invalidArgument, "\(method.descriptor.path) expects exactly one request message")
                }
                let request = try decode(Request.self, first)
                try await handler(request, MessageWriter { try await responses.write($0) }, context)
            })
    }

    public static func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (MessageStream<Request>, ServerContext) async throws -> Response
    ) -> ServerMethod {
        ServerMethod(
            descriptor: method.descriptor,
            body: .streaming { requests, responses, context in
                let response = try await handler(decoded(Request.self, requests), context)
                try await responses.write(response)
            })
    }

    public static func bidirectionalStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler:
            @escaping @Sendable (MessageStream<Request>, MessageWriter<Response>, ServerContext) async throws -> Void
    ) -> ServerMethod {
        ServerMethod(
            descriptor: method.descriptor,
            body: .streaming { requests, responses, context in
                try await handler(
                    decoded(Request.self, requests), MessageWriter { try await responses.write($0) }, context)
            })
    }
}

/// A service implementation ready to be served: its descriptor and a handler per method.
public struct ServiceDefinition: Sendable {
    public let descriptor: ServiceDescriptor
    public let methods: [ServerMethod]
    public init(descriptor: ServiceDescriptor, methods: [ServerMethod]) {
        self.descriptor = descriptor
        self.methods = methods
    }
}
