// The platform's one calendar-date type: the policy engine, the services, the replay and the CLI all
// count days with it. Plain integer arithmetic (no Calendar, no time-zone database): the engine
// runs ~150,000 times in the replay benchmark.

/// A date of the proleptic Gregorian calendar (year, month, day), without a time zone.
///
/// Construction with `init(_:_:_:)` does not validate, so a caller's impossible date (2021-02-30)
/// can travel to the code that reports it with a rule id; `isValid` and `init?(validating:_:_:)`
/// check. Ordered by (year, month, day); `description` is `YYYY-MM-DD`, which sorts the same way.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `nil` unless the date exists (years 1...9999).
    public init?(validating year: Int, _ month: Int, _ day: Int) {
        let date = CivilDate(year, month, day)
        guard date.isValid else { return nil }
        self = date
    }

    /// Parses `YYYY-MM-DD` (exactly that shape, ASCII digits); `nil` for another shape or a date
    /// that does not exist.
    public init?(iso text: some StringProtocol) {
        guard let date = CivilDate.parseShape(text), date.isValid else { return nil }
        self = date
    }

    /// Divisible by 4, except centuries not divisible by 400.
    public static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Days in `month` (1...12) of `year`; 0 for a month outside 1...12.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    /// Whether the date exists, years 1...9999.
    public var isValid: Bool {
        (1...9999).contains(year) && (1...12).contains(month) && day >= 1
            && day <= CivilDate.daysInMonth(year: year, month: month)
    }

    /// Days since 1970-01-01, negative before (H. Hinnant's days_from_civil).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `dayNumber` days after 1970-01-01 (civil_from_days, the inverse of `dayNumber`).
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The date of an instant (seconds since the Unix epoch) at a fixed UTC offset. Asia/Shanghai
    /// has been UTC+8 without daylight saving since 1991, so a fixed offset is all the platform needs.
    public init(epochSeconds: Int64, utcOffsetSeconds: Int) {
        let local = epochSeconds + Int64(utcOffsetSeconds)
        var days = local / 86_400
        if local % 86_400 < 0 { days -= 1 }
        self.init(dayNumber: Int(days))
    }

    /// The date `days` later (earlier when negative).
    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// Days from `self` to `other`: positive when `other` is later.
    public func days(until other: CivilDate) -> Int { other.dayNumber - dayNumber }

    /// The first day of this date's month.
    public var firstOfMonth: CivilDate { CivilDate(year, month, 1) }

    /// The first day of the following month.
    public var firstOfNextMonth: CivilDate { month == 12 ? CivilDate(year + 1, 1, 1) : CivilDate(year, month + 1, 1) }

    /// The last day of this date's month.
    public var lastOfMonth: CivilDate { CivilDate(year, month, CivilDate.daysInMonth(year: year, month: month)) }

    /// `YYYY-MM`.
    public var monthText: String { CivilDate.pad(year, 4) + "-" + CivilDate.pad(month, 2) }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        CivilDate.pad(year, 4) + "-" + CivilDate.pad(month, 2) + "-" + CivilDate.pad(day, 2)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `YYYY-MM-DD` by shape only, so 2021-02-30 parses (with `isValid` false): for inputs whose
    /// impossible dates are reported later, with the rule that needs them.
    public static func parseShape(_ text: some StringProtocol) -> CivilDate? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return CivilDate(year, month, day)
    }
}

extension CivilDate: Codable {
    /// The string `YYYY-MM-DD`. Decoding checks the shape only: an impossible date such as
    /// 2021-02-30 decodes with `isValid` false, so the policy engine can report it citing its rule.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate.parseShape(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected YYYY-MM-DD, got \(text)")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
