import EchoSupport
import Essentials
import Logging
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import XCTest

@testable import RPC

/// The echo service with its waits and repeats bounded, so that fuzzed requests always finish.
private struct BoundedEcho: Skills_Testing_V1_EchoProvider {
    let echo = EchoService()

    private func bounded(_ request: Skills_Testing_V1_EchoRequest) -> Skills_Testing_V1_EchoRequest {
        var request = request
        request.delayMs = 0
        request.`repeat` = min(max(request.`repeat`, 0), 3)
        return request
    }

    func get(request: Skills_Testing_V1_EchoRequest, context: ServerContext) async throws
        -> Skills_Testing_V1_EchoResponse
    {
        try await echo.get(request: bounded(request), context: context)
    }

    func expand(
        request: Skills_Testing_V1_EchoRequest, responses: MessageWriter<Skills_Testing_V1_EchoResponse>,
        context: ServerContext
    ) async throws {
        try await echo.expand(request: bounded(request), responses: responses, context: context)
    }

    func collect(requests: MessageStream<Skills_Testing_V1_EchoRequest>, context: ServerContext) async throws
        -> Skills_Testing_V1_EchoResponse
    {
        try await echo.collect(requests: requests, context: context)
    }

    func update(
        requests: MessageStream<Skills_Testing_V1_EchoRequest>,
        responses: MessageWriter<Skills_Testing_V1_EchoResponse>,
        context: ServerContext
    ) async throws {
        try await echo.update(requests: requests, responses: responses, context: context)
    }
}

