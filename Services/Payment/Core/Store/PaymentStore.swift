import SQL
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The payment service's tables and every query it runs.
///
/// R3 and R4 are held by the database itself, so that they hold under concurrency and across
/// replicas sharing one PostgreSQL: `subsidies` has one row per eligible decision with primary key
/// (worker, occupation, level) — R4 — and a unique (worker, year, slot) with slot 1..3 — R3. Two
/// claims racing for the same slot or the same occupation+level cannot both commit.
///
/// The functions taking a connection run inside a caller's `Database.transaction` or `read` body,
/// on the connection's thread; the others are one `read` each.
struct PaymentStore: Sendable {
    let database: Database

    /// A worker's earlier subsidised training, as R3 and R4 need it.
    struct PriorTraining: Sendable {
        var enrollmentID: String
        var occupation: String
        var level: Int
        var year: Int
        /// The completion date as stored (`YYYY-MM-DD`).
        var completion: String
    }

    /// One row of `subsidies`: an eligible decision.
    struct Subsidy: Sendable {
        var workerID: String
        var occupation: String
        var level: Int
        var year: Int
        var slot: Int
        var enrollmentID: String
        var completion: String
        /// The attested categories, `G1,G5`.
        var categories: String
        var institutionID: String
        var amountFen: Int64
        /// For T1's report (ProgressStore.swift): the category the training counts under, the
        /// enterprise's GB/T 4754 industry ("" without one) and the institution's name.
        var reportCategory: String
        var industry: String
        var institutionName: String
    }

    func priorTrainings(workerID: String, on connection: any DBConnection) throws -> [PriorTraining] {
        try connection.all(
            "SELECT enrollment_id, occupation, level, year, completion FROM subsidies WHERE worker_id = $1", workerID
        ) { row in
            PriorTraining(
                enrollmentID: try row.string(0), occupation: try row.string(1), level: try row.get(2),
                year: try row.get(3), completion: try row.string(4))
        }
    }

    func insert(_ subsidy: Subsidy, claimID: String, on connection: any DBConnection) throws {
        try connection.execute(
            """
            INSERT INTO subsidies (worker_id, occupation, level, year, slot, enrollment_id, claim_id, completion, categories,
                                   institution_id, amount_fen, report_category, industry, institution_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            """,
            subsidy.workerID, subsidy.occupation, subsidy.level, subsidy.year, subsidy.slot, subsidy.enrollmentID,
            claimID, subsidy.completion, subsidy.categories, subsidy.institutionID, subsidy.amountFen,
            subsidy.reportCategory, subsidy.industry, subsidy.institutionName)
    }

