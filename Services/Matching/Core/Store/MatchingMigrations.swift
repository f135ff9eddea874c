import SQL

/// The matching service's tables. Each entity is kept as its protobuf encoding (the contract is the
/// document) beside the columns that are looked up, filtered or counted on. Dates are `YYYY-MM-DD`
/// text, so they compare in order on both SQLite and PostgreSQL.
enum MatchingMigrations {
    static let all: [SchemaMigration] = [
        SchemaMigration(version: 100, name: "demands and catalogues") { dialect in
            [
                """
                CREATE TABLE demands (
                    id TEXT PRIMARY KEY,
                    occupation_code TEXT NOT NULL,
                    occupation_name TEXT NOT NULL,
                    level INTEGER NOT NULL,
                    requester_kind TEXT NOT NULL,
                    headcount BIGINT NOT NULL,
                    submitted_on TEXT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                "CREATE INDEX demands_occupation ON demands (occupation_code, level)",
                """
                CREATE TABLE catalog_entries (
                    id TEXT PRIMARY KEY,
                    kind INTEGER NOT NULL,
                    occupation_code TEXT NOT NULL,
                    effective_from TEXT NOT NULL,
                    effective_until TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL,
                    UNIQUE (kind, occupation_code))
                """,
            ]
        },
        SchemaMigration(version: 101, name: "offerings and enrolments") { dialect in
            [
                """
                CREATE TABLE offerings (
                    id TEXT PRIMARY KEY,
                    occupation_code TEXT NOT NULL,
                    level INTEGER NOT NULL,
                    institution_id TEXT NOT NULL,
                    kind INTEGER NOT NULL,
                    target_groups TEXT NOT NULL,
                    start_date TEXT NOT NULL,
                    end_date TEXT NOT NULL,
                    capacity INTEGER NOT NULL,
                    enrolled INTEGER NOT NULL,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL,
                    CHECK (enrolled >= 0 AND enrolled <= capacity))
                """,
                """
                CREATE TABLE enrollments (
                    id TEXT PRIMARY KEY,
                    worker_id TEXT NOT NULL,
                    offering_id TEXT NOT NULL,
                    institution_id TEXT NOT NULL,
                    state INTEGER NOT NULL,
                    active INTEGER NOT NULL,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                // O3: a worker holds at most one active (not withdrawn, not rejected) enrolment per offering.
                "CREATE UNIQUE INDEX enrollments_active ON enrollments (offering_id, worker_id) WHERE active = 1",
                "CREATE INDEX enrollments_worker ON enrollments (worker_id, id)",
                "CREATE INDEX enrollments_offering ON enrollments (offering_id, id)",
            ]
        },
        SchemaMigration(version: 102, name: "students' three ones, offerings for demands, demand trends") { dialect in
            [  // S1: the G3 students matching knows, with what registrars match them by.
                """
                CREATE TABLE students (
                    worker_id TEXT PRIMARY KEY,
                    school TEXT NOT NULL,
                    name TEXT NOT NULL,
                    id_number TEXT NOT NULL)
                """,
                "CREATE INDEX students_school ON students (school, worker_id)",
                """
                CREATE TABLE student_activities (
                    id TEXT PRIMARY KEY,
                    worker_id TEXT NOT NULL,
                    kind INTEGER NOT NULL,
                    completed INTEGER NOT NULL,
                    version BIGINT NOT NULL,
                    data \(dialect.blob) NOT NULL)
                """,
                "CREATE INDEX student_activities_worker ON student_activities (worker_id, id)",
                // ",d-1,d-2," like target_groups, for ListOfferings by demand.
                "ALTER TABLE offerings ADD COLUMN demand_ids TEXT NOT NULL DEFAULT ','",
                "CREATE INDEX demands_submitted ON demands (submitted_on)",
            ]
        },
        SchemaMigration(version: 103, name: "institutions' system certificate names (O4 by the offering's institution)")
        {
            _ in
            [  // A copy of registration's Institution.system_certificate_names (a JSON array of strings),
                // written when an offering is published and re-read as InstitutionSystemsCheck decides;
                // read_at is Unix seconds. Institutions of offerings published before this migration
                // have no row and are read on first use.
                """
                CREATE TABLE institution_systems (
                    institution_id TEXT PRIMARY KEY,
                    names TEXT NOT NULL,
                    read_at BIGINT NOT NULL)
                """
            ]
        },
    ]
}