/// A deterministic fuzzer for gRPC message framing and the server's request path: random and
/// mutated DATA bytes (random prefixes, huge declared lengths, random flags, valid frames around
/// mutated protobuf), cut into random DATA frames, go through `ServerStreams`. Every stream
/// must end with exactly one status (trailers with `grpc-status`, or HTTP 415) and nothing after it.
final class FramingFuzzTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest

    static let maxMessageBytes = 512
    static let paths = [
        Skills_Testing_V1_Echo.Method.get.descriptor.path, Skills_Testing_V1_Echo.Method.expand.descriptor.path,
        Skills_Testing_V1_Echo.Method.collect.descriptor.path, Skills_Testing_V1_Echo.Method.update.descriptor.path,
        Grpc_Health_V1_Health.Method.check.descriptor.path, "/skills.testing.v1.Echo/Missing",
    ]

    func testFuzzServerRequestPath() async throws {
        var logger = Logger(label: "rpc-tests.fuzz")
        logger.logLevel = .critical
        let table = AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": ["hrss"]])
        let router = ServerCallRouter(
            services: [BoundedEcho().serviceDefinition, HealthService().serviceDefinition],
            interceptors: [AuthorizationInterceptor(table: table)],
            maxReceiveMessageBytes: Self.maxMessageBytes, logger: logger)
        let seeds: [[UInt8]] = [
            Request().serializedBytes(),
            Request(text: "hello", payload: [1, 2, 3]).serializedBytes(),
            Request(text: "拒绝", failWithCode: 9, failWithMessage: "no").serializedBytes(),
            Request(text: "t", repeat: 3).serializedBytes(),
            Request(payload: [UInt8](repeating: 0xAB, count: 200)).serializedBytes(),
            Grpc_Health_V1_HealthCheckRequest(service: "skills.testing.v1.Echo").serializedBytes(),
        ]

        var rng = SeededRandom(seed: 0x6E70_C0DE)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(9)
        var iterations = 0
        var outcomes: [String: Int] = [:]
        while iterations < 5_000 && clock.now < deadline {
            iterations += 1
            let input = makeInput(seeds: seeds, rng: &rng)
            let harness = try await StreamHarness.make(router: router)
            try await harness.send(headers: input.headers)
            for (index, chunk) in input.chunks.enumerated() {
                // Writes after the handler closed the stream are fine to lose.
                try? await harness.send(data: ByteBuffer(bytes: chunk), endStream: index == input.chunks.count - 1)
            }
            guard let frames = try await harness.framesUntilEnd(timeout: .seconds(2)) else {
                XCTFail("iteration \(iterations): the stream never ended; input \(input)")
                break
            }
            let leftovers = try await harness.leftoverFrames()
            let all = frames + leftovers
            let statuses = all.filter { $0.grpcStatus != nil || $0.headerList?.first(name: ":status") == "415" }
            XCTAssertEqual(statuses.count, 1, "iteration \(iterations): \(all); input \(input)")
            XCTAssertTrue(
                leftovers.isEmpty || leftovers.isNoErrorReset,
                "iteration \(iterations): frames after the end: \(leftovers)")
            if let last = frames.last {
                XCTAssertTrue(
                    last.endsStream && (last.grpcStatus != nil || last.headerList?.first(name: ":status") == "415"),
                    "iteration \(iterations): the stream did not end with its status: \(frames)")
                let outcome = last.grpcStatus.map { "grpc-status \($0)" } ?? "http 415"
                outcomes[outcome, default: 0] += 1
            }
            if statuses.count != 1 { break }
            _ = try? await harness.channel.finish(acceptAlreadyClosed: true)
        }
        print(
            "testFuzzServerRequestPath: \(iterations) streams in \(clock.now - (deadline - .seconds(9))); outcomes \(outcomes.sorted { $0.key < $1.key })"
        )
        XCTAssertGreaterThanOrEqual(iterations, 1_000, "the fuzzer ran too few iterations to mean anything")
        XCTAssertGreaterThan(
            outcomes["grpc-status 0"] ?? 0, 0, "no fuzzed request ever succeeded: the inputs are too broken")
    }

    struct Input: CustomStringConvertible {
        var headers: HPACKHeaders
        var chunks: [[UInt8]]
        var description: String {
            "headers \(headers.map { "\($0.name)=\($0.value)" }), chunks \(chunks.map { $0.count <= 32 ? "\($0)" : "<\($0.count) bytes>" })"
        }
    }

    private func makeInput(seeds: [[UInt8]], rng: inout SeededRandom) -> Input {
        let path = Self.paths[Int(rng.next() % UInt64(Self.paths.count))]
        var extra: [(String, String)] = []
        var contentType = "application/grpc"
        switch rng.next() % 20 {
        case 0: contentType = ["text/plain", "application/json", "", "application/grpc-web"][Int(rng.next() % 4)]
        case 1: extra.append(("grpc-encoding", ["gzip", "deflate", "identity"][Int(rng.next() % 3)]))
        case 2: extra.append(("grpc-timeout", ["1S", "soon", "123456789S", "-1m", "5M", ""][Int(rng.next() % 6)]))
        case 3: extra.append(("x-echo-fuzz", "v\(rng.next() % 100)"))
        default: break
        }
        let headers = StreamHarness.requestHeaders(path: path, contentType: contentType, extra: extra)

        var bytes: [UInt8]
        switch rng.next() % 6 {
        case 0:  // random bytes
            bytes = randomBytes(Int(rng.next() % 64), rng: &rng)
        case 1:  // a valid frame, truncated or followed by a random tail
            bytes = frame(seeds[Int(rng.next() % UInt64(seeds.count))])
            if rng.next() % 2 == 0 {
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            } else {
                bytes += randomBytes(1 + Int(rng.next() % 16), rng: &rng)
            }
        case 2:  // a huge (or just too large) declared length
            let length =
                rng.next() % 2 == 0
                ? UInt32(truncatingIfNeeded: rng.next()) | 0x8000_0000
                : UInt32(Self.maxMessageBytes + 1 + Int(rng.next() % 64))
            bytes = [0] + bigEndian(length) + randomBytes(Int(rng.next() % 32), rng: &rng)
        case 3:  // a random flag
            let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
            bytes = [UInt8(truncatingIfNeeded: rng.next())] + bigEndian(UInt32(seed.count)) + seed
        case 4:  // valid framing around mutated protobuf
            var message = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(rng.next() % 4)) { mutate(&message, rng: &rng) }
            bytes = frame(message)
        default:  // several valid messages (a unary call must refuse more than one)
            let count = 1 + Int(rng.next() % 3)
            bytes = (0..<count).flatMap { _ in frame(seeds[Int(rng.next() % UInt64(seeds.count))]) }
        }
        return Input(headers: headers, chunks: split(bytes, rng: &rng))
    }

    private func frame(_ message: [UInt8]) -> [UInt8] { [0] + bigEndian(UInt32(message.count)) + message }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private func randomBytes(_ count: Int, rng: inout SeededRandom) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Cuts `bytes` into 1...4 DATA frames at random points (empty frames included).
    private func split(_ bytes: [UInt8], rng: inout SeededRandom) -> [[UInt8]] {
        let pieces = 1 + Int(rng.next() % 4)
        var cuts = (1..<pieces).map { _ in Int(rng.next() % UInt64(bytes.count + 1)) }.sorted()
        cuts.append(bytes.count)
        var chunks: [[UInt8]] = []
        var start = 0
        for cut in cuts {
            chunks.append(Array(bytes[start..<cut]))
            start = cut
        }
        return chunks
    }

    private func mutate(_ bytes: inout [UInt8], rng: inout SeededRandom) {
        let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 5 {
        case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8(rng.next() % 8)
        case 1 where !bytes.isEmpty:
            bytes[position] = [0x00, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x08, 0x28][Int(rng.next() % 8)]
        case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
        case 3 where !bytes.isEmpty: bytes.remove(at: position)
        default: bytes = Array(bytes.prefix(position))
        }
    }
}
