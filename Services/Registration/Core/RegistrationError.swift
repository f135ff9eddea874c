import Schema

/// What the registration service refuses, and the gRPC status each refusal is.
enum RegistrationError: RPCErrorConvertible {
    case invalid([ValidationError])
    case workerExists(id: String)
    case enterpriseExists(creditCode: String)
    case institutionExists(id: String)
    case teacherExists
    case workerNotFound(String)
    case enterpriseNotFound(String)
    case institutionNotFound(String)
    case versionMismatch(expected: Int64, actual: Int64)
    case institutionVersionMismatch(id: String, expected: Int64, actual: Int64)
    case filingAlreadyReviewed(id: String, status: FilingStatus)

    var rpcError: RPCError {
        switch self {
        case .invalid(let problems):
            return RPCError(.invalidArgument, ValidationError.joined(problems))
        case .workerExists(let id):
            return RPCError(.alreadyExists, "a worker with this id_number is already registered as \(id)")
        case .enterpriseExists(let code):
            return RPCError(.alreadyExists, "enterprise \(code) is already registered")
        case .institutionExists(let id):
            return RPCError(.alreadyExists, "an institution with this credit_code is already registered as \(id)")
        case .teacherExists:
            return RPCError(.alreadyExists, "a teacher with this id_number is already registered")
        case .workerNotFound(let key):
            return RPCError(.notFound, "no worker \(key)")
        case .enterpriseNotFound(let code):
            return RPCError(.notFound, "no enterprise \(code)")
        case .institutionNotFound(let id):
            return RPCError(.notFound, "no institution \(id)")
        case .versionMismatch(let expected, let actual):
            return RPCError(
                .failedPrecondition,
                "expected_version \(expected) does not match the worker's version \(actual); read it again")
        case .institutionVersionMismatch(let id, let expected, let actual):
            return RPCError(
                .failedPrecondition,
                "expected_version \(expected) does not match institution \(id)'s version \(actual); read it again")
        case .filingAlreadyReviewed(let id, let status):
            return RPCError(.failedPrecondition, "R10: the filing of institution \(id) is already \(status.protoName)")
        }
    }
}
