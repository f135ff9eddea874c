import Schema

/// A valid calendar date, as `YYYY-MM-DD` (sorts in date order as text).
struct Day: Comparable, Sendable {
    let year: Int
    let month: Int
    let day: Int

    init?(_ date: CalendarDate?) {
        guard let date else { return nil }
        let (y, m, d) = (Int(date.year), Int(date.month), Int(date.day))
        guard (1900...2200).contains(y), (1...12).contains(m), d >= 1, d <= Day.daysIn(month: m, year: y) else { return nil }
        (year, month, day) = (y, m, d)
    }

    init(year: Int, month: Int, day: Int) {
        (self.year, self.month, self.day) = (year, month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    var text: String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    var calendarDate: CalendarDate { CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day)) }

    /// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without a time zone.
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    func adding(days: Int) -> Day { Day(dayNumber: dayNumber + days) }

    static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// Whether the date is "set": all zero means not set (common.proto).
    static func isSet(_ date: CalendarDate?) -> Bool {
        guard let date else { return false }
        return date.year != 0 || date.month != 0 || date.day != 0
    }
}
