import Policy
import Schema

/// A calendar day in the policy's time zone: the policy engine's own date type, so that the replay's
/// day arithmetic and the services' agree by construction.
public typealias CivilDay = PolicyDate

extension PolicyDate {
    public func adding(days: Int) -> PolicyDate { PolicyDate(dayNumber: dayNumber + days) }

    /// The day in Asia/Shanghai (UTC+8) at `epochSeconds`.
    public static func today(epochSeconds: Int) -> PolicyDate {
        let shifted = epochSeconds + 8 * 3600
        return PolicyDate(dayNumber: shifted >= 0 ? shifted / 86_400 : (shifted - 86_399) / 86_400)
    }

    public var calendarDate: CalendarDate { CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day)) }
}
