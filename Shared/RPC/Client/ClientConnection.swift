import Logging
import NIOCore
import NIOHTTP2
import NIOPosix
import Schema
import Synchronization

/// One HTTP/2 connection (over TLS) to one address, shared by every call to that address.
///
/// Connects on first use; after a failure waits an exponentially growing backoff before the
/// next attempt (calls in between fail fast with `UNAVAILABLE`, so the channel can try another
/// address); after GOAWAY or a close, the next call opens a fresh connection.
final class ClientConnection: Sendable {
    typealias Ready = (channel: any Channel, streams: ClientStreams.Handle)

    private enum State {
        case idle
        case connecting(EventLoopFuture<Ready>)
        case ready(Ready)
        case backingOff(until: ContinuousClock.Instant, error: RPCError)
        case closed
    }

    let target: ClientConfiguration.Target
    /// The loop this connection lives on, whenever it (re)connects.
    let eventLoop: any EventLoop
    private let configuration: ClientConfiguration
    private let tls: TLSContextStore
    private let logger: Logger
    private let state = Mutex<(state: State, backoff: Duration)>((.idle, .zero))

    init(
        target: ClientConfiguration.Target, configuration: ClientConfiguration, tls: TLSContextStore,
        eventLoop: any EventLoop, logger: Logger
    ) {
        self.target = target
        self.configuration = configuration
        self.tls = tls
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// A ready connection, connecting if needed.
    func ready() async throws -> Ready {
        enum Next { case use(Ready), wait(EventLoopFuture<Ready>), fail(RPCError), connect(EventLoopPromise<Ready>) }
        let next: Next = state.withLock { current in
            switch current.state {
            case .ready(let ready):
                return .use(ready)
            case .connecting(let future):
                return .wait(future)
            case .backingOff(let until, let error) where ContinuousClock.now < until:
                return .fail(error)
            case .closed:
                return .fail(RPCError(.unavailable, "the channel is closed"))
            case .idle, .backingOff:
                let promise = eventLoop.makePromise(of: Ready.self)
                current.state = .connecting(promise.futureResult)
                return .connect(promise)
            }
        }
        switch next {
        case .use(let ready): return ready
        case .fail(let error): throw error
        case .wait(let future): return try await future.get()
        case .connect(let promise):
            connect(promise)
            return try await promise.futureResult.get()
        }
    }

    func close() {
        let channel: (any Channel)? = state.withLock { current in
            defer { current.state = .closed }
            if case .ready(let ready) = current.state { return ready.channel }
            return nil
        }
        channel?.close(promise: nil)
    }

    /// The server sent GOAWAY: calls already running finish; new ones use a new connection.
    func drain(_ channel: any Channel) {
        state.withLock { current in
            if case .ready(let ready) = current.state, ready.channel === channel { current.state = .idle }
        }
    }

    private func connect(_ promise: EventLoopPromise<Ready>) {
        let serverName = configuration.serverName ?? target.host
        let tlsContext = tls.context
        let configuration = self.configuration
        let handshake = eventLoop.makePromise(of: Ready.self)
        let connection = self
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(TimeAmount(saturating: configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        OpenSSLHandler(context: tlsContext, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(FlushCoalescer())
                    try channel.pipeline.syncOperations.addHandler(
                        ClientHTTP2Configurator(promise: handshake, connection: connection))
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in
                    handshake.fail(
                        RPCError(.unavailable, "connection to \(connection.target) closed during the handshake"))
                    connection.closed(channel)
                }
            case .failure(let error):
                handshake.fail(error)
            }
        }
        handshake.futureResult.whenComplete { result in
            switch result {
            case .success(let ready):
                self.state.withLock { $0 = (.ready(ready), .zero) }
                promise.succeed(ready)
            case .failure(let error):
                let rpcError =
                    error as? RPCError ?? RPCError(.unavailable, "cannot connect to \(self.target): \(error)")
                self.state.withLock { current in
                    let backoff =
                        current.backoff == .zero
                        ? self.configuration.retry.initialBackoff
                        : min(current.backoff * 2, self.configuration.retry.maxBackoff)
                    current = (.backingOff(until: .now + backoff, error: rpcError), backoff)
                }
                self.logger.debug("connect failed", metadata: ["target": "\(self.target)", "error": "\(error)"])
                promise.fail(rpcError)
            }
        }
    }

    private func closed(_ channel: any Channel) {
        state.withLock { current in
            if case .ready(let ready) = current.state, ready.channel === channel { current.state = .idle }
        }
    }
}

/// Installs HTTP/2 on a client connection once TLS is up and reports the connection ready.
final class ClientHTTP2Configurator: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<ClientConnection.Ready>
    private let connection: ClientConnection

    init(promise: EventLoopPromise<ClientConnection.Ready>, connection: ClientConnection) {
        self.promise = promise
        self.connection = connection
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        do {
            var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
            connectionConfiguration.initialSettings = [
                HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
                HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
                HTTP2Setting(parameter: .initialWindowSize, value: ReceiveWindow.streamTarget),
                HTTP2Setting(parameter: .enablePush, value: 0),
            ]
            let sync = context.pipeline.syncOperations
            let streams = ClientStreams(eventLoop: context.eventLoop)
            try sync.addHandler(
                NIOHTTP2Handler(mode: .client, connectionConfiguration: connectionConfiguration), position: .last)
            try sync.addHandler(streams, position: .last)
            try sync.addHandler(GoAwayWatcher(connection: connection), position: .last)
            sync.removeHandler(context: context, promise: nil)
            promise.succeed(
                (context.channel, ClientStreams.Handle(streams: NIOLoopBound(streams, eventLoop: context.eventLoop))))
        } catch {
            promise.fail(error)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(RPCError(.unavailable, "TLS handshake with the server failed: \(error)"))
        context.close(promise: nil)
    }
}

/// Tells the connection when the server sends GOAWAY; swallows connection-level errors.
final class GoAwayWatcher: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    private let connection: ClientConnection
    init(connection: ClientConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .goAway = unwrapInboundIn(data).payload { connection.drain(context.channel) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
