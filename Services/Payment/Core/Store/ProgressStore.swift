import SQLKit
import Schema
import Storage

/// The queries behind T1's progress report (GetProgress).
extension PaymentStore {
    /// What a subsidy row records for reporting, besides what R3/R4 need: the category the training
    /// counts under (`ProgressReport.categoryKey`), the GB/T 4754 industry of the enterprise that
    /// employed or hired the worker ("" when there is none), and the institution's name as
    /// registration had it when the claim was decided.
    static let progressMigration = Migration(
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
        let held = Int(TrancheState.held.rawValue)
        let payable = Int(TrancheState.payable.rawValue)
        return try await store.read { db in
            var query = SQLQueryString(
                """
                SELECT s.year AS year, s.institution_id AS institution_id, MAX(s.institution_name) AS institution_name,
                       s.report_category AS category, s.industry AS industry, SUBSTR(s.occupation, 1, 1) AS occupation_group,
                       COUNT(*) AS trainings,
                       CAST(COALESCE(SUM(p.fen), 0) AS BIGINT) AS paid_fen,
                       CAST(COALESCE(SUM(t.held), 0) AS BIGINT) AS held_fen,
                       CAST(COALESCE(SUM(t.payable), 0) AS BIGINT) AS payable_fen
                FROM subsidies s
                LEFT JOIN (SELECT claim_id, SUM(amount_fen) AS fen FROM ledger GROUP BY claim_id) p ON p.claim_id = s.claim_id
                LEFT JOIN (SELECT claim_id,
                                  SUM(CASE WHEN state = \(bind: held) THEN amount_fen ELSE 0 END) AS held,
                                  SUM(CASE WHEN state = \(bind: payable) THEN amount_fen ELSE 0 END) AS payable
                           FROM tranches GROUP BY claim_id) t ON t.claim_id = s.claim_id
                """)
            if year > 0 { query = query + " WHERE s.year = \(bind: year)" }
            query =
                query + " GROUP BY s.year, s.institution_id, s.report_category, s.industry, SUBSTR(s.occupation, 1, 1)"
            return try await db.raw(query).all(decoding: ProgressReport.Group.self)
        }
    }
}
