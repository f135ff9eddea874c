import Foundation
import PlatformTestSupport
import RPC
import SQL
import Schema
import ServiceKit
import Synchronization
import XCTest

/// The checks of IdempotentCalls; `IdempotentCallsTests` runs them on SQLite and
/// `PostgresIdempotentCallsTests` on PostgreSQL (XCTest on Linux does not run inherited tests).
class IdempotentCallsTestCase: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    var database: Database!
    /// Where the tests' tables live on PostgreSQL (dropped in tearDown), nil on SQLite.
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
        try await database.migrate(
            ServiceKitMigrations.all + [
                SchemaMigration(version: 100, name: "things") { _ in ["CREATE TABLE things (id TEXT PRIMARY KEY)"] }
            ])
    }

    override func tearDown() async throws {
        if let schema { await ScratchPostgresSchema.drop(schema, from: database) }
        await database?.close()
    }

    static func context(_ caller: String = "hrss-dev") -> ServerContext {
        ServerContext(
            method: MethodDescriptor(service: "skills.testing.v1.Echo", method: "Get", kind: .unary),
            requestMetadata: Metadata(), deadline: nil,
            peer: PeerIdentity(commonName: caller, organizationalUnits: ["hrss"]), remoteAddress: "test")
    }

    func things() async throws -> Int64 {
        try await database.read { try $0.first("SELECT COUNT(*) FROM things") { try $0.int64(0) } ?? -1 }
    }

    func call(_ request: Request, id: String, runs: Runs, caller: String = "hrss-dev") async throws -> Response {
        try await Self.call(database: database, request, id: id, runs: runs, caller: caller)
    }

    static func call(database: Database, _ request: Request, id: String, runs: Runs, caller: String = "hrss-dev")
        async throws -> Response
    {
        try await IdempotentCalls(database: database).run(
            request, requestID: id, context: context(caller), entity: { "thing/\($0.text)" }
        ) { connection in
            runs.value.withLock { $0 += 1 }
            let thing = "t\(UInt32.random(in: 0...UInt32.max))"
            try connection.execute("INSERT INTO things (id) VALUES ($1)", thing)
            return Response(text: thing)
        }
    }

    func checkRetryReturnsTheFirstAnswerAndChangesNothing() async throws {
        let runs = Runs()
        let first = try await call(Request(text: "a"), id: "r-1", runs: runs)
        let second = try await call(Request(text: "a"), id: "r-1", runs: runs)
        XCTAssertEqual(first, second)
        // The retry's body ran again (the INSERT on the key told it was a retry), and was rolled back.
        XCTAssertEqual(runs.value.withLock { $0 }, 2)
        let count = try await things()
        XCTAssertEqual(count, 1)
        let audit = try await AuditTrail(database: database).entries(entity: "thing/\(first.text)")
        XCTAssertEqual(audit.map(\.requestId), ["r-1"])
        XCTAssertEqual(audit.first?.caller, "hrss-dev")
        XCTAssertEqual(audit.first?.role, Self.context().peer.role?.rawValue ?? "")
        XCTAssertEqual(audit.first?.method, Self.context().method.path)
        XCTAssertEqual(audit.first?.entity, "thing/\(first.text)")
        XCTAssertEqual(audit.first?.detail, "")
        XCTAssertFalse(audit.first?.at.isEmpty ?? true)
    }

    func checkReusedKeyForADifferentRequestIsRefused() async throws {
        let runs = Runs()
        _ = try await call(Request(text: "a"), id: "r-2", runs: runs)
        do {
            _ = try await call(Request(text: "b"), id: "r-2", runs: runs)
            XCTFail("expected INVALID_ARGUMENT")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("request_id"), error.message)
        }
        let count = try await things()
        XCTAssertEqual(count, 1)
    }

    func checkMissingKeyIsRefused() async throws {
        do {
            _ = try await call(Request(text: "a"), id: "", runs: Runs())
            XCTFail("expected INVALID_ARGUMENT")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument)
        }
    }

    func checkKeysAreScopedByCaller() async throws {
        let runs = Runs()
        _ = try await call(Request(text: "a"), id: "same", runs: runs, caller: "one")
        _ = try await call(Request(text: "a"), id: "same", runs: runs, caller: "two")
        XCTAssertEqual(runs.value.withLock { $0 }, 2)
    }

    func checkRacingCopiesCommitOnce() async throws {
        let runs = Runs()
        let database = self.database!
        let responses = try await withThrowingTaskGroup(of: Response.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await Self.call(database: database, Request(text: "race"), id: "r-race", runs: runs)
                }
            }
            return try await group.reduce(into: [Response]()) { $0.append($1) }
        }
        XCTAssertEqual(Set(responses.map(\.text)).count, 1, "every copy got the same answer")
        let count = try await things()
        XCTAssertEqual(count, 1)
    }
}

