import NIOCore
import NIOHTTP2

/// A connection's handler after `NIOHTTP2Handler` that hosts its streams as plain objects
/// (`ServerStreams`, `ClientStreams`): the streams write their frames through it.
protocol HTTP2StreamHost: ChannelInboundHandler where OutboundOut == HTTP2Frame {
    /// The handler's place in the pipeline while it is in one.
    var context: ChannelHandlerContext? { get }
}

extension HTTP2StreamHost {
    /// Writes a frame of stream `id`; it leaves at the next `flush`.
    func write(_ payload: HTTP2Frame.FramePayload, on id: HTTP2StreamID, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: payload)), promise: promise)
    }

    func flush() { context?.flush() }

    /// Answers NIOHTTP2Handler's report of a receive window with the WINDOW_UPDATE that
    /// `ReceiveWindow` says it needs, if any. `streamWantsData`: whether the stream the event names
    /// still expects DATA.
    func keepWindowOpen(_ event: NIOHTTP2WindowUpdatedEvent, streamWantsData: () -> Bool) {
        guard let update = ReceiveWindow.update(for: event, streamWantsData: streamWantsData) else { return }
        context?.write(wrapOutboundOut(update), promise: nil)
        context?.flush()
    }
}
