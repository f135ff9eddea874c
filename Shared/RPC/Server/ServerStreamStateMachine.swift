import NIOCore
import NIOHPACK
import NIOHTTP2
import Schema

/// The life of one server call on one HTTP/2 stream, as one state.
///
/// `ServerStream` feeds it what arrives (HEADERS, DATA, RST_STREAM, the stream or connection closing)
/// and what happens (the handler's task finishing or writing, the deadline passing) and performs
/// the action each transition returns; the machine itself writes nothing to the channel. It owns
/// the request's deframer and, for a streaming call, the stream the handler reads its requests from.
/// Modelled on grpc-swift-nio-transport's `GRPCStreamStateMachine` and swift-nio-http2's state
/// machines: each state carries exactly the data valid in it.
///
/// ```
/// idle ─HEADERS, unary────▶ receivingUnary ─END_STREAM─▶ runningUnary ──────────▶ closed
///   │  ─HEADERS, streaming─▶ streaming ─────END_STREAM─▶ streamingClientClosed ─▶ closed
///   └─refused (not gRPC, unknown method, bad header, interceptor, DATA first) ─────▶ closed
/// ```
///
/// Every open state also closes when the request breaks a rule (a message over the limit, a second
/// unary message, the stream ending inside a message), at the deadline, and when the client resets
/// the stream or the connection goes. In `closed` everything is ignored: a call ends exactly once.
struct ServerStreamStateMachine {
    /// How many request messages may wait for a streaming handler before the call fails.
    static let maxBufferedRequests = 1024

    /// The request messages of a streaming call, as its handler reads them.
    typealias Requests = AsyncThrowingStream<ByteBuffer, any Error>

    enum State {
        /// Waiting for the request HEADERS.
        case idle
        /// A unary call reading its one request message; its handler starts at END_STREAM.
        case receivingUnary(ReceivingUnary)
        /// A unary call whose handler runs: the client has finished, nothing has been written.
        case runningUnary(Call)
        /// A streaming call whose handler runs while the client is still sending.
        case streaming(Streaming)
        /// A streaming call after the client's END_STREAM.
        case streamingClientClosed(Call, response: ResponseHead)
        /// The call has ended (status written, refused, reset, or the client gone).
        case closed
        /// Only inside a transition that updates a state's data in place, so that its buffers stay
        /// uniquely referenced and are not copied.
        case modifying
    }

    /// Whether the response HEADERS have gone out (then the status follows in trailers).
    enum ResponseHead: Equatable {
        case pending
        case sent
    }

    /// A routed, accepted call: what every open state carries.
    struct Call {
        /// What routing found: a class, so that moving a call from state to state copies one
        /// reference rather than the context's and the method's many.
        final class Route: Sendable {
            let context: ServerContext
            let method: ServerMethod
            init(context: ServerContext, method: ServerMethod) {
                self.context = context
                self.method = method
            }
        }

        let route: Route
        var context: ServerContext { route.context }
        var method: ServerMethod { route.method }
        /// The timer for the client's `grpc-timeout`: nil without one, and until the handler has
        /// scheduled it (`attach(deadlineTimer:)`, right after the action that asks for it).
        var deadlineTimer: Scheduled<Void>?
        /// The task running the method's body, from `attach(handlerTask:)` on.
        var handlerTask: Task<Void, Never>?
    }

    /// `receivingUnary`'s data: the bytes so far, and the request once a whole message has come.
    struct ReceivingUnary {
        var call: Call
        var deframer: MessageDeframer
        var request: ByteBuffer?
    }

    /// `streaming`'s data: the bytes so far and where whole messages go for the handler to read.
    struct Streaming {
        var call: Call
        var deframer: MessageDeframer
        let requests: Requests.Continuation
        var response: ResponseHead
    }

    let router: ServerCallRouter
    let peer: PeerIdentity
    let remoteAddress: String
    /// When the stream opened: the start of `grpc-timeout` and of the call's reported duration.
    let startedAt: ContinuousClock.Instant
    private(set) var state: State = .idle

    init(
        router: ServerCallRouter, peer: PeerIdentity, remoteAddress: String,
        startedAt: ContinuousClock.Instant = .now
    ) {
        self.router = router
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.startedAt = startedAt
    }

    // MARK: From the client

    /// The request HEADERS, or (once the call is open) the client's trailers.
    mutating func receiveHeaders(_ headers: HPACKHeaders, endStream: Bool) -> InboundAction {
        switch state {
        case .idle:
            return openCall(headers, endStream: endStream)
        case .receivingUnary, .streaming:
            // A second HEADERS carries the client's trailers and must end the stream (RFC 9113 8.1;
            // swift-nio-http2 already refuses one that does not, as it refuses DATA before HEADERS).
            guard endStream else {
                return .end(close(RPCError(.internalError, "HEADERS twice without END_STREAM"), .reset(.protocolError)))
            }
            return receiveEndStream()
        case .runningUnary, .streamingClientClosed, .closed:
            return .none
        case .modifying:
            preconditionFailure("re-entered ServerStreamStateMachine")
        }
    }

