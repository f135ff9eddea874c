import NIOCore
import NIOHTTP2
import XCTest

@testable import RPC

/// `ConnectionEvent` tells the events the connection's handlers act on by their exact type, and
/// passes every other event by as `.other`.
final class ConnectionEventTests: XCTestCase {
    func testEachEventTheHandlersActOnIsRecognised() throws {
        let stream = HTTP2StreamID(5)
        guard
            case .streamCreated(let created) = ConnectionEvent(
                NIOHTTP2StreamCreatedEvent(
                    streamID: stream, localInitialWindowSize: 65_535, remoteInitialWindowSize: 65_535))
        else { return XCTFail("a created stream was not recognised") }
        XCTAssertEqual(created.streamID, stream)

        guard case .streamClosed(let closed) = ConnectionEvent(StreamClosedEvent(streamID: stream, reason: .cancel))
        else { return XCTFail("a closed stream was not recognised") }
        XCTAssertEqual(closed.streamID, stream)
        XCTAssertEqual(closed.reason, .cancel)

        guard
            case .windowUpdated(let window) = ConnectionEvent(
                NIOHTTP2WindowUpdatedEvent(streamID: stream, inboundWindowSize: 10, outboundWindowSize: 20))
        else { return XCTFail("a window update was not recognised") }
        XCTAssertEqual(window.inboundWindowSize, 10)
        XCTAssertEqual(window.outboundWindowSize, 20)

        guard case .gracefulShutdown = ConnectionEvent(GracefulShutdownEvent())
        else { return XCTFail("the server's shutdown was not recognised") }
    }

    func testOtherEventsPassAsOther() {
        let others: [Any] = [
            NIOHTTP2BulkStreamWindowChangeEvent(delta: 10),
            "a string",
            ChannelShouldQuiesceEvent(),
        ]
        for event in others {
            guard case .other = ConnectionEvent(event) else {
                return XCTFail("\(event) was taken for an event it is not")
            }
        }
    }
}
