import EchoSupport
import RPC
import Schema
import XCTest

/// `EchoService` whose `Get` reports when it starts and when it has returned or thrown: the signals
/// a test awaits instead of sleeping (a call is in flight; the cancelled handler is done).
struct ObservedEcho: EchoWithOwnGet {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    let echo = EchoService()

    enum Event: Equatable, Sendable { case started, ended }

    init() { (events, continuation) = AsyncStream.makeStream(of: Event.self) }

    func get(request: Request, context: ServerContext) async throws -> Response {
        continuation.yield(.started)
        defer { continuation.yield(.ended) }
        return try await echo.get(request: request, context: context)
    }

    struct NotSeen: Error, CustomStringConvertible {
        let event: Event
        var description: String { "Get never reported \(event)" }
    }

    /// Waits until `Get` reports `event`, failing after `timeout` instead of hanging the test.
    func wait(for event: Event, timeout: Duration = .seconds(10)) async throws {
        let events = self.events
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await seen in events where seen == event { return true }
                return false
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw NotSeen(event: event) }
        }
    }
}
