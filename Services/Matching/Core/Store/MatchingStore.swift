import Essentials
import Foundation
import SQLKit
import Schema
import ServiceKit
import Storage

/// The matching service's SQL: every query it runs, and nothing else.
struct MatchingStore: Sendable {
    let store: SQLStore

    private struct DataRow: Decodable { var data: Data }
    private struct IDRow: Decodable { var id: String }
    private struct OfferingRow: Decodable {
        var data: Data
        var enrolled: Int
    }

    // MARK: Demands (O1, C3)

    func insertDemand(_ demand: Demand, submittedOn: String, in db: any SQLDatabase) async throws {
        let requester: String
        switch demand.requester {
        case .enterpriseCreditCode?: requester = "enterprise"
        default: requester = "worker"
        }
        try await db.raw(
            """
            INSERT INTO demands (id, occupation_code, occupation_name, level, requester_kind, headcount, submitted_on, data)
            VALUES (\(bind: demand.id), \(bind: demand.occupation?.code ?? ""), \(bind: demand.occupation?.name ?? ""),
                    \(bind: demand.level.rawValue), \(bind: requester), \(bind: Int64(demand.headcount)), \(bind: submittedOn),
                    \(bind: Data(demand.serializedBytes())))
            """
        ).run()
    }

    struct AggregateRow: Decodable {
        var occupation_code: String
        var occupation_name: String
        var level: Int
        var demand_count: Int64
        var headcount: Int64
        var worker_requests: Int64
        var enterprise_requests: Int64
        var recent_demands: Int64
        var recent_headcount: Int64
        var previous_demands: Int64
        var previous_headcount: Int64
    }

    func demandExists(id: String, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("SELECT id FROM demands WHERE id = \(bind: id)").first(decoding: IDRow.self) != nil
    }

    /// C3: demands grouped by occupation and level, ordered by both, after (afterCode, afterLevel).
    /// The totals count demands submitted within [from, to]; a group appears when it has any. The
    /// trend columns count by the two periods, whatever from and to say.
    func demandAggregates(
        occupation: String, level: SkillLevel, from: String?, to: String?, periods: DemandTrendRule.Periods,
        after: (code: String, level: Int)?, limit: Int
    ) async throws -> [AggregateRow] {
        try await store.read { db in
            let from = from ?? "0000-00-00", to = to ?? "9999-99-99"
            func inRange() -> SQLQueryString { "submitted_on >= \(bind: from) AND submitted_on <= \(bind: to)" }
            func recent() -> SQLQueryString {
                "submitted_on > \(bind: periods.recentStart) AND submitted_on <= \(bind: periods.asOf)"
            }
            func previous() -> SQLQueryString {
                "submitted_on > \(bind: periods.previousStart) AND submitted_on <= \(bind: periods.recentStart)"
            }
            func sum(_ condition: SQLQueryString, _ value: String, as name: String) -> SQLQueryString {
                "CAST(SUM(CASE WHEN " + condition
                    + " THEN \(unsafeRaw: value) ELSE 0 END) AS BIGINT) AS \(unsafeRaw: name)"
            }
            var query: SQLQueryString = "SELECT occupation_code, MAX(occupation_name) AS occupation_name, level, "
            query =
                query + sum(inRange(), "1", as: "demand_count") + ", " + sum(inRange(), "headcount", as: "headcount")
                + ", "
            query = query + sum(inRange() + " AND requester_kind = 'worker'", "1", as: "worker_requests") + ", "
            query = query + sum(inRange() + " AND requester_kind = 'enterprise'", "1", as: "enterprise_requests") + ", "
            query =
                query + sum(recent(), "1", as: "recent_demands") + ", "
                + sum(recent(), "headcount", as: "recent_headcount") + ", "
            query =
                query + sum(previous(), "1", as: "previous_demands") + ", "
                + sum(previous(), "headcount", as: "previous_headcount")
            query = query + " FROM demands WHERE 1 = 1"
            if !occupation.isEmpty { query = query + " AND occupation_code = \(bind: occupation)" }
            if level != .unspecified { query = query + " AND level = \(bind: level.rawValue)" }
            if let after {
                query =
                    query
                    + " AND (occupation_code > \(bind: after.code) OR (occupation_code = \(bind: after.code) AND level > \(bind: after.level)))"
            }
            query =
                query + " GROUP BY occupation_code, level HAVING SUM(CASE WHEN " + inRange() + " THEN 1 ELSE 0 END) > 0"
            query = query + " ORDER BY occupation_code, level LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: AggregateRow.self)
        }
    }

