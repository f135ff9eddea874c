import NIOCore
import NIOHPACK
import Schema
import Synchronization

/// The server side of one in-process call, doing what `ServerStream` does for an HTTP/2
/// stream: deframes the client's length-prefixed requests (size limit, one message for unary
/// methods), runs the handler in its own task, frames what it writes, enforces the deadline and
/// ends with exactly one status, which it reports to the interceptors.
final class InProcessCall: Sendable {
    /// The framed response messages; the stream ends without error on OK and throws the status
    /// (an `RPCError` carrying the trailers) otherwise.
    let responses: AsyncThrowingStream<ByteBuffer, any Error>
    private let responseSink: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let requests: AsyncThrowingStream<ByteBuffer, any Error>
    private let requestSink: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let router: ServerCallRouter?
    private let context: ServerContext?
    private let startedAt: ContinuousClock.Instant
    private let state: Mutex<State>

    /// As many request messages as `ServerStream` lets wait for a streaming handler.
    private static let maxBufferedRequests = 1024

    private struct State {
        var deframer: MessageDeframer
        var body: ServerMethod.Body?
        var unaryRequest: ByteBuffer?
        var unaryRequestCount = 0
        var inputClosed = false
        var finished = false
        var trailers = Metadata()
        var handler: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }

    init(router: ServerCallRouter?, context: ServerContext?, startedAt: ContinuousClock.Instant) {
        (responses, responseSink) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        (requests, requestSink) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(Self.maxBufferedRequests))
        self.router = router
        self.context = context
        self.startedAt = startedAt
        self.state = Mutex(State(deframer: MessageDeframer(maxMessageBytes: router?.maxReceiveMessageBytes ?? 0)))
    }

    /// A call refused before it reached a method (nothing served, unknown method).
    static func failed(_ error: RPCError) -> InProcessCall {
        let call = InProcessCall(router: nil, context: nil, startedAt: .now)
        call.finish(error)
        return call
    }

    /// The trailing metadata, once the call has finished.
    var trailers: Metadata { state.withLock { $0.trailers } }

    // MARK: The client's side

    /// Bytes of the request stream, as a DATA frame would carry them.
    func send(_ bytes: ByteBuffer) throws(RPCError) {
        var failure: RPCError?
        let ended = state.withLock { state -> Bool in
            guard !state.finished, !state.inputClosed else { return true }
            state.deframer.append(bytes)
            do throws(MessageDeframer.Failure) {
                while let message = try state.deframer.next() {
                    if case .unary = state.body {
                        state.unaryRequestCount += 1
                        guard state.unaryRequestCount == 1 else {
                            failure = RPCError(.internalError, "a unary call carries exactly one request message")
                            return false
                        }
                        state.unaryRequest = message
                    } else if case .dropped = requestSink.yield(message) {
                        failure = RPCError(
                            .resourceExhausted,
                            "more than \(Self.maxBufferedRequests) request messages are waiting for the handler")
                        return false
                    }
                }
            } catch {
                failure = Self.requestFailure(error)
            }
            return false
        }
        if let failure { finish(failure) }
        if ended { throw RPCError(.cancelled, "the call has ended") }
    }

    /// The client's END_STREAM: a unary handler starts now.
    func endInput() {
        let next = state.withLock { state -> (failure: RPCError?, unary: (ByteBuffer, ServerMethod.Body)?) in
            guard !state.finished, !state.inputClosed else { return (nil, nil) }
            state.inputClosed = true
            if state.deframer.hasPartialMessage {
                return (RPCError(.internalError, "the request ended inside a message"), nil)
            }
            guard case .unary = state.body else { return (nil, nil) }
            guard let request = state.unaryRequest, let body = state.body else {
                return (RPCError(.internalError, "a unary call carries exactly one request message"), nil)
            }
            state.unaryRequest = nil
            return (nil, (request, body))
        }
        if let failure = next.failure { return finish(failure) }
        if let (request, body) = next.unary {
            startHandler { call, context in
                guard case .unary(let handler) = body else { return }
                try call.write(try await handler(request, context))
            }
        } else {
            requestSink.finish()
        }
    }

    /// The client went away (its task was cancelled, or it stopped reading early).
    func cancel() {
        finish(RPCError(.cancelled, "the client cancelled the call"))
    }

    // MARK: The server's side

    /// Arms the deadline and, for streaming methods, starts the handler at once.
    func run(_ body: ServerMethod.Body) {
        guard let deadline = context?.deadline else { return }
        let timer = Task.detached { [self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            if !Task.isCancelled { finish(RPCError(.deadlineExceeded, "deadline exceeded")) }
        }
        let finished = state.withLock { state -> Bool in
            state.body = body
            state.timer = timer
            return state.finished
        }
        if finished { timer.cancel() }
        guard case .streaming(let handler) = body else { return }
        let requests = MessageStream(self.requests)
        startHandler { call, context in
            try await handler(requests, MessageWriter { try call.write($0) }, context)
        }
    }

    /// Runs the handler detached from the caller's task, as a server's handler is: it inherits no
    /// task-local value (such as the caller's business day) and no cancellation from the client.
    private func startHandler(_ body: @escaping @Sendable (InProcessCall, ServerContext) async throws -> Void) {
        guard let context else { return }
        let task = Task.detached { [self] in
            do {
                try await body(self, context)
                finish(nil)
            } catch {
                finish(error)
            }
        }
        let finished = state.withLock { state -> Bool in
            state.handler = task
            return state.finished
        }
        if finished { task.cancel() }
    }

    /// A response message from the handler, framed as on the wire.
    private func write(_ message: any ProtoMessage) throws(RPCError) {
        let framed = ProtoMessageFraming.frame(message, allocator: ByteBufferAllocator())
        let written = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            responseSink.yield(framed)
            return true
        }
        guard written else { throw RPCError(.cancelled, "the call has ended") }
    }

    /// Ends the call with OK (`nil`) or the status `error` maps to; only the first call counts.
    func finish(_ error: (any Error)?) {
        let status = error.map {
            router?.status(for: $0, method: context?.method) ?? ($0 as? RPCError)
                ?? RPCError(.unknown, "internal error")
        }
        var trailers = context?.responseTrailers.current ?? Metadata()
        for entry in status?.metadata ?? Metadata() { trailers.add(entry) }
        trailers = InProcessServer.throughHeaders(trailers)
        let tasks = state.withLock { state -> (Task<Void, Never>?, Task<Void, Never>?)? in
            guard !state.finished else { return nil }
            state.finished = true
            state.trailers = trailers
            return (state.handler, state.timer)
        }
        guard let (handler, timer) = tasks else { return }
        handler?.cancel()
        timer?.cancel()
        requestSink.finish(throwing: status ?? RPCError(.cancelled, "the call has ended"))
        // Reported before the caller hears the status, so a test that reads logs or metrics right
        // after a call finds it there.
        if let router, let context {
            let duration = ContinuousClock.now - startedAt
            for interceptor in router.interceptors {
                interceptor.completed(
                    context, code: status?.code ?? .ok, message: status?.message ?? "", duration: duration)
            }
        }
        if let status {
            // The message makes the trip through grpc-message's percent-encoding.
            let message = StatusMessageCoding.decode(StatusMessageCoding.encode(status.message))
            responseSink.finish(throwing: RPCError(status.code, message, metadata: trailers))
        } else {
            responseSink.finish()
        }
    }

    private static func requestFailure(_ error: MessageDeframer.Failure) -> RPCError {
        switch error {
        case .tooLarge(let length, let limit):
            return RPCError(
                .resourceExhausted, "request message of \(length) bytes is larger than the limit of \(limit) bytes")
        case .compressed:
            return RPCError(.internalError, "compressed message received without a grpc-encoding")
        case .invalidFlag(let flag):
            return RPCError(.internalError, "invalid message flag \(flag)")
        }
    }
}
