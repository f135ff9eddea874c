import Schema
import Synchronization

/// `grpc.health.v1.Health` with a status per service name; `""` is the whole server.
///
/// Load balancers and Kubernetes probe `Check`; `Watch` streams every change.
public final class HealthService: Grpc_Health_V1_HealthProvider {
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = ["": .serving]
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher = 0
        var shuttingDown = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Sets the status of `service` (or of the whole server with `""`) and tells watchers.
    public func setStatus(_ status: Status, for service: String = "") {
        let watchers = state.withLock { state -> [AsyncStream<Status>.Continuation] in
            guard !state.shuttingDown else { return [] }
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    /// Marks everything NOT_SERVING for good (server shutdown).
    func enterShutdown() {
        let watchers = state.withLock { state -> [AsyncStream<Status>.Continuation] in
            state.shuttingDown = true
            for key in state.statuses.keys { state.statuses[key] = .notServing }
            return state.watchers.values.map(\.continuation)
        }
        for watcher in watchers { watcher.yield(.notServing) }
    }

    public func status(of service: String) -> Status? { state.withLock { $0.statuses[service] } }

    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        guard let status = status(of: request.service) else {
            throw RPCError(.notFound, "unknown service '\(request.service)'")
        }
        return Grpc_Health_V1_HealthCheckResponse(status: status)
    }

    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest, responses: MessageWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let (stream, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int in
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = (request.service, continuation)
            continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
            return id
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        var last: Status?
        for await status in stream {
            if status != last {
                try await responses.write(Grpc_Health_V1_HealthCheckResponse(status: status))
                last = status
            }
        }
    }
}
