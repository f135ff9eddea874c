import ArgumentParser
import RPC
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// `skillsctl call <service> <Method>`: any method of the schema with a JSON request, the
/// response printed as JSON. The method, its request and response types come from the embedded
/// descriptor set, so every method works, `grpc.health.v1.Health` and reflection included.
struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call any method with a JSON request and print the response as JSON.",
        discussion: """
            The response is pretty-printed on a terminal and one line otherwise; a server-streaming \
            method prints one JSON object per line. Client-streaming methods take a JSON array of requests.
            Exit codes: 0 ok, 1 an error status (code and message on stderr), 2 unknown service, method \
            or field, or bad JSON, 3 unreachable.

              skillsctl call registration GetWorker --json '{"workerId": "w-1"}'
              skillsctl call registration RegisterWorker --json @worker.json --set worker.name=张三 --request-id auto
              skillsctl call grpc.health.v1.Health Check --json '{}' --addr 127.0.0.1:7102
            """)

    @OptionGroup var connection: Connection
    @Argument(
        help: "registration, matching, assessment, payment, or a full service name such as grpc.health.v1.Health.")
    var service: String
    @Argument(help: "The method, e.g. SelectOffering.") var method: String
    @Option(help: "The request as JSON: inline text, @file, or - for standard input.") var json = "{}"
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Set one field, e.g. worker.name=张三 (repeatable).", valueName: "path=value"))
    var assignments: [String] = []
    @Option(help: "'auto' fills an empty request_id with a fresh id; anything else is used as the request_id.")
    var requestId: String?
    @Option(
        help: "Address(es) to call instead of the service's --<service>-addr (needed for services other than the four)."
    )
    var addr: String?
    @Flag(help: "Also print fields that are at their default value.") var emitDefaults = false

    func run() async throws {
        let target: CallTarget
        let requests: [EncodedMessage]
        do throws(UsageProblem) {
            target = try CallTarget(service: service, method: method, connection: connection, address: addr)
            requests = try buildRequests(target)
        } catch {
            FileHandleOutput.error(error.description)
            throw ExitCode(2)
        }
        let channel: GRPCChannel
        do {
            channel = try connection.channel(target.addresses)
        } catch {
            FileHandleOutput.error(
                "cannot set up the connection (certificate of role '\(connection.role)' in \(connection.certDir)?): \(error)"
            )
            throw ExitCode(2)
        }
        let printer = ResponsePrinter(
            mapping: target.mapping, typeName: target.method.outputType, emitDefaults: emitDefaults)
        do {
            try await target.invoke(on: channel, requests: requests, printer: printer)
            await channel.close()
        } catch let error as RPCError {
            await channel.close()
            FileHandleOutput.error(
                "\(target.displayName): \(error.code) (\(error.code.rawValue))\(error.message.isEmpty ? "" : ": \(error.message)")"
            )
            throw ExitCode(error.code == .unavailable ? 3 : 1)
        } catch let error as ProtoJSONError {
            await channel.close()
            FileHandleOutput.error("\(target.displayName): cannot show the response as JSON: \(error)")
            throw ExitCode(1)
        }
    }

    private func buildRequests(_ target: CallTarget) throws(UsageProblem) -> [EncodedMessage] {
        let text = try CallRequest.text(of: json)
        let parsed: JSONValue
        do throws(ProtoJSONError) { parsed = try JSONParser.parse(text) } catch {
            throw UsageProblem("--json: \(error)")
        }
        guard let input = target.mapping.pool.message(named: target.method.inputType) else {
            throw UsageProblem("the descriptor set has no message \(target.method.inputType)")
        }
        let builder = CallRequest(pool: target.mapping.pool, message: input)
        var documents: [JSONValue]
        if target.method.clientStreaming, case .array(let elements) = parsed {
            documents = elements
        } else {
            documents = [parsed]
        }
        if !target.method.clientStreaming, documents.count != 1 {
            throw UsageProblem("\(target.displayName) takes one request object")
        }
        var requests: [EncodedMessage] = []
        for (position, var document) in documents.enumerated() {
            for assignment in assignments { document = try builder.applying(assignment, to: document) }
            if let requestId { document = try builder.applyingRequestID(requestId, to: document) }
            let bytes: [UInt8]
            do throws(ProtoJSONError) {
                bytes = try target.mapping.encode(document, as: input.fullName)
            } catch {
                let which = documents.count > 1 ? " (request \(position))" : ""
                throw UsageProblem("\(input.fullName)\(which): \(error)")
            }
            do throws(SchemaError) { requests.append(try EncodedMessage(bytes: bytes)) } catch {
                throw UsageProblem("\(error)")
            }
        }
        return requests
    }
}

