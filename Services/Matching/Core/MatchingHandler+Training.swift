import Essentials
import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O4 accept (接单, docs/POLICY.md): the offering's institution accepts or rejects an enrolment,
/// records learning time and completes the training (completion dates per `OfferingDatesRule`, R1
/// and R3). Only the institution's own systems may act (`InstitutionSystemsCheck`).
extension MatchingHandler {
    /// Loads the enrolment, checks the transition, applies `change`, and stores it as a new version.
    private func transition(
        _ request: some ProtoMessage, requestID: String, context: ServerContext, enrollmentID: String,
        to target: EnrollmentState, detail: String,
        _ change: @escaping @Sendable (inout Enrollment, any DBConnection) throws -> Void
    ) async throws -> Enrollment {
        guard !enrollmentID.isEmpty else { throw MatchingError.invalid(field: "enrollment_id", message: "required") }
        try FieldLimits.check(enrollmentID, field: "enrollment_id", max: FieldLimits.id)
        // O4 by the offering's institution only: an institution caller must be one of its systems.
        try await InstitutionSystemsCheck(store: store, environment: environment).authorize(
            enrollmentID: enrollmentID, context: context)
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: requestID, context: context,
            entity: { (e: Enrollment) in "enrollment/\(e.id)" },
            detail: { (e: Enrollment) in "\(EnrollmentStateMachine.name(e.state)) \(detail)" }
        ) { connection in
            guard let current = try store.enrollment(id: enrollmentID, on: connection) else {
                throw MatchingError.enrollmentNotFound(enrollmentID)
            }
            try EnrollmentStateMachine.check(from: current.state, to: target, enrollmentID: current.id)
            var next = current
            try change(&next, connection)
            next.state = target
            next.version = current.version + 1
            guard try store.replaceEnrollment(next, replacing: current, on: connection) else {
                throw MatchingError.changedConcurrently("enrolment \(current.id)")
            }
            return next
        }
    }

    public func acceptEnrollment(request: AcceptEnrollmentRequest, context: ServerContext) async throws -> Enrollment {
        if !request.accept && request.reason.trimmingHorizontalWhitespace().isEmpty {
            throw MatchingError.invalid(field: "reason", message: "a rejection needs a reason")
        }
        try FieldLimits.check(request.reason, field: "reason", max: FieldLimits.text)
        // O4 is for the offering's institution only: the access table admits the `institution` role,
        // and `transition` checks the caller's certificate name against the institution's systems
        // (InstitutionSystemsCheck).
        let store = self.store
        let accept = request.accept
        let reason = request.reason
        return try await transition(
            request, requestID: request.requestId, context: context, enrollmentID: request.enrollmentId,
            to: accept ? .accepted : .rejected, detail: ""
        ) { enrollment, connection in
            if accept {
                enrollment.acceptedAt = Timestamps.timestamp()
            } else {
                enrollment.reason = reason
                try store.releasePlace(offeringID: enrollment.offeringId, on: connection)
            }
        }
    }

    public func recordLearning(request: RecordLearningRequest, context: ServerContext) async throws -> Enrollment {
        guard request.channel.isRecognized, request.channel != .unspecified else {
            throw MatchingError.invalid(
                field: "channel", message: "unknown or unspecified learning channel \(request.channel.rawValue)")
        }
        guard (1...1440).contains(request.minutes) else {
            throw MatchingError.invalid(field: "minutes", message: "must be 1..1440 (one day), got \(request.minutes)")
        }
        let learningDay = try Self.optionalDate(request.day, field: "day")
        if let day = learningDay, Self.today() < day {
            throw MatchingError.invalid(field: "day", message: "\(day) is in the future")
        }
        let channel = request.channel
        let minutes = request.minutes
        // Without a day the learning happened on the business day it is recorded.
        let learnedOn = learningDay ?? Self.today()
        return try await transition(
            request, requestID: request.requestId, context: context, enrollmentID: request.enrollmentId,
            to: .inTraining, detail: "+\(minutes) min \(channel.protoName)"
        ) { enrollment, _ in
            enrollment.lastLearningDay = OfferingDatesRule.latest(enrollment.lastLearningDay, learnedOn)
            if let index = enrollment.learning.firstIndex(where: { $0.channel == channel }) {
                enrollment.learning[index].minutes += minutes
            } else {
                enrollment.learning.append(LearningTime(channel: channel, minutes: minutes))
            }
        }
    }

    public func completeTraining(request: CompleteTrainingRequest, context: ServerContext) async throws -> Enrollment {
        guard (0...100).contains(request.attendancePercent) else {
            throw MatchingError.invalid(
                field: "attendance_percent", message: "must be 0..100, got \(request.attendancePercent)")
        }
        let completion = try Self.requireDate(request.completionDate, field: "completion_date")
        guard completion <= Self.today() else {
            throw MatchingError.invalid(field: "completion_date", message: "\(completion) is in the future")
        }
        let attendance = request.attendancePercent
        let store = self.store
        return try await transition(
            request, requestID: request.requestId, context: context, enrollmentID: request.enrollmentId,
            to: .completed, detail: "attendance \(attendance)%"
        ) { enrollment, connection in
            let dates = try store.offeringDates(id: enrollment.offeringId, on: connection)
            if let problem = OfferingDatesRule.completionProblem(
                completion: completion, offeringID: enrollment.offeringId, start: dates?.start, end: dates?.end,
                lastLearning: CivilDate(enrollment.lastLearningDay))
            {
                throw MatchingError.rule(problem)
            }
            enrollment.attendancePercent = attendance
            enrollment.completionDate = completion.calendarDate
            enrollment.completedAt = Timestamps.timestamp()
        }
    }
}
