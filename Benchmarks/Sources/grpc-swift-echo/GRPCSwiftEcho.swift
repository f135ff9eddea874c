// `grpc-swift-echo`: the baseline. A grpc-swift-2 echo server (HTTP/2 on NIOPosix, NIOSSL mutual TLS,
// swift-protobuf messages) and the shared load generator (LoadCore) driving grpc-swift-2's client.
//
//   grpc-swift-echo serve --host 127.0.0.1 --port 50052 --cert echo.pem --key echo.key --ca ca.pem
//   grpc-swift-echo load --target 127.0.0.1:50052 --cert hrss.pem --key hrss.key --ca ca.pem \
//       --connections 4 --concurrency 64 --duration 10 --payload 1024
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import LoadCore
import SwiftProtobuf

/// The same behaviour as the parent package's `EchoService` for what the benchmark uses.
struct EchoService: Skills_Testing_V1_Echo.SimpleServiceProtocol {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    private func fail(_ request: Request) throws {
        if request.failWithCode != 0 {
            throw RPCError(
                code: RPCError.Code(Status.Code(rawValue: Int(request.failWithCode)) ?? .unknown) ?? .unknown,
                message: request.failWithMessage)
        }
    }

    func get(request: Request, context: ServerContext) async throws -> Response {
        if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
        try fail(request)
        var response = Response()
        response.text = request.text
        response.payload = request.payload
        response.count = 1
        response.caller = context.remotePeer
        return response
    }

    func expand(request: Request, response: RPCWriter<Response>, context: ServerContext) async throws {
        try fail(request)
        for index in 0..<Int(max(0, request.repeat)) {
            if index > 0 && request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
            var message = Response()
            message.text = "\(request.text) \(index)"
            message.count = Int32(index + 1)
            try await response.write(message)
        }
    }

    func collect(request: RPCAsyncSequence<Request, any Error>, context: ServerContext) async throws -> Response {
        var texts: [String] = []
        for try await message in request { texts.append(message.text) }
        var response = Response()
        response.text = texts.joined(separator: " ")
        response.count = Int32(texts.count)
        return response
    }

    func update(request: RPCAsyncSequence<Request, any Error>, response: RPCWriter<Response>, context: ServerContext)
        async throws
    {
        var count: Int32 = 0
        for try await message in request {
            count += 1
            var reply = Response()
            reply.text = message.text
            reply.payload = message.payload
            reply.count = count
            try await response.write(reply)
        }
    }
}

@main
struct GRPCSwiftEcho {
    static let usage = """
        usage: grpc-swift-echo serve [--host H] [--port P] --cert PEM --key PEM --ca PEM [--no-client-auth]
               grpc-swift-echo \(LoadOptions.usage)
        """

    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        do {
            switch arguments.first {
            case "serve": try await serve(arguments.dropFirst())
            case "load": try await load(LoadOptions(arguments: arguments.dropFirst()))
            default:
                FileHandle.standardError.write(Data((usage + "\n").utf8))
                exit(2)
            }
        } catch {
            FileHandle.standardError.write(Data("grpc-swift-echo: \(error)\n".utf8))
            exit(1)
        }
    }

    static func serve(_ arguments: ArraySlice<String>) async throws {
        let host = option("--host", in: arguments) ?? "127.0.0.1"
        let port = Int(option("--port", in: arguments) ?? "50052") ?? 50052
        guard let cert = option("--cert", in: arguments), let key = option("--key", in: arguments),
            let ca = option("--ca", in: arguments)
        else { throw UsageError(usage) }
        // --no-client-auth: do not ask for a client certificate (for h2load, which cannot send one).
        let requireClientCertificate = !arguments.contains("--no-client-auth")
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: cert, format: .pem)],
                privateKey: .file(path: key, format: .pem)
            ) { config in
                // Client certificates are required and must chain to the CA (as on our server).
                config.clientCertificateVerification =
                    requireClientCertificate ? .noHostnameVerification : .noVerification
                config.trustRoots = .certificates([.file(path: ca, format: .pem)])
            },
            config: .defaults)
        let server = GRPCServer(transport: transport, services: [EchoService()])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            let address = try await transport.listeningAddress
            print("listening on \(host):\(address.ipv4?.port ?? port)")
            fflush(nil)
        }
    }

    static func load(_ options: LoadOptions) async throws {
        var clients: [GRPCClient<HTTP2ClientTransport.Posix>] = []
        for _ in 0..<options.connections {
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: options.host, port: options.port),
                transportSecurity: .mTLS(
                    certificateChain: [.file(path: options.cert, format: .pem)],
                    privateKey: .file(path: options.key, format: .pem)
                ) { config in
                    config.trustRoots = .certificates([.file(path: options.ca, format: .pem)])
                },
                config: .defaults { $0.http2.authority = options.serverName })
            clients.append(GRPCClient(transport: transport))
        }
        var message = Skills_Testing_V1_EchoRequest()
        message.text = "bench"
        message.payload = Data(benchmarkPayload(options.payload))
        let request = message
        let echoes = clients.map { Skills_Testing_V1_Echo.Client(wrapping: $0) }
        try await withThrowingDiscardingTaskGroup { group in
            for client in clients { group.addTask { try await client.runConnections() } }
            // Connect (TLS handshakes) before the clock starts.
            for echo in echoes { _ = try await echo.get(request) }
            let expected = options.payload
            await runLoad(options, stack: "grpc-swift-2") { connection in
                let response = try await echoes[connection].get(request)
                if response.payload.count != expected { throw UsageError("short echo") }
            }
            for client in clients { client.beginGracefulShutdown() }
        }
    }
}
