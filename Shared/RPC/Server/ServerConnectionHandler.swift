import NIOCore
import NIOHTTP2

/// Asks a connection to finish its calls and close (sent down the pipeline on shutdown).
struct GracefulShutdownEvent: Sendable {}

/// Manages one server connection at the HTTP/2 level: closes it with GOAWAY when it has been idle
/// (no open call) for `idleTimeout`, pings a quiet peer every `keepaliveInterval` and closes the
/// connection when a ping goes unanswered, and drains it on graceful shutdown (GOAWAY, let the
/// open calls finish, then close).
final class ServerConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let idleTimeout: TimeAmount
    private let keepaliveInterval: TimeAmount
    private let keepaliveTimeout: TimeAmount
    private var openStreams = 0
    private var lastStreamID: HTTP2StreamID = .rootStream
    /// One timer at a time, not one per idle spell: calls open and close streams many times a
    /// second, and scheduling and cancelling a timer for each would cost more than the calls' own
    /// bookkeeping. When it fires it checks `idleSince` and, if the connection has not been idle
    /// long enough, waits for the rest.
    private var idleTimer: Scheduled<Void>?
    /// When the last open stream closed; nil while a stream is open.
    private var idleSince: NIODeadline?
    private var keepaliveTimer: Scheduled<Void>?
    private var pingTimeoutTimer: Scheduled<Void>?
    private var sawTrafficSinceLastCheck = false
    private var draining = false
    private var context: ChannelHandlerContext?
    private static let pingData = HTTP2PingData(withInteger: 0x736b696c6c73)

    init(idleTimeout: Duration, keepaliveInterval: Duration, keepaliveTimeout: Duration) {
        self.idleTimeout = TimeAmount(saturating: idleTimeout)
        self.keepaliveInterval = TimeAmount(saturating: keepaliveInterval)
        self.keepaliveTimeout = TimeAmount(saturating: keepaliveTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        idleSince = context.eventLoop.now
        scheduleIdleTimer(in: idleTimeout)
        scheduleKeepalive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        keepaliveTimer?.cancel()
        pingTimeoutTimer?.cancel()
        self.context = nil
    }

    // MARK: Streams

    private func streamCreated(_ id: HTTP2StreamID) {
        openStreams += 1
        if id > lastStreamID { lastStreamID = id }
        idleSince = nil
    }

    private func streamClosed() {
        openStreams -= 1
        if openStreams == 0 {
            if draining {
                context?.close(promise: nil)
            } else if let context {
                idleSince = context.eventLoop.now
                if idleTimer == nil { scheduleIdleTimer(in: idleTimeout) }
            }
        }
    }

    // MARK: Frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sawTrafficSinceLastCheck = true
        let frame = unwrapInboundIn(data)
        if case .ping(let data, let ack) = frame.payload, ack, data == Self.pingData {
            pingTimeoutTimer?.cancel()
            pingTimeoutTimer = nil
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch ConnectionEvent(event) {
        case .streamCreated(let created):
            streamCreated(created.streamID)
        case .streamClosed:
            streamClosed()
        case .gracefulShutdown:
            startDraining(context: context)
            return
        case .windowUpdated, .other:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func startDraining(context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        let goAway = HTTP2Frame(
            streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
        context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
        if openStreams == 0 { context.close(promise: nil) }
    }

    private func scheduleIdleTimer(in delay: TimeAmount) {
        guard let context, idleTimeout.nanoseconds > 0 else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.idleTimerFired()
        }
    }

    /// Drains the connection if it has had no open stream for `idleTimeout`; otherwise waits for
    /// the rest of that time, or (a stream is open) for the next stream to close.
    private func idleTimerFired() {
        idleTimer = nil
        guard let context, let idleSince else { return }
        let idleFor = context.eventLoop.now - idleSince
        if idleFor >= idleTimeout {
            startDraining(context: context)
        } else {
            scheduleIdleTimer(in: idleTimeout - idleFor)
        }
    }

    private func scheduleKeepalive() {
        guard let context, keepaliveInterval.nanoseconds > 0 else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveTimer = context.eventLoop.scheduleTask(in: keepaliveInterval) {
            loopBound.value.keepaliveTick()
        }
    }

    private func keepaliveTick() {
        guard let context else { return }
        if !sawTrafficSinceLastCheck && pingTimeoutTimer == nil {
            let ping = HTTP2Frame(streamID: .rootStream, payload: .ping(Self.pingData, ack: false))
            context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            pingTimeoutTimer = context.eventLoop.scheduleTask(in: keepaliveTimeout) {
                loopBound.value.context?.close(promise: nil)
            }
        }
        sawTrafficSinceLastCheck = false
        scheduleKeepalive()
    }
}