    /// A DATA frame's bytes.
    mutating func receiveData(_ bytes: ByteBuffer, endStream: Bool) -> InboundAction {
        switch state {
        case .idle:
            state = .closed
            let error = RPCError(.internalError, "DATA before the request HEADERS")
            return .end(Ending(status: error, response: .reset(.protocolError), call: nil))
        case .receivingUnary(var receiving):
            state = .modifying
            receiving.deframer.append(bytes)
            do {
                while let message = try receiving.deframer.next() {
                    guard receiving.request == nil else {
                        state = .receivingUnary(receiving)
                        return .end(fail(Self.secondUnaryMessage, clientDone: endStream))
                    }
                    receiving.request = message
                }
            } catch {
                state = .receivingUnary(receiving)
                return .end(fail(Self.rpcError(error), clientDone: endStream))
            }
            state = .receivingUnary(receiving)
        case .streaming(var streaming):
            state = .modifying
            streaming.deframer.append(bytes)
            do {
                while let message = try streaming.deframer.next() {
                    if case .dropped = streaming.requests.yield(message) {
                        state = .streaming(streaming)
                        return .end(fail(Self.tooManyWaiting, clientDone: endStream))
                    }
                }
            } catch {
                state = .streaming(streaming)
                return .end(fail(Self.rpcError(error), clientDone: endStream))
            }
            state = .streaming(streaming)
        case .runningUnary, .streamingClientClosed, .closed:
            // After END_STREAM (swift-nio-http2 refuses such DATA first) or after the status.
            return .none
        case .modifying:
            preconditionFailure("re-entered ServerStreamStateMachine")
        }
        return endStream ? receiveEndStream() : .none
    }

    /// RST_STREAM from the client, the stream channel closing, or an error on it.
    mutating func clientWentAway() -> Ending? {
        switch state {
        case .idle:
            state = .closed
            return nil
        case .closed:
            return nil
        case .receivingUnary, .runningUnary, .streaming, .streamingClientClosed:
            return close(RPCError(.cancelled, "the client cancelled the call"), .nothing)
        case .modifying:
            preconditionFailure("re-entered ServerStreamStateMachine")
        }
    }

    // MARK: From the call's handler and timer

    /// Hands the machine the deadline timer the `.accept` action asked for.
    mutating func attach(deadlineTimer: Scheduled<Void>) {
        guard updateCall({ $0.deadlineTimer = deadlineTimer }) else { return deadlineTimer.cancel() }
    }

    /// Hands the machine the task that `.accept` or `.startUnary` asked to start.
    mutating func attach(handlerTask: Task<Void, Never>) {
        guard updateCall({ $0.handlerTask = handlerTask }) else { return handlerTask.cancel() }
    }

    /// A unary handler returned (the framed response) or threw.
    mutating func unaryFinished(_ result: Result<ByteBuffer, any Error>) -> UnaryCompletion {
        guard case .runningUnary(let call) = state else { return .none }
        state = .closed
        switch result {
        case .success(let framed):
            let ok = RPCError(.ok, "")
            return .respond(
                framed, Ending(status: ok, response: .status(trailersOnly: false, askClientToStop: false), call: call))
        case .failure(let error):
            let status = router.status(for: error, method: call.method.descriptor)
            return .end(
                Ending(status: status, response: .status(trailersOnly: true, askClientToStop: false), call: call))
        }
    }

    /// A streaming handler returned or threw.
    mutating func streamingFinished(_ result: Result<Void, any Error>) -> Ending? {
        let method: MethodDescriptor
        switch state {
        case .streaming(let streaming): method = streaming.call.method.descriptor
        case .streamingClientClosed(let call, _): method = call.method.descriptor
        case .idle, .receivingUnary, .runningUnary, .closed: return nil
        case .modifying: preconditionFailure("re-entered ServerStreamStateMachine")
        }
        switch result {
        case .success: return fail(RPCError(.ok, ""), clientDone: false)
        case .failure(let error): return fail(router.status(for: error, method: method), clientDone: false)
        }
    }

    /// A streaming handler writes a response message.
    mutating func sendMessage() -> SendAction {
        switch state {
        case .streaming(var streaming):
            state = .modifying
            let headersFirst = streaming.response == .pending
            streaming.response = .sent
            state = .streaming(streaming)
            return .write(headersFirst: headersFirst)
        case .streamingClientClosed(let call, let response):
            state = .streamingClientClosed(call, response: .sent)
            return .write(headersFirst: response == .pending)
        case .idle, .receivingUnary, .runningUnary, .closed:
            return .refuse
        case .modifying:
            preconditionFailure("re-entered ServerStreamStateMachine")
        }
    }

    /// The client's `grpc-timeout` has run out.
    mutating func deadlineExpired() -> Ending? {
        switch state {
        case .idle, .closed: return nil
        case .receivingUnary, .runningUnary, .streaming, .streamingClientClosed:
            return fail(RPCError(.deadlineExceeded, "deadline exceeded"), clientDone: false)
        case .modifying: preconditionFailure("re-entered ServerStreamStateMachine")
        }
    }
}

