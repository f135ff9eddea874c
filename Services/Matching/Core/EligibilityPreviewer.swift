import Essentials
import Logging
import Policy
import PolicyContract
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O3's eligibility preview: what the subsidy rules (`Policy.SubsidyEngine`, the same engine
/// payment decides claims with) would say if the training were completed today and a certificate
/// of the offering's occupation and level obtained. Not binding (payment decides at claim time, on
/// the completion date, with the real certificate) and never blocking: a worker the rules refuse
/// may still take the training self-paid.
///
/// Facts: the worker as registration holds them; the offering; the institution as R10 was checked
/// when the offering was published; earlier subsidies (R3, R4) from payment's claims when payment
/// answers (otherwise the preview says R3/R4 were not checked).
enum EligibilityPreviewer {
    /// The worker's facts, read exactly as payment reads them when it decides the claim.
    static func workerFacts(_ worker: Worker) -> WorkerFacts { PolicyBridge.workerFacts(worker) }

    static func policyDate(_ date: CalendarDate?) -> CivilDate? { PolicyBridge.date(date) }

    /// Eligible earlier claims as the engine's prior subsidies.
    static func priorSubsidies(_ claims: [Claim]) -> [PriorSubsidy] {
        claims.compactMap { claim in
            guard claim.decision?.eligible == true, let completed = policyDate(claim.completionDate) else { return nil }
            return PriorSubsidy(
                enrollmentId: claim.enrollmentId, occupationCode: claim.occupation?.code ?? "",
                level: Int(claim.level.rawValue), completionDate: completed)
        }
    }

    /// - Parameter priorClaims: the worker's claims at payment; nil when payment did not answer.
    static func preview(
        worker: Worker, offering: Offering, enrollmentID: String, today: CivilDate, priorClaims: [Claim]?,
        book: PolicyBook?
    ) -> EligibilityPreview {
        if offering.unsubsidised {
            var preview = EligibilityPreview()
            preview.refusingRuleIds = ["R1"]
            preview.message =
                "R1: offering \(offering.id) is published unsubsidised: no subsidy is paid for it; the training may "
                + "still be taken self-paid"
            return preview
        }
        guard let book else { return simplePreview(worker: worker, offering: offering) }
        let code = offering.occupation?.code ?? ""
        var days = 0
        if let start = policyDate(offering.startDate), let end = policyDate(offering.endDate) {
            days = max(0, end.dayNumber - start.dayNumber + 1)
        }
        let kind = PolicyBridge.offeringKind(offering.kind) ?? .ordinary
        let enrollment = EnrollmentFacts(
            enrollmentId: enrollmentID, offeringId: offering.id, occupationCode: code,
            level: Int(offering.level.rawValue),
            // R10 was checked against registration when the offering was published.
            institution: InstitutionFacts(
                institutionId: offering.institutionId, filingAccepted: true, licenceScope: [code]),
            offeringKind: kind, completionDate: today, trainingDays: days,
            attendancePercent: 100,
            enterpriseId: offering.enterpriseCreditCode.isEmpty ? nil : offering.enterpriseCreditCode)
        // As if the training ended with a certificate of its occupation and level (R2 is met later).
        let certificate = CertificateFacts(
            certificateId: "preview", kind: .skillLevel, occupationCode: code,
            level: Int(offering.level.rawValue))
        let decision = SubsidyEngine.decide(
            worker: workerFacts(worker), enrollment: enrollment, certificate: certificate,
            priorSubsidies: priorSubsidies(priorClaims ?? []), book: book)
        var preview = EligibilityPreview()
        preview.eligible = decision.isEligible
        preview.refusingRuleIds = decision.refusedBy.map(\.rawValue)
        preview.estimatedSubsidyFen = decision.amountFen
        preview.freeForWorker = decision.feeRegime == .free
        preview.livingAllowance = decision.livingAllowanceFen > 0
        var message =
            decision.isEligible
            ? "a subsidy of \(decision.amountFen) fen would be paid if completed today (policy \(decision.policyVersion))"
            : "the subsidy would be refused by \(preview.refusingRuleIds.joined(separator: ", ")); the training may still be taken self-paid"
        if priorClaims == nil { message += "; R3/R4 (earlier subsidies) not checked: payment did not answer" }
        preview.message = message
        return preview
    }

    /// Without a policy file: R5 only.
    static func simplePreview(worker: Worker, offering: Offering) -> EligibilityPreview {
        var preview = EligibilityPreview()
        if worker.drawsMonthlyPension {
            preview.eligible = false
            preview.refusingRuleIds = ["R5"]
            preview.message =
                "R5: people who draw a monthly pension are not eligible for a subsidy; the training may be taken self-paid"
            return preview
        }
        preview.eligible = true
        preview.estimatedSubsidyFen = offering.subsidyStandardFen
        preview.message = "preview not computed (no policy file): only R5 was checked"
        return preview
    }
}

/// The policy file the preview is computed with (a separate type so that the handler's file does
/// not see the Policy module, whose type names clash with the contract's).
struct PreviewPolicy: Sendable {
    let book: PolicyBook?

    static func bundled(logger: Logger) -> PreviewPolicy {
        do {
            return PreviewPolicy(book: try PolicyBook.bundled())
        } catch {
            logger.warning(
                "cannot load the bundled policy file; eligibility previews check R5 only",
                metadata: ["error": "\(error)"])
            return PreviewPolicy(book: nil)
        }
    }
}
