import SQL

/// The registration service's tables. Each entity is kept as its protobuf encoding (the contract
/// is the document) beside the columns that are looked up or filtered on.
enum RegistrationMigrations {
    static let all: [SchemaMigration] = [
        SchemaMigration(version: 100, name: "workers") { dialect in
            [
                """
                CREATE TABLE workers (
                    id TEXT PRIMARY KEY,
                    id_number TEXT NOT NULL UNIQUE,
                    district TEXT NOT NULL,
                    categories TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                """
                CREATE TABLE worker_history (
                    worker_id TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    changed_by TEXT NOT NULL,
                    changed_at TEXT NOT NULL,
                    data \(dialect.blob) NOT NULL,
                    PRIMARY KEY (worker_id, version))
                """,
            ]
        },
        SchemaMigration(version: 101, name: "enterprises, institutions, teachers") { dialect in
            [
                """
                CREATE TABLE enterprises (
                    credit_code TEXT PRIMARY KEY,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                """
                CREATE TABLE institutions (
                    id TEXT PRIMARY KEY,
                    credit_code TEXT NOT NULL UNIQUE,
                    filing_status INTEGER NOT NULL,
                    kind INTEGER NOT NULL,
                    scope TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                """
                CREATE TABLE teachers (
                    id TEXT PRIMARY KEY,
                    id_number TEXT NOT NULL UNIQUE,
                    pool INTEGER NOT NULL,
                    specialities TEXT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
            ]
        },
    ]
}