    // MARK: Catalogues (C1, C2)

    func catalogEntry(kind: CatalogKind, occupationCode: String, in db: any SQLDatabase) async throws -> CatalogEntry? {
        try await decode(
            db.raw(
                """
                SELECT data FROM catalog_entries WHERE kind = \(bind: kind.rawValue) AND occupation_code = \(bind: occupationCode)
                """
            ).first(decoding: DataRow.self))
    }

    func saveCatalogEntry(_ entry: CatalogEntry, isNew: Bool, from: String, until: String, in db: any SQLDatabase)
        async throws
    {
        let data = Data(entry.serializedBytes())
        if isNew {
            try await db.raw(
                """
                INSERT INTO catalog_entries (id, kind, occupation_code, effective_from, effective_until, version, data)
                VALUES (\(bind: entry.id), \(bind: entry.kind.rawValue), \(bind: entry.occupation?.code ?? ""), \(bind: from),
                        \(bind: until), \(bind: entry.version), \(bind: data))
                """
            ).run()
        } else {
            try await db.raw(
                """
                UPDATE catalog_entries SET effective_from = \(bind: from), effective_until = \(bind: until),
                    version = \(bind: entry.version), data = \(bind: data)
                WHERE id = \(bind: entry.id)
                """
            ).run()
        }
    }

    /// The catalogue an occupation is listed in (C1 before C2), if any.
    func catalogKind(occupationCode: String, on day: String, in db: any SQLDatabase) async throws -> CatalogKind? {
        struct Row: Decodable { var kind: Int32 }
        let row = try await db.raw(
            """
            SELECT kind FROM catalog_entries WHERE occupation_code = \(bind: occupationCode)
              AND effective_from <= \(bind: day) AND (effective_until = '' OR effective_until >= \(bind: day))
            ORDER BY kind LIMIT 1
            """
        ).first(decoding: Row.self)
        return row.map { CatalogKind(rawValue: $0.kind) }
    }

    func catalog(kind: CatalogKind, on day: String, afterID: String, limit: Int) async throws -> [CatalogEntry] {
        try await store.read { db in
            var query = SQLQueryString(
                """
                SELECT data FROM catalog_entries WHERE id > \(bind: afterID)
                  AND effective_from <= \(bind: day) AND (effective_until = '' OR effective_until >= \(bind: day))
                """)
            if kind != .unspecified { query = query + " AND kind = \(bind: kind.rawValue)" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: DataRow.self).map {
                try CatalogEntry(serializedBytes: $0.data)
            }
        }
    }

    // MARK: Offerings (O2)

    func insertOffering(_ offering: Offering, in db: any SQLDatabase) async throws {
        let groups = "," + offering.targetGroups.map { String($0.rawValue) }.joined(separator: ",") + ","
        let demands = "," + offering.demandIds.joined(separator: ",") + (offering.demandIds.isEmpty ? "" : ",")
        try await db.raw(
            """
            INSERT INTO offerings (id, occupation_code, level, institution_id, kind, target_groups, demand_ids, start_date, end_date,
                                   capacity, enrolled, version, data)
            VALUES (\(bind: offering.id), \(bind: offering.occupation?.code ?? ""), \(bind: offering.level.rawValue),
                    \(bind: offering.institutionId), \(bind: offering.kind.rawValue), \(bind: groups), \(bind: demands),
                    \(bind: CivilDate(offering.startDate)?.description ?? ""), \(bind: CivilDate(offering.endDate)?.description ?? ""),
                    \(bind: Int(offering.capacity)), 0, \(bind: offering.version), \(bind: Data(offering.serializedBytes())))
            """
        ).run()
    }

