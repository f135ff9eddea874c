import Essentials
import Schema

/// Validates worker requests (RegisterWorker, UpdateWorker) against the contract and issue 4.
///
/// Every validator returns **all** problems it finds, in field order (an empty array means
/// valid); the service reports them as one INVALID_ARGUMENT, `ValidationError.joined(errors)`, or
/// just the first. A field whose value is invalid is not used for later cross-checks (e.g. an
/// invalid ID number is not compared with `birth_date`).
///
/// Fields the service assigns (`id`, `version`, `created_at`, `updated_at`) and the attestation
/// fields (`attested`, `attested_by_role`, `attested_by`, `attested_at`, `pension_attested_by`,
/// `pension_attested_at`) are not checked: the service overwrites them (`AttestationTable`).
public enum WorkerRequestValidation {
    /// Which category may carry which detail field of `CategoryFact` (the contract's comments).
    public static let detailCategories: [(field: String, categories: Set<WorkerCategory>)] = [
        ("low_income_family", [.g4PoorFamilyChild, .g6TwoAfterYouth]),
        ("disabled", [.g10EmploymentDifficulty]),
        ("zero_employment_family", [.g10EmploymentDifficulty]),
        ("employer_credit_code", [.g1EnterpriseEmployee, .g2NewHire]),
        ("school", [.g3Student]),
        ("rural", [.g6TwoAfterYouth]),
        ("hired_on", [.g2NewHire]),
    ]

    /// Worker fields an UpdateWorker may name in `update_mask`.
    public static let updatableFields: [String] = [
        "name", "phone", "hukou", "categories", "draws_monthly_pension", "birth_date", "district",
    ]

    /// RegisterWorker: `request_id`, then `worker` (see `validate(worker:...)`).
    public static func validate(_ request: RegisterWorkerRequest, today: (year: Int, month: Int, day: Int))
        -> [ValidationError]
    {
        var problems = Problems()
        problems.requestID(request.requestId)
        guard let worker = request.worker else {
            problems.add("worker", .missing, "the worker to register is required")
            return problems.errors
        }
        problems.errors += validate(worker: worker, today: today)
        return problems.errors
    }

    /// A worker to register: `id_number` (GB 11643-1999, birth date not after `today`), `name`
    /// (1...64 characters), `phone` (mobile or landline), `hukou` (urban or rural),
    /// `categories` (each known, not unspecified, not repeated, with consistent details),
    /// `birth_date` (when set: exists and equals the ID number's), `district` (when set: 6 digits).
    public static func validate(
        worker: Worker, field: String = "worker", today: (year: Int, month: Int, day: Int)
    ) -> [ValidationError] {
        var problems = Problems()
        let idNumber = problems.check { () throws(ValidationError) in
            try ResidentIDNumber(validating: worker.idNumber, today: today, field: "\(field).id_number")
        }
        problems.text(worker.name, field: "\(field).name", what: "the name", max: RequestChecks.maxPersonNameLength)
        _ = problems.check { () throws(ValidationError) in
            try PhoneNumber(validating: worker.phone, field: "\(field).phone")
        }
        checkHukou(worker.hukou, field: "\(field).hukou", into: &problems)
        checkCategories(
            worker.categories, hukou: worker.hukou, field: "\(field).categories", today: today, into: &problems)
        checkBirthDate(
            worker.birthDate, idNumber: idNumber, field: "\(field).birth_date", today: today, into: &problems)
        problems.district(worker.district, field: "\(field).district")
        return problems.errors
    }

