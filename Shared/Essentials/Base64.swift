/// Base64 (RFC 4648): the proto3 JSON mapping's `bytes`, gRPC's `-bin` metadata and the embedded
/// descriptor set all use it.
///
/// Encoding writes the standard alphabet with `=` padding unless told otherwise. Decoding is strict
/// about everything but padding: padding may be left out (gRPC metadata, JSON from some writers),
/// but when present it makes the length a multiple of 4; any other character, whitespace included,
/// or a length no encoding produces, gives `nil`.
public enum Base64 {
    /// Which characters stand for the values 62 and 63.
    public struct Alphabets: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// `+` and `/` (RFC 4648 section 4).
        public static let standard = Alphabets(rawValue: 1)
        /// `-` and `_` (section 5, "base64url").
        public static let urlSafe = Alphabets(rawValue: 2)
    }

    private static let standardTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafeTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in base64: the standard alphabet unless `urlSafe`, padded with `=` unless not `padded`.
    public static func encode(_ bytes: some Collection<UInt8>, urlSafe: Bool = false, padded: Bool = true) -> String {
        let table = urlSafe ? urlSafeTable : standardTable
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = second == nil ? nil : iterator.next()
            let chunk = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            out.append(table[Int(chunk >> 18 & 63)])
            out.append(table[Int(chunk >> 12 & 63)])
            if second != nil {
                out.append(table[Int(chunk >> 6 & 63)])
            } else if padded {
                out.append(UInt8(ascii: "="))
            }
            if third != nil {
                out.append(table[Int(chunk & 63)])
            } else if padded {
                out.append(UInt8(ascii: "="))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `text` encodes, padded or not, in any of `alphabets` (mixing them is accepted when
    /// both are); `nil` for any other character or an impossible length.
    public static func decode(_ text: some StringProtocol, alphabets: Alphabets = .standard) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        var end = utf8.count
        while end > 0, utf8[end - 1] == UInt8(ascii: "=") { end -= 1 }
        let padding = utf8.count - end
        guard padding <= 2, end % 4 != 1 else { return nil }
        if padding > 0, utf8.count % 4 != 0 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(end * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in utf8[..<end] {
            guard let value = value(of: char, alphabets) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }

    private static func value(of char: UInt8, _ alphabets: Alphabets) -> UInt8? {
        switch char {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return char - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return char - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where alphabets.contains(.standard): return 62
        case UInt8(ascii: "/") where alphabets.contains(.standard): return 63
        case UInt8(ascii: "-") where alphabets.contains(.urlSafe): return 62
        case UInt8(ascii: "_") where alphabets.contains(.urlSafe): return 63
        default: return nil
        }
    }
}
