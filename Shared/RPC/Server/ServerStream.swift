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
/// on the global executor), and writes response HEADERS, DATA and the status in trailers. Early
/// failures (unknown method, refused caller, unsupported encoding) are answered with a
/// trailers-only response; a non-gRPC content type gets HTTP 415. What the call may do next is
/// `ServerStreamStateMachine`'s to say; this class performs its actions.
///
/// Not a channel: `ServerStreams`, the connection's handler, hands it its frames and writes what it
/// answers. It lives on the connection's event loop; its tasks come back there to write.
final class ServerStream {
    let id: HTTP2StreamID
    private var machine: ServerStreamStateMachine
    /// The connection while the stream is open on it; nil once the stream has closed.
    private var connection: ServerStreams?
    private let eventLoop: any EventLoop
    /// The connection's event loop as a task executor (one per connection).
    private let executor: EventLoopTaskExecutor
    /// The client's `grpc-timeout`, until the end of the read that brought it: a unary call that
    /// ends within that read (the common case) then needs no timer.
    private var unscheduledDeadline: TimeAmount?
    /// Whether the current read of the connection brought this stream a frame.
    var inRead = false
    /// Bytes of streamed response messages written to the connection and not yet sent on.
    private var streamedBytesInFlight = 0
    /// How far a streaming handler may write ahead of the socket before a write waits: a message
    /// at a time would cost every message a wait for the loop turn that flushes it.
    static let streamedBytesAhead = 64 << 10

    init(id: HTTP2StreamID, connection: ServerStreams, peer: PeerIdentity, remoteAddress: String) {
        self.id = id
        self.connection = connection
        eventLoop = connection.eventLoop
        executor = connection.executor
        machine = ServerStreamStateMachine(router: connection.router, peer: peer, remoteAddress: remoteAddress)
    }

    // MARK: Inbound

    /// Whether the client has sent END_STREAM (then the stream's receive window needs no updates).
    var clientFinished: Bool {
        switch machine.state {
        case .idle, .receivingUnary, .streaming, .modifying: false
        case .runningUnary, .streamingClientClosed, .closed: true
        }
    }

    func receive(_ payload: HTTP2Frame.FramePayload) {
        switch payload {
        case .headers(let headers):
            perform(machine.receiveHeaders(headers.headers, endStream: headers.endStream))
        case .data(let frame):
            guard case .byteBuffer(let bytes) = frame.data else { return }
            perform(machine.receiveData(bytes, endStream: frame.endStream))
        case .rstStream:
            end(machine.clientWentAway())
        default:
            break
        }
    }

    /// The read that brought this stream frames is over.
    func readComplete() {
        inRead = false
        guard let deadline = unscheduledDeadline else { return }
        unscheduledDeadline = nil
        if case .receivingUnary = machine.state {
            // A new stream's HEADERS often come without its DATA, which is then usually in the
            // connection's next read, before the loop's next task; by then the call may have ended.
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.execute { loopBound.value.scheduleDeadline(deadline) }
        } else {
            scheduleDeadline(deadline)
        }
    }

    /// The stream has closed (both ends done, or reset by either side) or the connection has gone:
    /// a call still open ends without writing anything.
    func closed() {
        end(machine.clientWentAway())
        connection = nil
    }

    private func perform(_ action: ServerStreamStateMachine.InboundAction) {
        switch action {
        case .none:
            break
        case .accept(let deadline, let streaming):
            unscheduledDeadline = deadline
            if let streaming { machine.attach(handlerTask: startStreaming(streaming)) }
        case .startUnary(let start):
            // Started first: the handler may finish (and the call end) before `attach` runs.
            let task = startUnary(start)
            machine.attach(handlerTask: task)
        case .end(let ending):
            end(ending)
        }
    }

    // MARK: Running the handler

