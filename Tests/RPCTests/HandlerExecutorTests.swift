import EchoSupport
import NIOCore
import NIOPosix
import RPC
import Schema
import Synchronization
import XCTest

/// Where a unary handler runs (issue 14): on the event loop of its call's connection, before and
/// after it suspends, so a call costs no hand-off to Swift's global executor and back.
final class HandlerExecutorTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    /// Echo's Get, noting whether it ran on an event loop of the server's group when it started and
    /// after a suspension.
    final class LoopProbe: EchoWithOwnGet {
        let seen = Mutex<[Bool]>([])
        let echo = EchoService()

        private var onEventLoop: Bool { MultiThreadedEventLoopGroup.currentEventLoop != nil }

        func get(request: Request, context: ServerContext) async throws -> Response {
            let atStart = onEventLoop
            try await Task.sleep(for: .milliseconds(1))
            let afterSuspending = onEventLoop
            seen.withLock { $0 += [atStart, afterSuspending] }
            return try await echo.get(request: request, context: context)
        }
    }

    func testUnaryHandlerRunsOnItsConnectionsEventLoop() async throws {
        let probe = LoopProbe()
        let fixture = try await EchoServerFixture.start(echo: probe)
        let channel = try fixture.channel()
        let client = Skills_Testing_V1_EchoClient(channel)
        for index in 0..<3 {
            let response = try await client.get(Request(text: "loop \(index)"))
            XCTAssertEqual(response.text, "loop \(index)")
        }
        await channel.close()
        await fixture.stop()
        XCTAssertEqual(probe.seen.withLock { $0 }, Array(repeating: true, count: 6))
    }
}
