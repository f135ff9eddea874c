// memory-bench: does resident memory stay flat? Two scenarios, each run in this one process, each
// reporting VmRSS before and after and failing (exit 1) when it grew by more than its margin.
// These were unit tests (RPCTests.MemoryTests, SchemaTests.DecodingLeakTests); a threshold on
// resident memory depends on the build, the allocator and the machine, so they are figures here.
//
//   memory-bench rpc    [--calls N] [--margin-mib M]   our client and server over mTLS on loopback
//   memory-bench decode [--passes N] [--margin-mib M]  protobuf-c decode, success and failure paths
//
// Results and how to read them: Benchmarks/README.md, "Memory".
import EchoSupport
import Foundation
import Logging
import NIOPosix
import RPC
import Schema

struct Options {
    var scenario = ""
    var count: Int?
    var marginMiB: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        scenario = iterator.next() ?? ""
        while let argument = iterator.next() {
            switch argument {
            case "--calls", "--passes": count = iterator.next().flatMap { Int($0) }
            case "--margin-mib": marginMiB = iterator.next().flatMap { Int($0) }
            default: Self.usage()
            }
        }
        if !["rpc", "decode"].contains(scenario) { Self.usage() }
    }

    static func usage() -> Never {
        FileHandle.standardError.write(
            Data("usage: memory-bench rpc [--calls N] [--margin-mib M] | decode [--passes N] [--margin-mib M]\n".utf8))
        exit(2)
    }
}

/// VmRSS of this process, from /proc/self/status, in KiB.
func residentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
    }
    return 0
}

func report(_ scenario: String, work: String, elapsed: Duration, before: Int, after: Int, marginMiB: Int) -> Int32 {
    let growth = after - before
    let verdict = growth < marginMiB * 1024 ? "within" : "OVER"
    print(
        "\(scenario): \(work) in \(elapsed); VmRSS \(before) KiB -> \(after) KiB, growth \(growth) KiB "
            + "(\(verdict) the \(marginMiB) MiB margin)")
    return growth < marginMiB * 1024 ? 0 : 1
}

// MARK: rpc

