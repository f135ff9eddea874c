import RPC
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// The client side of the interop scenarios, run against any echo server (ours or grpcio's).
public struct InteropScenarios: Sendable {
    public let client: Skills_Testing_V1_EchoClient
    public init(client: Skills_Testing_V1_EchoClient) { self.client = client }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(message()) }
    }

    /// Runs every scenario, prints `PASS name` or `FAIL name: reason`, returns the failure count.
    public func runAll() async -> Int {
        let scenarios: [(String, @Sendable () async throws -> Void)] = [
            ("unary", unary), ("server_streaming", serverStreaming), ("client_streaming", clientStreaming),
            ("bidi", bidi), ("metadata", metadata), ("error_status_non_ascii", errorStatus),
            ("deadline", deadline), ("cancellation", cancellation),
        ]
        var failures = 0
        for (name, scenario) in scenarios {
            do {
                try await scenario()
                print("PASS \(name)")
            } catch {
                failures += 1
                print("FAIL \(name): \(error)")
            }
            fflush(nil)
        }
        return failures
    }

    typealias Request = Skills_Testing_V1_EchoRequest

    func unary() async throws {
        let payload = (0..<1024).map { UInt8($0 % 251) }
        let response = try await client.get(Request(text: "hello", payload: payload))
        try Self.expect(response.text == "hello", "text \(response.text)")
        try Self.expect(response.payload == payload, "payload differs")
        try Self.expect(response.caller == "hrss-dev", "caller \(response.caller)")
    }

    func serverStreaming() async throws {
        let texts = try await client.expand(Request(text: "tick", repeat: 5)) { responses in
            try await responses.collect().map(\.text)
        }
        try Self.expect(texts == (0..<5).map { "tick \($0)" }, "got \(texts)")
    }

    func clientStreaming() async throws {
        let response = try await client.collect { writer in
            for text in ["a", "b", "c"] { try await writer.write(Request(text: text)) }
        }
        try Self.expect(response.count == 3 && response.text == "a b c", "got \(response.count) '\(response.text)'")
    }

    func bidi() async throws {
        let (requests, continuation) = AsyncStream<String>.makeStream()
        let counts = try await client.update(requests: { writer in
            for await text in requests { try await writer.write(Request(text: text)) }
        }) { responses in
            var seen: [Int32] = []
            var iterator = responses.makeAsyncIterator()
            for text in ["one", "two", "three"] {
                continuation.yield(text)
                // Interleaved: each answer arrives before the next request is sent.
                guard let response = try await iterator.next() else { throw Failure("stream ended early") }
                try Self.expect(response.text == text, "echoed \(response.text) for \(text)")
                seen.append(response.count)
            }
            continuation.finish()
            while try await iterator.next() != nil {}
            return seen
        }
        try Self.expect(counts == [1, 2, 3], "counts \(counts)")
    }

    func metadata() async throws {
        var metadata = Metadata()
        metadata.add("x-echo-token", "abc")
        metadata.add("x-echo-bin", binary: [0, 1, 255])
        let received = ResponseMetadata()
        _ = try await client.get(
            Request(text: "m"), options: CallOptions(metadata: metadata, responseMetadata: received))
        try Self.expect(received.trailers["x-echo-token"] == "abc", "trailers \(received.trailers)")
        try Self.expect(received.trailers.binary("x-echo-bin") == [0, 1, 255], "binary trailer \(received.trailers)")
    }

    func errorStatus() async throws {
        let message = "拒绝: R3 每人每年不超过3次"
        do {
            _ = try await client.get(Request(failWithCode: 9, failWithMessage: message))
            throw Failure("the call succeeded")
        } catch let error as RPCError {
            try Self.expect(error.code == .failedPrecondition, "code \(error.code)")
            try Self.expect(error.message == message, "message '\(error.message)'")
        }
    }

    func deadline() async throws {
        let start = ContinuousClock.now
        do {
            _ = try await client.get(Request(delayMs: 2000), options: CallOptions(timeout: .milliseconds(300)))
            throw Failure("the call succeeded")
        } catch let error as RPCError {
            try Self.expect(error.code == .deadlineExceeded, "code \(error.code)")
        }
        try Self.expect(ContinuousClock.now - start < .milliseconds(1500), "took \(ContinuousClock.now - start)")
    }

    func cancellation() async throws {
        let task = Task {
            try await client.expand(Request(text: "c", repeat: 100, delayMs: 50)) { responses in
                var count = 0
                for try await _ in responses {
                    count += 1
                    if count == 2 { withUnsafeCurrentTask { $0?.cancel() } }
                }
                return count
            }
        }
        do {
            let count = try await task.value
            throw Failure("the stream was not cancelled (\(count) responses)")
        } catch let error as RPCError {
            try Self.expect(error.code == .cancelled, "code \(error.code)")
        }
        // The server is still healthy afterwards.
        let response = try await client.get(Request(text: "after"))
        try Self.expect(response.text == "after", "after-cancel call failed")
    }
}
