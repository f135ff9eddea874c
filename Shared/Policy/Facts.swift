// The inputs of a decision: facts about the worker, the enrolment, the certificate, earlier
// subsidies and (for R7) the employment report. Plain values: the payment service fills them from
// registration (worker, institution), matching (enrolment), assessment (certificate) and its own
// store (earlier subsidies).

import Essentials

/// One category (G1..G17) a worker carries, with whether the responsible department attested it.
/// A category listed in the policy's `attestation.requiredFor` counts only when attested (issue 4:
/// self-declared facts are kept but never bring money or free training).
public struct CategoryFact: Sendable, Hashable, Codable {
    public var group: Group
    public var attested: Bool
    /// The attesting department role (informational; e.g. "civil-affairs", "poverty-office").
    public var attestedBy: String?

    public init(_ group: Group, attested: Bool, attestedBy: String? = nil) {
        self.group = group
        self.attested = attested
        self.attestedBy = attestedBy
    }
}

public enum Hukou: String, Sendable, Hashable, Codable, CaseIterable {
    case urban
    case rural
}

public struct WorkerFacts: Sendable, Hashable, Codable {
    public var workerId: String
    public var categories: [CategoryFact]
    /// Household registration (from the resident registration, not a self-declaration).
    public var hukou: Hukou
    /// The family receives minimum living support (低保) — G6's detail for R9.
    public var lowIncomeSupport: Bool
    /// Civil affairs attested the low-income support.
    public var lowIncomeSupportAttested: Bool
    /// G10 details (informational: G10 itself is what R8/R9 look at).
    public var disabled: Bool
    public var zeroEmploymentFamily: Bool
    /// G1/G2: the employing enterprise (R6 requires it to be the enterprise of the offering).
    public var employerId: String?
    /// G3: the school.
    public var schoolId: String?
    /// R5: draws a monthly pension (按月领取养老金), as reported by the social-insurance role.
    public var drawsMonthlyPension: Bool

    public init(
        workerId: String,
        categories: [CategoryFact] = [],
        hukou: Hukou = .urban,
        lowIncomeSupport: Bool = false,
        lowIncomeSupportAttested: Bool = false,
        disabled: Bool = false,
        zeroEmploymentFamily: Bool = false,
        employerId: String? = nil,
        schoolId: String? = nil,
        drawsMonthlyPension: Bool = false
    ) {
        self.workerId = workerId
        self.categories = categories
        self.hukou = hukou
        self.lowIncomeSupport = lowIncomeSupport
        self.lowIncomeSupportAttested = lowIncomeSupportAttested
        self.disabled = disabled
        self.zeroEmploymentFamily = zeroEmploymentFamily
        self.employerId = employerId
        self.schoolId = schoolId
        self.drawsMonthlyPension = drawsMonthlyPension
    }

    /// Whether the worker declares the group at all (attested or not).
    public func declares(_ g: Group) -> Bool { categories.contains { $0.group == g } }
}

/// The institution as the enrolment sees it (from registration's filing record, R10).
public struct InstitutionFacts: Sendable, Hashable, Codable {
    public var institutionId: String
    /// The filing (备案) was accepted by the hrss role.
    public var filingAccepted: Bool
    /// Occupation codes in the licence scope (办学许可范围).
    public var licenceScope: [String]

    public init(institutionId: String, filingAccepted: Bool, licenceScope: [String]) {
        self.institutionId = institutionId
        self.filingAccepted = filingAccepted
        self.licenceScope = licenceScope
    }
}

public struct EnrollmentFacts: Sendable, Hashable, Codable {
    public var enrollmentId: String
    public var offeringId: String
    /// Occupation code (职业分类大典 style, e.g. "6-31-01-03").
    public var occupationCode: String
    /// A3 level of the offering, 5 (初级工) ... 1 (高级技师).
    public var level: Int
    public var institution: InstitutionFacts
    public var offeringKind: OfferingKind
    /// The day the training was completed, in the policy's time zone. It picks the standard (R1),
    /// the year (R3) and the allowance window (R9).
    public var completionDate: CivilDate
    /// Scheduled training days (R9 allowance basis).
    public var trainingDays: Int
    /// Attendance 0...100 (R9: allowance days = trainingDays * attendance / 100, floored).
    public var attendancePercent: Int
    /// The enterprise for R6 (new hires' pre-job training); `nil` otherwise.
    public var enterpriseId: String?

    public init(
        enrollmentId: String,
        offeringId: String,
        occupationCode: String,
        level: Int,
        institution: InstitutionFacts,
        offeringKind: OfferingKind = .ordinary,
        completionDate: CivilDate,
        trainingDays: Int = 0,
        attendancePercent: Int = 100,
        enterpriseId: String? = nil
    ) {
        self.enrollmentId = enrollmentId
        self.offeringId = offeringId
        self.occupationCode = occupationCode
        self.level = level
        self.institution = institution
        self.offeringKind = offeringKind
        self.completionDate = completionDate
        self.trainingDays = trainingDays
        self.attendancePercent = attendancePercent
        self.enterpriseId = enterpriseId
    }
}

/// The certificate the worker obtained (A2), as verified with the assessment service (A4).
public struct CertificateFacts: Sendable, Hashable, Codable {
    public var certificateId: String
    public var kind: CertificateKind
    public var occupationCode: String
    /// 1...5 for kinds that carry a level (policy `certificates.kindsWithLevel`); `nil` otherwise.
    public var level: Int?
    /// Verified with the issuing body (assessment service).
    public var verified: Bool
    public var revoked: Bool
    /// Obtained from this enrolment's training (not an older certificate).
    public var fromThisTraining: Bool

    public init(
        certificateId: String,
        kind: CertificateKind,
        occupationCode: String,
        level: Int?,
        verified: Bool = true,
        revoked: Bool = false,
        fromThisTraining: Bool = true
    ) {
        self.certificateId = certificateId
        self.kind = kind
        self.occupationCode = occupationCode
        self.level = level
        self.verified = verified
        self.revoked = revoked
        self.fromThisTraining = fromThisTraining
    }
}

/// A subsidy the worker already received (an eligible decision stored by the payment service).
/// R3 counts those completed in the same calendar year; R4 looks for the same occupation + level.
/// An entry whose `enrollmentId` equals the enrolment being decided is ignored, so a retried or
/// replayed decision does not count itself.
public struct PriorSubsidy: Sendable, Hashable, Codable {
    public var enrollmentId: String
    public var occupationCode: String
    public var level: Int
    public var completionDate: CivilDate

    public init(enrollmentId: String, occupationCode: String, level: Int, completionDate: CivilDate) {
        self.enrollmentId = enrollmentId
        self.occupationCode = occupationCode
        self.level = level
        self.completionDate = completionDate
    }
}

/// R7: the employment result of a project-based offering: how many completed the training and how
/// many of them are employed (reported by the institution, confirmed by the hrss role — DECISIONS.md).
public struct EmploymentReport: Sendable, Hashable, Codable {
    public var offeringId: String
    public var trained: Int
    public var employed: Int

    public init(offeringId: String, trained: Int, employed: Int) {
        self.offeringId = offeringId
        self.trained = trained
        self.employed = employed
    }
}
