import EchoSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import XCTest

@testable import RPC

/// `ServerStreamStateMachine` driven directly, without a channel: every state's answer to every
/// event, the legal paths of unary and streaming calls and the illegal ones (DATA before HEADERS,
/// HEADERS twice, END_STREAM inside a message, a message over the limit, too many waiting, a reset
/// or a deadline in each state).
final class ServerStreamStateMachineTests: XCTestCase {
    typealias Machine = ServerStreamStateMachine
    typealias Request = Skills_Testing_V1_EchoRequest
    static let get = Skills_Testing_V1_Echo.Method.get.descriptor.path
    static let collect = Skills_Testing_V1_Echo.Method.collect.descriptor.path

    func machine(maxReceiveMessageBytes: Int = 1024, interceptors: [any ServerInterceptor] = []) -> Machine {
        var logger = Logger(label: "rpc-tests.state-machine")
        logger.logLevel = .critical
        let router = ServerCallRouter(
            services: [EchoService().serviceDefinition], interceptors: interceptors,
            maxReceiveMessageBytes: maxReceiveMessageBytes, logger: logger)
        return Machine(router: router, peer: StreamHarness.hrss, remoteAddress: "test")
    }

    func headers(_ path: String, _ extra: [(String, String)] = []) -> HPACKHeaders {
        StreamHarness.requestHeaders(path: path, extra: extra)
    }

    func message(_ text: String) -> ByteBuffer { StreamHarness.framed(Request(text: text)) }

    /// A machine in each open state, for the tests that try one event everywhere.
    func machines() -> [(String, Machine)] {
        var receiving = machine()
        _ = receiving.receiveHeaders(headers(Self.get), endStream: false)
        var running = receiving
        _ = running.receiveData(message("x"), endStream: true)
        var streaming = machine()
        _ = streaming.receiveHeaders(headers(Self.collect), endStream: false)
        var clientClosed = machine()
        _ = clientClosed.receiveHeaders(headers(Self.collect), endStream: true)
        return [
            ("receivingUnary", receiving), ("runningUnary", running), ("streaming", streaming),
            ("streamingClientClosed", clientClosed),
        ]
    }

    // MARK: Unary

    func testUnaryCallFromHeadersToStatus() throws {
        var machine = machine()
        let accepted = machine.receiveHeaders(headers(Self.get, [("x-echo-token", "t1")]), endStream: false)
        guard case .accept(nil, nil) = accepted else { return XCTFail("\(accepted)") }
        XCTAssertEqual(machine.state.name, "receivingUnary")
        XCTAssertNil(machine.state.call?.context.deadline)
        XCTAssertEqual(machine.state.call?.context.requestMetadata["x-echo-token"], "t1")

        var framed = message("hello")
        let half = try XCTUnwrap(framed.readSlice(length: 4))
        XCTAssertNil(machine.receiveData(half, endStream: false).name, "half a message starts nothing")
        let action = machine.receiveData(framed, endStream: true)
        guard case .startUnary(let start) = action else { return XCTFail("\(action)") }
        XCTAssertEqual(try Request(buffer: start.request).text, "hello")
        XCTAssertEqual(start.context.method.path, Self.get)
        XCTAssertEqual(machine.state.name, "runningUnary")

        let response = ByteBuffer(bytes: [0, 0, 0, 0, 0])
        let completion = machine.unaryFinished(.success(response))
        guard case .respond(let written, let ending) = completion else { return XCTFail("\(completion)") }
        XCTAssertEqual(written, response)
        XCTAssertEqual(ending.status, RPCError(.ok, ""))
        XCTAssertEqual(ending.response, .status(trailersOnly: false, askClientToStop: false))
        XCTAssertEqual(ending.call?.context.method.path, Self.get)
        XCTAssertEqual(machine.state.name, "closed")
    }

    func testUnaryRequestMayEndWithTrailers() {
        var machine = machine()
        _ = machine.receiveHeaders(headers(Self.get), endStream: false)
        XCTAssertNil(machine.receiveData(message("a"), endStream: false).name)
        XCTAssertEqual(machine.receiveHeaders(HPACKHeaders(), endStream: true).name, "startUnary")
    }

