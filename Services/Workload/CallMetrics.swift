import Synchronization

/// Per-method call statistics of a run: latency of each successful call (including its retries),
/// attempts, retries and failures. Safe to share between journeys.
public final class CallMetrics: Sendable {
    /// One method's figures.
    public struct MethodFigures: Sendable {
        public var latency = LatencyHistogram()
        public var attempts: Int64 = 0
        public var retries: Int64 = 0
        public var failures: Int64 = 0
    }

    private let figures = Mutex<[String: MethodFigures]>([:])

    public init() {}

    func record(method: String, attempts: Int, latency: Duration?, failed: Bool) {
        figures.withLock { all in
            var entry = all[method] ?? MethodFigures()
            entry.attempts += Int64(attempts)
            entry.retries += Int64(max(0, attempts - 1))
            if failed { entry.failures += 1 }
            if let latency { entry.latency.record(latency) }
            all[method] = entry
        }
    }

    /// A copy of the figures, by method name ("Service/Method").
    public func snapshot() -> [String: MethodFigures] { figures.withLock { $0 } }

    /// Successful calls so far, all methods.
    public var completedCalls: Int64 { figures.withLock { $0.values.reduce(0) { $0 + $1.latency.count } } }
}
