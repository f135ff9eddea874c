/// gRPC metadata: ordered name/value pairs sent as HTTP/2 headers or trailers.
///
/// Names are lower-case ASCII; names ending in `-bin` carry binary values (base64 on the wire).
public struct Metadata: Sendable, Hashable, Sequence {
    public enum Value: Sendable, Hashable {
        case string(String)
        case binary([UInt8])
    }

    public struct Entry: Sendable, Hashable {
        public var name: String
        public var value: Value
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { add(name, value) }
    }

    /// Adds a text value; the name is lower-cased.
    public mutating func add(_ name: String, _ value: String) {
        entries.append(Entry(name: name.lowercased(), value: .string(value)))
    }

    /// Adds a binary value; the name must end in `-bin`.
    public mutating func add(_ name: String, binary value: [UInt8]) {
        precondition(name.lowercased().hasSuffix("-bin"), "binary metadata names end in -bin")
        entries.append(Entry(name: name.lowercased(), value: .binary(value)))
    }

    public mutating func add(_ entry: Entry) { entries.append(entry) }

    /// The first text value under `name`.
    public subscript(name: String) -> String? {
        let name = name.lowercased()
        for entry in entries where entry.name == name {
            if case .string(let value) = entry.value { return value }
        }
        return nil
    }

    /// The first binary value under `name`.
    public func binary(_ name: String) -> [UInt8]? {
        let name = name.lowercased()
        for entry in entries where entry.name == name {
            if case .binary(let value) = entry.value { return value }
        }
        return nil
    }

    public var isEmpty: Bool { entries.isEmpty }
    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
