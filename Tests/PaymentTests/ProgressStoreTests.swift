import SQL
import Schema
import XCTest

@testable import PaymentCore

/// GetProgress's query on a real (SQLite) database: money per group from the ledger and the
/// tranches, the year filter, and rows decided before migration 120 recorded the reporting facts.
final class ProgressStoreTests: XCTestCase {
    private var database: Database!
    private var store: PaymentStore { PaymentStore(database: database) }

    override func setUp() async throws {
        database = try await Database.open(.sqlite(path: ":memory:"))
    }

    override func tearDown() async throws {
        await database?.close()
    }

    private static func subsidy(
        _ n: Int, year: Int, category: String = "", industry: String = "", name: String = "",
        attested: String = ""
    ) -> PaymentStore.Subsidy {
        PaymentStore.Subsidy(
            workerID: "w-\(n)", occupation: n % 2 == 0 ? "4-10-01-06" : "6-18-01-01", level: 5, year: year, slot: 1,
            enrollmentID: "e-\(n)", completion: "\(year)-06-30", categories: attested, institutionID: "i-\(n % 2)",
            amountFen: 100_000, reportCategory: category, industry: industry, institutionName: name)
    }

    private static func tranche(
        _ claim: Int, _ index: Int, _ state: TrancheState, _ amount: Int64, store: PaymentStore,
        on connection: any DBConnection
    ) throws {
        let id = "t-\(claim)-\(index)"
        try store.insertTranche(
            Tranche(id: id, index: Int32(index), amountFen: amount, state: state), claimID: "c-\(claim)",
            offeringID: "o-1", payee: .institution, payeeID: "i-1", purpose: .trainingSubsidy, rule: "R8",
            on: connection)
        if state == .paid {
            _ = try store.insert(
                LedgerEntry(
                    id: "le-\(id)", trancheId: id, claimId: "c-\(claim)", payeeKind: .institution, payeeId: "i-1",
                    amountFen: amount), bookedOn: "2020-07-01", on: connection)
        }
    }

    func testGroupsCarryTheLedgersMoneyAndOldRowsCountUnderTheirFirstAttestedCategory() async throws {
        let migrations = PaymentStore.migrations(initialFundFen: 1_000_000_000)
        try await database.migrate(migrations.filter { $0.version < PaymentStore.progressMigration.version })
        // Decided before the reporting facts were recorded: only the attested categories.
        try await database.transaction { connection in
            for (n, attested) in [(1, "G8,G5"), (2, "")] {
                try connection.execute(
                    """
                    INSERT INTO subsidies (worker_id, occupation, level, year, slot, enrollment_id, claim_id, completion, categories,
                                           institution_id, amount_fen)
                    VALUES ($1, '6-18-01-01', 5, 2019, 1, $2, $3, '2019-06-30', $4, 'i-old', 100000)
                    """,
                    "w-\(n)", "e-\(n)", "c-\(n)", attested)
            }
        }
        try await database.migrate(migrations)
        let store = self.store
        try await database.transaction { connection in
            try store.insert(
                Self.subsidy(3, year: 2020, category: "G1/self-declared", industry: "C26", name: "德州市第1职业技能培训学校"),
                claimID: "c-3", on: connection)
            try store.insert(
                Self.subsidy(4, year: 2020, category: "G7", name: "德州市第2职业技能培训学校"), claimID: "c-4",
                on: connection)
            try Self.tranche(1, 0, .paid, 100_000, store: store, on: connection)
            try Self.tranche(3, 0, .paid, 60_000, store: store, on: connection)
            try Self.tranche(3, 1, .held, 40_000, store: store, on: connection)
            try Self.tranche(4, 0, .payable, 100_000, store: store, on: connection)
        }

        let all = ProgressReport(groups: try await store.progressGroups(year: 0))
        XCTAssertEqual(all.totals.trainings, 4)
        XCTAssertEqual([all.totals.paidFen, all.totals.heldFen, all.totals.payableFen], [160_000, 40_000, 100_000])
        XCTAssertEqual(all.byCategory.map(\.key), ["G1/self-declared", "G7", "G8", "unknown"])
        XCTAssertEqual(all.byCategory.map(\.paidFen), [60_000, 0, 100_000, 0])
        XCTAssertEqual(all.byIndustry.map(\.key), ["C26", "occupation-group-4", "occupation-group-6"])
        XCTAssertEqual(all.byIndustry.map(\.trainings), [1, 1, 2])
        XCTAssertEqual(all.byYear.map(\.key), ["2019", "2020"])
        XCTAssertEqual(all.byYear.map(\.heldFen), [0, 40_000])

        let only2020 = ProgressReport(groups: try await store.progressGroups(year: 2020))
        XCTAssertEqual(only2020.totals.trainings, 2)
        XCTAssertEqual(only2020.totals.paidFen, 60_000)
        XCTAssertEqual(only2020.byInstitution.map(\.label).sorted(), ["德州市第1职业技能培训学校", "德州市第2职业技能培训学校"])
        let none = try await store.progressGroups(year: 2035)
        XCTAssertEqual(none, [])
    }
}
