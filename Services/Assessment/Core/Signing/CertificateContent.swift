import Essentials
import Schema

/// The canonical signed content of a certificate: the exact bytes in `Certificate.content` that
/// `Certificate.signature` signs (A4).
///
/// The contract defines no dedicated message for these bytes, so they are **canonical JSON**,
/// UTF-8, one flat object, keys sorted by byte value, no whitespace, every key always present:
///
///     {"assessment_id":"a-1","enrollment_id":"","format":"skills.v1.certificate-content/1",
///      "issued_at":"2020-05-01T08:30:00Z","issuer":"德州市职业技能鉴定中心",
///      "kind":"CERTIFICATE_KIND_SKILL_LEVEL","level":4,"number":"DZ-2020-...",
///      "occupation_code":"4-10-01-01","occupation_name":"家政服务员","worker_id":"w-1",
///      "worker_id_number":"37140219900101123X","worker_name":"张三"}
///
/// (shown wrapped; the real bytes are one line with no spaces). The fields are every field of
/// `skills.v1.Certificate` that is fixed at issue time, under their .proto names, with
/// `occupation` flattened to `occupation_code` / `occupation_name`; the mutable or derived fields
/// (`content`, `signature`, `key_id`, `revoked`, `revocation_reason`, `revoked_at`) are not signed.
///
/// - `format` is the constant `skills.v1.certificate-content/1`: a version, and a domain
///   separator so that no other data signed with the key can pass for a certificate.
/// - `kind` is the `CertificateKind` value name from common.proto; `level` is the national level
///   number 1..5 (0 = none), a JSON integer.
/// - `issued_at` is RFC 3339 in UTC as in protobuf's JSON mapping (`2020-05-01T08:30:00Z`; 3, 6
///   or 9 fractional digits only when non-zero); "" if unset.
/// - Strings are written as RFC 8785 (JCS) does: only `"` `\` and control characters are escaped
///   (`\b \f \n \r \t`, others `\u00xx`), everything else is literal UTF-8.
///
/// This is the same as RFC 8785 output and as Python's
/// `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()`, so a
/// department can rebuild and check the bytes in any language. `init(bytes:)` accepts only bytes
/// in exactly this form (it re-encodes and compares).
public struct CertificateContent: Sendable, Equatable {
    /// The value of the `format` key.
    public static let format = "skills.v1.certificate-content/1"

    public var number: String
    public var kind: CertificateKind
    public var level: SkillLevel
    public var workerId: String
    public var workerIdNumber: String
    public var workerName: String
    public var occupationCode: String
    public var occupationName: String
    public var issuedAt: Google_Protobuf_Timestamp?
    public var issuer: String
    public var assessmentId: String
    public var enrollmentId: String

    public init(
        number: String = "", kind: CertificateKind = .unspecified, level: SkillLevel = .unspecified,
        workerId: String = "", workerIdNumber: String = "", workerName: String = "",
        occupationCode: String = "", occupationName: String = "",
        issuedAt: Google_Protobuf_Timestamp? = nil, issuer: String = "",
        assessmentId: String = "", enrollmentId: String = ""
    ) {
        self.number = number
        self.kind = kind
        self.level = level
        self.workerId = workerId
        self.workerIdNumber = workerIdNumber
        self.workerName = workerName
        self.occupationCode = occupationCode
        self.occupationName = occupationName
        self.issuedAt = issuedAt
        self.issuer = issuer
        self.assessmentId = assessmentId
        self.enrollmentId = enrollmentId
    }

    /// The signed fields of `certificate` (its `content` and `signature` are ignored).
    public init(_ certificate: Certificate) {
        self.init(
            number: certificate.number, kind: certificate.kind, level: certificate.level,
            workerId: certificate.workerId, workerIdNumber: certificate.workerIdNumber,
            workerName: certificate.workerName,
            occupationCode: certificate.occupation?.code ?? "", occupationName: certificate.occupation?.name ?? "",
            issuedAt: certificate.issuedAt, issuer: certificate.issuer,
            assessmentId: certificate.assessmentId, enrollmentId: certificate.enrollmentId
        )
    }

    /// Copies the signed fields into `certificate` (leaves content, signature, key and revocation).
    public func apply(to certificate: inout Certificate) {
        certificate.number = number
        certificate.kind = kind
        certificate.level = level
        certificate.workerId = workerId
        certificate.workerIdNumber = workerIdNumber
        certificate.workerName = workerName
        certificate.occupation =
            occupationCode.isEmpty && occupationName.isEmpty
            ? nil : Occupation(code: occupationCode, name: occupationName)
        certificate.issuedAt = issuedAt
        certificate.issuer = issuer
        certificate.assessmentId = assessmentId
        certificate.enrollmentId = enrollmentId
    }

    // MARK: - Encoding

    private enum Value: Equatable {
        case string(String)
        case integer(Int64)
    }

