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
/// frames, runs the handler in a task (a unary one on the connection's event loop, a streaming one
/// on the global executor), and writes response HEADERS, DATA and the status in trailers. Early failures (unknown method, refused caller, unsupported encoding) are answered
/// with a trailers-only response; a non-gRPC content type gets HTTP 415. What the call may do next
/// is `ServerStreamStateMachine`'s to say; this handler performs its actions on the channel.
final class ServerStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var machine: ServerStreamStateMachine
    private var channelContext: ChannelHandlerContext?
    /// The connection's event loop as a task executor (one per connection); nil: made per call.
    private let executor: EventLoopTaskExecutor?
    /// The client's `grpc-timeout`, until the end of the read that brought it: a unary call that
    /// ends within that read (the common case) then needs no timer.
    private var unscheduledDeadline: TimeAmount?

    init(router: ServerCallRouter, peer: PeerIdentity, remoteAddress: String, executor: EventLoopTaskExecutor? = nil) {
        machine = ServerStreamStateMachine(router: router, peer: peer, remoteAddress: remoteAddress)
        self.executor = executor
    }

    func handlerAdded(context: ChannelHandlerContext) { channelContext = context }
    func handlerRemoved(context: ChannelHandlerContext) { channelContext = nil }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            perform(machine.receiveHeaders(headers.headers, endStream: headers.endStream), context: context)
        case .data(let frame):
            guard case .byteBuffer(let bytes) = frame.data else { return }
            perform(machine.receiveData(bytes, endStream: frame.endStream), context: context)
        case .rstStream:
            end(machine.clientWentAway(), context: context)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let deadline = unscheduledDeadline {
            unscheduledDeadline = nil
            if case .receivingUnary = machine.state {
                // A new stream's HEADERS come alone (the stream is made for them); its DATA is
                // usually in the same read of the connection and arrives before the loop's next
                // task, by which time the call may well have ended.
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    guard let context = loopBound.value.channelContext else { return }
                    loopBound.value.scheduleDeadline(deadline, context: context)
                }
            } else {
                scheduleDeadline(deadline, context: context)
            }
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(machine.clientWentAway(), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(machine.clientWentAway(), context: context)
        context.close(promise: nil)
    }

    private func perform(_ action: ServerStreamStateMachine.InboundAction, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .accept(let deadline, let streaming):
            unscheduledDeadline = deadline
            if let streaming { machine.attach(handlerTask: startStreaming(streaming, context: context)) }
        case .startUnary(let start):
            // Started first: the handler may finish (and the call end) before `attach` runs.
            let task = startUnary(start, context: context)
            machine.attach(handlerTask: task)
        case .end(let ending):
            end(ending, context: context)
        }
    }

    // MARK: Running the handler

    /// Runs the handler at once on this thread, the connection's event loop, until it first
    /// suspends; it resumes on the same loop (`EventLoopTaskExecutor`), and so finishes there.
    private func startUnary(
        _ start: ServerStreamStateMachine.UnaryStart, context: ChannelHandlerContext
    ) -> Task<Void, Never> {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let allocator = context.channel.allocator
        return Task.immediate(executorPreference: executor ?? EventLoopTaskExecutor(eventLoop)) {
            let result: Result<ByteBuffer, any Error>
            do {
                let response = try await start.body(start.request, start.context)
                result = .success(ProtoMessageFraming.frame(response, allocator: allocator))
            } catch {
                result = .failure(error)
            }
            if eventLoop.inEventLoop {
                loopBound.value.finishUnary(result)
            } else {
                eventLoop.execute { loopBound.value.finishUnary(result) }
            }
        }
    }

    private func finishUnary(_ result: Result<ByteBuffer, any Error>) {
        guard let context = channelContext else { return }
        switch machine.unaryFinished(result) {
        case .none:
            break
        case .respond(let framed, let ending):
            context.write(wrapOutboundOut(.headers(.init(headers: Self.responseHeaders))), promise: nil)
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(framed)))), promise: nil)
            end(ending, context: context)
        case .end(let ending):
            end(ending, context: context)
        }
    }

    private func startStreaming(
        _ start: ServerStreamStateMachine.StreamingStart, context: ChannelHandlerContext
    ) -> Task<Void, Never> {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let allocator = context.channel.allocator
        let writer = MessageWriter<any ProtoMessage> { message in
            let framed = ProtoMessageFraming.frame(message, allocator: allocator)
            try await eventLoop.flatSubmit { loopBound.value.writeStreamedMessage(framed, eventLoop: eventLoop) }.get()
        }
        return Task {
            let result: Result<Void, any Error>
            do {
                try await start.body(start.requests, writer, start.context)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            eventLoop.execute { loopBound.value.finishStreaming(result) }
        }
    }

    private func writeStreamedMessage(_ framed: ByteBuffer, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context = channelContext, case .write(let headersFirst) = machine.sendMessage() else {
            return eventLoop.makeFailedFuture(RPCError(.cancelled, "the call has ended"))
        }
        if headersFirst {
            context.write(wrapOutboundOut(.headers(.init(headers: Self.responseHeaders))), promise: nil)
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(framed)))), promise: promise)
        return promise.futureResult
    }

    private func finishStreaming(_ result: Result<Void, any Error>) {
        guard let context = channelContext else { return }
        end(machine.streamingFinished(result), context: context)
    }

    /// Schedules the timer for `deadline` (counted from the stream's start) unless the call has ended.
    private func scheduleDeadline(_ deadline: TimeAmount, context: ChannelHandlerContext) {
        if case .closed = machine.state { return }
        let remaining = deadline - TimeAmount(saturating: ContinuousClock.now - machine.startedAt)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        machine.attach(
            deadlineTimer: context.eventLoop.scheduleTask(in: remaining) {
                loopBound.value.deadlineExpired()
            })
    }

    private func deadlineExpired() {
        guard let context = channelContext else { return }
        end(machine.deadlineExpired(), context: context)
    }

    // MARK: Ending the call

    private static let responseHeaders: HPACKHeaders = [
        ":status": "200", "content-type": "application/grpc", "grpc-accept-encoding": "identity",
    ]
    /// The trailers of nearly every call, made once.
    private static let okTrailers: HPACKHeaders = ["grpc-status": "0"]

    /// Stops the call's timer and task, writes what the ending says, and tells the interceptors.
    private func end(_ ending: ServerStreamStateMachine.Ending?, context: ChannelHandlerContext) {
        guard let ending else { return }
        ending.call?.deadlineTimer?.cancel()
        ending.call?.handlerTask?.cancel()
        switch ending.response {
        case .status(let trailersOnly, let askClientToStop):
            writeStatus(
                ending.status, trailersOnly: trailersOnly, askClientToStop: askClientToStop, call: ending.call,
                context: context)
        case .unsupportedMediaType:
            let response: HPACKHeaders = [":status": "415", "content-type": "text/plain"]
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: response, endStream: true))), promise: nil)
        case .reset(let code):
            context.writeAndFlush(wrapOutboundOut(.rstStream(code)), promise: nil)
        case .nothing:
            break
        }
        guard let call = ending.call else { return }
        let duration = ContinuousClock.now - machine.startedAt
        for interceptor in machine.router.interceptors {
            interceptor.completed(
                call.context, code: ending.status.code, message: ending.status.message, duration: duration)
        }
    }

    private func writeStatus(
        _ status: RPCError, trailersOnly: Bool, askClientToStop: Bool, call: ServerStreamStateMachine.Call?,
        context: ChannelHandlerContext
    ) {
        // Trailers-only: the status travels in the only HEADERS frame.
        var trailers: HPACKHeaders
        if status.code == .ok && status.message.isEmpty && !trailersOnly {
            trailers = Self.okTrailers
        } else {
            trailers = trailersOnly ? Self.responseHeaders : HPACKHeaders()
            trailers.add(name: "grpc-status", value: String(status.code.rawValue))
            if !status.message.isEmpty {
                trailers.add(name: "grpc-message", value: StatusMessageCoding.encode(status.message))
            }
        }
        if let call { MetadataCoding.append(call.context.responseTrailers.current, to: &trailers) }
        MetadataCoding.append(status.metadata, to: &trailers)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: promise)
        let channel = context.channel
        promise.futureResult.whenComplete { result in
            switch result {
            case .failure:
                // A failed HEADERS write would otherwise leave the call hanging until the client's
                // deadline (docs/FIELD-NOTES.md).
                channel.close(promise: nil)
            case .success where askClientToStop:
                // The client is still sending (say, a message over the limit): ask it to stop
                // without error, as RFC 9113 section 8.1 has a server that answered early do.
                // Closing the channel would reset with CANCEL, which grpcio may then report as
                // CANCELLED in place of the status it was just sent.
                channel.writeAndFlush(HTTP2Frame.FramePayload.rstStream(.noError), promise: nil)
            case .success:
                break
            }
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