// MARK: Opening and closing

extension ServerStreamStateMachine {
    private mutating func openCall(_ headers: HPACKHeaders, endStream: Bool) -> InboundAction {
        let routed: (call: Call, timeout: Duration?)
        do {
            routed = try route(headers)
        } catch {
            state = .closed
            switch error {
            case .notGRPC:
                let status = RPCError(.internalError, "the content-type is not gRPC")
                return .end(Ending(status: status, response: .unsupportedMediaType, call: nil))
            case .status(let status, let call):
                let response = Ending.Response.status(trailersOnly: true, askClientToStop: !endStream)
                return .end(Ending(status: status, response: response, call: call))
            }
        }
        let deadline = routed.timeout.map { TimeAmount(saturating: $0) }
        let deframer = MessageDeframer(maxMessageBytes: router.maxReceiveMessageBytes)
        switch routed.call.method.body {
        case .unary:
            state = .receivingUnary(ReceivingUnary(call: routed.call, deframer: deframer, request: nil))
            return endStream ? receiveEndStream() : .accept(deadline: deadline, streaming: nil)
        case .streaming(let body):
            let (stream, continuation) = Requests.makeStream(
                bufferingPolicy: .bufferingOldest(Self.maxBufferedRequests))
            state = .streaming(
                Streaming(call: routed.call, deframer: deframer, requests: continuation, response: .pending))
            if endStream { _ = receiveEndStream() }
            let start = StreamingStart(body: body, requests: MessageStream(stream), context: routed.call.context)
            return .accept(deadline: deadline, streaming: start)
        }
    }

    /// The client's END_STREAM, after the frame's messages.
    private mutating func receiveEndStream() -> InboundAction {
        switch state {
        case .receivingUnary(let receiving):
            if receiving.deframer.hasPartialMessage { return .end(fail(Self.endedInsideMessage, clientDone: true)) }
            guard let request = receiving.request, case .unary(let body) = receiving.call.method.body else {
                return .end(fail(Self.secondUnaryMessage, clientDone: true))
            }
            state = .runningUnary(receiving.call)
            return .startUnary(UnaryStart(body: body, request: request, context: receiving.call.context))
        case .streaming(let streaming):
            if streaming.deframer.hasPartialMessage { return .end(fail(Self.endedInsideMessage, clientDone: true)) }
            streaming.requests.finish()
            state = .streamingClientClosed(streaming.call, response: streaming.response)
            return .none
        case .idle, .runningUnary, .streamingClientClosed, .closed:
            return .none
        case .modifying:
            preconditionFailure("re-entered ServerStreamStateMachine")
        }
    }

    /// Ends an open call with `status` written to the client. `clientDone`: the frame being read
    /// carries END_STREAM, so a client the state still counts as sending has in fact finished.
    private mutating func fail(_ status: RPCError, clientDone: Bool) -> Ending {
        let trailersOnly: Bool
        let clientSending: Bool
        switch state {
        case .receivingUnary: (trailersOnly, clientSending) = (true, !clientDone)
        case .runningUnary: (trailersOnly, clientSending) = (true, false)
        case .streaming(let streaming): (trailersOnly, clientSending) = (streaming.response == .pending, !clientDone)
        case .streamingClientClosed(_, let response): (trailersOnly, clientSending) = (response == .pending, false)
        case .idle, .closed, .modifying: preconditionFailure("no open call to fail")
        }
        return close(status, .status(trailersOnly: trailersOnly, askClientToStop: clientSending))
    }

    /// Leaves the open state for `closed`; a streaming handler's requests end with `status`.
    private mutating func close(_ status: RPCError, _ response: Ending.Response) -> Ending {
        let call: Call?
        switch state {
        case .receivingUnary(let receiving): call = receiving.call
        case .runningUnary(let running): call = running
        case .streaming(let streaming):
            if status.code == .ok { streaming.requests.finish() } else { streaming.requests.finish(throwing: status) }
            call = streaming.call
        case .streamingClientClosed(let running, _): call = running
        case .idle, .closed: call = nil
        case .modifying: preconditionFailure("re-entered ServerStreamStateMachine")
        }
        state = .closed
        return Ending(status: status, response: response, call: call)
    }

    /// Applies `update` to the open call; false when there is none.
    private mutating func updateCall(_ update: (inout Call) -> Void) -> Bool {
        switch state {
        case .receivingUnary(var receiving):
            state = .modifying
            update(&receiving.call)
            state = .receivingUnary(receiving)
        case .runningUnary(var call):
            update(&call)
            state = .runningUnary(call)
        case .streaming(var streaming):
            state = .modifying
            update(&streaming.call)
            state = .streaming(streaming)
        case .streamingClientClosed(var call, let response):
            update(&call)
            state = .streamingClientClosed(call, response: response)
        case .idle, .closed:
            return false
        case .modifying:
            preconditionFailure("re-entered ServerStreamStateMachine")
        }
        return true
    }
}