/// The resolved service, method and addresses of a `call`.
struct CallTarget {
    let mapping: ProtoJSON
    let serviceName: String
    let method: MethodSchema
    let addresses: String

    private static let shortNames = ["registration", "matching", "assessment", "payment"]

    init(service: String, method methodName: String, connection: Connection, address: String?) throws(UsageProblem) {
        do throws(ProtoJSONError) { mapping = try ProtoJSON() } catch { throw UsageProblem("\(error)") }
        let pool = mapping.pool
        let known = connection.services
        let fullName: String
        var defaultAddress: String?
        if let short = known.first(where: { $0.name == service.lowercased() }) {
            fullName = short.grpcName
            defaultAddress = short.addresses
        } else if pool.service(named: service) != nil {
            fullName = service
            defaultAddress = known.first { $0.grpcName == service }?.addresses
        } else {
            let names = Self.shortNames + pool.services.map(\.fullName)
            throw UsageProblem("unknown service '\(service)'; one of: \(names.joined(separator: ", "))")
        }
        guard let schema = pool.service(named: fullName) else {
            throw UsageProblem("the descriptor set has no service \(fullName)")
        }
        guard let method = schema.method(named: methodName) else {
            throw UsageProblem(
                "\(fullName) has no method '\(methodName)'; it has: \(schema.methods.map(\.name).joined(separator: ", "))"
            )
        }
        guard let addresses = address ?? defaultAddress else {
            throw UsageProblem("\(fullName) runs on every service: say which with --addr host:port")
        }
        self.serviceName = fullName
        self.method = method
        self.addresses = addresses
    }

    var displayName: String { "\(serviceName)/\(method.name)" }

    private var kind: CallKind {
        switch (method.clientStreaming, method.serverStreaming) {
        case (false, false): return .unary
        case (false, true): return .serverStreaming
        case (true, false): return .clientStreaming
        case (true, true): return .bidirectionalStreaming
        }
    }

    func invoke(on channel: GRPCChannel, requests: [EncodedMessage], printer: ResponsePrinter) async throws {
        // Retrying UNAVAILABLE is safe: reads change nothing and writes carry a request_id.
        let rpc = RPCMethod<EncodedMessage, EncodedMessage>(
            MethodDescriptor(service: serviceName, method: method.name, kind: kind, isIdempotent: true))
        let options = CallOptions()
        switch kind {
        case .unary:
            try printer.print(try await channel.unary(rpc, request: requests[0], options: options))
        case .serverStreaming:
            try await channel.serverStreaming(rpc, request: requests[0], options: options) { responses in
                for try await response in responses { try printer.print(response, streaming: true) }
            }
        case .clientStreaming:
            try printer.print(
                try await channel.clientStreaming(rpc, options: options) { writer in
                    try await writer.write(contentsOf: requests)
                })
        case .bidirectionalStreaming:
            try await channel.bidirectionalStreaming(
                rpc, options: options,
                requests: { writer in
                    try await writer.write(contentsOf: requests)
                }
            ) { responses in
                for try await response in responses { try printer.print(response, streaming: true) }
            }
        }
    }
}

/// Writes responses as JSON on standard output: pretty on a terminal, one line otherwise, and
/// always one line per message of a stream.
struct ResponsePrinter: Sendable {
    let mapping: ProtoJSON
    let typeName: String
    let emitDefaults: Bool

    func print(_ response: EncodedMessage, streaming: Bool = false) throws(ProtoJSONError) {
        let json = try mapping.decode(response.bytes, as: typeName, emitDefaults: emitDefaults)
        let line = Array((json.serialized(pretty: Style.isTerminal && !streaming) + "\n").utf8)
        var offset = 0
        while offset < line.count {
            let written = line[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
    }
}
