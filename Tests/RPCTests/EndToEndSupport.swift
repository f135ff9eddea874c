import EchoSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import RPC
import Schema
import TestLauncher
import XCTest

/// The development certificates of `Deploy/certs/out`, made on first use when missing.
enum TestCertificates {
    static let directory: String = {
        let packageRoot = Launcher.packageRoot
        let directory = packageRoot.appendingPathComponent("Deploy/certs/out").path
        let needed = [
            "ca.pem", "echo.pem", "echo.key", "hrss.pem", "hrss.key", "finance.pem", "finance.key",
            "intruder.pem", "intruder.key", "expired.pem", "expired.key",
        ]
        if !needed.allSatisfy({ FileManager.default.fileExists(atPath: "\(directory)/\($0)") }) {
            let script = packageRoot.appendingPathComponent("Deploy/certs/make-dev-certs.sh").path
            do {
                let outcome = try Launcher.run("/bin/bash", [script], directory: packageRoot)
                if !outcome.succeeded { print("make-dev-certs.sh failed, \(outcome)") }
            } catch {
                print("cannot run make-dev-certs.sh: \(error)")
            }
        }
        return directory
    }()

    static func tls(_ name: String) -> TLSConfiguration { .development(name, directory: directory) }
}

/// An in-process echo server on 127.0.0.1 (a free port) with the Echo service allowed to `hrss`.
struct EchoServerFixture {
    typealias Request = Skills_Testing_V1_EchoRequest

    static let accessTable = AccessTable([:], everyMethodOf: ["skills.testing.v1.Echo": ["hrss"]])

    let group: MultiThreadedEventLoopGroup
    let server: GRPCServer
    let port: Int

    static func start(
        maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
        shutdownGracePeriod: Duration = .seconds(5),
        echo: any Skills_Testing_V1_EchoProvider = EchoService()
    ) async throws -> EchoServerFixture {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var logger = Logger(label: "rpc-tests.server")
        logger.logLevel = .error
        let configuration = ServerConfiguration(
            port: 0, tls: TestCertificates.tls("echo"),
            maxReceiveMessageBytes: maxReceiveMessageBytes,
            shutdownGracePeriod: shutdownGracePeriod)
        let server = try GRPCServer(
            configuration: configuration, services: [echo.serviceDefinition],
            interceptors: [AuthorizationInterceptor(table: accessTable)], logger: logger,
            eventLoopGroup: group)
        try await server.start()
        let port = try XCTUnwrap(server.localPort)
        return EchoServerFixture(group: group, server: server, port: port)
    }

    var target: ClientConfiguration.Target { .init(host: "127.0.0.1", port: port) }

    /// A client channel with the certificate of `role` (`hrss`, `finance`, `intruder`, `expired` ...).
    func channel(
        role: String = "hrss", targets: [ClientConfiguration.Target]? = nil,
        retry: ClientConfiguration.RetryPolicy = .init(), timeout: Duration = .seconds(10)
    ) throws -> GRPCChannel {
        var logger = Logger(label: "rpc-tests.client")
        logger.logLevel = .error
        let configuration = ClientConfiguration(
            targets: targets ?? [target], tls: TestCertificates.tls(role),
            serverName: "localhost", defaultTimeout: timeout, retry: retry)
        return try GRPCChannel(configuration: configuration, eventLoopGroup: group, logger: logger)
    }

    func stop() async {
        await server.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}
