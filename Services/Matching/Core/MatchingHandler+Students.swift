import Essentials
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// S1, the students' "three ones" (三个一): records of G3 students' activities, their progress,
/// and a university's list and credit export. Who may record what is `ThreeOnesProgress.mayRecord`;
/// the access table admits the roles per method.
///
/// An education caller acts for one university and names it in `school`; it must be the student's
/// (from registration's G3 fact). The dev certificates share one education identity, so the school
/// named is trusted here; in production the certificate identity is mapped to the university.
extension MatchingHandler {
    var students: StudentStore { StudentStore() }

    private func checkSchool(_ given: String, of studentSchool: String, role: String, workerID: String) throws {
        if role == "education" && given.isEmpty {
            throw MatchingError.invalid(
                field: "school", message: "required for education callers (their own university)")
        }
        guard given.isEmpty || given == studentSchool else {
            if role == "education" {
                throw MatchingError.notYours("worker \(workerID) is not a student of \(given)")
            }
            throw MatchingError.invalid(
                field: "school", message: "worker \(workerID) studies at \(studentSchool), not \(given)")
        }
    }

    private func checkRecorder(role: String, kind: StudentActivityKind) throws {
        guard ThreeOnesProgress.mayRecord(role: role, kind: kind) else {
            throw MatchingError.notYours("the \(role) role does not record \(StudentCreditExport.kindName(kind))")
        }
    }

    /// The student per registration: NOT_FOUND / FAILED_PRECONDITION when not a G3 student with a school.
    private func registeredStudent(_ workerID: String) async throws -> StudentRecord {
        let peers = environment.peers
        let worker: Worker
        do {
            worker = try await peers.registration.getWorker(
                GetWorkerRequest(key: .workerId(workerID)), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw MatchingError.workerNotRegistered(workerID)
        }
        guard let student = StudentRecord(worker: worker) else { throw MatchingError.notAStudent(workerID) }
        return student
    }

    static func validate(_ activity: StudentActivity, today: CivilDate) throws -> (start: CivilDate, end: CivilDate?) {
        guard activity.id.isEmpty else {
            throw MatchingError.invalid(field: "activity.id", message: "assigned by the service; leave it empty")
        }
        guard !activity.workerId.isEmpty else {
            throw MatchingError.invalid(field: "activity.worker_id", message: "required")
        }
        try FieldLimits.check(activity.workerId, field: "activity.worker_id", max: FieldLimits.id)
        guard activity.kind.isRecognized, activity.kind != .unspecified else {
            throw MatchingError.invalid(
                field: "activity.kind",
                message: "unknown or unspecified activity kind \(activity.kind.rawValue) (S1: 1..3)")
        }
        if activity.kind == .entrepreneurshipTraining {
            guard activity.stage.isRecognized, activity.stage != .unspecified else {
                throw MatchingError.invalid(
                    field: "activity.stage",
                    message:
                        "an entrepreneurship training needs its stage (awareness, business plan or practice), got \(activity.stage.rawValue)"
                )
            }
        } else if activity.stage != .unspecified {
            throw MatchingError.invalid(
                field: "activity.stage", message: "only an entrepreneurship training has a stage")
        }
        guard !activity.title.trimmingHorizontalWhitespace().isEmpty else {
            throw MatchingError.invalid(field: "activity.title", message: "required")
        }
        try FieldLimits.check(activity.title, field: "activity.title", max: FieldLimits.name)
        try FieldLimits.check(activity.provider, field: "activity.provider", max: FieldLimits.name)
        try FieldLimits.check(activity.school, field: "activity.school", max: FieldLimits.name)
        try FieldLimits.check(activity.note, field: "activity.note", max: FieldLimits.text)
        try FieldLimits.check(activity.certificateNumber, field: "activity.certificate_number", max: FieldLimits.code)
        guard activity.enrollmentId.isEmpty else {
            throw MatchingError.invalid(
                field: "activity.enrollment_id", message: "an enrolment counts by itself (S1); leave it empty")
        }
        guard (0...2000).contains(activity.hours) else {
            throw MatchingError.invalid(field: "activity.hours", message: "must be 0..2000, got \(activity.hours)")
        }
        let start = try requireDate(activity.startDate, field: "activity.start_date")
        guard start <= today else {
            throw MatchingError.invalid(field: "activity.start_date", message: "\(start) is in the future")
        }
        let end = try optionalDate(activity.endDate, field: "activity.end_date")
        if activity.completed {
            guard let end else {
                throw MatchingError.invalid(field: "activity.end_date", message: "required when completed")
            }
            guard start <= end else {
                throw MatchingError.invalid(
                    field: "activity.end_date", message: "\(end) is before start_date \(start)")
            }
            guard end <= today else {
                throw MatchingError.invalid(field: "activity.end_date", message: "\(end) is in the future")
            }
        } else if end != nil {
            throw MatchingError.invalid(field: "activity.end_date", message: "set only when completed")
        }
        return (start, end)
    }

    public func recordStudentActivity(request: RecordStudentActivityRequest, context: ServerContext) async throws
        -> StudentActivity
    {
        guard var activity = request.activity else {
            throw MatchingError.invalid(field: "activity", message: "required")
        }
        _ = try Self.validate(activity, today: Self.today())
        let callerRole = role(context)
        try checkRecorder(role: callerRole, kind: activity.kind)
        if callerRole == "education" && activity.school.isEmpty {
            throw MatchingError.invalid(
                field: "activity.school", message: "required for education callers (their own university)")
        }
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: StudentActivity.self)
        if let previous = lookup.previous { return previous }
        let student = try await registeredStudent(activity.workerId)
        try checkSchool(activity.school, of: student.school, role: callerRole, workerID: student.workerID)
        activity.id = Self.newID("sa")
        activity.school = student.school
        activity.recordedAt = Timestamps.timestamp()
        activity.recordedBy = context.peer.commonName
        activity.recordedByRole = callerRole
        activity.version = 1
        let stored = activity
        let students = self.students
        return try await environment.idempotent.run(
            after: lookup, isolation: .readCommitted,
            entity: { (a: StudentActivity) in "student/\(a.workerId) activity/\(a.id)" },
            detail: { (a: StudentActivity) in "\(StudentCreditExport.kindName(a.kind)) completed=\(a.completed)" }
        ) { connection in
            try students.upsert(student, on: connection)
            try students.insert(stored, on: connection)
            return stored
        }
    }

