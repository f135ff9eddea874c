import EchoSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import Synchronization
import XCTest

@testable import RPC

/// Streaming calls, refusals, resets, deadlines and the handles the machine keeps.
extension ServerStreamStateMachineTests {
    // MARK: Streaming

    func testStreamingCallFromHeadersToStatus() async throws {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.collect), endStream: false)
        guard case .accept(nil, let streaming?) = accepted else { return XCTFail("\(accepted)") }
        XCTAssertEqual(streaming.context.method.path, Self.collect)
        XCTAssertEqual(machine.state.name, "streaming")
        var two = message("a")
        var second = message("b")
        two.writeBuffer(&second)
        XCTAssertNil(machine.receiveData(two, endStream: false).name)
        XCTAssertEqual(machine.sendMessage(), .write(headersFirst: true))
        XCTAssertEqual(machine.sendMessage(), .write(headersFirst: false))
        XCTAssertNil(machine.receiveData(message("c"), endStream: true).name)
        XCTAssertEqual(machine.state.name, "streamingClientClosed")
        await XCTAssertRequests(streaming.requests, texts: ["a", "b", "c"], end: nil)
        XCTAssertEqual(machine.sendMessage(), .write(headersFirst: false))

        let ending = machine.streamingFinished(.success(()))
        XCTAssertEqual(ending?.status, RPCError(.ok, ""))
        XCTAssertEqual(ending?.response, .status(trailersOnly: false, askClientToStop: false))
        XCTAssertEqual(machine.state.name, "closed")
        XCTAssertEqual(machine.sendMessage(), .refuse, "nothing is written after the status")
    }

    func testStreamingRequestEndingOnHeadersFinishesTheRequests() async {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.collect), endStream: true)
        guard case .accept(nil, let streaming?) = accepted else { return XCTFail("\(accepted)") }
        XCTAssertEqual(machine.state.name, "streamingClientClosed")
        await XCTAssertRequests(streaming.requests, end: nil)
        XCTAssertEqual(machine.sendMessage(), .write(headersFirst: true))
    }

    func testStreamingHandlerEndingWhileTheClientSendsAsksItToStop() async {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.collect), endStream: false)
        let ending = machine.streamingFinished(.failure(RPCError(.failedPrecondition, "no")))
        XCTAssertEqual(ending?.status, RPCError(.failedPrecondition, "no"))
        XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: true))
        XCTAssertNil(machine.receiveData(message("late"), endStream: false).name, "DATA after the status is ignored")
        if case .accept(_, let streaming?) = accepted {
            await XCTAssertRequests(streaming.requests, end: .failedPrecondition)
        }
    }

    func testStreamingHandlerErrorsAreMapped() {
        var machine = machine()
        _ = machine.receiveHeaders(headers(Self.collect), endStream: true)
        XCTAssertEqual(machine.streamingFinished(.failure(CancellationError()))?.status.code, .cancelled)
    }

    func testTooManyWaitingRequestsIsResourceExhausted() async {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.collect), endStream: false)
        var many = ByteBuffer()
        for _ in 0...Machine.maxBufferedRequests {
            var empty = StreamHarness.framed(raw: [])
            many.writeBuffer(&empty)
        }
        let ending = machine.receiveData(many, endStream: false).ending
        XCTAssertEqual(ending?.status.code, .resourceExhausted)
        XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: true))
        if case .accept(_, let streaming?) = accepted {
            var count = 0
            do { for try await _ in streaming.requests { count += 1 } } catch {
                XCTAssertEqual((error as? RPCError)?.code, .resourceExhausted)
            }
            XCTAssertEqual(count, Machine.maxBufferedRequests, "the ones that fit still reach the handler")
        }
    }

    func testCompletionsOfTheOtherKindAreIgnored() {
        for (name, var machine) in machines() {
            if name.hasPrefix("streaming") {
                XCTAssertNil(machine.unaryFinished(.success(ByteBuffer())).name, name)
            } else {
                XCTAssertNil(machine.streamingFinished(.success(())), name)
                XCTAssertEqual(machine.sendMessage(), .refuse, name)
            }
            XCTAssertEqual(machine.state.name, name)
        }
    }

    // MARK: Refused at HEADERS

    func testRefusalsBeforeRouting() {
        let cases: [(String, HPACKHeaders, StatusCode?)] = [
            ("not gRPC", StreamHarness.requestHeaders(path: Self.get, contentType: "text/plain"), nil),
            (
                "GET",
                {
                    var h = headers(Self.get)
                    h.replaceOrAdd(name: ":method", value: "GET")
                    return h
                }(), .internalError
            ),
            ("gzip", headers(Self.get, [("grpc-encoding", "gzip")]), .unimplemented),
            ("unknown method", headers("/skills.testing.v1.Echo/Nope"), .unimplemented),
            ("bad timeout", headers(Self.get, [("grpc-timeout", "soon")]), .invalidArgument),
        ]
        for (name, requestHeaders, code) in cases {
            for endStream in [false, true] {
                var machine = machine()
                let ending = machine.receiveHeaders(requestHeaders, endStream: endStream).ending
                XCTAssertNil(ending?.call, "\(name): refused before it had a context, so not reported")
                XCTAssertEqual(machine.state.name, "closed", name)
                if let code {
                    XCTAssertEqual(ending?.status.code, code, name)
                    XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: !endStream), name)
                } else {
                    XCTAssertEqual(ending?.response, .unsupportedMediaType, name)
                }
            }
        }
    }

    func testInterceptorRefusalIsReported() {
        let table = AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": ["finance"]])
        var machine = machine(interceptors: [AuthorizationInterceptor(table: table)])
        let ending = machine.receiveHeaders(headers(Self.get), endStream: false).ending
        XCTAssertEqual(ending?.status.code, .permissionDenied)
        XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: true))
        XCTAssertEqual(ending?.call?.context.peer.commonName, "hrss-dev", "the refused call is reported")
    }

    // MARK: Reset, channel gone, deadline

    func testResetInEveryState() async {
        var idle = machine()
        XCTAssertNil(idle.clientWentAway(), "nothing to report before HEADERS")
        XCTAssertEqual(idle.state.name, "closed")
        for (name, var machine) in machines() {
            let ending = machine.clientWentAway()
            XCTAssertEqual(ending?.status, RPCError(.cancelled, "the client cancelled the call"), name)
            XCTAssertEqual(ending?.response, .nothing, "\(name): the client has gone, nothing is written")
            XCTAssertNotNil(ending?.call, name)
            XCTAssertEqual(machine.state.name, "closed", name)
            XCTAssertNil(machine.clientWentAway(), "\(name): a call ends once")
            XCTAssertNil(machine.deadlineExpired(), name)
        }
        var streaming = machine()
        if case .accept(_, let start?) = streaming.receiveHeaders(headers(Self.collect), endStream: false) {
            _ = streaming.clientWentAway()
            await XCTAssertRequests(start.requests, end: .cancelled)
        }
    }

    func testDeadline() throws {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.get, [("grpc-timeout", "250m")]), endStream: false)
        guard case .accept(let deadline?, nil) = accepted else { return XCTFail("\(accepted)") }
        XCTAssertEqual(deadline, .milliseconds(250))
        XCTAssertEqual(machine.state.call?.context.deadline, machine.startedAt + .milliseconds(250))

        let expected: [String: Machine.Ending.Response] = [
            "receivingUnary": .status(trailersOnly: true, askClientToStop: true),
            "runningUnary": .status(trailersOnly: true, askClientToStop: false),
            "streaming": .status(trailersOnly: true, askClientToStop: true),
            "streamingClientClosed": .status(trailersOnly: false, askClientToStop: false),
        ]
        for (name, var machine) in machines() {
            if name == "streamingClientClosed" { _ = machine.sendMessage() }
            let ending = machine.deadlineExpired()
            XCTAssertEqual(ending?.status, RPCError(.deadlineExceeded, "deadline exceeded"), name)
            XCTAssertEqual(ending?.response, expected[name], name)
            XCTAssertEqual(machine.state.name, "closed", name)
            XCTAssertNil(machine.unaryFinished(.success(ByteBuffer())).name, "\(name): a late answer is dropped")
            XCTAssertNil(machine.streamingFinished(.success(())), name)
        }
        var idle = self.machine()
        XCTAssertNil(idle.deadlineExpired())
        XCTAssertEqual(idle.state.name, "idle")
    }

    func testLargestTimeoutSaturates() {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.get, [("grpc-timeout", "99999999H")]), endStream: false)
        guard case .accept(let deadline?, nil) = accepted else { return XCTFail("\(accepted)") }
        XCTAssertEqual(deadline, TimeAmount.longestWait)
    }

    // MARK: Handles

    func testAttachedHandlesTravelWithTheEnding() {
        let loop = EmbeddedEventLoop()
        var machine = machine()
        _ = machine.receiveHeaders(headers(Self.get, [("grpc-timeout", "1S")]), endStream: false)
        let timer = loop.scheduleTask(in: .seconds(1)) {}
        machine.attach(deadlineTimer: timer)
        _ = machine.receiveData(message("a"), endStream: true)
        let task = Task<Void, Never> {}
        machine.attach(handlerTask: task)
        let ending = machine.clientWentAway()
        XCTAssertNotNil(ending?.call?.deadlineTimer, "the handler cancels the timer it is given back")
        XCTAssertNotNil(ending?.call?.handlerTask)
    }

    func testHandlesAttachedAfterTheEndAreCancelled() async {
        let loop = EmbeddedEventLoop()
        var machine = machine()
        _ = machine.clientWentAway()
        let timer = loop.scheduleTask(in: .seconds(1)) {}
        let timerCancelled = Mutex(false)
        timer.futureResult.whenFailure { _ in timerCancelled.withLock { $0 = true } }
        machine.attach(deadlineTimer: timer)
        XCTAssertTrue(timerCancelled.withLock { $0 })
        let task = Task<Void, Never> { try? await Task.sleep(for: .seconds(3600)) }
        machine.attach(handlerTask: task)
        XCTAssertTrue(task.isCancelled)
        await task.value
    }
}

