import NIOCore
import NIOHTTP2
import Schema

/// The calls of one server connection: hands each stream's frames to its `ServerStream`, writes what
/// the streams answer, and keeps the client's send windows open.
///
/// Sits after `NIOHTTP2Handler` (with no stream multiplexer), which validates every frame and
/// stream transition, enforces the concurrent-stream limit, answers stream errors with RST_STREAM
/// and buffers what flow control holds back. A stream here is a plain object rather than a child
/// channel with a pipeline of its own: a unary call is then a few allocations rather than a
/// channel's, and its frames take one hop rather than a second pipeline.
/// It keeps the client's send windows open as `ReceiveWindow` says.
final class ServerStreams: HTTP2StreamHost {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    let router: ServerCallRouter
    let executor: EventLoopTaskExecutor
    let eventLoop: any EventLoop
    private let peer: PeerIdentity
    private let remoteAddress: String
    private(set) var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: ServerStream] = [:]
    /// The streams the current read brought frames, told when it completes.
    private var streamsInRead: [ServerStream] = []

    init(router: ServerCallRouter, peer: PeerIdentity, remoteAddress: String, eventLoop: any EventLoop) {
        self.router = router
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.eventLoop = eventLoop
        executor = EventLoopTaskExecutor(eventLoop)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.streamID != .rootStream else { return }
        let stream: ServerStream
        if let open = streams[frame.streamID] {
            stream = open
        } else {
            // NIOHTTP2Handler lets only HEADERS open a stream; anything else for a stream not here
            // belongs to one that has already closed.
            guard case .headers = frame.payload else { return }
            stream = ServerStream(id: frame.streamID, connection: self, peer: peer, remoteAddress: remoteAddress)
            streams[frame.streamID] = stream
        }
        if !stream.inRead {
            stream.inRead = true
            streamsInRead.append(stream)
        }
        stream.receive(frame.payload)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        for stream in streamsInRead { stream.readComplete() }
        streamsInRead.removeAll(keepingCapacity: true)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch ConnectionEvent(event) {
        case .streamClosed(let closed):
            streams.removeValue(forKey: closed.streamID)?.closed()
        case .windowUpdated(let window):
            keepWindowOpen(window, streamWantsData: { streams[window.streamID].map { !$0.clientFinished } ?? false })
        case .streamCreated, .gracefulShutdown, .other:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream's error ends that stream's call (NIOHTTP2Handler has reset it), not the connection.
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            streams.removeValue(forKey: streamError.streamID)?.closed()
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let open = streams.values
        streams.removeAll()
        for stream in open { stream.closed() }
        context.fireChannelInactive()
    }
}
