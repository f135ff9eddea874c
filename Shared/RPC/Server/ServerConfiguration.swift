/// How a gRPC server listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (see `GRPCServer.localPort`).
    public var port: Int
    public var tls: TLSConfiguration
    /// Requests larger than this get `RESOURCE_EXHAUSTED`.
    public var maxReceiveMessageBytes: Int
    /// HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS` per connection.
    public var maxConcurrentStreams: Int
    /// HTTP/2 `SETTINGS_MAX_HEADER_LIST_SIZE`.
    public var maxHeaderListSize: Int
    /// A connection with no open call for this long is closed with GOAWAY.
    public var idleTimeout: Duration
    /// A PING is sent after this long without traffic; the connection closes when it is not
    /// answered within `keepaliveTimeout`.
    public var keepaliveInterval: Duration
    public var keepaliveTimeout: Duration
    /// On shutdown, in-flight calls get this long to finish before connections are closed.
    public var shutdownGracePeriod: Duration
    /// Event loop threads; 0 means one per core.
    public var eventLoopThreads: Int

    public init(
        host: String = "127.0.0.1", port: Int, tls: TLSConfiguration,
        maxReceiveMessageBytes: Int = 4 * 1024 * 1024, maxConcurrentStreams: Int = 100,
        maxHeaderListSize: Int = 16 * 1024, idleTimeout: Duration = .seconds(300),
        keepaliveInterval: Duration = .seconds(60), keepaliveTimeout: Duration = .seconds(20),
        shutdownGracePeriod: Duration = .seconds(10), eventLoopThreads: Int = 0
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.maxConcurrentStreams = maxConcurrentStreams
        self.maxHeaderListSize = maxHeaderListSize
        self.idleTimeout = idleTimeout
        self.keepaliveInterval = keepaliveInterval
        self.keepaliveTimeout = keepaliveTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.eventLoopThreads = eventLoopThreads
    }
}
