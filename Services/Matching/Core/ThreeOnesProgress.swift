import Essentials
import Schema

/// A G3 student as matching knows them: the school, name and ID number from registration, kept
/// when an activity is recorded or an offering selected.
struct StudentRecord: Sendable, Equatable {
    var workerID: String
    var school: String
    var name: String
    var idNumber: String

    /// The student of a registered worker: nil unless a G3 fact names a school (an attested fact wins).
    init?(worker: Worker) {
        let facts = worker.categories.filter {
            $0.category == .g3Student && !$0.school.trimmingHorizontalWhitespace().isEmpty
        }
        guard let fact = facts.first(where: \.attested) ?? facts.first else { return nil }
        self.init(workerID: worker.id, school: fact.school, name: worker.name, idNumber: worker.idNumber)
    }

    init(workerID: String, school: String, name: String, idNumber: String) {
        (self.workerID, self.school, self.name, self.idNumber) = (workerID, school, name, idNumber)
    }
}

/// S1, the students' "three ones" (三个一): how records and enrolments add up to a student's
/// progress. Pure: the handler loads the rows, this decides.
///
/// - A part is COMPLETED once any of its records is completed (an entrepreneurship training of
///   any stage, one period of employment practice), IN_PROGRESS while it has only open records,
///   NOT_STARTED with none. Its completion day is the earliest end date of its completed records
///   and its hours are theirs summed.
/// - An enrolment of the student counts as a vocational-training record by itself: SELECTED,
///   ACCEPTED and IN_TRAINING as open, COMPLETED, CLAIMED and PAID as completed on the completion
///   date, with the offering's class hours; withdrawn and rejected enrolments do not count.
enum ThreeOnesProgress {
    static let kinds: [StudentActivityKind] = [.vocationalTraining, .entrepreneurshipTraining, .employmentPractice]

    /// The record an enrolment stands for (nil for a withdrawn or rejected one).
    static func activity(enrollment: Enrollment, offering: Offering?, school: String) -> StudentActivity? {
        let completed: Bool
        switch enrollment.state {
        case .selected, .accepted, .inTraining: completed = false
        case .completed, .claimed, .paid: completed = true
        default: return nil
        }
        var title =
            offering?.occupation.map { "\($0.name.isEmpty ? $0.code : $0.name) (\($0.code))" } ?? enrollment.offeringId
        if let level = offering?.level, level != .unspecified { title += " L\(level.rawValue)" }
        return StudentActivity(
            workerId: enrollment.workerId, kind: .vocationalTraining, title: title,
            provider: enrollment.institutionId, startDate: offering?.startDate,
            endDate: completed ? enrollment.completionDate : nil,
            hours: completed ? (offering?.classHours ?? 0) : 0, completed: completed,
            enrollmentId: enrollment.id, certificateNumber: enrollment.certificateNumber, school: school,
            recordedAt: enrollment.selectedAt, version: enrollment.version)
    }

    static func part(_ kind: StudentActivityKind, records: [StudentActivity]) -> StudentThreeOnesPart {
        let mine = records.filter { $0.kind == kind }.sorted { a, b in
            let (da, db) = (CivilDate(a.startDate)?.description ?? "", CivilDate(b.startDate)?.description ?? "")
            return da != db ? da < db : (a.id + a.enrollmentId) < (b.id + b.enrollmentId)
        }
        let done = mine.filter(\.completed)
        let status: ThreeOnesStatus = mine.isEmpty ? .notStarted : (done.isEmpty ? .inProgress : .completed)
        let completedOn = done.compactMap { CivilDate($0.endDate) }.min()
        let hours = done.reduce(Int32(0)) { $0 &+ $1.hours }
        return StudentThreeOnesPart(
            kind: kind, status: status, completedOn: completedOn?.calendarDate, hours: hours,
            activities: mine)
    }

    static func progress(student: StudentRecord, records: [StudentActivity]) -> StudentProgress {
        let parts = kinds.map { part($0, records: records) }
        let completed = parts.filter { $0.status == .completed }.count
        let status: ThreeOnesStatus =
            completed == kinds.count
            ? .completed
            : (parts.allSatisfy { $0.status == .notStarted } ? .notStarted : .inProgress)
        return StudentProgress(
            workerId: student.workerID, name: student.name, idNumber: student.idNumber, school: student.school,
            vocationalTraining: parts[0], entrepreneurshipTraining: parts[1], employmentPractice: parts[2],
            partsCompleted: Int32(completed), status: status)
    }

    /// Which kinds each role may record and complete: hrss and education (its own university's
    /// students) all three; an institution the trainings it delivers.
    static func mayRecord(role: String, kind: StudentActivityKind) -> Bool {
        switch role {
        case "hrss", "education": return true
        case "institution": return kind == .vocationalTraining || kind == .entrepreneurshipTraining
        default: return false
        }
    }
}