    /// Stores a new claim; `PaymentError.claimExists` when the enrolment already has one (the
    /// unique key says so: no look-up first).
    func insert(_ claim: Claim, on connection: any DBConnection) throws {
        do {
            try connection.execute(
                """
                INSERT INTO claims (id, enrollment_id, worker_id, offering_id, institution_id, eligible, data)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                claim.id, claim.enrollmentId, claim.workerId, claim.offeringId, claim.institutionId,
                claim.decision?.eligible == true ? 1 : 0, claim.serializedBytes())
        } catch let error as DBError where error.kind == .uniqueViolation {
            throw PaymentError.claimExists(enrollment: claim.enrollmentId, claim: claim.id)
        }
    }

    func insertTranche(
        _ tranche: Schema.Tranche, claimID: String, offeringID: String, payee: Schema.PayeeKind, payeeID: String,
        purpose: PaymentPurpose, rule: String, on connection: any DBConnection
    ) throws {
        try connection.execute(
            """
            INSERT INTO tranches (id, claim_id, idx, offering_id, state, amount_fen, payee_kind, payee_id, purpose, rule, ledger_entry_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '')
            """,
            tranche.id, claimID, tranche.index, offeringID, tranche.state.rawValue, tranche.amountFen,
            payee.rawValue, payeeID, purpose.rawValue, rule)
    }

    /// One row of `tranches`.
    struct TrancheRow: Sendable {
        static let columns =
            "id, claim_id, idx, offering_id, state, amount_fen, payee_kind, payee_id, purpose, rule, ledger_entry_id"
        /// `columns` of the table named `t`, for a join.
        static let qualifiedColumns = columns.split(separator: ", ").map { "t.\($0)" }.joined(separator: ", ")

        var id: String
        var claimID: String
        var index: Int32
        var offeringID: String
        var state: TrancheState
        var amountFen: Int64
        var payeeKind: Schema.PayeeKind
        var payeeID: String
        var purpose: PaymentPurpose
        var rule: String
        var ledgerEntryID: String

        /// Reads a row selected as `columns`.
        init(_ row: DBRow) throws {
            id = try row.string(0)
            claimID = try row.string(1)
            index = try PaymentStore.int32(row, 2)
            offeringID = try row.string(3)
            state = TrancheState(rawValue: try PaymentStore.int32(row, 4))
            amountFen = try row.int64(5)
            payeeKind = Schema.PayeeKind(rawValue: try PaymentStore.int32(row, 6))
            payeeID = try row.string(7)
            purpose = PaymentPurpose(rawValue: try PaymentStore.int32(row, 8))
            rule = try row.string(9)
            ledgerEntryID = try row.string(10)
        }
    }

    static func int32(_ row: DBRow, _ column: Int) throws -> Int32 {
        let value = try row.int64(column)
        guard let int = Int32(exactly: value) else {
            throw DBError(.decoding, "column \(column): \(value) does not fit an Int32")
        }
        return int
    }

    func heldTranches(offeringID: String, on connection: any DBConnection) throws -> [TrancheRow] {
        try connection.all(
            "SELECT \(TrancheRow.columns) FROM tranches WHERE offering_id = $1 AND state = $2 ORDER BY id", offeringID,
            TrancheState.held.rawValue, decode: TrancheRow.init)
    }

    func setTrancheState(
        _ id: String, _ state: TrancheState, ledgerEntryID: String = "", on connection: any DBConnection
    ) throws {
        try connection.executeDeferred(
            "UPDATE tranches SET state = $1, ledger_entry_id = $2 WHERE id = $3", state.rawValue, ledgerEntryID, id)
    }

    /// The claim with its tranches as they stand now: their states move on after the decision, and
    /// the tranche table is the truth. One statement (GetClaim, after every Disburse): the claim's
    /// row comes once per tranche and is read from the first.
    func claim(id: String, on connection: any DBConnection) throws -> Claim? {
        var decided: Claim?
        var current: TrancheStates = [:]
        try connection.query(
            """
            SELECT c.data, t.id, t.state, t.ledger_entry_id
            FROM claims c LEFT JOIN tranches t ON t.claim_id = c.id WHERE c.id = $1
            """, [.text(id)]
        ) { row in
            if decided == nil { decided = try Claim(serializedBytes: row.bytes(0)) }
            guard !row.isNull(1) else { return }
            current[try row.string(1)] = (TrancheState(rawValue: try Self.int32(row, 2)), try row.string(3))
        }
        return decided.map { Self.withTranches($0, current) }
    }

    /// The tranches' states and ledger entries as they stand now, by tranche id.
    private typealias TrancheStates = [String: (state: TrancheState, ledgerEntryID: String)]

    /// `claim` as decided, with the states and ledger entries of its tranches found in `current`
    /// (by tranche id).
    private static func withTranches(
        _ claim: Claim, _ current: TrancheStates
    ) -> Claim {
        guard var decision = claim.decision else { return claim }
        var claim = claim
        for index in decision.tranches.indices {
            guard let now = current[decision.tranches[index].id] else { continue }
            decision.tranches[index].state = now.state
            decision.tranches[index].ledgerEntryId = now.ledgerEntryID
        }
        claim.decision = decision
        return claim
    }

    /// A tranche and its claim as decided (without the tranches' later states), nil for an unknown
    /// tranche: Disburse's two reads under the fund's lock as one statement.
    func trancheAndClaim(id: String, on connection: any DBConnection) throws -> (tranche: TrancheRow, claim: Claim?)? {
        try connection.first(
            "SELECT \(TrancheRow.qualifiedColumns), c.data FROM tranches t LEFT JOIN claims c ON c.id = t.claim_id WHERE t.id = $1",
            id
        ) { row in
            (try TrancheRow(row), row.isNull(11) ? nil : try Claim(serializedBytes: row.bytes(11)))
        }
    }

    /// The most bytes of stored claims one page of `claims` holds beyond its first claim. A claim
    /// with its decision's trace is ~2.7 KB, so 1,000 of them were 2.7 MB: close to the 4 MiB a
    /// gRPC client accepts by default, and ~26 MiB of payment's memory while the page was built
    /// (rows, `Claim` values, protobuf-c's structures, the encoded message and its TLS records all
    /// at once). A page of 1 MiB still raised payment's peak at the end of a replay (its
    /// reconciliation) to 55-61 MiB; 512 KiB keeps it under 60.
    static let pageBytes = 1 << 19

    /// A page of claims, by id, filtered by whichever of worker, institution and offering is given:
    /// at most `limit` claims and, after the first, at most `pageBytes` of them as stored.
    /// `next` is the page token to ask for what follows, empty when nothing can.
    func claims(workerID: String, institutionID: String, offeringID: String, after: String, limit: Int) async throws
        -> (claims: [Claim], next: String)
    {
        var filter = "id > $1"
        var binds: [DBValue] = [.text(after)]
        for (column, value) in [
            ("worker_id", workerID), ("institution_id", institutionID), ("offering_id", offeringID),
        ]
        where !value.isEmpty {
            binds.append(.text(value))
            filter += " AND \(column) = $\(binds.count)"
        }
        let sizes = "SELECT id, length(data) FROM claims WHERE \(filter) ORDER BY id LIMIT $\(binds.count + 1)"
        let page = "SELECT data FROM claims WHERE \(filter) AND id <= $\(binds.count + 1) ORDER BY id"
        let tranches = """
            SELECT id, state, ledger_entry_id FROM tranches
            WHERE claim_id IN (SELECT id FROM claims WHERE \(filter) AND id <= $\(binds.count + 1))
            """
        return try await database.read { [binds] connection in
            // The sizes first, without the claims: the page ends where they pass `pageBytes`.
            var rows: [(id: String, bytes: Int64)] = []
            try connection.query(sizes, binds + [.int(Int64(limit))]) {
                rows.append((try $0.string(0), try $0.int64(1)))
            }
            var kept = 0
            var bytes: Int64 = 0
            for row in rows {
                bytes += row.bytes
                if kept > 0 && bytes > Int64(Self.pageBytes) { break }
                kept += 1
            }
            guard kept > 0 else { return ([], "") }
            let last = rows[kept - 1].id
            var decided: [Claim] = []
            try connection.query(page, binds + [.text(last)]) {
                decided.append(try Claim(serializedBytes: $0.bytes(0)))
            }
            // The page's tranches as they stand now, in one statement rather than one per claim.
            var current: TrancheStates = [:]
            try connection.query(tranches, binds + [.text(last)]) {
                current[try $0.string(0)] = (TrancheState(rawValue: try Self.int32($0, 1)), try $0.string(2))
            }
            let claims = decided.map { Self.withTranches($0, current) }
            return (claims, kept < rows.count || rows.count == limit ? last : "")
        }
    }

    /// Waits for and holds the special fund's row lock until the transaction ends: the one queue
    /// every booking goes through. On SQLite the write transaction (`BEGIN IMMEDIATE`) already
    /// holds the database's only write lock. Deferred: the lock request goes to the server with
    /// the next statement, which runs once the lock is held (one round trip fewer under the lock).
    func lockFund(on connection: any DBConnection) throws {
        guard connection.dialect == .postgres else { return }
        try connection.executeDeferred("SELECT balance_fen FROM fund WHERE id = 'special-fund' FOR UPDATE")
    }

    /// Takes the entry's amount out of the special fund and books the entry (`insert`); nil, with
    /// nothing changed, when the fund holds less. On PostgreSQL one statement does both: the fund
    /// row's lock is held already, so its snapshot sees the last booking.
    func book(_ entry: LedgerEntry, bookedOn: String, on connection: any DBConnection) throws -> LedgerEntry? {
        guard connection.dialect == .postgres else {
            let debited = try connection.execute(
                "UPDATE fund SET balance_fen = balance_fen - $1 WHERE id = 'special-fund' AND balance_fen >= $1",
                entry.amountFen)
            return debited == 1 ? try insert(entry, bookedOn: bookedOn, on: connection) : nil
        }
        let sequence = try connection.first(
            """
            WITH debit AS (
                UPDATE fund SET balance_fen = balance_fen - $6 WHERE id = 'special-fund' AND balance_fen >= $6
                RETURNING 1)
            INSERT INTO ledger (sequence, id, tranche_id, claim_id, payee_kind, payee_id, amount_fen, booked_on, data)
            SELECT (SELECT COALESCE(MAX(sequence), 0) + 1 FROM ledger), $1::text, $2::text, $3::text, $4::integer,
                $5::text, $6::bigint, $7::text, $8::bytea
            FROM debit
            RETURNING sequence
            """,
            entry.id, entry.trancheId, entry.claimId, entry.payeeKind.rawValue, entry.payeeId, entry.amountFen,
            bookedOn, entry.serializedBytes()
        ) { try $0.int64(0) }
        guard let sequence else { return nil }
        var stored = entry
        stored.sequence = sequence
        return stored
    }

    func fundBalance(on connection: any DBConnection) throws -> Int64 {
        try connection.first("SELECT balance_fen FROM fund WHERE id = 'special-fund'") { try $0.int64(0) } ?? 0
    }

    /// Books `entry` with the next sequence number. The number is MAX + 1 rather than the column's
    /// own counter: a PostgreSQL sequence is not rolled back with a transaction, so every retried
    /// serialisation failure would leave a gap that reconciliation reports. Callers hold the fund
    /// row's lock (`lockFund`) in the same transaction, which serialises bookings.
    func insert(_ entry: LedgerEntry, bookedOn: String, on connection: any DBConnection) throws -> LedgerEntry {
        let sequence = try connection.first(
            """
            INSERT INTO ledger (sequence, id, tranche_id, claim_id, payee_kind, payee_id, amount_fen, booked_on, data)
            VALUES ((SELECT COALESCE(MAX(sequence), 0) + 1 FROM ledger), $1, $2, $3, $4, $5, $6, $7, $8)
            RETURNING sequence
            """,
            entry.id, entry.trancheId, entry.claimId, entry.payeeKind.rawValue, entry.payeeId, entry.amountFen,
            bookedOn, entry.serializedBytes()
        ) { try $0.int64(0) }
        var stored = entry
        stored.sequence = sequence ?? 0
        return stored
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
        var sql = "SELECT sequence, data FROM ledger WHERE sequence > $1"
        var binds: [DBValue] = [.int(afterSequence)]
        func add(_ condition: String, _ value: DBValue) {
            binds.append(value)
            sql += " AND " + condition.replacing("$?", with: "$\(binds.count)")
        }
        if !filter.claimID.isEmpty { add("claim_id = $?", .text(filter.claimID)) }
        if !filter.trancheID.isEmpty { add("tranche_id = $?", .text(filter.trancheID)) }
        if !filter.enrollmentID.isEmpty {
            add("claim_id IN (SELECT id FROM claims WHERE enrollment_id = $?)", .text(filter.enrollmentID))
        }
        if !from.isEmpty { add("booked_on >= $?", .text(from)) }
        if !to.isEmpty { add("booked_on <= $?", .text(to)) }
        if payee != .unspecified { add("payee_kind = $?", .int(Int64(payee.rawValue))) }
        binds.append(.int(Int64(limit)))
        sql += " ORDER BY sequence LIMIT $\(binds.count)"
        return try await database.read { [sql, binds] connection in
            var entries: [LedgerEntry] = []
            try connection.query(sql, binds) { row in
                var entry = try LedgerEntry(serializedBytes: row.bytes(1))
                entry.sequence = try row.int64(0)
                entries.append(entry)
            }
            return entries
        }
    }

    /// Stores the offering's report, replacing the one before (a newer proposal, or its confirmation).
    func saveEmploymentReport(_ report: ReportEmploymentResponse, on connection: any DBConnection) throws {
        try connection.execute(
            """
            INSERT INTO employment_reports (offering_id, data) VALUES ($1, $2)
            ON CONFLICT (offering_id) DO UPDATE SET data = excluded.data
            """,
            report.offeringId, report.serializedBytes())
    }
}
