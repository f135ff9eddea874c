import Schema

/// What the assessment service refuses, and the gRPC status of each refusal.
enum AssessmentError: RPCErrorConvertible {
    case invalid(field: String, message: String)
    case rule(AssessmentRuleError)
    case assessmentNotFound(String)
    case certificateNotFound(String)
    case workerNotFound(String)
    case notPassed(String)
    case noResult(String)
    case resultAlreadyRecorded(String)
    case alreadyIssued(assessment: String, number: String)
    case alreadyRevoked(String)

    var rpcError: RPCError {
        switch self {
        case .invalid(let field, let message): return RPCError(.invalidArgument, "\(field): \(message)")
        case .rule(let error): return RPCError(.failedPrecondition, error.description)
        case .assessmentNotFound(let id): return RPCError(.notFound, "no assessment \(id)")
        case .certificateNotFound(let number): return RPCError(.notFound, "no certificate \(number)")
        case .workerNotFound(let id): return RPCError(.failedPrecondition, "worker \(id) is not registered")
        case .notPassed(let id):
            return RPCError(.failedPrecondition, "R2/A2: assessment \(id) was not passed; no certificate can be issued")
        case .noResult(let id):
            return RPCError(.failedPrecondition, "R2/A2: assessment \(id) has no recorded result yet")
        case .resultAlreadyRecorded(let id):
            return RPCError(.failedPrecondition, "assessment \(id) already has a result")
        case .alreadyIssued(let assessment, let number):
            return RPCError(.alreadyExists, "assessment \(assessment) already has certificate \(number)")
        case .alreadyRevoked(let number):
            return RPCError(.failedPrecondition, "A4: certificate \(number) is already revoked")
        }
    }
}
