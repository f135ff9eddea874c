import NIOCore
import NIOHPACK
import NIOHTTP2
import Schema

/// Receives what a client call gets back: response headers, messages and the final status.
struct ClientCallObserver: Sendable {
    var headers: @Sendable (Metadata) -> Void
    var message: @Sendable (ByteBuffer) -> Void
    /// Called exactly once; `nil` error means status OK.
    var finished: @Sendable (RPCError?, Metadata) -> Void
}

/// What opens a call's stream: its request HEADERS, the one request message of a unary or
/// server-streaming call, its deadline and who hears the answer. A value, so that it can cross to
/// the connection's event loop, where `ClientStreams` makes the stream.
struct StreamStarter: Sendable {
    let headers: HPACKHeaders
    let singleRequest: ByteBuffer?
    let deadline: NIODeadline
    let maxReceiveMessageBytes: Int
    let observer: ClientCallObserver
}

/// Runs the client side of one gRPC call on one HTTP/2 stream.
///
/// Writes the request HEADERS when `ClientStreams` opens the stream (and, for unary and
/// server-streaming calls, the one request message with END_STREAM), then reads the response
/// headers, the length-prefixed messages and the status in the trailers. Not a channel: it lives
/// on the connection's event loop, and the connection's handler hands it its frames.
final class ClientStream {
    private let starter: StreamStarter
    private var deframer: MessageDeframer
    private var receivedHeaders = false
    private(set) var finished = false
    private var deadlineTimer: Scheduled<Void>?
    /// The stream and its connection, from `start` until the stream closes.
    private var id: HTTP2StreamID?
    private var connection: ClientStreams?

    init(_ starter: StreamStarter) {
        self.starter = starter
        deframer = MessageDeframer(maxMessageBytes: starter.maxReceiveMessageBytes)
    }

    /// Whether the call still expects DATA from the server.
    var wantsData: Bool { !finished }

    /// Sends the request HEADERS (and the single request) on stream `id`.
    func start(id: HTTP2StreamID, connection: ClientStreams) {
        self.id = id
        self.connection = connection
        let eventLoop = connection.eventLoop
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        deadlineTimer = eventLoop.scheduleTask(deadline: starter.deadline) {
            loopBound.value.fail(RPCError(.deadlineExceeded, "deadline exceeded"), reset: true)
        }
        let headersPromise = eventLoop.makePromise(of: Void.self)
        connection.write(.headers(.init(headers: starter.headers, endStream: false)), on: id, promise: headersPromise)
        if let singleRequest = starter.singleRequest {
            connection.write(.data(.init(data: .byteBuffer(singleRequest), endStream: true)), on: id)
        }
        connection.flush()
        headersPromise.futureResult.whenFailure { error in
            loopBound.value.fail(RPCError(.unavailable, "cannot open a stream: \(error)"), reset: true)
        }
    }

    /// Sends one more request message, or the end of the requests.
    func send(_ payload: HTTP2Frame.FramePayload, promise: EventLoopPromise<Void>) {
        guard let id, let connection, !finished else {
            promise.fail(RPCError(.cancelled, "the call has ended"))
            return
        }
        connection.write(payload, on: id, promise: promise)
        connection.flush()
    }

    /// Ends the call locally (cancellation): resets the stream.
    func cancel() {
        fail(RPCError(.cancelled, "the call was cancelled"), reset: true)
    }

