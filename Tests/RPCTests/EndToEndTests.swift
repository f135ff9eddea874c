import EchoSupport
import Foundation
import NIOCore
import NIOPosix
import RPC
import Schema
import TestLauncher
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

    /// A caller that presents no certificate at all. Our `TLSConfiguration` always loads one, so the
    /// caller is `openssl s_client` (trusting the dev CA, no `-cert`): the server ends the handshake
    /// with TLS 1.3's `certificate_required` alert and closes, and clients with a certificate still
    /// get through. (grpcio's view of the same refusal: Tests/Interop/test_python_client_to_swift_server.py.)
    func testClientWithoutCertificateIsRefused() async throws {
        let fixture = try await EchoServerFixture.start()
        let ca = TestCertificates.directory + "/ca.pem"
        // `-quiet` reads until the server closes; `timeout` bounds a server that would not.
        let outcome = try Launcher.run(
            "/usr/bin/timeout",
            [
                "20", "openssl", "s_client", "-connect", "127.0.0.1:\(fixture.port)", "-servername", "localhost",
                "-CAfile", ca, "-verify_return_error", "-quiet",
            ])
        XCTAssertNotEqual(outcome.status, 124, "the server neither refused nor closed: \(outcome.output)")
        XCTAssertNotEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("certificate required"), outcome.output)

        let good = try fixture.channel()
        let response = try await EchoClient(good).get(Request(text: "still here"))
        XCTAssertEqual(response.text, "still here")
        await good.close()
        await fixture.stop()
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
        let echo = ObservedEcho()
        let fixture = try await EchoServerFixture.start(shutdownGracePeriod: .seconds(5), echo: echo)
        let channel = try fixture.channel()
        let client = EchoClient(channel)
        _ = try await client.get(Request(text: "connect"))
        try await echo.wait(for: .ended)

        let slow = Task { try await client.get(Request(text: "slow", delayMs: 500)) }
        try await echo.wait(for: .started)
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
