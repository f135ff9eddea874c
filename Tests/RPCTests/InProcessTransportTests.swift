import EchoSupport
import Logging
import RPC
import Schema
import Synchronization
import XCTest

/// The in-process transport against the echo service: the scenarios the TLS transport passes, and
/// what a caller sees from routing, authorization, limits, deadlines, cancellation and codecs.
final class InProcessTransportTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias EchoClient = Skills_Testing_V1_EchoClient

    static let hrss = PeerIdentity(commonName: "hrss-dev", organizationalUnits: ["hrss"])
    static let finance = PeerIdentity(commonName: "finance-dev", organizationalUnits: ["finance"])

    private func server(maxReceiveMessageBytes: Int = 4 * 1024 * 1024, interceptors: [any ServerInterceptor] = [])
        -> InProcessServer
    {
        var logger = Logger(label: "rpc-tests.in-process")
        logger.logLevel = .critical
        return InProcessServer(
            services: [EchoService().serviceDefinition],
            interceptors: [AuthorizationInterceptor(table: EchoServerFixture.accessTable)] + interceptors,
            maxReceiveMessageBytes: maxReceiveMessageBytes, logger: logger)
    }

    private func expectStatus<T>(
        _ code: StatusCode, message: String? = nil, _ body: () async throws -> T,
        file: StaticString = #filePath, line: UInt = #line
    ) async {
        do {
            _ = try await body()
            XCTFail("expected \(code), the call succeeded", file: file, line: line)
        } catch let error as RPCError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
        } catch {
            XCTFail("expected an RPCError \(code), got \(error)", file: file, line: line)
        }
    }

    /// All four call kinds, metadata, error status, deadline and cancellation: the same scenarios
    /// the TLS transport runs in EndToEndTests and Python runs against skills-echo.
    func testInteropScenariosPass() async {
        let client = EchoClient(InProcessTransport(server: server(), peer: Self.hrss))
        let failures = await InteropScenarios(client: client).runAll()
        XCTAssertEqual(failures, 0, "interop scenarios failed (see PASS/FAIL lines above)")
    }

    func testHandlersSeeTheChosenCallerAndAuthorizationRefusesOthers() async throws {
        let server = server()
        let response = try await EchoClient(InProcessTransport(server: server, peer: Self.hrss)).get(
            Request(text: "hi"))
        XCTAssertEqual(response.caller, "hrss-dev")
        await expectStatus(
            .permissionDenied, message: "role 'finance' (finance-dev) may not call /skills.testing.v1.Echo/Get"
        ) {
            try await EchoClient(InProcessTransport(server: server, peer: Self.finance)).get(Request(text: "hi"))
        }
    }

    func testUnknownMethodIsUnimplementedAndNothingServedIsUnavailable() async {
        let missing = RPCMethod<Request, Skills_Testing_V1_EchoResponse>(
            MethodDescriptor(service: "skills.testing.v1.Echo", method: "Missing", kind: .unary))
        await expectStatus(.unimplemented, message: "Method not found: /skills.testing.v1.Echo/Missing") {
            try await InProcessTransport(server: server(), peer: Self.hrss).unary(
                missing, request: Request(), options: CallOptions())
        }
        await expectStatus(.unavailable) {
            try await EchoClient(InProcessTransport(server: InProcessServer(), peer: Self.hrss)).get(
                Request(text: "hi"))
        }
    }

    func testRequestOverTheServerLimitIsResourceExhausted() async {
        let client = EchoClient(InProcessTransport(server: server(maxReceiveMessageBytes: 1024), peer: Self.hrss))
        await expectStatus(.resourceExhausted) {
            try await client.get(Request(payload: [UInt8](repeating: 7, count: 2048)))
        }
    }

    func testResponseOverTheClientLimitIsResourceExhausted() async {
        let client = EchoClient(InProcessTransport(server: server(), peer: Self.hrss, maxReceiveMessageBytes: 1024))
        await expectStatus(.resourceExhausted) {
            try await client.get(Request(payload: [UInt8](repeating: 7, count: 2048)))
        }
    }

    /// Status messages make the trip through grpc-message's percent-encoding; binary and text
    /// metadata through the header coding.
    func testStatusMessageAndMetadataSurviveTheWireCoding() async throws {
        let client = EchoClient(InProcessTransport(server: server(), peer: Self.hrss))
        await expectStatus(.invalidArgument, message: "名字 100% wrong\nline two") {
            try await client.get(Request(failWithCode: 3, failWithMessage: "名字 100% wrong\nline two"))
        }
        let received = ResponseMetadata()
        var metadata = Metadata([("X-Echo-Text", "value"), ("x-echo-other", "kept")])
        metadata.add("x-echo-data-bin", binary: [0, 255])
        _ = try await client.get(
            Request(text: "m"), options: CallOptions(metadata: metadata, responseMetadata: received))
        XCTAssertEqual(received.trailers["x-echo-text"], "value")
        XCTAssertEqual(received.trailers.binary("x-echo-data-bin"), [0, 255])
        XCTAssertEqual(received.trailers.entries.count, 3, "\(received.trailers)")
    }

    /// The deadline cancels a handler that outlives it, and the interceptors hear each status once.
    func testDeadlineCancelsTheHandlerAndIsReportedOnce() async throws {
        let recorder = StatusRecorder()
        let client = EchoClient(InProcessTransport(server: server(interceptors: [recorder]), peer: Self.hrss))
        let started = ContinuousClock.now
        await expectStatus(.deadlineExceeded, message: "deadline exceeded") {
            try await client.get(Request(delayMs: 5_000), options: CallOptions(timeout: .milliseconds(100)))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        _ = try await client.get(Request(text: "after"))
        XCTAssertEqual(recorder.codes, [.deadlineExceeded, .ok])
    }

    /// A server-streaming body that stops early cancels the rest of the call.
    func testStoppingEarlyCancelsTheStream() async throws {
        let recorder = StatusRecorder()
        let client = EchoClient(InProcessTransport(server: server(interceptors: [recorder]), peer: Self.hrss))
        let first = try await client.expand(Request(text: "t", repeat: 1_000, delayMs: 10)) { responses in
            var iterator = responses.makeAsyncIterator()
            return try await iterator.next()
        }
        XCTAssertEqual(first?.text, "t 0")
        let deadline = ContinuousClock.now + .seconds(5)
        while recorder.codes.isEmpty && ContinuousClock.now < deadline { await Task.yield() }
        XCTAssertEqual(recorder.codes, [.cancelled])
    }

    /// A client stream that fails on the client's side cancels the call instead of finishing it.
    func testFailingRequestProducerCancelsTheCall() async {
        let client = EchoClient(InProcessTransport(server: server(), peer: Self.hrss))
        struct ProducerFailed: Error {}
        await expectStatus(.cancelled) {
            try await client.collect { writer in
                try await writer.write(Request(text: "a"))
                throw ProducerFailed()
            }
        }
    }

    /// A response that does not decode as the declared type is the client's INTERNAL error, as
    /// over the wire: the transport really encodes and decodes.
    func testResponseOfTheWrongTypeFailsToDecode() async throws {
        let definition = ServiceDefinition(
            descriptor: Skills_Testing_V1_Echo.descriptor,
            methods: [
                .unary(Skills_Testing_V1_Echo.Method.get) { _, _ in
                    Skills_Testing_V1_EchoResponse(text: "x", payload: [1, 2, 3])
                }
            ])
        let server = InProcessServer(services: [definition])
        let wrong = RPCMethod<Request, Grpc_Health_V1_HealthCheckResponse>(Skills_Testing_V1_Echo.Method.get.descriptor)
        await expectStatus(.internalError) {
            try await InProcessTransport(server: server, peer: Self.hrss).unary(
                wrong, request: Request(), options: CallOptions())
        }
    }

    /// A handler runs as a server's would: it inherits no task-local value of the calling task (say
    /// the caller's business day), and it sees the caller's deadline.
    func testHandlersInheritNothingFromTheCallingTask() async throws {
        let definition = ServiceDefinition(
            descriptor: Skills_Testing_V1_Echo.descriptor,
            methods: [
                .unary(Skills_Testing_V1_Echo.Method.get) { _, context in
                    let remaining = context.deadline.map { $0 - ContinuousClock.now } ?? .zero
                    return Skills_Testing_V1_EchoResponse(
                        text: CallerMarker.value ?? "none", count: Int32(remaining / .milliseconds(1)))
                }
            ])
        let client = EchoClient(InProcessTransport(server: InProcessServer(services: [definition]), peer: Self.hrss))
        let response = try await CallerMarker.$value.withValue("the caller's") {
            try await client.get(Request(), options: CallOptions(timeout: .seconds(3)))
        }
        XCTAssertEqual(response.text, "none")
        XCTAssertGreaterThan(response.count, 1_000)
        XCTAssertLessThanOrEqual(response.count, 3_000)
    }
}

/// A task-local value of the calling side.
enum CallerMarker {
    @TaskLocal static var value: String?
}

/// Collects the status codes the server reports, in order.
final class StatusRecorder: ServerInterceptor {
    private let recorded = Mutex<[StatusCode]>([])
    var codes: [StatusCode] { recorded.withLock { $0 } }
    func completed(_ context: ServerContext, code: StatusCode, message: String, duration: Duration) {
        recorded.withLock { $0.append(code) }
    }
}
