import Essentials
import Schema

/// Validates enterprise requests. Returns all problems in field order (empty = valid), like
/// `WorkerRequestValidation`. `version` and the timestamps are the service's and not checked.
public enum EnterpriseRequestValidation {
    /// RegisterEnterprise: `request_id`; `enterprise.credit_code` (GB 32100-2015), `name`
    /// (1...128 characters), `industry` (GB/T 4754: a section letter A-T and/or 2-4 digits, e.g.
    /// `C2614`, `C26` or `2614`), `high_risk_sector` only with `high_risk`, `district` (6 digits when set).
    public static func validate(_ request: RegisterEnterpriseRequest) -> [ValidationError] {
        var problems = Problems()
        problems.requestID(request.requestId)
        guard let enterprise = request.enterprise else {
            problems.add("enterprise", .missing, "the enterprise to register is required")
            return problems.errors
        }
        let f = "enterprise"
        _ = problems.check { () throws(ValidationError) in
            try UnifiedSocialCreditCode(validating: enterprise.creditCode, field: "\(f).credit_code")
        }
        problems.text(
            enterprise.name, field: "\(f).name", what: "the registered name",
            max: RequestChecks.maxOrganisationNameLength)
        if isBlank(enterprise.industry) {
            problems.add("\(f).industry", .missing, "the industry code (GB/T 4754, e.g. C2614) is required")
        } else if !isIndustryCode(enterprise.industry) {
            problems.add(
                "\(f).industry", .invalidFormat,
                "'\(enterprise.industry)' is not a GB/T 4754 industry code: a section letter A-T and/or 2 to 4 digits, e.g. C2614, C26 or 2614"
            )
        }
        if !enterprise.highRisk && !enterprise.highRiskSector.isEmpty {
            problems.add(
                "\(f).high_risk_sector", .inconsistent,
                "high_risk_sector '\(enterprise.highRiskSector)' is set but high_risk is false; set high_risk or clear the sector"
            )
        } else {
            problems.optionalText(
                enterprise.highRiskSector, field: "\(f).high_risk_sector", what: "the high-risk sector", max: 64)
        }
        problems.district(enterprise.district, field: "\(f).district")
        return problems.errors
    }

    /// GB/T 4754 shape: `[A-T]`, `[A-T]?` + 2, 3 or 4 digits.
    public static func isIndustryCode(_ value: String) -> Bool {
        var chars = Array(value)
        if let first = chars.first, let ascii = first.asciiValue, ascii >= 65, ascii <= 84 {
            chars.removeFirst()
            if chars.isEmpty { return true }
        }
        return (2...4).contains(chars.count) && chars.allSatisfy { asciiDigit($0) != nil }
    }
}

/// Validates training-institution requests. Returns all problems in field order (empty = valid).
public enum InstitutionRequestValidation {
    static let kindNames = InstitutionKind.allCases.filter { $0 != .unspecified }.map(\.protoName)

    /// RegisterInstitution: `request_id`; `institution.credit_code` (GB 32100-2015), `name`
    /// (1...128), `kind` (known, not unspecified), `licence_scope_occupations` (each non-empty, no
    /// repeats; the filing fields are otherwise ignored), `contact_phone` (valid when set),
    /// `address` (at most 128), `district` (6 digits when set).
    public static func validate(_ request: RegisterInstitutionRequest) -> [ValidationError] {
        var problems = Problems()
        problems.requestID(request.requestId)
        guard let institution = request.institution else {
            problems.add("institution", .missing, "the institution to file is required")
            return problems.errors
        }
        let f = "institution"
        _ = problems.check { () throws(ValidationError) in
            try UnifiedSocialCreditCode(validating: institution.creditCode, field: "\(f).credit_code")
        }
        problems.text(
            institution.name, field: "\(f).name", what: "the name", max: RequestChecks.maxOrganisationNameLength)
        problems.enumValue(
            field: "\(f).kind", typeName: "skills.v1.InstitutionKind", isRecognized: institution.kind.isRecognized,
            isUnspecified: institution.kind == .unspecified, rawValue: institution.kind.rawValue,
            unspecifiedName: "INSTITUTION_KIND_UNSPECIFIED", allowed: kindNames)
        problems.codeList(
            institution.licenceScopeOccupations, field: "\(f).licence_scope_occupations",
            what: "occupation code", required: false)
        if !institution.contactPhone.isEmpty {
            _ = problems.check { () throws(ValidationError) in
                try PhoneNumber(validating: institution.contactPhone, field: "\(f).contact_phone")
            }
        }
        problems.optionalText(
            institution.address, field: "\(f).address", what: "the address",
            max: RequestChecks.maxOrganisationNameLength)
        problems.district(institution.district, field: "\(f).district")
        systemCertificateNames(
            institution.systemCertificateNames, field: "\(f).system_certificate_names", into: &problems)
        return problems.errors
    }

