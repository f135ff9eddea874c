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

/// R7 on evidence (DECISIONS.md R7): an institution (or hrss) proposes which members of a
/// project-based cohort are employed, worker by worker with evidence; the bureau (hrss) confirms
/// with another certificate; only the confirmation releases the held tranches, at a rate the
/// platform computes from matching's cohort. A proposal may be replaced until it is confirmed.
extension PaymentHandler {
    public func reportEmployment(request: ReportEmploymentRequest, context: ServerContext) async throws
        -> ReportEmploymentResponse
    {
        guard !request.offeringId.isEmpty else {
            throw PaymentError.invalid(field: "offering_id", message: "R7: required")
        }
        guard request.trained == 0, request.employed == 0 else {
            throw PaymentError.invalid(
                field: request.trained != 0 ? "trained" : "employed",
                message:
                    "R7: trained and employed are deprecated and refused: the platform counts the cohort (matching's completed "
                    + "enrolments of the offering) and the employed trainees; list employed_trainees with their evidence instead"
            )
        }
        guard request.asOf == nil || PolicyBridge.date(request.asOf) != nil else {
            throw PaymentError.invalid(field: "as_of", message: "R7: not a calendar date")
        }
        // A retry is answered from the first result before anyone is asked again.
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: ReportEmploymentResponse.self)
        if let previous = lookup.previous { return previous }
        let offering = try await projectOffering(request.offeringId)
        try await InstitutionCallerCheck(environment: environment).authorize(offering: offering, context: context)
        let cohort = try await cohort(of: offering.id)
        let policy = book.versionFor(PolicyBridge.date(request.asOf) ?? BusinessDay.today())
        let today = BusinessDay.today()
        let caller = context.peer.commonName
        let store = self.store
        return try await environment.idempotent.run(
            after: lookup,
            entity: { (r: ReportEmploymentResponse) in "offering/\(r.offeringId)" },
            detail: { (r: ReportEmploymentResponse) in
                "R7 proposed revision \(r.revision): \(r.employed) of \(r.trained) employed"
            }
        ) { connection in
            let existing = try store.employmentReport(offeringID: request.offeringId, on: connection)
            // A confirmed report is final for the cohort it counted. Trainees who completed later
            // would otherwise hold their 40% for ever, so a grown cohort gets a new report.
            if let existing, existing.state == .confirmed, cohort.count <= Int(existing.trained) {
                throw PaymentError.precondition(
                    "R7: the employment report of offering \(request.offeringId) was confirmed by "
                        + "\(existing.confirmedBy) (revision \(existing.revision)) for its cohort of \(existing.trained); a confirmed "
                        + "report is final and cannot be replaced (a new one is possible only once more trainees have completed)"
                )
            }
            try Self.check(request.employedTrainees, cohort: cohort, today: today, store: store, on: connection)
            let release = EmploymentCohort.release(
                employed: request.employedTrainees.count, cohortSize: cohort.count, policy: policy)
            let revision = (existing?.revision ?? 0) + 1
            let outlook =
                release.released
                ? "it would release the held tranches once confirmed"
                : "below \(Self.percent(permille: release.thresholdPermille)), it would release nothing even if confirmed"
            let response = ReportEmploymentResponse(
                offeringId: request.offeringId, trained: Int32(cohort.count),
                employed: Int32(request.employedTrainees.count),
                employmentRateBp: Int32(release.rateBasisPoints), thresholdMet: release.released, released: [],
                reason: "R7: proposed by \(caller) (revision \(revision)): \(request.employedTrainees.count) of the "
                    + "\(cohort.count) trainees who completed are employed (\(Self.percent(basisPoints: release.rateBasisPoints))); "
                    + "nothing is released until the hrss role confirms with another certificate (ConfirmEmployment); \(outlook)",
                state: .proposed, revision: Int32(revision), proposedBy: caller,
                employedTrainees: request.employedTrainees,
                proposedAt: Timestamps.timestamp())
            try store.saveEmploymentReport(response, on: connection)
            return response
        }
    }

    public func confirmEmployment(request: ConfirmEmploymentRequest, context: ServerContext) async throws
        -> ReportEmploymentResponse
    {
        guard !request.offeringId.isEmpty else {
            throw PaymentError.invalid(field: "offering_id", message: "R7: required")
        }
        guard request.revision > 0 else {
            throw PaymentError.invalid(
                field: "revision",
                message: "R7: the revision of the proposal you reviewed is required (GetEmploymentReport)")
        }
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: ReportEmploymentResponse.self)
        if let previous = lookup.previous { return previous }
        let cohort = try await cohort(of: request.offeringId)
        let policy = book.versionFor(BusinessDay.today())
        let today = BusinessDay.today()
        let caller = context.peer.commonName
        let store = self.store
        return try await environment.idempotent.run(
            after: lookup,
            entity: { (r: ReportEmploymentResponse) in "offering/\(r.offeringId)" },
            detail: { (r: ReportEmploymentResponse) in
                "R7 confirmed revision \(r.revision): \(r.employed) of \(r.trained) employed, "
                    + "released \(r.released.count)"
            }
        ) { connection in
            guard var report = try store.employmentReport(offeringID: request.offeringId, on: connection) else {
                throw PaymentError.precondition(
                    "R7: offering \(request.offeringId) has no proposed employment report to confirm")
            }
            guard report.state != .confirmed else {
                throw PaymentError.precondition(
                    "R7: the employment report of offering \(request.offeringId) was already confirmed by "
                        + "\(report.confirmedBy) (revision \(report.revision))")
            }
            guard report.revision == request.revision else {
                throw PaymentError.precondition(
                    "R7: revision \(request.revision) of offering \(request.offeringId)'s employment report "
                        + "was replaced by revision \(report.revision); review that one and confirm it")
            }
            guard report.proposedBy != caller else {
                throw PaymentError.precondition(
                    "R7: certificate \(caller) proposed this employment report; a different certificate "
                        + "must confirm it")
            }
            // The cohort is counted again: it can only have grown since the proposal.
            try Self.check(report.employedTrainees, cohort: cohort, today: today, store: store, on: connection)
            let release = EmploymentCohort.release(
                employed: report.employedTrainees.count, cohortSize: cohort.count, policy: policy)
            var released: [Schema.Tranche] = []
            if release.released {
                for row in try store.heldTranches(offeringID: request.offeringId, on: connection) {
                    try store.setTrancheState(row.id, .payable, on: connection)
                    released.append(
                        Schema.Tranche(id: row.id, index: row.index, amountFen: row.amountFen, state: .payable))
                }
            }
            report.trained = Int32(cohort.count)
            report.employed = Int32(report.employedTrainees.count)
            report.employmentRateBp = Int32(release.rateBasisPoints)
            report.thresholdMet = release.released
            report.released = released
            report.state = .confirmed
            report.confirmedBy = caller
            report.confirmedAt = Timestamps.timestamp()
            report.reason =
                "R7: confirmed by \(caller) (revision \(report.revision), proposed by \(report.proposedBy)): "
                + "\(report.employed) of the \(cohort.count) trainees who completed are employed "
                + "(\(Self.percent(basisPoints: release.rateBasisPoints))), "
                + (release.released
                    ? "at or above \(Self.percent(permille: release.thresholdPermille)): \(released.count) held tranche(s) released"
                    : "below \(Self.percent(permille: release.thresholdPermille)): the held tranches stay held")
            try store.saveEmploymentReport(report, on: connection)
            return report
        }
    }

    public func getEmploymentReport(request: GetEmploymentReportRequest, context: ServerContext) async throws
        -> ReportEmploymentResponse
    {
        guard !request.offeringId.isEmpty else {
            throw PaymentError.invalid(field: "offering_id", message: "R7: required")
        }
        try await InstitutionCallerCheck(environment: environment).authorize(
            offeringID: request.offeringId, context: context)
        let store = self.store
        guard
            let report = try await environment.database.read({
                try store.employmentReport(offeringID: request.offeringId, on: $0)
            })
        else {
            throw PaymentError.notFound("R7: offering \(request.offeringId) has no employment report")
        }
        return report
    }

    public func attestContribution(request: AttestContributionRequest, context: ServerContext) async throws
        -> ContributionRecord
    {
        guard var record = request.record else { throw PaymentError.invalid(field: "record", message: "R7: required") }
        guard !record.recordReference.isEmpty, record.recordReference.utf8.count <= 64 else {
            throw PaymentError.invalid(field: "record.record_reference", message: "R7: required, at most 64 bytes")
        }
        guard !record.workerId.isEmpty else {
            throw PaymentError.invalid(field: "record.worker_id", message: "R7: required")
        }
        if let problem = CreditCodeCheck.problem(in: record.employerCreditCode) {
            throw PaymentError.invalid(field: "record.employer_credit_code", message: "R7: " + problem.message)
        }
        let today = BusinessDay.today()
        guard let day = PolicyBridge.date(record.month), (day.year, day.month) <= (today.year, today.month) else {
            throw PaymentError.invalid(
                field: "record.month", message: "R7: a calendar date in a month that has begun (today is \(today))")
        }
        let month = CivilDate(day.year, day.month, 1)
        record.employerCreditCode = record.employerCreditCode.uppercased()
        record.month = month.calendarDate
        record.attestedBy = context.peer.commonName
        record.attestedAt = Timestamps.timestamp()
        let store = self.store
        let attested = record
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (r: ContributionRecord) in "contribution/\(r.recordReference)" },
            detail: { (r: ContributionRecord) in "R7 evidence: worker \(r.workerId) insured" }
        ) { connection in
            if try store.insertIfNew(attested, on: connection) { return attested }
            let existing = try store.contributionRecord(reference: attested.recordReference, on: connection)
            guard let existing, existing.workerId == attested.workerId,
                existing.employerCreditCode == attested.employerCreditCode,
                existing.month == attested.month
            else {
                throw PaymentError.exists(
                    "R7: contribution record \(attested.recordReference) is already attested with other content "
                        + "(worker \(existing?.workerId ?? "")); a record reference is attested once")
            }
            return existing
        }
    }

    // MARK: Helpers

    /// The offering, which must be project-based (only those have held tranches).
    private func projectOffering(_ id: String) async throws -> Offering {
        let peers = environment.peers
        let offering: Offering
        do {
            offering = try await peers.matching.getOffering(GetOfferingRequest(offeringId: id), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw PaymentError.notFound("R7: no offering \(id)")
        } catch let error as RPCError {
            throw PaymentError.peer(service: "matching (R7 cohort)", error)
        }
        guard offering.kind == .projectBased else {
            throw PaymentError.precondition(
                "R7: offering \(id) is \(offering.kind.protoName), not project-based: it has no held "
                    + "tranche and no employment report")
        }
        return offering
    }

    /// The cohort as the platform knows it: every worker with an enrolment of the offering that is
    /// COMPLETED or later (CLAIMED, PAID), with its completion date, read page by page from matching.
    func cohort(of offeringID: String) async throws -> [String: CivilDate] {
        let peers = environment.peers
        var cohort: [String: CivilDate] = [:]
        var token = ""
        repeat {
            let page: ListEnrollmentsResponse
            do {
                page = try await peers.matching.listEnrollments(
                    ListEnrollmentsRequest(offeringId: offeringID, pageSize: 1000, pageToken: token),
                    options: peers.options)
            } catch let error as RPCError {
                throw PaymentError.peer(service: "matching (R7 cohort)", error)
            }
            for enrollment in page.enrollments where [.completed, .claimed, .paid].contains(enrollment.state) {
                // A completed enrolment always carries its date; without one no evidence can be dated after it.
                cohort[enrollment.workerId] = PolicyBridge.date(enrollment.completionDate) ?? CivilDate(9999, 12, 31)
            }
            token = page.nextPageToken
        } while !token.isEmpty
        guard !cohort.isEmpty else {
            throw PaymentError.precondition(
                "R7: no trainee has completed offering \(offeringID) yet: there is no cohort to report on")
        }
        return cohort
    }

    /// Refuses the report, with every problem, unless each entry is a member of the cohort with valid evidence.
    private static func check(
        _ trainees: [EmployedTrainee], cohort: [String: CivilDate], today: CivilDate,
        store: PaymentStore, on connection: any DBConnection
    ) throws {
        var entries: [EmploymentCohort.Entry] = []
        for trainee in trainees {
            let evidence: EmploymentCohort.Evidence?
            switch trainee.evidence {
            case .employer(let employer)?:
                evidence = .employer(creditCode: employer.creditCode, startDate: PolicyBridge.date(employer.startDate))
            case .contribution(let contribution)?:
                let record =
                    contribution.recordReference.isEmpty
                    ? nil : try store.contributionRecord(reference: contribution.recordReference, on: connection)
                evidence = .contribution(
                    reference: contribution.recordReference,
                    record: record.flatMap { record in
                        PolicyBridge.date(record.month).map {
                            EmploymentCohort.AttestedContribution(workerId: record.workerId, month: $0)
                        }
                    })
            case nil:
                evidence = nil
            }
            entries.append(EmploymentCohort.Entry(workerId: trainee.workerId, evidence: evidence))
        }
        let problems = EmploymentCohort.problems(in: entries, cohort: cohort, today: today)
        if !problems.isEmpty { throw PaymentError.employmentEvidence(problems) }
    }

    static func percent(basisPoints: Int) -> String {
        let hundredths = basisPoints % 100
        return "\(basisPoints / 100).\((0..<10).contains(hundredths) ? "0" : "")\(hundredths)%"
    }

    static func percent(permille: Int) -> String { percent(basisPoints: permille * 10) }
}
