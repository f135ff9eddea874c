import Foundation
import SQLKit
import Schema
import ServiceKit
import Storage

/// The payment service's tables and every query it runs.
///
/// R3 and R4 are held by the database itself, so that they hold under concurrency and across
/// replicas sharing one PostgreSQL: `subsidies` has one row per eligible decision with primary key
/// (worker, occupation, level) — R4 — and a unique (worker, year, slot) with slot 1..3 — R3. Two
/// claims racing for the same slot or the same occupation+level cannot both commit.
struct PaymentStore: Sendable {
    let store: SQLStore

    static func migrations(initialFundFen: Int64) -> [Migration] {
        [
            Migration(version: 100, name: "claims, subsidies, tranches, ledger, fund") { dialect in
                [
                    """
                    CREATE TABLE claims (
                        id TEXT PRIMARY KEY,
                        enrollment_id TEXT NOT NULL UNIQUE,
                        worker_id TEXT NOT NULL,
                        offering_id TEXT NOT NULL,
                        institution_id TEXT NOT NULL,
                        eligible INTEGER NOT NULL,
                        data \(dialect.blob) NOT NULL)
                    """,
                    """
                    CREATE TABLE subsidies (
                        worker_id TEXT NOT NULL,
                        occupation TEXT NOT NULL,
                        level INTEGER NOT NULL,
                        year INTEGER NOT NULL,
                        slot INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 3),
                        enrollment_id TEXT NOT NULL,
                        claim_id TEXT NOT NULL,
                        completion TEXT NOT NULL,
                        categories TEXT NOT NULL,
                        institution_id TEXT NOT NULL,
                        amount_fen BIGINT NOT NULL,
                        PRIMARY KEY (worker_id, occupation, level),
                        UNIQUE (worker_id, year, slot))
                    """,
                    """
                    CREATE TABLE tranches (
                        id TEXT PRIMARY KEY,
                        claim_id TEXT NOT NULL,
                        idx INTEGER NOT NULL,
                        offering_id TEXT NOT NULL,
                        state INTEGER NOT NULL,
                        amount_fen BIGINT NOT NULL,
                        payee_kind INTEGER NOT NULL,
                        payee_id TEXT NOT NULL,
                        purpose INTEGER NOT NULL,
                        rule TEXT NOT NULL,
                        ledger_entry_id TEXT NOT NULL)
                    """,
                    "CREATE INDEX tranches_offering ON tranches (offering_id, state)",
                    """
                    CREATE TABLE ledger (
                        sequence \(dialect.serialPrimaryKey),
                        id TEXT NOT NULL UNIQUE,
                        tranche_id TEXT NOT NULL UNIQUE,
                        claim_id TEXT NOT NULL,
                        payee_kind INTEGER NOT NULL,
                        payee_id TEXT NOT NULL,
                        amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
                        booked_on TEXT NOT NULL,
                        data \(dialect.blob) NOT NULL)
                    """,
                    "CREATE TABLE fund (id TEXT PRIMARY KEY, balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0))",
                    "INSERT INTO fund (id, balance_fen) VALUES ('special-fund', \(initialFundFen))",
                    "CREATE TABLE employment_reports (offering_id TEXT PRIMARY KEY, data \(dialect.blob) NOT NULL)",
                ]
            },
            // Without these, reading a claim's tranches and ListClaims by worker (matching asks it on
            // every SelectOffering) scanned whole tables: quadratic over a 150,000-training replay.
            Migration(version: 101, name: "indexes for claims by worker, institution, offering and tranches by claim") {
                _ in
                [
                    "CREATE INDEX claims_worker ON claims (worker_id, id)",
                    "CREATE INDEX claims_institution ON claims (institution_id, id)",
                    "CREATE INDEX claims_offering ON claims (offering_id, id)",
                    "CREATE INDEX tranches_claim ON tranches (claim_id, idx)",
                ]
            },
            // R7 evidence: contribution records attested by the social-insurance role. Employment
            // reports keep using employment_reports (one row per offering, the proposal's state inside).
            Migration(version: 110, name: "social-insurance contribution records (R7 evidence)") { dialect in
                [
                    """
                    CREATE TABLE contribution_records (
                        record_reference TEXT PRIMARY KEY,
                        worker_id TEXT NOT NULL,
                        data \(dialect.blob) NOT NULL)
                    """
                ]
            },
            // T1's report: what each subsidised training counts under (ProgressStore.swift).
            progressMigration,
        ]
    }

