import SchemaC

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bump allocator for the short-lived C structs, strings and arrays of protobuf-c.
///
/// Encoding a message builds its protobuf-c struct tree, packs it and throws the tree away;
/// decoding has protobuf-c unpack a tree (`withProtobufAllocator`), reads it into Swift values and
/// throws it away. The arena makes that one allocation (or a few, for large messages) instead of
/// one per field, and one release instead of a walk of the tree. Not thread-safe and never
/// shared: each encode or decode makes its own and releases it before returning.
final class CArena {
    /// The first chunk's size: most messages' trees fit, and glibc serves a block this small from
    /// its per-thread cache (up to 1,032 bytes with its header). A larger one came from
    /// `posix_memalign` (what `UnsafeMutableRawPointer.allocate` asks for), the slow path of
    /// malloc, on every encode.
    private static let firstChunkSize = 1008
    /// The size of each further chunk (or of one large value's).
    private static let chunkSize = 4096
    private var first: UnsafeMutableRawPointer?
    private var more: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0

    init() {}

    /// Raw memory, aligned for `alignment` (at most 16), zeroed.
    func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        guard let memory = allocateIfPossible(byteCount: byteCount, alignment: alignment, zeroed: true) else {
            fatalError("CArena: out of memory (\(byteCount) bytes)")
        }
        return memory
    }

    /// `byteCount` bytes aligned for `alignment` (at most 16), or nil when the system has no memory.
    private func allocateIfPossible(byteCount: Int, alignment: Int, zeroed: Bool) -> UnsafeMutableRawPointer? {
        let needed = byteCount + alignment
        let base: UnsafeMutableRawPointer
        if let cursor, needed <= remaining {
            base = cursor
        } else {
            let size = first == nil ? max(Self.firstChunkSize, needed) : max(Self.chunkSize, needed)
            // malloc's blocks are 16-byte aligned, enough for every C type protobuf-c uses.
            guard let chunk = malloc(size) else { return nil }
            if first == nil { first = chunk } else { more.append(chunk) }
            base = chunk
            remaining = size
        }
        let misalignment = Int(bitPattern: base) & (alignment - 1)
        let padding = misalignment == 0 ? 0 : alignment - misalignment
        let result = base + padding
        cursor = result + byteCount
        remaining -= padding + byteCount
        if zeroed { result.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
        return result
    }

    /// Raw memory for protobuf-c, aligned as malloc's, not zeroed (protobuf-c initialises what it
    /// allocates); nil, as malloc's, when there is none (the unpack then fails).
    func allocateForProtobuf(byteCount: Int) -> UnsafeMutableRawPointer? {
        // A size no malloc could give (counts off the wire can ask for any) fails like malloc.
        guard byteCount <= Int.max / 2 else { return nil }
        return allocateIfPossible(byteCount: max(byteCount, 1), alignment: 16, zeroed: false)
    }

    /// Runs `body` with a protobuf-c allocator that takes its memory from this arena (for
    /// `..._unpack`). Its `free` does nothing: `releaseAll()` frees everything at once.
    func withProtobufAllocator<R>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) -> R) -> R {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in
                guard let data else { return nil }
                return Unmanaged<CArena>.fromOpaque(data).takeUnretainedValue().allocateForProtobuf(byteCount: size)
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque())
        return withExtendedLifetime(self) { withUnsafeMutablePointer(to: &allocator, body) }
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
        free(first)
        first = nil
        for chunk in more { free(chunk) }
        more.removeAll()
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
