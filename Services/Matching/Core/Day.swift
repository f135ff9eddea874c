import Essentials
import Policy
import Schema

/// A valid calendar date, as `YYYY-MM-DD` (sorts in date order as text).
struct Day: Comparable, Sendable {
    let year: Int
    let month: Int
    let day: Int

    init?(_ date: CalendarDate?) {
        guard let date else { return nil }
        let (y, m, d) = (Int(date.year), Int(date.month), Int(date.day))
        guard (1900...2200).contains(y), (1...12).contains(m), d >= 1, d <= Day.daysIn(month: m, year: y) else {
            return nil
        }
        (year, month, day) = (y, m, d)
    }

    init(year: Int, month: Int, day: Int) {
        (self.year, self.month, self.day) = (year, month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int { CivilDate.daysInMonth(year: year, month: month) }

    private var policyDate: CivilDate { CivilDate(year, month, day) }

    var text: String { policyDate.description }

    var calendarDate: CalendarDate { CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day)) }

    /// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without a time zone.
    var dayNumber: Int { policyDate.dayNumber }

    init(dayNumber: Int) {
        let date = CivilDate(dayNumber: dayNumber)
        self.init(year: date.year, month: date.month, day: date.day)
    }

    func adding(days: Int) -> Day { Day(dayNumber: dayNumber + days) }

    static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// Whether the date is "set": all zero means not set (common.proto).
    static func isSet(_ date: CalendarDate?) -> Bool {
        guard let date else { return false }
        return date.year != 0 || date.month != 0 || date.day != 0
    }
}
