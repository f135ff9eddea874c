import Essentials
import Foundation
import Logging
import SQL
import Schema
import ServiceKit

/// `skills.v1.MatchingService`: the five orders (docs/POLICY.md O1..O5) and the catalogues C1..C3.
/// Registration is asked about institutions (R10), workers and enterprises; payment about the
/// subsidy standard (R1) and, for O5, to take the claim.
public struct MatchingHandler: MatchingServiceProvider {
    let environment: ServiceEnvironment
    let store: MatchingStore
    /// The policy file the eligibility preview (O3) is computed with.
    let policy: PreviewPolicy

    /// - Parameter policy: the checked `--policy-file`; `nil` previews with the bundled policy.
    public init(environment: ServiceEnvironment, policy: LoadedPolicy? = nil) {
        self.environment = environment
        self.store = MatchingStore(database: environment.database)
        self.policy = policy.map { PreviewPolicy(book: $0.book) } ?? PreviewPolicy.bundled(logger: environment.logger)
    }

    public static let manifest = ServiceManifest(
        name: "matching", defaultPort: 7102, accessTable: MatchingAccess.table,
        migrations: MatchingMigrations.all)

    /// Today in the policy's time zone (Asia/Shanghai): the call's business day.
    static func today() -> CivilDate { BusinessDay.today() }

    static func newID(_ prefix: String) -> String { RecordID.make(prefix) }

    /// `PageSize`'s rule; a negative size is `INVALID_ARGUMENT`.
    static func pageSize(_ requested: Int32, field: String = "page_size") throws -> Int {
        guard let rows = PageSize.rows(for: requested) else {
            throw MatchingError.invalid(field: field, message: PageSize.refusal(for: requested))
        }
        return rows
    }

    private func role(_ context: ServerContext) -> String { context.peer.role ?? "" }

    static func requireDate(_ date: CalendarDate?, field: String) throws -> CivilDate {
        guard date?.isSet ?? false else { throw MatchingError.invalid(field: field, message: "required") }
        guard let day = CivilDate(date) else {
            throw MatchingError.invalid(
                field: field, message: "\(date.map { "\($0.year)-\($0.month)-\($0.day)" } ?? "") is not a date")
        }
        return day
    }

    static func optionalDate(_ date: CalendarDate?, field: String) throws -> CivilDate? {
        guard date?.isSet ?? false else { return nil }
        return try requireDate(date, field: field)
    }

    private static func requireLevel(_ level: SkillLevel, field: String) throws {
        guard level.isRecognized, level != .unspecified else {
            throw MatchingError.invalid(
                field: field, message: "unknown or unspecified skill level \(level.rawValue) (A3: 1..5)")
        }
    }

    // MARK: O1 demands, C3

