import NIOCore
import NIOHPACK
import NIOHTTP2
import Schema

// The actions `ServerStreamStateMachine` returns, and how it reads request HEADERS.
extension ServerStreamStateMachine {
    /// What to do after a frame from the client.
    enum InboundAction {
        case none
        /// The call is accepted: schedule the deadline, if any, and start a streaming handler.
        case accept(deadline: TimeAmount?, streaming: StreamingStart?)
        /// The unary request is complete: run the handler.
        case startUnary(UnaryStart)
        case end(Ending)
    }

    struct UnaryStart {
        let body: @Sendable (ByteBuffer, ServerContext) async throws -> any ProtoMessage
        let request: ByteBuffer
        let context: ServerContext
    }

    struct StreamingStart {
        let body:
            @Sendable (MessageStream<ByteBuffer>, MessageWriter<any ProtoMessage>, ServerContext) async throws -> Void
        let requests: MessageStream<ByteBuffer>
        let context: ServerContext
    }

    /// What to do when a unary handler has finished.
    enum UnaryCompletion {
        case none
        /// Write response HEADERS, this framed message, then the ending's status in trailers.
        case respond(ByteBuffer, Ending)
        case end(Ending)
    }

    /// What to do with a message a streaming handler writes.
    enum SendAction: Equatable {
        /// Write it, after the response HEADERS when `headersFirst`.
        case write(headersFirst: Bool)
        /// The call has ended: fail the write.
        case refuse
    }

    /// The end of a call: what to write, what to stop, what to tell the interceptors.
    struct Ending {
        enum Response: Equatable {
            /// Write `status` in trailers, or trailers-only when no response HEADERS went out. A
            /// client still sending is then asked to stop with RST_STREAM(NO_ERROR) (RFC 9113 8.1).
            case status(trailersOnly: Bool, askClientToStop: Bool)
            /// HTTP 415: the request is not gRPC, so it gets no gRPC status.
            case unsupportedMediaType
            /// Reset the stream: the client broke HTTP/2's order of frames.
            case reset(HTTP2ErrorCode)
            /// Nothing: the client has gone.
            case nothing
        }

        /// The status written with `.status`, and what interceptors are told.
        let status: RPCError
        let response: Response
        /// The routed call, if it got that far: its timer and task to cancel, its trailers, its
        /// interceptors to tell. Nil for a request refused before it had a context.
        let call: Call?
    }

    enum Refusal: Error {
        /// Not a gRPC request: HTTP 415.
        case notGRPC
        /// A trailers-only status, with the call when it was routed (then interceptors hear of it).
        case status(RPCError, Call?)
    }

    static let secondUnaryMessage = RPCError(
        .internalError, "a unary call carries exactly one request message")
    static let tooManyWaiting = RPCError(
        .resourceExhausted, "more than \(maxBufferedRequests) request messages are waiting for the handler")
    static let endedInsideMessage = RPCError(.internalError, "the request ended inside a message")

    /// Reads the request HEADERS: content type, method, encoding, route, deadline, then the
    /// interceptors' verdict.
    func route(_ headers: HPACKHeaders) throws(Refusal) -> (call: Call, timeout: Duration?) {
        let request = RequestHead(headers)
        let contentType = request.contentType ?? ""
        guard
            contentType == "application/grpc" || contentType.hasPrefix("application/grpc+proto")
                || contentType.hasPrefix("application/grpc;")
        else { throw .notGRPC }
        guard request.method == "POST" else {
            throw .status(RPCError(.internalError, "gRPC requires :method POST"), nil)
        }
        let path = request.path ?? ""
        if let encoding = request.encoding, encoding != "identity" {
            throw .status(
                RPCError(
                    .unimplemented, "message encoding '\(encoding)' is not supported; this server accepts identity"),
                nil)
        }
        guard let method = router.methods[path] else {
            throw .status(RPCError(.unimplemented, "Method not found: \(path)"), nil)
        }
        var timeout: Duration?
        if let value = request.timeout {
            guard let duration = GRPCTimeout.parse(Substring(value)) else {
                throw .status(RPCError(.invalidArgument, "malformed grpc-timeout '\(value)'"), nil)
            }
            timeout = duration
        }
        let context = ServerContext(
            method: method.descriptor, requestMetadata: MetadataCoding.metadata(from: headers),
            deadline: timeout.map { startedAt + $0 }, peer: peer, remoteAddress: remoteAddress)
        let call = Call(route: Call.Route(context: context, method: method))
        do {
            for interceptor in router.interceptors { try interceptor.accept(context) }
        } catch {
            throw .status(error, call)
        }
        return (call, timeout)
    }

    /// The request headers `route` reads, found in one pass (the first of each, as
    /// `HPACKHeaders.first(name:)` would; HTTP/2 header names are lower case, which swift-nio-http2
    /// checks before a stream sees them).
    struct RequestHead {
        var contentType: String?
        var method: String?
        var path: String?
        var encoding: String?
        var timeout: String?

        init(_ headers: HPACKHeaders) {
            for (name, value, _) in headers {
                switch name {
                case "content-type": if contentType == nil { contentType = value }
                case ":method": if method == nil { method = value }
                case ":path": if path == nil { path = value }
                case "grpc-encoding": if encoding == nil { encoding = value }
                case "grpc-timeout": if timeout == nil { timeout = value }
                default: break
                }
            }
        }
    }

    static func rpcError(_ failure: MessageDeframer.Failure) -> RPCError {
        switch failure {
        case .tooLarge(let length, let limit):
            RPCError(
                .resourceExhausted, "request message of \(length) bytes is larger than the limit of \(limit) bytes")
        case .compressed:
            RPCError(.internalError, "compressed message received without a grpc-encoding")
        case .invalidFlag(let flag):
            RPCError(.internalError, "invalid message flag \(flag)")
        }
    }
}
