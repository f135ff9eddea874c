import Essentials
import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O3 select (选单, docs/POLICY.md): a worker selects an offering, which creates an enrolment with an
/// eligibility preview (R1..R11, informative only); and reading the enrolments of O3..O5.
extension MatchingHandler {
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
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: SelectOfferingResponse.self)
        if let previous = lookup.previous { return previous }
        let store = self.store
        guard
            let offering = try await environment.database.readInline({
                try store.offering(id: request.offeringId, on: $0)
            })
        else {
            throw MatchingError.offeringNotFound(request.offeringId)
        }
        if let end = CivilDate(offering.endDate), end < Self.today() {
            throw MatchingError.offeringEnded(id: offering.id, endDate: end.description)
        }
        let peers = environment.peers
        // Registration and payment are asked at once: the preview needs both answers.
        async let claims = priorClaims(of: request.workerId)
        let worker: Worker
        do {
            worker = try await peers.registration.getWorker(
                GetWorkerRequest(key: .workerId(request.workerId)), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw MatchingError.workerNotRegistered(request.workerId)
        }
        let priorClaims = await claims
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
            after: lookup, isolation: .readCommitted,
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

    /// Earlier subsidies for R3/R4; the preview is informative, so payment not answering only
    /// makes it say so (nil).
    private func priorClaims(of workerID: String) async -> [Claim]? {
        let peers = environment.peers
        do {
            return try await peers.payment.listClaims(
                ListClaimsRequest(workerId: workerID, pageSize: 1000), options: peers.options
            ).claims
        } catch {
            // Cancelled when registration refused the worker: nothing to preview, nothing to say.
            if Task.isCancelled { return nil }
            environment.logger.warning(
                "payment did not list the worker's claims; previewing without R3/R4",
                metadata: ["worker": "\(workerID)", "error": "\(error)"])
            return nil
        }
    }

    public func getEnrollment(request: GetEnrollmentRequest, context: ServerContext) async throws -> Enrollment {
        guard !request.enrollmentId.isEmpty else {
            throw MatchingError.invalid(field: "enrollment_id", message: "required")
        }
        try FieldLimits.check(request.enrollmentId, field: "enrollment_id", max: FieldLimits.id)
        let enrollment = try await existingEnrollment(request.enrollmentId)
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
