import EchoSupport
import Foundation
import NIOCore
import NIOPosix
import RPC
import Schema
import XCTest

/// Our client against our server over real mutual-TLS sockets on 127.0.0.1, in one process.
final class EndToEndTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias EchoClient = Skills_Testing_V1_EchoClient
    typealias HealthClient = Grpc_Health_V1_HealthClient

    /// The call fails with an `RPCError`; returns it.
    private func expectRPCError(_ call: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line)
        async -> RPCError?
    {
        do {
            try await call()
            XCTFail("the call succeeded", file: file, line: line)
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            XCTFail("not an RPCError: \(String(reflecting: error))", file: file, line: line)
            return nil
        }
    }

    func testInteropScenarios() async throws {
        let fixture = try await EchoServerFixture.start()
        let channel = try fixture.channel()
        let failures = await InteropScenarios(client: EchoClient(channel)).runAll()
        XCTAssertEqual(failures, 0, "interop scenarios failed (see PASS/FAIL lines above)")
        await channel.close()
        await fixture.stop()
    }

    func testRoleNotAllowedIsPermissionDeniedButHealthServes() async throws {
        let fixture = try await EchoServerFixture.start()
        let channel = try fixture.channel(role: "finance")
        let error = await expectRPCError { _ = try await EchoClient(channel).get(Request(text: "x")) }
        XCTAssertEqual(error?.code, .permissionDenied, "\(String(describing: error))")
        XCTAssertTrue(error?.message.contains("finance") ?? false, "\(String(describing: error))")

        let health = HealthClient(channel)
        let result1 = try await health.check(Grpc_Health_V1_HealthCheckRequest(service: ""))
        XCTAssertEqual(result1.status, .serving)
        let result2 = try await health.check(Grpc_Health_V1_HealthCheckRequest(service: "skills.testing.v1.Echo"))
        XCTAssertEqual(result2.status, .serving)
        let unknown = await expectRPCError {
            _ = try await health.check(Grpc_Health_V1_HealthCheckRequest(service: "nope"))
        }
        XCTAssertEqual(unknown?.code, .notFound)
        await channel.close()
        await fixture.stop()
    }

    /// A client whose certificate the server must refuse cannot complete a call; others still can.
    private func assertRefused(role: String) async throws {
        let fixture = try await EchoServerFixture.start()
        let refused = try fixture.channel(role: role, retry: .none, timeout: .seconds(5))
        let start = ContinuousClock.now
        let error = await expectRPCError { _ = try await EchoClient(refused).get(Request(text: "let me in")) }
        XCTAssertEqual(error?.code, .unavailable, "\(role): \(String(describing: error))")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(4), "\(role): refusal took until the deadline")
        // A second attempt is refused too (no state left behind).
        let again = await expectRPCError {
            _ = try await HealthClient(refused).check(Grpc_Health_V1_HealthCheckRequest())
        }
        XCTAssertNotNil(again)
        await refused.close()

        let good = try fixture.channel()
        let result3 = try await EchoClient(good).get(Request(text: "still here"))
        XCTAssertEqual(result3.text, "still here")
        await good.close()
        await fixture.stop()
    }

    func testCertificateFromAnotherCAIsRefused() async throws {
        try await assertRefused(role: "intruder")
    }

    func testExpiredCertificateIsRefused() async throws {
        try await assertRefused(role: "expired")
    }

    func testClientWithoutCertificateIsRefused() throws {
        // TLSConfiguration always loads a client certificate, so our client cannot connect without
        // one; the Python interop tests (Tests/Interop) cover a client that presents none.
        throw XCTSkip("covered by Tests/Interop: our TLSConfiguration cannot omit the client certificate")
    }

    func testMessageOver4MiBIsResourceExhausted() async throws {
        let fixture = try await EchoServerFixture.start()
        let channel = try fixture.channel()
        let client = EchoClient(channel)
        let big = Request(payload: [UInt8](repeating: 0x5A, count: 4 * 1024 * 1024 + 1))
        let error = await expectRPCError { _ = try await client.get(big) }
        XCTAssertEqual(error?.code, .resourceExhausted, "\(String(describing: error))")
        // Large messages under the limit go through, on the same channel.
        let payload = [UInt8](repeating: 0xA5, count: 1024 * 1024)
        let result4 = try await client.get(Request(payload: payload))
        XCTAssertEqual(result4.payload, payload)
        await channel.close()
        await fixture.stop()
    }

    func testFailoverToTheSecondTarget() async throws {
        let fixture = try await EchoServerFixture.start()
        // A port that was free a moment ago and has nothing listening now.
        let probe = try await ServerBootstrap(group: fixture.group).bind(host: "127.0.0.1", port: 0).get()
        let closedPort = try XCTUnwrap(probe.localAddress?.port)
        try await probe.close()

        let channel = try fixture.channel(targets: [.init(host: "127.0.0.1", port: closedPort), fixture.target])
        let client = EchoClient(channel)
        for index in 0..<6 {
            let result5 = try await client.get(Request(text: "call \(index)"))
            XCTAssertEqual(result5.text, "call \(index)")
        }
        await channel.close()
        await fixture.stop()
    }

    func testGracefulShutdownFinishesInFlightCalls() async throws {
        let fixture = try await EchoServerFixture.start(shutdownGracePeriod: .seconds(5))
        let channel = try fixture.channel()
        let client = EchoClient(channel)
        _ = try await client.get(Request(text: "connect"))

        let slow = Task { try await client.get(Request(text: "slow", delayMs: 500)) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        let server = fixture.server
        let shutdown = Task { await server.shutdownGracefully() }

        let response = try await slow.value
        XCTAssertEqual(response.text, "slow")
        await shutdown.value
        XCTAssertLessThan(
            ContinuousClock.now - start, .seconds(3), "shutdown waited for the grace period instead of the call")

        let late = try fixture.channel(retry: .none, timeout: .seconds(2))
        let error = await expectRPCError { _ = try await EchoClient(late).get(Request(text: "too late")) }
        XCTAssertEqual(error?.code, .unavailable, "\(String(describing: error))")
        await late.close()
        await channel.close()
        try? await fixture.group.shutdownGracefully()
    }

    func testCertificateReload() async throws {
        let fixture = try await EchoServerFixture.start()
        let before = try fixture.channel()
        let result6 = try await EchoClient(before).get(Request(text: "before"))
        XCTAssertEqual(result6.text, "before")
        try fixture.server.reloadCertificates()
        // The open connection keeps working, and a new one uses the re-read certificate.
        let result7 = try await EchoClient(before).get(Request(text: "open"))
        XCTAssertEqual(result7.text, "open")
        let after = try fixture.channel()
        let result8 = try await EchoClient(after).get(Request(text: "after"))
        XCTAssertEqual(result8.text, "after")
        await before.close()
        await after.close()
        await fixture.stop()
    }

    func testConcurrentCallsShareOneConnection() async throws {
        let fixture = try await EchoServerFixture.start()
        let channel = try fixture.channel()
        let client = EchoClient(channel)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let response = try await client.get(Request(text: "c\(index)"))
                    XCTAssertEqual(response.text, "c\(index)")
                }
            }
            try await group.waitForAll()
        }
        await channel.close()
        await fixture.stop()
    }
}

