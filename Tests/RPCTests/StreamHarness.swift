import EchoSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Schema
import XCTest

@testable import RPC

/// One server stream on an in-memory channel: HTTP/2 frames of stream 1 go into `ServerStreams` as
/// if from `NIOHTTP2Handler`, and what the stream writes comes back out.
///
/// `NIOAsyncTestingChannel` rather than `EmbeddedChannel`: a handler that suspends resumes from
/// another thread (`eventLoop.execute`), which the thread-bound `EmbeddedEventLoop` does not allow.
/// A testing loop runs what is scheduled from inside it only on `run()`.
struct StreamHarness {
    static let hrss = PeerIdentity(commonName: "hrss-dev", organizationalUnits: ["hrss"])

    let channel: NIOAsyncTestingChannel

    static func make(
        services: [ServiceDefinition] = [EchoService().serviceDefinition, HealthService().serviceDefinition],
        interceptors: [any ServerInterceptor] = [], maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
        peer: PeerIdentity = hrss
    ) async throws -> StreamHarness {
        var logger = Logger(label: "rpc-tests.stream")
        logger.logLevel = .critical
        let router = ServerCallRouter(
            services: services, interceptors: interceptors,
            maxReceiveMessageBytes: maxReceiveMessageBytes, logger: logger)
        return try await make(router: router, peer: peer)
    }

    static func make(router: ServerCallRouter, peer: PeerIdentity = hrss) async throws -> StreamHarness {
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(
                ServerStreams(router: router, peer: peer, remoteAddress: "test", eventLoop: channel.eventLoop))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        return StreamHarness(channel: channel)
    }

    static func requestHeaders(
        path: String, contentType: String = "application/grpc",
        extra: [(String, String)] = []
    ) -> HPACKHeaders {
        var headers: HPACKHeaders = [
            ":method": "POST", ":scheme": "https", ":path": path, ":authority": "localhost",
            "content-type": contentType, "te": "trailers",
        ]
        for (name, value) in extra { headers.add(name: name, value: value) }
        return headers
    }

    static func framed(_ message: any ProtoMessage) -> ByteBuffer {
        ProtoMessageFraming.frame(message, allocator: ByteBufferAllocator())
    }

    static func framed(raw bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeGRPCPrefix(length: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// The one stream the harness plays.
    static let streamID: HTTP2StreamID = 1
    /// Echo's unary method, the one most tests call.
    static let getPath = Skills_Testing_V1_Echo.Method.get.descriptor.path

    func send(_ payload: HTTP2Frame.FramePayload) async throws {
        try await channel.writeInbound(HTTP2Frame(streamID: Self.streamID, payload: payload))
    }

    func send(headers: HPACKHeaders, endStream: Bool = false) async throws {
        try await send(.headers(.init(headers: headers, endStream: endStream)))
    }

    func send(data: ByteBuffer, endStream: Bool = false) async throws {
        try await send(.data(.init(data: .byteBuffer(data), endStream: endStream)))
    }

    /// Starts an echo Get whose handler would answer only after 60 s and waits until it runs: a call
    /// that ends sooner was ended by what the test did next.
    func startSlowGet(observedBy echo: ObservedEcho) async throws {
        try await send(headers: Self.requestHeaders(path: Self.getPath))
        try await send(data: Self.framed(Skills_Testing_V1_EchoRequest(text: "slow", delayMs: 60_000)), endStream: true)
        try await echo.wait(for: .started)
    }

    /// The next frame the handler wrote, waiting up to `timeout` (the handler may answer from a task).
    func nextFrame(timeout: Duration = .seconds(5)) async throws -> HTTP2Frame.FramePayload? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = try await channel.readOutbound(as: HTTP2Frame.self) { return frame.payload }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .microseconds(200))
        }
    }

    /// Every frame up to and including the one that ends the stream (nil if it never ends).
    func framesUntilEnd(timeout: Duration = .seconds(5)) async throws -> [HTTP2Frame.FramePayload]? {
        var frames: [HTTP2Frame.FramePayload] = []
        while let frame = try await nextFrame(timeout: timeout) {
            frames.append(frame)
            if frame.endsStream { return frames }
        }
        return nil
    }

    struct StreamNeverEnded: Error {}

    /// Like `framesUntilEnd`, but throws when the stream does not end in time.
    func endedFrames(timeout: Duration = .seconds(5)) async throws -> [HTTP2Frame.FramePayload] {
        guard let frames = try await framesUntilEnd(timeout: timeout) else { throw StreamNeverEnded() }
        return frames
    }

    /// Whatever else is waiting (after the end of the stream there should be nothing).
    func leftoverFrames() async throws -> [HTTP2Frame.FramePayload] {
        await channel.testingEventLoop.run()
        var frames: [HTTP2Frame.FramePayload] = []
        while let frame = try await channel.readOutbound(as: HTTP2Frame.self) { frames.append(frame.payload) }
        return frames
    }
}

extension HTTP2Frame.FramePayload {
    var headerList: HPACKHeaders? {
        if case .headers(let headers) = self { return headers.headers }
        return nil
    }

    var dataBytes: ByteBuffer? {
        if case .data(let data) = self, case .byteBuffer(let bytes) = data.data { return bytes }
        return nil
    }

    /// The gRPC status in these headers, if they are trailers.
    var grpcStatus: Int? { headerList?.first(name: "grpc-status").flatMap { Int($0) } }
}

extension Array where Element == HTTP2Frame.FramePayload {
    /// Exactly one RST_STREAM(NO_ERROR): how a server that has answered asks a client still sending
    /// to stop (RFC 9113 section 8.1).
    var isNoErrorReset: Bool {
        guard count == 1, case .rstStream(let code) = self[0] else { return false }
        return code == .noError
    }
}