final class IdempotentCallsTests: IdempotentCallsTestCase {
    func testRetryReturnsTheFirstAnswerAndChangesNothing() async throws {
        try await checkRetryReturnsTheFirstAnswerAndChangesNothing()
    }
    func testReusedKeyForADifferentRequestIsRefused() async throws {
        try await checkReusedKeyForADifferentRequestIsRefused()
    }
    func testMissingKeyIsRefused() async throws { try await checkMissingKeyIsRefused() }
    func testKeysAreScopedByCaller() async throws { try await checkKeysAreScopedByCaller() }
    func testRacingCopiesCommitOnce() async throws { try await checkRacingCopiesCommitOnce() }
    func testLookedUpRetryGetsTheStoredAnswer() async throws { try await checkLookedUpRetryGetsTheStoredAnswer() }
    func testCopyCommittedAfterTheLookUpIsAnswered() async throws {
        try await checkCopyCommittedAfterTheLookUpIsAnswered()
    }
    func testReusedKeyCommittedAfterTheLookUpIsRefused() async throws {
        try await checkReusedKeyCommittedAfterTheLookUpIsRefused()
    }
    func testLookedUpCopiesRacingCommitOnce() async throws { try await checkLookedUpCopiesRacingCommitOnce() }

    /// The statements SQLite's writer ran by the start of each body: neither `run(after:)` (the
    /// look-up was `lookUp`'s) nor `run` looks up the key in its transaction.
    func testCallsLookNothingUpInTheirTransaction() async throws {
        let database = self.database!
        let calls = IdempotentCalls(database: database)
        let ran: @Sendable (any DBConnection) -> Int = {
            $0.statementStatistics.prepared + $0.statementStatistics.reused
        }
        let before = try await database.transaction { ran($0) }
        let perTransaction = try await database.transaction { ran($0) } - before
        func counted(_ call: () async throws -> Response) async throws -> Int {
            let start = try await database.transaction { ran($0) }
            let text = try await call().text
            return try XCTUnwrap(Int(text)) - start - perTransaction
        }
        let lookup = try await calls.lookUp(
            Request(text: "s"), requestID: "s-1", context: Self.context(), as: Response.self)
        let afterLookUp = try await counted {
            try await calls.run(after: lookup, entity: { _ in "" }) { Response(text: String(ran($0))) }
        }
        XCTAssertEqual(afterLookUp, 0, "run(after:) looked up the key again")
        let alone = try await counted {
            try await calls.run(Request(text: "s"), requestID: "s-2", context: Self.context(), entity: { _ in "" }) {
                Response(text: String(ran($0)))
            }
        }
        XCTAssertEqual(alone, 0, "run looked up the key inside its transaction")
    }
}

/// The same cases on the PostgreSQL server named by SKILLS_TEST_POSTGRES_URL, in a schema of
/// their own (so the racing copies really run in parallel, on several pooled connections).
final class PostgresIdempotentCallsTests: IdempotentCallsTestCase {
    func testRetryReturnsTheFirstAnswerAndChangesNothing() async throws {
        try await checkRetryReturnsTheFirstAnswerAndChangesNothing()
    }
    func testReusedKeyForADifferentRequestIsRefused() async throws {
        try await checkReusedKeyForADifferentRequestIsRefused()
    }
    func testMissingKeyIsRefused() async throws { try await checkMissingKeyIsRefused() }
    func testKeysAreScopedByCaller() async throws { try await checkKeysAreScopedByCaller() }
    func testRacingCopiesCommitOnce() async throws { try await checkRacingCopiesCommitOnce() }
    func testLookedUpRetryGetsTheStoredAnswer() async throws { try await checkLookedUpRetryGetsTheStoredAnswer() }
    func testCopyCommittedAfterTheLookUpIsAnswered() async throws {
        try await checkCopyCommittedAfterTheLookUpIsAnswered()
    }
    func testReusedKeyCommittedAfterTheLookUpIsRefused() async throws {
        try await checkReusedKeyCommittedAfterTheLookUpIsRefused()
    }
    func testLookedUpCopiesRacingCommitOnce() async throws { try await checkLookedUpCopiesRacingCommitOnce() }
    func testReusedKeyRacingInIsRefused() async throws { try await checkReusedKeyRacingInIsRefused() }

    override class func open() async throws -> (Database, schema: String?)? {
        try await ScratchPostgresSchema.open(prefix: "idem").map { ($0, $1) }
    }
}

final class Runs: Sendable {
    let value = Mutex(0)
}