    func testUnaryHandlerErrorIsTrailersOnly() {
        var machine = machine()
        _ = machine.receiveHeaders(headers(Self.get), endStream: false)
        _ = machine.receiveData(message("a"), endStream: true)
        let completion = machine.unaryFinished(.failure(RPCError(.notFound, "no such worker")))
        guard case .end(let ending) = completion else { return XCTFail("\(completion)") }
        XCTAssertEqual(ending.status, RPCError(.notFound, "no such worker"))
        XCTAssertEqual(ending.response, .status(trailersOnly: true, askClientToStop: false))
    }

    func testSecondUnaryMessageFails() {
        var machine = machine()
        _ = machine.receiveHeaders(headers(Self.get), endStream: false)
        var two = message("one")
        var second = message("two")
        two.writeBuffer(&second)
        let ending = machine.receiveData(two, endStream: false).ending
        XCTAssertEqual(ending?.status.code, .internalError)
        XCTAssertEqual(ending?.status.message, "a unary call carries exactly one request message")
        XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: true))
        XCTAssertEqual(machine.state.name, "closed")
    }

    func testUnaryWithoutAMessageFails() {
        var onHeaders = machine()
        let ending = onHeaders.receiveHeaders(headers(Self.get), endStream: true).ending
        XCTAssertEqual(ending?.status.code, .internalError)
        XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: false))
        XCTAssertNotNil(ending?.call, "a routed call is reported")

        var onEmptyData = machine()
        _ = onEmptyData.receiveHeaders(headers(Self.get), endStream: false)
        XCTAssertEqual(onEmptyData.receiveData(ByteBuffer(), endStream: true).ending?.status.code, .internalError)
    }

    // MARK: Illegal order and broken requests

    func testDataBeforeHeadersResetsTheStream() {
        var machine = machine()
        let ending = machine.receiveData(message("early"), endStream: false).ending
        XCTAssertEqual(ending?.response, .reset(.protocolError))
        XCTAssertNil(ending?.call)
        XCTAssertEqual(machine.state.name, "closed")
        XCTAssertNil(machine.receiveHeaders(headers(Self.get), endStream: false).name, "a closed stream opens no call")
    }

    func testHeadersTwiceWithoutEndStreamResetsTheStream() async throws {
        for path in [Self.get, Self.collect] {
            var machine = machine()
            let accepted = machine.receiveHeaders(headers(path), endStream: false)
            let ending = machine.receiveHeaders(headers(path), endStream: false).ending
            XCTAssertEqual(ending?.response, .reset(.protocolError), path)
            XCTAssertEqual(ending?.status.code, .internalError, path)
            XCTAssertNotNil(ending?.call, "\(path): the interceptors hear of it")
            XCTAssertEqual(machine.state.name, "closed", path)
            if case .accept(_, let streaming?) = accepted {
                await XCTAssertRequests(streaming.requests, end: .internalError)
            }
        }
    }

    func testHeadersAfterEndStreamAreIgnored() {
        for (name, var machine) in machines() where name == "runningUnary" || name == "streamingClientClosed" {
            XCTAssertNil(machine.receiveHeaders(headers(Self.get), endStream: true).name, name)
            XCTAssertEqual(machine.state.name, name)
        }
    }

    func testDataAfterEndStreamIsIgnored() {
        for (name, var machine) in machines() where name == "runningUnary" || name == "streamingClientClosed" {
            XCTAssertNil(machine.receiveData(message("late"), endStream: false).name, name)
            XCTAssertEqual(machine.state.name, name)
        }
    }

    func testEndStreamInsideAMessageFails() {
        for path in [Self.get, Self.collect] {
            var machine = machine()
            _ = machine.receiveHeaders(headers(path), endStream: false)
            var cut = message("truncated")
            cut.moveWriterIndex(to: cut.writerIndex - 2)
            let ending = machine.receiveData(cut, endStream: true).ending
            XCTAssertEqual(ending?.status, RPCError(.internalError, "the request ended inside a message"), path)
            XCTAssertEqual(ending?.response, .status(trailersOnly: true, askClientToStop: false), path)
        }
    }

    func testMessageOverTheLimitIsResourceExhausted() {
        for endStream in [false, true] {
            var machine = machine(maxReceiveMessageBytes: 64)
            _ = machine.receiveHeaders(headers(Self.get), endStream: false)
            let big = StreamHarness.framed(Request(payload: Array(repeating: 1, count: 100)))
            let ending = machine.receiveData(big, endStream: endStream).ending
            XCTAssertEqual(ending?.status.code, .resourceExhausted)
            XCTAssertEqual(
                ending?.status.message,
                "request message of \(big.readableBytes - 5) bytes is larger than the limit of 64 bytes")
            XCTAssertEqual(
                ending?.response, .status(trailersOnly: true, askClientToStop: !endStream),
                "a client still sending is asked to stop")
            XCTAssertEqual(machine.state.name, "closed")
        }
    }

    func testMessageAtTheLimitIsAccepted() {
        let request = Request(payload: Array(repeating: 1, count: 100))
        var machine = machine(maxReceiveMessageBytes: request.serializedSize)
        _ = machine.receiveHeaders(headers(Self.get), endStream: false)
        XCTAssertEqual(machine.receiveData(StreamHarness.framed(request), endStream: true).name, "startUnary")
    }

    func testCompressedAndUnknownFlagsFail() {
        for (flag, text) in [
            (UInt8(1), "compressed message received without a grpc-encoding"), (7, "invalid message flag 7"),
        ] {
            var machine = machine()
            _ = machine.receiveHeaders(headers(Self.get), endStream: false)
            var framed = message("z")
            framed.setInteger(flag, at: framed.readerIndex)
            XCTAssertEqual(machine.receiveData(framed, endStream: true).ending?.status, RPCError(.internalError, text))
        }
    }
}

