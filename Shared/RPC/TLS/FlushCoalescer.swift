import NIOCore

/// Turns the many flushes of an HTTP/2 connection into one per read, or one per turn of the event
/// loop, so that the responses (or requests) of several calls leave in one TLS write and one
/// `write(2)`.
///
/// Every call flushes when it has written its frames: a server finishing four calls that came in one
/// read would otherwise encrypt and send four times, and its peer wake and read four times. Installed
/// between the TLS handler and HTTP/2:
/// - a flush during a read (between `channelRead` and `channelReadComplete`) waits for the end of
///   that read;
/// - any other flush waits for the event loop's next task, after whatever the loop is doing now
///   (resuming other calls' handlers, say) has written its frames too.
///
/// Nothing waits longer than the loop's current turn. A close first sends what was written before
/// it, as it would have been without the delay.
final class FlushCoalescer: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var reading = false
    private var flushPending = false
    private var flushScheduled = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reading = true
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        reading = false
        flushIfPending(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reading = false
        context.fireChannelInactive()
    }

    func flush(context: ChannelHandlerContext) {
        flushPending = true
        if reading || flushScheduled { return }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            handler.flushIfPending(context: context)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        flushIfPending(context: context)
        context.close(mode: mode, promise: promise)
    }

    private func flushIfPending(context: ChannelHandlerContext) {
        guard flushPending else { return }
        flushPending = false
        context.flush()
    }
}
