import Schema

/// When an enrolment counts as PAID (matching.proto, RecordPaymentRequest): its claim is eligible,
/// at least one tranche is PAID and none is PAYABLE — everything that could be paid has been.
/// Tranches still HELD (R7, waiting for the employment report) do not keep it from PAID.
public enum EnrollmentPaidRule {
    /// Nil when the claim makes the enrolment PAID, else why not (for FAILED_PRECONDITION).
    public static func unpaidReason(claim: Claim, enrollmentID: String) -> String? {
        guard claim.enrollmentId == enrollmentID else {
            return "claim \(claim.id) belongs to enrolment \(claim.enrollmentId), not to this one"
        }
        guard let decision = claim.decision, decision.eligible else {
            return "claim \(claim.id) was refused; nothing is paid"
        }
        let payable = decision.tranches.filter { $0.state == .payable }
        guard payable.isEmpty else {
            return
                "claim \(claim.id) still has \(payable.count) payable tranche(s) (\(payable.map(\.id).joined(separator: ", ")))"
        }
        guard decision.tranches.contains(where: { $0.state == .paid }) else {
            return "claim \(claim.id) has no disbursed tranche"
        }
        return nil
    }
}
