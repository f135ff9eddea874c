import Logging
import Metrics
import Schema
import Synchronization

/// Logs every finished call as one structured line: method, caller, status, duration.
/// Successful calls log at `debug`, failures at `info` (server faults at `error`).
public struct RequestLogInterceptor: ServerInterceptor {
    public let logger: Logger
    public init(logger: Logger) { self.logger = logger }

    public func completed(_ context: ServerContext, code: StatusCode, message: String, duration: Duration) {
        let level: Logger.Level
        switch code {
        case .ok: level = .debug
        case .unknown, .internalError, .dataLoss: level = .error
        default: level = .info
        }
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "method": "\(context.method.path)", "caller": "\(context.peer)", "status": "\(code)",
            "duration_ms":
                "\(Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)",
        ]
        if !message.isEmpty { metadata["message"] = "\(message)" }
        if let requestID = context.requestMetadata["x-request-id"] { metadata["request_id"] = "\(requestID)" }
        logger.log(level: level, "rpc", metadata: metadata)
    }
}

/// Counts calls by method and status code and records their latency (swift-metrics):
/// `rpc_server_requests_total{method,code}` and `rpc_server_duration_seconds{method}`.
public final class MetricsInterceptor: ServerInterceptor {
    /// A method's timer and its counters by status code, made on the method's first call.
    private struct MethodMetrics {
        let timer: Timer
        var counters: [Int: Counter] = [:]
    }

    /// By method path: one lock and one look-up per call.
    private let methods = Mutex<[String: MethodMetrics]>([:])

    public init() {}

    public func completed(_ context: ServerContext, code: StatusCode, message: String, duration: Duration) {
        let path = context.method.path
        let (counter, timer) = methods.withLock { methods -> (Counter, Timer) in
            var metrics =
                methods[path]
                ?? MethodMetrics(
                    timer: Timer(
                        label: "rpc_server_duration_seconds", dimensions: [("method", path)],
                        preferredDisplayUnit: .seconds))
            if let counter = metrics.counters[code.rawValue] { return (counter, metrics.timer) }
            let counter = Counter(
                label: "rpc_server_requests_total", dimensions: [("method", path), ("code", "\(code)")])
            metrics.counters[code.rawValue] = counter
            methods[path] = metrics
            return (counter, metrics.timer)
        }
        counter.increment()
        timer.recordNanoseconds(duration.saturatingNanoseconds())
    }
}
