/// A JSON document, kept the way the proto3 JSON mapping needs it.
///
/// Numbers keep their literal text, so an `int64` beyond 2^53 survives a round trip exactly (a
/// `Double` would round it). Objects keep their members in order, duplicates included, so the
/// mapping can reject a field given twice instead of silently taking one.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, e.g. `-12`, `3.5e7`; valid JSON number syntax.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// A member of a JSON object.
    public struct JSONMember: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value of the last member named `key`, when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// A short name of the value's kind for error messages ("a string", "an object" ...).
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
