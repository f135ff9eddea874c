import Policy
import Schema

/// What the payment service refuses, and the gRPC status of each refusal.
enum PaymentError: RPCErrorConvertible {
    case invalid(field: String, message: String)
    case notFound(String)
    case precondition(String)
    case claimExists(enrollment: String, claim: String)
    case alreadyPaid(tranche: String, entry: String)
    case fundExhausted(needed: Int64, balance: Int64)
    case peer(service: String, RPCError)
    /// R2: the claim's certificate number is unknown to assessment (or not a number at all).
    case r2Certificate(number: String, what: String, detail: String, malformed: Bool)
    /// The caller's certificate does not act for the offering's institution.
    case notInstitutionSystem(institution: String, caller: String)
    /// R7: entries of an employment report that cannot count (INVALID_ARGUMENT when one is
    /// malformed, FAILED_PRECONDITION when they conflict with the platform's records).
    case employmentEvidence([EmploymentCohort.Problem])
    case exists(String)

    var rpcError: RPCError {
        switch self {
        case .invalid(let field, let message): return RPCError(.invalidArgument, "\(field): \(message)")
        case .notFound(let what): return RPCError(.notFound, what)
        case .precondition(let message): return RPCError(.failedPrecondition, message)
        case .claimExists(let enrollment, let claim):
            return RPCError(.alreadyExists, "enrolment \(enrollment) already has claim \(claim)")
        case .alreadyPaid(let tranche, let entry):
            return RPCError(.failedPrecondition, "tranche \(tranche) is already paid (ledger entry \(entry))")
        case .fundExhausted(let needed, let balance):
            return RPCError(
                .failedPrecondition, "R11: the special fund holds \(balance) fen; this tranche needs \(needed) fen")
        case .notInstitutionSystem(let institution, let caller):
            return RPCError(
                .permissionDenied,
                "certificate '\(caller)' does not act for institution \(institution), which delivers "
                    + "this offering (registration: Institution.system_certificate_names)")
        case .r2Certificate(let number, let what, let detail, let malformed):
            let message =
                "R2: certificate \(number) \(what) (assessment: \(detail)); a subsidy is paid only after the worker "
                + "holds a certificate obtained from this training"
            return malformed
                ? RPCError(.invalidArgument, "certificate_number: \(message)") : RPCError(.failedPrecondition, message)
        case .employmentEvidence(let problems):
            let code: StatusCode = problems.contains(where: \.malformed) ? .invalidArgument : .failedPrecondition
            return RPCError(
                code,
                "R7: employment report refused, nothing recorded: "
                    + problems.map(\.description).joined(separator: "; "))
        case .exists(let message): return RPCError(.alreadyExists, message)
        case .peer(let service, let error):
            let code: StatusCode =
                error.code == .notFound
                ? .failedPrecondition : (error.code == .deadlineExceeded ? .unavailable : error.code)
            return RPCError(code, "\(service): \(error.message)")
        }
    }
}