    public func submitDemand(request: SubmitDemandRequest, context: ServerContext) async throws -> Demand {
        guard var demand = request.demand else { throw MatchingError.invalid(field: "demand", message: "required") }
        guard let occupation = demand.occupation, !occupation.code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MatchingError.invalid(field: "demand.occupation.code", message: "required")
        }
        try Self.requireLevel(demand.level, field: "demand.level")
        try FieldLimits.check(occupation.code, field: "demand.occupation.code", max: FieldLimits.code)
        try FieldLimits.check(occupation.name, field: "demand.occupation.name", max: FieldLimits.name)
        try FieldLimits.check(demand.district, field: "demand.district", max: FieldLimits.code)
        try FieldLimits.check(demand.note, field: "demand.note", max: FieldLimits.text)
        let callerRole = role(context)
        switch demand.requester {
        case .workerId(let id)?:
            guard !id.isEmpty else { throw MatchingError.invalid(field: "demand.worker_id", message: "required") }
            try FieldLimits.check(id, field: "demand.worker_id", max: FieldLimits.id)
            guard callerRole != "enterprise" else {
                throw MatchingError.wrongRequester(
                    "an enterprise submits demands under its own credit code, not a worker's")
            }
            guard demand.headcount == 0 || demand.headcount == 1 else {
                throw MatchingError.invalid(
                    field: "demand.headcount", message: "a worker's demand is for 1 person, got \(demand.headcount)")
            }
            demand.headcount = 1
        case .enterpriseCreditCode(let code)?:
            guard !code.isEmpty else {
                throw MatchingError.invalid(field: "demand.enterprise_credit_code", message: "required")
            }
            try FieldLimits.check(code, field: "demand.enterprise_credit_code", max: FieldLimits.code)
            guard callerRole != "worker-portal" else {
                throw MatchingError.wrongRequester("the worker portal submits demands for workers, not for enterprises")
            }
            guard (1...100_000).contains(demand.headcount) else {
                throw MatchingError.invalid(
                    field: "demand.headcount", message: "must be 1..100000, got \(demand.headcount)")
            }
            demand.requester = .enterpriseCreditCode(code.uppercased())
        case nil:
            throw MatchingError.invalid(field: "demand.requester", message: "set worker_id or enterprise_credit_code")
        }
        // A retry is answered from the first result, even while registration is unreachable.
        if let previous = try await environment.idempotent.previousResponse(
            to: request, requestID: request.requestId,
            context: context, as: Demand.self)
        {
            return previous
        }
        let peers = environment.peers
        switch demand.requester {
        case .workerId(let id)?:
            do {
                _ = try await peers.registration.getWorker(GetWorkerRequest(key: .workerId(id)), options: peers.options)
            } catch let error as RPCError where error.code == .notFound {
                throw MatchingError.workerNotRegistered(id)
            }
        case .enterpriseCreditCode(let code)?:
            do {
                _ = try await peers.registration.getEnterprise(
                    GetEnterpriseRequest(creditCode: code), options: peers.options)
            } catch let error as RPCError where error.code == .notFound {
                throw MatchingError.enterpriseNotRegistered(code)
            }
        case nil:
            break
        }
        demand.id = Self.newID("d")
        demand.submittedAt = Timestamps.timestamp()
        demand.submittedBy = context.peer.commonName
        let stored = demand
        let store = self.store
        let submittedOn = Self.today().description
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (d: Demand) in "demand/\(d.id)" }
        ) { connection in
            try store.insertDemand(stored, submittedOn: submittedOn, on: connection)
            return stored
        }
    }

    public func listDemands(request: ListDemandsRequest, context: ServerContext) async throws -> ListDemandsResponse {
        guard request.level.isRecognized else {
            throw MatchingError.invalid(field: "level", message: "unknown skill level \(request.level.rawValue)")
        }
        let from = try Self.optionalDate(request.fromDate, field: "from_date")
        let to = try Self.optionalDate(request.toDate, field: "to_date")
        if let from, let to, to < from {
            throw MatchingError.invalid(
                field: "to_date", message: "\(to) is before from_date \(from)")
        }
        guard (0...366).contains(request.trendPeriodDays) else {
            throw MatchingError.invalid(
                field: "trend_period_days",
                message: "must be 1..366 (0 = \(DemandTrendRule.defaultPeriodDays)), got \(request.trendPeriodDays)")
        }
        let periods = DemandTrendRule.Periods(
            asOf: try Self.optionalDate(request.trendAsOf, field: "trend_as_of") ?? Self.today(),
            days: request.trendPeriodDays == 0 ? DemandTrendRule.defaultPeriodDays : Int(request.trendPeriodDays))
        try FieldLimits.check(request.occupationCode, field: "occupation_code", max: FieldLimits.code)
        try FieldLimits.check(request.pageToken, field: "page_token", max: FieldLimits.code + 12)
        var after: (code: String, level: Int)?
        if !request.pageToken.isEmpty {
            // "<level>:<occupation code>" of the last row of the previous page.
            let parts = request.pageToken.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let level = Int(parts[0]) else {
                throw MatchingError.invalid(field: "page_token", message: "not a token this service returned")
            }
            after = (String(parts[1]), level)
        }
        let size = try Self.pageSize(request.pageSize)
        let rows = try await store.demandAggregates(
            occupation: request.occupationCode, level: request.level, from: from?.description,
            to: to?.description, periods: periods, after: after, limit: size)
        let aggregates = rows.map { row in
            DemandAggregate(
                occupation: Occupation(code: row.occupationCode, name: row.occupationName),
                level: SkillLevel(rawValue: row.level), demandCount: Int32(clamping: row.demandCount),
                headcount: row.headcount, workerRequests: Int32(clamping: row.workerRequests),
                enterpriseRequests: Int32(clamping: row.enterpriseRequests), recentHeadcount: row.recentHeadcount,
                previousHeadcount: row.previousHeadcount, recentDemands: Int32(clamping: row.recentDemands),
                previousDemands: Int32(clamping: row.previousDemands),
                trend: DemandTrendRule.trend(recent: row.recentHeadcount, previous: row.previousHeadcount))
        }
        let next = rows.count == size ? rows.last.map { "\($0.level):\($0.occupationCode)" } ?? "" : ""
        return ListDemandsResponse(rows: aggregates, nextPageToken: next)
    }

    // MARK: C1, C2 catalogues

    public func publishCatalogEntry(request: PublishCatalogEntryRequest, context: ServerContext) async throws
        -> CatalogEntry
    {
        guard var entry = request.entry else { throw MatchingError.invalid(field: "entry", message: "required") }
        guard entry.kind.isRecognized, entry.kind != .unspecified else {
            throw MatchingError.invalid(
                field: "entry.kind", message: "must be C1 (key industry) or C2 (general), got \(entry.kind.rawValue)")
        }
        guard let occupation = entry.occupation, !occupation.code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MatchingError.invalid(field: "entry.occupation.code", message: "required")
        }
        try FieldLimits.check(occupation.code, field: "entry.occupation.code", max: FieldLimits.code)
        try FieldLimits.check(occupation.name, field: "entry.occupation.name", max: FieldLimits.name)
        try FieldLimits.check(entry.industry, field: "entry.industry", max: FieldLimits.code)
        try FieldLimits.check(entry.note, field: "entry.note", max: FieldLimits.text)
        guard !entry.levels.isEmpty else {
            throw MatchingError.invalid(field: "entry.levels", message: "at least one level")
        }
        for level in entry.levels { try Self.requireLevel(level, field: "entry.levels") }
        let from = try Self.requireDate(entry.effectiveFrom, field: "entry.effective_from")
        let until = try Self.optionalDate(entry.effectiveUntil, field: "entry.effective_until")
        if let until, until < from {
            throw MatchingError.invalid(
                field: "entry.effective_until",
                message: "\(until) is before effective_from \(from)")
        }
        entry.publishedAt = Timestamps.timestamp()
        entry.publishedBy = context.peer.commonName
        let submitted = entry
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (e: CatalogEntry) in "catalog/\(e.id)" },
            detail: { (e: CatalogEntry) in "version \(e.version)" }
        ) { connection in
            var entry = submitted
            let (from, until) = (from.description, until?.description ?? "")
            // Same kind and occupation replaces the entry (a new version); otherwise a new entry.
            if let existing = try store.catalogVersion(
                kind: entry.kind, occupationCode: occupation.code, on: connection)
            {
                entry.id = existing.id
                entry.version = existing.version + 1
                try store.replaceCatalogEntry(entry, from: from, until: until, on: connection)
            } else {
                entry.id = Self.newID("c")
                entry.version = 1
                try store.insertCatalogEntry(entry, from: from, until: until, on: connection)
            }
            return entry
        }
    }

    public func listCatalog(request: ListCatalogRequest, context: ServerContext) async throws -> ListCatalogResponse {
        guard request.kind.isRecognized else {
            throw MatchingError.invalid(field: "kind", message: "unknown catalogue kind \(request.kind.rawValue)")
        }
        let day = try Self.optionalDate(request.onDate, field: "on_date") ?? Self.today()
        let size = try Self.pageSize(request.pageSize)
        try FieldLimits.check(request.pageToken, field: "page_token", max: FieldLimits.id)
        let page = try await store.catalog(
            kind: request.kind, on: day.description, afterID: request.pageToken, limit: size)
        return ListCatalogResponse(entries: page, nextPageToken: page.count == size ? page.last?.id ?? "" : "")
    }

    // MARK: O2 offerings

    static func validate(_ offering: Offering) throws -> (start: CivilDate, end: CivilDate) {
        guard let occupation = offering.occupation, !occupation.code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MatchingError.invalid(field: "offering.occupation.code", message: "required")
        }
        try requireLevel(offering.level, field: "offering.level")
        try FieldLimits.check(occupation.code, field: "offering.occupation.code", max: FieldLimits.code)
        try FieldLimits.check(occupation.name, field: "offering.occupation.name", max: FieldLimits.name)
        try FieldLimits.check(offering.institutionId, field: "offering.institution_id", max: FieldLimits.id)
        try FieldLimits.check(offering.venue, field: "offering.venue", max: FieldLimits.name)
        try FieldLimits.check(
            offering.enterpriseCreditCode, field: "offering.enterprise_credit_code", max: FieldLimits.code)
        try FieldLimits.check(offering.projectId, field: "offering.project_id", max: FieldLimits.id)
        guard offering.demandIds.count <= 100 else {
            throw MatchingError.invalid(
                field: "offering.demand_ids", message: "at most 100, got \(offering.demandIds.count)")
        }
        for id in offering.demandIds {
            guard !id.isEmpty, !id.contains(",") else {
                throw MatchingError.invalid(field: "offering.demand_ids", message: "an empty or malformed id")
            }
            try FieldLimits.check(id, field: "offering.demand_ids", max: FieldLimits.id)
        }
        guard !offering.institutionId.isEmpty else {
            throw MatchingError.invalid(field: "offering.institution_id", message: "required")
        }
        guard (1...100_000).contains(offering.capacity) else {
            throw MatchingError.invalid(
                field: "offering.capacity", message: "must be 1..100000, got \(offering.capacity)")
        }
        let start = try requireDate(offering.startDate, field: "offering.start_date")
        let end = try requireDate(offering.endDate, field: "offering.end_date")
        guard start <= end else {
            throw MatchingError.invalid(
                field: "offering.end_date", message: "\(end) is before start_date \(start)")
        }
        guard offering.mode.isRecognized, offering.mode != .unspecified else {
            throw MatchingError.invalid(
                field: "offering.mode", message: "unknown or unspecified training mode \(offering.mode.rawValue)")
        }
        guard offering.kind.isRecognized, offering.kind != .unspecified else {
            throw MatchingError.invalid(
                field: "offering.kind", message: "unknown or unspecified offering kind \(offering.kind.rawValue)")
        }
        if offering.kind == .newHirePreJob && offering.enterpriseCreditCode.isEmpty {
            throw MatchingError.invalid(
                field: "offering.enterprise_credit_code", message: "required for new hires' pre-job training (R6)")
        }
        for group in offering.targetGroups where !group.isRecognized || group == .unspecified {
            throw MatchingError.invalid(
                field: "offering.target_groups", message: "unknown or unspecified worker category \(group.rawValue)")
        }
        guard offering.catalog.isRecognized else {
            throw MatchingError.invalid(
                field: "offering.catalog", message: "unknown catalogue kind \(offering.catalog.rawValue)")
        }
        guard (0...10_000).contains(offering.classHours) else {
            throw MatchingError.invalid(
                field: "offering.class_hours", message: "must be 0..10000, got \(offering.classHours)")
        }
        return (start, end)
    }

    public func publishOffering(request: PublishOfferingRequest, context: ServerContext) async throws -> Offering {
        guard var offering = request.offering else {
            throw MatchingError.invalid(field: "offering", message: "required")
        }
        let (_, end) = try Self.validate(offering)
        let code = offering.occupation?.code ?? ""
        if let previous = try await environment.idempotent.previousResponse(
            to: request, requestID: request.requestId,
            context: context, as: Offering.self)
        {
            return previous
        }
        let peers = environment.peers
        // R10: the institution's filing is accepted and its licence scope covers the occupation.
        let institution: Institution
        do {
            institution = try await peers.registration.getInstitution(
                GetInstitutionRequest(institutionId: offering.institutionId),
                options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw MatchingError.institutionNotRegistered(offering.institutionId)
        }
        guard institution.filingStatus == .accepted else {
            throw MatchingError.r10(
                "the filing of institution \(institution.id) is \(institution.filingStatus.protoName), not accepted")
        }
        guard institution.licenceScopeOccupations.contains(code) else {
            throw MatchingError.r10(
                "the licence scope of institution \(institution.id) does not cover occupation \(code)")
        }
        // R1: a subsidised offering needs the standard in force on its last day of training (shown to
        // workers; payment decides again with the completion date, which lies within the offering's
        // dates). Without one it is refused, unless published explicitly unsubsidised.
        if offering.unsubsidised {
            offering.subsidyStandardFen = 0
        } else {
            do {
                let standard = try await peers.payment.getSubsidyStandard(
                    GetSubsidyStandardRequest(occupationCode: code, level: offering.level, onDate: end.calendarDate),
                    options: peers.options)
                offering.subsidyStandardFen = standard.amountFen
            } catch let error as RPCError where error.code == .notFound {
                throw MatchingError.rule(
                    OfferingDatesRule.noStandard(
                        occupation: code, level: offering.level, end: end,
                        lastPolicyDay: OfferingDatesRule.lastPolicyDay(policy.book)))
            } catch let error as RPCError {
                throw RPCError(
                    .unavailable,
                    "payment did not give the R1 subsidy standard (\(error.code)): \(error.message); try again")
            }
        }
        offering.id = Self.newID("o")
        offering.enrolled = 0
        offering.version = 1
        offering.publishedAt = Timestamps.timestamp()
        let submitted = offering
        let store = self.store
        let today = Self.today().description
        let readAt = Int64(Date().timeIntervalSince1970)
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (o: Offering) in "offering/\(o.id)" },
            detail: { (o: Offering) in "capacity \(o.capacity), standard \(o.subsidyStandardFen) fen" }
        ) { connection in
            var offering = submitted
            for id in offering.demandIds where try !store.demandExists(id: id, on: connection) {
                throw MatchingError.demandNotFound(id)
            }
            if offering.catalog == .unspecified,
                let kind = try store.catalogKind(occupationCode: code, on: today, on: connection)
            {
                offering.catalog = kind
            }
            try store.insertOffering(offering, on: connection)
            // O4: matching's copy of who acts for the institution, so that accept / learn / complete
            // need no call to registration (InstitutionSystemsCheck).
            try store.saveInstitutionSystems(
                institutionID: institution.id, names: institution.systemCertificateNames,
                readAt: readAt, on: connection)
            return offering
        }
    }

    public func getOffering(request: GetOfferingRequest, context: ServerContext) async throws -> Offering {
        guard !request.offeringId.isEmpty else {
            throw MatchingError.invalid(field: "offering_id", message: "required")
        }
        try FieldLimits.check(request.offeringId, field: "offering_id", max: FieldLimits.id)
        let store = self.store
        guard
            let offering = try await environment.database.read({ try store.offering(id: request.offeringId, on: $0) })
        else {
            throw MatchingError.offeringNotFound(request.offeringId)
        }
        return offering
    }

    public func listOfferings(request: ListOfferingsRequest, responses: MessageWriter<Offering>, context: ServerContext)
        async throws
    {
        guard request.level.isRecognized else {
            throw MatchingError.invalid(field: "level", message: "unknown skill level \(request.level.rawValue)")
        }
        guard request.kind.isRecognized else {
            throw MatchingError.invalid(field: "kind", message: "unknown offering kind \(request.kind.rawValue)")
        }
        guard request.targetGroup.isRecognized else {
            throw MatchingError.invalid(
                field: "target_group", message: "unknown worker category \(request.targetGroup.rawValue)")
        }
        guard request.limit >= 0 else { throw MatchingError.invalid(field: "limit", message: "must not be negative") }
        try FieldLimits.check(request.occupationCode, field: "occupation_code", max: FieldLimits.code)
        try FieldLimits.check(request.institutionId, field: "institution_id", max: FieldLimits.id)
        try FieldLimits.check(request.afterId, field: "after_id", max: FieldLimits.id)
        try FieldLimits.check(request.demandId, field: "demand_id", max: FieldLimits.id)
        var filter = MatchingStore.OfferingFilter()
        filter.occupationCode = request.occupationCode
        filter.level = request.level
        filter.institutionID = request.institutionId
        filter.kind = request.kind
        filter.targetGroup = request.targetGroup
        filter.startsAfter = try Self.optionalDate(request.startsAfter, field: "starts_after")?.description
        filter.openOnly = request.openOnly
        filter.demandID = request.demandId
        var remaining = request.limit == 0 ? Int.max : Int(request.limit)
        var after = request.afterId
        while remaining > 0 {
            let page = try await store.offerings(filter, afterID: after, limit: min(remaining, 500))
            for offering in page { try await responses.write(offering) }
            guard let last = page.last, page.count == min(remaining, 500) else { return }
            after = last.id
            remaining -= page.count
        }
    }

    // MARK: O3 select

    public func selectOffering(request: SelectOfferingRequest, context: ServerContext) async throws
        -> SelectOfferingResponse
    {
        guard !request.workerId.isEmpty else { throw MatchingError.invalid(field: "worker_id", message: "required") }
        guard !request.offeringId.isEmpty else {
            throw MatchingError.invalid(field: "offering_id", message: "required")
        }
        try FieldLimits.check(request.workerId, field: "worker_id", max: FieldLimits.id)
        try FieldLimits.check(request.offeringId, field: "offering_id", max: FieldLimits.id)
        // A retry is answered from the first result, even while registration is unreachable.
        if let previous = try await environment.idempotent.previousResponse(
            to: request, requestID: request.requestId,
            context: context, as: SelectOfferingResponse.self)
        {
            return previous
        }
        let store = self.store
        guard
            let offering = try await environment.database.read({ try store.offering(id: request.offeringId, on: $0) })
        else {
            throw MatchingError.offeringNotFound(request.offeringId)
        }
        if let end = CivilDate(offering.endDate), end < Self.today() {
            throw MatchingError.offeringEnded(id: offering.id, endDate: end.description)
        }
        let peers = environment.peers
        let worker: Worker
        do {
            worker = try await peers.registration.getWorker(
                GetWorkerRequest(key: .workerId(request.workerId)), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw MatchingError.workerNotRegistered(request.workerId)
        }
        // Earlier subsidies for R3/R4; the preview is informative, so payment not answering only
        // makes it say so.
        var priorClaims: [Claim]?
        do {
            priorClaims = try await peers.payment.listClaims(
                ListClaimsRequest(workerId: request.workerId, pageSize: 1000),
                options: peers.options
            ).claims
        } catch {
            environment.logger.warning(
                "payment did not list the worker's claims; previewing without R3/R4",
                metadata: ["worker": "\(request.workerId)", "error": "\(error)"])
        }
        let enrollmentID = Self.newID("e")
        // The preview never blocks: a worker the rules refuse may still take the training self-paid.
        let preview = EligibilityPreviewer.preview(
            worker: worker, offering: offering, enrollmentID: enrollmentID, today: Self.today(),
            priorClaims: priorClaims, book: policy.book)
        // S1: a G3 student's enrolment counts towards the "three ones" by itself; matching keeps the student.
        let student = StudentRecord(worker: worker)
        let students = self.students
        let enrollment = Enrollment(
            id: enrollmentID, workerId: request.workerId, offeringId: offering.id,
            institutionId: offering.institutionId, state: .selected, selectedAt: Timestamps.timestamp(),
            version: 1)
        // One transaction, no read first: the partial unique index on (offering_id, worker_id) of
        // active enrolments refuses a second one, then the conditional UPDATE takes a place or
        // finds none (never oversold, also across replicas on one PostgreSQL); a refusal rolls
        // the whole back. A worker already enrolled in a full offering hears the former.
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (r: SelectOfferingResponse) in
                "enrollment/\(r.enrollment?.id ?? "") offering/\(r.enrollment?.offeringId ?? "")"
            },
            detail: { (r: SelectOfferingResponse) in "worker \(r.enrollment?.workerId ?? "")" }
        ) { connection in
            do {
                try store.insertEnrollment(enrollment, on: connection)
            } catch let error as DBError where error.kind == .uniqueViolation {
                throw MatchingError.alreadyEnrolled(worker: enrollment.workerId, offering: enrollment.offeringId)
            }
            guard try store.takePlace(offeringID: enrollment.offeringId, on: connection) else {
                throw MatchingError.offeringFull(enrollment.offeringId)
            }
            if let student { try students.upsert(student, on: connection) }
            return SelectOfferingResponse(enrollment: enrollment, eligibility: preview)
        }
    }

    // MARK: O4 accept, learn, complete

    /// Loads the enrolment, checks the transition, applies `change`, and stores it as a new version.
    private func transition(
        _ request: some ProtoMessage, requestID: String, context: ServerContext, enrollmentID: String,
        to target: EnrollmentState, detail: String,
        _ change: @escaping @Sendable (inout Enrollment, any DBConnection) throws -> Void
    ) async throws -> Enrollment {
        guard !enrollmentID.isEmpty else { throw MatchingError.invalid(field: "enrollment_id", message: "required") }
        try FieldLimits.check(enrollmentID, field: "enrollment_id", max: FieldLimits.id)
        // O4 by the offering's institution only: an institution caller must be one of its systems.
        try await InstitutionSystemsCheck(store: store, environment: environment).authorize(
            enrollmentID: enrollmentID, context: context)
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: requestID, context: context,
            entity: { (e: Enrollment) in "enrollment/\(e.id)" },
            detail: { (e: Enrollment) in "\(EnrollmentStateMachine.name(e.state)) \(detail)" }
        ) { connection in
            guard let current = try store.enrollment(id: enrollmentID, on: connection) else {
                throw MatchingError.enrollmentNotFound(enrollmentID)
            }
            try EnrollmentStateMachine.check(from: current.state, to: target, enrollmentID: current.id)
            var next = current
            try change(&next, connection)
            next.state = target
            next.version = current.version + 1
            guard try store.replaceEnrollment(next, previousVersion: current.version, on: connection) else {
                throw RPCError(.aborted, "enrolment \(current.id) was changed concurrently; try again")
            }
            return next
        }
    }

    public func acceptEnrollment(request: AcceptEnrollmentRequest, context: ServerContext) async throws -> Enrollment {
        if !request.accept && request.reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw MatchingError.invalid(field: "reason", message: "a rejection needs a reason")
        }
        try FieldLimits.check(request.reason, field: "reason", max: FieldLimits.text)
        // O4 is for the offering's institution only: the access table admits the `institution` role,
        // and `transition` checks the caller's certificate name against the institution's systems
        // (InstitutionSystemsCheck).
        let store = self.store
        let accept = request.accept
        let reason = request.reason
        return try await transition(
            request, requestID: request.requestId, context: context, enrollmentID: request.enrollmentId,
            to: accept ? .accepted : .rejected, detail: ""
        ) { enrollment, connection in
            if accept {
                enrollment.acceptedAt = Timestamps.timestamp()
            } else {
                enrollment.reason = reason
                try store.releasePlace(offeringID: enrollment.offeringId, on: connection)
            }
        }
    }

    public func recordLearning(request: RecordLearningRequest, context: ServerContext) async throws -> Enrollment {
        guard request.channel.isRecognized, request.channel != .unspecified else {
            throw MatchingError.invalid(
                field: "channel", message: "unknown or unspecified learning channel \(request.channel.rawValue)")
        }
        guard (1...1440).contains(request.minutes) else {
            throw MatchingError.invalid(field: "minutes", message: "must be 1..1440 (one day), got \(request.minutes)")
        }
        let learningDay = try Self.optionalDate(request.day, field: "day")
        if let day = learningDay, Self.today() < day {
            throw MatchingError.invalid(field: "day", message: "\(day) is in the future")
        }
        let channel = request.channel
        let minutes = request.minutes
        // Without a day the learning happened on the business day it is recorded.
        let learnedOn = learningDay ?? Self.today()
        return try await transition(
            request, requestID: request.requestId, context: context, enrollmentID: request.enrollmentId,
            to: .inTraining, detail: "+\(minutes) min \(channel.protoName)"
        ) { enrollment, _ in
            enrollment.lastLearningDay = OfferingDatesRule.latest(enrollment.lastLearningDay, learnedOn)
            if let index = enrollment.learning.firstIndex(where: { $0.channel == channel }) {
                enrollment.learning[index].minutes += minutes
            } else {
                enrollment.learning.append(LearningTime(channel: channel, minutes: minutes))
            }
        }
    }

    public func completeTraining(request: CompleteTrainingRequest, context: ServerContext) async throws -> Enrollment {
        guard (0...100).contains(request.attendancePercent) else {
            throw MatchingError.invalid(
                field: "attendance_percent", message: "must be 0..100, got \(request.attendancePercent)")
        }
        let completion = try Self.requireDate(request.completionDate, field: "completion_date")
        guard completion <= Self.today() else {
            throw MatchingError.invalid(field: "completion_date", message: "\(completion) is in the future")
        }
        let attendance = request.attendancePercent
        let store = self.store
        return try await transition(
            request, requestID: request.requestId, context: context, enrollmentID: request.enrollmentId,
            to: .completed, detail: "attendance \(attendance)%"
        ) { enrollment, connection in
            let dates = try store.offeringDates(id: enrollment.offeringId, on: connection)
            if let problem = OfferingDatesRule.completionProblem(
                completion: completion, offeringID: enrollment.offeringId, start: dates?.start, end: dates?.end,
                lastLearning: CivilDate(enrollment.lastLearningDay))
            {
                throw MatchingError.rule(problem)
            }
            enrollment.attendancePercent = attendance
            enrollment.completionDate = completion.calendarDate
            enrollment.completedAt = Timestamps.timestamp()
        }
    }

    // MARK: O5 pay

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
        guard !request.certificateNumber.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MatchingError.invalid(
                field: "certificate_number", message: "required (R2: a subsidy is paid only with a certificate)")
        }
        try FieldLimits.check(request.enrollmentId, field: "enrollment_id", max: FieldLimits.id)
        try FieldLimits.check(request.certificateNumber, field: "certificate_number", max: FieldLimits.code)
        if let previous = try await environment.idempotent.previousResponse(
            to: request, requestID: request.requestId,
            context: context, as: RequestPaymentResponse.self)
        {
            return previous
        }
        let store = self.store
        guard
            let current = try await environment.database.read({
                try store.enrollment(id: request.enrollmentId, on: $0)
            })
        else {
            throw MatchingError.enrollmentNotFound(request.enrollmentId)
        }
        try EnrollmentStateMachine.check(from: current.state, to: .claimed, enrollmentID: current.id)
        // Payment gathers the facts (worker, offering, certificate) itself and decides.
        let peers = environment.peers
        let claim =
            try await peers.payment.submitClaim(
                SubmitClaimRequest(
                    requestId: Self.claimRequestID(for: request.requestId), enrollmentId: current.id,
                    certificateNumber: request.certificateNumber), options: peers.options
            ).claim ?? Claim()
        let decision = claim.decision ?? Decision()
        let certificate = request.certificateNumber
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (r: RequestPaymentResponse) in "enrollment/\(r.enrollment?.id ?? "") claim/\(r.claimId)" },
            detail: { (r: RequestPaymentResponse) in "eligible=\(r.eligible)" }
        ) { connection in
            guard let current = try store.enrollment(id: request.enrollmentId, on: connection) else {
                throw MatchingError.enrollmentNotFound(request.enrollmentId)
            }
            var next = current
            next.claimId = claim.id
            next.certificateNumber = certificate
            if decision.eligible {
                try EnrollmentStateMachine.check(from: current.state, to: .claimed, enrollmentID: current.id)
                next.state = .claimed
            } else {
                // A refused claim leaves the enrolment completed, so that a corrected claim (say with
                // another certificate) can be filed; the refusal is recorded.
                guard current.state == .completed else {
                    throw MatchingError.illegalTransition(enrollment: current.id, from: current.state, to: .claimed)
                }
                next.reason = "claim \(claim.id) refused: \(Self.refusal(decision))"
            }
            next.version = current.version + 1
            guard try store.replaceEnrollment(next, previousVersion: current.version, on: connection) else {
                throw RPCError(.aborted, "enrolment \(current.id) was changed concurrently; try again")
            }
            let message =
                decision.eligible
                ? "claim \(claim.id) accepted: \(decision.amountFen) fen"
                : "claim \(claim.id) refused: \(Self.refusal(decision))"
            return RequestPaymentResponse(
                enrollment: next, claimId: claim.id, eligible: decision.eligible,
                refusingRuleIds: decision.refusingRuleIds, message: message)
        }
    }

    /// A refused decision's reason with its rule ids ("R1: the completion date ..."); the bare ids
    /// for a decision from a payment service that gives no reason.
    static func refusal(_ decision: Decision) -> String {
        decision.refusalReason.isEmpty
            ? "refused by \(decision.refusingRuleIds.joined(separator: ", "))" : decision.refusalReason
    }

    // MARK: Enrolments

    public func getEnrollment(request: GetEnrollmentRequest, context: ServerContext) async throws -> Enrollment {
        guard !request.enrollmentId.isEmpty else {
            throw MatchingError.invalid(field: "enrollment_id", message: "required")
        }
        try FieldLimits.check(request.enrollmentId, field: "enrollment_id", max: FieldLimits.id)
        let store = self.store
        guard
            let enrollment = try await environment.database.read({
                try store.enrollment(id: request.enrollmentId, on: $0)
            })
        else {
            throw MatchingError.enrollmentNotFound(request.enrollmentId)
        }
        return enrollment
    }

    public func listEnrollments(request: ListEnrollmentsRequest, context: ServerContext) async throws
        -> ListEnrollmentsResponse
    {
        guard request.state.isRecognized else {
            throw MatchingError.invalid(field: "state", message: "unknown enrolment state \(request.state.rawValue)")
        }
        let size = try Self.pageSize(request.pageSize)
        for (value, field) in [
            (request.workerId, "worker_id"), (request.offeringId, "offering_id"),
            (request.institutionId, "institution_id"), (request.pageToken, "page_token"),
        ] {
            try FieldLimits.check(value, field: field, max: FieldLimits.id)
        }
        let page = try await store.enrollments(
            workerID: request.workerId, offeringID: request.offeringId,
            institutionID: request.institutionId, state: request.state,
            afterID: request.pageToken, limit: size)
        return ListEnrollmentsResponse(enrollments: page, nextPageToken: page.count == size ? page.last?.id ?? "" : "")
    }
}
