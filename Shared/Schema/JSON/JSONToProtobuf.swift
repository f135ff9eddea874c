import Essentials

/// Encodes a JSON value as the protobuf bytes of a message, following the proto3 JSON mapping.
///
/// Members may use the json name (`workerId`) or the proto name (`worker_id`); `null` means
/// "not set". The bytes come out the way protobuf-c writes them: fields in number order, proto3
/// defaults left out (unless the field has presence), repeated scalars packed.
struct JSONToProtobuf {
    let pool: DescriptorPool

    func encode(_ json: JSONValue, as message: MessageSchema, path: String) throws(ProtoJSONError) -> [UInt8] {
        if message.fullName == WellKnown.timestamp { return try timestamp(json, path: path) }
        guard case .object(let members) = json else {
            if case .null = json { return [] }
            throw .invalidValue(
                path: path, reason: "expected an object for \(message.fullName), got \(json.kindDescription)")
        }
        var chosen: [(field: FieldSchema, value: JSONValue, path: String)] = []
        var seen = Set<Int>()
        var oneofMembers: [Int: String] = [:]
        for member in members {
            let memberPath = joinPath(path, member.key)
            guard let field = message.field(jsonKey: member.key) else {
                throw .unknownField(path: memberPath, message: message.fullName)
            }
            guard seen.insert(field.number).inserted else {
                throw .invalidValue(path: memberPath, reason: "the field \(field.jsonName) is given twice")
            }
            if case .null = member.value { continue }
            if let oneof = field.oneofIndex, !field.isProto3Optional {
                if let other = oneofMembers[oneof] {
                    let name = message.oneofNames.indices.contains(oneof) ? message.oneofNames[oneof] : "oneof"
                    throw .invalidValue(
                        path: memberPath,
                        reason: "\(other) and \(member.key) are both set, but only one of '\(name)' may be")
                }
                oneofMembers[oneof] = member.key
            }
            chosen.append((field, member.value, memberPath))
        }
        chosen.sort { $0.field.number < $1.field.number }
        var writer = WireWriter()
        for entry in chosen { try encodeField(entry.field, entry.value, path: entry.path, into: &writer) }
        return writer.bytes
    }

    private func encodeField(_ field: FieldSchema, _ value: JSONValue, path: String, into writer: inout WireWriter)
        throws(ProtoJSONError)
    {
        if field.isRepeated, field.kind == .message, let entry = pool.message(named: field.typeName), entry.isMapEntry {
            try encodeMap(field, entry: entry, value, path: path, into: &writer)
            return
        }
        if field.isRepeated {
            guard case .array(let elements) = value else {
                throw .invalidValue(path: path, reason: "expected an array, got \(value.kindDescription)")
            }
            if field.isPacked {
                guard !elements.isEmpty else { return }
                var packed = WireWriter()
                for (position, element) in elements.enumerated() {
                    try writeScalar(field, element, path: "\(path)[\(position)]", into: &packed)
                }
                writer.key(field.number, .lengthDelimited)
                writer.lengthDelimited(packed.bytes)
            } else {
                for (position, element) in elements.enumerated() {
                    try writeSingle(field, element, path: "\(path)[\(position)]", presence: true, into: &writer)
                }
            }
            return
        }
        try writeSingle(field, value, path: path, presence: field.hasPresence, into: &writer)
    }

    /// Writes one tagged value; without `presence`, a default value writes nothing.
    private func writeSingle(
        _ field: FieldSchema, _ value: JSONValue, path: String, presence: Bool,
        into writer: inout WireWriter
    ) throws(ProtoJSONError) {
        if case .null = value { throw .invalidValue(path: path, reason: "null is not allowed here") }
        switch field.kind {
        case .message:
            guard let message = pool.message(named: field.typeName) else { throw .unknownType(field.typeName) }
            let payload = try encode(value, as: message, path: path)
            writer.key(field.number, .lengthDelimited)
            writer.lengthDelimited(payload)
        case .string:
            guard case .string(let text) = value else {
                throw .invalidValue(path: path, reason: "expected a string, got \(value.kindDescription)")
            }
            if !presence, text.isEmpty { return }
            writer.key(field.number, .lengthDelimited)
            writer.lengthDelimited(Array(text.utf8))
        case .bytes:
            guard case .string(let text) = value else {
                throw .invalidValue(path: path, reason: "expected base64 text, got \(value.kindDescription)")
            }
            guard let bytes = Essentials.Base64.decode(text, alphabets: [.standard, .urlSafe]) else {
                throw .invalidValue(path: path, reason: "not valid base64")
            }
            if !presence, bytes.isEmpty { return }
            writer.key(field.number, .lengthDelimited)
            writer.lengthDelimited(bytes)
        default:
            var payload = WireWriter()
            let isZero = try writeScalar(field, value, path: path, into: &payload)
            if !presence, isZero { return }
            writer.key(field.number, field.kind.wireType)
            writer.bytes += payload.bytes
        }
    }

