// A civil date (year, month, day) in the policy's time zone (docs/POLICY.md: Asia/Shanghai for Dezhou).
// Plain integer date math only: the engine runs ~150,000 times in the replay benchmark, so no
// Calendar / DateFormatter in the decision path.

/// A calendar date in the policy's time zone. Construction does not validate; `isValid` does, and
/// the engine reports an invalid date as an input problem citing the rule that needs it.
public struct PolicyDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `nil` unless the date exists in the proleptic Gregorian calendar (years 1...9999).
    public init?(validating year: Int, _ month: Int, _ day: Int) {
        let d = PolicyDate(year, month, day)
        guard d.isValid else { return nil }
        self = d
    }

    /// Parses `YYYY-MM-DD` (exactly that shape, ASCII digits). Returns `nil` for another shape or an
    /// impossible date.
    public init?(iso text: String) {
        guard let d = PolicyDate.parseShape(text), d.isValid else { return nil }
        self = d
    }

    public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    public var isValid: Bool {
        year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1
            && day <= PolicyDate.daysInMonth(year: year, month: month)
    }

    /// Days since 1970-01-01 (negative before). Howard Hinnant's days_from_civil.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `dayNumber` (civil_from_days).
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The civil date of an instant (seconds since the Unix epoch, UTC) at a fixed UTC offset.
    /// Asia/Shanghai has been UTC+8 without daylight saving since 1991, so the policy file stores
    /// the offset (28800) and R3's "year" needs no time-zone database.
    public init(epochSeconds: Int64, utcOffsetSeconds: Int) {
        let local = epochSeconds + Int64(utcOffsetSeconds)
        var days = local / 86_400
        if local % 86_400 < 0 { days -= 1 }  // floor division for instants before 1970
        self.init(dayNumber: Int(days))
    }

    public static func < (a: PolicyDate, b: PolicyDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        PolicyDate.pad(year, 4) + "-" + PolicyDate.pad(month, 2) + "-" + PolicyDate.pad(day, 2)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Shape-only parse of `YYYY-MM-DD`; validity is checked separately.
    static func parseShape(_ text: String) -> PolicyDate? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                let c = u[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        return PolicyDate(y, m, d)
    }
}

extension PolicyDate: Codable {
    /// Encoded as the string `YYYY-MM-DD`. Decoding accepts the shape; an impossible date such as
    /// 2021-02-30 decodes (so a caller's bad input reaches the engine and is reported with a rule id)
    /// but `isValid` is false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = PolicyDate.parseShape(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected YYYY-MM-DD, got \(s)")
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
