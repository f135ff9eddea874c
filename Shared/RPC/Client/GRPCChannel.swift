import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Schema
import Synchronization

/// A client channel to one service: multiplexed HTTP/2 connections to each address
/// (`ClientConfiguration.connectionsPerTarget`), calls spread round robin, reconnection with
/// backoff, deadlines on every call, and retries with backoff of idempotent calls that failed with
/// `UNAVAILABLE`. A call made on an event loop that holds a connection to every address uses one of
/// that loop's connections, so its request and response never change threads.
///
/// ```swift
/// let channel = try GRPCChannel(configuration: .init(targets: [.init(host: "127.0.0.1", port: 7101)], tls: tls))
/// let registration = RegistrationServiceClient(channel)
/// let worker = try await registration.getWorker(request, options: CallOptions(timeout: .seconds(2)))
/// ```
public final class GRPCChannel: ClientTransport, Sendable {
    public let configuration: ClientConfiguration
    private let connections: [ClientConnection]
    /// For each loop whose connections reach every address: the indices of those connections.
    private let loopConnections: [LoopConnections]
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let nextIndex = Atomic<Int>(0)
    private let authority: String
    private static let userAgent = "skills-grpc-swift/1.0"

    public init(
        configuration: ClientConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "skills.rpc.client")
    ) throws {
        precondition(!configuration.targets.isEmpty, "a channel needs at least one target")
        self.configuration = configuration
        let group: any EventLoopGroup =
            eventLoopGroup
            ?? MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        self.group = group
        self.ownsGroup = eventLoopGroup == nil
        let tls = try TLSContextStore(role: .client, configuration: configuration.tls)
        let loops = Array(group.makeIterator())
        var connections: [ClientConnection] = []
        for target in configuration.targets {
            for _ in 0..<max(1, configuration.connectionsPerTarget) {
                let eventLoop = loops.isEmpty ? group.next() : loops[connections.count % loops.count]
                connections.append(
                    ClientConnection(
                        target: target, configuration: configuration, tls: tls, eventLoop: eventLoop, logger: logger))
            }
        }
        self.connections = connections
        self.loopConnections = LoopConnections.covering(
            targets: Set(configuration.targets), of: connections, loops: loops)
        self.authority = configuration.serverName ?? configuration.targets[0].description
    }

    /// Closes every connection; calls in flight fail.
    public func close() async {
        for connection in connections { connection.close() }
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    // MARK: ClientTransport

    public func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>, request: Request, options: CallOptions
    ) async throws -> Response {
        let framed = ProtoMessageFraming.frame(request, allocator: ByteBufferAllocator())
        let timeout = options.timeout ?? configuration.defaultTimeout
        let deadline = ContinuousClock.now + timeout
        return try await withRetries(method.descriptor, deadline: deadline) {
            let bytes = try await self.unaryOnce(
                method.descriptor, framed: framed, deadline: deadline, options: options)
            do {
                return try Response(buffer: bytes)
            } catch {
                throw RPCError(.internalError, "cannot decode the response: \(error)")
            }
        }
    }

    public func serverStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, request: Request, options: CallOptions,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        let framed = ProtoMessageFraming.frame(request, allocator: ByteBufferAllocator())
        return try await streamingCall(method, options: options, singleRequest: framed, requests: nil, body: body)
    }

    public func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void
    ) async throws -> Response {
        try await streamingCall(method, options: options, singleRequest: nil, requests: requests) { responses in
            var iterator = responses.makeAsyncIterator()
            guard let response = try await iterator.next() else {
                throw RPCError(.internalError, "\(method.descriptor.path) returned no response message")
            }
            return response
        }
    }

    public func bidirectionalStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions,
        requests: @escaping @Sendable (MessageWriter<Request>) async throws -> Void,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await streamingCall(method, options: options, singleRequest: nil, requests: requests, body: body)
    }

    // MARK: Calls

    private func withRetries<T>(
        _ method: MethodDescriptor, deadline: ContinuousClock.Instant,
        _ attempt: () async throws -> T
    ) async throws -> T {
        var backoff = configuration.retry.initialBackoff
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await attempt()
            } catch let error as RPCError {
                guard error.code == .unavailable, method.isIdempotent, attempts < configuration.retry.maxAttempts,
                    ContinuousClock.now + backoff < deadline, !Task.isCancelled
                else { throw error }
                // Jitter spreads the retries of many callers.
                let jittered = backoff * Double.random(in: 0.8...1.2)
                try await Task.sleep(for: jittered)
                backoff = min(backoff * 2, configuration.retry.maxBackoff)
            }
        }
    }

    /// A ready connection: on an event loop that holds a connection to every address, one of
    /// that loop's connections in turn; otherwise, or when none of them is ready, every connection
    /// once, starting from the next in turn.
    private func readyConnection() async throws -> ClientConnection.Ready {
        let start = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        var lastError = RPCError(.unavailable, "no address to connect to")
        if let local = loopConnections.first(where: { $0.eventLoop.inEventLoop })?.indices {
            for offset in 0..<local.count {
                let connection = connections[local[(start &+ offset) % local.count]]
                if let ready = try? await connection.ready() { return ready }
            }
        }
        for offset in 0..<connections.count {
            let connection = connections[(start &+ offset) % connections.count]
            do {
                return try await connection.ready()
            } catch let error as RPCError {
                lastError = error
            } catch {
                lastError = RPCError(.unavailable, "cannot connect to \(connection.target): \(error)")
            }
        }
        throw lastError
    }

    /// What a call's stream opens with: its request headers, its first and only request message if it
    /// has one, and its deadline on the event loop's clock.
    private func starter(
        _ method: MethodDescriptor, deadline: ContinuousClock.Instant, options: CallOptions,
        singleRequest: ByteBuffer?, observer: ClientCallObserver
    ) -> StreamStarter {
        StreamStarter(
            headers: requestHeaders(method, deadline: deadline, options: options), singleRequest: singleRequest,
            deadline: NIODeadline.now() + TimeAmount(saturating: deadline - .now),
            maxReceiveMessageBytes: configuration.maxReceiveMessageBytes, observer: observer)
    }

    private func requestHeaders(_ method: MethodDescriptor, deadline: ContinuousClock.Instant, options: CallOptions)
        -> HPACKHeaders
    {
        var headers: HPACKHeaders = [
            ":method": "POST", ":scheme": "https", ":path": method.path, ":authority": authority,
            "content-type": "application/grpc", "te": "trailers", "user-agent": Self.userAgent,
        ]
        let remaining = deadline - ContinuousClock.now
        // Never the same twice: indexed, every call's value would push a useful entry out of the
        // HPACK table and lengthen the encoder's search of it.
        headers.add(
            name: "grpc-timeout", value: GRPCTimeout.format(max(remaining, .milliseconds(1))), indexing: .nonIndexable)
        MetadataCoding.append(options.metadata, to: &headers)
        return headers
    }

    private func unaryOnce(
        _ method: MethodDescriptor, framed: ByteBuffer, deadline: ContinuousClock.Instant,
        options: CallOptions
    ) async throws -> ByteBuffer {
        if ContinuousClock.now >= deadline {
            throw RPCError(.deadlineExceeded, "deadline exceeded before the call started")
        }
        let ready = try await readyConnection()
        let eventLoop = ready.channel.eventLoop
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let response = Mutex<ByteBuffer?>(nil)
        let responseMetadata = options.responseMetadata
        let observer = ClientCallObserver(
            headers: { responseMetadata?.setHeaders($0) },
            message: { message in response.withLock { $0 = message } },
            finished: { error, trailers in
                responseMetadata?.setTrailers(trailers)
                if let error {
                    promise.fail(error)
                } else if let message = response.withLock({ $0 }) {
                    promise.succeed(message)
                } else {
                    promise.fail(RPCError(.internalError, "\(method.path) returned no response message"))
                }
            })
        let starter = self.starter(
            method, deadline: deadline, options: options, singleRequest: framed, observer: observer)
        let streamFuture = ready.streams.open(starter)
        streamFuture.whenFailure { error in promise.fail(RPCError(.unavailable, "cannot open a stream: \(error)")) }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            streamFuture.whenSuccess { stream in stream.value.cancel() }
            promise.fail(RPCError(.cancelled, "the call was cancelled"))
        }
    }

    private func streamingCall<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions, singleRequest: ByteBuffer?,
        requests: (@Sendable (MessageWriter<Request>) async throws -> Void)?,
        body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        let timeout = options.timeout ?? configuration.defaultTimeout
        let deadline = ContinuousClock.now + timeout
        let ready = try await withRetries(method.descriptor, deadline: deadline) { try await self.readyConnection() }
        let (responses, continuation) = AsyncThrowingStream<Response, any Error>.makeStream()
        let responseMetadata = options.responseMetadata
        let observer = ClientCallObserver(
            headers: { responseMetadata?.setHeaders($0) },
            message: { bytes in
                do {
                    continuation.yield(try Response(buffer: bytes))
                } catch {
                    continuation.finish(throwing: RPCError(.internalError, "cannot decode a response: \(error)"))
                }
            },
            finished: { error, trailers in
                responseMetadata?.setTrailers(trailers)
                continuation.finish(throwing: error)
            })
        let starter = self.starter(
            method.descriptor, deadline: deadline, options: options, singleRequest: singleRequest, observer: observer)
        let stream: NIOLoopBound<ClientStream>
        do {
            stream = try await ready.streams.open(starter).get()
        } catch {
            throw RPCError(.unavailable, "cannot open a stream: \(error)")
        }
        let eventLoop = ready.streams.eventLoop
        @Sendable func send(_ payload: HTTP2Frame.FramePayload) async throws {
            try await eventLoop.flatSubmit {
                let promise = eventLoop.makePromise(of: Void.self)
                stream.value.send(payload, promise: promise)
                return promise.futureResult
            }.get()
        }
        @Sendable func cancel() { eventLoop.execute { stream.value.cancel() } }
        var writerTask: Task<Void, Never>?
        if let requests {
            writerTask = Task {
                let allocator = ByteBufferAllocator()
                let writer = MessageWriter<Request> { message in
                    try await send(
                        .data(.init(data: .byteBuffer(ProtoMessageFraming.frame(message, allocator: allocator)))))
                }
                do {
                    try await requests(writer)
                    try await send(.data(.init(data: .byteBuffer(allocator.buffer(capacity: 0)), endStream: true)))
                } catch {
                    // The producer failed or the call ended: cancel the call.
                    cancel()
                }
            }
        }
        defer { writerTask?.cancel() }
        return try await withTaskCancellationHandler {
            let result = try await body(MessageStream(responses))
            // The body may stop early; the rest of the call is cancelled.
            cancel()
            return result
        } onCancel: {
            cancel()
            continuation.finish(throwing: RPCError(.cancelled, "the call was cancelled"))
        }
    }
}

/// The connections of a `GRPCChannel` that live on one event loop, when they reach every address.
private struct LoopConnections: Sendable {
    let eventLoop: any EventLoop
    let indices: [Int]

    /// One entry for each of `loops` whose connections reach every one of `targets`.
    static func covering(
        targets: Set<ClientConfiguration.Target>, of connections: [ClientConnection], loops: [any EventLoop]
    ) -> [LoopConnections] {
        loops.compactMap { loop in
            let indices = connections.indices.filter { connections[$0].eventLoop === loop }
            guard Set(indices.map { connections[$0].target }) == targets else { return nil }
            return LoopConnections(eventLoop: loop, indices: indices)
        }
    }
}
