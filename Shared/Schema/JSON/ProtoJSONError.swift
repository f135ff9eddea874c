/// Why JSON could not be turned into a message, or a message into JSON.
///
/// Paths name the field the way a caller wrote it: `worker.name`, `rows[2].label`; the empty path
/// is the message itself.
public enum ProtoJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON.
    case syntax(offset: Int, reason: String)
    /// A JSON member names no field of the message.
    case unknownField(path: String, message: String)
    /// A value does not fit its field (wrong kind, out of range, unknown enum name ...).
    case invalidValue(path: String, reason: String)
    /// The descriptor set holds no message (or enum) of that name.
    case unknownType(String)
    /// Protobuf bytes that do not decode as the message.
    case malformed(path: String, message: String, reason: String)
    /// The descriptor set itself could not be read.
    case invalidDescriptorSet(String)

    public var description: String {
        switch self {
        case .syntax(let offset, let reason):
            return "invalid JSON at byte \(offset): \(reason)"
        case .unknownField(let path, let message):
            return "unknown field '\(path)' (\(message) has no such field)"
        case .invalidValue(let path, let reason):
            return path.isEmpty ? reason : "\(path): \(reason)"
        case .unknownType(let name):
            return "unknown message type \(name)"
        case .malformed(let path, let message, let reason):
            return "malformed \(message)\(path.isEmpty ? "" : " at \(path)"): \(reason)"
        case .invalidDescriptorSet(let reason):
            return "invalid descriptor set: \(reason)"
        }
    }
}

/// Builds the path of a member below `path`.
func joinPath(_ path: String, _ member: String) -> String {
    path.isEmpty ? member : "\(path).\(member)"
}
