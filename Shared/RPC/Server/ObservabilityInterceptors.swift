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
    private struct Key: Hashable {
        let method: String
        let code: Int
    }

    private let counters = Mutex<[Key: Counter]>([:])
    private let timers = Mutex<[String: Timer]>([:])

    public init() {}

    public func completed(_ context: ServerContext, code: StatusCode, message: String, duration: Duration) {
        let path = context.method.path
        let key = Key(method: path, code: code.rawValue)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "rpc_server_requests_total", dimensions: [("method", path), ("code", "\(code)")])
            counters[key] = counter
            return counter
        }
        counter.increment()
        let timer = timers.withLock { timers in
            if let timer = timers[path] { return timer }
            let timer = Timer(
                label: "rpc_server_duration_seconds", dimensions: [("method", path)], preferredDisplayUnit: .seconds)
            timers[path] = timer
            return timer
        }
        timer.recordNanoseconds(duration.saturatingNanoseconds())
    }
}
