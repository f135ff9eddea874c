import NIOCore
import NIOEmbedded
import NIOHTTP2
import XCTest

@testable import RPC

/// The idle timeout on the testing loop's clock: a connection closes with GOAWAY `idleTimeout`
/// after its last call ended, however often calls came and went before.
final class ServerConnectionHandlerTests: XCTestCase {
    /// Tells the handler what `NIOHTTP2Handler` tells it when streams open and close.
    private struct Streams {
        let channel: NIOAsyncTestingChannel

        func opened(_ id: HTTP2StreamID) async throws {
            try await channel.testingEventLoop.executeInContext {
                channel.pipeline.fireUserInboundEventTriggered(
                    NIOHTTP2StreamCreatedEvent(
                        streamID: id, localInitialWindowSize: 65535, remoteInitialWindowSize: 65535))
            }
        }

        func closed(_ id: HTTP2StreamID) async throws {
            try await channel.testingEventLoop.executeInContext {
                channel.pipeline.fireUserInboundEventTriggered(StreamClosedEvent(streamID: id, reason: nil))
            }
        }
    }

    private func start(idleTimeout: Duration) async throws -> (NIOAsyncTestingChannel, Streams) {
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            let handler = ServerConnectionHandler(
                idleTimeout: idleTimeout, keepaliveInterval: .zero, keepaliveTimeout: .zero)
            try channel.pipeline.syncOperations.addHandler(handler)
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        return (channel, Streams(channel: channel))
    }

    private func goAwaySent(_ channel: NIOAsyncTestingChannel) async throws -> Bool {
        while let frame = try await channel.readOutbound(as: HTTP2Frame.self) {
            if case .goAway = frame.payload { return true }
        }
        return false
    }

    func testClosesIdleTimeoutAfterTheLastCallEnded() async throws {
        let (channel, streams) = try await start(idleTimeout: .seconds(10))
        let loop = channel.testingEventLoop
        // Calls open and close streams from 2 s to 9 s; the last one ends at 9 s.
        for second in 2...8 {
            await loop.advanceTime(to: .uptimeNanoseconds(UInt64(second) * 1_000_000_000))
            let id = HTTP2StreamID(2 * second + 1)
            try await streams.opened(id)
            await loop.advanceTime(by: .milliseconds(500))
            try await streams.closed(id)
        }
        let lastEnded = loop.now
        await loop.advanceTime(to: lastEnded + .seconds(10) - .milliseconds(1))
        let early = try await goAwaySent(channel)
        XCTAssertFalse(early, "closed before the connection was idle for 10 s")
        await loop.advanceTime(to: lastEnded + .seconds(10))
        let sent = try await goAwaySent(channel)
        XCTAssertTrue(sent, "not closed after 10 s idle")
    }

    func testAnOpenCallKeepsTheConnection() async throws {
        let (channel, streams) = try await start(idleTimeout: .seconds(10))
        let loop = channel.testingEventLoop
        try await streams.opened(1)
        await loop.advanceTime(by: .seconds(60))
        let closedWhileOpen = try await goAwaySent(channel)
        XCTAssertFalse(closedWhileOpen, "closed while a call was open")
        try await streams.closed(1)
        await loop.advanceTime(by: .seconds(10))
        let sent = try await goAwaySent(channel)
        XCTAssertTrue(sent, "not closed 10 s after the call ended")
    }
}
