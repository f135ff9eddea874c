import Essentials
import Foundation
import PlatformTestSupport
import SQL
import Schema
import ServiceKit
import XCTest

@testable import MatchingCore

/// Matching's SQL on the `SQL` layer, behind the API: the schema its migrations create, the
/// statements that carry O3's rules (capacity, one active enrolment), C3's grouped counts with
/// parameters used more than once, and each statement prepared once per connection.
/// `MatchingStoreTests` runs the checks on SQLite, `PostgresMatchingStoreTests` on PostgreSQL.
class MatchingStoreTestCase: XCTestCase {
    var database: Database!
    var store: MatchingStore!
    /// Where the tables live on PostgreSQL (dropped in tearDown), nil on SQLite.
    var schema: String?

    /// The database each test opens; nil skips the class.
    class func open() async throws -> (Database, schema: String?)? {
        (try await Database.open(.sqlite(path: ":memory:")), nil)
    }

    override func setUp() async throws {
        guard let (database, schema) = try await Self.open() else {
            throw XCTSkip("PostgreSQL tests need SKILLS_TEST_POSTGRES_URL")
        }
        self.database = database
        self.schema = schema
        try await MatchingHandler.manifest.migrate(database)
        store = MatchingStore(database: database)
    }

    override func tearDown() async throws {
        if let schema { await ScratchPostgresSchema.drop(schema, from: database) }
        await database?.close()
    }

    private static func offering(_ id: String, capacity: Int32) -> Offering {
        Offering(
            id: id, occupation: Occupation(code: "4-01-02-01", name: "electrician"), level: .l4IntermediateWorker,
            institutionId: "i-1", capacity: capacity, startDate: CalendarDate(year: 2020, month: 3, day: 1),
            endDate: CalendarDate(year: 2020, month: 4, day: 30), kind: .ordinary, version: 1)
    }

    private static func enrollment(_ id: String, worker: String, offering: String) -> Enrollment {
        Enrollment(id: id, workerId: worker, offeringId: offering, institutionId: "i-1", state: .selected, version: 1)
    }

    func checkMigrationsKeepTheirVersionsAndNames() async throws {
        let applied = try await database.read { connection in
            try connection.all("SELECT version, name FROM schema_migrations WHERE version >= 100 ORDER BY version") {
                "\(try $0.int64(0)) \(try $0.string(1))"
            }
        }
        XCTAssertEqual(
            applied,
            [
                "100 demands and catalogues", "101 offerings and enrolments",
                "102 students' three ones, offerings for demands, demand trends",
                "103 institutions' system certificate names (O4 by the offering's institution)",
            ])
    }

    func checkPlacesAndOneActiveEnrollment() async throws {
        let store = self.store!
        let offering = Self.offering("o-1", capacity: 2)
        try await database.transaction { try store.insertOffering(offering, on: $0) }
        let first = Self.enrollment("e-1", worker: "w-1", offering: "o-1")
        let taken = try await database.transaction { connection in
            try store.insertEnrollment(first, on: connection)
            return try store.takePlace(offeringID: "o-1", on: connection)
        }
        XCTAssertTrue(taken)
        do {
            try await database.transaction {
                try store.insertEnrollment(Self.enrollment("e-2", worker: "w-1", offering: "o-1"), on: $0)
            }
            XCTFail("a second active enrolment of w-1 in o-1 was stored")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .uniqueViolation, "\(error)")
        }
        let places = try await database.transaction { connection in
            [
                try store.takePlace(offeringID: "o-1", on: connection),
                try store.takePlace(offeringID: "o-1", on: connection),
            ]
        }
        XCTAssertEqual(places, [true, false], "capacity 2: the third place is refused")
        let read = try await database.read { connection in
            (
                try store.offering(id: "o-1", on: connection)?.enrolled,
                try store.offeringDates(id: "o-1", on: connection), try store.enrollment(id: "e-1", on: connection),
                try store.enrollment(id: "e-2", on: connection)
            )
        }
        XCTAssertEqual(read.0, 2)
        XCTAssertEqual(read.1?.start, CivilDate(2020, 3, 1))
        XCTAssertEqual(read.1?.end, CivilDate(2020, 4, 30))
        XCTAssertEqual(read.2, first)
        XCTAssertNil(read.3, "the refused enrolment was rolled back")