/// Resident memory stays flat over many calls on one in-process server and client.
final class MemoryTests: XCTestCase {
    func testNoGrowthOverManyCalls() async throws {
        guard residentMemoryBytes() != nil else { throw XCTSkip("/proc/self/status is not available") }
        let fixture = try await EchoServerFixture.start()
        let channel = try fixture.channel()
        let client = Skills_Testing_V1_EchoClient(channel)
        let request = Skills_Testing_V1_EchoRequest(text: "memory", payload: [UInt8](repeating: 7, count: 256))

        let clock = ContinuousClock()
        let warmUpStart = clock.now
        for _ in 0..<2_000 { _ = try await client.get(request) }
        let warmUpTime = clock.now - warmUpStart
        let before = try XCTUnwrap(residentMemoryBytes())

        // At least 3,000 calls (fewer say nothing about growth), then up to 20,000 (the issue's
        // 100,000-call run is the benchmark's job) within a time budget that keeps this test near
        // 30 s: a debug build on a busy 2-core runner makes only ~150-250 calls/s, so it stops early
        // there; `swift test -c release` runs all 20,000. RPC_MEMORY_TEST_SECONDS overrides the budget.
        let budget = Duration.seconds(Int(ProcessInfo.processInfo.environment["RPC_MEMORY_TEST_SECONDS"] ?? "") ?? 20)
        let start = clock.now
        var calls = 0
        while calls < 3_000 || (calls < 20_000 && clock.now - start < budget) {
            _ = try await client.get(request)
            calls += 1
        }
        let after = try XCTUnwrap(residentMemoryBytes())
        let growth = after - before
        print(
            "MemoryTests: warm-up 2000 calls in \(warmUpTime); \(calls) calls in \(clock.now - start); "
                + "VmRSS \(before / 1024) KiB -> \(after / 1024) KiB (\(growth / 1024) KiB)")
        // Margin: 20 MiB. A leak of 1 KiB per call adds ~20 MiB over 20,000 calls (~5 MiB over a debug
        // run's ~5,000; the printed figure shows the real growth, typically well under 1 MiB).
        // Allocator noise (per-thread malloc arenas, NIO buffer pools) stays far below the margin.
        XCTAssertLessThan(growth, 20 * 1024 * 1024, "resident memory grew by \(growth / 1024) KiB over \(calls) calls")
        await channel.close()
        await fixture.stop()
    }
}
