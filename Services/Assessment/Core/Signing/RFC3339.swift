import Schema

/// RFC 3339 UTC timestamps in the form of protobuf's JSON mapping: `2020-05-01T08:30:00Z`, with
/// 3, 6 or 9 fractional digits only when the nanoseconds are not zero (`...:00.500Z`).
/// Pure arithmetic on the proleptic Gregorian calendar (no Foundation, no time zone database).
enum RFC3339 {
    static func format(_ timestamp: Google_Protobuf_Timestamp) -> String {
        // Normalise nanos into 0..<1e9.
        var seconds = timestamp.seconds
        var nanos = Int64(timestamp.nanos)
        seconds += nanos / 1_000_000_000
        nanos %= 1_000_000_000
        if nanos < 0 {
            nanos += 1_000_000_000
            seconds -= 1
        }
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if nanos != 0 {
            var digits = pad(nanos, 9)
            while digits.hasSuffix("000") { digits.removeLast(3) }
            text += "." + digits
        }
        return text + "Z"
    }

    /// Parses exactly the form `format` writes (any 1..9 fractional digits are accepted here;
    /// canonical-form checks are the caller's). Years 0001..9999.
    static func parse(_ text: String) -> Google_Protobuf_Timestamp? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z"),
            let year = number(b, 0, 4), let month = number(b, 5, 2), let day = number(b, 8, 2),
            let hour = number(b, 11, 2), let minute = number(b, 14, 2), let second = number(b, 17, 2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var nanos: Int64 = 0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), (22...30).contains(b.count),
                let fraction = number(b, 20, b.count - 21)
            else { return nil }
            nanos = fraction
            for _ in 0..<(9 - (b.count - 21)) { nanos *= 10 }
        } else if b.count != 20 {
            return nil
        }
        let days = self.days(fromCivil: year, month, day)
        return Google_Protobuf_Timestamp(
            seconds: days * 86_400 + hour * 3600 + minute * 60 + second, nanos: Int32(nanos))
    }

    /// The civil year of `timestamp` at a fixed UTC offset (Asia/Shanghai is UTC+8 all year).
    static func year(of timestamp: Google_Protobuf_Timestamp, utcOffsetSeconds: Int64) -> Int {
        Int(civil(fromDays: floorDiv(timestamp.seconds + utcOffsetSeconds, 86_400)).year)
    }

    // MARK: - Calendar arithmetic (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value < 0 ? -value : value)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard count > 0, start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[start..<(start + count)] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
