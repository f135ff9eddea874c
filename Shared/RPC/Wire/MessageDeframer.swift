import NIOCore
import Schema

/// Splits a gRPC DATA stream into messages: each is a 1-byte compressed flag, a 4-byte big-endian
/// length and that many bytes (the gRPC "Length-Prefixed-Message").
struct MessageDeframer {
    enum Failure: Error, Equatable {
        /// The declared length is larger than the receiver accepts.
        case tooLarge(length: Int, limit: Int)
        /// The compressed flag was set; we only speak `identity`.
        case compressed
        /// The flag byte was neither 0 nor 1.
        case invalidFlag(UInt8)
    }

    let maxMessageBytes: Int
    private var buffer: ByteBuffer?

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Adds bytes that arrived in a DATA frame.
    mutating func append(_ bytes: ByteBuffer) {
        if var current = buffer, current.readableBytes > 0 {
            buffer = nil  // keeps the storage uniquely referenced while appending
            var bytes = bytes
            current.writeBuffer(&bytes)
            buffer = current
        } else {
            buffer = bytes
        }
    }

    /// The next whole message, if one has arrived.
    mutating func next() throws(Failure) -> ByteBuffer? {
        guard var current = buffer, current.readableBytes >= 5 else { return nil }
        guard let flag = current.getInteger(at: current.readerIndex, as: UInt8.self),
            let length32 = current.getInteger(at: current.readerIndex + 1, as: UInt32.self)
        else { return nil }
        switch flag {
        case 0: break
        case 1: throw .compressed
        default: throw .invalidFlag(flag)
        }
        let length = Int(length32)
        guard length <= maxMessageBytes else { throw .tooLarge(length: length, limit: maxMessageBytes) }
        guard current.readableBytes >= 5 + length else { return nil }
        current.moveReaderIndex(forwardBy: 5)
        let message = current.readSlice(length: length)
        buffer = current.readableBytes == 0 ? nil : current
        return message
    }

    /// Whether a partial message is waiting for more bytes.
    var hasPartialMessage: Bool { (buffer?.readableBytes ?? 0) > 0 }
}

extension ByteBuffer {
    /// Writes the 5-byte gRPC message prefix for an uncompressed message of `length` bytes.
    mutating func writeGRPCPrefix(length: Int) {
        writeInteger(UInt8(0))
        writeInteger(UInt32(truncatingIfNeeded: length))
    }
}

extension ProtoMessageFraming {
    /// Encodes `message` with its gRPC length prefix, in one buffer, without a copy.
    static func frame(_ message: any ProtoMessage, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        message.encode(into: &buffer) { buffer, size in
            buffer.reserveCapacity(minimumWritableBytes: size + 5)
            buffer.writeGRPCPrefix(length: size)
        }
        return buffer
    }
}

/// Namespace for encoding messages as gRPC frames.
enum ProtoMessageFraming {}
