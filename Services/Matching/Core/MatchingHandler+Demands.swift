import Essentials
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O1 request (提单) and C3, the workers' training-demand catalogue (docs/POLICY.md): a worker or an
/// enterprise submits a demand, checked against registration; hrss reads the demands grouped by
/// occupation and level with their trend (`DemandTrendRule`).
extension MatchingHandler {
    public func submitDemand(request: SubmitDemandRequest, context: ServerContext) async throws -> Demand {
        guard var demand = request.demand else { throw MatchingError.invalid(field: "demand", message: "required") }
        guard let occupation = demand.occupation, !occupation.code.trimmingHorizontalWhitespace().isEmpty else {
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
        let lookup = try await environment.idempotent.lookUp(
            request, requestID: request.requestId, context: context, as: Demand.self)
        if let previous = lookup.previous { return previous }
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
            after: lookup, isolation: .readCommitted,
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
}