    /// Writes a numeric, bool or enum value without a key; returns whether its bits are all zero
    /// (the proto3 default, which protobuf-c leaves out).
    @discardableResult
    private func writeScalar(_ field: FieldSchema, _ value: JSONValue, path: String, into writer: inout WireWriter)
        throws(ProtoJSONError) -> Bool
    {
        switch field.kind {
        case .int32, .sfixed32, .sint32:
            let number = Int32(try ScalarText.integer(value, in: Int64(Int32.min)...Int64(Int32.max), path: path))
            switch field.kind {
            case .sfixed32: writer.fixed32(UInt32(bitPattern: number))
            case .sint32: writer.varint(ZigZag.encode(Int64(number)))
            default: writer.varint(UInt64(bitPattern: Int64(number)))
            }
            return number == 0
        case .int64, .sfixed64, .sint64:
            let number = try ScalarText.integer(value, in: Int64.min...Int64.max, path: path)
            switch field.kind {
            case .sfixed64: writer.fixed64(UInt64(bitPattern: number))
            case .sint64: writer.varint(ZigZag.encode(number))
            default: writer.varint(UInt64(bitPattern: number))
            }
            return number == 0
        case .uint32, .fixed32:
            let number = UInt32(try ScalarText.unsigned(value, max: UInt64(UInt32.max), path: path))
            if field.kind == .fixed32 { writer.fixed32(number) } else { writer.varint(UInt64(number)) }
            return number == 0
        case .uint64, .fixed64:
            let number = try ScalarText.unsigned(value, max: UInt64.max, path: path)
            if field.kind == .fixed64 { writer.fixed64(number) } else { writer.varint(number) }
            return number == 0
        case .bool:
            guard case .bool(let flag) = value else {
                throw .invalidValue(path: path, reason: "expected true or false, got \(value.kindDescription)")
            }
            writer.varint(flag ? 1 : 0)
            return !flag
        case .double:
            let number = try ScalarText.double(value, path: path)
            writer.fixed64(number.bitPattern)
            return number.bitPattern == 0
        case .float:
            let number = try ScalarText.double(value, path: path)
            if number.isFinite, abs(number) > Double(Float.greatestFiniteMagnitude) {
                throw .invalidValue(path: path, reason: "\(number) is out of range for a float")
            }
            let single = Float(number)
            writer.fixed32(single.bitPattern)
            return single.bitPattern == 0
        case .enumeration:
            let number = try enumNumber(field, value, path: path)
            writer.varint(UInt64(bitPattern: Int64(number)))
            return number == 0
        case .string, .bytes, .message, .group:
            throw .invalidValue(path: path, reason: "\(field.kind) cannot be packed")
        }
    }

    private func enumNumber(_ field: FieldSchema, _ value: JSONValue, path: String) throws(ProtoJSONError) -> Int32 {
        guard let enumeration = pool.enumeration(named: field.typeName) else { throw .unknownType(field.typeName) }
        switch value {
        case .string(let name):
            if let number = enumeration.number(named: name) { return number }
            let known = enumeration.values.map(\.name).joined(separator: ", ")
            throw .invalidValue(
                path: path, reason: "unknown \(enumeration.fullName) value '\(name)' (one of: \(known))")
        case .number:
            return Int32(try ScalarText.integer(value, in: Int64(Int32.min)...Int64(Int32.max), path: path))
        default:
            throw .invalidValue(
                path: path, reason: "expected an enum name of \(enumeration.fullName), got \(value.kindDescription)")
        }
    }

    private func encodeMap(
        _ field: FieldSchema, entry: MessageSchema, _ value: JSONValue, path: String,
        into writer: inout WireWriter
    ) throws(ProtoJSONError) {
        guard case .object(let members) = value else {
            throw .invalidValue(path: path, reason: "expected an object (a map), got \(value.kindDescription)")
        }
        guard let keyField = entry.field(number: 1), let valueField = entry.field(number: 2) else {
            throw .unknownType(entry.fullName)
        }
        for member in members {
            let memberPath = "\(path)[\"\(member.key)\"]"
            var payload = WireWriter()
            let key: JSONValue = keyField.kind == .bool ? .bool(member.key == "true") : .string(member.key)
            if keyField.kind == .bool, member.key != "true", member.key != "false" {
                throw .invalidValue(path: memberPath, reason: "a bool map key must be \"true\" or \"false\"")
            }
            try writeSingle(keyField, key, path: memberPath, presence: true, into: &payload)
            try writeSingle(valueField, member.value, path: memberPath, presence: true, into: &payload)
            writer.key(field.number, .lengthDelimited)
            writer.lengthDelimited(payload.bytes)
        }
    }

    private func timestamp(_ json: JSONValue, path: String) throws(ProtoJSONError) -> [UInt8] {
        guard case .string(let text) = json else {
            throw .invalidValue(
                path: path,
                reason: "expected an RFC 3339 time such as \"2024-05-01T08:00:00Z\", got \(json.kindDescription)")
        }
        guard let (seconds, nanos) = RFC3339.parse(text) else {
            throw .invalidValue(
                path: path,
                reason: "'\(text)' is not an RFC 3339 time between years 0001 and 9999 (e.g. 2024-05-01T08:00:00+08:00)"
            )
        }
        var writer = WireWriter()
        if seconds != 0 {
            writer.key(1, .varint)
            writer.varint(UInt64(bitPattern: seconds))
        }
        if nanos != 0 {
            writer.key(2, .varint)
            writer.varint(UInt64(bitPattern: Int64(nanos)))
        }
        return writer.bytes
    }
}

/// Names of the well-known types the mapping writes specially.
enum WellKnown {
    static let timestamp = "google.protobuf.Timestamp"
}
