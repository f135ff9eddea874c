import Essentials
import Schema

/// Certificate numbers: unique and unguessable.
///
/// Form: `DZ-YYYY-` + 16 characters of Crockford base32 (`0-9 A-Z` without `I L O U`) encoding
/// 80 bits from OpenSSL's `RAND_bytes` + 1 check character, e.g. `DZ-2020-7K3QX0M9D2F4G8HZ` + `R`
/// (25 characters). The check character is Luhn mod 32 over the 16 random characters (code
/// values 0..31 in alphabet order, doubling every second character from the right), which catches
/// every single-character typo and most adjacent swaps. `YYYY` is the year of issue on the business
/// date in Asia/Shanghai (`BusinessDay`): the wall clock's year in production, the played year in a
/// replay or demo started with `--accept-business-date`.
///
/// 80 random bits make a number unguessable (2^80 tries) and collisions negligible (about 4e-15
/// over 100 000 numbers); the store must still enforce uniqueness and retry on a clash.
public enum CertificateNumber {
    /// The issuing authority's prefix.
    public static let prefix = "DZ"
    /// Crockford's base32 alphabet.
    public static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    /// Random characters in a number (80 bits).
    public static let randomCharacters = 16
    /// Total length: "DZ-" + year + "-" + 16 + check.
    public static let length = 3 + 4 + 1 + randomCharacters + 1
    /// Asia/Shanghai has been UTC+8 all year since 1991.
    static let policyUTCOffsetSeconds: Int64 = 8 * 3600

    /// A fresh number for a certificate issued in `year` (1000...9999).
    public static func generate(year: Int) throws(SigningError) -> String {
        precondition((1000...9999).contains(year), "certificate year out of range: \(year)")
        let random = try LibCrypto.randomBytes(randomCharacters * 5 / 8)
        var codes: [Int] = []
        codes.reserveCapacity(randomCharacters)
        var buffer = 0
        var bits = 0
        for byte in random {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                codes.append((buffer >> bits) & 0x1F)
            }
            buffer &= (1 << bits) - 1
        }
        codes.append(checkCode(codes))
        return "\(prefix)-\(year)-" + String(decoding: codes.map { alphabet[$0] }, as: UTF8.self)
    }

    /// The year a well-formed number was issued in (`DZ-2021-...` -> 2021); nil otherwise.
    public static func year(of number: String) -> Int? {
        guard isWellFormed(number) else { return nil }
        return Int(number.dropFirst(prefix.count + 1).prefix(4))
    }

    /// A fresh number for a certificate issued at the instant `issuedAt` (its year in the policy's
    /// time zone); the service numbers by the business date instead (`generate(year:)`).
    public static func generate(issuedAt: Google_Protobuf_Timestamp) throws(SigningError) -> String {
        try generate(
            year: CivilDate(epochSeconds: issuedAt.seconds, utcOffsetSeconds: Int(policyUTCOffsetSeconds)).year)
    }

    /// Whether `text` has the form of a certificate number with a correct check character. A
    /// cheap test before any lookup: a well-formed number may still be unknown.
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let head = Array("\(prefix)-".utf8)
        guard bytes.count == length, Array(bytes.prefix(head.count)) == head,
            bytes[head.count + 4] == UInt8(ascii: "-")
        else { return false }
        for byte in bytes[head.count..<(head.count + 4)] where !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            return false
        }
        var codes: [Int] = []
        for byte in bytes[(head.count + 5)...] {
            guard let code = code(of: byte) else { return false }
            codes.append(code)
        }
        let check = codes.removeLast()
        return checkCode(codes) == check
    }

    private static func code(of byte: UInt8) -> Int? {
        alphabet.firstIndex(of: byte)
    }

    /// Luhn mod N (N = 32): the code that makes the weighted sum of `codes` + check a multiple of 32.
    static func checkCode(_ codes: [Int]) -> Int {
        let n = alphabet.count
        var factor = 2
        var sum = 0
        for code in codes.reversed() {
            let addend = factor * code
            sum += addend / n + addend % n
            factor = factor == 2 ? 1 : 2
        }
        return (n - sum % n) % n
    }
}
