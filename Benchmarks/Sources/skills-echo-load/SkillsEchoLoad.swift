// `skills-echo-load load ...`: the shared load generator (LoadCore) driving OUR stack's client
// (`GRPCChannel` + the generated `Skills_Testing_V1_EchoClient`) against `skills-echo serve`.
// One `GRPCChannel` per connection (each opens one HTTP/2 connection), on one shared event loop
// group with a thread per core, like grpc-swift-2's singleton group.
import Foundation
import LoadCore
import NIOPosix
import RPC
import Schema

@main
struct SkillsEchoLoad {
    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.first == "load" else {
            FileHandle.standardError.write(Data("usage: skills-echo-load \(LoadOptions.usage)\n".utf8))
            exit(2)
        }
        do {
            let options = try LoadOptions(arguments: arguments.dropFirst())
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("skills-echo-load: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: LoadOptions) async throws {
        let tls = TLSConfiguration(
            certificateChainPath: options.cert, privateKeyPath: options.key, trustRootsPath: options.ca)
        let group = MultiThreadedEventLoopGroup.singleton
        var channels: [GRPCChannel] = []
        for _ in 0..<options.connections {
            let configuration = ClientConfiguration(
                targets: [ClientConfiguration.Target(host: options.host, port: options.port)], tls: tls,
                serverName: options.serverName, retry: .none)
            channels.append(try GRPCChannel(configuration: configuration, eventLoopGroup: group))
        }
        let clients = channels.map { Skills_Testing_V1_EchoClient($0) }
        let request = Skills_Testing_V1_EchoRequest(text: "bench", payload: benchmarkPayload(options.payload))
        // Connect (TLS handshakes) before the clock starts.
        for client in clients { _ = try await client.get(request) }
        await runLoad(options, stack: "ours") { connection in
            let response = try await clients[connection].get(request)
            if response.payload.count != options.payload { throw UsageError("short echo") }
        }
        for channel in channels { await channel.close() }
    }
}
