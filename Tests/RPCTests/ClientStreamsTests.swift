import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import Synchronization
import XCTest

@testable import RPC

/// `ClientStreams`, a client connection's side of its calls, on an in-memory channel: what each
/// call sends, which answer reaches which call, and how a call ends when its stream or connection
/// does.
final class ClientStreamsTests: XCTestCase {
    /// What one call heard: its messages and how it finished.
    private final class Outcome: Sendable {
        private let state = Mutex<(messages: [String], error: RPCError??)>(([], nil))
        var messages: [String] { state.withLock { $0.messages } }
        /// nil while the call runs; `.some(nil)` for OK.
        var finished: RPCError?? { state.withLock { $0.error } }

        var observer: ClientCallObserver {
            ClientCallObserver(
                headers: { _ in },
                message: { [self] bytes in state.withLock { $0.messages.append(String(buffer: bytes)) } },
                finished: { [self] error, _ in state.withLock { $0.error = .some(error) } })
        }
    }

    /// Passes on what `ClientStreams` lets through, for the test to see.
    private final class Tail: ChannelInboundHandler, @unchecked Sendable {
        // Only touched on the testing channel's loop; the test reads it after `run()`.
        typealias InboundIn = HTTP2Frame
        var frames: [HTTP2Frame] = []
        var errors: [any Error] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(unwrapInboundIn(data)) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append(error) }
    }

    private struct Connection {
        let channel: NIOAsyncTestingChannel
        let streams: ClientStreams.Handle
        let tail: Tail

        func open(_ outcome: Outcome, request: String? = "request") async throws {
            let starter = StreamStarter(
                headers: [":method": "POST", ":path": "/x.Y/Z"],
                singleRequest: request.map { ByteBuffer(string: $0) }, deadline: .now() + .seconds(60),
                maxReceiveMessageBytes: 1 << 20, observer: outcome.observer)
            _ = try await streams.open(starter).get()
        }

        /// Opens two calls, on streams 1 and 3.
        func openTwo() async throws -> (Outcome, Outcome) {
            let calls = (Outcome(), Outcome())
            try await open(calls.0)
            try await open(calls.1)
            return calls
        }

        func receive(_ id: HTTP2StreamID, _ payload: HTTP2Frame.FramePayload) async throws {
            try await channel.writeInbound(HTTP2Frame(streamID: id, payload: payload))
        }

        func sent() async throws -> [HTTP2Frame] {
            var frames: [HTTP2Frame] = []
            while let frame = try await channel.readOutbound(as: HTTP2Frame.self) { frames.append(frame) }
            return frames
        }
    }

    private func connect() async throws -> Connection {
        let channel = NIOAsyncTestingChannel()
        let tail = Tail()
        let handle = try await channel.testingEventLoop.executeInContext {
            let streams = ClientStreams(eventLoop: channel.eventLoop)
            try channel.pipeline.syncOperations.addHandler(streams)
            try channel.pipeline.syncOperations.addHandler(tail)
            return ClientStreams.Handle(streams: NIOLoopBound(streams, eventLoop: channel.eventLoop))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        return Connection(channel: channel, streams: handle, tail: tail)
    }

    private static func message(_ text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeGRPCPrefix(length: text.utf8.count)
        buffer.writeString(text)
        return buffer
    }

    private static let ok: HPACKHeaders = ["grpc-status": "0"]
    private static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]

    func testCallsGetOddStreamsInOrderAndTheirOwnAnswers() async throws {
        let connection = try await connect()
        let (first, second) = try await connection.openTwo()
        let sent = try await connection.sent()
        XCTAssertEqual(sent.map { Int($0.streamID) }, [1, 1, 3, 3])
        XCTAssertEqual(sent.map(\.payload.endsStream), [false, true, false, true])
        // Answered in the other order.
        for (id, text) in [(HTTP2StreamID(3), "second"), (HTTP2StreamID(1), "first")] {
            try await connection.receive(id, .headers(.init(headers: Self.responseHeaders)))
            try await connection.receive(id, .data(.init(data: .byteBuffer(Self.message(text)))))
            try await connection.receive(id, .headers(.init(headers: Self.ok, endStream: true)))
        }
        XCTAssertEqual(first.messages, ["first"])
        XCTAssertEqual(second.messages, ["second"])
        for outcome in [first, second] {
            guard case .some(.none) = outcome.finished else {
                return XCTFail("not OK: \(String(describing: outcome.finished))")
            }
        }
    }

    func testAResetEndsItsCallAsItSaysAndALostConnectionIsUnavailable() async throws {
        let connection = try await connect()
        let (reset, lost) = try await connection.openTwo()
        try await connection.receive(1, .rstStream(.cancel))
        connection.channel.pipeline.fireUserInboundEventTriggered(StreamClosedEvent(streamID: 1, reason: .cancel))
        // NIOHTTP2 closes every stream of a connection that went, saying CANCEL, with no frame.
        connection.channel.pipeline.fireUserInboundEventTriggered(StreamClosedEvent(streamID: 3, reason: .cancel))
        await connection.channel.testingEventLoop.run()
        XCTAssertEqual(reset.finished??.code, .cancelled)
        XCTAssertEqual(lost.finished??.code, .unavailable)
    }

    func testAStreamErrorEndsOnlyItsCall() async throws {
        let connection = try await connect()
        let (broken, other) = try await connection.openTwo()
        connection.channel.pipeline.fireErrorCaught(
            NIOHTTP2Errors.streamError(streamID: 1, baseError: NIOHTTP2Errors.contentLengthViolated()))
        await connection.channel.testingEventLoop.run()
        XCTAssertEqual(broken.finished??.code, .unavailable)
        XCTAssertTrue(other.finished == nil, "the other call ended too")
        XCTAssertTrue(connection.tail.errors.isEmpty, "a stream's error reached the connection")
    }

    func testConnectionFramesGoOnAndAClosedConnectionRefusesNewCalls() async throws {
        let connection = try await connect()
        let open = Outcome()
        try await connection.open(open)
        try await connection.receive(.rootStream, .goAway(lastStreamID: 1, errorCode: .noError, opaqueData: nil))
        XCTAssertEqual(connection.tail.frames.count, 1, "GOAWAY did not reach the connection's watcher")
        try await connection.channel.close()
        XCTAssertEqual(open.finished??.code, .unavailable)
        let late = Outcome()
        try await connection.open(late)
        XCTAssertEqual(late.finished??.code, .unavailable)
    }

    func testTheServersWindowIsToppedUpOnlyWhileAnswersAreExpected() async throws {
        let connection = try await connect()
        let call = Outcome()
        try await connection.open(call)
        _ = try await connection.sent()
        for id: HTTP2StreamID in [.rootStream, 1] {
            connection.channel.pipeline.fireUserInboundEventTriggered(
                NIOHTTP2WindowUpdatedEvent(streamID: id, inboundWindowSize: 100, outboundWindowSize: nil))
        }
        try await connection.receive(
            1, .headers(.init(headers: Self.responseHeaders.merging(Self.ok), endStream: true)))
        connection.channel.pipeline.fireUserInboundEventTriggered(
            NIOHTTP2WindowUpdatedEvent(streamID: 1, inboundWindowSize: 100, outboundWindowSize: nil))
        let updates = try await connection.sent().compactMap { frame -> String? in
            guard case .windowUpdate(let increment) = frame.payload else { return nil }
            return "\(Int(frame.streamID)):\(increment)"
        }
        XCTAssertEqual(updates, ["0:\(ReceiveWindow.connectionTarget - 100)", "1:\(ReceiveWindow.streamTarget - 100)"])
    }
}

extension HPACKHeaders {
    fileprivate func merging(_ other: HPACKHeaders) -> HPACKHeaders {
        var merged = self
        for (name, value, _) in other { merged.add(name: name, value: value) }
        return merged
    }
}
