import SQL

/// The tables every service has besides its own: the audit trail and the idempotency keys.
/// Their versions are below 100; a service numbers its own migrations from 100.
public enum ServiceKitMigrations {
    public static let all: [SchemaMigration] = [
        SchemaMigration(version: 1, name: "audit trail") { dialect in
            [
                """
                CREATE TABLE audit_log (
                    seq \(dialect.serialPrimaryKey),
                    at TEXT NOT NULL,
                    caller TEXT NOT NULL,
                    role TEXT NOT NULL,
                    method TEXT NOT NULL,
                    entity TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    detail TEXT NOT NULL)
                """,
                "CREATE INDEX audit_log_entity ON audit_log (entity)",
            ]
        },
        SchemaMigration(version: 2, name: "idempotency keys") { dialect in
            [
                """
                CREATE TABLE idempotency (
                    caller TEXT NOT NULL,
                    method TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    response \(dialect.blob) NOT NULL,
                    at TEXT NOT NULL,
                    PRIMARY KEY (caller, method, request_id))
                """
            ]
        },
    ]
}
