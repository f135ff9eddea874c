/// A message type as the descriptor set describes it: what the JSON mapping needs to know.
public struct MessageSchema: Sendable {
    /// The fully qualified name without the leading dot, e.g. `skills.v1.Worker`.
    public let fullName: String
    /// The fields in declaration order.
    public let fields: [FieldSchema]
    /// The names of the message's oneofs, indexed by ``FieldSchema/oneofIndex``.
    public let oneofNames: [String]
    /// Whether this is the synthetic entry type of a `map<K, V>` field.
    public let isMapEntry: Bool

    private let byNumber: [Int: Int]
    private let byJSONKey: [String: Int]

    init(fullName: String, fields: [FieldSchema], oneofNames: [String], isMapEntry: Bool) {
        self.fullName = fullName
        self.fields = fields
        self.oneofNames = oneofNames
        self.isMapEntry = isMapEntry
        var byNumber: [Int: Int] = [:]
        var byJSONKey: [String: Int] = [:]
        for (position, field) in fields.enumerated() {
            byNumber[field.number] = position
            byJSONKey[field.name] = position
            byJSONKey[field.jsonName] = position
        }
        self.byNumber = byNumber
        self.byJSONKey = byJSONKey
    }

    /// The field with this number.
    public func field(number: Int) -> FieldSchema? { byNumber[number].map { fields[$0] } }

    /// The field a JSON member names: its json name (`workerId`) or its proto name (`worker_id`).
    public func field(jsonKey: String) -> FieldSchema? { byJSONKey[jsonKey].map { fields[$0] } }
}

/// One field of a message.
public struct FieldSchema: Sendable {
    /// The protobuf scalar or composite types (`FieldDescriptorProto.Type`).
    public enum Kind: Int, Sendable {
        case double = 1, float, int64, uint64, int32, fixed64, fixed32, bool, string, group, message, bytes
        case uint32, enumeration, sfixed32, sfixed64, sint32, sint64

        /// The wire type of one value of this kind.
        var wireType: WireType {
            switch self {
            case .double, .fixed64, .sfixed64: return .fixed64
            case .float, .fixed32, .sfixed32: return .fixed32
            case .string, .bytes, .message: return .lengthDelimited
            case .group: return .startGroup
            case .int64, .uint64, .int32, .bool, .uint32, .enumeration, .sint32, .sint64: return .varint
            }
        }

        /// Whether repeated values of this kind may be packed into one length-delimited record.
        var isPackable: Bool { wireType == .varint || wireType == .fixed32 || wireType == .fixed64 }
    }

    /// The name in the `.proto` file, e.g. `worker_id`.
    public let name: String
    /// The proto3 JSON name, e.g. `workerId`.
    public let jsonName: String
    public let number: Int
    public let kind: Kind
    public let isRepeated: Bool
    /// For messages and enums: the fully qualified type name without the leading dot.
    public let typeName: String
    /// The oneof this field belongs to (synthetic oneofs of proto3 `optional` included).
    public let oneofIndex: Int?
    /// Declared `optional` in proto3: has presence, so a default value is still written.
    public let isProto3Optional: Bool
    /// Repeated scalars are packed unless `[packed = false]`.
    public let isPacked: Bool

    /// Whether a default value is still a value (written to the wire, shown in JSON).
    var hasPresence: Bool { oneofIndex != nil || isProto3Optional || kind == .message }
}

/// An enum type: its values by name and by number.
public struct EnumSchema: Sendable {
    public let fullName: String
    /// The values in declaration order.
    public let values: [(name: String, number: Int32)]
    private let numbersByName: [String: Int32]
    private let namesByNumber: [Int32: String]

    init(fullName: String, values: [(name: String, number: Int32)]) {
        self.fullName = fullName
        self.values = values
        var numbersByName: [String: Int32] = [:]
        var namesByNumber: [Int32: String] = [:]
        for value in values {
            numbersByName[value.name] = value.number
            if namesByNumber[value.number] == nil { namesByNumber[value.number] = value.name }
        }
        self.numbersByName = numbersByName
        self.namesByNumber = namesByNumber
    }

    public func number(named name: String) -> Int32? { numbersByName[name] }
    /// The first name declared for `number` (aliases share a number).
    public func name(of number: Int32) -> String? { namesByNumber[number] }
}

/// A service and its methods.
public struct ServiceSchema: Sendable {
    /// The fully qualified name, e.g. `skills.v1.MatchingService`.
    public let fullName: String
    public let methods: [MethodSchema]

    /// The method with this name; case-insensitive when no exact match exists.
    public func method(named name: String) -> MethodSchema? {
        methods.first { $0.name == name } ?? methods.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// One RPC method.
public struct MethodSchema: Sendable {
    public let name: String
    /// Fully qualified request and response message names, without the leading dot.
    public let inputType: String
    public let outputType: String
    public let clientStreaming: Bool
    public let serverStreaming: Bool
}
