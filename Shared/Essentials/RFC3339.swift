/// RFC 3339 timestamps in UTC, as the proto3 JSON mapping, the signed certificate content and the
/// services' own rows write them: `2020-05-01T08:30:00Z`, between 0001-01-01T00:00:00Z and
/// 9999-12-31T23:59:59.999999999Z. Integer arithmetic on `CivilDate`: no Foundation, no ICU (a
/// formatter made per call once cost ~28% of a server's CPU, since every mutation stamps rows).
public enum RFC3339 {
    /// 0001-01-01T00:00:00Z in seconds since the Unix epoch.
    public static let minSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z in seconds since the Unix epoch.
    public static let maxSeconds: Int64 = 253_402_300_799

    /// How many fraction digits `format` writes.
    public enum Fraction: Sendable {
        /// None for whole seconds, else 3, 6 or 9 digits, the fewest that are exact (protobuf's JSON).
        case shortest
        /// Always 3 digits (`.000`), truncating below the millisecond.
        case milliseconds
    }

    /// The text of an instant; `nil` when `nanos` is outside 0...999,999,999 or the instant
    /// outside years 1...9999.
    public static func format(seconds: Int64, nanos: Int32, fraction: Fraction = .shortest) -> String? {
        guard seconds >= minSeconds, seconds <= maxSeconds, nanos >= 0, nanos <= 999_999_999 else { return nil }
        var days = seconds / 86_400
        if seconds % 86_400 < 0 { days -= 1 }
        let secondOfDay = Int(seconds - days * 86_400)
        let date = CivilDate(dayNumber: Int(days))
        var out: [UInt8] = []
        out.reserveCapacity(30)
        append(date.year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        append(date.month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        append(date.day, 2, to: &out)
        out.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, 2, to: &out)
        let nanos = Int(nanos)
        switch fraction {
        case .milliseconds:
            out.append(UInt8(ascii: "."))
            append(nanos / 1_000_000, 3, to: &out)
        case .shortest where nanos == 0:
            break
        case .shortest:
            out.append(UInt8(ascii: "."))
            if nanos % 1_000_000 == 0 {
                append(nanos / 1_000_000, 3, to: &out)
            } else if nanos % 1000 == 0 {
                append(nanos / 1000, 6, to: &out)
            } else {
                append(nanos, 9, to: &out)
            }
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Seconds and nanoseconds since the Unix epoch, or `nil` when `text` is not an RFC 3339 time
    /// in range. Takes 1 to 9 fraction digits and `T`/`t`; the zone is `Z`/`z`, or an offset such
    /// as `+08:00` unless `utcOnly` (then only `Z`, and only upper-case `T`).
    public static func parse(_ text: some StringProtocol, utcOnly: Bool = false) -> (seconds: Int64, nanos: Int32)? {
        var scanner = Scanner(bytes: Array(text.utf8))
        guard let year = scanner.number(4), scanner.expect("-"), let month = scanner.number(2), scanner.expect("-"),
            let day = scanner.number(2), scanner.expect(utcOnly ? "T" : "Tt"),
            let hour = scanner.number(2), scanner.expect(":"), let minute = scanner.number(2), scanner.expect(":"),
            let second = scanner.number(2),
            let date = CivilDate(validating: year, month, day), hour < 24, minute < 60, second < 60
        else { return nil }
        var nanos = 0
        if scanner.expect(".") {
            var digits = 0
            while let digit = scanner.digit() {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + digit
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset = 0
        if scanner.expect(utcOnly ? "Z" : "Zz") {
            offset = 0
        } else if !utcOnly, let sign = scanner.sign() {
            guard let hours = scanner.number(2), scanner.expect(":"), let minutes = scanner.number(2), hours < 24,
                minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * sign
        } else {
            return nil
        }
        guard scanner.atEnd else { return nil }
        let seconds = Int64(date.dayNumber * 86_400 + hour * 3600 + minute * 60 + second - offset)
        guard seconds >= minSeconds, seconds <= maxSeconds else { return nil }
        return (seconds, Int32(nanos))
    }

    private static func append(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for _ in digits.count..<max(width, digits.count) { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: digits.reversed())
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else {
                return nil
            }
            index += 1
            return Int(bytes[index - 1] - UInt8(ascii: "0"))
        }

        mutating func number(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func expect(_ characters: StaticString) -> Bool {
            guard index < bytes.count else { return false }
            let allowed = UnsafeBufferPointer(start: characters.utf8Start, count: characters.utf8CodeUnitCount)
            guard allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }

        mutating func sign() -> Int? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "+"):
                index += 1
                return 1
            case UInt8(ascii: "-"):
                index += 1
                return -1
            default: return nil
            }
        }
    }
}
