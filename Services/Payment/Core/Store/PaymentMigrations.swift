import SQL

extension PaymentStore {
    /// Payment's tables, oldest first (versions from 100; ServiceKit's own are below).
    static func migrations(initialFundFen: Int64) -> [SchemaMigration] {
        [
            ledgerTables(initialFundFen: initialFundFen),
            // Without these, reading a claim's tranches and ListClaims by worker (matching asks it on
            // every SelectOffering) scanned whole tables: quadratic over a 150,000-training replay.
            SchemaMigration(
                version: 101, name: "indexes for claims by worker, institution, offering and tranches by claim"
            ) {
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
            SchemaMigration(version: 110, name: "social-insurance contribution records (R7 evidence)") { dialect in
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

    /// Claims, R3/R4's subsidies, tranches, the ledger, the fund and employment reports.
    private static func ledgerTables(initialFundFen: Int64) -> SchemaMigration {
        SchemaMigration(version: 100, name: "claims, subsidies, tranches, ledger, fund") { dialect in
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
        }
    }
}
