import EchoSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import XCTest

@testable import RPC

/// `ServerStream`, through `ServerStreams` on an in-memory channel: routing, early errors, limits, authorization
/// and deadlines, without sockets or TLS.
final class ServerStreamTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    /// Asserts a trailers-only response with `code` and returns its headers.
    @discardableResult
    private func expectTrailersOnly(
        _ harness: StreamHarness, code: StatusCode,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> HPACKHeaders? {
        let frames = try await harness.framesUntilEnd()
        guard let frames else {
            XCTFail("the stream never ended", file: file, line: line)
            return nil
        }
        XCTAssertEqual(
            frames.count, 1, "expected one trailers-only HEADERS frame, got \(frames)", file: file, line: line)
        guard let headers = frames.last?.headerList else {
            XCTFail("the last frame is not HEADERS: \(frames)", file: file, line: line)
            return nil
        }
        XCTAssertEqual(headers.first(name: ":status"), "200", file: file, line: line)
        XCTAssertEqual(headers.first(name: "content-type"), "application/grpc", file: file, line: line)
        XCTAssertEqual(
            headers.first(name: "grpc-status"), String(code.rawValue),
            "grpc-message: \(headers.first(name: "grpc-message") ?? "")", file: file, line: line)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertTrue(
            leftovers.isEmpty || leftovers.isNoErrorReset, "frames after the status: \(leftovers)", file: file,
            line: line)
        return headers
    }

    /// Sends one unary request and returns every frame of the answer.
    private func unary(
        _ harness: StreamHarness, path: String = StreamHarness.getPath, _ body: ByteBuffer,
        extraHeaders: [(String, String)] = []
    ) async throws -> [HTTP2Frame.FramePayload] {
        try await harness.send(headers: StreamHarness.requestHeaders(path: path, extra: extraHeaders))
        try await harness.send(data: body, endStream: true)
        return try await harness.endedFrames()
    }

    func testUnknownMethodIsUnimplemented() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(headers: StreamHarness.requestHeaders(path: "/skills.testing.v1.Echo/Nope"))
        let headers = try await expectTrailersOnly(harness, code: .unimplemented)
        XCTAssertEqual(
            headers?.first(name: "grpc-message").map(StatusMessageCoding.decode),
            "Method not found: /skills.testing.v1.Echo/Nope")
    }

    func testUnknownServiceIsUnimplemented() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(headers: StreamHarness.requestHeaders(path: "/no.such.Service/Get"), endStream: true)
        try await expectTrailersOnly(harness, code: .unimplemented)
    }

    func testNonGRPCContentTypeGets415() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, contentType: "text/plain"))
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.count, 1)
        let headers = try XCTUnwrap(frames.first?.headerList)
        XCTAssertEqual(headers.first(name: ":status"), "415")
        XCTAssertNil(headers.first(name: "grpc-status"))
        XCTAssertTrue(frames[0].endsStream)
        // Data that follows is ignored.
        try await harness.send(data: StreamHarness.framed(Request(text: "x")), endStream: true)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertTrue(leftovers.isEmpty)
    }

    func testGRPCContentTypeVariantsAreAccepted() async throws {
        for contentType in ["application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8"] {
            let harness = try await StreamHarness.make()
            try await harness.send(
                headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, contentType: contentType))
            try await harness.send(data: StreamHarness.framed(Request(text: contentType)), endStream: true)
            let frames = try await harness.endedFrames()
            XCTAssertEqual(frames.last?.grpcStatus, 0, contentType)
        }
    }

    func testUnsupportedEncodingIsUnimplementedWithAcceptEncoding() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, extra: [("grpc-encoding", "gzip")]))
        let headers = try await expectTrailersOnly(harness, code: .unimplemented)
        XCTAssertEqual(headers?.first(name: "grpc-accept-encoding"), "identity")
        XCTAssertTrue(headers?.first(name: "grpc-message")?.contains("gzip") ?? false)
    }

    func testIdentityEncodingIsAccepted() async throws {
        let harness = try await StreamHarness.make()
        let frames = try await unary(
            harness, StreamHarness.framed(Request(text: "id")), extraHeaders: [("grpc-encoding", "identity")])
        XCTAssertEqual(frames.last?.grpcStatus, 0)
    }

    func testUnaryRoundTrip() async throws {
        let harness = try await StreamHarness.make()
        let request = Request(text: "hello", payload: [1, 2, 3])
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, extra: [("x-echo-token", "t1")]))
        try await harness.send(data: StreamHarness.framed(request), endStream: true)
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.count, 3, "\(frames)")
        guard frames.count == 3 else { return }

        let headers = try XCTUnwrap(frames[0].headerList)
        XCTAssertEqual(headers.first(name: ":status"), "200")
        XCTAssertEqual(headers.first(name: "content-type"), "application/grpc")
        XCTAssertNil(headers.first(name: "grpc-status"))
        XCTAssertFalse(frames[0].endsStream)

        var data = try XCTUnwrap(frames[1].dataBytes)
        XCTAssertEqual(data.readInteger(as: UInt8.self), 0)
        XCTAssertEqual(data.readInteger(as: UInt32.self).map(Int.init), data.readableBytes)
        let response = try Response(buffer: data)
        XCTAssertEqual(response.text, "hello")
        XCTAssertEqual(response.payload, [1, 2, 3])
        XCTAssertEqual(response.caller, "hrss-dev")
        XCTAssertEqual(response.count, 1)

        let trailers = try XCTUnwrap(frames[2].headerList)
        XCTAssertEqual(trailers.first(name: "grpc-status"), "0")
        XCTAssertNil(trailers.first(name: ":status"), "trailers carry no pseudo-headers")
        XCTAssertEqual(trailers.first(name: "x-echo-token"), "t1")
        XCTAssertTrue(frames[2].endsStream)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertTrue(leftovers.isEmpty)
    }

    func testRequestSplitOverManyDataFrames() async throws {
        let harness = try await StreamHarness.make()
        var framed = StreamHarness.framed(Request(text: "split", payload: Array(repeating: 9, count: 100)))
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath))
        while framed.readableBytes > 0 {
            let slice = framed.readSlice(length: min(7, framed.readableBytes))!
            try await harness.send(data: slice)
        }
        try await harness.send(data: ByteBuffer(), endStream: true)
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.last?.grpcStatus, 0)
        var data = try XCTUnwrap(frames.first { $0.dataBytes != nil }?.dataBytes)
        data.moveReaderIndex(forwardBy: 5)
        XCTAssertEqual(try Response(buffer: data).text, "split")
    }

    func testHandlerErrorBecomesStatusWithEncodedMessage() async throws {
        let harness = try await StreamHarness.make()
        let message = "拒绝: 100% no"
        let frames = try await unary(harness, StreamHarness.framed(Request(failWithCode: 9, failWithMessage: message)))
        XCTAssertEqual(frames.count, 1, "an error before any response is trailers-only")
        let trailers = try XCTUnwrap(frames.last?.headerList)
        XCTAssertEqual(trailers.first(name: "grpc-status"), "9")
        let encoded = try XCTUnwrap(trailers.first(name: "grpc-message"))
        XCTAssertTrue(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, encoded)
        XCTAssertEqual(StatusMessageCoding.decode(encoded), message)
    }

    func testOversizedMessageIsResourceExhausted() async throws {
        let harness = try await StreamHarness.make(maxReceiveMessageBytes: 64)
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath))
        try await harness.send(data: StreamHarness.framed(Request(payload: Array(repeating: 1, count: 100))))
        try await expectTrailersOnly(harness, code: .resourceExhausted)
    }

    /// grpcio read a CANCEL reset that followed RESOURCE_EXHAUSTED as CANCELLED (once, under load):
    /// a client still sending is asked to stop with RST_STREAM(NO_ERROR) after the status instead.
    func testAnEarlyStatusAsksAClientStillSendingToStopWithoutError() async throws {
        let harness = try await StreamHarness.make(maxReceiveMessageBytes: 64)
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath))
        try await harness.send(data: StreamHarness.framed(Request(payload: Array(repeating: 1, count: 100))))
        let ended = try await harness.framesUntilEnd()
        let frames = try XCTUnwrap(ended)
        XCTAssertEqual(frames.map(\.grpcStatus), [StatusCode.resourceExhausted.rawValue])
        let leftovers = try await harness.leftoverFrames()
        XCTAssertTrue(leftovers.isNoErrorReset, "\(leftovers)")
    }

    func testMessageAtTheLimitIsAccepted() async throws {
        let request = Request(payload: Array(repeating: 1, count: 100))
        let harness = try await StreamHarness.make(maxReceiveMessageBytes: request.serializedSize)
        let frames = try await unary(harness, StreamHarness.framed(request))
        XCTAssertEqual(frames.last?.grpcStatus, 0)
    }

    func testMalformedProtobufIsInvalidArgument() async throws {
        let harness = try await StreamHarness.make()
        // Field 1 (text) claims 5 bytes but only one follows.
        let frames = try await unary(harness, StreamHarness.framed(raw: [0x0A, 0x05, 0x41]))
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.invalidArgument.rawValue)
    }

    func testInvalidUTF8IsInvalidArgument() async throws {
        let harness = try await StreamHarness.make()
        let frames = try await unary(harness, StreamHarness.framed(raw: [0x0A, 0x02, 0xC3, 0x28]))
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.invalidArgument.rawValue)
    }

    func testTwoMessagesOnAUnaryCallFail() async throws {
        let harness = try await StreamHarness.make()
        var body = StreamHarness.framed(Request(text: "one"))
        var second = StreamHarness.framed(Request(text: "two"))
        body.writeBuffer(&second)
        let frames = try await unary(harness, body)
        XCTAssertEqual(frames.count, 1, "\(frames)")
        let status = try XCTUnwrap(frames.last?.grpcStatus)
        XCTAssertNotEqual(status, 0)
        XCTAssertEqual(status, StatusCode.internalError.rawValue)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertTrue(leftovers.isEmpty)
    }

    func testUnaryWithoutAMessageFails() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath), endStream: true)
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.internalError.rawValue)
    }

    func testRequestEndingInsideAMessageFails() async throws {
        let harness = try await StreamHarness.make()
        var framed = StreamHarness.framed(Request(text: "truncated"))
        framed.moveWriterIndex(to: framed.writerIndex - 2)
        let frames = try await unary(harness, framed)
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.internalError.rawValue)
    }

    func testCompressedFlagWithoutEncodingFails() async throws {
        let harness = try await StreamHarness.make()
        var framed = StreamHarness.framed(Request(text: "z"))
        framed.setInteger(UInt8(1), at: framed.readerIndex)
        let frames = try await unary(harness, framed)
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.internalError.rawValue)
    }

    func testWrongMethodIsRefused() async throws {
        let harness = try await StreamHarness.make()
        var headers = StreamHarness.requestHeaders(path: StreamHarness.getPath)
        headers.replaceOrAdd(name: ":method", value: "GET")
        try await harness.send(headers: headers, endStream: true)
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.count, 1)
        XCTAssertNotEqual(frames.last?.grpcStatus ?? 0, 0)
    }

    func testRoleNotInTheTableIsPermissionDenied() async throws {
        let table = AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": ["finance"]])
        let harness = try await StreamHarness.make(interceptors: [AuthorizationInterceptor(table: table)])
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath))
        let headers = try await expectTrailersOnly(harness, code: .permissionDenied)
        XCTAssertTrue(headers?.first(name: "grpc-message")?.contains("hrss") ?? false)
    }

    func testRoleInTheTableIsAllowed() async throws {
        let table = AccessTable(
            [Skills_Testing_V1_Echo.Method.get.descriptor: ["hrss"]],
            everyMethodOf: ["skills.testing.v1.Echo": ["finance"]])
        let harness = try await StreamHarness.make(interceptors: [AuthorizationInterceptor(table: table)])
        let frames = try await unary(harness, StreamHarness.framed(Request(text: "ok")))
        XCTAssertEqual(frames.last?.grpcStatus, 0)
    }

    func testHealthIsAlwaysAllowed() async throws {
        let table = AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": ["finance"]])
        let harness = try await StreamHarness.make(interceptors: [AuthorizationInterceptor(table: table)])
        let path = Grpc_Health_V1_Health.Method.check.descriptor.path
        let frames = try await unary(
            harness, path: path, StreamHarness.framed(Grpc_Health_V1_HealthCheckRequest(service: "")))
        XCTAssertEqual(frames.last?.grpcStatus, 0)
        var data = try XCTUnwrap(frames.first { $0.dataBytes != nil }?.dataBytes)
        data.moveReaderIndex(forwardBy: 5)
        XCTAssertEqual(try Grpc_Health_V1_HealthCheckResponse(buffer: data).status, .serving)
    }

    func testAnonymousPeerIsDenied() async throws {
        let table = AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": .anyone])
        let harness = try await StreamHarness.make(
            interceptors: [AuthorizationInterceptor(table: table)], peer: .anonymous)
        try await harness.send(headers: StreamHarness.requestHeaders(path: StreamHarness.getPath))
        try await expectTrailersOnly(harness, code: .permissionDenied)
    }

    func testDeadlineExpires() async throws {
        let echo = ObservedEcho()
        let harness = try await StreamHarness.make(services: [echo.serviceDefinition])
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, extra: [("grpc-timeout", "1m")]))
        try await harness.send(data: StreamHarness.framed(Request(text: "slow", delayMs: 2000)), endStream: true)
        // The handler sleeps in real time; the deadline runs on the channel's clock, not yet advanced.
        try await echo.wait(for: .started)
        let early = try await harness.nextFrame(timeout: .zero)
        XCTAssertNil(early, "answered before the deadline: \(String(describing: early))")
        let start = ContinuousClock.now
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(2))
        let frames = try await harness.endedFrames(timeout: .seconds(1))
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(1500), "the deadline did not end the call")
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.deadlineExceeded.rawValue)
        // The cancelled handler must not write anything afterwards: once it has ended, nothing more.
        try await echo.wait(for: .ended)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertTrue(leftovers.isEmpty, "\(leftovers)")
    }

    func testDeadlineInMinutes() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, extra: [("grpc-timeout", "1M")]))
        try await harness.send(data: StreamHarness.framed(Request(text: "slow", delayMs: 2000)), endStream: true)
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(59))
        let early = try await harness.nextFrame(timeout: .milliseconds(20))
        XCTAssertNil(early)
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(1))
        let frames = try await harness.endedFrames(timeout: .seconds(1))
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.deadlineExceeded.rawValue)
    }

    func testLargestTimeoutDoesNotCrash() async throws {
        // 99999999H (~11,400 years) is the largest grpc-timeout the protocol allows. Its nanoseconds
        // do not fit an Int64; the deadline timer must saturate rather than trap (a remote crash).
        XCTAssertNotNil(GRPCTimeout.parse("99999999H"))
        XCTAssertEqual(TimeAmount(saturating: .seconds(Int64.max)), TimeAmount.longestWait)
        XCTAssertNotNil(
            GRPCTimeout.parse(Substring(GRPCTimeout.format(.seconds(Int64.max)))),
            "a huge client timeout still formats as a valid grpc-timeout")
        let harness = try await StreamHarness.make()
        let frames = try await unary(
            harness, StreamHarness.framed(Request(text: "patient")), extraHeaders: [("grpc-timeout", "99999999H")])
        XCTAssertEqual(frames.last?.grpcStatus, 0)
    }

    func testMalformedTimeoutIsRejected() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: StreamHarness.getPath, extra: [("grpc-timeout", "soon")]))
        try await expectTrailersOnly(harness, code: .invalidArgument)
    }

    func testClientResetEndsTheCallSilently() async throws {
        let echo = ObservedEcho()
        let harness = try await StreamHarness.make(services: [echo.serviceDefinition])
        // The handler would answer only after 60 s: it ends that soon only if the reset cancels it.
        try await harness.startSlowGet(observedBy: echo)
        try await harness.send(.rstStream(.cancel))
        // The cancelled handler resumes on the channel's loop, which a testing loop runs when told to.
        await harness.channel.testingEventLoop.run()
        try await echo.wait(for: .ended)
        let leftovers = try await harness.leftoverFrames()
        XCTAssertFalse(leftovers.contains { $0.grpcStatus != nil }, "a reset call still got a status: \(leftovers)")
    }

    func testServerStreaming() async throws {
        let harness = try await StreamHarness.make()
        let path = Skills_Testing_V1_Echo.Method.expand.descriptor.path
        let frames = try await unary(harness, path: path, StreamHarness.framed(Request(text: "t", repeat: 3)))
        XCTAssertEqual(frames.first?.headerList?.first(name: ":status"), "200")
        let texts = try frames.compactMap(\.dataBytes).map { bytes -> String in
            var bytes = bytes
            bytes.moveReaderIndex(forwardBy: 5)
            return try Response(buffer: bytes).text
        }
        XCTAssertEqual(texts, ["t 0", "t 1", "t 2"])
        XCTAssertEqual(frames.last?.grpcStatus, 0)
    }

    func testClientStreaming() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: Skills_Testing_V1_Echo.Method.collect.descriptor.path))
        for text in ["a", "b", "c"] { try await harness.send(data: StreamHarness.framed(Request(text: text))) }
        try await harness.send(data: ByteBuffer(), endStream: true)
        let frames = try await harness.endedFrames()
        var data = try XCTUnwrap(frames.first { $0.dataBytes != nil }?.dataBytes)
        data.moveReaderIndex(forwardBy: 5)
        let response = try Response(buffer: data)
        XCTAssertEqual(response.text, "a b c")
        XCTAssertEqual(response.count, 3)
        XCTAssertEqual(frames.last?.grpcStatus, 0)
    }

    func testStreamingMalformedMessageIsInvalidArgument() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: Skills_Testing_V1_Echo.Method.collect.descriptor.path))
        try await harness.send(data: StreamHarness.framed(Request(text: "ok")))
        try await harness.send(data: StreamHarness.framed(raw: [0xFF, 0xFF]), endStream: true)
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.last?.grpcStatus, StatusCode.invalidArgument.rawValue)
    }
}
