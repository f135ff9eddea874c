/// Every message, enum and service of a `google.protobuf.FileDescriptorSet`, read at run time.
///
/// ``embedded`` reads ``SchemaDescriptorSet/bytes``, the set of every file under `Protos/`, so the
/// JSON mapping works for every method (health and reflection included) without generated code.
public struct DescriptorPool: Sendable {
    public private(set) var messages: [String: MessageSchema] = [:]
    public private(set) var enums: [String: EnumSchema] = [:]
    /// Services in file order.
    public private(set) var services: [ServiceSchema] = []

    private static let embeddedResult = Result { () throws(ProtoJSONError) -> DescriptorPool in
        try DescriptorPool(descriptorSet: SchemaDescriptorSet.bytes)
    }

    /// The pool of the schema compiled into this module.
    public static func embedded() throws(ProtoJSONError) -> DescriptorPool { try embeddedResult.get() }

    /// Reads an encoded `FileDescriptorSet`.
    public init(descriptorSet: [UInt8]) throws(ProtoJSONError) {
        do throws(WireFailure) {
            for file in try Self.records(descriptorSet[...], field: 1) { try readFile(file) }
        } catch {
            throw .invalidDescriptorSet(error.reason)
        }
    }

    public func message(named name: String) -> MessageSchema? { messages[Self.trimmed(name)] }
    public func enumeration(named name: String) -> EnumSchema? { enums[Self.trimmed(name)] }
    public func service(named name: String) -> ServiceSchema? { services.first { $0.fullName == Self.trimmed(name) } }

    private static func trimmed(_ name: String) -> String { name.hasPrefix(".") ? String(name.dropFirst()) : name }

    // MARK: Reading descriptor protos

    /// Every length-delimited value of field `field`.
    private static func records(_ bytes: ArraySlice<UInt8>, field wanted: Int) throws(WireFailure) -> [ArraySlice<
        UInt8
    >] {
        var reader = WireReader(bytes)
        var out: [ArraySlice<UInt8>] = []
        while let field = try reader.field() {
            if field.number == wanted, case .bytes(let slice) = field.value { out.append(slice) }
        }
        return out
    }

    /// The fields of one descriptor proto, by number (the last value of each wins, like protobuf).
    private static func scalars(_ bytes: ArraySlice<UInt8>) throws(WireFailure) -> [Int: WireValue] {
        var reader = WireReader(bytes)
        var out: [Int: WireValue] = [:]
        while let field = try reader.field() { out[field.number] = field.value }
        return out
    }

    private static func text(_ value: WireValue?) -> String {
        guard case .bytes(let slice) = value else { return "" }
        return String(decoding: slice, as: UTF8.self)
    }

    private static func integer(_ value: WireValue?) -> Int64? {
        guard case .varint(let raw) = value else { return nil }
        return Int64(bitPattern: raw)
    }

    private mutating func readFile(_ file: ArraySlice<UInt8>) throws(WireFailure) {
        let package = Self.text(try Self.scalars(file)[2])
        let scope = package.isEmpty ? "" : package + "."
        for message in try Self.records(file, field: 4) { try readMessage(message, scope: scope) }
        for enumeration in try Self.records(file, field: 5) { try readEnum(enumeration, scope: scope) }
        for service in try Self.records(file, field: 6) { try readService(service, scope: scope) }
    }

    private mutating func readMessage(_ bytes: ArraySlice<UInt8>, scope: String) throws(WireFailure) {
        let top = try Self.scalars(bytes)
        let fullName = scope + Self.text(top[1])
        var isMapEntry = false
        if case .bytes(let options) = top[7] {
            isMapEntry = Self.integer(try Self.scalars(options)[7]).map { $0 != 0 } ?? false
        }
        var fields: [FieldSchema] = []
        for record in try Self.records(bytes, field: 2) { fields.append(try Self.readField(record, in: fullName)) }
        var oneofNames: [String] = []
        for record in try Self.records(bytes, field: 8) { oneofNames.append(Self.text(try Self.scalars(record)[1])) }
        messages[fullName] = MessageSchema(
            fullName: fullName, fields: fields, oneofNames: oneofNames, isMapEntry: isMapEntry)
        for nested in try Self.records(bytes, field: 3) { try readMessage(nested, scope: fullName + ".") }
        for nested in try Self.records(bytes, field: 4) { try readEnum(nested, scope: fullName + ".") }
    }

    private static func readField(_ bytes: ArraySlice<UInt8>, in message: String) throws(WireFailure) -> FieldSchema {
        let values = try scalars(bytes)
        let name = text(values[1])
        guard let number = integer(values[3]), number > 0, number <= 536_870_911 else {
            throw WireFailure("\(message).\(name) has no valid field number")
        }
        guard let rawKind = integer(values[5]), let kind = FieldSchema.Kind(rawValue: Int(rawKind)) else {
            throw WireFailure("\(message).\(name) has an unknown type")
        }
        guard kind != .group else {
            throw WireFailure("\(message).\(name) is a group, which the JSON mapping does not support")
        }
        var packed = true
        if case .bytes(let options) = values[8], let explicit = integer(try scalars(options)[2]) {
            packed = explicit != 0
        }
        let jsonName = text(values[10])
        return FieldSchema(
            name: name, jsonName: jsonName.isEmpty ? lowerCamelCase(name) : jsonName, number: Int(number), kind: kind,
            isRepeated: integer(values[4]) == 3, typeName: trimmed(text(values[6])),
            oneofIndex: integer(values[9]).map { Int($0) },
            isProto3Optional: integer(values[17]).map { $0 != 0 } ?? false,
            isPacked: packed && kind.isPackable)
    }

    /// protoc's json_name rule: drop underscores, upper-case the letter after each.
    static func lowerCamelCase(_ name: String) -> String {
        var out = ""
        var upperNext = false
        for character in name {
            if character == "_" {
                upperNext = true
            } else {
                out += upperNext ? character.uppercased() : String(character)
                upperNext = false
            }
        }
        return out
    }

    private mutating func readEnum(_ bytes: ArraySlice<UInt8>, scope: String) throws(WireFailure) {
        let fullName = scope + Self.text(try Self.scalars(bytes)[1])
        var values: [(name: String, number: Int32)] = []
        for record in try Self.records(bytes, field: 2) {
            let fields = try Self.scalars(record)
            values.append((Self.text(fields[1]), Int32(truncatingIfNeeded: Self.integer(fields[2]) ?? 0)))
        }
        enums[fullName] = EnumSchema(fullName: fullName, values: values)
    }

    private mutating func readService(_ bytes: ArraySlice<UInt8>, scope: String) throws(WireFailure) {
        let fullName = scope + Self.text(try Self.scalars(bytes)[1])
        var methods: [MethodSchema] = []
        for record in try Self.records(bytes, field: 2) {
            let fields = try Self.scalars(record)
            methods.append(
                MethodSchema(
                    name: Self.text(fields[1]), inputType: Self.trimmed(Self.text(fields[2])),
                    outputType: Self.trimmed(Self.text(fields[3])),
                    clientStreaming: Self.integer(fields[5]).map { $0 != 0 } ?? false,
                    serverStreaming: Self.integer(fields[6]).map { $0 != 0 } ?? false))
        }
        services.append(ServiceSchema(fullName: fullName, methods: methods))
    }
}