/// What the machine's answers to illegal frames look like on the stream.
final class ServerStreamProtocolErrorTests: XCTestCase {
    /// NIOHTTP2Handler makes DATA on an idle stream a connection error before a stream sees it; if
    /// one got through, it opens no call and is answered with nothing.
    func testDataForAStreamThatNeverOpenedIsIgnored() async throws {
        let harness = try await StreamHarness.make()
        try await harness.send(data: StreamHarness.framed(Skills_Testing_V1_EchoRequest(text: "early")))
        let stray = try await harness.leftoverFrames()
        XCTAssertTrue(stray.isEmpty, "DATA without a stream was answered: \(stray)")
        try await harness.send(
            headers: StreamHarness.requestHeaders(path: ServerStreamStateMachineTests.get), endStream: true)
        let frames = try await harness.endedFrames()
        XCTAssertEqual(frames.last?.grpcStatus, 13, "a unary call without its message: \(frames)")
    }

    func testHeadersTwiceWithoutEndStreamIsAnsweredWithAProtocolErrorReset() async throws {
        let harness = try await StreamHarness.make()
        let headers = StreamHarness.requestHeaders(path: ServerStreamStateMachineTests.get)
        try await harness.send(headers: headers)
        try await harness.send(headers: headers)
        let frame = try await harness.nextFrame()
        guard case .rstStream(let code)? = frame else { return XCTFail("\(String(describing: frame))") }
        XCTAssertEqual(code, .protocolError)
    }
}
