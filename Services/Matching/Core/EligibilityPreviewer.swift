import Foundation
import Logging
import Policy
import Schema

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
    static func group(_ category: WorkerCategory) -> Policy.Group? {
        guard category.isRecognized, category != .unspecified else { return nil }
        return Policy.Group(rawValue: "G\(category.rawValue)")
    }

    /// The worker's facts (mirrors payment's PolicyBridge.workerFacts, so preview and claim agree).
    static func workerFacts(_ worker: Worker) -> WorkerFacts {
        var categories: [Policy.CategoryFact] = []
        var lowIncome = false
        var lowIncomeAttested = false
        var disabled = false
        var zeroEmployment = false
        var employer: String?
        var school: String?
        for fact in worker.categories {
            guard let group = group(fact.category) else { continue }
            categories.append(Policy.CategoryFact(group, attested: fact.attested,
                                                  attestedBy: fact.attestedByRole.isEmpty ? nil : fact.attestedByRole))
            if fact.lowIncomeFamily {
                lowIncome = true
                if fact.attested && fact.attestedByRole == "civil-affairs" { lowIncomeAttested = true }
            }
            disabled = disabled || fact.disabled
            zeroEmployment = zeroEmployment || fact.zeroEmploymentFamily
            if !fact.employerCreditCode.isEmpty { employer = fact.employerCreditCode }
            if !fact.school.isEmpty { school = fact.school }
        }
        return WorkerFacts(workerId: worker.id, categories: categories, hukou: worker.hukou == .rural ? .rural : .urban,
                           lowIncomeSupport: lowIncome, lowIncomeSupportAttested: lowIncomeAttested, disabled: disabled,
                           zeroEmploymentFamily: zeroEmployment, employerId: employer, schoolId: school,
                           drawsMonthlyPension: worker.drawsMonthlyPension)
    }

    static func policyDate(_ date: CalendarDate?) -> PolicyDate? {
        guard let date else { return nil }
        return PolicyDate(validating: Int(date.year), Int(date.month), Int(date.day))
    }

    /// Eligible earlier claims as the engine's prior subsidies.
    static func priorSubsidies(_ claims: [Claim]) -> [PriorSubsidy] {
        claims.compactMap { claim in
            guard claim.decision?.eligible == true, let completed = policyDate(claim.completionDate) else { return nil }
            return PriorSubsidy(enrollmentId: claim.enrollmentId, occupationCode: claim.occupation?.code ?? "",
                                level: Int(claim.level.rawValue), completionDate: completed)
        }
    }

    /// - Parameter priorClaims: the worker's claims at payment; nil when payment did not answer.
    static func preview(worker: Worker, offering: Offering, enrollmentID: String, today: Day, priorClaims: [Claim]?,
                        book: PolicyBook?) -> EligibilityPreview {
        guard let book else { return simplePreview(worker: worker, offering: offering) }
        let code = offering.occupation?.code ?? ""
        var days = 0
        if let start = policyDate(offering.startDate), let end = policyDate(offering.endDate) {
            days = max(0, end.dayNumber - start.dayNumber + 1)
        }
        let kind: Policy.OfferingKind
        switch offering.kind {
        case .newHirePreJob: kind = .newHirePreJob
        case .projectBased: kind = .projectBased
        default: kind = .ordinary
        }
        let enrollment = EnrollmentFacts(
            enrollmentId: enrollmentID, offeringId: offering.id, occupationCode: code, level: Int(offering.level.rawValue),
            // R10 was checked against registration when the offering was published.
            institution: InstitutionFacts(institutionId: offering.institutionId, filingAccepted: true, licenceScope: [code]),
            offeringKind: kind, completionDate: PolicyDate(today.year, today.month, today.day), trainingDays: days,
            attendancePercent: 100,
            enterpriseId: offering.enterpriseCreditCode.isEmpty ? nil : offering.enterpriseCreditCode)
        // As if the training ended with a certificate of its occupation and level (R2 is met later).
        let certificate = CertificateFacts(certificateId: "preview", kind: .skillLevel, occupationCode: code,
                                           level: Int(offering.level.rawValue))
        let decision = SubsidyEngine.decide(worker: workerFacts(worker), enrollment: enrollment, certificate: certificate,
                                            priorSubsidies: priorSubsidies(priorClaims ?? []), book: book)
        var preview = EligibilityPreview()
        preview.eligible = decision.isEligible
        preview.refusingRuleIds = decision.refusedBy.map(\.rawValue)
        preview.estimatedSubsidyFen = decision.amountFen
        preview.freeForWorker = decision.feeRegime == .free
        preview.livingAllowance = decision.livingAllowanceFen > 0
        var message = decision.isEligible
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
            preview.message = "R5: people who draw a monthly pension are not eligible for a subsidy; the training may be taken self-paid"
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
            logger.warning("cannot load the bundled policy file; eligibility previews check R5 only", metadata: ["error": "\(error)"])
            return PreviewPolicy(book: nil)
        }
    }
}
