import Foundation
import SQL
import TestLauncher
import XCTest

/// A PostgreSQL server of the test's own (initdb in a temporary directory, run as the `postgres`
/// OS user), stopped while a `Database` uses it and started again.
final class PostgresOutageTests: XCTestCase {
    static let binaries = "/usr/lib/postgresql/15/bin"
    private var directory = ""
    private var port = 0

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binaries + "/pg_ctl"),
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser"), getuid() == 0
        else {
            throw XCTSkip(
                "needs PostgreSQL 15's binaries in \(Self.binaries) and root (to run them as the postgres user)")
        }
        directory = NSTemporaryDirectory() + "sqltests-pg-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try run("/bin/chown", "postgres:postgres", directory)
        try run(
            "/usr/sbin/runuser", "-u", "postgres", "--", Self.binaries + "/initdb", "-D", directory + "/data",
            "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        port = try freePort()
        try startServer()
    }

    override func tearDown() async throws {
        guard !directory.isEmpty else { return }
        try? run(
            "/usr/sbin/runuser", "-u", "postgres", "--", Self.binaries + "/pg_ctl", "-D", directory + "/data",
            "-m", "immediate", "-w", "stop")
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testCallsFailFastWhileTheServerIsDownAndRecoverAfter() async throws {
        var options = Database.Options()
        options.postgresConnections = 3
        let database = try await Database.open(
            .postgres(url: "postgres://postgres@127.0.0.1:\(port)/postgres"), options: options)
        try await database.transaction { connection in
            try connection.executeScript("CREATE TABLE kept (id BIGINT PRIMARY KEY)")
            try connection.execute("INSERT INTO kept (id) VALUES ($1)", 1)
        }
        // Every pooled connection is open when the server goes.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await database.read { try $0.execute("SELECT pg_sleep(0.05)") } } }
            try await group.waitForAll()
        }

        try stopServer()
        for attempt in 0..<8 {
            let started = ContinuousClock.now
            do {
                try await database.transaction { try $0.execute("INSERT INTO kept (id) VALUES ($1)", 100 + attempt) }
                XCTFail("attempt \(attempt): a write succeeded with the server down")
            } catch let error as DBError {
                XCTAssertTrue(error.isUnavailable, "attempt \(attempt): \(error)")
            }
            let elapsed = ContinuousClock.now - started
            XCTAssertLessThan(elapsed, .seconds(3), "attempt \(attempt) failed fast")
        }
        let started = ContinuousClock.now
        let pingDown = await database.ping()
        XCTAssertFalse(pingDown)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))

        try startServer()
        let deadline = ContinuousClock.now + .seconds(15)
        var pingUp = false
        while ContinuousClock.now < deadline {
            pingUp = await database.ping()
            if pingUp { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertTrue(pingUp, "the same Database object reconnects by itself")
        try await database.transaction { try $0.execute("INSERT INTO kept (id) VALUES ($1)", 2) }
        // Every thread's connection was replaced, not just the one that answered the ping.
        let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await database.read { try $0.all("SELECT id FROM kept ORDER BY id") { try $0.int64(0) } }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(ids, Array(repeating: [1, 2], count: 6))
        await database.close()
    }

    /// A server that stops answering but keeps its connection open (its backend process frozen
    /// with SIGSTOP): the call fails with `connectionLost` after the response timeout instead of
    /// waiting for ever, and the next call gets a new connection.
    func testAHungServerCostsAtMostTheResponseTimeout() async throws {
        var options = Database.Options()
        options.postgresConnections = 1
        options.responseTimeoutMilliseconds = 1000
        let database = try await Database.open(
            .postgres(url: "postgres://postgres@127.0.0.1:\(port)/postgres"), options: options)
        let backend = try await database.read { try $0.first("SELECT pg_backend_pid()") { try $0.int64(0) } } ?? 0
        XCTAssertGreaterThan(backend, 0)
        XCTAssertEqual(kill(pid_t(backend), SIGSTOP), 0)
        let started = ContinuousClock.now
        do {
            try await database.read { try $0.execute("SELECT 1") }
            XCTFail("a frozen server answered")
        } catch let error as DBError {
            XCTAssertEqual(error.kind, .connectionLost, "\(error)")
        }
        let elapsed = ContinuousClock.now - started
        kill(pid_t(backend), SIGCONT)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(900))
        XCTAssertLessThan(elapsed, .seconds(5))
        let next = try await database.read { try $0.first("SELECT pg_backend_pid()") { try $0.int64(0) } }
        XCTAssertNotEqual(next, backend, "the abandoned connection was replaced")
        await database.close()
    }

    private func startServer() throws {
        try run(
            "/usr/sbin/runuser", "-u", "postgres", "--", Self.binaries + "/pg_ctl", "-D", directory + "/data",
            "-l", directory + "/server.log", "-w", "-t", "30",
            "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    }

    private func stopServer() throws {
        try run(
            "/usr/sbin/runuser", "-u", "postgres", "--", Self.binaries + "/pg_ctl", "-D", directory + "/data",
            "-m", "fast", "-w", "stop")
    }

    /// Runs a command to its end (`Launcher`: `pg_ctl start` leaves the server holding whatever
    /// descriptors it inherited); throws with its output when it fails.
    private func run(_ executable: String, _ arguments: String...) throws {
        let outcome = try Launcher.run(executable, arguments)
        guard outcome.succeeded else {
            throw NSError(
                domain: "PostgresOutageTests", code: Int(outcome.status),
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "\(executable) \(arguments.joined(separator: " ")) (status \(outcome.status)): \(outcome.output)"
                ])
        }
    }

    /// A port nothing listens on now (bound to 0, read back, released).
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
