import Schema

/// What the matching service refuses, and the gRPC status of each refusal.
enum MatchingError: RPCErrorConvertible {
    case invalid(field: String, message: String)
    case institutionNotRegistered(String)
    case r10(String)
    case workerNotRegistered(String)
    case enterpriseNotRegistered(String)
    case offeringNotFound(String)
    case enrollmentNotFound(String)
    case offeringFull(String)
    case offeringEnded(id: String, endDate: String)
    case alreadyEnrolled(worker: String, offering: String)
    case illegalTransition(enrollment: String, from: EnrollmentState, to: EnrollmentState)
    case notCompleted(String)
    case wrongRequester(String)
    case demandNotFound(String)
    /// S1 applies to G3 students whose registration names their school.
    case notAStudent(String)
    case activityNotFound(String)
    case activityCompleted(String)
    /// The caller's role may not record this kind of S1 activity, or not for this university.
    case notYours(String)
    /// O4: the caller's certificate does not act for the enrolment's institution.
    case notInstitutionSystem(institution: String, caller: String)
    /// O5: the enrolment's claim has not paid what it can (see `EnrollmentPaidRule`).
    case notPaid(enrollment: String, reason: String)
    /// A policy rule refuses the request; the message starts with the rule id and says why.
    case rule(String)
    /// What the call read (`what`: "enrolment e-1") changed before its write: the caller may retry.
    case changedConcurrently(String)

    var rpcError: RPCError {
        switch self {
        case .invalid(let field, let message):
            return RPCError(.invalidArgument, "\(field): \(message)")
        case .institutionNotRegistered(let id):
            return RPCError(.failedPrecondition, "R10: institution \(id) is not registered")
        case .r10(let message):
            return RPCError(.failedPrecondition, "R10: \(message)")
        case .workerNotRegistered(let id):
            return RPCError(.failedPrecondition, "worker \(id) is not registered")
        case .enterpriseNotRegistered(let code):
            return RPCError(.failedPrecondition, "enterprise \(code) is not registered")
        case .offeringNotFound(let id):
            return RPCError(.notFound, "no offering \(id)")
        case .enrollmentNotFound(let id):
            return RPCError(.notFound, "no enrolment \(id)")
        case .offeringFull(let id):
            return RPCError(.failedPrecondition, "offering is full: every place of \(id) is taken")
        case .offeringEnded(let id, let endDate):
            return RPCError(.failedPrecondition, "offering \(id) ended on \(endDate); it can no longer be selected")
        case .alreadyEnrolled(let worker, let offering):
            return RPCError(
                .alreadyExists, "worker \(worker) already holds an active enrolment in offering \(offering)")
        case .illegalTransition(let id, let from, let to):
            return RPCError(
                .failedPrecondition,
                "enrolment \(id): cannot go from \(EnrollmentStateMachine.name(from)) to \(EnrollmentStateMachine.name(to))"
            )
        case .notCompleted(let id):
            return RPCError(.failedPrecondition, "enrolment \(id) is not completed")
        case .wrongRequester(let message):
            return RPCError(.permissionDenied, message)
        case .demandNotFound(let id):
            return RPCError(.notFound, "offering.demand_ids: no demand \(id)")
        case .notAStudent(let id):
            return RPCError(.failedPrecondition, "S1: worker \(id) is not registered as a G3 student with a school")
        case .activityNotFound(let id):
            return RPCError(.notFound, "no student activity \(id)")
        case .activityCompleted(let id):
            return RPCError(.failedPrecondition, "S1: student activity \(id) is already completed")
        case .notYours(let message):
            return RPCError(.permissionDenied, "S1: \(message)")
        case .notInstitutionSystem(let institution, let caller):
            return RPCError(
                .permissionDenied,
                "O4: certificate '\(caller)' does not act for institution \(institution), which delivers this enrolment "
                    + "(registration: Institution.system_certificate_names)")
        case .notPaid(let enrollment, let reason):
            return RPCError(.failedPrecondition, "enrolment \(enrollment) cannot go from CLAIMED to PAID: \(reason)")
        case .rule(let message):
            return RPCError(.failedPrecondition, message)
        case .changedConcurrently(let what):
            return RPCError(.aborted, "\(what) was changed concurrently; try again")
        }
    }
}