        var withdrawn = first
        withdrawn.state = .withdrawn
        withdrawn.version = 2
        let replacement = withdrawn
        let replaced = try await database.transaction { connection in
            [
                try store.replaceEnrollment(replacement, previousVersion: 1, on: connection),
                try store.replaceEnrollment(replacement, previousVersion: 1, on: connection),
            ]
        }
        XCTAssertEqual(replaced, [true, false], "the second replace finds version 2, not 1")
        try await database.transaction {
            try store.insertEnrollment(Self.enrollment("e-3", worker: "w-1", offering: "o-1"), on: $0)
        }
    }

    /// A state change that keeps the enrolment active leaves `active` alone (`wasActive`); the one
    /// active enrolment per worker and offering holds all the same, and ends when it does.
    func checkActiveEnrollmentHoldsWhileItsStateMoves() async throws {
        let store = self.store!
        try await database.transaction { try store.insertOffering(Self.offering("o-2", capacity: 5), on: $0) }
        let selected = Self.enrollment("e-10", worker: "w-2", offering: "o-2")
        try await database.transaction { try store.insertEnrollment(selected, on: $0) }
        var accepted = selected
        accepted.state = .accepted
        accepted.version = 2
        let stillActive = accepted
        let moved = try await database.transaction {
            try store.replaceEnrollment(stillActive, previousVersion: 1, wasActive: true, on: $0)
        }
        XCTAssertTrue(moved)
        do {
            try await database.transaction {
                try store.insertEnrollment(Self.enrollment("e-11", worker: "w-2", offering: "o-2"), on: $0)
            }
            XCTFail("a second active enrolment of w-2 in o-2 was stored while e-10 is ACCEPTED")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .uniqueViolation, "\(error)")
        }
        var rejected = accepted
        rejected.state = .rejected
        rejected.version = 3
        let ended = rejected
        try await database.transaction {
            _ = try store.replaceEnrollment(ended, previousVersion: 2, wasActive: true, on: $0)
            try store.insertEnrollment(Self.enrollment("e-12", worker: "w-2", offering: "o-2"), on: $0)
        }
        let read = try await database.read { try store.enrollment(id: "e-10", on: $0) }
        XCTAssertEqual(read, ended)
    }

    func checkDemandAggregatesCountByRangeAndPeriod() async throws {
        let store = self.store!
        let demands: [(String, Int64, String, Bool)] = [
            ("d-1", 10, "2020-05-01", true), ("d-2", 1, "2020-05-20", false), ("d-3", 4, "2020-03-15", true),
            ("d-4", 7, "2019-12-01", true),
        ]
        try await database.transaction { connection in
            for (id, headcount, day, enterprise) in demands {
                let demand = Demand(
                    id: id, requester: enterprise ? .enterpriseCreditCode("91371400MA3C000001") : .workerId("w-\(id)"),
                    occupation: Occupation(code: "4-01-02-01", name: "electrician"), level: .l4IntermediateWorker,
                    headcount: Int32(headcount))
                try store.insertDemand(demand, submittedOn: day, on: connection)
            }
        }
        let periods = DemandTrendRule.Periods(asOf: CivilDate(2020, 5, 31), days: 60)
        let rows = try await store.demandAggregates(
            occupation: "4-01-02-01", level: .l4IntermediateWorker, from: "2020-01-01", to: nil, periods: periods,
            after: nil,
            limit: 10)
        XCTAssertEqual(rows.count, 1)
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(row.occupationName, "electrician")
        XCTAssertEqual(row.level, SkillLevel.l4IntermediateWorker.rawValue)
        XCTAssertEqual([row.demandCount, row.headcount, row.workerRequests, row.enterpriseRequests], [3, 15, 1, 2])
        // Recent is (2020-04-01, 2020-05-31], previous (2020-01-31, 2020-04-01].
        XCTAssertEqual(
            [row.recentDemands, row.recentHeadcount, row.previousDemands, row.previousHeadcount], [2, 11, 1, 4])
        let after = try await store.demandAggregates(
            occupation: "", level: .unspecified, from: nil, to: nil, periods: periods,
            after: ("4-01-02-01", Int(SkillLevel.l4IntermediateWorker.rawValue)), limit: 10)
        XCTAssertEqual(after.count, 0, "nothing after the only group")
    }

    func checkStatementsArePreparedOncePerConnection() async throws {
        let store = self.store!
        try await database.transaction { try store.insertOffering(Self.offering("o-2", capacity: 100), on: $0) }
        let before = try await database.transaction { $0.statementStatistics }
        for index in 0..<20 {
            let enrollment = Self.enrollment("e-\(index)", worker: "w-\(index)", offering: "o-2")
            try await database.transaction { connection in
                try store.insertEnrollment(enrollment, on: connection)
                _ = try store.takePlace(offeringID: "o-2", on: connection)
            }
        }
        let after = try await database.transaction { $0.statementStatistics }
        // On PostgreSQL the transactions may land on other pooled connections, each preparing once.
        XCTAssertLessThanOrEqual(after.prepared - before.prepared, schema == nil ? 2 : 2 * 16)
        XCTAssertGreaterThanOrEqual(after.reused - before.reused, schema == nil ? 38 : 0)
    }
}

final class MatchingStoreTests: MatchingStoreTestCase {
    func testMigrationsKeepTheirVersionsAndNames() async throws { try await checkMigrationsKeepTheirVersionsAndNames() }
    func testPlacesAndOneActiveEnrollment() async throws { try await checkPlacesAndOneActiveEnrollment() }
    func testActiveEnrollmentHoldsWhileItsStateMoves() async throws {
        try await checkActiveEnrollmentHoldsWhileItsStateMoves()
    }
    func testDemandAggregatesCountByRangeAndPeriod() async throws {
        try await checkDemandAggregatesCountByRangeAndPeriod()
    }
    func testStatementsArePreparedOncePerConnection() async throws {
        try await checkStatementsArePreparedOncePerConnection()
    }
}

/// The same checks on the PostgreSQL server named by SKILLS_TEST_POSTGRES_URL, in a schema of their own.
final class PostgresMatchingStoreTests: MatchingStoreTestCase {
    func testMigrationsKeepTheirVersionsAndNames() async throws { try await checkMigrationsKeepTheirVersionsAndNames() }
    func testPlacesAndOneActiveEnrollment() async throws { try await checkPlacesAndOneActiveEnrollment() }
    func testActiveEnrollmentHoldsWhileItsStateMoves() async throws {
        try await checkActiveEnrollmentHoldsWhileItsStateMoves()
    }
    func testDemandAggregatesCountByRangeAndPeriod() async throws {
        try await checkDemandAggregatesCountByRangeAndPeriod()
    }
    func testStatementsArePreparedOncePerConnection() async throws {
        try await checkStatementsArePreparedOncePerConnection()
    }

    override class func open() async throws -> (Database, schema: String?)? {
        try await ScratchPostgresSchema.open(prefix: "matching").map { ($0, $1) }
    }
}
