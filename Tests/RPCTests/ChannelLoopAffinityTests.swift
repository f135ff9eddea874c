import EchoSupport
import Logging
import NIOCore
import NIOPosix
import RPC
import Schema
import Synchronization
import XCTest

/// A call made on one of the channel's event loops goes over a connection of that loop (issue 14:
/// a service's call to another service, or a replay's journey, then never changes threads).
final class ChannelLoopAffinityTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    /// Echo's Get, noting the client address (one per connection) each call came over.
    final class AddressProbe: EchoWithOwnGet {
        let addresses = Mutex<[String: String]>([:])
        let echo = EchoService()

        func get(request: Request, context: ServerContext) async throws -> Response {
            addresses.withLock { $0[request.text] = context.remoteAddress }
            return try await echo.get(request: request, context: context)
        }
    }

    func testCallsMadeOnALoopUseThatLoopsConnection() async throws {
        let probe = AddressProbe()
        let fixture = try await EchoServerFixture.start(echo: probe)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var logger = Logger(label: "rpc-tests.client")
        logger.logLevel = .error
        let channel = try GRPCChannel(
            configuration: ClientConfiguration(
                targets: [fixture.target], tls: TestCertificates.tls("hrss"), serverName: "localhost",
                defaultTimeout: .seconds(10), connectionsPerTarget: 2),
            eventLoopGroup: group, logger: logger)
        let client = Skills_Testing_V1_EchoClient(channel)
        let executors = EventLoopTaskExecutor.each(of: group)
        XCTAssertEqual(executors.count, 2)
        for (loop, executor) in executors.enumerated() {
            try await withTaskExecutorPreference(executor) {
                for call in 0..<4 {
                    let text = "loop \(loop) call \(call)"
                    let response = try await client.get(Request(text: text))
                    XCTAssertEqual(response.text, text)
                    XCTAssertTrue(executor.eventLoop.inEventLoop, "the call resumed off its loop")
                }
            }
        }
        // Off the loops, calls are spread over both connections as before.
        for call in 0..<4 { _ = try await client.get(Request(text: "global \(call)")) }
        await channel.close()
        try await group.shutdownGracefully()
        await fixture.stop()

        let seen = probe.addresses.withLock { $0 }
        let byLoop = (0..<2).map { loop in Set((0..<4).compactMap { seen["loop \(loop) call \($0)"] }) }
        XCTAssertEqual(byLoop.map(\.count), [1, 1], "each loop's calls share one connection: \(seen)")
        XCTAssertNotEqual(byLoop[0], byLoop[1], "the two loops use different connections: \(seen)")
        let global = Set((0..<4).compactMap { seen["global \($0)"] })
        XCTAssertEqual(global, byLoop[0].union(byLoop[1]), "round robin off the loops: \(seen)")
    }
}
