import Schema

/// The life cycle of an enrolment (issue 9): selected -> accepted -> in training -> completed ->
/// claimed -> paid, or withdrawn / rejected. Every change of state goes through `check`; an
/// illegal transition is `FAILED_PRECONDITION` naming both states.
public enum EnrollmentStateMachine {
    /// The states each state may move to.
    public static let allowed: [EnrollmentState: Set<EnrollmentState>] = [
        .selected: [.accepted, .rejected, .withdrawn],
        .accepted: [.inTraining, .completed, .withdrawn],
        // Learning is recorded again and again while in training.
        .inTraining: [.inTraining, .completed, .withdrawn],
        // O5: payment is requested (claimed), or paid at once.
        .completed: [.claimed, .paid],
        .claimed: [.paid],
        .paid: [],
        .withdrawn: [],
        .rejected: [],
    ]

    public static func canMove(from: EnrollmentState, to: EnrollmentState) -> Bool {
        allowed[from]?.contains(to) ?? false
    }

    /// Throws `FAILED_PRECONDITION` "cannot go from SELECTED to COMPLETED" for an illegal move.
    public static func check(from: EnrollmentState, to: EnrollmentState, enrollmentID: String) throws {
        guard canMove(from: from, to: to) else {
            throw MatchingError.illegalTransition(enrollment: enrollmentID, from: from, to: to)
        }
    }

    /// Whether an enrolment in this state holds a seat (and blocks a second enrolment of the same
    /// worker in the same offering).
    public static func isActive(_ state: EnrollmentState) -> Bool {
        state != .withdrawn && state != .rejected
    }

    /// `SELECTED` for `ENROLLMENT_STATE_SELECTED`.
    public static func name(_ state: EnrollmentState) -> String {
        let full = state.protoName
        let prefix = "ENROLLMENT_STATE_"
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
    }
}

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

    static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// Whether the date is "set": all zero means not set (common.proto).
    static func isSet(_ date: CalendarDate?) -> Bool {
        guard let date else { return false }
        return date.year != 0 || date.month != 0 || date.day != 0
    }
}
