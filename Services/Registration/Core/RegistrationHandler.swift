import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `skills.v1.RegistrationService`: the people and organisations the programme works with
/// (docs/POLICY.md "Who is registered"), with inter-department attestation and personal-data masking.
public struct RegistrationHandler: RegistrationServiceProvider {
    let environment: ServiceEnvironment
    let store: RegistrationStore
    let attestation: AttestationTable
    let masking: PersonalDataMasking

    public init(
        environment: ServiceEnvironment, attestation: AttestationTable = .dezhouDefault,
        masking: PersonalDataMasking = .dezhouDefault
    ) {
        self.environment = environment
        self.store = RegistrationStore(database: environment.database)
        self.attestation = attestation
        self.masking = masking
    }

    public static let manifest = ServiceManifest(
        name: "registration", defaultPort: 7101, accessTable: RegistrationAccess.table,
        migrations: RegistrationMigrations.all)

    /// Today in the policy's time zone (Asia/Shanghai): the call's business day.
    static func today() -> (year: Int, month: Int, day: Int) {
        let day = BusinessDay.today()
        return (day.year, day.month, day.day)
    }

    static func newID(_ prefix: String) -> String { RecordID.make(prefix) }

    private func role(_ context: ServerContext) -> String { context.peer.role?.rawValue ?? "" }

    // MARK: Workers

