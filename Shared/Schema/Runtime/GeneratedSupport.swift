import SchemaC

// Helpers the generated code (Shared/Schema/Generated, written by Tools/schemagen) calls.

extension CRead {
    /// A repeated `string` field (`char **`); invalid UTF-8 in any element throws.
    static func strings(
        _ pointer: UnsafePointer<UnsafeMutablePointer<CChar>?>?, count: Int, message: String, field: String
    ) throws(SchemaError) -> [String] {
        guard count > 0, let pointer else { return [] }
        var out: [String] = []
        out.reserveCapacity(count)
        for index in 0..<count {
            out.append(try CRead.string(pointer[index], message: message, field: field))
        }
        return out
    }

    /// A repeated message field (`Msg **`).
    static func messages<M: CMessageBacked>(
        _ pointer: UnsafePointer<UnsafeMutablePointer<M.CStruct>?>?, count: Int, as type: M.Type
    ) throws(SchemaError) -> [M] {
        guard count > 0, let pointer else { return [] }
        var out: [M] = []
        out.reserveCapacity(count)
        for index in 0..<count {
            guard let element = pointer[index] else { throw .malformed(message: M.protoName) }
            out.append(try M(cStruct: element))
        }
        return out
    }
}

/// A small standard-alphabet base64 decoder, so the schema module needs no Foundation.
enum Base64 {
    /// Decodes `text`; characters outside the alphabet (padding, whitespace) are skipped.
    static func decode(_ text: String) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(char)] = UInt8(index)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in text.utf8 {
            let value = table[Int(char)]
            if value == 0xFF { continue }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