    /// Key -> value, in the sorted order the bytes use.
    private var fields: [(key: String, value: Value)] {
        let unsorted: [(key: String, value: Value)] = [
            ("assessment_id", .string(assessmentId)),
            ("enrollment_id", .string(enrollmentId)),
            ("format", .string(Self.format)),
            ("issued_at", .string(issuedAt.map(Self.text(of:)) ?? "")),
            ("issuer", .string(issuer)),
            ("kind", .string(kind.protoName)),
            ("level", .integer(Int64(level.rawValue))),
            ("number", .string(number)),
            ("occupation_code", .string(occupationCode)),
            ("occupation_name", .string(occupationName)),
            ("worker_id", .string(workerId)),
            ("worker_id_number", .string(workerIdNumber)),
            ("worker_name", .string(workerName)),
        ]
        return unsorted.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    static let keys: Set<String> = Set(CertificateContent().fields.map(\.key))

    /// The canonical bytes (see the type's documentation).
    public func bytes() -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch field.value {
            case .string(let text): Self.appendString(text, to: &out)
            case .integer(let number): out.append(contentsOf: String(number).utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `issued_at` as protobuf's JSON mapping writes it (nanoseconds outside 0..<1e9 carried into
    /// the seconds first); "" outside years 1...9999, which no issuing clock reaches.
    private static func text(of timestamp: Google_Protobuf_Timestamp) -> String {
        var seconds = timestamp.seconds + Int64(timestamp.nanos / 1_000_000_000)
        var nanos = timestamp.nanos % 1_000_000_000
        if nanos < 0 {
            nanos += 1_000_000_000
            seconds -= 1
        }
        return RFC3339.format(seconds: seconds, nanos: nanos) ?? ""
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: - Parsing

    /// Parses canonical content bytes back, so verification can show what was signed. Throws unless
    /// `bytes` is exactly what `bytes()` would write for the parsed values.
    public init(bytes: [UInt8]) throws(CertificateContentError) {
        let object = try Self.members(of: bytes)
        guard Set(object.keys) == Self.keys else {
            let missing = Self.keys.subtracting(object.keys).sorted()
            let extra = Set(object.keys).subtracting(Self.keys).sorted()
            throw .wrongFields(missing: missing, unexpected: extra)
        }
        func string(_ key: String) throws(CertificateContentError) -> String {
            guard case .string(let text)? = object[key] else { throw .wrongType(key) }
            return text
        }
        guard try string("format") == Self.format else { throw .unsupportedFormat(try string("format")) }
        guard case .integer(let level)? = object["level"], let level32 = Int32(exactly: level) else {
            throw .wrongType("level")
        }
        let kindName = try string("kind")
        guard let kind = Self.kind(named: kindName) else { throw .badValue("kind", kindName) }
        let issued = try string("issued_at")
        var issuedAt: Google_Protobuf_Timestamp? = nil
        if !issued.isEmpty {
            guard let parsed = RFC3339.parse(issued, utcOnly: true) else { throw .badValue("issued_at", issued) }
            issuedAt = Google_Protobuf_Timestamp(seconds: parsed.seconds, nanos: parsed.nanos)
        }
        self.init(
            number: try string("number"), kind: kind, level: SkillLevel(rawValue: level32),
            workerId: try string("worker_id"), workerIdNumber: try string("worker_id_number"),
            workerName: try string("worker_name"),
            occupationCode: try string("occupation_code"), occupationName: try string("occupation_name"),
            issuedAt: issuedAt, issuer: try string("issuer"),
            assessmentId: try string("assessment_id"), enrollmentId: try string("enrollment_id")
        )
        guard self.bytes() == bytes else { throw .notCanonical }
    }

    private static func kind(named name: String) -> CertificateKind? {
        if let known = CertificateKind.allCases.first(where: { $0.protoName == name }) { return known }
        // `protoName` of an unrecognised value is its number.
        if let number = Int32(name) { return CertificateKind(rawValue: number) }
        return nil
    }

    /// The members of a flat JSON object of strings and integers, read with the Schema module's
    /// parser. Layout, escapes and number forms it accepts but `bytes()` would not write are caught
    /// by the caller's canonical re-encoding check.
    private static func members(of bytes: [UInt8]) throws(CertificateContentError) -> [String: Value] {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            guard case .syntax(let offset, _) = error else { throw .malformed(at: 0) }
            throw .malformed(at: offset)
        }
        guard case .object(let members) = document else { throw .malformed(at: 0) }
        var result: [String: Value] = [:]
        for member in members {
            let value: Value
            switch member.value {
            case .string(let text): value = .string(text)
            case .number(let literal):
                guard let number = Int64(literal) else { throw .wrongType(member.key) }
                value = .integer(number)
            default: throw .wrongType(member.key)
            }
            guard result.updateValue(value, forKey: member.key) == nil else { throw .duplicateKey(member.key) }
        }
        return result
    }
}

/// Why bytes are not canonical certificate content.
public enum CertificateContentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a flat JSON object of strings and integers without whitespace.
    case malformed(at: Int)
    case duplicateKey(String)
    case wrongFields(missing: [String], unexpected: [String])
    case wrongType(String)
    case badValue(String, String)
    case unsupportedFormat(String)
    /// Parses, but is not byte-for-byte the canonical encoding of what it contains.
    case notCanonical

    public var description: String {
        switch self {
        case .malformed(let offset): return "certificate content is not canonical JSON (at byte \(offset))"
        case .duplicateKey(let key): return "certificate content repeats the key \"\(key)\""
        case .wrongFields(let missing, let unexpected):
            return "certificate content has the wrong fields (missing: \(missing), unexpected: \(unexpected))"
        case .wrongType(let key): return "certificate content field \"\(key)\" has the wrong type"
        case .badValue(let key, let value): return "certificate content field \"\(key)\" has a bad value \"\(value)\""
        case .unsupportedFormat(let format): return "unsupported certificate content format \"\(format)\""
        case .notCanonical: return "certificate content is not in canonical form"
        }
    }
}
