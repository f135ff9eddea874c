import NIOCore
import NIOHTTP2
import Schema

/// The calls of one client connection: opens a stream per call, hands each stream's frames to its
/// `ClientStream`, writes what the streams send, and keeps the server's send windows open.
///
/// Sits after `NIOHTTP2Handler` (with no stream multiplexer), which validates every frame, holds
/// back new streams beyond the server's concurrent-stream limit and what flow control holds back.
/// A call's stream is a plain object rather than a child channel with a pipeline of its own. Frames
/// of the connection itself (GOAWAY, say) go on down the pipeline.
final class ClientStreams: HTTP2StreamHost {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    let eventLoop: any EventLoop
    private(set) var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: ClientStream] = [:]
    private var nextStreamID: HTTP2StreamID = 1
    private var isOpen = true

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Opens `stream`'s HTTP/2 stream and sends its request, or fails it when the connection is gone.
    func open(_ stream: ClientStream) {
        guard !stream.finished else { return }
        guard isOpen, context != nil, nextStreamID < Self.lastStreamID else {
            stream.closed(reason: .refusedStream)
            if isOpen && nextStreamID >= Self.lastStreamID {
                // Stream ids are spent: a new connection serves the next calls.
                context?.close(promise: nil)
            }
            return
        }
        let id = nextStreamID
        nextStreamID = HTTP2StreamID(Int(id) + 2)
        streams[id] = stream
        stream.start(id: id, connection: self)
    }

    /// The largest client stream id (RFC 9113 5.1.1: 31 bits, odd).
    private static let lastStreamID = HTTP2StreamID(Int(Int32.max))

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.streamID == .rootStream {
            context.fireChannelRead(data)
        } else {
            // A stream not here has closed, or was never ours (the server may not push).
            streams[frame.streamID]?.receive(frame.payload)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch ConnectionEvent(event) {
        case .streamClosed(let closed):
            streams.removeValue(forKey: closed.streamID)?.closed(reason: closed.reason)
        case .windowUpdated(let window):
            keepWindowOpen(window, streamWantsData: { streams[window.streamID]?.wantsData ?? false })
        case .streamCreated, .gracefulShutdown, .other:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream's error ends that stream's call (NIOHTTP2Handler has reset it), not the connection.
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            streams.removeValue(forKey: streamError.streamID)?.failed(streamError.baseError)
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        let open = streams.values
        streams.removeAll()
        for stream in open { stream.closed(reason: .cancel) }
        context.fireChannelInactive()
    }
}

extension ClientStreams {
    /// The connection's streams as any thread may use them: every call hops to the event loop.
    struct Handle: Sendable {
        let streams: NIOLoopBound<ClientStreams>

        var eventLoop: any EventLoop { streams.eventLoop }

        /// Makes and opens the stream `starter` describes.
        func open(_ starter: StreamStarter) -> EventLoopFuture<NIOLoopBound<ClientStream>> {
            let streams = self.streams
            let open = { @Sendable () -> NIOLoopBound<ClientStream> in
                let stream = ClientStream(starter)
                streams.value.open(stream)
                return NIOLoopBound(stream, eventLoop: streams.eventLoop)
            }
            if eventLoop.inEventLoop { return eventLoop.makeSucceededFuture(open()) }
            return eventLoop.submit(open)
        }
    }
}
