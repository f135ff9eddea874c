import Essentials
import Policy
import PolicyContract
import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `skills.v1.PaymentService`: decides subsidies with the policy engine (R1..R11), keeps the
/// claims, the tranches and the append-only ledger of the special fund (R11), and reports the
/// programme's progress against its target (T1).
public struct PaymentHandler: PaymentServiceProvider {
    let environment: ServiceEnvironment
    let store: PaymentStore
    let book: PolicyBook
    let certificates: CertificateCheck
    /// Offerings and enterprises' industries, which do not change once published.
    let published: PublishedRecords

    public static func manifest(initialFundFen: Int64) -> ServiceManifest {
        ServiceManifest(
            name: "payment", defaultPort: 7104, accessTable: PaymentAccess.table,
            migrations: PaymentStore.migrations(initialFundFen: initialFundFen))
    }

    public init(environment: ServiceEnvironment, book: PolicyBook) {
        self.environment = environment
        self.store = PaymentStore(database: environment.database)
        self.book = book
        self.certificates = CertificateCheck(peers: environment.peers, keys: SigningKeyCache())
        self.published = PublishedRecords()
    }

    // MARK: Standards (R1)

    public func getSubsidyStandard(request: GetSubsidyStandardRequest, context: ServerContext) async throws
        -> SubsidyStandard
    {
        guard !request.occupationCode.isEmpty else {
            throw PaymentError.invalid(field: "occupation_code", message: "required")
        }
        guard request.level.isRecognized, request.level != .unspecified else {
            throw PaymentError.invalid(field: "level", message: "A3: level must be 1..5, got \(request.level.rawValue)")
        }
        let day: CivilDate
        if request.onDate == nil {
            day = BusinessDay.today()
        } else if let parsed = PolicyBridge.date(request.onDate) {
            day = parsed
        } else {
            throw PaymentError.invalid(field: "on_date", message: "not a calendar date")
        }
        guard
            let quote = SubsidyEngine.standard(
                occupation: request.occupationCode, level: Int(request.level.rawValue), on: day, book: book)
        else {
            throw PaymentError.notFound(
                "R1: no subsidy standard for occupation \(request.occupationCode) at level \(request.level.rawValue) on \(day)"
            )
        }
        return SubsidyStandard(
            occupation: Occupation(code: quote.occupationCode, name: quote.occupationZH), level: request.level,
            amountFen: quote.amountFen, effectiveFrom: quote.effectiveFrom.calendarDate,
            effectiveUntil: quote.effectiveTo.calendarDate, policyVersion: quote.policyVersion)
    }

    // MARK: Claims (R2..R11)

    /// What a claim is decided on, gathered from the other services before the transaction.
    struct ClaimFacts: Sendable {
        var enrollment: Enrollment
        var offering: Offering
        var worker: Worker
        var institution: Institution
        var certificate: Certificate
        var certificateStatus: VerifyCertificateResponse.Status
        var completion: CivilDate
        /// The GB/T 4754 industry of the enterprise that employs or hires the worker, for T1's
        /// report; "" when there is none.
        var employerIndustry = ""
    }

