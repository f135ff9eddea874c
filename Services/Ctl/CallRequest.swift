import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// A problem with what the operator typed (exit 2), as opposed to an answer from the platform.
struct UsageProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Builds the JSON request of `skillsctl call` from `--json` (inline, `@file` or `-` for standard
/// input), the `--set path=value` overrides and `--request-id`.
struct CallRequest {
    let pool: DescriptorPool
    let message: MessageSchema

    /// The `--json` argument's text.
    static func text(of source: String) throws(UsageProblem) -> String {
        if source == "-" { return try readAll(descriptor: 0, name: "standard input") }
        if source.hasPrefix("@") {
            let path = String(source.dropFirst())
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                throw UsageProblem("cannot read --json file '\(path)': \(String(cString: strerror(errno)))")
            }
            defer { close(descriptor) }
            return try readAll(descriptor: descriptor, name: path)
        }
        return source
    }

    private static func readAll(descriptor: Int32, name: String) throws(UsageProblem) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw UsageProblem("cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= SchemaLimits.maxMessageBytes else {
                throw UsageProblem("\(name) is larger than \(SchemaLimits.maxMessageBytes) bytes")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw UsageProblem("\(name) is not UTF-8 text")
        }
        return text
    }

    /// Applies `path=value`: the path names fields by json or proto name through singular message
    /// fields (`worker.name`); the value is taken as text for string, bytes and enum fields and
    /// parsed as JSON for the others (`--set worker.categories='[...]'`).
    func applying(_ assignment: String, to request: JSONValue) throws(UsageProblem) -> JSONValue {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw UsageProblem("--set '\(assignment)' is not path=value")
        }
        let path = assignment[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let raw = String(assignment[assignment.index(after: equals)...])
        guard !path.isEmpty, !path.contains(where: \.isEmpty) else {
            throw UsageProblem("--set '\(assignment)': empty field name in the path")
        }
        var fields: [FieldSchema] = []
        var current = message
        for (position, key) in path.enumerated() {
            guard let field = current.field(jsonKey: key) else {
                throw UsageProblem(
                    "--set \(path.prefix(position + 1).joined(separator: ".")): \(current.fullName) has no field '\(key)'"
                )
            }
            fields.append(field)
            if position < path.count - 1 {
                guard field.kind == .message, !field.isRepeated, let next = pool.message(named: field.typeName) else {
                    throw UsageProblem(
                        "--set \(path.prefix(position + 1).joined(separator: ".")) is not a message field, so it has no '\(path[position + 1])'"
                    )
                }
                current = next
            }
        }
        guard let last = fields.last else { throw UsageProblem("--set '\(assignment)' names no field") }
        let value: JSONValue
        if !last.isRepeated,
            [.string, .bytes, .enumeration].contains(last.kind) || last.typeName == "google.protobuf.Timestamp"
        {
            value = .string(raw)
        } else {
            do throws(ProtoJSONError) {
                value = try JSONParser.parse(raw)
            } catch {
                throw UsageProblem("--set \(path.joined(separator: ".")): '\(raw)' is not a JSON value (\(error))")
            }
        }
        return Self.setting(value, at: fields[...], in: request)
    }

    private static func setting(_ value: JSONValue, at fields: ArraySlice<FieldSchema>, in object: JSONValue)
        -> JSONValue
    {
        guard let field = fields.first else { return value }
        var members: [JSONValue.JSONMember] = []
        if case .object(let existing) = object { members = existing }
        let previous = members.last { $0.key == field.jsonName || $0.key == field.name }?.value ?? .object([])
        members.removeAll { $0.key == field.jsonName || $0.key == field.name }
        members.append(.init(field.jsonName, setting(value, at: fields.dropFirst(), in: previous)))
        return .object(members)
    }

    /// `--request-id auto` fills an empty or missing `request_id` with a fresh id; any other
    /// value is used as given. Messages without the field are left alone by `auto`.
    func applyingRequestID(_ option: String, to request: JSONValue) throws(UsageProblem) -> JSONValue {
        guard let field = message.field(jsonKey: "request_id"), field.kind == .string, !field.isRepeated else {
            if option == "auto" { return request }
            throw UsageProblem("--request-id: \(message.fullName) has no request_id field")
        }
        if option != "auto" { return Self.setting(.string(option), at: [field], in: request) }
        let current = request[field.jsonName] ?? request[field.name]
        if case .string(let text)? = current, !text.isEmpty { return request }
        return Self.setting(.string(Self.freshRequestID()), at: [field], in: request)
    }

    static func freshRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = UInt64.random(in: .min ... .max, using: &generator)
        let low = UInt32.random(in: .min ... .max, using: &generator)
        return "cli-" + String(high, radix: 16).leftPadded(16, with: "0")
            + String(low, radix: 16).leftPadded(8, with: "0")
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