    /// UpdateWorker: `request_id`, `worker.id`, `expected_version >= 0`, `update_mask` names from
    /// `updatableFields` without repeats, and each replaced field as in registration (every
    /// updatable field when the mask is empty). `id_number` cannot be changed.
    public static func validate(_ request: UpdateWorkerRequest, today: (year: Int, month: Int, day: Int))
        -> [ValidationError]
    {
        var problems = Problems()
        problems.requestID(request.requestId)
        guard let worker = request.worker else {
            problems.add("worker", .missing, "the worker's new values are required (worker.id names the worker)")
            return problems.errors
        }
        problems.text(
            worker.id, field: "worker.id", what: "the id of the worker to change", max: RequestChecks.maxRequestIDLength
        )
        if request.expectedVersion < 0 {
            problems.add(
                "expected_version", .invalidFormat,
                "must be 0 (no check) or the version read, got \(request.expectedVersion)")
        }
        var replaced: [String] = []
        for (index, name) in request.updateMask.enumerated() {
            let path = "update_mask[\(index)]"
            if name == "id_number" {
                problems.add(path, .inconsistent, "the ID number cannot be changed; it is the worker's identity")
            } else if !updatableFields.contains(name) {
                problems.add(
                    path, .invalidFormat,
                    "unknown field '\(name)'; updatable fields: \(updatableFields.joined(separator: ", "))")
            } else if replaced.contains(name) {
                problems.add(path, .duplicate, "'\(name)' is listed twice")
            } else {
                replaced.append(name)
            }
        }
        if request.updateMask.isEmpty { replaced = updatableFields }
        let f = "worker"
        if replaced.contains("name") {
            problems.text(worker.name, field: "\(f).name", what: "the name", max: RequestChecks.maxPersonNameLength)
        }
        if replaced.contains("phone") {
            _ = problems.check { () throws(ValidationError) in
                try PhoneNumber(validating: worker.phone, field: "\(f).phone")
            }
        }
        if replaced.contains("hukou") {
            checkHukou(worker.hukou, field: "\(f).hukou", into: &problems)
        }
        if replaced.contains("categories") {
            // G6's `rural` is compared with the hukou only when the hukou is replaced too (the
            // stored one is the service's to compare).
            let hukou: Hukou = replaced.contains("hukou") ? worker.hukou : .unspecified
            checkCategories(worker.categories, hukou: hukou, field: "\(f).categories", today: today, into: &problems)
        }
        if replaced.contains("birth_date") {
            let idNumber =
                worker.idNumber.isEmpty ? nil : try? ResidentIDNumber(validating: worker.idNumber, today: today)
            checkBirthDate(
                worker.birthDate, idNumber: idNumber, field: "\(f).birth_date", today: today, into: &problems)
        }
        if replaced.contains("district") {
            problems.district(worker.district, field: "\(f).district")
        }
        return problems.errors
    }

    // MARK: - Parts

    static func checkHukou(_ hukou: Hukou, field: String, into problems: inout Problems) {
        problems.enumValue(
            field: field, typeName: "skills.v1.Hukou", isRecognized: hukou.isRecognized,
            isUnspecified: hukou == .unspecified, rawValue: hukou.rawValue,
            unspecifiedName: "HUKOU_UNSPECIFIED", allowed: ["HUKOU_URBAN", "HUKOU_RURAL"])
    }

    static func checkBirthDate(
        _ date: CalendarDate?, idNumber: ResidentIDNumber?, field: String,
        today: (year: Int, month: Int, day: Int), into problems: inout Problems
    ) {
        guard let given = problems.optionalDate(date, field: field, what: "birth date", notAfter: today),
            let idNumber
        else { return }
        if given != idNumber.birthDate {
            let b = idNumber.birthDate
            problems.add(
                field, .inconsistent,
                "birth date \(CivilDate(given)) differs from the one in the ID number (\(CivilDate(b))); leave birth_date unset and the service takes it from the ID number"
            )
        }
    }