    public func submitClaim(request: SubmitClaimRequest, context: ServerContext) async throws -> SubmitClaimResponse {
        guard !request.enrollmentId.isEmpty else {
            throw PaymentError.invalid(field: "enrollment_id", message: "required")
        }
        guard !request.certificateNumber.isEmpty else {
            throw PaymentError.invalid(
                field: "certificate_number", message: "R2: a claim needs the certificate obtained from the training")
        }
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: SubmitClaimResponse.self)
        if let previous = lookup.previous { return previous }
        let facts = try await gatherFacts(request)
        // A racing claim for the same worker can take the R3 slot or the R4 key first; deciding
        // again sees it and refuses under that rule.
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await decideAndStore(request, facts: facts, context: context, after: lookup)
            } catch let error as DBError where error.kind == .uniqueViolation && attempt < 4 {
                continue
            }
        }
    }

    private func peer<T: Sendable>(_ service: String, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as RPCError {
            throw PaymentError.peer(service: service, error)
        }
    }

    private func gatherFacts(_ request: SubmitClaimRequest) async throws -> ClaimFacts {
        let peers = environment.peers
        let options = peers.options
        let enrollment = try await peer("matching") {
            try await peers.matching.getEnrollment(
                GetEnrollmentRequest(enrollmentId: request.enrollmentId), options: options)
        }
        guard enrollment.state == .completed || enrollment.state == .claimed || enrollment.state == .paid else {
            throw PaymentError.precondition(
                "enrolment \(enrollment.id) is \(enrollment.state.protoName), not COMPLETED: only a completed training can be claimed (O5)"
            )
        }
        guard let completion = PolicyBridge.date(enrollment.completionDate) else {
            throw PaymentError.precondition("enrolment \(enrollment.id) has no completion date")
        }
        let offering = try await published.offering(enrollment.offeringId) {
            try await peer("matching") {
                try await peers.matching.getOffering(
                    GetOfferingRequest(offeringId: enrollment.offeringId), options: options)
            }
        }
        if offering.unsubsidised {
            throw PaymentError.precondition(
                "R1: offering \(offering.id) was published unsubsidised (Offering.unsubsidised): "
                    + "no subsidy standard applies to its trainings, so nothing is paid")
        }
        // The completion date picks the standard (R1) and the year (R3): it must lie within the
        // offering's dates (matching enforces this at CompleteTraining; enrolments completed
        // before it did are caught here).
        if let start = PolicyBridge.date(offering.startDate), let end = PolicyBridge.date(offering.endDate),
            completion < start || end < completion
        {
            throw PaymentError.precondition(
                "R1: the completion date \(completion) of enrolment \(enrollment.id) lies outside "
                    + "offering \(offering.id)'s dates (\(start) to \(end)); the completion date chooses "
                    + "the standard in force (R1) and the year the training counts in (R3)")
        }
        async let worker = peer("registration") {
            try await peers.registration.getWorker(
                GetWorkerRequest(key: .workerId(enrollment.workerId)), options: options)
        }
        async let institution = peer("registration") {
            try await peers.registration.getInstitution(
                GetInstitutionRequest(institutionId: enrollment.institutionId), options: options)
        }
        let certificate = try await certificateForR2(request.certificateNumber)
        // R2: the certificate must be genuine (signed by assessment's key, the record as signed) and
        // not revoked; checked here on what assessment just returned (CertificateCheck).
        let status = try await certificates.status(of: certificate)
        let claimant = try await worker
        return ClaimFacts(
            enrollment: enrollment, offering: offering, worker: claimant, institution: try await institution,
            certificate: certificate, certificateStatus: status, completion: completion,
            employerIndustry: try await employerIndustry(offering: offering, worker: claimant))
    }

    /// R2: the certificate the claim names, from assessment. An unknown or malformed number is the
    /// claim's problem under R2, said as such rather than as assessment's own status.
    private func certificateForR2(_ number: String) async throws -> Certificate {
        let peers = environment.peers
        do {
            return try await peers.assessment.getCertificate(
                GetCertificateRequest(number: number), options: peers.options)
        } catch let error as RPCError where error.code == .notFound || error.code == .invalidArgument {
            let what =
                error.code == .notFound
                ? "is not a certificate the assessment service issued" : "is not a certificate number"
            throw PaymentError.r2Certificate(
                number: number, what: what, detail: error.message, malformed: error.code == .invalidArgument)
        } catch let error as RPCError {
            throw PaymentError.peer(service: "assessment", error)
        }
    }

    private func decideAndStore(
        _ request: SubmitClaimRequest, facts: ClaimFacts, context: ServerContext,
        after lookup: IdempotentCalls.Lookup<SubmitClaimResponse>
    ) async throws -> SubmitClaimResponse {
        let store = self.store
        let book = self.book
        // READ COMMITTED: what a racing claim could break is held by unique keys, not by the
        // snapshot: one claim per enrolment (claims.enrollment_id), R4 (the subsidies' primary key)
        // and R3 (its slot per worker and year); a racing claim that took one first fails this
        // INSERT, and submitClaim decides again. At SERIALIZABLE, claims of different workers failed
        // each other on the pages of the subsidies and tranches indexes (SSI's false positives).
        return try await environment.idempotent.run(
            after: lookup, isolation: .readCommitted,
            entity: { (r: SubmitClaimResponse) in "claim/\(r.claim?.id ?? "")" },
            detail: { (r: SubmitClaimResponse) in
                let d = r.claim?.decision
                return d?.eligible == true
                    ? "eligible \(d?.amountFen ?? 0) fen" : "refused \(d?.refusingRuleIds.joined(separator: ",") ?? "")"
            }
        ) { connection in
            let prior = try store.priorTrainings(workerID: facts.worker.id, on: connection)
            let priors = prior.compactMap { row in
                CivilDate(iso: row.completion).map {
                    PriorSubsidy(
                        enrollmentId: row.enrollmentID, occupationCode: row.occupation, level: row.level,
                        completionDate: $0)
                }
            }
            let certificateFacts = PolicyBridge.certificateFacts(
                facts.certificate, verified: facts.certificateStatus == .valid || facts.certificateStatus == .revoked,
                revoked: facts.certificateStatus == .revoked, enrollment: facts.enrollment, offering: facts.offering)
            let decision = SubsidyEngine.decide(
                worker: PolicyBridge.workerFacts(facts.worker),
                enrollment: PolicyBridge.enrollmentFacts(
                    enrollment: facts.enrollment, offering: facts.offering,
                    institution: facts.institution, completion: facts.completion),
                certificate: certificateFacts, priorSubsidies: priors, book: book)
            let claimID = "c-\(facts.enrollment.id)"
            let contractDecision = PolicyBridge.decision(decision, claimID: claimID)
            let claim = Claim(
                id: claimID, enrollmentId: facts.enrollment.id, workerId: facts.worker.id,
                offeringId: facts.offering.id,
                institutionId: facts.institution.id, certificateNumber: facts.certificate.number,
                occupation: facts.offering.occupation, level: facts.offering.level, offeringKind: facts.offering.kind,
                completionDate: facts.enrollment.completionDate, decision: contractDecision,
                submittedAt: Timestamps.timestamp(), submittedBy: context.peer.commonName)
            // An enrolment claimed before fails here, on the claims table's unique key.
            try store.insert(claim, on: connection)
            if decision.isEligible {
                // R3/R4 in the database: the slot is the n-th subsidised training of that year.
                let slot = prior.filter { $0.year == decision.year }.count + 1
                try store.insert(
                    PaymentStore.Subsidy(
                        workerID: facts.worker.id, occupation: facts.offering.occupation?.code ?? "",
                        level: Int(facts.offering.level.rawValue),
                        year: decision.year, slot: slot, enrollmentID: facts.enrollment.id,
                        completion: facts.completion.description,
                        categories: facts.worker.categories.filter(\.attested).map { "G\($0.category.rawValue)" }
                            .joined(separator: ","),
                        institutionID: facts.institution.id, amountFen: decision.totalFen,
                        reportCategory: ProgressReport.categoryKey(facts.worker.categories),
                        industry: facts.employerIndustry,
                        institutionName: facts.institution.name), claimID: claimID, on: connection)
                for (tranche, details) in zip(contractDecision.tranches, PolicyBridge.trancheDetails(decision)) {
                    try store.insertTranche(
                        tranche, claimID: claimID, offeringID: facts.offering.id, payee: details.payee,
                        payeeID: details.payeeID, purpose: details.purpose, rule: details.rule, on: connection)
                }
            }
            return SubmitClaimResponse(claim: claim)
        }
    }

    public func getClaim(request: GetClaimRequest, context: ServerContext) async throws -> Claim {
        let store = self.store
        guard let claim = try await environment.database.readInline({ try store.claim(id: request.claimId, on: $0) })
        else {
            throw PaymentError.notFound("no claim \(request.claimId)")
        }
        return claim
    }

    public func listClaims(request: ListClaimsRequest, context: ServerContext) async throws -> ListClaimsResponse {
        guard let size = PageSize.rows(for: request.pageSize) else {
            throw PaymentError.invalid(field: "page_size", message: PageSize.refusal(for: request.pageSize))
        }
        let page = try await store.claims(
            workerID: request.workerId, institutionID: request.institutionId,
            offeringID: request.offeringId, after: request.pageToken, limit: size)
        return ListClaimsResponse(claims: page.claims, nextPageToken: page.next)
    }

    // MARK: Employment (R7): PaymentHandler+Employment.swift

    // MARK: Disbursement (R11)

    public func disburse(request: DisburseRequest, context: ServerContext) async throws -> LedgerEntry {
        guard !request.trancheId.isEmpty else { throw PaymentError.invalid(field: "tranche_id", message: "required") }
        let store = self.store
        // Every booking takes the fund row's lock before it reads anything, so bookings queue on
        // that row instead of failing each other: at SERIALIZABLE, concurrent Disburse calls all
        // updated the one fund row and read MAX(sequence), and all but one were rolled back and
        // retried (p99 of 9 s on PostgreSQL). READ COMMITTED gives each statement after the lock a
        // fresh snapshot, so the tranche's state and the ledger's last number are current.
        let entry = try await environment.idempotent.run(
            request, requestID: request.requestId, context: context, isolation: .readCommitted,
            entity: { (e: LedgerEntry) in "tranche/\(e.trancheId)" },
            detail: { (e: LedgerEntry) in "paid \(e.amountFen) fen to \(e.payeeId)" }
        ) { connection in
            try store.lockFund(on: connection)
            guard let (tranche, decided) = try store.trancheAndClaim(id: request.trancheId, on: connection) else {
                throw PaymentError.notFound("no tranche \(request.trancheId)")
            }
            switch tranche.state {
            case .paid:
                throw PaymentError.alreadyPaid(tranche: tranche.id, entry: tranche.ledgerEntryID)
            case .held:
                throw PaymentError.precondition(
                    "R7: tranche \(tranche.id) is held until the offering's employment rate reaches the threshold")
            default:
                break
            }
            guard let claim = decided, let decision = claim.decision
            else {
                throw PaymentError.notFound("no claim \(tranche.claimID)")
            }
            let now = Date()
            // R11: the rules that decided this tranche, as the claim's decision recorded them (a claim
            // decided before tranches named them falls back to the tranche's one rule).
            let decidedBy = decision.tranches.first { $0.id == tranche.id }?.decidedBy ?? []
            let entry = LedgerEntry(
                id: "le-\(tranche.id)", trancheId: tranche.id, claimId: claim.id,
                payeeKind: tranche.payeeKind, payeeId: tranche.payeeID, amountFen: tranche.amountFen,
                purpose: tranche.purpose, policyVersion: decision.policyVersion,
                ruleIds: Array(Set(["R11", tranche.rule] + decision.trace.map(\.ruleId))).sorted(),
                enrollmentId: claim.enrollmentId, certificateNumber: claim.certificateNumber,
                bookedAt: Timestamps.timestamp(now), bookedBy: context.peer.commonName,
                decidedBy: decidedBy.isEmpty ? [tranche.rule] : decidedBy)
            guard let booked = try store.book(entry, bookedOn: PaymentHandler.shanghaiDay(now), on: connection) else {
                throw PaymentError.fundExhausted(
                    needed: tranche.amountFen, balance: try store.fundBalance(on: connection))
            }
            try store.setTrancheState(tranche.id, .paid, ledgerEntryID: booked.id, on: connection)
            return booked
        }
        // Committed: tell matching when the claim has paid what it can (CLAIMED -> PAID). Also on
        // a retry (answered from the first result), so a failed notification is repaired by it.
        if let claim = try? await environment.database.readInline({ try store.claim(id: entry.claimId, on: $0) }) {
            await EnrollmentPaidNotifier(environment: environment).notify(claim: claim, entry: entry)
        }
        return entry
    }

    static func shanghaiDay(_ date: Date) -> String {
        CivilDate(dayNumber: Int((date.timeIntervalSince1970 + 8 * 3600) / 86_400)).description
    }

    // MARK: The ledger (progress, T1: PaymentHandler+Progress.swift)

    public func exportLedger(
        request: ExportLedgerRequest, responses: MessageWriter<LedgerEntry>, context: ServerContext
    ) async throws {
        guard request.payeeKind.isRecognized else {
            throw PaymentError.invalid(field: "payee_kind", message: "unknown value \(request.payeeKind.rawValue)")
        }
        let from = request.fromDate.flatMap { PolicyBridge.date($0)?.description } ?? ""
        let to = request.toDate.flatMap { PolicyBridge.date($0)?.description } ?? ""
        let filter = PaymentStore.LedgerFilter(
            claimID: request.claimId, enrollmentID: request.enrollmentId, trancheID: request.trancheId)
        for (value, field) in [
            (filter.claimID, "claim_id"), (filter.enrollmentID, "enrollment_id"), (filter.trancheID, "tranche_id"),
        ]
        where value.utf8.count > 128 {
            throw PaymentError.invalid(field: field, message: "at most 128 bytes")
        }
        var after = request.afterSequence
        while true {
            let page = try await store.ledger(
                afterSequence: after, from: from, to: to, payee: request.payeeKind, filter: filter, limit: 500)
            for entry in page { try await responses.write(entry) }
            guard let last = page.last, page.count == 500 else { return }
            after = last.sequence
        }
    }
}
