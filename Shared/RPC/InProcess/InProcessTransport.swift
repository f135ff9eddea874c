import NIOCore
import Schema

/// A client transport that calls an ``InProcessServer`` in the same process, as the caller
/// `peer`: what a server would read from the verified TLS client certificate is chosen here, so a
/// test can call as hrss, finance, an institution's system or another service.
///
/// Requests and responses are encoded, framed, size-checked and decoded as over a socket, so codec
/// and routing bugs still show; every call has a deadline (`CallOptions.timeout`, else
/// `defaultTimeout`), and cancelling the calling task cancels the handler. Unlike `GRPCChannel` it
/// never retries (nothing in process is `UNAVAILABLE` for a while) and a response stream is not
/// flow-controlled: a handler's writes are buffered until the caller reads them.
public struct InProcessTransport: ClientTransport {
    public let server: InProcessServer
    /// Who the server sees calling.
    public var peer: PeerIdentity
    public var defaultTimeout: Duration
    public var maxReceiveMessageBytes: Int

    public init(
        server: InProcessServer, peer: PeerIdentity, defaultTimeout: Duration = .seconds(30),
        maxReceiveMessageBytes: Int = 4 * 1024 * 1024
    ) {
        self.server = server
        self.peer = peer
        self.defaultTimeout = defaultTimeout
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
    }

    /// The same transport calling as `peer`.
    public func calling(as peer: PeerIdentity) -> InProcessTransport {
        var copy = self
        copy.peer = peer
        return copy
    }

    public func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>, request: Request, options: CallOptions
    ) async throws -> Response {
        try await call(method, options: options, requests: { try await $0.write(request) }) {
            try await Self.single($0, method)
        }
    }

    public func serverStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, request: Request, options: CallOptions,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await call(method, options: options, requests: { try await $0.write(request) }, body: body)
    }

    public func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void
    ) async throws -> Response {
        try await call(method, options: options, requests: requests) { try await Self.single($0, method) }
    }

    public func bidirectionalStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await call(method, options: options, requests: requests, body: body)
    }

    /// The one response of a unary or client-streaming call, once the status is OK.
    private static func single<Response>(
        _ responses: MessageStream<Response>, _ method: RPCMethod<some ProtoMessage, Response>
    )
        async throws -> Response
    {
        var received: [Response] = []
        for try await response in responses { received.append(response) }
        guard received.count == 1, let response = received.first else {
            throw RPCError(
                .internalError, "\(method.descriptor.path) returned \(received.count) response messages, not one")
        }
        return response
    }

    /// Runs one call of any kind: `requests` writes the request messages (then the input ends),
    /// `body` reads the responses; a body that returns before the status cancels the rest.
    private func call<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        let call = server.start(
            path: method.descriptor.path, metadata: options.metadata,
            timeout: options.timeout ?? defaultTimeout, peer: peer)
        options.responseMetadata?.setHeaders(Metadata())
        let writer = Task {
            do {
                try await requests(
                    MessageWriter { message in
                        try call.send(ProtoMessageFraming.frame(message, allocator: ByteBufferAllocator()))
                    })
                call.endInput()
            } catch {
                call.cancel()
            }
        }
        defer { writer.cancel() }
        let (responses, sink) = decoded(Response.self, call: call, responseMetadata: options.responseMetadata)
        return try await withTaskCancellationHandler {
            let result = try await body(responses)
            call.cancel()
            return result
        } onCancel: {
            call.cancel()
            // At once, so that a body reading the responses sees the cancellation, not just an end.
            sink.finish(throwing: RPCError(.cancelled, "the call was cancelled"))
        }
    }

    /// The call's framed responses deframed (with this client's size limit) and decoded.
    private func decoded<Response: ProtoMessage>(
        _ type: Response.Type, call: InProcessCall,
        responseMetadata: ResponseMetadata?
    )
        -> (MessageStream<Response>, AsyncThrowingStream<Response, any Error>.Continuation)
    {
        let (stream, continuation) = AsyncThrowingStream<Response, any Error>.makeStream()
        let limit = maxReceiveMessageBytes
        let pump = Task {
            var deframer = MessageDeframer(maxMessageBytes: limit)
            do {
                for try await bytes in call.responses {
                    deframer.append(bytes)
                    while let message = try Self.nextResponse(&deframer) {
                        do {
                            continuation.yield(try Response(buffer: message))
                        } catch {
                            throw RPCError(.internalError, "cannot decode a response: \(error)")
                        }
                    }
                }
                responseMetadata?.setTrailers(call.trailers)
                continuation.finish()
            } catch {
                call.cancel()
                responseMetadata?.setTrailers(call.trailers)
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return (MessageStream(stream), continuation)
    }

    private static func nextResponse(_ deframer: inout MessageDeframer) throws(RPCError) -> ByteBuffer? {
        do {
            return try deframer.next()
        } catch {
            switch error {
            case .tooLarge(let length, let limit):
                throw RPCError(
                    .resourceExhausted, "response message of \(length) bytes is larger than the limit of \(limit) bytes"
                )
            case .compressed, .invalidFlag:
                throw RPCError(.internalError, "response message uses an unsupported encoding")
            }
        }
    }
}
