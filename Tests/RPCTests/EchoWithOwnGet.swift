import EchoSupport
import RPC
import Schema

/// An echo provider that answers `Get` itself (to observe it) and the streaming methods with
/// `EchoService`'s.
protocol EchoWithOwnGet: Skills_Testing_V1_EchoProvider {
    var echo: EchoService { get }
}

extension EchoWithOwnGet {
    func expand(
        request: Skills_Testing_V1_EchoRequest, responses: MessageWriter<Skills_Testing_V1_EchoResponse>,
        context: ServerContext
    ) async throws {
        try await echo.expand(request: request, responses: responses, context: context)
    }

    func collect(requests: MessageStream<Skills_Testing_V1_EchoRequest>, context: ServerContext) async throws
        -> Skills_Testing_V1_EchoResponse
    {
        try await echo.collect(requests: requests, context: context)
    }

    func update(
        requests: MessageStream<Skills_Testing_V1_EchoRequest>,
        responses: MessageWriter<Skills_Testing_V1_EchoResponse>, context: ServerContext
    ) async throws {
        try await echo.update(requests: requests, responses: responses, context: context)
    }
}
