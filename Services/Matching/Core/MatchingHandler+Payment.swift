import Essentials
import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O5 pay (买单, docs/POLICY.md): a completed enrolment's claim goes to payment, which decides under
/// R1..R11 (R2: only with a certificate); the enrolment becomes CLAIMED, or stays COMPLETED with the
/// refusal recorded. CLAIMED becomes PAID once payment has disbursed (`EnrollmentPaidRule`).
extension MatchingHandler {
    // MARK: O5 claim

    /// The request_id of the claim at payment: derived from this call's request_id, so a retry of
    /// RequestPayment (even after a crash between the two services) submits the same claim.
    static func claimRequestID(for requestID: String) -> String {
        let derived = "matching-rp-\(requestID)"
        if derived.utf8.count <= IdempotentCalls.maxRequestIDLength { return derived }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in requestID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "matching-rp-h\(String(hash, radix: 16))"
    }

    public func requestPayment(request: RequestPaymentRequest, context: ServerContext) async throws
        -> RequestPaymentResponse
    {
        guard !request.enrollmentId.isEmpty else {
            throw MatchingError.invalid(field: "enrollment_id", message: "required")
        }
        guard !request.certificateNumber.trimmingHorizontalWhitespace().isEmpty else {
            throw MatchingError.invalid(
                field: "certificate_number", message: "required (R2: a subsidy is paid only with a certificate)")
        }
        try FieldLimits.check(request.enrollmentId, field: "enrollment_id", max: FieldLimits.id)
        try FieldLimits.check(request.certificateNumber, field: "certificate_number", max: FieldLimits.code)
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: RequestPaymentResponse.self)
        if let previous = lookup.previous { return previous }
        let current = try await existingEnrollment(request.enrollmentId)
        let store = self.store
        try EnrollmentStateMachine.check(from: current.state, to: .claimed, enrollmentID: current.id)
        // Payment gathers the facts (worker, offering, certificate) itself and decides.
        let peers = environment.peers
        let claim =
            try await peers.payment.submitClaim(
                SubmitClaimRequest(
                    requestId: Self.claimRequestID(for: request.requestId), enrollmentId: current.id,
                    certificateNumber: request.certificateNumber), options: peers.options
            ).claim ?? Claim()
        let certificate = request.certificateNumber
        return try await environment.idempotent.run(
            after: lookup,
            entity: { (r: RequestPaymentResponse) in "enrollment/\(r.enrollment?.id ?? "") claim/\(r.claimId)" },
            detail: { (r: RequestPaymentResponse) in "eligible=\(r.eligible)" }
        ) { connection in
            // The enrolment as read before payment was asked, unless it changed since: then its
            // version no longer matches, the UPDATE changes nothing, and it is read again.
            if let next = try? Self.claimed(current, claim: claim, certificate: certificate),
                try store.replaceEnrollment(next, replacing: current, on: connection)
            {
                return Self.paymentResponse(next, claim: claim)
            }
            guard let latest = try store.enrollment(id: request.enrollmentId, on: connection) else {
                throw MatchingError.enrollmentNotFound(request.enrollmentId)
            }
            let next = try Self.claimed(latest, claim: claim, certificate: certificate)
            guard try store.replaceEnrollment(next, replacing: latest, on: connection) else {
                throw MatchingError.changedConcurrently("enrolment \(latest.id)")
            }
            return Self.paymentResponse(next, claim: claim)
        }
    }

    /// The next version of `current` once payment decided `claim`: CLAIMED when it is eligible; a
    /// refused claim leaves the enrolment COMPLETED, so that a corrected claim (say with another
    /// certificate) can be filed, and records the refusal.
    private static func claimed(_ current: Enrollment, claim: Claim, certificate: String) throws -> Enrollment {
        let decision = claim.decision ?? Decision()
        var next = current
        next.claimId = claim.id
        next.certificateNumber = certificate
        if decision.eligible {
            try EnrollmentStateMachine.check(from: current.state, to: .claimed, enrollmentID: current.id)
            next.state = .claimed
        } else {
            guard current.state == .completed else {
                throw MatchingError.illegalTransition(enrollment: current.id, from: current.state, to: .claimed)
            }
            next.reason = "claim \(claim.id) refused: \(Self.refusal(decision))"
        }
        next.version = current.version + 1
        return next
    }

    private static func paymentResponse(_ enrollment: Enrollment, claim: Claim) -> RequestPaymentResponse {
        let decision = claim.decision ?? Decision()
        let message =
            decision.eligible
            ? "claim \(claim.id) accepted: \(decision.amountFen) fen"
            : "claim \(claim.id) refused: \(Self.refusal(decision))"
        return RequestPaymentResponse(
            enrollment: enrollment, claimId: claim.id, eligible: decision.eligible,
            refusingRuleIds: decision.refusingRuleIds, message: message)
    }

    /// A refused decision's reason with its rule ids ("R1: the completion date ..."); the bare ids
    /// for a decision from a payment service that gives no reason.
    static func refusal(_ decision: Decision) -> String {
        decision.refusalReason.isEmpty
            ? "refused by \(decision.refusingRuleIds.joined(separator: ", "))" : decision.refusalReason
    }

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
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: Enrollment.self)
        if let previous = lookup.previous { return previous }
        let current = try await existingEnrollment(request.enrollmentId)
        let store = self.store
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
            after: lookup,
            entity: { (e: Enrollment) in "enrollment/\(e.id) claim/\(e.claimId)" },
            detail: { (e: Enrollment) in EnrollmentStateMachine.name(e.state) }
        ) { connection in
            // As read before payment was asked, unless it changed since (the UPDATE tells).
            if let next = try? Self.paid(current, claimID: claim.id),
                try store.replaceEnrollment(next, replacing: current, on: connection)
            {
                return next
            }
            guard let latest = try store.enrollment(id: request.enrollmentId, on: connection) else {
                throw MatchingError.enrollmentNotFound(request.enrollmentId)
            }
            // A concurrent call (another tranche's disbursement) got there first.
            if latest.state == .paid { return latest }
            let next = try Self.paid(latest, claimID: claim.id)
            guard try store.replaceEnrollment(next, replacing: latest, on: connection) else {
                throw MatchingError.changedConcurrently("enrolment \(latest.id)")
            }
            return next
        }
    }

    /// The next version of a CLAIMED `latest`, PAID under the claim payment reported on.
    private static func paid(_ latest: Enrollment, claimID: String) throws -> Enrollment {
        try EnrollmentStateMachine.check(from: latest.state, to: .paid, enrollmentID: latest.id)
        guard latest.claimId == claimID else {
            throw MatchingError.changedConcurrently("enrolment \(latest.id)")
        }
        var next = latest
        next.state = .paid
        next.version = latest.version + 1
        return next
    }
}
