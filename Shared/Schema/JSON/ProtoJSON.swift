/// JSON <-> protobuf for any message of a descriptor set, by the proto3 JSON mapping
/// (https://protobuf.dev/programming-guides/json/), driven by the descriptors at run time.
///
/// ```swift
/// let json = try ProtoJSON()
/// let bytes = try json.encode(#"{"workerId": "w-1"}"#, as: "skills.v1.GetWorkerRequest")
/// let text = try json.decode(bytes, as: "skills.v1.Worker").serialized(pretty: true)
/// ```
///
/// Bad input throws ``ProtoJSONError`` naming the field path (`worker.hukou`) and the rule.
public struct ProtoJSON: Sendable {
    public let pool: DescriptorPool

    /// A mapping over `pool`; by default the schema compiled into this module.
    public init(pool: DescriptorPool) { self.pool = pool }
    public init() throws(ProtoJSONError) { self.pool = try DescriptorPool.embedded() }

    /// The protobuf encoding of `json` as message `typeName` (e.g. `skills.v1.Worker`).
    public func encode(_ json: JSONValue, as typeName: String) throws(ProtoJSONError) -> [UInt8] {
        try JSONToProtobuf(pool: pool).encode(json, as: try schema(typeName), path: "")
    }

    /// Parses JSON text and encodes it as message `typeName`.
    public func encode(_ text: String, as typeName: String) throws(ProtoJSONError) -> [UInt8] {
        try encode(try JSONParser.parse(text), as: typeName)
    }

    /// The JSON of protobuf `bytes` holding message `typeName`. With `emitDefaults`, fields at
    /// their default value are written too (`0`, `""`, `[]`, the zero enum name).
    public func decode(_ bytes: some Collection<UInt8>, as typeName: String, emitDefaults: Bool = false)
        throws(ProtoJSONError) -> JSONValue
    {
        try ProtobufToJSON(pool: pool, emitDefaults: emitDefaults).decode(
            ArraySlice(bytes), as: try schema(typeName), path: "")
    }

    private func schema(_ typeName: String) throws(ProtoJSONError) -> MessageSchema {
        guard let message = pool.message(named: typeName) else { throw .unknownType(typeName) }
        return message
    }
}
