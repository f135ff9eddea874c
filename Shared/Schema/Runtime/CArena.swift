import SchemaC

/// A bump allocator for the short-lived C structs, strings and arrays that protobuf-c packs.
///
/// Encoding a message builds its protobuf-c struct tree, packs it and throws the tree away; the
/// arena makes that one allocation (or a few, for large messages) instead of one per field.
/// Not thread-safe and never shared: each encode makes its own and releases it before returning.
final class CArena {
    private static let chunkSize = 4096
    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0

    init() {}

    /// Raw memory, aligned for `alignment`, zeroed.
    func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let needed = byteCount + alignment
        let base: UnsafeMutableRawPointer
        if let cursor, needed <= remaining {
            base = cursor
        } else {
            let size = max(Self.chunkSize, needed)
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            chunks.append(chunk)
            base = chunk
            remaining = size
        }
        let misalignment = Int(bitPattern: base) & (alignment - 1)
        let padding = misalignment == 0 ? 0 : alignment - misalignment
        let result = base + padding
        cursor = result + byteCount
        remaining -= padding + byteCount
        result.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return result
    }

    /// Zeroed storage for `count` values of `T`.
    func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride * max(count, 1), alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// A NUL-terminated copy of `string`.
    func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            let out = allocate(CChar.self, count: utf8.count + 1)
            if let base = utf8.baseAddress {
                UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: utf8.count)
            }
            out[utf8.count] = 0
            return out
        }
    }

    /// A copy of `bytes` as protobuf-c binary data.
    func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let out = allocate(UInt8.self, count: bytes.count)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: raw.count) }
        }
        return ProtobufCBinaryData(len: bytes.count, data: out)
    }

    /// A C array holding `values`.
    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let out = allocate(T.self, count: values.count)
        for (index, value) in values.enumerated() { (out + index).initialize(to: value) }
        return out
    }

    func releaseAll() {
        for chunk in chunks { chunk.deallocate() }
        chunks.removeAll()
        cursor = nil
        remaining = 0
    }
}

/// Reading C values back into Swift, shared by every generated decoder.
enum CRead {
    /// A `char*` field as a Swift string; invalid UTF-8 throws (proto3 strings are UTF-8).
    static func string(_ pointer: UnsafePointer<CChar>?, message: String, field: String) throws(SchemaError) -> String {
        guard let pointer else { return "" }
        if pointer.pointee == 0 { return "" }
        guard let string = String(validatingCString: pointer) else {
            throw .invalidUTF8(message: message, field: field)
        }
        return string
    }

    static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    static func array<T>(_ pointer: UnsafePointer<T>?, count: Int) -> [T] {
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
