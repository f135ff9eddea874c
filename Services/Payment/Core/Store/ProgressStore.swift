import SQL
import Schema

/// The queries behind T1's progress report (GetProgress).
extension PaymentStore {
    /// What a subsidy row records for reporting, besides what R3/R4 need: the category the training
    /// counts under (`ProgressReport.categoryKey`), the GB/T 4754 industry of the enterprise that
    /// employed or hired the worker ("" when there is none), and the institution's name as
    /// registration had it when the claim was decided.
    static let progressMigration = SchemaMigration(
        version: 120, name: "subsidies: reporting category, enterprise industry, institution name"
    ) { dialect in
        let firstAttested =
            dialect == .postgres
            ? "split_part(categories, ',', 1)"
            : "substr(categories, 1, instr(categories || ',', ',') - 1)"
        return [
            "ALTER TABLE subsidies ADD COLUMN report_category TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE subsidies ADD COLUMN industry TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE subsidies ADD COLUMN institution_name TEXT NOT NULL DEFAULT ''",
            // Rows decided before: `categories` lists only the attested ones.
            "UPDATE subsidies SET report_category = CASE WHEN categories = '' THEN 'unknown' ELSE \(firstAttested) END",
        ]
    }

    /// The subsidised trainings (of `year`, or all when 0) grouped by every dimension T1 is reported
    /// by, each group with what the ledger paid for its claims and what their tranches still hold
    /// (R7) or may pay. One row per training, so groups sum to the programme's totals.
    func progressGroups(year: Int) async throws -> [ProgressReport.Group] {
        var sql = """
            SELECT s.year, s.institution_id, MAX(s.institution_name), s.report_category, s.industry,
                   SUBSTR(s.occupation, 1, 1), COUNT(*),
                   CAST(COALESCE(SUM(p.fen), 0) AS BIGINT),
                   CAST(COALESCE(SUM(t.held), 0) AS BIGINT),
                   CAST(COALESCE(SUM(t.payable), 0) AS BIGINT)
            FROM subsidies s
            LEFT JOIN (SELECT claim_id, SUM(amount_fen) AS fen FROM ledger GROUP BY claim_id) p ON p.claim_id = s.claim_id
            LEFT JOIN (SELECT claim_id,
                              SUM(CASE WHEN state = $1 THEN amount_fen ELSE 0 END) AS held,
                              SUM(CASE WHEN state = $2 THEN amount_fen ELSE 0 END) AS payable
                       FROM tranches GROUP BY claim_id) t ON t.claim_id = s.claim_id
            """
        var binds: [DBValue] = [.int(Int64(TrancheState.held.rawValue)), .int(Int64(TrancheState.payable.rawValue))]
        if year > 0 {
            binds.append(.int(Int64(year)))
            sql += " WHERE s.year = $3"
        }
        sql += " GROUP BY s.year, s.institution_id, s.report_category, s.industry, SUBSTR(s.occupation, 1, 1)"
        return try await database.read { [sql, binds] connection in
            var groups: [ProgressReport.Group] = []
            try connection.query(sql, binds) { row in
                groups.append(
                    ProgressReport.Group(
                        year: try row.get(0), institutionID: try row.string(1), institutionName: try row.string(2),
                        category: try row.string(3), industry: try row.string(4), occupationGroup: try row.string(5),
                        trainings: try row.int64(6), paidFen: try row.int64(7), heldFen: try row.int64(8),
                        payableFen: try row.int64(9)))
            }
            return groups
        }
    }
}
