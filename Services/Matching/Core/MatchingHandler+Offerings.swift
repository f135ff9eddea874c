import Essentials
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O2 list (列单, docs/POLICY.md): publishing an offering, checked against R10 (the institution's
/// accepted filing and licence scope, from registration) and R1 (a subsidy standard in force on its
/// last day, from payment), and reading the offerings.
extension MatchingHandler {
    static func validate(_ offering: Offering) throws -> (start: CivilDate, end: CivilDate) {
        guard let occupation = offering.occupation, !occupation.code.trimmingHorizontalWhitespace().isEmpty else {
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
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: Offering.self)
        if let previous = lookup.previous { return previous }
        let institution = try await acceptedInstitution(offering.institutionId, occupation: code)
        offering.subsidyStandardFen = try await subsidyStandard(for: offering, end: end)
        offering.id = Self.newID("o")
        offering.enrolled = 0
        offering.version = 1
        offering.publishedAt = Timestamps.timestamp()
        let submitted = offering
        let store = self.store
        let today = Self.today().description
        let readAt = Int64(Date().timeIntervalSince1970)
        return try await environment.idempotent.run(
            after: lookup, isolation: .readCommitted,
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

    /// R10: the institution's filing is accepted and its licence scope covers the occupation.
    private func acceptedInstitution(_ id: String, occupation code: String) async throws -> Institution {
        let peers = environment.peers
        let institution: Institution
        do {
            institution = try await peers.registration.getInstitution(
                GetInstitutionRequest(institutionId: id), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw MatchingError.institutionNotRegistered(id)
        }
        guard institution.filingStatus == .accepted else {
            throw MatchingError.r10(
                "the filing of institution \(institution.id) is \(institution.filingStatus.protoName), not accepted")
        }
        guard institution.licenceScopeOccupations.contains(code) else {
            throw MatchingError.r10(
                "the licence scope of institution \(institution.id) does not cover occupation \(code)")
        }
        return institution
    }

    /// R1: a subsidised offering needs the standard in force on its last day of training (shown to
    /// workers; payment decides again with the completion date, which lies within the offering's
    /// dates). Without one it is refused, unless published explicitly unsubsidised (0 fen).
    private func subsidyStandard(for offering: Offering, end: CivilDate) async throws -> Int64 {
        if offering.unsubsidised { return 0 }
        let code = offering.occupation?.code ?? ""
        let peers = environment.peers
        do {
            return try await peers.payment.getSubsidyStandard(
                GetSubsidyStandardRequest(occupationCode: code, level: offering.level, onDate: end.calendarDate),
                options: peers.options
            ).amountFen
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

    public func getOffering(request: GetOfferingRequest, context: ServerContext) async throws -> Offering {
        guard !request.offeringId.isEmpty else {
            throw MatchingError.invalid(field: "offering_id", message: "required")
        }
        try FieldLimits.check(request.offeringId, field: "offering_id", max: FieldLimits.id)
        let store = self.store
        guard
            let offering = try await environment.database.readInline({
                try store.offering(id: request.offeringId, on: $0)
            })
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
}
