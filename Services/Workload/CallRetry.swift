import Schema

/// How a journey calls the platform: each call is timed into `CallMetrics` and tried again, with
/// exponential backoff and jitter, when the failure may be transient (UNAVAILABLE, DEADLINE_EXCEEDED,
/// ABORTED, a lost connection). Every mutating request carries a request_id the caller keeps across
/// these attempts, so a retry never applies a change twice.
public struct CallRetry: Sendable {
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public let metrics: CallMetrics

    public init(
        metrics: CallMetrics, maxAttempts: Int = 40, initialBackoff: Duration = .milliseconds(50),
        maxBackoff: Duration = .seconds(2)
    ) {
        self.metrics = metrics
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Whether `error` may go away on its own (the service restarting, a lost connection, a
    /// concurrent change).
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? RPCError else { return false }
        switch error.code {
        case .unavailable, .deadlineExceeded, .aborted, .unknown:
            return true
        case .internalError:
            // A connection that closed under the call surfaces as INTERNAL from some paths; a
            // retry is safe because every mutation is idempotent.
            let message = error.message.lowercased()
            return message.contains("connection") || message.contains("closed") || message.contains("stream")
                || message.contains("reset") || message.contains("eof") || message.contains("peer")
        default:
            return false
        }
    }

    /// Runs `call` until it succeeds, fails for good, or runs out of attempts; records the method.
    /// `alsoRetrying`: codes that are transient for this call (a read of something the platform
    /// just acknowledged, answered NOT_FOUND by a replica or connection that has not seen it yet).
    public func run<T: Sendable>(_ method: String, alsoRetrying: Set<StatusCode> = [], _ call: () async throws -> T)
        async throws -> T
    {
        let clock = ContinuousClock()
        let started = clock.now
        var backoff = initialBackoff
        var attempts = 0
        while true {
            attempts += 1
            do {
                let result = try await call()
                metrics.record(method: method, attempts: attempts, latency: clock.now - started, failed: false)
                return result
            } catch {
                let transient =
                    Self.isTransient(error) || (error as? RPCError).map { alsoRetrying.contains($0.code) } ?? false
                guard transient, attempts < maxAttempts, !Task.isCancelled else {
                    metrics.record(method: method, attempts: attempts, latency: nil, failed: true)
                    throw error
                }
                try await Task.sleep(for: backoff * Double.random(in: 0.7...1.3))
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }
}
