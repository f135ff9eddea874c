import RPC
import Schema

/// The echo service of the interoperability tests and benchmarks (`Protos/skills/testing`).
///
/// Get echoes text and payload and names the caller; `fail_with_code` answers with that status;
/// `delay_ms` waits first. Expand streams `repeat` answers; Collect counts and joins; Update
/// answers each request at once. Request metadata named `x-echo-*` comes back in the trailers.
public struct EchoService: Skills_Testing_V1_EchoProvider {
    public init() {}

    public typealias Request = Skills_Testing_V1_EchoRequest
    public typealias Response = Skills_Testing_V1_EchoResponse

    private func echoMetadata(_ context: ServerContext) {
        for entry in context.requestMetadata where entry.name.hasPrefix("x-echo-") {
            switch entry.value {
            case .string(let value): context.responseTrailers.add(entry.name, value)
            case .binary(let value): context.responseTrailers.add(entry.name, binary: value)
            }
        }
    }

    private func failIfAsked(_ request: Request) throws {
        if request.failWithCode != 0 {
            throw RPCError(StatusCode(rawValue: Int(request.failWithCode)), request.failWithMessage)
        }
    }

    public func get(request: Request, context: ServerContext) async throws -> Response {
        echoMetadata(context)
        if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
        try failIfAsked(request)
        return Response(text: request.text, payload: request.payload, count: 1, caller: context.peer.commonName)
    }

    public func expand(request: Request, responses: MessageWriter<Response>, context: ServerContext) async throws {
        echoMetadata(context)
        try failIfAsked(request)
        for index in 0..<Int(max(0, request.`repeat`)) {
            if index > 0 && request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
            try await responses.write(
                Response(text: "\(request.text) \(index)", count: Int32(index + 1), caller: context.peer.commonName))
        }
    }

    public func collect(requests: MessageStream<Request>, context: ServerContext) async throws -> Response {
        echoMetadata(context)
        var texts: [String] = []
        for try await request in requests {
            try failIfAsked(request)
            texts.append(request.text)
        }
        return Response(text: texts.joined(separator: " "), count: Int32(texts.count), caller: context.peer.commonName)
    }

    public func update(requests: MessageStream<Request>, responses: MessageWriter<Response>, context: ServerContext)
        async throws
    {
        echoMetadata(context)
        var count: Int32 = 0
        for try await request in requests {
            try failIfAsked(request)
            count += 1
            try await responses.write(
                Response(text: request.text, payload: request.payload, count: count, caller: context.peer.commonName))
        }
    }
}