    public func registerWorker(request: RegisterWorkerRequest, context: ServerContext) async throws -> Worker {
        var problems = WorkerRequestValidation.validate(request, today: Self.today())
        if let worker = request.worker {
            problems += WorkerFactsConsistency.unbackedAttestations(
                worker.categories, callerRole: role(context), previous: [],
                table: attestation, field: "worker.categories")
        }
        guard problems.isEmpty, var submitted = request.worker else { throw RegistrationError.invalid(problems) }
        submitted.categories = WorkerFactsConsistency.mirrorHukou(submitted.categories, hukou: submitted.hukou)
        let now = Timestamps.timestamp()
        var worker = attestation.attest(
            worker: submitted, callerRole: role(context), callerIdentity: context.peer.commonName, at: now)
        worker.idNumber = worker.idNumber.uppercased()
        worker.id = Self.newID("w")
        worker.version = 1
        worker.createdAt = now
        worker.updatedAt = now
        if worker.birthDate == nil, let id = try? ResidentIDNumber(validating: worker.idNumber, today: Self.today()) {
            worker.birthDate = id.birthCalendarDate
        }
        let store = self.store
        let stored = worker
        let result = try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (worker: Worker) in "worker/\(worker.id)" }
        ) { connection in
            if let existing = try store.insertWorker(stored, changedBy: context.peer.commonName, on: connection) {
                throw RegistrationError.workerExists(id: existing)
            }
            return stored
        }
        return masking.apply(role: role(context), to: result)
    }

    public func getWorker(request: GetWorkerRequest, context: ServerContext) async throws -> Worker {
        let worker: Worker?
        switch request.key {
        case .workerId(let id)?:
            worker = try await store.worker(id: id)
        case .idNumber(let number)?:
            worker = try await store.worker(idNumber: number.uppercased())
        case nil:
            throw RegistrationError.invalid([
                ValidationError(field: "key", code: .missing, message: "set worker_id or id_number")
            ])
        }
        guard let worker else { throw RegistrationError.workerNotFound(request.key.map { "\($0)" } ?? "") }
        return masking.apply(role: role(context), to: worker)
    }

    public func updateWorker(request: UpdateWorkerRequest, context: ServerContext) async throws -> Worker {
        let problems = WorkerRequestValidation.validate(request, today: Self.today())
        guard problems.isEmpty, let submitted = request.worker else { throw RegistrationError.invalid(problems) }
        let store = self.store
        let attestation = self.attestation
        let callerRole = role(context)
        let result = try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (worker: Worker) in "worker/\(worker.id)" },
            detail: { (worker: Worker) in "version \(worker.version)" }
        ) { connection in
            guard let current = try store.worker(id: submitted.id, on: connection) else {
                throw RegistrationError.workerNotFound(submitted.id)
            }
            if request.expectedVersion != 0 && request.expectedVersion != current.version {
                throw RegistrationError.versionMismatch(expected: request.expectedVersion, actual: current.version)
            }
            var merged = current
            let mask = Set(request.updateMask.isEmpty ? WorkerRequestValidation.updatableFields : request.updateMask)
            if mask.contains("name") { merged.name = submitted.name }
            if mask.contains("phone") { merged.phone = submitted.phone }
            if mask.contains("hukou") { merged.hukou = submitted.hukou }
            if mask.contains("categories") { merged.categories = submitted.categories }
            if mask.contains("draws_monthly_pension") { merged.drawsMonthlyPension = submitted.drawsMonthlyPension }
            if mask.contains("district") { merged.district = submitted.district }
            // Attestation is the caller role's to give, and hukou is the one rural/urban fact.
            var problems = WorkerFactsConsistency.ruralContradictions(
                merged.categories, hukou: merged.hukou, field: "worker.categories")
            if mask.contains("categories") {
                problems += WorkerFactsConsistency.unbackedAttestations(
                    submitted.categories, callerRole: callerRole,
                    previous: current.categories, table: attestation,
                    field: "worker.categories")
            }
            guard problems.isEmpty else { throw RegistrationError.invalid(problems) }
            merged.categories = WorkerFactsConsistency.mirrorHukou(merged.categories, hukou: merged.hukou)
            let now = Timestamps.timestamp()
            merged = attestation.attest(
                worker: merged, callerRole: callerRole, callerIdentity: context.peer.commonName,
                at: now, previous: current)
            merged.version = current.version + 1
            merged.updatedAt = now
            guard
                try store.replaceWorker(
                    merged, previousVersion: current.version, changedBy: context.peer.commonName, on: connection)
            else {
                throw RegistrationError.versionMismatch(expected: current.version, actual: current.version + 1)
            }
            return merged
        }
        return masking.apply(role: callerRole, to: result)
    }

    public func listWorkers(request: ListWorkersRequest, responses: MessageWriter<Worker>, context: ServerContext)
        async throws
    {
        guard request.category.isRecognized else {
            throw RegistrationError.invalid([
                ValidationError(
                    field: "category", code: .unrecognizedValue,
                    message: "unknown category \(request.category.rawValue)")
            ])
        }
        guard request.limit >= 0 else {
            throw RegistrationError.invalid([
                ValidationError(field: "limit", code: .invalidFormat, message: "must not be negative")
            ])
        }
        var remaining = request.limit == 0 ? Int.max : Int(request.limit)
        var after = request.afterId
        let callerRole = role(context)
        while remaining > 0 {
            let page = try await store.workers(
                category: request.category, district: request.district, afterID: after,
                limit: min(remaining, 500))
            for worker in page { try await responses.write(masking.apply(role: callerRole, to: worker)) }
            guard let last = page.last, page.count == min(remaining, 500) else { return }
            after = last.id
            remaining -= page.count
        }
    }

    // MARK: Enterprises

    public func registerEnterprise(request: RegisterEnterpriseRequest, context: ServerContext) async throws
        -> Enterprise
    {
        let problems = EnterpriseRequestValidation.validate(request)
        guard problems.isEmpty, var enterprise = request.enterprise else { throw RegistrationError.invalid(problems) }
        let now = Timestamps.timestamp()
        enterprise.creditCode = enterprise.creditCode.uppercased()
        enterprise.version = 1
        enterprise.createdAt = now
        enterprise.updatedAt = now
        let store = self.store
        let stored = enterprise
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (enterprise: Enterprise) in "enterprise/\(enterprise.creditCode)" }
        ) { connection in
            guard try store.insertEnterprise(stored, on: connection) else {
                throw RegistrationError.enterpriseExists(creditCode: stored.creditCode)
            }
            return stored
        }
    }

    public func getEnterprise(request: GetEnterpriseRequest, context: ServerContext) async throws -> Enterprise {
        let code = request.creditCode.uppercased()
        guard let enterprise = try await store.enterprise(creditCode: code) else {
            throw RegistrationError.enterpriseNotFound(code)
        }
        return enterprise
    }

    // MARK: Institutions (C4, R10)

    public func registerInstitution(request: RegisterInstitutionRequest, context: ServerContext) async throws
        -> Institution
    {
        let problems = InstitutionRequestValidation.validate(request)
        guard problems.isEmpty, var institution = request.institution else { throw RegistrationError.invalid(problems) }
        let now = Timestamps.timestamp()
        institution.id = Self.newID("i")
        institution.creditCode = institution.creditCode.uppercased()
        // Filing (备案) starts pending; only hrss's review accepts it (R10).
        institution.filingStatus = .pending
        institution.reviewedBy = ""
        institution.reviewedAt = nil
        institution.reviewNote = ""
        institution.version = 1
        institution.createdAt = now
        institution.updatedAt = now
        let store = self.store
        let stored = institution
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (institution: Institution) in "institution/\(institution.id)" }
        ) { connection in
            if let existing = try store.insertInstitution(stored, on: connection) {
                throw RegistrationError.institutionExists(id: existing)
            }
            return stored
        }
    }

    public func reviewInstitutionFiling(request: ReviewInstitutionFilingRequest, context: ServerContext) async throws
        -> Institution
    {
        let problems = InstitutionRequestValidation.validate(request)
        guard problems.isEmpty else { throw RegistrationError.invalid(problems) }
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (institution: Institution) in "institution/\(institution.id)" },
            detail: { (institution: Institution) in "filing \(institution.filingStatus.protoName)" }
        ) { connection in
            guard var institution = try store.institution(id: request.institutionId, on: connection) else {
                throw RegistrationError.institutionNotFound(request.institutionId)
            }
            guard institution.filingStatus == .pending else {
                throw RegistrationError.filingAlreadyReviewed(id: institution.id, status: institution.filingStatus)
            }
            let now = Timestamps.timestamp()
            institution.filingStatus = request.accept ? .accepted : .rejected
            if request.accept && !request.licenceScopeOccupations.isEmpty {
                institution.licenceScopeOccupations = request.licenceScopeOccupations
            }
            institution.reviewedBy = context.peer.commonName
            institution.reviewedAt = now
            institution.reviewNote = request.note
            institution.version += 1
            institution.updatedAt = now
            try store.updateInstitution(institution, on: connection)
            return institution
        }
    }

    public func setInstitutionSystems(request: SetInstitutionSystemsRequest, context: ServerContext) async throws
        -> Institution
    {
        let problems = InstitutionRequestValidation.validate(request)
        guard problems.isEmpty else { throw RegistrationError.invalid(problems) }
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (institution: Institution) in "institution/\(institution.id)" },
            detail: { (institution: Institution) in
                "systems \(institution.systemCertificateNames.joined(separator: ","))"
            }
        ) { connection in
            guard var institution = try store.institution(id: request.institutionId, on: connection) else {
                throw RegistrationError.institutionNotFound(request.institutionId)
            }
            if request.expectedVersion != 0 && request.expectedVersion != institution.version {
                throw RegistrationError.institutionVersionMismatch(
                    id: institution.id, expected: request.expectedVersion,
                    actual: institution.version)
            }
            institution.systemCertificateNames = request.systemCertificateNames
            institution.version += 1
            institution.updatedAt = Timestamps.timestamp()
            try store.updateInstitution(institution, on: connection)
            return institution
        }
    }

    public func getInstitution(request: GetInstitutionRequest, context: ServerContext) async throws -> Institution {
        guard let institution = try await store.institution(id: request.institutionId) else {
            throw RegistrationError.institutionNotFound(request.institutionId)
        }
        return institution
    }

    public func listInstitutions(request: ListInstitutionsRequest, context: ServerContext) async throws
        -> ListInstitutionsResponse
    {
        var problems: [ValidationError] = []
        if !request.filingStatus.isRecognized {
            problems.append(
                ValidationError(
                    field: "filing_status", code: .unrecognizedValue,
                    message: "unknown value \(request.filingStatus.rawValue)"))
        }
        if !request.kind.isRecognized {
            problems.append(
                ValidationError(
                    field: "kind", code: .unrecognizedValue, message: "unknown value \(request.kind.rawValue)"))
        }
        guard problems.isEmpty else { throw RegistrationError.invalid(problems) }
        let size = try Self.pageSize(request.pageSize)
        let page = try await store.institutions(
            status: request.filingStatus, kind: request.kind, occupation: request.occupationCode,
            afterID: request.pageToken, limit: size)
        return ListInstitutionsResponse(
            institutions: page, nextPageToken: page.count == size ? page.last?.id ?? "" : "")
    }

    // MARK: Teachers

    public func registerTeacher(request: RegisterTeacherRequest, context: ServerContext) async throws -> Teacher {
        let problems = TeacherRequestValidation.validate(request, today: Self.today())
        guard problems.isEmpty, var teacher = request.teacher else { throw RegistrationError.invalid(problems) }
        teacher.id = Self.newID("t")
        teacher.idNumber = teacher.idNumber.uppercased()
        teacher.createdAt = Timestamps.timestamp()
        let store = self.store
        let stored = teacher
        let result = try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (teacher: Teacher) in "teacher/\(teacher.id)" }
        ) { connection in
            do {
                try store.insertTeacher(stored, on: connection)
            } catch let error as DBError where error.kind == .uniqueViolation {
                throw RegistrationError.teacherExists
            }
            return stored
        }
        return masking.apply(role: role(context), to: result)
    }

    public func listTeachers(request: ListTeachersRequest, context: ServerContext) async throws -> ListTeachersResponse
    {
        guard request.pool.isRecognized else {
            throw RegistrationError.invalid([
                ValidationError(
                    field: "pool", code: .unrecognizedValue, message: "unknown value \(request.pool.rawValue)")
            ])
        }
        let size = try Self.pageSize(request.pageSize)
        let page = try await store.teachers(
            pool: request.pool, speciality: request.speciality, afterID: request.pageToken, limit: size)
        let callerRole = role(context)
        return ListTeachersResponse(
            teachers: page.map { masking.apply(role: callerRole, to: $0) },
            nextPageToken: page.count == size ? page.last?.id ?? "" : "")
    }

    /// Page sizes: 0 means 100; at most 1000.
    /// `PageSize`'s rule; a negative size is `INVALID_ARGUMENT`.
    static func pageSize(_ requested: Int32) throws -> Int {
        guard let rows = PageSize.rows(for: requested) else {
            throw RegistrationError.invalid([
                ValidationError(field: "page_size", code: .invalidFormat, message: PageSize.refusal(for: requested))
            ])
        }
        return rows
    }
}
