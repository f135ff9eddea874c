import NIOCore
import NIOEmbedded
import XCTest

@testable import RPC

/// `FlushCoalescer`: what several calls write in one read, or in one turn of the loop, goes to the
/// socket in one flush, and nothing waits past that.
final class FlushCoalescerTests: XCTestCase {
    /// Counts the flushes that reach the socket side.
    private final class FlushCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var flushes = 0
        func flush(context: ChannelHandlerContext) {
            flushes += 1
            context.flush()
        }
    }

    /// Answers every read at once with a write and a flush, as a call that ends inside the read does.
    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    private func makeChannel() throws -> (EmbeddedChannel, FlushCounter) {
        let counter = FlushCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(counter, FlushCoalescer(), Answerer())
        return (channel, counter)
    }

    private func written(_ channel: EmbeddedChannel) throws -> [String] {
        var out: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { out.append(String(buffer: buffer)) }
        return out
    }

    func testTheAnswersToOneReadLeaveInOneFlush() throws {
        let (channel, counter) = try makeChannel()
        for request in ["a", "b", "c"] {
            channel.pipeline.fireChannelRead(ByteBuffer(string: request))
        }
        XCTAssertEqual(counter.flushes, 0, "flushed inside the read")
        XCTAssertEqual(try written(channel), [])
        channel.pipeline.fireChannelReadComplete()
        XCTAssertEqual(counter.flushes, 1)
        XCTAssertEqual(try written(channel), ["a", "b", "c"])
    }

    func testFlushesOutsideAReadWaitForTheLoopsNextTask() throws {
        let (channel, counter) = try makeChannel()
        channel.writeAndFlush(ByteBuffer(string: "x"), promise: nil)
        channel.writeAndFlush(ByteBuffer(string: "y"), promise: nil)
        XCTAssertEqual(counter.flushes, 0)
        channel.embeddedEventLoop.run()
        XCTAssertEqual(counter.flushes, 1)
        XCTAssertEqual(try written(channel), ["x", "y"])
        // And the next turn flushes again.
        channel.writeAndFlush(ByteBuffer(string: "z"), promise: nil)
        channel.embeddedEventLoop.run()
        XCTAssertEqual(counter.flushes, 2)
        XCTAssertEqual(try written(channel), ["z"])
    }

    func testACloseSendsWhatWasWrittenBeforeIt() throws {
        let (channel, counter) = try makeChannel()
        channel.writeAndFlush(ByteBuffer(string: "goodbye"), promise: nil)
        let closed = channel.close()
        XCTAssertEqual(counter.flushes, 1, "the close went out before the pending flush")
        XCTAssertEqual(try written(channel), ["goodbye"])
        channel.embeddedEventLoop.run()
        XCTAssertNoThrow(try closed.wait())
    }
}