    /// The offering with its current `enrolled` count (the column is the truth; the stored
    /// document keeps the published values).
    func offering(id: String, in db: any SQLDatabase) async throws -> Offering? {
        guard
            let row = try await db.raw("SELECT data, enrolled FROM offerings WHERE id = \(bind: id)")
                .first(decoding: OfferingRow.self)
        else { return nil }
        return try Self.offering(row)
    }

    private static func offering(_ row: OfferingRow) throws -> Offering {
        var offering = try Offering(serializedBytes: row.data)
        offering.enrolled = Int32(row.enrolled)
        return offering
    }

    /// O3: takes one place if one is free; nil when the offering is full (or does not exist).
    /// The single conditional UPDATE is what keeps capacity from being oversold, also with
    /// several replicas on one PostgreSQL: the row lock serialises concurrent takers and the
    /// condition is re-evaluated after the wait.
    func takePlace(offeringID: String, in db: any SQLDatabase) async throws -> Int? {
        struct Row: Decodable { var enrolled: Int }
        return try await db.raw(
            """
            UPDATE offerings SET enrolled = enrolled + 1
            WHERE id = \(bind: offeringID) AND enrolled < capacity
            RETURNING enrolled
            """
        ).first(decoding: Row.self)?.enrolled
    }

    /// Gives a place back (rejection, withdrawal).
    func releasePlace(offeringID: String, in db: any SQLDatabase) async throws {
        try await db.raw("UPDATE offerings SET enrolled = enrolled - 1 WHERE id = \(bind: offeringID) AND enrolled > 0")
            .run()
    }

    struct OfferingFilter: Sendable {
        var occupationCode = ""
        var level = SkillLevel.unspecified
        var institutionID = ""
        var kind = OfferingKind.unspecified
        var targetGroup = WorkerCategory.unspecified
        var startsAfter: String?
        var openOnly = false
        var demandID = ""
    }

    func offerings(_ filter: OfferingFilter, afterID: String, limit: Int) async throws -> [Offering] {
        try await store.read { db in
            var query = SQLQueryString("SELECT data, enrolled FROM offerings WHERE id > \(bind: afterID)")
            if !filter.occupationCode.isEmpty {
                query = query + " AND occupation_code = \(bind: filter.occupationCode)"
            }
            if filter.level != .unspecified { query = query + " AND level = \(bind: filter.level.rawValue)" }
            if !filter.institutionID.isEmpty { query = query + " AND institution_id = \(bind: filter.institutionID)" }
            if filter.kind != .unspecified { query = query + " AND kind = \(bind: filter.kind.rawValue)" }
            if filter.targetGroup != .unspecified {
                // No target groups means everyone.
                query =
                    query
                    + " AND (target_groups = ',' OR target_groups LIKE \(bind: "%,\(filter.targetGroup.rawValue),%"))"
            }
            if let start = filter.startsAfter { query = query + " AND start_date >= \(bind: start)" }
            if filter.openOnly { query = query + " AND enrolled < capacity" }
            if !filter.demandID.isEmpty { query = query + " AND demand_ids LIKE \(bind: "%,\(filter.demandID),%")" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: OfferingRow.self).map { try Self.offering($0) }
        }
    }

    // MARK: Enrolments (O3..O5)

