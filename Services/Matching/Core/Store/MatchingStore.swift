import Essentials
import SQL
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The matching service's SQL: every statement it runs, and nothing else. A function taking a
/// connection runs inside the caller's `transaction` or `read` body; the others are reads of their
/// own. Rows are read by column position straight into the contract's messages.
struct MatchingStore: Sendable {
    let database: Database

    // MARK: Demands (O1, C3)

    func insertDemand(_ demand: Demand, submittedOn: String, on connection: any DBConnection) throws {
        let requester: String
        switch demand.requester {
        case .enterpriseCreditCode?: requester = "enterprise"
        default: requester = "worker"
        }
        try connection.execute(
            """
            INSERT INTO demands (id, occupation_code, occupation_name, level, requester_kind, headcount, submitted_on, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            demand.id, demand.occupation?.code ?? "", demand.occupation?.name ?? "", demand.level.rawValue, requester,
            Int64(demand.headcount), submittedOn, demand.serializedBytes())
    }

    /// One row of C3: a group's totals within the asked dates and its two trend periods.
    struct AggregateRow: Sendable {
        var occupationCode: String
        var occupationName: String
        var level: Int32
        var demandCount: Int64
        var headcount: Int64
        var workerRequests: Int64
        var enterpriseRequests: Int64
        var recentDemands: Int64
        var recentHeadcount: Int64
        var previousDemands: Int64
        var previousHeadcount: Int64
    }

    func demandExists(id: String, on connection: any DBConnection) throws -> Bool {
        try connection.first("SELECT 1 FROM demands WHERE id = $1", id) { _ in true } ?? false
    }

    /// C3: demands grouped by occupation and level, ordered by both, after (afterCode, afterLevel).
    /// The totals count demands submitted within [from, to]; a group appears when it has any. The
    /// trend columns count by the two periods, whatever from and to say.
    func demandAggregates(
        occupation: String, level: SkillLevel, from: String?, to: String?, periods: DemandTrendRule.Periods,
        after: (code: String, level: Int)?, limit: Int
    ) async throws -> [AggregateRow] {
        // $1, $2: [from, to]; $3..$5: the trend periods' bounds.
        var parameters = SQLParameters([
            .text(from ?? "0000-00-00"), .text(to ?? "9999-99-99"), .text(periods.previousStart),
            .text(periods.recentStart), .text(periods.asOf),
        ])
        let inRange = "submitted_on >= $1 AND submitted_on <= $2"
        let recent = "submitted_on > $4 AND submitted_on <= $5"
        let previous = "submitted_on > $3 AND submitted_on <= $4"
        func sum(_ condition: String, _ value: String) -> String {
            "CAST(SUM(CASE WHEN \(condition) THEN \(value) ELSE 0 END) AS BIGINT)"
        }
        var sql = "SELECT occupation_code, MAX(occupation_name), level, "
        sql += [
            sum(inRange, "1"), sum(inRange, "headcount"), sum(inRange + " AND requester_kind = 'worker'", "1"),
            sum(inRange + " AND requester_kind = 'enterprise'", "1"), sum(recent, "1"), sum(recent, "headcount"),
            sum(previous, "1"), sum(previous, "headcount"),
        ].joined(separator: ", ")
        sql += " FROM demands WHERE 1 = 1"
        if !occupation.isEmpty { sql += " AND occupation_code = \(parameters.add(occupation))" }
        if level != .unspecified { sql += " AND level = \(parameters.add(level.rawValue))" }
        if let after {
            let code = parameters.add(after.code)
            sql +=
                " AND (occupation_code > \(code) OR (occupation_code = \(code) AND level > \(parameters.add(after.level))))"
        }
        sql += " GROUP BY occupation_code, level HAVING SUM(CASE WHEN \(inRange) THEN 1 ELSE 0 END) > 0"
        sql += " ORDER BY occupation_code, level LIMIT \(parameters.add(limit))"
        let (text, binds) = (sql, parameters.values)
        return try await database.read { connection in
            var rows: [AggregateRow] = []
            try connection.query(text, binds) { row in
                rows.append(
                    AggregateRow(
                        occupationCode: try row.string(0), occupationName: try row.string(1),
                        level: Int32(clamping: try row.int64(2)), demandCount: try row.int64(3),
                        headcount: try row.int64(4), workerRequests: try row.int64(5),
                        enterpriseRequests: try row.int64(6), recentDemands: try row.int64(7),
                        recentHeadcount: try row.int64(8), previousDemands: try row.int64(9),
                        previousHeadcount: try row.int64(10)))
            }
            return rows
        }
    }

    // MARK: Catalogues (C1, C2)

    /// The id and version of the entry for (kind, occupation), if there is one.
    func catalogVersion(kind: CatalogKind, occupationCode: String, on connection: any DBConnection) throws
        -> (id: String, version: Int64)?
    {
        try connection.first(
            "SELECT id, version FROM catalog_entries WHERE kind = $1 AND occupation_code = $2", kind.rawValue,
            occupationCode
        ) { (id: try $0.string(0), version: try $0.int64(1)) }
    }

    func insertCatalogEntry(_ entry: CatalogEntry, from: String, until: String, on connection: any DBConnection)
        throws
    {
        try connection.execute(
            """
            INSERT INTO catalog_entries (id, kind, occupation_code, effective_from, effective_until, version, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            entry.id, entry.kind.rawValue, entry.occupation?.code ?? "", from, until, entry.version,
            entry.serializedBytes())
    }

    func replaceCatalogEntry(_ entry: CatalogEntry, from: String, until: String, on connection: any DBConnection)
        throws
    {
        try connection.execute(
            "UPDATE catalog_entries SET effective_from = $1, effective_until = $2, version = $3, data = $4 WHERE id = $5",
            from, until, entry.version, entry.serializedBytes(), entry.id)
    }

    /// The catalogue an occupation is listed in on `day` (C1 before C2), if any.
    func catalogKind(occupationCode: String, on day: String, on connection: any DBConnection) throws -> CatalogKind? {
        try connection.first(
            """
            SELECT kind FROM catalog_entries WHERE occupation_code = $1
              AND effective_from <= $2 AND (effective_until = '' OR effective_until >= $2)
            ORDER BY kind LIMIT 1
            """, occupationCode, day
        ) { CatalogKind(rawValue: Int32(clamping: try $0.int64(0))) }
    }

    func catalog(kind: CatalogKind, on day: String, afterID: String, limit: Int) async throws -> [CatalogEntry] {
        var parameters = SQLParameters([.text(afterID), .text(day)])
        var sql = """
            SELECT data FROM catalog_entries WHERE id > $1
              AND effective_from <= $2 AND (effective_until = '' OR effective_until >= $2)
            """
        if kind != .unspecified { sql += " AND kind = \(parameters.add(kind.rawValue))" }
        sql += " ORDER BY id LIMIT \(parameters.add(limit))"
        let (text, binds) = (sql, parameters.values)
        return try await database.read { connection in
            var entries: [CatalogEntry] = []
            try connection.query(text, binds) { entries.append(try CatalogEntry(serializedBytes: $0.bytes(0))) }
            return entries
        }
    }

    // MARK: Offerings (O2)

    func insertOffering(_ offering: Offering, on connection: any DBConnection) throws {
        let groups = "," + offering.targetGroups.map { String($0.rawValue) }.joined(separator: ",") + ","
        let demands = "," + offering.demandIds.joined(separator: ",") + (offering.demandIds.isEmpty ? "" : ",")
        try connection.execute(
            """
            INSERT INTO offerings (id, occupation_code, level, institution_id, kind, target_groups, demand_ids, start_date,
                                   end_date, capacity, enrolled, version, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)
            """,
            offering.id, offering.occupation?.code ?? "", offering.level.rawValue, offering.institutionId,
            offering.kind.rawValue, groups, demands, CivilDate(offering.startDate)?.description ?? "",
            CivilDate(offering.endDate)?.description ?? "", offering.capacity, offering.version,
            offering.serializedBytes())
    }

    /// The offering with its current `enrolled` count (the column is the truth; the stored
    /// document keeps the published values).
    func offering(id: String, on connection: any DBConnection) throws -> Offering? {
        try connection.first("SELECT data, enrolled FROM offerings WHERE id = $1", id, decode: Self.offering)
    }

    /// The offering's first and last day of training, without reading its document; nil when
    /// there is no such offering.
    func offeringDates(id: String, on connection: any DBConnection) throws -> (start: CivilDate?, end: CivilDate?)? {
        try connection.first("SELECT start_date, end_date FROM offerings WHERE id = $1", id) {
            (CivilDate(iso: try $0.string(0)), CivilDate(iso: try $0.string(1)))
        }
    }

    /// Reads `data, enrolled`.
    private static func offering(_ row: DBRow) throws -> Offering {
        var offering = try Offering(serializedBytes: row.bytes(0))
        offering.enrolled = Int32(clamping: try row.int64(1))
        return offering
    }

    /// O3: takes one place if one is free; false when the offering is full (or does not exist).
    /// The single conditional UPDATE is what keeps capacity from being oversold, also with
    /// several replicas on one PostgreSQL: the row lock serialises concurrent takers and the
    /// condition is re-evaluated after the wait.
    func takePlace(offeringID: String, on connection: any DBConnection) throws -> Bool {
        try connection.execute(
            "UPDATE offerings SET enrolled = enrolled + 1 WHERE id = $1 AND enrolled < capacity", offeringID) > 0
    }

    /// Gives a place back (rejection, withdrawal).
    func releasePlace(offeringID: String, on connection: any DBConnection) throws {
        try connection.execute(
            "UPDATE offerings SET enrolled = enrolled - 1 WHERE id = $1 AND enrolled > 0", offeringID)
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
        var parameters = SQLParameters([.text(afterID)])
        var sql = "SELECT data, enrolled FROM offerings WHERE id > $1"
        if !filter.occupationCode.isEmpty { sql += " AND occupation_code = \(parameters.add(filter.occupationCode))" }
        if filter.level != .unspecified { sql += " AND level = \(parameters.add(filter.level.rawValue))" }
        if !filter.institutionID.isEmpty { sql += " AND institution_id = \(parameters.add(filter.institutionID))" }
        if filter.kind != .unspecified { sql += " AND kind = \(parameters.add(filter.kind.rawValue))" }
        if filter.targetGroup != .unspecified {
            // No target groups means everyone.
            let pattern = parameters.add("%,\(filter.targetGroup.rawValue),%")
            sql += " AND (target_groups = ',' OR target_groups LIKE \(pattern))"
        }
        if let start = filter.startsAfter { sql += " AND start_date >= \(parameters.add(start))" }
        if filter.openOnly { sql += " AND enrolled < capacity" }
        if !filter.demandID.isEmpty { sql += " AND demand_ids LIKE \(parameters.add("%,\(filter.demandID),%"))" }
        sql += " ORDER BY id LIMIT \(parameters.add(limit))"
        let (text, binds) = (sql, parameters.values)
        return try await database.read { connection in
            var offerings: [Offering] = []
            try connection.query(text, binds) { offerings.append(try Self.offering($0)) }
            return offerings
        }
    }

    // MARK: Enrolments (O3..O5)

    /// Throws `DBError` `.uniqueViolation` when the worker already holds an active enrolment in
    /// the offering (the partial unique index `enrollments_active`).
    func insertEnrollment(_ enrollment: Enrollment, on connection: any DBConnection) throws {
        try connection.execute(
            """
            INSERT INTO enrollments (id, worker_id, offering_id, institution_id, state, active, version, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            enrollment.id, enrollment.workerId, enrollment.offeringId, enrollment.institutionId,
            enrollment.state.rawValue, EnrollmentStateMachine.isActive(enrollment.state) ? 1 : 0, enrollment.version,
            enrollment.serializedBytes())
    }

    /// Replaces the enrolment if it is still at `previousVersion`; false when someone changed it first.
    /// `wasActive`: whether the version replaced was active. When the new one is too, `active` is
    /// left out of the UPDATE: naming it makes SQLite rewrite the partial index `enrollments_active`
    /// (an index leaf more per transaction in the WAL) even though the value stays.
    func replaceEnrollment(
        _ enrollment: Enrollment, previousVersion: Int64, wasActive: Bool? = nil, on connection: any DBConnection
    ) throws -> Bool {
        let active = EnrollmentStateMachine.isActive(enrollment.state)
        if wasActive == active {
            return try connection.execute(
                "UPDATE enrollments SET state = $1, version = $2, data = $3 WHERE id = $4 AND version = $5",
                enrollment.state.rawValue, enrollment.version, enrollment.serializedBytes(), enrollment.id,
                previousVersion) == 1
        }
        return try connection.execute(
            "UPDATE enrollments SET state = $1, active = $2, version = $3, data = $4 WHERE id = $5 AND version = $6",
            enrollment.state.rawValue, active ? 1 : 0, enrollment.version, enrollment.serializedBytes(), enrollment.id,
            previousVersion) == 1
    }

    /// Replaces `previous`, as read, with `enrollment` (its next version); false when someone
    /// changed it first.
    func replaceEnrollment(_ enrollment: Enrollment, replacing previous: Enrollment, on connection: any DBConnection)
        throws -> Bool
    {
        try replaceEnrollment(
            enrollment, previousVersion: previous.version,
            wasActive: EnrollmentStateMachine.isActive(previous.state), on: connection)
    }

    func enrollment(id: String, on connection: any DBConnection) throws -> Enrollment? {
        try connection.first("SELECT data FROM enrollments WHERE id = $1", id) {
            try Enrollment(serializedBytes: $0.bytes(0))
        }
    }

    func enrollments(
        workerID: String, offeringID: String, institutionID: String, state: EnrollmentState,
        afterID: String, limit: Int
    ) async throws -> [Enrollment] {
        var parameters = SQLParameters([.text(afterID)])
        var sql = "SELECT data FROM enrollments WHERE id > $1"
        if !workerID.isEmpty { sql += " AND worker_id = \(parameters.add(workerID))" }
        if !offeringID.isEmpty { sql += " AND offering_id = \(parameters.add(offeringID))" }
        if !institutionID.isEmpty { sql += " AND institution_id = \(parameters.add(institutionID))" }
        if state != .unspecified { sql += " AND state = \(parameters.add(state.rawValue))" }
        sql += " ORDER BY id LIMIT \(parameters.add(limit))"
        let (text, binds) = (sql, parameters.values)
        return try await database.read { connection in
            var enrollments: [Enrollment] = []
            try connection.query(text, binds) { enrollments.append(try Enrollment(serializedBytes: $0.bytes(0))) }
            return enrollments
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
    func institutionSystems(enrollmentID: String, on connection: any DBConnection) throws -> InstitutionSystems? {
        try connection.first(
            """
            SELECT e.institution_id, s.names, s.read_at
            FROM enrollments e LEFT JOIN institution_systems s ON s.institution_id = e.institution_id
            WHERE e.id = $1
            """, enrollmentID
        ) { row in
            let names = try row.get(1, as: String?.self).flatMap(Self.systemNames)
            return InstitutionSystems(
                institutionID: try row.string(0), names: names,
                readAt: names == nil ? 0 : try row.get(2, as: Int64?.self) ?? 0)
        }
    }

    /// The names stored as a JSON array of strings; nil when the text is not one. Every O4 call
    /// reads them: the usual `["a","b"]` (what JSONEncoder writes for names without escapes) is
    /// split directly, anything else goes through JSONDecoder (1% of matching's CPU in a replay
    /// when every read did).
    static func systemNames(_ json: String) -> [String]? {
        let bytes = Array(json.utf8)
        var names: [String] = []
        var index = 1
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
            while index < bytes.count - 1, bytes[index] == UInt8(ascii: "\"") {
                guard let end = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { break }
                let name = bytes[(index + 1)..<end]
                guard !name.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { break }
                names.append(String(decoding: name, as: UTF8.self))
                index = end + 1
                guard bytes[index] == UInt8(ascii: ","), bytes[index + 1] == UInt8(ascii: "\"") else { break }
                index += 1
            }
            if index == bytes.count - 1 { return names }
        }
        return try? JSONDecoder().decode([String].self, from: Data(json.utf8))
    }

    /// Stores (or replaces) the copy of an institution's system names.
    func saveInstitutionSystems(institutionID: String, names: [String], readAt: Int64, on connection: any DBConnection)
        throws
    {
        let json = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        try connection.execute(
            """
            INSERT INTO institution_systems (institution_id, names, read_at) VALUES ($1, $2, $3)
            ON CONFLICT (institution_id) DO UPDATE SET names = excluded.names, read_at = excluded.read_at
            """, institutionID, json, readAt)
    }
}

/// The values of a statement built from optional filters: `add` appends one and returns its
/// placeholder (`$1`, `$2`, ... in order), so the text and the values cannot drift apart.
struct SQLParameters {
    private(set) var values: [DBValue]

    init(_ values: [DBValue] = []) { self.values = values }

    mutating func add(_ value: some DBBindable) -> String {
        values.append(value.dbValue)
        return "$\(values.count)"
    }
}
