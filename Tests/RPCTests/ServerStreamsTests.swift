import EchoSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import Synchronization
import XCTest

@testable import RPC

/// `ServerStreams`, the connection's side of its calls: frames reach the right call, a stream's
/// error ends only that call, and the client's receive windows are topped up.
final class ServerStreamsTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    /// Records the errors that get past `ServerStreams` (in a server, `ConnectionErrorLogger`, which
    /// closes the connection).
    private final class ErrorRecorder: ChannelInboundHandler, @unchecked Sendable {
        // Only touched on the testing channel's loop, and read by the test after `run()`.
        typealias InboundIn = Any
        var errors: [any Error] = []
        func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append(error) }
    }

    private func frame(_ id: HTTP2StreamID, headers: HPACKHeaders, endStream: Bool = false) -> HTTP2Frame {
        HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers, endStream: endStream)))
    }

    private func frame(_ id: HTTP2StreamID, data: ByteBuffer, endStream: Bool = false) -> HTTP2Frame {
        HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(data), endStream: endStream)))
    }

    /// Every frame written until both streams have ended (each with END_STREAM).
    private func frames(of channel: NIOAsyncTestingChannel, untilEnded streams: Int) async throws -> [HTTP2Frame] {
        var frames: [HTTP2Frame] = []
        var ended = 0
        let deadline = ContinuousClock.now + .seconds(5)
        while ended < streams && ContinuousClock.now < deadline {
            if let frame = try await channel.readOutbound(as: HTTP2Frame.self) {
                frames.append(frame)
                if frame.payload.endsStream { ended += 1 }
            } else {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        return frames
    }

    func testTwoCallsOnOneConnectionGetTheirOwnAnswers() async throws {
        let harness = try await StreamHarness.make()
        let channel = harness.channel
        let headers = StreamHarness.requestHeaders(path: StreamHarness.getPath)
        // Interleaved, as a client multiplexing two calls sends them.
        try await channel.writeInbound(frame(1, headers: headers))
        try await channel.writeInbound(frame(3, headers: headers))
        try await channel.writeInbound(frame(3, data: StreamHarness.framed(Request(text: "three")), endStream: true))
        try await channel.writeInbound(frame(1, data: StreamHarness.framed(Request(text: "one")), endStream: true))
        let written = try await frames(of: channel, untilEnded: 2)
        for (id, text) in [(HTTP2StreamID(1), "one"), (HTTP2StreamID(3), "three")] {
            let mine = written.filter { $0.streamID == id }.map(\.payload)
            XCTAssertEqual(mine.count, 3, "stream \(id): \(mine)")
            guard var bytes = mine.compactMap(\.dataBytes).first else { return XCTFail("stream \(id): no DATA") }
            bytes.moveReaderIndex(forwardBy: 5)
            let response = try Response(serializedBytes: Array(buffer: bytes))
            XCTAssertEqual(response.text, text)
            XCTAssertEqual(mine.last?.grpcStatus, 0)
        }
    }

    func testAStreamErrorEndsThatCallAndNotTheConnection() async throws {
        let echo = ObservedEcho()
        let harness = try await StreamHarness.make(services: [echo.serviceDefinition])
        let channel = harness.channel
        let recorder = ErrorRecorder()
        try await channel.pipeline.addHandler(recorder)
        try await harness.startSlowGet(observedBy: echo)
        // What NIOHTTP2Handler reports after resetting a stream that broke the protocol.
        channel.pipeline.fireErrorCaught(
            NIOHTTP2Errors.streamError(
                streamID: StreamHarness.streamID, baseError: NIOHTTP2Errors.contentLengthViolated()))
        await channel.testingEventLoop.run()
        try await echo.wait(for: .ended)
        XCTAssertTrue(recorder.errors.isEmpty, "a stream's error reached the connection: \(recorder.errors)")
        let isActive = channel.isActive
        XCTAssertTrue(isActive)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertFalse(leftovers.contains { $0.grpcStatus != nil }, "a reset call still got a status: \(leftovers)")
    }

    func testAClosedStreamEndsItsCall() async throws {
        let echo = ObservedEcho()
        let harness = try await StreamHarness.make(services: [echo.serviceDefinition])
        try await harness.startSlowGet(observedBy: echo)
        harness.channel.pipeline.fireUserInboundEventTriggered(
            StreamClosedEvent(streamID: StreamHarness.streamID, reason: .cancel))
        await harness.channel.testingEventLoop.run()
        try await echo.wait(for: .ended)
    }

    /// The window sizes NIOHTTP2Handler reports after DATA: a window at or below half its target is
    /// topped up to the target, with one WINDOW_UPDATE on the stream the event names.
    func testReceiveWindowsAreToppedUpBelowHalf() async throws {
        let harness = try await StreamHarness.make()
        let channel = harness.channel
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath))
        let connectionTarget = ReceiveWindow.connectionTarget
        let streamTarget = ReceiveWindow.streamTarget
        let events: [(HTTP2StreamID, Int)] = [
            (.rootStream, connectionTarget / 2 + 1),  // above half: nothing
            (.rootStream, 65_535 - 16_384),  // the first DATA on a new connection
            (StreamHarness.streamID, streamTarget / 2 + 1),
            (StreamHarness.streamID, 1000),
            (7, 0),  // a stream with no call here: nothing
        ]
        for (id, window) in events {
            channel.pipeline.fireUserInboundEventTriggered(
                NIOHTTP2WindowUpdatedEvent(streamID: id, inboundWindowSize: window, outboundWindowSize: nil))
        }
        var updates: [String] = []
        while let frame = try await channel.readOutbound(as: HTTP2Frame.self) {
            if case .windowUpdate(let increment) = frame.payload {
                updates.append("\(Int(frame.streamID)):\(increment)")
            }
        }
        XCTAssertEqual(updates, ["0:\(connectionTarget - 65_535 + 16_384)", "1:\(streamTarget - 1000)"])
        // Once the client has finished sending, its stream needs no more window.
        try await harness.send(data: StreamHarness.framed(Request(text: "done")), endStream: true)
        _ = try await harness.endedFrames()
        channel.pipeline.fireUserInboundEventTriggered(
            NIOHTTP2WindowUpdatedEvent(streamID: StreamHarness.streamID, inboundWindowSize: 10, outboundWindowSize: nil)
        )
        let after = try await harness.leftoverFrames()
        XCTAssertTrue(after.isEmpty, "\(after)")
    }

    /// Fails the write of any HEADERS that ends a stream, as swift-nio-http2 does for a header it
    /// refuses (an upper-case name, say).
    private final class RefuseEndingHeaders: ChannelOutboundHandler, @unchecked Sendable {
        // Stateless; added through the async pipeline API, which wants a Sendable handler.
        typealias OutboundIn = HTTP2Frame
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let frame = unwrapOutboundIn(data)
            if case .headers(let headers) = frame.payload, headers.endStream {
                promise?.fail(NIOHTTP2Errors.invalidHTTP2HeaderFieldName("Grpc-Status"))
                return
            }
            context.write(data, promise: promise)
        }
    }

    func testAStatusThatCannotBeWrittenIsFollowedByAReset() async throws {
        let harness = try await StreamHarness.make()
        try await harness.channel.pipeline.addHandler(RefuseEndingHeaders(), position: .first)
        try await harness.send(headers: StreamHarness.requestHeaders(path: "/skills.testing.v1.Echo/Nope"))
        await harness.channel.testingEventLoop.run()
        let frames = try await harness.leftoverFrames()
        guard frames.count == 1, case .rstStream(let code) = frames[0] else { return XCTFail("\(frames)") }
        XCTAssertEqual(code, .cancel, "the client would wait for a status until its deadline")
    }

    /// Holds back the completion of every DATA write while `holding`, as a peer whose window is closed
    /// makes NIOHTTP2Handler do; the frames still go out, to be counted.
    private final class HoldData: ChannelOutboundHandler, @unchecked Sendable {
        // Only touched on the testing channel's loop.
        typealias OutboundIn = HTTP2Frame
        var holding = true
        var held: [EventLoopPromise<Void>] = []
        var dataFrames = 0
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            guard case .data = unwrapOutboundIn(data).payload else { return context.write(data, promise: promise) }
            dataFrames += 1
            guard holding, let promise else { return context.write(data, promise: promise) }
            held.append(promise)
            context.write(data, promise: nil)
        }
        func release() {
            holding = false
            for promise in held { promise.succeed() }
            held = []
        }
    }

    /// A streaming handler writes ahead of the socket by at most `ServerStream.streamedBytesAhead`:
    /// its writes return at once below that and wait for the connection beyond it.
    func testAStreamingHandlerWritesAheadOfTheSocketByABoundedAmount() async throws {
        let messages = 40
        let response = Response(text: "", payload: [UInt8](repeating: 7, count: 8_000))
        let size = StreamHarness.framed(response).readableBytes
        let returned = Atomic<Int>(0)
        let method = ServiceDefinition(
            descriptor: Skills_Testing_V1_Echo.descriptor,
            methods: [
                .serverStreaming(Skills_Testing_V1_Echo.Method.expand) { _, responses, _ in
                    for _ in 0..<messages {
                        try await responses.write(response)
                        returned.add(1, ordering: .relaxed)
                    }
                }
            ])
        let harness = try await StreamHarness.make(services: [method])
        let hold = HoldData()
        try await harness.channel.pipeline.addHandler(hold, position: .first)
        let path = Skills_Testing_V1_Echo.Method.expand.descriptor.path
        try await harness.send(headers: StreamHarness.requestHeaders(path: path))
        try await harness.send(data: StreamHarness.framed(Request(text: "go")), endStream: true)

        let ahead = ServerStream.streamedBytesAhead / size
        let deadline = ContinuousClock.now + .seconds(5)
        while returned.load(ordering: .relaxed) < ahead && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        XCTAssertEqual(returned.load(ordering: .relaxed), ahead, "writes below the bound wait for nothing")
        // The next write is the one past the bound: it went out and waits; nothing follows it.
        try await Task.sleep(for: .milliseconds(50))
        await harness.channel.testingEventLoop.run()
        XCTAssertEqual(returned.load(ordering: .relaxed), ahead)
        XCTAssertEqual(hold.dataFrames, ahead + 1)

        try await harness.channel.testingEventLoop.executeInContext { hold.release() }
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.compactMap(\.dataBytes).count, messages)
        XCTAssertEqual(frames.last?.grpcStatus, 0)
        XCTAssertEqual(returned.load(ordering: .relaxed), messages)
    }
}
