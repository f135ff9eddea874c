import SQL
import Schema
import ServiceKit

extension MatchingHandler {
    // MARK: O5 paid

    /// CLAIMED -> PAID when payment reports a disbursement. The call is not trusted by itself:
    /// matching reads the claim from payment (GetClaim) and applies `EnrollmentPaidRule`. An
    /// enrolment already PAID is returned unchanged, so payment may call again after every
    /// disbursement and a retry is harmless.
    public func recordPayment(request: RecordPaymentRequest, context: ServerContext) async throws -> Enrollment {
        guard !request.enrollmentId.isEmpty else {
            throw MatchingError.invalid(field: "enrollment_id", message: "required")
        }
        try FieldLimits.check(request.enrollmentId, field: "enrollment_id", max: FieldLimits.id)
        if let previous = try await environment.idempotent.previousResponse(
            to: request, requestID: request.requestId,
            context: context, as: Enrollment.self)
        {
            return previous
        }
        let store = self.store
        guard
            let current = try await environment.database.read({
                try store.enrollment(id: request.enrollmentId, on: $0)
            })
        else {
            throw MatchingError.enrollmentNotFound(request.enrollmentId)
        }
        if current.state == .paid { return current }
        guard current.state == .claimed else {
            throw MatchingError.illegalTransition(enrollment: current.id, from: current.state, to: .paid)
        }
        guard !current.claimId.isEmpty else {
            throw MatchingError.notPaid(enrollment: current.id, reason: "it has no claim")
        }
        let peers = environment.peers
        let claim: Claim
        do {
            claim = try await peers.payment.getClaim(GetClaimRequest(claimId: current.claimId), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw MatchingError.notPaid(enrollment: current.id, reason: "payment has no claim \(current.claimId)")
        }
        if let reason = EnrollmentPaidRule.unpaidReason(claim: claim, enrollmentID: current.id) {
            throw MatchingError.notPaid(enrollment: current.id, reason: reason)
        }
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (e: Enrollment) in "enrollment/\(e.id) claim/\(e.claimId)" },
            detail: { (e: Enrollment) in EnrollmentStateMachine.name(e.state) }
        ) { connection in
            guard let latest = try store.enrollment(id: request.enrollmentId, on: connection) else {
                throw MatchingError.enrollmentNotFound(request.enrollmentId)
            }
            // A concurrent call (another tranche's disbursement) got there first.
            if latest.state == .paid { return latest }
            try EnrollmentStateMachine.check(from: latest.state, to: .paid, enrollmentID: latest.id)
            guard latest.claimId == claim.id else {
                throw RPCError(.aborted, "enrolment \(latest.id) was changed concurrently; try again")
            }
            var next = latest
            next.state = .paid
            next.version = latest.version + 1
            guard try store.replaceEnrollment(next, previousVersion: latest.version, on: connection) else {
                throw RPCError(.aborted, "enrolment \(latest.id) was changed concurrently; try again")
            }
            return next
        }
    }
}
