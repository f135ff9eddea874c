import Essentials
import Policy
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Translates between the public contract's messages (module `Schema`) and the policy engine's
/// facts and decisions (module `Policy`), for every service that asks the engine (payment decides
/// claims, matching previews eligibility), so that a preview and a decision read the same facts.
/// Both modules name some types alike (`CategoryFact`, `SkillLevel`, `Tranche` ...); this module is
/// the one place that sees both.
public enum PolicyBridge {
    /// The date, when it is set and exists.
    public static func date(_ date: CalendarDate?) -> CivilDate? {
        guard let value = date?.civilDate, value.isValid else { return nil }
        return value
    }

    public static func group(_ category: WorkerCategory) -> Policy.Group? {
        guard category.isRecognized, category != .unspecified else { return nil }
        return Policy.Group(rawValue: "G\(category.rawValue)")
    }

    /// The worker's facts as registration holds them. Low-income support counts as attested only
    /// when civil affairs attested it (registration's attestation table).
    public static func workerFacts(_ worker: Worker) -> WorkerFacts {
        var categories: [Policy.CategoryFact] = []
        var lowIncome = false
        var lowIncomeAttested = false
        var disabled = false
        var zeroEmployment = false
        var employer: String?
        var school: String?
        for fact in worker.categories {
            guard let group = group(fact.category) else { continue }
            categories.append(
                Policy.CategoryFact(
                    group, attested: fact.attested, attestedBy: fact.attestedByRole.isEmpty ? nil : fact.attestedByRole)
            )
            if fact.lowIncomeFamily {
                lowIncome = true
                if fact.attested && fact.attestedByRole == "civil-affairs" { lowIncomeAttested = true }
            }
            disabled = disabled || fact.disabled
            zeroEmployment = zeroEmployment || fact.zeroEmploymentFamily
            if !fact.employerCreditCode.isEmpty { employer = fact.employerCreditCode }
            if !fact.school.isEmpty { school = fact.school }
        }
        return WorkerFacts(
            workerId: worker.id, categories: categories, hukou: worker.hukou == .rural ? .rural : .urban,
            lowIncomeSupport: lowIncome, lowIncomeSupportAttested: lowIncomeAttested, disabled: disabled,
            zeroEmploymentFamily: zeroEmployment, employerId: employer, schoolId: school,
            drawsMonthlyPension: worker.drawsMonthlyPension)
    }

    public static func offeringKind(_ kind: Schema.OfferingKind) -> Policy.OfferingKind? {
        switch kind {
        case .ordinary: return .ordinary
        case .newHirePreJob: return .newHirePreJob
        case .projectBased: return .projectBased
        default: return nil
        }
    }

    public static func certificateKind(_ kind: Schema.CertificateKind) -> Policy.CertificateKind? {
        switch kind {
        case .occupationalQualification: return .occupationalQualification
        case .skillLevel: return .skillLevel
        case .specialVocationalAbility: return .specialVocationalAbility
        case .specialOperationPermit: return .specialOperationPermit
        case .trainingCompletion: return .trainingCompletion
        default: return nil
        }
    }

    public static func enrollmentFacts(
        enrollment: Enrollment, offering: Offering, institution: Institution,
        completion: CivilDate
    ) -> EnrollmentFacts {
        var days = 0
        if let start = date(offering.startDate), let end = date(offering.endDate) {
            days = max(0, end.dayNumber - start.dayNumber + 1)
        }
        return EnrollmentFacts(
            enrollmentId: enrollment.id, offeringId: offering.id, occupationCode: offering.occupation?.code ?? "",
            level: Int(offering.level.rawValue),
            institution: InstitutionFacts(
                institutionId: institution.id, filingAccepted: institution.filingStatus == .accepted,
                licenceScope: institution.licenceScopeOccupations),
            offeringKind: offeringKind(offering.kind) ?? .ordinary, completionDate: completion, trainingDays: days,
            attendancePercent: Int(enrollment.attendancePercent),
            enterpriseId: offering.enterpriseCreditCode.isEmpty ? nil : offering.enterpriseCreditCode)
    }

    public static func certificateFacts(
        _ certificate: Certificate, verified: Bool, revoked: Bool, enrollment: Enrollment,
        offering: Offering
    ) -> CertificateFacts? {
        guard let kind = certificateKind(certificate.kind) else { return nil }
        let level = certificate.level == .unspecified ? nil : Int(certificate.level.rawValue)
        let fromThisTraining =
            certificate.enrollmentId == enrollment.id
            || (certificate.enrollmentId.isEmpty && certificate.workerId == enrollment.workerId
                && certificate.occupation?.code == offering.occupation?.code)
        return CertificateFacts(
            certificateId: certificate.number, kind: kind, occupationCode: certificate.occupation?.code ?? "",
            level: level, verified: verified, revoked: revoked, fromThisTraining: fromThisTraining)
    }

    public static func payeeKind(_ kind: Policy.PayeeKind?) -> Schema.PayeeKind {
        switch kind {
        case .worker?: return .worker
        case .enterprise?: return .enterprise
        case .institution?: return .institution
        case nil: return .unspecified
        }
    }

    /// The contract's decision; tranche ids are derived from the claim id.
    public static func decision(_ decision: SubsidyDecision, claimID: String) -> Decision {
        Decision(
            eligible: decision.isEligible,
            refusingRuleIds: decision.refusedBy.map(\.rawValue),
            amountFen: decision.amountFen,
            payeeKind: payeeKind(decision.payee?.kind),
            payeeId: decision.payee?.id ?? "",
            tranches: decision.tranches.enumerated().map { position, tranche in
                // The contract counts tranches from 0; ids keep the engine's 1-based number.
                Schema.Tranche(
                    id: "\(claimID)-t\(tranche.index)", index: Int32(position), amountFen: tranche.amountFen,
                    state: tranche.isHeld ? .held : .payable, condition: tranche.condition.text,
                    decidedBy: tranche.decidedBy.map(\.rawValue))
            },
            livingAllowanceFen: decision.livingAllowanceFen,
            policyVersion: decision.policyVersion,
            trace: decision.trace.map { Schema.TraceLine(ruleId: $0.rule.rawValue, zh: $0.zh, en: $0.en) },
            standardFen: decision.standardFen,
            subsidyYear: Int32(decision.year),
            refusalReason: decision.refusalReason)
    }

    /// Who receives each tranche and why, as the ledger records it.
    public static func trancheDetails(_ decision: SubsidyDecision) -> [(
        payee: Schema.PayeeKind, payeeID: String, purpose: PaymentPurpose, rule: String
    )] {
        decision.tranches.map { tranche in
            (
                payeeKind(tranche.payee.kind), tranche.payee.id,
                tranche.purpose == .livingAllowance ? .livingAllowance : .trainingSubsidy, tranche.rule.rawValue
            )
        }
    }
}
