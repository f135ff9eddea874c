import Logging
import Schema
import ServiceKit

/// Tells matching that an enrolment's claim has paid what it can (CLAIMED -> PAID, matching's
/// RecordPayment), after Disburse's transaction has committed. Best effort: the ledger entry stands
/// whatever matching answers; a failure is logged (event `enrollment_paid_notify_failed`) and the
/// next Disburse of the claim, or a retry of this one, calls again. Matching's RecordPayment is
/// idempotent and checks the claim with GetClaim itself, so calling too often is harmless.
struct EnrollmentPaidNotifier: Sendable {
    let environment: ServiceEnvironment

    /// Whether the claim, as it stands after the disbursement, makes its enrolment PAID: eligible,
    /// something paid, nothing payable left (held R7 tranches wait for the employment report).
    static func shouldNotify(_ claim: Claim) -> Bool {
        guard let decision = claim.decision, decision.eligible else { return false }
        return !decision.tranches.contains { $0.state == .payable } && decision.tranches.contains { $0.state == .paid }
    }

    /// The request id of the call for a ledger entry: a retried Disburse makes the same call.
    static func requestID(for entry: LedgerEntry) -> String { "payment-paid-\(entry.id)" }

    func notify(claim: Claim, entry: LedgerEntry) async {
        guard Self.shouldNotify(claim) else { return }
        let peers = environment.peers
        do {
            _ = try await peers.matching.recordPayment(
                RecordPaymentRequest(requestId: Self.requestID(for: entry), enrollmentId: claim.enrollmentId),
                options: peers.options)
        } catch {
            environment.logger.error(
                "matching was not told that the enrolment is paid; the next Disburse or a retry tells it",
                metadata: [
                    "event": "enrollment_paid_notify_failed", "enrollment": "\(claim.enrollmentId)",
                    "claim": "\(claim.id)", "ledger_entry": "\(entry.id)", "error": "\(error)",
                ])
        }
    }
}
