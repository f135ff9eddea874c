import Logging
import RPC
import SQLKit
import Schema
import ServiceKit
import Storage
import Synchronization
import XCTest

final class IdempotentCallsTests: XCTestCase {
    typealias Request = Skills_Testing_V1_EchoRequest
    typealias Response = Skills_Testing_V1_EchoResponse

    var store: SQLStore!

    override func setUp() async throws {
        store = try await SQLStore.open(.sqlite(path: ":memory:"), logger: Logger(label: "test"))
        try await store.migrate(
            ServiceKitMigrations.all + [
                Migration(version: 100, name: "things") { _ in ["CREATE TABLE things (id TEXT PRIMARY KEY)"] }
            ])
    }

    override func tearDown() async throws { await store.close() }

    static func context(_ caller: String = "hrss-dev") -> ServerContext {
        ServerContext(
            method: MethodDescriptor(service: "skills.testing.v1.Echo", method: "Get", kind: .unary),
            requestMetadata: Metadata(), deadline: nil,
            peer: PeerIdentity(commonName: caller, organizationalUnits: ["hrss"]), remoteAddress: "test")
    }

    struct Count: Decodable { var n: Int }

    func things() async throws -> Int {
        try await store.read {
            try await $0.raw("SELECT COUNT(*) AS n FROM things").first(decoding: Count.self)?.n ?? -1
        }
    }

    func call(_ request: Request, id: String, runs: Runs, caller: String = "hrss-dev") async throws -> Response {
        try await Self.call(store: store, request, id: id, runs: runs, caller: caller)
    }

    static func call(store: SQLStore, _ request: Request, id: String, runs: Runs, caller: String = "hrss-dev")
        async throws -> Response
    {
        try await IdempotentCalls(store: store).run(
            request, requestID: id, context: context(caller), entity: { "thing/\($0.text)" }
        ) { db in
            runs.value.withLock { $0 += 1 }
            let thing = "t\(UInt32.random(in: 0...UInt32.max))"
            try await db.raw("INSERT INTO things (id) VALUES (\(bind: thing))").run()
            return Response(text: thing)
        }
    }

    func testRetryReturnsTheFirstAnswerAndChangesNothing() async throws {
        let runs = Runs()
        let first = try await call(Request(text: "a"), id: "r-1", runs: runs)
        let second = try await call(Request(text: "a"), id: "r-1", runs: runs)
        XCTAssertEqual(first, second)
        XCTAssertEqual(runs.value.withLock { $0 }, 1)
        let count = try await things()
        XCTAssertEqual(count, 1)
        let audit = try await AuditTrail(store: store).entries(entity: "thing/\(first.text)")
        XCTAssertEqual(audit.map(\.requestId), ["r-1"])
        XCTAssertEqual(audit.first?.caller, "hrss-dev")
    }

    func testReusedKeyForADifferentRequestIsRefused() async throws {
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

    func testMissingKeyIsRefused() async throws {
        do {
            _ = try await call(Request(text: "a"), id: "", runs: Runs())
            XCTFail("expected INVALID_ARGUMENT")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument)
        }
    }

    func testKeysAreScopedByCaller() async throws {
        let runs = Runs()
        _ = try await call(Request(text: "a"), id: "same", runs: runs, caller: "one")
        _ = try await call(Request(text: "a"), id: "same", runs: runs, caller: "two")
        XCTAssertEqual(runs.value.withLock { $0 }, 2)
    }

    func testRacingCopiesCommitOnce() async throws {
        let runs = Runs()
        let store = self.store!
        let responses = try await withThrowingTaskGroup(of: Response.self) { group in
            for _ in 0..<20 {
                group.addTask { try await Self.call(store: store, Request(text: "race"), id: "r-race", runs: runs) }
            }
            return try await group.reduce(into: [Response]()) { $0.append($1) }
        }
        XCTAssertEqual(Set(responses.map(\.text)).count, 1, "every copy got the same answer")
        let count = try await things()
        XCTAssertEqual(count, 1)
    }
}

final class Runs: Sendable {
    let value = Mutex(0)
}
