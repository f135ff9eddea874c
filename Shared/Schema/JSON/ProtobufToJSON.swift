import Essentials

/// Decodes protobuf bytes of a message into JSON, following the proto3 JSON mapping: json names,
/// enums by name (by number when the number is unknown), 64-bit integers as strings, bytes as
/// base64, `google.protobuf.Timestamp` as RFC 3339. Fields at their default value are left out
/// unless `emitDefaults` (fields with presence and set are always written). Unknown field numbers
/// are skipped.
struct ProtobufToJSON {
    let pool: DescriptorPool
    let emitDefaults: Bool
    /// Sub-messages nested deeper than this are refused (protobuf's own recursion limit).
    static let maxDepth = 100

    func decode(_ bytes: ArraySlice<UInt8>, as message: MessageSchema, path: String, depth: Int = 0)
        throws(ProtoJSONError) -> JSONValue
    {
        guard depth <= Self.maxDepth else {
            throw .malformed(
                path: path, message: message.fullName, reason: "nested deeper than \(Self.maxDepth) levels")
        }
        var values: [Int: [WireValue]] = [:]
        var oneofChoice: [Int: Int] = [:]
        var reader = WireReader(bytes)
        while true {
            let next: (number: Int, value: WireValue)?
            do throws(WireFailure) { next = try reader.field() } catch {
                throw .malformed(path: path, message: message.fullName, reason: error.reason)
            }
            guard let next else { break }
            let (number, value) = (next.number, next.value)
            guard let field = message.field(number: number) else { continue }
            try checkWireType(field, value, message: message, path: path)
            if let oneof = field.oneofIndex, let previous = oneofChoice[oneof], previous != number {
                values[previous] = nil
            }
            if let oneof = field.oneofIndex { oneofChoice[oneof] = number }
            values[number, default: []].append(value)
        }
        if message.fullName == WellKnown.timestamp { return try timestamp(values, path: path) }
        var members: [JSONValue.JSONMember] = []
        for field in message.fields {
            let fieldPath = joinPath(path, field.jsonName)
            guard let found = values[field.number] else {
                if emitDefaults, !field.hasPresence || field.isRepeated {
                    members.append(.init(field.jsonName, try defaultValue(field)))
                }
                continue
            }
            if let value = try render(field, found, path: fieldPath, depth: depth) {
                members.append(.init(field.jsonName, value))
            }
        }
        return .object(members)
    }

    private func checkWireType(_ field: FieldSchema, _ value: WireValue, message: MessageSchema, path: String)
        throws(ProtoJSONError)
    {
        let actual: WireType
        switch value {
        case .varint: actual = .varint
        case .fixed32: actual = .fixed32
        case .fixed64: actual = .fixed64
        case .bytes: actual = .lengthDelimited
        }
        if actual == field.kind.wireType { return }
        if field.isRepeated, field.kind.isPackable, actual == .lengthDelimited { return }
        throw .malformed(
            path: joinPath(path, field.jsonName), message: message.fullName,
            reason: "wire type \(actual.rawValue) does not fit a \(field.kind) field")
    }

    /// The JSON of one field from every value the wire held for it; nil when it is left out.
    private func render(_ field: FieldSchema, _ found: [WireValue], path: String, depth: Int) throws(ProtoJSONError)
        -> JSONValue?
    {
        if field.kind == .message {
            guard let message = pool.message(named: field.typeName) else { throw .unknownType(field.typeName) }
            var payloads: [ArraySlice<UInt8>] = []
            for value in found { if case .bytes(let slice) = value { payloads.append(slice) } }
            if field.isRepeated, message.isMapEntry {
                return try map(payloads, entry: message, path: path, depth: depth)
            }
            if field.isRepeated {
                var elements: [JSONValue] = []
                for (position, payload) in payloads.enumerated() {
                    elements.append(try decode(payload, as: message, path: "\(path)[\(position)]", depth: depth + 1))
                }
                return .array(elements)
            }
            // A singular message given several times is merged: the concatenation decodes to the merge.
            let merged = payloads.count == 1 ? payloads[0] : ArraySlice(payloads.flatMap { $0 })
            return try decode(merged, as: message, path: path, depth: depth + 1)
        }
        var scalars: [WireValue] = []
        for value in found {
            if case .bytes(let slice) = value, field.kind.isPackable {
                try unpack(slice, field, path: path, into: &scalars)
            } else {
                scalars.append(value)
            }
        }
        if field.isRepeated {
            var elements: [JSONValue] = []
            for (position, value) in scalars.enumerated() {
                elements.append(try scalar(field, value, path: "\(path)[\(position)]"))
            }
            return .array(elements)
        }
        guard let last = scalars.last else { return nil }
        let value = try scalar(field, last, path: path)
        if !field.hasPresence, !emitDefaults, isDefault(last) { return nil }
        return value
    }

    private func isDefault(_ value: WireValue) -> Bool {
        switch value {
        case .varint(let raw), .fixed64(let raw): return raw == 0
        case .fixed32(let raw): return raw == 0
        case .bytes(let slice): return slice.isEmpty
        }
    }

