import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import Schema

/// What every stream of a server shares: routes, interceptors, limits, logger.
final class ServerCallRouter: Sendable {
    let methods: [String: ServerMethod]
    let interceptors: [any ServerInterceptor]
    let maxReceiveMessageBytes: Int
    let logger: Logger

    init(
        services: [ServiceDefinition], interceptors: [any ServerInterceptor], maxReceiveMessageBytes: Int,
        logger: Logger
    ) {
        var methods: [String: ServerMethod] = [:]
        for service in services {
            for method in service.methods { methods[method.descriptor.path] = method }
        }
        self.methods = methods
        self.interceptors = interceptors
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.logger = logger
    }
}

/// Serves one gRPC call on one HTTP/2 stream.
///
/// Reads the request HEADERS (route, deadline, metadata), the length-prefixed messages in DATA
/// frames, runs the handler in a task, and writes response HEADERS, DATA and the status in
/// trailers. Early failures (unknown method, refused caller, unsupported encoding) are answered
/// with a trailers-only response; a non-gRPC content type gets HTTP 415.
final class ServerStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum Phase {
        case awaitingHeaders
        case unary
        case streaming(AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
        case done
    }

    private static let maxBufferedRequests = 1024

    private let router: ServerCallRouter
    private let peer: PeerIdentity
    private let remoteAddress: String
    private var phase: Phase = .awaitingHeaders
    private var deframer: MessageDeframer
    private var unaryRequest: ByteBuffer?
    private var unaryRequestCount = 0
    private var inboundClosed = false
    /// Whether the client's END_STREAM has arrived (set before the frame that carries it is
    /// processed, so a status written while processing it knows the client is done).
    private var clientSentEndStream = false
    private var headersSent = false
    private var statusSent = false
    private var callContext: ServerContext?
    private var method: ServerMethod?
    private var task: Task<Void, Never>?
    private var deadlineTimer: Scheduled<Void>?
    private var startedAt = ContinuousClock.now
    private var channelContext: ChannelHandlerContext?

