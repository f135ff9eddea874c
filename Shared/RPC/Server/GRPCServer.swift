import Logging
import NIOCore
import NIOHTTP2
import NIOPosix
import Schema
import ServiceLifecycle
import Synchronization

/// A gRPC server over HTTP/2 over OpenSSL mutual TLS.
///
/// ```swift
/// let server = try GRPCServer(configuration: config, services: [registration.serviceDefinition],
///                             interceptors: [AuthorizationInterceptor(table: table)], logger: logger)
/// try await server.run()   // until SIGTERM via ServiceGroup, or `shutdownGracefully()`
/// ```
/// Every server also serves `grpc.health.v1.Health` (see `health`).
public final class GRPCServer: Service, Sendable {
    public let configuration: ServerConfiguration
    /// The standard health service; set per-service status here.
    public let health: HealthService
    private let router: ServerCallRouter
    private let tls: TLSContextStore
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
    }

    public init(
        configuration: ServerConfiguration, services: [ServiceDefinition],
        interceptors: [any ServerInterceptor] = [], logger: Logger,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.tls = try TLSContextStore(role: .server, configuration: configuration.tls)
        let health = HealthService()
        self.health = health
        let reflection = ReflectionService(
            services: services.map(\.descriptor.name) + [
                Grpc_Health_V1_Health.name, Grpc_Reflection_V1_ServerReflection.name,
                Grpc_Reflection_V1alpha_ServerReflection.name,
            ])
        self.router = ServerCallRouter(
            services: services + [
                health.serviceDefinition, reflection.serviceDefinition,
                reflection.v1alphaServiceDefinition,
            ],
            interceptors: interceptors,
            maxReceiveMessageBytes: configuration.maxReceiveMessageBytes, logger: logger)
        if let eventLoopGroup {
            self.group = eventLoopGroup
            self.ownsGroup = false
        } else {
            let threads = configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            self.ownsGroup = true
        }
        for service in services { health.setStatus(.serving, for: service.descriptor.name) }
    }

    /// The bound port, once started.
    public var localPort: Int? { state.withLock { $0.serverChannel?.localAddress?.port } }

    /// Binds the listening socket. `run()` calls it when needed.
    public func start() async throws {
        if state.withLock({ $0.serverChannel != nil }) { return }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.initializeConnection(channel) }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        state.withLock { $0.serverChannel = channel }
        logger.info("gRPC server listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
    }

    /// Serves until the service group asks for graceful shutdown (SIGTERM/SIGINT), then drains.
    public func run() async throws {
        try await start()
        await withGracefulShutdownHandler {
            let closeFuture = state.withLock { $0.serverChannel?.closeFuture }
            try? await closeFuture?.get()
        } onGracefulShutdown: {
            Task { await self.shutdownGracefully() }
        }
        await waitForConnectionsToClose(timeout: configuration.shutdownGracePeriod)
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    /// Stops accepting connections, sends GOAWAY on every open one and lets in-flight calls
    /// finish for up to the grace period, then closes what is left.
    public func shutdownGracefully() async {
        let (serverChannel, connections) = state.withLock { state -> ((any Channel)?, [any Channel]) in
            state.shuttingDown = true
            return (state.serverChannel, Array(state.connections.values))
        }
        health.enterShutdown()
        try? await serverChannel?.close()
        for connection in connections {
            connection.pipeline.fireUserInboundEventTriggered(GracefulShutdownEvent())
        }
        await waitForConnectionsToClose(timeout: configuration.shutdownGracePeriod)
    }

    private func waitForConnectionsToClose(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.connections.isEmpty }) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = state.withLock { Array($0.connections.values) }
        if !left.isEmpty {
            logger.warning(
                "closing connections with calls still open after the grace period", metadata: ["count": "\(left.count)"]
            )
        }
        for connection in left { try? await connection.close() }
    }

    /// Re-reads the TLS certificate, key and trust roots; new connections use them.
    public func reloadCertificates() throws {
        try tls.reload()
        logger.info("TLS certificates reloaded", metadata: ["certificate": "\(configuration.tls.certificateChainPath)"])
    }

    // MARK: Pipeline

    private func initializeConnection(_ channel: any Channel) throws {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.shuttingDown else { return false }
            state.connections[id] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
        try channel.pipeline.syncOperations.addHandler(OpenSSLHandler(context: tls.context))
        try channel.pipeline.syncOperations.addHandler(FlushCoalescer())
        try channel.pipeline.syncOperations.addHandler(
            HTTP2Configurator(configuration: configuration, router: router, logger: logger))
    }
}

/// Waits for the TLS handshake, then installs HTTP/2 synchronously, so the client's connection
/// preface, which often arrives in the same read as the end of the handshake, is not lost.
final class HTTP2Configurator: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let configuration: ServerConfiguration
    private let router: ServerCallRouter
    private let logger: Logger

    init(configuration: ServerConfiguration, router: ServerCallRouter, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let handshake = event as? TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        do {
            try configureHTTP2(context: context, peer: handshake.peer)
        } catch {
            logger.error("cannot configure HTTP/2", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.notice(
            "connection refused",
            metadata: [
                "peer": "\(context.remoteAddress?.description ?? "?")", "reason": "\(error)",
            ])
        context.close(promise: nil)
    }

    private func configureHTTP2(context: ChannelHandlerContext, peer: PeerIdentity) throws {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: configuration.maxHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: ReceiveWindow.streamTarget),
        ]
        let connectionHandler = ServerConnectionHandler(
            idleTimeout: configuration.idleTimeout,
            keepaliveInterval: configuration.keepaliveInterval,
            keepaliveTimeout: configuration.keepaliveTimeout)
        let sync = context.pipeline.syncOperations
        try sync.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: connection), position: .last)
        try sync.addHandler(connectionHandler, position: .last)
        try sync.addHandler(
            ServerStreams(
                router: router, peer: peer, remoteAddress: context.remoteAddress?.description ?? "?",
                eventLoop: context.eventLoop),
            position: .last)
        try sync.addHandler(ConnectionErrorLogger(logger: logger), position: .last)
        sync.removeHandler(context: context, promise: nil)
    }
}

/// The end of a connection's pipeline: logs connection-level errors and closes.
final class ConnectionErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Any
    private let logger: Logger
    init(logger: Logger) { self.logger = logger }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug(
            "connection error", metadata: ["peer": "\(context.remoteAddress?.description ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }
}