    public func completeStudentActivity(request: CompleteStudentActivityRequest, context: ServerContext) async throws
        -> StudentActivity
    {
        guard !request.activityId.isEmpty else {
            throw MatchingError.invalid(field: "activity_id", message: "required")
        }
        try FieldLimits.check(request.activityId, field: "activity_id", max: FieldLimits.id)
        try FieldLimits.check(request.certificateNumber, field: "certificate_number", max: FieldLimits.code)
        try FieldLimits.check(request.school, field: "school", max: FieldLimits.name)
        let end = try Self.requireDate(request.endDate, field: "end_date")
        guard end <= Self.today() else {
            throw MatchingError.invalid(field: "end_date", message: "\(end) is in the future")
        }
        guard (0...2000).contains(request.hours) else {
            throw MatchingError.invalid(field: "hours", message: "must be 0..2000, got \(request.hours)")
        }
        let callerRole = role(context)
        if callerRole == "education" && request.school.isEmpty {
            throw MatchingError.invalid(
                field: "school", message: "required for education callers (their own university)")
        }
        let caller = context.peer.commonName
        let students = self.students
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (a: StudentActivity) in "student/\(a.workerId) activity/\(a.id)" },
            detail: { (a: StudentActivity) in "completed \(CivilDate(a.endDate)?.description ?? "")" }
        ) { connection in
            guard let current = try students.activity(id: request.activityId, on: connection) else {
                throw MatchingError.activityNotFound(request.activityId)
            }
            try checkRecorder(role: callerRole, kind: current.kind)
            try checkSchool(request.school, of: current.school, role: callerRole, workerID: current.workerId)
            if callerRole == "institution" && current.recordedBy != caller {
                throw MatchingError.notYours("an institution completes only the activities it recorded")
            }
            guard !current.completed else { throw MatchingError.activityCompleted(current.id) }
            if let start = CivilDate(current.startDate), end < start {
                throw MatchingError.invalid(
                    field: "end_date",
                    message: "\(end) is before the activity's start_date \(start)")
            }
            var next = current
            next.completed = true
            next.endDate = end.calendarDate
            if request.hours > 0 { next.hours = request.hours }
            if !request.certificateNumber.isEmpty { next.certificateNumber = request.certificateNumber }
            next.version = current.version + 1
            guard try students.replace(next, previousVersion: current.version, on: connection) else {
                throw MatchingError.changedConcurrently("student activity \(current.id)")
            }
            return next
        }
    }

    public func getStudentProgress(request: GetStudentProgressRequest, context: ServerContext) async throws
        -> StudentProgress
    {
        guard !request.workerId.isEmpty else { throw MatchingError.invalid(field: "worker_id", message: "required") }
        try FieldLimits.check(request.workerId, field: "worker_id", max: FieldLimits.id)
        try FieldLimits.check(request.school, field: "school", max: FieldLimits.name)
        let callerRole = role(context)
        let students = self.students
        let workerID = request.workerId
        let known = try await environment.database.read { connection -> StudentProgress? in
            guard let student = try students.student(workerID: workerID, on: connection) else { return nil }
            return try students.progress(of: [student], school: student.school, on: connection).first
        }
        // A G3 student matching has not seen yet has done nothing here.
        let progress: StudentProgress
        if let known {
            progress = known
        } else {
            do {
                progress = ThreeOnesProgress.progress(student: try await registeredStudent(workerID), records: [])
            } catch MatchingError.workerNotRegistered(let id) {
                throw RPCError(.notFound, "no worker \(id)")
            }
        }
        try checkSchool(request.school, of: progress.school, role: callerRole, workerID: workerID)
        return progress
    }

    private static func requireSchool(_ school: String) throws {
        guard !school.trimmingHorizontalWhitespace().isEmpty else {
            throw MatchingError.invalid(field: "school", message: "required")
        }
        try FieldLimits.check(school, field: "school", max: FieldLimits.name)
    }

    public func listStudentProgress(request: ListStudentProgressRequest, context: ServerContext) async throws
        -> ListStudentProgressResponse
    {
        try Self.requireSchool(request.school)
        guard request.status.isRecognized else {
            throw MatchingError.invalid(
                field: "status", message: "unknown three-ones status \(request.status.rawValue)")
        }
        let size = try Self.pageSize(request.pageSize, field: "page_size")
        try FieldLimits.check(request.pageToken, field: "page_token", max: FieldLimits.id)
        let students = self.students
        let school = request.school
        let wanted = request.status
        // With a status filter, pages of students are read until the page is full or none are left.
        return try await environment.database.read { connection in
            var found: [StudentProgress] = []
            var after = request.pageToken
            while true {
                let batch = try students.students(school: school, afterWorkerID: after, limit: size, on: connection)
                for progress in try students.progress(of: batch, school: school, on: connection) {
                    after = progress.workerId
                    guard wanted == .unspecified || progress.status == wanted else { continue }
                    found.append(progress)
                    if found.count == size {
                        return ListStudentProgressResponse(students: found, nextPageToken: progress.workerId)
                    }
                }
                if batch.count < size { return ListStudentProgressResponse(students: found, nextPageToken: "") }
            }
        }
    }

    public func exportStudentCredits(
        request: ExportStudentCreditsRequest, responses: MessageWriter<StudentCreditRow>,
        context: ServerContext
    ) async throws {
        try Self.requireSchool(request.school)
        var filter = StudentCreditExport.Filter()
        filter.from = try Self.optionalDate(request.completedFrom, field: "completed_from")
        filter.to = try Self.optionalDate(request.completedTo, field: "completed_to")
        if let from = filter.from, let to = filter.to, to < from {
            throw MatchingError.invalid(
                field: "completed_to", message: "\(to) is before completed_from \(from)")
        }
        filter.includeIncomplete = request.includeIncomplete
        let students = self.students
        let school = request.school
        var after = ""
        var first = true
        while true {
            let from = after
            let page = try await environment.database.read { connection in
                let batch = try students.students(school: school, afterWorkerID: from, limit: 200, on: connection)
                return (batch.last?.workerID, try students.progress(of: batch, school: school, on: connection))
            }
            for progress in page.1 {
                for var row in StudentCreditExport.rows(progress, filter: filter) {
                    if first {
                        row.csvHeader = StudentCreditExport.header
                        first = false
                    }
                    try await responses.write(row)
                }
            }
            guard let last = page.0, page.1.count == 200 else { return }
            after = last
        }
    }
}
