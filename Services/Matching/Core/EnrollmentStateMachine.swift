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
