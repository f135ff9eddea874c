#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value bound to a statement parameter (`$1`, `$2`, ... in both dialects).
public enum DBValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)
}

/// A Swift value that can be bound to a parameter.
public protocol DBBindable {
    var dbValue: DBValue { get }
}

extension DBValue: DBBindable { public var dbValue: DBValue { self } }
extension Int64: DBBindable { public var dbValue: DBValue { .int(self) } }
extension Int: DBBindable { public var dbValue: DBValue { .int(Int64(self)) } }
extension Int32: DBBindable { public var dbValue: DBValue { .int(Int64(self)) } }
extension Double: DBBindable { public var dbValue: DBValue { .double(self) } }
extension String: DBBindable { public var dbValue: DBValue { .text(self) } }
extension Substring: DBBindable { public var dbValue: DBValue { .text(String(self)) } }
extension Bool: DBBindable { public var dbValue: DBValue { .bool(self) } }
extension Data: DBBindable { public var dbValue: DBValue { .bytes([UInt8](self)) } }
extension Array: DBBindable where Element == UInt8 { public var dbValue: DBValue { .bytes(self) } }
extension Optional: DBBindable where Wrapped: DBBindable {
    public var dbValue: DBValue { self?.dbValue ?? .null }
}

/// A Swift value that can be read from a result column (see `DBRow.get(_:as:)`).
public protocol DBColumnDecodable {
    static func decode(_ row: DBRow, _ column: Int) throws -> Self
}

extension Int64: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> Int64 { try row.int64(column) }
}
extension Int: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> Int {
        let value = try row.int64(column)
        guard let int = Int(exactly: value) else {
            throw DBError.decoding(column: column, "\(value) does not fit an Int")
        }
        return int
    }
}
extension Double: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> Double { try row.double(column) }
}
extension String: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> String { try row.string(column) }
}
extension Bool: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> Bool { try row.bool(column) }
}
extension Data: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> Data { Data(try row.bytes(column)) }
}
extension Array: DBColumnDecodable where Element == UInt8 {
    public static func decode(_ row: DBRow, _ column: Int) throws -> [UInt8] { try row.bytes(column) }
}
extension Optional: DBColumnDecodable where Wrapped: DBColumnDecodable {
    public static func decode(_ row: DBRow, _ column: Int) throws -> Wrapped? {
        row.isNull(column) ? nil : try Wrapped.decode(row, column)
    }
}
