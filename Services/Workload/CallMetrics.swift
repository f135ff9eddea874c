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

        mutating func record(attempts: Int, latency: Duration?, failed: Bool) {
            self.attempts += Int64(attempts)
            retries += Int64(max(0, attempts - 1))
            if failed { failures += 1 }
            if let latency { self.latency.record(latency) }
        }
    }

    private let figures = Mutex<[String: MethodFigures]>([:])

    public init() {}

    func record(method: String, attempts: Int, latency: Duration?, failed: Bool) {
        figures.withLock { all in
            // In place: a copy taken out and stored back would copy the histogram's buckets on every call.
            all[method, default: MethodFigures()].record(attempts: attempts, latency: latency, failed: failed)
        }
    }

    /// A copy of the figures, by method name ("Service/Method").
    public func snapshot() -> [String: MethodFigures] { figures.withLock { $0 } }

    /// Successful calls so far, all methods.
    public var completedCalls: Int64 { figures.withLock { $0.values.reduce(0) { $0 + $1.latency.count } } }
}