    static func checkCategories(
        _ facts: [CategoryFact], hukou: Hukou, field: String,
        today: (year: Int, month: Int, day: Int), into problems: inout Problems
    ) {
        var seen: [WorkerCategory: Int] = [:]
        for (index, fact) in facts.enumerated() {
            let path = "\(field)[\(index)]"
            let category = fact.category
            guard category.isRecognized else {
                problems.add(
                    "\(path).category", .unrecognizedValue,
                    "unknown skills.v1.WorkerCategory value \(category.rawValue); expected 1 (G1) ... 17 (G17)")
                continue
            }
            guard category != .unspecified else {
                problems.add(
                    "\(path).category", .unspecifiedValue,
                    "WORKER_CATEGORY_UNSPECIFIED is not allowed: set the category (G1 ... G17)")
                continue
            }
            if let first = seen[category] {
                problems.add(
                    "\(path).category", .duplicate,
                    "\(categoryLabel(category)) (\(category.protoName)) is listed twice (also \(field)[\(first)]); give each category once"
                )
                continue
            }
            seen[category] = index
            checkDetails(fact, path: path, hukou: hukou, today: today, into: &problems)
        }
    }

    static func checkDetails(
        _ fact: CategoryFact, path: String, hukou: Hukou,
        today: (year: Int, month: Int, day: Int), into problems: inout Problems
    ) {
        let category = fact.category
        let label = categoryLabel(category)
        // Details on a category they do not belong to.
        let setDetails: [String: Bool] = [
            "low_income_family": fact.lowIncomeFamily,
            "disabled": fact.disabled,
            "zero_employment_family": fact.zeroEmploymentFamily,
            "employer_credit_code": !fact.employerCreditCode.isEmpty,
            "school": !fact.school.isEmpty,
            "rural": fact.rural,
            "hired_on": fact.hiredOn.map { !($0.year == 0 && $0.month == 0 && $0.day == 0) } ?? false,
        ]
        for (detail, categories) in detailCategories where setDetails[detail] == true && !categories.contains(category)
        {
            let owners = categories.map(categoryLabel).sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }
            problems.add(
                "\(path).\(detail)", .inconsistent,
                "\(detail) belongs to \(owners.joined(separator: "/")) facts, not to \(label); put it on the \(owners.joined(separator: " or ")) entry or leave it unset"
            )
        }
        switch category {
        case .g1EnterpriseEmployee, .g2NewHire:
            if fact.employerCreditCode.isEmpty {
                problems.add(
                    "\(path).employer_credit_code", .missing,
                    "\(label) needs the employer's unified social credit code")
            } else {
                _ = problems.check { () throws(ValidationError) in
                    try UnifiedSocialCreditCode(
                        validating: fact.employerCreditCode, field: "\(path).employer_credit_code")
                }
            }
            if category == .g2NewHire {
                problems.optionalDate(fact.hiredOn, field: "\(path).hired_on", what: "hire date", notAfter: today)
            }
        case .g3Student:
            if isBlank(fact.school) {
                problems.add("\(path).school", .missing, "G3 needs the school or university the student attends")
            } else {
                problems.optionalText(
                    fact.school, field: "\(path).school", what: "the school",
                    max: RequestChecks.maxOrganisationNameLength)
            }
        case .g6TwoAfterYouth:
            // R9 pays G6 youth by hukou: rural, or urban with (attested) low-income support.
            // worker.hukou is the source of truth; the deprecated `rural` may only agree with it
            // (false cannot be told from "not given", so only rural = true with an urban hukou
            // contradicts it; the service fills `rural` from the hukou).
            if hukou == .urban && fact.rural {
                problems.add(
                    "\(path).rural", .inconsistent,
                    "G6 rural is true but worker.hukou is HUKOU_URBAN; worker.hukou is the one source of truth (rural is "
                        + "deprecated): leave rural unset, and an urban youth qualifies for R9 through low_income_family"
                )
            }
        default:
            break
        }
        problems.optionalDate(fact.validUntil, field: "\(path).valid_until", what: "valid-until date")
        problems.optionalText(
            fact.evidenceReference, field: "\(path).evidence_reference", what: "the evidence reference",
            max: RequestChecks.maxOrganisationNameLength)
    }
}