    private struct DataRow: Decodable { var data: Data }

    struct SubsidyRow: Decodable {
        var worker_id: String
        var occupation: String
        var level: Int
        var year: Int
        var slot: Int
        var enrollment_id: String
        var completion: String
        var categories: String
        var institution_id: String
        var amount_fen: Int64
        /// For T1's report (ProgressStore.swift): the category the training counts under, the
        /// enterprise's GB/T 4754 industry ("" without one) and the institution's name.
        var report_category: String
        var industry: String
        var institution_name: String
    }

    func subsidies(workerID: String, in db: any SQLDatabase) async throws -> [SubsidyRow] {
        try await db.raw("SELECT * FROM subsidies WHERE worker_id = \(bind: workerID)").all(decoding: SubsidyRow.self)
    }

    func insertSubsidy(_ row: SubsidyRow, claimID: String, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO subsidies (worker_id, occupation, level, year, slot, enrollment_id, claim_id, completion, categories,
                                   institution_id, amount_fen, report_category, industry, institution_name)
            VALUES (\(bind: row.worker_id), \(bind: row.occupation), \(bind: row.level), \(bind: row.year), \(bind: row.slot),
                    \(bind: row.enrollment_id), \(bind: claimID), \(bind: row.completion), \(bind: row.categories),
                    \(bind: row.institution_id), \(bind: row.amount_fen), \(bind: row.report_category), \(bind: row.industry),
                    \(bind: row.institution_name))
            """
        ).run()
    }

    func claimID(enrollmentID: String, in db: any SQLDatabase) async throws -> String? {
        struct Row: Decodable { var id: String }
        return try await db.raw("SELECT id FROM claims WHERE enrollment_id = \(bind: enrollmentID)").first(
            decoding: Row.self)?.id
    }

    func insert(_ claim: Claim, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO claims (id, enrollment_id, worker_id, offering_id, institution_id, eligible, data)
            VALUES (\(bind: claim.id), \(bind: claim.enrollmentId), \(bind: claim.workerId), \(bind: claim.offeringId),
                    \(bind: claim.institutionId), \(bind: claim.decision?.eligible == true ? 1 : 0), \(bind: Data(claim.serializedBytes())))
            """
        ).run()
    }

    func insertTranche(
        _ tranche: Schema.Tranche, claimID: String, offeringID: String, payee: Schema.PayeeKind, payeeID: String,
        purpose: PaymentPurpose, rule: String, in db: any SQLDatabase
    ) async throws {
        try await db.raw(
            """
            INSERT INTO tranches (id, claim_id, idx, offering_id, state, amount_fen, payee_kind, payee_id, purpose, rule, ledger_entry_id)
            VALUES (\(bind: tranche.id), \(bind: claimID), \(bind: Int(tranche.index)), \(bind: offeringID), \(bind: Int(tranche.state.rawValue)),
                    \(bind: tranche.amountFen), \(bind: Int(payee.rawValue)), \(bind: payeeID), \(bind: Int(purpose.rawValue)), \(bind: rule), '')
            """
        ).run()
    }

    struct TrancheRow: Decodable {
        var id: String
        var claim_id: String
        var idx: Int
        var offering_id: String
        var state: Int
        var amount_fen: Int64
        var payee_kind: Int
        var payee_id: String
        var purpose: Int
        var rule: String
        var ledger_entry_id: String
    }

    func tranche(id: String, in db: any SQLDatabase) async throws -> TrancheRow? {
        try await db.raw("SELECT * FROM tranches WHERE id = \(bind: id)").first(decoding: TrancheRow.self)
    }

    func tranches(claimID: String, in db: any SQLDatabase) async throws -> [TrancheRow] {
        try await db.raw("SELECT * FROM tranches WHERE claim_id = \(bind: claimID) ORDER BY idx").all(
            decoding: TrancheRow.self)
    }

    func heldTranches(offeringID: String, in db: any SQLDatabase) async throws -> [TrancheRow] {
        try await db.raw(
            "SELECT * FROM tranches WHERE offering_id = \(bind: offeringID) AND state = \(bind: Int(TrancheState.held.rawValue)) ORDER BY id"
        )
        .all(decoding: TrancheRow.self)
    }

    func setTrancheState(_ id: String, _ state: TrancheState, ledgerEntryID: String = "", in db: any SQLDatabase)
        async throws
    {
        try await db.raw(
            "UPDATE tranches SET state = \(bind: Int(state.rawValue)), ledger_entry_id = \(bind: ledgerEntryID) WHERE id = \(bind: id)"
        ).run()
    }

    func claim(id: String, in db: any SQLDatabase) async throws -> Claim? {
        guard let row = try await db.raw("SELECT data FROM claims WHERE id = \(bind: id)").first(decoding: DataRow.self)
        else { return nil }
        var claim = try Claim(serializedBytes: row.data)
        // Tranche states move on after the decision; the tranche table is the truth.
        let current = try await tranches(claimID: id, in: db)
        if var decision = claim.decision {
            for index in decision.tranches.indices {
                if let row = current.first(where: { $0.id == decision.tranches[index].id }) {
                    decision.tranches[index].state = TrancheState(rawValue: Int32(row.state))
                    decision.tranches[index].ledgerEntryId = row.ledger_entry_id
                }
            }
            claim.decision = decision
        }
        return claim
    }

    func claimIDs(workerID: String, institutionID: String, offeringID: String, after: String, limit: Int) async throws
        -> [String]
    {
        struct Row: Decodable { var id: String }
        return try await store.read { db in
            var query = SQLQueryString("SELECT id FROM claims WHERE id > \(bind: after)")
            if !workerID.isEmpty { query = query + " AND worker_id = \(bind: workerID)" }
            if !institutionID.isEmpty { query = query + " AND institution_id = \(bind: institutionID)" }
            if !offeringID.isEmpty { query = query + " AND offering_id = \(bind: offeringID)" }
            query = query + " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: Row.self).map(\.id)
        }
    }

    /// Waits for and holds the special fund's row lock until the transaction ends: the one queue
    /// every booking goes through. On SQLite the write transaction (`BEGIN IMMEDIATE`) already
    /// holds the database's only write lock.
    func lockFund(in db: any SQLDatabase) async throws {
        guard store.dialect == .postgres else { return }
        try await db.raw("SELECT balance_fen FROM fund WHERE id = 'special-fund' FOR UPDATE").run()
    }

    /// Takes `amount` out of the special fund; false when the fund has less.
    func debitFund(_ amount: Int64, in db: any SQLDatabase) async throws -> Bool {
        struct Row: Decodable { var balance_fen: Int64 }
        let rows = try await db.raw(
            """
            UPDATE fund SET balance_fen = balance_fen - \(bind: amount)
            WHERE id = 'special-fund' AND balance_fen >= \(bind: amount) RETURNING balance_fen
            """
        ).all(decoding: Row.self)
        return !rows.isEmpty
    }

    func fundBalance(in db: any SQLDatabase) async throws -> Int64 {
        struct Row: Decodable { var balance_fen: Int64 }
        return try await db.raw("SELECT balance_fen FROM fund WHERE id = 'special-fund'").first(decoding: Row.self)?
            .balance_fen ?? 0
    }

    /// Books `entry` with the next sequence number. The number is MAX + 1 rather than the column's
    /// own counter: a PostgreSQL sequence is not rolled back with a transaction, so every retried
    /// serialisation failure would leave a gap that reconciliation reports. Callers hold the fund
    /// row's lock (`lockFund`) in the same transaction, which serialises bookings.
    func insert(_ entry: LedgerEntry, bookedOn: String, in db: any SQLDatabase) async throws -> LedgerEntry {
        struct Row: Decodable { var sequence: Int64 }
        let row = try await db.raw(
            """
            INSERT INTO ledger (sequence, id, tranche_id, claim_id, payee_kind, payee_id, amount_fen, booked_on, data)
            VALUES ((SELECT COALESCE(MAX(sequence), 0) + 1 FROM ledger),
                    \(bind: entry.id), \(bind: entry.trancheId), \(bind: entry.claimId), \(bind: Int(entry.payeeKind.rawValue)),
                    \(bind: entry.payeeId), \(bind: entry.amountFen), \(bind: bookedOn), \(bind: Data(entry.serializedBytes())))
            RETURNING sequence
            """
        ).first(decoding: Row.self)
        var stored = entry
        stored.sequence = row?.sequence ?? 0
        return stored
    }

    func ledgerEntry(trancheID: String, in db: any SQLDatabase) async throws -> LedgerEntry? {
        struct Row: Decodable {
            var sequence: Int64
            var data: Data
        }
        guard
            let row = try await db.raw("SELECT sequence, data FROM ledger WHERE tranche_id = \(bind: trancheID)").first(
                decoding: Row.self)
        else {
            return nil
        }
        var entry = try LedgerEntry(serializedBytes: row.data)
        entry.sequence = row.sequence
        return entry
    }

    /// ExportLedger's filters by what an entry pays for; empty = any.
    struct LedgerFilter: Sendable {
        var claimID = ""
        var enrollmentID = ""
        var trancheID = ""
    }

    func ledger(
        afterSequence: Int64, from: String, to: String, payee: Schema.PayeeKind, filter: LedgerFilter = LedgerFilter(),
        limit: Int
    ) async throws -> [LedgerEntry] {
        struct Row: Decodable {
            var sequence: Int64
            var data: Data
        }
        return try await store.read { db in
            var query = SQLQueryString("SELECT sequence, data FROM ledger WHERE sequence > \(bind: afterSequence)")
            if !filter.claimID.isEmpty { query = query + " AND claim_id = \(bind: filter.claimID)" }
            if !filter.trancheID.isEmpty { query = query + " AND tranche_id = \(bind: filter.trancheID)" }
            if !filter.enrollmentID.isEmpty {
                query =
                    query
                    + " AND claim_id IN (SELECT id FROM claims WHERE enrollment_id = \(bind: filter.enrollmentID))"
            }
            if !from.isEmpty { query = query + " AND booked_on >= \(bind: from)" }
            if !to.isEmpty { query = query + " AND booked_on <= \(bind: to)" }
            if payee != .unspecified { query = query + " AND payee_kind = \(bind: Int(payee.rawValue))" }
            query = query + " ORDER BY sequence LIMIT \(bind: limit)"
            return try await db.raw(query).all(decoding: Row.self).map { row in
                var entry = try LedgerEntry(serializedBytes: row.data)
                entry.sequence = row.sequence
                return entry
            }
        }
    }

    func saveEmploymentReport(_ report: ReportEmploymentResponse, in db: any SQLDatabase) async throws {
        let data = Data(report.serializedBytes())
        try await db.raw("DELETE FROM employment_reports WHERE offering_id = \(bind: report.offeringId)").run()
        try await db.raw(
            "INSERT INTO employment_reports (offering_id, data) VALUES (\(bind: report.offeringId), \(bind: data))"
        ).run()
    }
}
