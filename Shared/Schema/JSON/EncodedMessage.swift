import SchemaC

/// A message known only by its protobuf encoding, so a caller can send and receive any message
/// of the descriptor set through the generic transport (`skillsctl call` with ``ProtoJSON``).
///
/// protobuf-c packs it as a message with no declared fields whose fields are all "unknown"
/// fields, which protobuf-c writes back verbatim: the encoding is exactly ``bytes``.
public struct EncodedMessage: ProtoMessage {
    public static var protoName: String { "encoded message" }

    /// The protobuf encoding.
    public let bytes: [UInt8]
    /// Where each top-level field starts: key, wire type, and the value's range in ``bytes``
    /// (length prefix included), as protobuf-c's unknown fields hold them.
    private let fields: [(number: UInt32, wireType: UInt8, value: Range<Int>)]

    public init() {
        bytes = []
        fields = []
    }

    /// Wraps an encoding; throws when it is not a sequence of well-formed protobuf fields.
    public init(bytes: [UInt8]) throws(SchemaError) {
        guard bytes.count <= SchemaLimits.maxMessageBytes else {
            throw .tooLarge(message: Self.protoName, size: bytes.count, limit: SchemaLimits.maxMessageBytes)
        }
        var reader = WireReader(bytes[...])
        var fields: [(number: UInt32, wireType: UInt8, value: Range<Int>)] = []
        var start = 0
        while !reader.isAtEnd {
            var keyReader = WireReader(bytes[start...])
            guard let key = keyReader.varint() else { throw .malformed(message: Self.protoName) }
            do throws(WireFailure) {
                _ = try reader.field()
            } catch {
                throw .malformed(message: Self.protoName)
            }
            let valueStart = start + Self.varintSize(key)
            let end = bytes.count - reader.remainingCount
            fields.append((UInt32(truncatingIfNeeded: key >> 3), UInt8(key & 7), valueStart..<end))
            start = end
        }
        self.bytes = bytes
        self.fields = fields
    }

    public init(decoding raw: UnsafeRawBufferPointer) throws(SchemaError) {
        try self.init(bytes: Array(raw))
    }

    public static func == (lhs: EncodedMessage, rhs: EncodedMessage) -> Bool { lhs.bytes == rhs.bytes }

    private static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    public func withCMessage<R>(_ body: (UnsafePointer<ProtobufCMessage>) throws -> R) rethrows -> R {
        var storage = bytes
        return try storage.withUnsafeMutableBufferPointer { buffer in
            var unknown = fields.map { field in
                ProtobufCMessageUnknownField(
                    tag: field.number, wire_type: ProtobufCWireType(rawValue: UInt32(field.wireType)),
                    len: field.value.count, data: buffer.baseAddress.map { $0 + field.value.lowerBound })
            }
            return try unknown.withUnsafeMutableBufferPointer { unknownFields in
                var descriptor = ProtobufCMessageDescriptor()
                descriptor.magic = UInt32(PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
                descriptor.sizeof_message = MemoryLayout<ProtobufCMessage>.size
                return try withUnsafePointer(to: &descriptor) { descriptorPointer in
                    var message = ProtobufCMessage(
                        descriptor: descriptorPointer, n_unknown_fields: UInt32(unknownFields.count),
                        unknown_fields: unknownFields.baseAddress)
                    return try withUnsafePointer(to: &message) { try body($0) }
                }
            }
        }
    }
}
