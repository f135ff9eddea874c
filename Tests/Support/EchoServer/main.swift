import ArgumentParser
import EchoSupport
import Logging
import RPC
import Schema
import ServiceLifecycle
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// `skills-echo`: the RPC runtime's test server and interop client.
@main
struct SkillsEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills-echo",
        abstract: "Echo service over gRPC/mTLS, for interoperability tests and benchmarks.",
        subcommands: [Serve.self, InteropClient.self])
}

struct TLSOptions: ParsableArguments {
    @Option(help: "PEM certificate chain.") var cert: String
    @Option(help: "PEM private key.") var key: String
    @Option(help: "PEM CA bundle peers must chain to.") var ca: String
    var tls: TLSConfiguration { TLSConfiguration(certificateChainPath: cert, privateKeyPath: key, trustRootsPath: ca) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the echo service until SIGTERM/SIGINT.")
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks one and prints it).") var port = 50051
    @OptionGroup var tlsOptions: TLSOptions
    @Option(help: "Event loop threads (0: one per core).") var threads = 0
    @Flag(help: "Do not require a client certificate (for load generators such as h2load that cannot send one).")
    var noClientAuth = false
    @Flag(
        inversion: .prefixedNo,
        help:
            "Shut down as on SIGTERM when standard input reaches end of file (a launcher holding the pipe exited). [env: SKILLS_EXIT_WHEN_STDIN_CLOSES=1]"
    )
    var exitWhenStdinCloses = ["1", "true", "yes"].contains(
        ProcessInfo.processInfo.environment["SKILLS_EXIT_WHEN_STDIN_CLOSES"]?.lowercased() ?? "")

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .notice
            return handler
        }
        let logger = Logger(label: "skills.echo")
        var tls = tlsOptions.tls
        tls.requireClientCertificate = !noClientAuth
        let server = try GRPCServer(
            configuration: ServerConfiguration(host: host, port: port, tls: tls, eventLoopThreads: threads),
            services: [EchoService().serviceDefinition], logger: logger)
        try await server.start()
        print("listening on \(host):\(server.localPort ?? port)")
        fflush(nil)
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        if exitWhenStdinCloses { LauncherWatch.terminateWhenStandardInputCloses(logger: logger) }
        try await group.run()
    }

}

struct InteropClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interop-client",
        abstract: "Run the client side of the interop scenarios against an echo server; prints PASS/FAIL lines.")
    @Option(help: "host:port of the echo server.") var target: String
    @OptionGroup var tlsOptions: TLSOptions
    @Option(help: "Name the server certificate must carry.") var serverName = "localhost"

    func run() async throws {
        guard let address = ClientConfiguration.Target(target) else {
            throw ValidationError("target must be host:port")
        }
        let channel = try GRPCChannel(
            configuration: ClientConfiguration(targets: [address], tls: tlsOptions.tls, serverName: serverName))
        let scenarios = InteropScenarios(client: Skills_Testing_V1_EchoClient(channel))
        let failures = await scenarios.runAll()
        await channel.close()
        if failures > 0 { throw ExitCode(1) }
    }
}
