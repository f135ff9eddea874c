import Essentials
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where a client channel connects and how it behaves.
public struct ClientConfiguration: Sendable {
    /// One address of the service (a host name or IP, and a port).
    public struct Target: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `host:port` (IPv6 as `[::1]:port`).
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), port > 0,
                port < 65536
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Parses a comma-separated list (`host:port,host:port`, the form of every `--…-addr` setting).
        /// Every entry must parse: a typo in one replica's address is an error naming it, never a
        /// silently shorter list.
        public static func list(_ text: String) throws(TargetListError) -> [Target] {
            let entries = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingHorizontalWhitespace() }
            var targets: [Target] = []
            for entry in entries {
                guard let target = Target(entry) else { throw TargetListError(list: text, entry: entry) }
                targets.append(target)
            }
            return targets
        }
    }

    /// A list of addresses with an entry that is not `host:port`.
    public struct TargetListError: Error, CustomStringConvertible {
        public let list: String
        public let entry: String
        public var description: String {
            "cannot parse '\(entry)' in '\(list)' as host:port (several: host:port,host:port)"
        }
    }

    /// When and how a call that failed with `UNAVAILABLE` is tried again (idempotent methods only).
    public struct RetryPolicy: Sendable, Hashable {
        public var maxAttempts: Int
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        public init(
            maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2)
        ) {
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
        public static let none = RetryPolicy(maxAttempts: 1)
    }

    /// The addresses of one service; calls are spread over them round robin.
    public var targets: [Target]
    /// HTTP/2 connections to each address, placed on the event loops of the channel's group in
    /// turn. With at least one per loop, every loop holds a connection to every address, and a call
    /// made on a loop (a handler's call to another service, a task that prefers the loop as its
    /// executor) goes over a connection of that loop: no hand-off between threads on the way out or
    /// back. Connections open on first use.
    public var connectionsPerTarget: Int
    public var tls: TLSConfiguration
    /// The name the server certificate must carry; defaults to each target's host.
    public var serverName: String?
    /// Used when a call sets no timeout.
    public var defaultTimeout: Duration
    public var connectTimeout: Duration
    public var retry: RetryPolicy
    public var maxReceiveMessageBytes: Int
    /// Event loop threads when the channel makes its own group.
    public var eventLoopThreads: Int

    public init(
        targets: [Target], tls: TLSConfiguration, serverName: String? = nil,
        defaultTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5),
        retry: RetryPolicy = RetryPolicy(), maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
        eventLoopThreads: Int = 1, connectionsPerTarget: Int = 1
    ) {
        self.targets = targets
        self.connectionsPerTarget = connectionsPerTarget
        self.tls = tls
        self.serverName = serverName
        self.defaultTimeout = defaultTimeout
        self.connectTimeout = connectTimeout
        self.retry = retry
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.eventLoopThreads = eventLoopThreads
    }
}
