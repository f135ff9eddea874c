import Essentials
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

/// What the generated `SchemaDescriptorSet` calls to decode its embedded bytes: Essentials' strict
/// base64. The generator writes Python's `b64encode` output, which always decodes; a hand-damaged
/// generated file gives an empty set, which the reflection and descriptor tests report.
enum Base64 {
    static func decode(_ text: String) -> [UInt8] { Essentials.Base64.decode(text) ?? [] }
}
