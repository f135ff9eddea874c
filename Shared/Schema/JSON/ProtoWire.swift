/// The protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// One field read off the wire, its payload not yet interpreted.
enum WireValue: Sendable {
    case varint(UInt64)
    case fixed64(UInt64)
    case fixed32(UInt32)
    case bytes(ArraySlice<UInt8>)
}

/// Reads protobuf fields from bytes; every read is bounds-checked and throws on truncation.
struct WireReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }
    var remainingCount: Int { bytes.endIndex - index }

    mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    private mutating func littleEndian(_ count: Int) -> UInt64? {
        guard bytes.endIndex - index >= count else { return nil }
        var result: UInt64 = 0
        for offset in 0..<count { result |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        index += count
        return result
    }

    mutating func fixed32() -> UInt32? { littleEndian(4).map { UInt32(truncatingIfNeeded: $0) } }
    mutating func fixed64() -> UInt64? { littleEndian(8) }

    /// The next field's number and value, nil at the end; throws a reason on malformed bytes.
    mutating func field() throws(WireFailure) -> (number: Int, value: WireValue)? {
        guard !isAtEnd else { return nil }
        guard let key = varint() else { throw WireFailure("truncated field key") }
        let number = Int(truncatingIfNeeded: key >> 3)
        guard number > 0, number <= 536_870_911 else { throw WireFailure("field number \(key >> 3) out of range") }
        switch WireType(rawValue: UInt8(key & 7)) {
        case .varint:
            guard let value = varint() else { throw WireFailure("truncated varint in field \(number)") }
            return (number, .varint(value))
        case .fixed64:
            guard let value = fixed64() else { throw WireFailure("truncated fixed64 in field \(number)") }
            return (number, .fixed64(value))
        case .fixed32:
            guard let value = fixed32() else { throw WireFailure("truncated fixed32 in field \(number)") }
            return (number, .fixed32(value))
        case .lengthDelimited:
            guard let length = varint(), length <= UInt64(bytes.endIndex - index) else {
                throw WireFailure("length of field \(number) runs past the end")
            }
            let slice = bytes[index..<(index + Int(length))]
            index += Int(length)
            return (number, .bytes(slice))
        case .startGroup, .endGroup, nil:
            throw WireFailure("unsupported wire type \(key & 7) in field \(number)")
        }
    }
}

/// A reason bytes could not be read; callers turn it into a ``ProtoJSONError`` with a path.
struct WireFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Appends protobuf wire encodings to a byte array.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func key(_ number: Int, _ type: WireType) {
        varint(UInt64(number) << 3 | UInt64(type.rawValue))
    }

    mutating func fixed32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func fixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func lengthDelimited(_ payload: some Collection<UInt8>) {
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }
}

enum ZigZag {
    static func encode(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    static func decode(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