/// Unary Echo/Get with a 256-byte payload, one call after another, after 2,000 warm-up calls.
/// Margin 20 MiB: a leak of 1 KiB a call adds that over 20,000 calls.
func rpcScenario(calls: Int, marginMiB: Int) async throws -> Int32 {
    let certificates = Launch.certificateDirectory()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    var logger = Logger(label: "memory-bench")
    logger.logLevel = .error
    let server = try GRPCServer(
        configuration: ServerConfiguration(port: 0, tls: .development("echo", directory: certificates)),
        services: [EchoService().serviceDefinition],
        interceptors: [
            AuthorizationInterceptor(table: AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": ["hrss"]]))
        ],
        logger: logger, eventLoopGroup: group)
    try await server.start()
    guard let port = server.localPort else { throw RPCError(.unavailable, "the server has no port") }
    let channel = try GRPCChannel(
        configuration: ClientConfiguration(
            targets: [.init(host: "127.0.0.1", port: port)], tls: .development("hrss", directory: certificates),
            serverName: "localhost"),
        eventLoopGroup: group, logger: logger)
    let client = Skills_Testing_V1_EchoClient(channel)
    let request = Skills_Testing_V1_EchoRequest(text: "memory", payload: [UInt8](repeating: 7, count: 256))
    for _ in 0..<2_000 { _ = try await client.get(request) }
    let before = residentKiB()
    let start = ContinuousClock.now
    for _ in 0..<calls { _ = try await client.get(request) }
    let elapsed = ContinuousClock.now - start
    let after = residentKiB()
    await channel.close()
    await server.shutdownGracefully()
    try await group.shutdownGracefully()
    return report("rpc", work: "\(calls) calls", elapsed: elapsed, before: before, after: after, marginMiB: marginMiB)
}

enum Launch {
    /// SKILLS_CERT_DIR, else the repository's Deploy/certs/out (`make certs`).
    static func certificateDirectory() -> String {
        if let explicit = ProcessInfo.processInfo.environment["SKILLS_CERT_DIR"], !explicit.isEmpty { return explicit }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Deploy/certs/out").path
    }
}

// MARK: decode

/// Messages with nested, repeated, string, bytes and enum fields: what protobuf-c allocates.
let samples: [any ProtoMessage] = [
    Worker(
        id: "w-1", idNumber: "37140219900101123X", name: "张三", phone: "13800000000", hukou: .rural,
        categories: [
            CategoryFact(
                category: .g6TwoAfterYouth, attested: true, attestedByRole: "civil-affairs", attestedBy: "cn=mz-01",
                attestedAt: Google_Protobuf_Timestamp(seconds: 1_577_836_800, nanos: 500), lowIncomeFamily: true,
                rural: true, validUntil: CalendarDate(year: 2021, month: 12, day: 31)),
            CategoryFact(category: .g14Veteran, evidenceReference: "TY-2019-88"),
        ],
        birthDate: CalendarDate(year: 2003, month: 5, day: 17), district: "371402", version: 3),
    Enrollment(
        id: "e-9", workerId: "w-1", offeringId: "o-7", institutionId: "i-3", state: .selected,
        learning: [LearningTime(channel: .offline, minutes: 120), LearningTime(channel: .wechat, minutes: 45)],
        attendancePercent: 87, completionDate: CalendarDate(year: 2020, month: 6, day: 30)),
    Certificate(
        number: "DZ-2020-000123", kind: .skillLevel, level: .l4IntermediateWorker, workerId: "w-1",
        workerIdNumber: "37140219900101123X", workerName: "张三",
        occupation: Occupation(code: "4-10-01-01", name: "家政服务员"), content: [UInt8](repeating: 0x41, count: 300),
        signature: [UInt8](repeating: 0x5A, count: 64)),
    Skills_Testing_V1_EchoRequest(text: "echo", payload: [UInt8](repeating: 9, count: 1024)),
]

func decodeOnce<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) {
    if let message = try? M(serializedBytes: bytes) { _ = try? M(serializedBytes: message.serializedBytes()) }
}

/// One pass: each sample decoded whole (and re-encoded), decoded truncated (unpack fails), and
/// strings that unpack but are refused as invalid UTF-8. Margin 2 MiB: 16 bytes leaked per decode.
func decodePass(_ encodings: [[UInt8]]) {
    for (sample, bytes) in zip(samples, encodings) {
        let type = Swift.type(of: sample)
        decodeOnce(type, bytes)
        decodeOnce(type, Array(bytes.dropLast()))
    }
    _ = try? Worker(serializedBytes: [0x12, 0x01, 0x41, 0x1A, 0x02, 0xC3, 0x28])
    _ = try? RegisterWorkerRequest(serializedBytes: [0x12, 0x04, 0x1A, 0x02, 0xC3, 0x28])
}

func decodeScenario(passes: Int, marginMiB: Int) -> Int32 {
    let encodings = samples.map { $0.serializedBytes() }
    for _ in 0..<50 { decodePass(encodings) }
    let before = residentKiB()
    let start = ContinuousClock.now
    for _ in 0..<passes { decodePass(encodings) }
    let elapsed = ContinuousClock.now - start
    return report(
        "decode", work: "\(passes) passes (\(passes * (samples.count * 2 + 2)) decodes)", elapsed: elapsed,
        before: before, after: residentKiB(), marginMiB: marginMiB)
}

let options = Options(CommandLine.arguments)
let status: Int32
switch options.scenario {
case "rpc": status = try await rpcScenario(calls: options.count ?? 20_000, marginMiB: options.marginMiB ?? 20)
default: status = decodeScenario(passes: options.count ?? 20_000, marginMiB: options.marginMiB ?? 2)
}
exit(status)
