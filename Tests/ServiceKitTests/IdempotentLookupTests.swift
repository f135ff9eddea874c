import Dispatch
import Foundation
import RPC
import SQL
import Schema
import ServiceKit
import XCTest

/// The checks of `IdempotentCalls.lookUp` and `run(after:)`: one look-up per call, and the
/// idempotency key (not a second look-up) catching a copy that commits in between.
extension IdempotentCallsTestCase {
    func lookUp(_ request: Request, id: String) async throws -> IdempotentCalls.Lookup<Response> {
        try await IdempotentCalls(database: database).lookUp(request, requestID: id, context: Self.context())
    }

    /// Runs a looked-up call whose body inserts a thing of a new id.
    static func run(database: Database, after lookup: IdempotentCalls.Lookup<Response>, runs: Runs) async throws
        -> Response
    {
        try await IdempotentCalls(database: database).run(after: lookup, entity: { "thing/\($0.text)" }) {
            connection in
            runs.value.withLock { $0 += 1 }
            let thing = "t\(UInt32.random(in: 0...UInt32.max))"
            try connection.execute("INSERT INTO things (id) VALUES ($1)", thing)
            return Response(text: thing)
        }
    }

    /// One thing written and one audit row under `requestID`, however many copies ran.
    func expectOneCommit(requestID: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let count = try await things()
        XCTAssertEqual(count, 1, "things written", file: file, line: line)
        let audit = try await auditRows(requestID: requestID)
        XCTAssertEqual(audit, 1, "audit rows of \(requestID)", file: file, line: line)
    }

    func auditRows(requestID: String) async throws -> Int64 {
        try await database.read {
            try $0.first("SELECT COUNT(*) FROM audit_log WHERE request_id = $1", requestID) { try $0.int64(0) } ?? -1
        }
    }

    func checkLookedUpRetryGetsTheStoredAnswer() async throws {
        let runs = Runs()
        let first = try await Self.run(
            database: database, after: try await lookUp(Request(text: "a"), id: "l-1"), runs: runs)
        let retry = try await lookUp(Request(text: "a"), id: "l-1")
        XCTAssertEqual(retry.previous, first)
        let again = try await Self.run(database: database, after: retry, runs: runs)
        XCTAssertEqual(again, first)
        XCTAssertEqual(runs.value.withLock { $0 }, 1, "a lookup that found the answer runs nothing")
        try await expectOneCommit(requestID: "l-1")
    }

    /// A copy that committed after this call's look-up: the INSERT on the key rolls this call's
    /// change back and the caller gets the stored answer.
    func checkCopyCommittedAfterTheLookUpIsAnswered() async throws {
        let runs = Runs()
        let late = try await lookUp(Request(text: "a"), id: "l-2")
        XCTAssertNil(late.previous)
        let winner = try await Self.run(
            database: database, after: try await lookUp(Request(text: "a"), id: "l-2"), runs: runs)
        let answer = try await Self.run(database: database, after: late, runs: runs)
        XCTAssertEqual(answer, winner)
        XCTAssertEqual(runs.value.withLock { $0 }, 2, "the late copy's body ran, and was rolled back")
        try await expectOneCommit(requestID: "l-2")
    }

    /// A different request under the same request_id that committed after this call's look-up.
    func checkReusedKeyCommittedAfterTheLookUpIsRefused() async throws {
        let runs = Runs()
        let late = try await lookUp(Request(text: "b"), id: "l-3")
        _ = try await Self.run(database: database, after: try await lookUp(Request(text: "a"), id: "l-3"), runs: runs)
        do {
            _ = try await Self.run(database: database, after: late, runs: runs)
            XCTFail("expected INVALID_ARGUMENT")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("l-3"), error.message)
        }
        let count = try await things()
        XCTAssertEqual(count, 1)
    }

    /// Copies that all looked before any of them ran: one commits, every caller gets its answer.
    func checkLookedUpCopiesRacingCommitOnce() async throws {
        var lookups: [IdempotentCalls.Lookup<Response>] = []
        for _ in 0..<12 { lookups.append(try await lookUp(Request(text: "race"), id: "l-race")) }
        XCTAssertTrue(lookups.allSatisfy { $0.previous == nil })
        let runs = Runs()
        let database = self.database!
        let responses = try await withThrowingTaskGroup(of: Response.self) { group in
            for lookup in lookups {
                group.addTask { try await Self.run(database: database, after: lookup, runs: runs) }
            }
            return try await group.reduce(into: [Response]()) { $0.append($1) }
        }
        XCTAssertEqual(responses.count, 12)
        XCTAssertEqual(Set(responses.map(\.text)).count, 1, "every copy got the same answer")
        try await expectOneCommit(requestID: "l-race")
    }

    /// PostgreSQL: a different request under the same request_id commits while this call's
    /// transaction is open (after its look-up inside found nothing); the key's unique violation
    /// must come back as INVALID_ARGUMENT, not as the database's error.
    func checkReusedKeyRacingInIsRefused() async throws {
        let database = self.database!
        let inBody = DispatchSemaphore(value: 0)
        let winnerDone = DispatchSemaphore(value: 0)
        let loser = Task.detached {
            try await IdempotentCallsTestCase.callHeldOpen(database: database, inBody: inBody, until: winnerDone)
        }
        let entered = await Task.detached { inBody.wait(timeout: .now() + 20) }.value
        XCTAssertEqual(entered, .success)
        _ = try await call(Request(text: "a"), id: "l-4", runs: Runs())
        winnerDone.signal()
        do {
            _ = try await loser.value
            XCTFail("expected INVALID_ARGUMENT")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument, error.message)
        }
        let count = try await things()
        XCTAssertEqual(count, 1)
    }

    /// Request "b" under l-4 in a READ COMMITTED transaction that stays open (after its look-up
    /// and its change) until `until` is signalled.
    static func callHeldOpen(database: Database, inBody: DispatchSemaphore, until: DispatchSemaphore)
        async throws -> Response
    {
        try await IdempotentCalls(database: database).run(
            Request(text: "b"), requestID: "l-4", context: context(), isolation: .readCommitted,
            entity: { (response: Response) in "thing/\(response.text)" }
        ) { connection -> Response in
            try connection.execute("INSERT INTO things (id) VALUES ($1)", "loser")
            inBody.signal()
            // On the connection's own thread: PostgreSQL's pool has others for the winner.
            guard until.wait(timeout: .now() + 20) == .success else {
                throw RPCError(.deadlineExceeded, "the winner never committed")
            }
            return Response(text: "loser")
        }
    }
}
