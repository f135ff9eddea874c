import NIOCore
import SchemaC

/// A message of the public contract: a Swift value that encodes to and decodes from protobuf bytes
/// through protobuf-c.
///
/// Every generated message type conforms. Decoding never traps: truncated, garbage, oversized or
/// wrong-typed bytes throw ``SchemaError``; the memory protobuf-c allocates while unpacking comes
/// from an arena (`CArena`) released as a whole before the initialiser returns.
///
/// Unknown enum values are **kept** (as the enum's `.unrecognized(n)` case) so that a message
/// re-encodes to the same bytes; services reject them with `INVALID_ARGUMENT` where a value matters.
public protocol ProtoMessage: Sendable, Equatable {
    /// The fully qualified protobuf name, for example `skills.v1.Worker`.
    static var protoName: String { get }

    /// A message with every field at its default value.
    init()

    /// Decodes a message from its protobuf encoding.
    init(decoding bytes: UnsafeRawBufferPointer) throws(SchemaError)

    /// Builds the protobuf-c representation of this value and hands it to `body`; the
    /// representation is only valid inside `body`.
    func withCMessage<R>(_ body: (UnsafePointer<ProtobufCMessage>) throws -> R) rethrows -> R
}

/// Why bytes could not be decoded into a message.
public enum SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// protobuf-c rejected the bytes (truncated, garbage, or a field of the wrong wire type).
    case malformed(message: String)
    /// A `string` field held bytes that are not valid UTF-8 (proto3 requires UTF-8).
    case invalidUTF8(message: String, field: String)
    /// The encoding is larger than the decoder accepts.
    case tooLarge(message: String, size: Int, limit: Int)

    public var description: String {
        switch self {
        case .malformed(let message):
            return "malformed \(message): the bytes are not a valid protobuf encoding of it"
        case .invalidUTF8(let message, let field):
            return "\(message).\(field) is not valid UTF-8"
        case .tooLarge(let message, let size, let limit):
            return "\(message) is \(size) bytes, more than the limit of \(limit)"
        }
    }
}

/// Limits applied by every decoder, before protobuf-c sees the bytes.
public enum SchemaLimits {
    /// The largest encoding any message may have. protobuf-c allocates repeated fields from
    /// counts read off the wire (protobuf-c issue #796), so size is bounded before unpacking.
    public static let maxMessageBytes = 16 * 1024 * 1024
}

extension ProtoMessage {
    /// Decodes a message from its protobuf encoding.
    public init(serializedBytes bytes: some Collection<UInt8>) throws(SchemaError) {
        let array = Array(bytes)
        let result: Result<Self, SchemaError> = array.withUnsafeBytes { raw in
            do throws(SchemaError) { return .success(try Self(decoding: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Decodes a message from the readable bytes of `buffer` without consuming them.
    public init(buffer: ByteBuffer) throws(SchemaError) {
        let result: Result<Self, SchemaError> = buffer.withUnsafeReadableBytes { raw in
            do throws(SchemaError) { return .success(try Self(decoding: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// The protobuf encoding of this message.
    public func serializedBytes() -> [UInt8] {
        withCMessage { message in
            let size = protobuf_c_message_get_packed_size(message)
            return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = protobuf_c_message_pack(message, buffer.baseAddress)
            }
        }
    }

    /// Appends the protobuf encoding of this message to `buffer`. `prefix` runs first with the
    /// encoded size, so a caller can frame the message (gRPC's 5-byte prefix) without a copy.
    public func encode(into buffer: inout ByteBuffer, prefix: (inout ByteBuffer, Int) -> Void = { _, _ in }) {
        withCMessage { message in
            let size = protobuf_c_message_get_packed_size(message)
            prefix(&buffer, size)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
                protobuf_c_message_pack(message, out.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// The size of the protobuf encoding of this message.
    public var serializedSize: Int {
        withCMessage { protobuf_c_message_get_packed_size($0) }
    }
}

/// The glue between a generated Swift message and its protobuf-c struct. Generated code only.
protocol CMessageBacked: ProtoMessage {
    associatedtype CStruct
    /// Allocates a C struct in `arena` and runs the generated `..._init` on it.
    static func makeCStruct(in arena: CArena) -> UnsafeMutablePointer<CStruct>
    /// Writes this value's fields into an initialised C struct; strings, bytes, arrays and
    /// sub-messages are allocated in `arena`.
    func fill(_ c: UnsafeMutablePointer<CStruct>, arena: CArena)
    /// Reads a value out of an unpacked C struct.
    init(cStruct c: UnsafePointer<CStruct>) throws(SchemaError)
    /// The generated `..._unpack` (nil on garbage), allocating with `allocator`.
    static func unpack(
        _ bytes: UnsafeRawBufferPointer, allocator: UnsafeMutablePointer<ProtobufCAllocator>
    ) -> UnsafeMutablePointer<CStruct>?
}

extension CMessageBacked {
    public func withCMessage<R>(_ body: (UnsafePointer<ProtobufCMessage>) throws -> R) rethrows -> R {
        let arena = CArena()
        defer { arena.releaseAll() }
        let c = Self.makeCStruct(in: arena)
        fill(c, arena: arena)
        return try body(UnsafeRawPointer(c).assumingMemoryBound(to: ProtobufCMessage.self))
    }

    public init(decoding bytes: UnsafeRawBufferPointer) throws(SchemaError) {
        guard bytes.count <= SchemaLimits.maxMessageBytes else {
            throw .tooLarge(message: Self.protoName, size: bytes.count, limit: SchemaLimits.maxMessageBytes)
        }
        // Every allocation of the unpacked tree is the arena's: released at once, no
        // `..._free_unpacked` walk, no malloc and free per string and sub-message.
        let arena = CArena()
        defer { arena.releaseAll() }
        guard let c = arena.withProtobufAllocator({ Self.unpack(bytes, allocator: $0) }) else {
            throw .malformed(message: Self.protoName)
        }
        try self.init(cStruct: c)
    }

    /// Allocates and fills the C struct for a sub-message field.
    func makeFilledCStruct(in arena: CArena) -> UnsafeMutablePointer<CStruct> {
        let c = Self.makeCStruct(in: arena)
        fill(c, arena: arena)
        return c
    }
}
