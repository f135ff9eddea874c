import NIOHPACK
import Schema

/// Converting between gRPC metadata and HTTP/2 header lists.
enum MetadataCoding {
    /// Headers that belong to the protocol, never to the application's metadata.
    static let reserved: Set<String> = [
        "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status",
        "grpc-message", "grpc-status-details-bin", "user-agent", "content-length", "host", "connection",
    ]

    /// The application metadata in `headers`: pseudo-headers and reserved names are left out,
    /// `-bin` values are base64-decoded (values that do not decode are dropped).
    static func metadata(from headers: HPACKHeaders) -> Metadata {
        var metadata = Metadata()
        for (name, value, _) in headers {
            if name.hasPrefix(":") || reserved.contains(name) { continue }
            if name.hasSuffix("-bin") {
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    if let bytes = Base64.decode(part.trimmingSpaces) {
                        metadata.add(name, binary: bytes)
                    }
                }
            } else {
                metadata.add(name, value)
            }
        }
        return metadata
    }

    /// Appends `metadata` to `headers`, dropping names HTTP/2 cannot carry (upper case is
    /// lowered; names with other characters are skipped) and reserved names.
    static func append(_ metadata: Metadata, to headers: inout HPACKHeaders) {
        for entry in metadata {
            let name = entry.name.lowercased()
            guard isValidName(name), !reserved.contains(name), !name.hasPrefix(":") else { continue }
            switch entry.value {
            case .string(let value):
                headers.add(name: name, value: value)
            case .binary(let bytes):
                headers.add(name: name, value: Base64.encode(bytes))
            }
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}

/// Base64 as gRPC uses it for `-bin` metadata: standard alphabet; padding optional when decoding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(alphabet[Int(value >> 6 & 63)])
            out.append(alphabet[Int(value & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let value = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { break }
            let value = reverse[Int(byte)]
            if value == 0xFF { return nil }
            values.append(value)
        }
        if values.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index + 4 <= values.count {
            let v =
                UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
                | UInt32(values[index + 3])
            out.append(UInt8(v >> 16 & 0xFF))
            out.append(UInt8(v >> 8 & 0xFF))
            out.append(UInt8(v & 0xFF))
            index += 4
        }
        let rest = values.count - index
        if rest >= 2 {
            var v = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12
            if rest == 3 { v |= UInt32(values[index + 2]) << 6 }
            out.append(UInt8(v >> 16 & 0xFF))
            if rest == 3 { out.append(UInt8(v >> 8 & 0xFF)) }
        }
        return out
    }
}