    func insertEnrollment(_ enrollment: Enrollment, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO enrollments (id, worker_id, offering_id, institution_id, state, active, version, data)
            VALUES (\(bind: enrollment.id), \(bind: enrollment.workerId), \(bind: enrollment.offeringId),
                    \(bind: enrollment.institutionId), \(bind: enrollment.state.rawValue),
                    \(bind: EnrollmentStateMachine.isActive(enrollment.state) ? 1 : 0), \(bind: enrollment.version),
                    \(bind: Data(enrollment.serializedBytes())))
            """
        ).run()
    }

    /// Replaces the enrolment if it is still at `previousVersion`; false when someone changed it first.
    func replaceEnrollment(_ enrollment: Enrollment, previousVersion: Int64, in db: any SQLDatabase) async throws
        -> Bool
    {
        let updated = try await db.raw(
            """
            UPDATE enrollments SET state = \(bind: enrollment.state.rawValue),
                active = \(bind: EnrollmentStateMachine.isActive(enrollment.state) ? 1 : 0),
                version = \(bind: enrollment.version), data = \(bind: Data(enrollment.serializedBytes()))
            WHERE id = \(bind: enrollment.id) AND version = \(bind: previousVersion)
            RETURNING id
            """
        ).all(decoding: IDRow.self)
        return !updated.isEmpty
    }

    func hasActiveEnrollment(workerID: String, offeringID: String, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw(
            """
            SELECT id FROM enrollments WHERE offering_id = \(bind: offeringID) AND worker_id = \(bind: workerID) AND active = 1
            """
        ).first(decoding: IDRow.self) != nil
    }

    func enrollment(id: String, in db: any SQLDatabase) async throws -> Enrollment? {
        try await decode(db.raw("SELECT data FROM enrollments WHERE id = \(bind: id)").first(decoding: DataRow.self))
    }

    func enrollments(
        workerID: String, offeringID: String, institutionID: String, state: EnrollmentState,
        afterID: String, limit: Int
    ) async throws -> [Enrollment] {
        try await store.read { db in
            var query = SQLQueryString("SELECT data FROM enrollments WHERE id > \(bind: afterID)")
            if !workerID.isEmpty { query = query + " AND worker_id = \(bind: workerID)" }
            if !offeringID.isEmpty { query = query + " AND offering_id = \(bind: offeringID)" }
            if !institutionID.isEmpty { query = query + " AND institution_id = \(bind: institutionID)" }
            if state != .unspecified { query = query + " AND state = \(bind: state.rawValue)" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: DataRow.self).map { try Enrollment(serializedBytes: $0.data) }
        }
    }

    // MARK: Institutions' systems (O4)

    /// Matching's copy of the certificate names acting for the institution of an enrolment.
    struct InstitutionSystems: Sendable, Equatable {
        var institutionID: String
        /// Nil when matching has no copy yet.
        var names: [String]?
        /// When the copy was read from registration, Unix seconds (0 = never).
        var readAt: Int64
    }

    /// The enrolment's institution and matching's copy of its system names; nil when there is no
    /// such enrolment.
    func institutionSystems(enrollmentID: String, in db: any SQLDatabase) async throws -> InstitutionSystems? {
        struct Row: Decodable {
            var institution_id: String
            var names: String?
            var read_at: Int64?
        }
        guard
            let row = try await db.raw(
                """
                SELECT e.institution_id, s.names, s.read_at
                FROM enrollments e LEFT JOIN institution_systems s ON s.institution_id = e.institution_id
                WHERE e.id = \(bind: enrollmentID)
                """
            ).first(decoding: Row.self)
        else { return nil }
        let names = row.names.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        return InstitutionSystems(
            institutionID: row.institution_id, names: names, readAt: names == nil ? 0 : row.read_at ?? 0)
    }

    /// Stores (or replaces) the copy of an institution's system names.
    func saveInstitutionSystems(institutionID: String, names: [String], readAt: Int64, in db: any SQLDatabase)
        async throws
    {
        let json = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        try await db.raw(
            """
            INSERT INTO institution_systems (institution_id, names, read_at)
            VALUES (\(bind: institutionID), \(bind: json), \(bind: readAt))
            ON CONFLICT (institution_id) DO UPDATE SET names = excluded.names, read_at = excluded.read_at
            """
        ).run()
    }

    private func decode<M: ProtoMessage>(_ row: DataRow?) throws -> M? {
        guard let row else { return nil }
        return try M(serializedBytes: row.data)
    }
}
