import Policy
import Schema

/// What an offering's dates bound, and the messages when they are crossed.
///
/// The completion date chooses the standard in force (R1) and the year a training counts in (R3),
/// so it must lie within the offering's start..end and not before the last learning day recorded:
/// otherwise an institution could move a training into the year or the standards version it
/// prefers. A subsidised offering needs a standard in force on its end date (R1); an offering
/// beyond the policy is published only as explicitly unsubsidised.
enum OfferingDatesRule {
    /// Why `completion` cannot be the completion date of an enrolment in `offeringID`, or nil.
    static func completionProblem(completion: Day, offeringID: String, start: Day?, end: Day?, lastLearning: Day?)
        -> String?
    {
        let why = "the completion date chooses the standard in force (R1) and the year the training counts in (R3)"
        if let end, end < completion {
            return
                "R1: the completion date \(completion.text) is after offering \(offeringID) ended on \(end.text); \(why), "
                + "so it must lie within the offering's dates (\(start?.text ?? "?") to \(end.text))"
        }
        if let start, completion < start {
            return
                "R1: the completion date \(completion.text) is before offering \(offeringID) started on \(start.text); \(why), "
                + "so it must lie within the offering's dates (\(start.text) to \(end?.text ?? "?"))"
        }
        if let lastLearning, completion < lastLearning {
            return
                "R1: the completion date \(completion.text) is before the last learning day recorded, \(lastLearning.text); \(why)"
        }
        return nil
    }

    /// The last day any version of the policy has a standard for (2021-12-31 for Dezhou 2019-2021).
    static func lastPolicyDay(_ book: PolicyBook?) -> Day? {
        guard let last = book?.versions.map(\.effectiveTo).max() else { return nil }
        return Day(year: last.year, month: last.month, day: last.day)
    }

    /// The refusal of a subsidised offering without a standard on its end date.
    static func noStandard(occupation: String, level: Schema.SkillLevel, end: Day, lastPolicyDay: Day?) -> String {
        var message =
            "R1: no subsidy standard for occupation \(occupation) at level \(level.rawValue) on the offering's end date \(end.text)"
        if let last = lastPolicyDay, last < end {
            message += "; the policy's last period ends \(last.text)"
        }
        return message + ". Publish it with unsubsidised = true to offer it without a subsidy"
    }

    /// The later of the recorded last learning day and `day` (the bound kept for the completion date).
    static func latest(_ current: CalendarDate?, _ day: Day) -> CalendarDate {
        guard let known = Day(current), day < known else { return day.calendarDate }
        return known.calendarDate
    }
}
