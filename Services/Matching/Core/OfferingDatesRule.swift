import Essentials
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
    static func completionProblem(
        completion: CivilDate, offeringID: String, start: CivilDate?, end: CivilDate?, lastLearning: CivilDate?
    )
        -> String?
    {
        let why = "the completion date chooses the standard in force (R1) and the year the training counts in (R3)"
        if let end, end < completion {
            return
                "R1: the completion date \(completion) is after offering \(offeringID) ended on \(end); \(why), "
                + "so it must lie within the offering's dates (\(start?.description ?? "?") to \(end))"
        }
        if let start, completion < start {
            return
                "R1: the completion date \(completion) is before offering \(offeringID) started on \(start); \(why), "
                + "so it must lie within the offering's dates (\(start) to \(end?.description ?? "?"))"
        }
        if let lastLearning, completion < lastLearning {
            return
                "R1: the completion date \(completion) is before the last learning day recorded, \(lastLearning); \(why)"
        }
        return nil
    }

    /// The last day any version of the policy has a standard for (2021-12-31 for Dezhou 2019-2021).
    static func lastPolicyDay(_ book: PolicyBook?) -> CivilDate? {
        book?.versions.map(\.effectiveTo).max()
    }

    /// The refusal of a subsidised offering without a standard on its end date.
    static func noStandard(occupation: String, level: Schema.SkillLevel, end: CivilDate, lastPolicyDay: CivilDate?)
        -> String
    {
        var message =
            "R1: no subsidy standard for occupation \(occupation) at level \(level.rawValue) on the offering's end date \(end)"
        if let last = lastPolicyDay, last < end {
            message += "; the policy's last period ends \(last)"
        }
        return message + ". Publish it with unsubsidised = true to offer it without a subsidy"
    }

    /// The later of the recorded last learning day and `day` (the bound kept for the completion date).
    static func latest(_ current: CalendarDate?, _ day: CivilDate) -> CalendarDate {
        guard let known = CivilDate(current), day < known else { return day.calendarDate }
        return known.calendarDate
    }
}