    /// Most certificate names an institution may list (its systems: a main one, a standby, a few
    /// campus systems).
    public static let maxSystemCertificateNames = 16
    /// Longest certificate common name (X.509 `ub-common-name`).
    public static let maxCertificateNameLength = 64

    /// `system_certificate_names`: at most 16, each 1...64 characters, no control characters, no
    /// leading or trailing spaces, no repeats. Empty is allowed (no system may act for it yet).
    static func systemCertificateNames(_ names: [String], field: String, into problems: inout Problems) {
        if names.count > maxSystemCertificateNames {
            problems.add(field, .tooLong, "at most \(maxSystemCertificateNames) certificate names, got \(names.count)")
            return
        }
        problems.codeList(
            names, field: field, what: "certificate common name", required: false, maxLength: maxCertificateNameLength)
        for (index, name) in names.enumerated()
        where !isBlank(name) && name.trimmingHorizontalWhitespace() != name {
            problems.add(
                "\(field)[\(index)]", .invalidFormat, "certificate common name '\(name)' has leading or trailing spaces"
            )
        }
    }

    /// SetInstitutionSystems: `request_id`, `institution_id`, `system_certificate_names` (as above),
    /// `expected_version` not negative.
    public static func validate(_ request: SetInstitutionSystemsRequest) -> [ValidationError] {
        var problems = Problems()
        problems.requestID(request.requestId)
        problems.text(
            request.institutionId, field: "institution_id", what: "the id of the institution",
            max: RequestChecks.maxRequestIDLength)
        systemCertificateNames(request.systemCertificateNames, field: "system_certificate_names", into: &problems)
        if request.expectedVersion < 0 {
            problems.add("expected_version", .invalidFormat, "must not be negative, got \(request.expectedVersion)")
        }
        return problems.errors
    }

    /// ReviewInstitutionFiling: `request_id`, `institution_id`; accepting needs at least one
    /// licence-scope occupation code (each non-empty, no repeats); rejecting needs a `note`.
    public static func validate(_ request: ReviewInstitutionFilingRequest) -> [ValidationError] {
        var problems = Problems()
        problems.requestID(request.requestId)
        problems.text(
            request.institutionId, field: "institution_id", what: "the id of the institution under review",
            max: RequestChecks.maxRequestIDLength)
        if request.accept {
            problems.codeList(
                request.licenceScopeOccupations, field: "licence_scope_occupations",
                what: "occupation code of the licence scope (R10)", required: true)
            problems.optionalText(request.note, field: "note", what: "the note", max: RequestChecks.maxNoteLength)
        } else {
            if !request.licenceScopeOccupations.isEmpty {
                problems.add(
                    "licence_scope_occupations", .inconsistent,
                    "a rejected filing has no licence scope; clear the occupations or set accept = true")
            }
            problems.text(
                request.note, field: "note", what: "the reason for rejecting the filing (note)",
                max: RequestChecks.maxNoteLength)
        }
        return problems.errors
    }
}

/// Validates teacher requests. Returns all problems in field order (empty = valid).
public enum TeacherRequestValidation {
    /// RegisterTeacher: `request_id`; `teacher.id_number` (GB 11643-1999), `name` (1...64), `pool`
    /// (known, not unspecified), `specialities` (at least one, each non-empty, no repeats),
    /// `phone` (valid when set), `title` (at most 64).
    public static func validate(_ request: RegisterTeacherRequest, today: (year: Int, month: Int, day: Int))
        -> [ValidationError]
    {
        var problems = Problems()
        problems.requestID(request.requestId)
        guard let teacher = request.teacher else {
            problems.add("teacher", .missing, "the teacher to register is required")
            return problems.errors
        }
        let f = "teacher"
        _ = problems.check { () throws(ValidationError) in
            try ResidentIDNumber(validating: teacher.idNumber, today: today, field: "\(f).id_number")
        }
        problems.text(teacher.name, field: "\(f).name", what: "the name", max: RequestChecks.maxPersonNameLength)
        problems.enumValue(
            field: "\(f).pool", typeName: "skills.v1.TeacherPool", isRecognized: teacher.pool.isRecognized,
            isUnspecified: teacher.pool == .unspecified, rawValue: teacher.pool.rawValue,
            unspecifiedName: "TEACHER_POOL_UNSPECIFIED",
            allowed: ["TEACHER_POOL_VOCATIONAL", "TEACHER_POOL_ENTREPRENEURSHIP"])
        problems.codeList(
            teacher.specialities, field: "\(f).specialities",
            what: "speciality (occupation code or entrepreneurship topic)", required: true)
        if !teacher.phone.isEmpty {
            _ = problems.check { () throws(ValidationError) in
                try PhoneNumber(validating: teacher.phone, field: "\(f).phone")
            }
        }
        problems.optionalText(teacher.title, field: "\(f).title", what: "the professional title", max: 64)
        return problems.errors
    }
}