// MARK: Helpers

extension ServerStreamStateMachine.State {
    var name: String {
        switch self {
        case .idle: "idle"
        case .receivingUnary: "receivingUnary"
        case .runningUnary: "runningUnary"
        case .streaming: "streaming"
        case .streamingClientClosed: "streamingClientClosed"
        case .closed: "closed"
        case .modifying: "modifying"
        }
    }

    var call: ServerStreamStateMachine.Call? {
        switch self {
        case .receivingUnary(let receiving): receiving.call
        case .runningUnary(let call), .streamingClientClosed(let call, _): call
        case .streaming(let streaming): streaming.call
        case .idle, .closed, .modifying: nil
        }
    }
}

extension ServerStreamStateMachine.InboundAction {
    /// The action's name, nil for `.none`.
    var name: String? {
        switch self {
        case .none: nil
        case .accept: "accept"
        case .startUnary: "startUnary"
        case .end: "end"
        }
    }

    var ending: ServerStreamStateMachine.Ending? {
        if case .end(let ending) = self { return ending }
        return nil
    }
}

extension ServerStreamStateMachine.UnaryCompletion {
    /// The completion's name, nil for `.none`.
    var name: String? {
        switch self {
        case .none: nil
        case .respond: "respond"
        case .end: "end"
        }
    }
}

/// Asserts that `requests` ends, after any messages, with an error of `code` (nil: without error).
func XCTAssertRequests(
    _ requests: MessageStream<ByteBuffer>, texts: [String] = [], end code: StatusCode?,
    file: StaticString = #filePath, line: UInt = #line
) async {
    var seen: [String] = []
    do {
        for try await message in requests {
            seen.append((try? Skills_Testing_V1_EchoRequest(buffer: message).text) ?? "?")
        }
        XCTAssertNil(code, "the requests ended without error", file: file, line: line)
    } catch {
        XCTAssertEqual((error as? RPCError)?.code, code, "\(error)", file: file, line: line)
    }
    XCTAssertEqual(seen, texts, file: file, line: line)
}
