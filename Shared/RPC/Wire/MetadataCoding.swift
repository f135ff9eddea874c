import Essentials
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
    /// `-bin` values are base64-decoded, padded or not (values that do not decode are dropped).
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