    init(router: ServerCallRouter, peer: PeerIdentity, remoteAddress: String) {
        self.router = router
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.deframer = MessageDeframer(maxMessageBytes: router.maxReceiveMessageBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) { channelContext = context }
    func handlerRemoved(context: ChannelHandlerContext) { channelContext = nil }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        if payload.endsStream { clientSentEndStream = true }
        switch payload {
        case .headers(let headers):
            if case .awaitingHeaders = phase {
                receiveRequestHeaders(headers.headers, context: context)
                if headers.endStream { receiveEndOfInput(context: context) }
            } else if headers.endStream {
                receiveEndOfInput(context: context)
            }
        case .data(let frame):
            guard case .byteBuffer(let bytes) = frame.data else { return }
            receiveData(bytes, context: context)
            if frame.endStream { receiveEndOfInput(context: context) }
        case .rstStream:
            clientWentAway(context: context)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientWentAway(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        clientWentAway(context: context)
        context.close(promise: nil)
    }

    private func receiveRequestHeaders(_ headers: HPACKHeaders, context: ChannelHandlerContext) {
        let contentType = headers.first(name: "content-type") ?? ""
        guard
            contentType == "application/grpc" || contentType.hasPrefix("application/grpc+proto")
                || contentType.hasPrefix("application/grpc;")
        else {
            phase = .done
            statusSent = true
            let response: HPACKHeaders = [":status": "415", "content-type": "text/plain"]
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: response, endStream: true))), promise: nil)
            return
        }
        guard headers.first(name: ":method") == "POST" else {
            return failEarly(RPCError(.internalError, "gRPC requires :method POST"), context: context)
        }
        let path = headers.first(name: ":path") ?? ""
        if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
            return failEarly(
                RPCError(
                    .unimplemented, "message encoding '\(encoding)' is not supported; this server accepts identity"),
                context: context)
        }
        guard let method = router.methods[path] else {
            return failEarly(RPCError(.unimplemented, "Method not found: \(path)"), context: context)
        }
        self.method = method

        var deadline: ContinuousClock.Instant?
        if let timeout = headers.first(name: "grpc-timeout") {
            guard let duration = GRPCTimeout.parse(Substring(timeout)) else {
                return failEarly(RPCError(.invalidArgument, "malformed grpc-timeout '\(timeout)'"), context: context)
            }
            deadline = startedAt + duration
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            deadlineTimer = context.eventLoop.scheduleTask(in: TimeAmount(saturating: duration)) {
                loopBound.value.deadlineExpired()
            }
        }
        let callContext = ServerContext(
            method: method.descriptor, requestMetadata: MetadataCoding.metadata(from: headers),
            deadline: deadline, peer: peer, remoteAddress: remoteAddress)
        self.callContext = callContext
        do {
            for interceptor in router.interceptors { try interceptor.accept(callContext) }
        } catch {
            return failEarly(error, context: context)
        }

        switch method.body {
        case .unary:
            phase = .unary
        case .streaming(let body):
            let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream(
                bufferingPolicy: .bufferingOldest(Self.maxBufferedRequests))
            phase = .streaming(continuation)
            startStreaming(body, requests: MessageStream(stream), context: context)
        }
    }

    private func receiveData(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        guard !inboundClosed else { return }
        switch phase {
        case .unary, .streaming: break
        case .awaitingHeaders, .done: return
        }
        deframer.append(bytes)
        do {
            while let message = try deframer.next() {
                switch phase {
                case .unary:
                    unaryRequestCount += 1
                    if unaryRequestCount > 1 {
                        return failCall(
                            RPCError(.internalError, "a unary call carries exactly one request message"),
                            context: context)
                    }
                    unaryRequest = message
                case .streaming(let continuation):
                    if case .dropped = continuation.yield(message) {
                        return failCall(
                            RPCError(
                                .resourceExhausted,
                                "more than \(Self.maxBufferedRequests) request messages are waiting for the handler"),
                            context: context)
                    }
                case .awaitingHeaders, .done:
                    return
                }
            }
        } catch {
            switch error {
            case .tooLarge(let length, let limit):
                failCall(
                    RPCError(
                        .resourceExhausted,
                        "request message of \(length) bytes is larger than the limit of \(limit) bytes"),
                    context: context)
            case .compressed:
                failCall(
                    RPCError(.internalError, "compressed message received without a grpc-encoding"), context: context)
            case .invalidFlag(let flag):
                failCall(RPCError(.internalError, "invalid message flag \(flag)"), context: context)
            }
        }
    }

    private func receiveEndOfInput(context: ChannelHandlerContext) {
        guard !inboundClosed else { return }
        inboundClosed = true
        if deframer.hasPartialMessage {
            return failCall(RPCError(.internalError, "the request ended inside a message"), context: context)
        }
        switch phase {
        case .unary:
            guard let request = unaryRequest, let method, case .unary(let body) = method.body, let callContext else {
                return failCall(
                    RPCError(.internalError, "a unary call carries exactly one request message"), context: context)
            }
            unaryRequest = nil
            startUnary(body, request: request, callContext: callContext, context: context)
        case .streaming(let continuation):
            continuation.finish()
        case .awaitingHeaders, .done:
            break
        }
    }

    // MARK: Running the handler

    private func startUnary(
        _ body: @escaping @Sendable (ByteBuffer, ServerContext) async throws -> any ProtoMessage,
        request: ByteBuffer, callContext: ServerContext, context: ChannelHandlerContext
    ) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let allocator = context.channel.allocator
        task = Task {
            let result: Result<ByteBuffer, any Error>
            do {
                let response = try await body(request, callContext)
                result = .success(ProtoMessageFraming.frame(response, allocator: allocator))
            } catch {
                result = .failure(error)
            }
            eventLoop.execute { loopBound.value.finishUnary(result) }
        }
    }

    private func finishUnary(_ result: Result<ByteBuffer, any Error>) {
        guard let context = channelContext, !statusSent else { return }
        switch result {
        case .success(let framed):
            writeHeadersIfNeeded(context: context)
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(framed)))), promise: nil)
            writeStatus(.ok, "", context: context)
        case .failure(let error):
            writeStatus(error, context: context)
        }
    }

    private func startStreaming(
        _ body:
            @escaping @Sendable (MessageStream<ByteBuffer>, MessageWriter<any ProtoMessage>, ServerContext) async throws
            -> Void,
        requests: MessageStream<ByteBuffer>, context: ChannelHandlerContext
    ) {
        guard let callContext else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let allocator = context.channel.allocator
        let writer = MessageWriter<any ProtoMessage> { message in
            let framed = ProtoMessageFraming.frame(message, allocator: allocator)
            try await eventLoop.flatSubmit { loopBound.value.writeStreamedMessage(framed, eventLoop: eventLoop) }.get()
        }
        task = Task {
            let result: Result<Void, any Error>
            do {
                try await body(requests, writer, callContext)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            eventLoop.execute { loopBound.value.finishStreaming(result) }
        }
    }

    private func writeStreamedMessage(_ framed: ByteBuffer, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context = channelContext, !statusSent else {
            return eventLoop.makeFailedFuture(RPCError(.cancelled, "the call has ended"))
        }
        writeHeadersIfNeeded(context: context)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(framed)))), promise: promise)
        return promise.futureResult
    }

    private func finishStreaming(_ result: Result<Void, any Error>) {
        guard let context = channelContext, !statusSent else { return }
        switch result {
        case .success: writeStatus(.ok, "", context: context)
        case .failure(let error): writeStatus(error, context: context)
        }
    }

    // MARK: Ending the call

    private func deadlineExpired() {
        guard let context = channelContext, !statusSent else { return }
        task?.cancel()
        if case .streaming(let continuation) = phase {
            continuation.finish(throwing: RPCError(.deadlineExceeded, "deadline exceeded"))
        }
        writeStatus(.deadlineExceeded, "deadline exceeded", context: context)
    }

    private func clientWentAway(context: ChannelHandlerContext) {
        deadlineTimer?.cancel()
        task?.cancel()
        if case .streaming(let continuation) = phase {
            continuation.finish(throwing: RPCError(.cancelled, "the client cancelled the call"))
        }
        if !statusSent {
            statusSent = true
            report(.cancelled, "the client cancelled the call")
        }
        phase = .done
    }

    private func failEarly(_ error: RPCError, context: ChannelHandlerContext) {
        phase = .done
        writeStatus(error.code, error.message, trailers: error.metadata, context: context)
    }

    private func failCall(_ error: RPCError, context: ChannelHandlerContext) {
        task?.cancel()
        if case .streaming(let continuation) = phase { continuation.finish(throwing: error) }
        writeStatus(error.code, error.message, trailers: error.metadata, context: context)
    }

    private func writeStatus(_ error: any Error, context: ChannelHandlerContext) {
        let rpcError = router.status(for: error, method: method?.descriptor)
        writeStatus(rpcError.code, rpcError.message, trailers: rpcError.metadata, context: context)
    }

    private func writeHeadersIfNeeded(context: ChannelHandlerContext) {
        guard !headersSent else { return }
        headersSent = true
        context.write(wrapOutboundOut(.headers(.init(headers: Self.responseHeaders))), promise: nil)
    }

    private static let responseHeaders: HPACKHeaders = [
        ":status": "200", "content-type": "application/grpc", "grpc-accept-encoding": "identity",
    ]

    private func writeStatus(
        _ code: StatusCode, _ message: String, trailers extra: Metadata = Metadata(),
        context: ChannelHandlerContext
    ) {
        guard !statusSent else { return }
        statusSent = true
        deadlineTimer?.cancel()
        var trailers: HPACKHeaders
        if headersSent {
            trailers = HPACKHeaders()
        } else {
            // Trailers-only: the status travels in the only HEADERS frame.
            headersSent = true
            trailers = Self.responseHeaders
        }
        trailers.add(name: "grpc-status", value: String(code.rawValue))
        if !message.isEmpty { trailers.add(name: "grpc-message", value: StatusMessageCoding.encode(message)) }
        if let callContext { MetadataCoding.append(callContext.responseTrailers.current, to: &trailers) }
        MetadataCoding.append(extra, to: &trailers)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: promise)
        let clientStillSending = !clientSentEndStream
        let channel = context.channel
        promise.futureResult.whenComplete { result in
            switch result {
            case .failure:
                // A failed HEADERS write would otherwise leave the call hanging until the client's
                // deadline (docs/FIELD-NOTES.md).
                channel.close(promise: nil)
            case .success where clientStillSending:
                // The client is still sending (say, a message over the limit): ask it to stop
                // without error, as RFC 9113 section 8.1 has a server that answered early do.
                // Closing the channel would reset with CANCEL, which grpcio may then report as
                // CANCELLED in place of the status it was just sent.
                channel.writeAndFlush(HTTP2Frame.FramePayload.rstStream(.noError), promise: nil)
            case .success:
                break
            }
        }
        phase = .done
        report(code, message)
    }

    private func report(_ code: StatusCode, _ message: String) {
        guard let callContext else { return }
        let duration = ContinuousClock.now - startedAt
        for interceptor in router.interceptors {
            interceptor.completed(callContext, code: code, message: message, duration: duration)
        }
    }
}

extension TimeAmount {
    /// The longest wait we schedule: NIO deadlines are 64-bit nanoseconds, and a peer may send
    /// `grpc-timeout: 99999999H` (about 11,000 years), which must not overflow.
    static let longestWait = TimeAmount.nanoseconds(1_000_000_000 * 60 * 60 * 24 * 365 * 30)

    /// `duration` in nanoseconds, saturating at `longestWait` (and at zero for negative values).
    init(saturating duration: Duration) {
        self = .nanoseconds(duration.saturatingNanoseconds(limit: TimeAmount.longestWait.nanoseconds))
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `0...limit`.
    func saturatingNanoseconds(limit: Int64 = .max) -> Int64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow || whole > limit { return limit }
        return min(limit, whole + attoseconds / 1_000_000_000)
    }
}

extension HTTP2Frame.FramePayload {
    /// Whether this frame carries END_STREAM (only HEADERS and DATA can).
    var endsStream: Bool {
        switch self {
        case .headers(let headers): return headers.endStream
        case .data(let data): return data.endStream
        default: return false
        }
    }
}
