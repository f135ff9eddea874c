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

/// Runs the client side of one gRPC call on one HTTP/2 stream.
///
/// Writes the request HEADERS when the stream becomes active (and, for unary and
/// server-streaming calls, the one request message with END_STREAM), then reads the response
/// headers, the length-prefixed messages and the status in the trailers.
final class ClientStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let requestHeaders: HPACKHeaders
    private let singleRequest: ByteBuffer?
    private let observer: ClientCallObserver
    private var deframer: MessageDeframer
    private var receivedHeaders = false
    private var finished = false
    private let deadline: NIODeadline?
    private var deadlineTimer: Scheduled<Void>?

    init(
        requestHeaders: HPACKHeaders, singleRequest: ByteBuffer?, deadline: NIODeadline?, maxReceiveMessageBytes: Int,
        observer: ClientCallObserver
    ) {
        self.requestHeaders = requestHeaders
        self.singleRequest = singleRequest
        self.deadline = deadline
        self.observer = observer
        self.deframer = MessageDeframer(maxMessageBytes: maxReceiveMessageBytes)
    }

    func channelActive(context: ChannelHandlerContext) {
        if let deadline {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            deadlineTimer = context.eventLoop.scheduleTask(deadline: deadline) {
                let (handler, context) = loopBound.value
                handler.finish(RPCError(.deadlineExceeded, "deadline exceeded"), Metadata())
                context.close(promise: nil)
            }
        }
        let headersPromise = context.eventLoop.makePromise(of: Void.self)
        context.write(
            wrapOutboundOut(.headers(.init(headers: requestHeaders, endStream: false))), promise: headersPromise)
        if let singleRequest {
            context.write(
                wrapOutboundOut(.data(.init(data: .byteBuffer(singleRequest), endStream: true))), promise: nil)
        }
        context.flush()
        let channel = context.channel
        headersPromise.futureResult.whenFailure { _ in channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !receivedHeaders {
                receivedHeaders = true
                if let failure = Self.httpFailure(frame.headers) {
                    finish(failure, Metadata())
                    context.close(promise: nil)
                    return
                }
                if frame.endStream {
                    finishWithTrailers(frame.headers)
                } else {
                    observer.headers(MetadataCoding.metadata(from: frame.headers))
                }
            } else {
                finishWithTrailers(frame.headers)
            }
        case .data(let frame):
            guard case .byteBuffer(let bytes) = frame.data else { return }
            deframer.append(bytes)
            do {
                while let message = try deframer.next() { observer.message(message) }
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
                finish(failure, Metadata())
                context.close(promise: nil)
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

    func channelInactive(context: ChannelHandlerContext) {
        finish(RPCError(.unavailable, "the stream closed before the call completed"), Metadata())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOHTTP2Errors.StreamClosed {
            // A reset from the server arrives first as an RST_STREAM frame (`channelRead`); a
            // stream closed without one went with its connection (NIOHTTP2 says CANCEL).
            finish(RPCError(.unavailable, "the connection closed before the call completed"), Metadata())
        } else {
            finish(RPCError(.unavailable, "stream failed: \(error)"), Metadata())
        }
        context.close(promise: nil)
    }

    /// Ends the call locally (cancellation): resets the stream.
    func cancel(context: ChannelHandlerContext) {
        finish(RPCError(.cancelled, "the call was cancelled"), Metadata())
        context.close(promise: nil)
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
        observer.finished(error, trailers)
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