    func receive(_ payload: HTTP2Frame.FramePayload) {
        guard !finished else { return }
        switch payload {
        case .headers(let frame):
            if !receivedHeaders {
                receivedHeaders = true
                if let failure = Self.httpFailure(frame.headers) {
                    fail(failure, reset: true)
                    return
                }
                if frame.endStream {
                    finishWithTrailers(frame.headers)
                } else {
                    starter.observer.headers(MetadataCoding.metadata(from: frame.headers))
                }
            } else {
                finishWithTrailers(frame.headers)
            }
        case .data(let frame):
            guard case .byteBuffer(let bytes) = frame.data else { return }
            deframer.append(bytes)
            do {
                while let message = try deframer.next() { starter.observer.message(message) }
            } catch {
                let failure: RPCError
                switch error {
                case .tooLarge(let length, let limit):
                    failure = RPCError(
                        .resourceExhausted,
                        "response message of \(length) bytes is larger than the limit of \(limit) bytes")
                case .compressed, .invalidFlag:
                    failure = RPCError(.internalError, "response message uses an unsupported encoding")
                }
                fail(failure, reset: true)
                return
            }
            if frame.endStream {
                finish(RPCError(.internalError, "the server ended the stream without a status"), Metadata())
            }
        case .rstStream(let code):
            finish(Self.error(forReset: code), Metadata())
        default:
            break
        }
    }

    /// The stream has closed, or its connection has. A reset from the server arrives first as an
    /// RST_STREAM frame (`receive`); a stream closed with a reason and no such frame went with its
    /// connection (NIOHTTP2 says CANCEL, or REFUSED_STREAM after GOAWAY).
    func closed(reason: HTTP2ErrorCode?) {
        if reason == nil {
            finish(RPCError(.unavailable, "the stream closed before the call completed"), Metadata())
        } else {
            finish(RPCError(.unavailable, "the connection closed before the call completed"), Metadata())
        }
        connection = nil
    }

    /// NIOHTTP2Handler refused a frame of this stream (and reset it).
    func failed(_ error: any Error) {
        finish(RPCError(.unavailable, "stream failed: \(error)"), Metadata())
        connection = nil
    }

    private func fail(_ error: RPCError, reset: Bool) {
        guard !finished else { return }
        finish(error, Metadata())
        if reset, let id, let connection {
            connection.write(.rstStream(.cancel), on: id)
            connection.flush()
        }
    }

    private func finishWithTrailers(_ trailers: HPACKHeaders) {
        let metadata = MetadataCoding.metadata(from: trailers)
        guard let statusText = trailers.first(name: "grpc-status"), let code = Int(statusText) else {
            finish(RPCError(.internalError, "the response has no grpc-status"), metadata)
            return
        }
        if code == 0 {
            finish(nil, metadata)
        } else {
            let message = trailers.first(name: "grpc-message").map(StatusMessageCoding.decode) ?? ""
            finish(RPCError(StatusCode(rawValue: code), message, metadata: metadata), metadata)
        }
    }

    private func finish(_ error: RPCError?, _ trailers: Metadata) {
        guard !finished else { return }
        finished = true
        deadlineTimer?.cancel()
        starter.observer.finished(error, trailers)
    }

    private static func httpFailure(_ headers: HPACKHeaders) -> RPCError? {
        let status = headers.first(name: ":status") ?? ""
        if status != "200" {
            let code: StatusCode
            switch status {
            case "400": code = .internalError
            case "401": code = .unauthenticated
            case "403": code = .permissionDenied
            case "404": code = .unimplemented
            case "429", "502", "503", "504": code = .unavailable
            default: code = .unknown
            }
            return RPCError(code, "HTTP status \(status)")
        }
        let contentType = headers.first(name: "content-type") ?? ""
        if !contentType.hasPrefix("application/grpc") {
            return RPCError(.unknown, "unexpected content-type '\(contentType)'")
        }
        return nil
    }

    static func error(forReset code: HTTP2ErrorCode?) -> RPCError {
        switch code {
        case .some(.cancel): return RPCError(.cancelled, "the server cancelled the stream")
        case .some(.refusedStream): return RPCError(.unavailable, "the server refused the stream")
        case .some(.enhanceYourCalm): return RPCError(.resourceExhausted, "the server asked us to calm down")
        case .some(.noError): return RPCError(.unavailable, "the stream was reset")
        default: return RPCError(.internalError, "the stream was reset (\(code.map { "\($0)" } ?? "unknown"))")
        }
    }
}