    /// Runs the handler at once on this thread, the connection's event loop, until it first
    /// suspends; it resumes on the same loop (`EventLoopTaskExecutor`), and so finishes there.
    private func startUnary(_ start: ServerStreamStateMachine.UnaryStart) -> Task<Void, Never> {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        let allocator = Self.allocator
        return Task.immediate(executorPreference: executor) {
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

    /// NIO's allocator is a stateless value: every channel's is the same.
    private static let allocator = ByteBufferAllocator()

    private func finishUnary(_ result: Result<ByteBuffer, any Error>) {
        guard let connection else { return }
        switch machine.unaryFinished(result) {
        case .none:
            break
        case .respond(let framed, let ending):
            connection.write(.headers(.init(headers: Self.responseHeaders)), on: id)
            connection.write(.data(.init(data: .byteBuffer(framed))), on: id)
            end(ending)
        case .end(let ending):
            end(ending)
        }
    }

    private func startStreaming(_ start: ServerStreamStateMachine.StreamingStart) -> Task<Void, Never> {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        let allocator = Self.allocator
        let writer = MessageWriter<any ProtoMessage> { message in
            let framed = ProtoMessageFraming.frame(message, allocator: allocator)
            try await eventLoop.flatSubmit { loopBound.value.writeStreamedMessage(framed) }.get()
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

    private func writeStreamedMessage(_ framed: ByteBuffer) -> EventLoopFuture<Void> {
        guard let connection, case .write(let headersFirst) = machine.sendMessage() else {
            return eventLoop.makeFailedFuture(RPCError(.cancelled, "the call has ended"))
        }
        if headersFirst {
            connection.write(.headers(.init(headers: Self.responseHeaders)), on: id)
        }
        let promise = eventLoop.makePromise(of: Void.self)
        let size = framed.readableBytes
        streamedBytesInFlight += size
        connection.write(.data(.init(data: .byteBuffer(framed))), on: id, promise: promise)
        connection.flush()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        promise.futureResult.whenComplete { _ in loopBound.value.streamedBytesInFlight -= size }
        // A failed write ends the call, which the next write or the handler's end then hears.
        return streamedBytesInFlight <= Self.streamedBytesAhead
            ? eventLoop.makeSucceededVoidFuture() : promise.futureResult
    }

    private func finishStreaming(_ result: Result<Void, any Error>) {
        guard connection != nil else { return }
        end(machine.streamingFinished(result))
    }

    /// Schedules the timer for `deadline` (counted from the stream's start) unless the call has ended.
    private func scheduleDeadline(_ deadline: TimeAmount) {
        if case .closed = machine.state { return }
        let remaining = deadline - TimeAmount(saturating: ContinuousClock.now - machine.startedAt)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        machine.attach(
            deadlineTimer: eventLoop.scheduleTask(in: remaining) {
                loopBound.value.deadlineExpired()
            })
    }

    private func deadlineExpired() {
        guard connection != nil else { return }
        end(machine.deadlineExpired())
    }

    // MARK: Ending the call

    private static let responseHeaders: HPACKHeaders = [
        ":status": "200", "content-type": "application/grpc", "grpc-accept-encoding": "identity",
    ]
    /// The trailers of nearly every call, made once.
    private static let okTrailers: HPACKHeaders = ["grpc-status": "0"]

    /// Stops the call's timer and task, writes what the ending says, and tells the interceptors.
    private func end(_ ending: ServerStreamStateMachine.Ending?) {
        guard let ending else { return }
        ending.call?.deadlineTimer?.cancel()
        ending.call?.handlerTask?.cancel()
        if let connection {
            switch ending.response {
            case .status(let trailersOnly, let askClientToStop):
                writeStatus(
                    ending.status, trailersOnly: trailersOnly, askClientToStop: askClientToStop, call: ending.call,
                    connection: connection)
            case .unsupportedMediaType:
                let response: HPACKHeaders = [":status": "415", "content-type": "text/plain"]
                connection.write(.headers(.init(headers: response, endStream: true)), on: id)
                connection.flush()
            case .reset(let code):
                connection.write(.rstStream(code), on: id)
                connection.flush()
            case .nothing:
                break
            }
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
        connection: ServerStreams
    ) {
        // Trailers-only: the status travels in the only HEADERS frame.
        var trailers: HPACKHeaders
        let plainOK = status.code == .ok && status.message.isEmpty && !trailersOnly
        if plainOK {
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
        if plainOK && !askClientToStop && trailers.count == Self.okTrailers.count {
            // Nothing to do after these, and nothing in them that swift-nio-http2 could refuse.
            connection.write(.headers(.init(headers: trailers, endStream: true)), on: id)
            connection.flush()
            return
        }
        let promise = eventLoop.makePromise(of: Void.self)
        connection.write(.headers(.init(headers: trailers, endStream: true)), on: id, promise: promise)
        connection.flush()
        let id = self.id
        let loopBound = NIOLoopBound(connection, eventLoop: eventLoop)
        promise.futureResult.whenComplete { result in
            switch result {
            case .failure:
                // A failed HEADERS write would otherwise leave the call hanging until the client's
                // deadline (docs/FIELD-NOTES.md).
                loopBound.value.write(.rstStream(.cancel), on: id)
            case .success where askClientToStop:
                // The client is still sending (say, a message over the limit): ask it to stop
                // without error, as RFC 9113 section 8.1 has a server that answered early do. A
                // reset with CANCEL may make grpcio report CANCELLED in place of the status it was
                // just sent.
                loopBound.value.write(.rstStream(.noError), on: id)
            case .success:
                return
            }
            loopBound.value.flush()
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
