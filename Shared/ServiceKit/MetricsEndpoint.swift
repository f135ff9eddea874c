import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// A small HTTP endpoint for operators: `GET /metrics` (Prometheus text format) and
/// `GET /healthz` (200 when serving, 503 otherwise). Plain HTTP on the service's host: scrape it
/// from inside the cluster; it carries no personal data.
public final class MetricsEndpoint: Service, Sendable {
    private let host: String
    private let port: Int
    private let registry: PrometheusCollectorRegistry
    private let isHealthy: @Sendable () -> Bool
    private let logger: Logger

    public init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
        isHealthy: @escaping @Sendable () -> Bool
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
        self.isHealthy = isHealthy
    }

    public func run() async throws {
        let registry = self.registry
        let isHealthy = self.isHealthy
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        MetricsHTTPHandler(registry: registry, isHealthy: isHealthy))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("metrics endpoint listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private let isHealthy: @Sendable () -> Bool
    private var path = ""

    init(registry: PrometheusCollectorRegistry, isHealthy: @escaping @Sendable () -> Bool) {
        self.registry = registry
        self.isHealthy = isHealthy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.method == .GET ? head.uri : ""
        case .body:
            break
        case .end:
            let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
            switch path {
            case "/metrics":
                (status, contentType, body) = (.ok, "text/plain; version=0.0.4", registry.emitToBuffer())
            case "/healthz":
                let healthy = isHealthy()
                (status, contentType, body) = (
                    healthy ? .ok : .serviceUnavailable, "text/plain",
                    Array((healthy ? "SERVING\n" : "NOT_SERVING\n").utf8)
                )
            default:
                (status, contentType, body) = (.notFound, "text/plain", Array("try /metrics or /healthz\n".utf8))
            }
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: contentType)
            headers.add(name: "content-length", value: String(body.count))
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