    private func unpack(_ slice: ArraySlice<UInt8>, _ field: FieldSchema, path: String, into out: inout [WireValue])
        throws(ProtoJSONError)
    {
        var reader = WireReader(slice)
        while !reader.isAtEnd {
            let value: WireValue?
            switch field.kind.wireType {
            case .varint: value = reader.varint().map(WireValue.varint)
            case .fixed32: value = reader.fixed32().map(WireValue.fixed32)
            default: value = reader.fixed64().map(WireValue.fixed64)
            }
            guard let value else {
                throw .malformed(
                    path: path, message: field.typeName.isEmpty ? "\(field.kind)" : field.typeName,
                    reason: "truncated packed values")
            }
            out.append(value)
        }
    }

    private func scalar(_ field: FieldSchema, _ value: WireValue, path: String) throws(ProtoJSONError) -> JSONValue {
        switch (field.kind, value) {
        case (.int32, .varint(let raw)): return .number(String(Int32(truncatingIfNeeded: raw)))
        case (.sint32, .varint(let raw)): return .number(String(Int32(truncatingIfNeeded: ZigZag.decode(raw))))
        case (.uint32, .varint(let raw)): return .number(String(UInt32(truncatingIfNeeded: raw)))
        case (.int64, .varint(let raw)): return .string(String(Int64(bitPattern: raw)))
        case (.sint64, .varint(let raw)): return .string(String(ZigZag.decode(raw)))
        case (.uint64, .varint(let raw)): return .string(String(raw))
        case (.bool, .varint(let raw)): return .bool(raw != 0)
        case (.enumeration, .varint(let raw)):
            let number = Int32(truncatingIfNeeded: raw)
            if let name = pool.enumeration(named: field.typeName)?.name(of: number) { return .string(name) }
            return .number(String(number))
        case (.fixed32, .fixed32(let raw)): return .number(String(raw))
        case (.sfixed32, .fixed32(let raw)): return .number(String(Int32(bitPattern: raw)))
        case (.float, .fixed32(let raw)):
            return floating(Double(Float(bitPattern: raw)), text: Float(bitPattern: raw).description)
        case (.fixed64, .fixed64(let raw)): return .string(String(raw))
        case (.sfixed64, .fixed64(let raw)): return .string(String(Int64(bitPattern: raw)))
        case (.double, .fixed64(let raw)):
            return floating(Double(bitPattern: raw), text: Double(bitPattern: raw).description)
        case (.string, .bytes(let slice)):
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw .malformed(
                    path: path, message: field.name, reason: "a string field holds bytes that are not UTF-8")
            }
            return .string(text)
        case (.bytes, .bytes(let slice)): return .string(Essentials.Base64.encode(slice))
        default:
            throw .malformed(
                path: path, message: field.name, reason: "a value of the wrong wire type for \(field.kind)")
        }
    }

    private func floating(_ number: Double, text: String) -> JSONValue {
        if number.isNaN { return .string("NaN") }
        if number.isInfinite { return .string(number < 0 ? "-Infinity" : "Infinity") }
        return .number(text)
    }

    private func map(_ payloads: [ArraySlice<UInt8>], entry: MessageSchema, path: String, depth: Int)
        throws(ProtoJSONError) -> JSONValue
    {
        guard let keyField = entry.field(number: 1), let valueField = entry.field(number: 2) else {
            throw .unknownType(entry.fullName)
        }
        let inner = ProtobufToJSON(pool: pool, emitDefaults: true)
        var members: [JSONValue.JSONMember] = []
        for payload in payloads {
            guard case .object(let fields) = try inner.decode(payload, as: entry, path: path, depth: depth + 1) else {
                continue
            }
            let key = fields.first { $0.key == keyField.jsonName }?.value
            let value = fields.first { $0.key == valueField.jsonName }?.value ?? .null
            let keyText: String
            switch key {
            case .string(let text)?: keyText = text
            case .number(let text)?: keyText = text
            case .bool(let flag)?: keyText = flag ? "true" : "false"
            default: keyText = ""
            }
            members.removeAll { $0.key == keyText }
            members.append(.init(keyText, value == .null && valueField.kind == .message ? .object([]) : value))
        }
        return .object(members)
    }

    private func defaultValue(_ field: FieldSchema) throws(ProtoJSONError) -> JSONValue {
        if field.isRepeated {
            if field.kind == .message, pool.message(named: field.typeName)?.isMapEntry == true { return .object([]) }
            return .array([])
        }
        switch field.kind {
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return .string("0")
        case .int32, .uint32, .sint32, .fixed32, .sfixed32, .double, .float: return .number("0")
        case .bool: return .bool(false)
        case .string, .bytes: return .string("")
        case .enumeration: return .string(pool.enumeration(named: field.typeName)?.name(of: 0) ?? "0")
        case .message, .group: return .null
        }
    }

    private func timestamp(_ values: [Int: [WireValue]], path: String) throws(ProtoJSONError) -> JSONValue {
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        if case .varint(let raw)? = values[1]?.last { seconds = Int64(bitPattern: raw) }
        if case .varint(let raw)? = values[2]?.last { nanos = Int32(truncatingIfNeeded: raw) }
        guard let text = RFC3339.format(seconds: seconds, nanos: nanos) else {
            throw .invalidValue(
                path: path, reason: "timestamp \(seconds) s \(nanos) ns is outside 0001-01-01..9999-12-31")
        }
        return .string(text)
    }
}
