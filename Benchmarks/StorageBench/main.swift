// storage-bench: the transaction every mutating call runs (IdempotentCalls: look the request_id
// up, then one transaction inserting the idempotency row and the audit entry), N times through
// SQL's Database, on SQLite and on PostgreSQL, one process. Reports CPU time of this process
// (getrusage: user + system) and wall time per call. The old layer (Storage over sql-kit) left the
// product in issue 14; its figures, from this benchmark at 5ae2bbc, are in Benchmarks/README.md.
//
//   .build/release/storage-bench [--calls N] [--concurrency C] [--postgres URL] [--only sqlite|postgres]
import Foundation
import SQL

struct Options {
    var calls = 2000
    var concurrency = 1
    var postgres: String?
    var only: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--calls": calls = iterator.next().flatMap { Int($0) } ?? calls
            case "--concurrency": concurrency = iterator.next().flatMap { Int($0) } ?? concurrency
            case "--postgres": postgres = iterator.next()
            case "--only": only = iterator.next()
            default:
                FileHandle.standardError.write(
                    Data(
                        "usage: storage-bench [--calls N] [--concurrency C] [--postgres URL] [--only sqlite|postgres]\n"
                            .utf8))
                exit(2)
            }
        }
    }
}

/// One call's inputs, the same for both layers.
struct Call: Sendable {
    let caller = "hrss"
    let method = "/skills.v1.Registration/RegisterWorker"
    let requestID: String
    let hash: String
    let response: [UInt8]
    let at = "2026-12-04T14:00:00.000Z"
    let entity: String

    init(_ index: Int, run: String) {
        requestID = "\(run)-req-\(index)"
        hash = String(UInt64(index) &* 0x9e37_79b9_7f4a_7c15, radix: 16)
        response = (0..<96).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        entity = "W\(100_000 + index)"
    }
}

func schema(_ prefix: String, blob: String, serial: String) -> [String] {
    [
        "DROP TABLE IF EXISTS \(prefix)_idempotency", "DROP TABLE IF EXISTS \(prefix)_audit",
        "CREATE TABLE \(prefix)_audit (seq \(serial), at TEXT NOT NULL, caller TEXT NOT NULL, role TEXT NOT NULL, method TEXT NOT NULL, entity TEXT NOT NULL, request_id TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE INDEX \(prefix)_audit_entity ON \(prefix)_audit (entity)",
        "CREATE TABLE \(prefix)_idempotency (caller TEXT NOT NULL, method TEXT NOT NULL, request_id TEXT NOT NULL, request_hash TEXT NOT NULL, response \(blob) NOT NULL, at TEXT NOT NULL, PRIMARY KEY (caller, method, request_id))",
    ]
}

struct Measurement {
    var cpu: Double = 0
    var wall: Double = 0
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Runs `calls` calls, `concurrency` at a time, and measures them.
func measure(calls: Int, concurrency: Int, _ call: @escaping @Sendable (Int) async throws -> Void) async throws
    -> Measurement
{
    let cpu = cpuSeconds()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var index = worker
                while index < calls {
                    try await call(index)
                    index += concurrency
                }
            }
        }
        try await group.waitForAll()
    }
    let wall = ContinuousClock.now - start
    return Measurement(
        cpu: cpuSeconds() - cpu, wall: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
}

/// The new layer: SQL.Database.
func runNew(_ location: Database.Location, prefix: String, options: Options, run: String) async throws -> Measurement {
    let database = try await Database.open(location)
    let dialect = database.dialect
    try await database.transaction { connection in
        for statement in schema(prefix, blob: dialect.blob, serial: dialect.serialPrimaryKey) {
            try connection.executeScript(statement)
        }
    }
    let lookup =
        "SELECT request_hash, response FROM \(prefix)_idempotency WHERE caller = $1 AND method = $2 AND request_id = $3"
    let insertKey =
        "INSERT INTO \(prefix)_idempotency (caller, method, request_id, request_hash, response, at) VALUES ($1, $2, $3, $4, $5, $6)"
    let insertAudit =
        "INSERT INTO \(prefix)_audit (at, caller, role, method, entity, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    let call: @Sendable (Int) async throws -> Void = { index in
        let call = Call(index, run: run)
        let previous = try await database.read { connection in
            try connection.first(lookup, call.caller, call.method, call.requestID) { row in
                (try row.string(0), try row.bytes(1))
            }
        }
        precondition(previous == nil)
        try await database.transaction(isolation: .readCommitted) { connection in
            try connection.execute(
                insertKey, call.caller, call.method, call.requestID, call.hash, call.response, call.at)
            try connection.execute(
                insertAudit, call.at, call.caller, "hrss", call.method, call.entity, call.requestID, "")
        }
    }
    for index in 0..<50 { try await call(options.calls + index) }
    let result = try await measure(calls: options.calls, concurrency: options.concurrency, call)
    await database.close()
    return result
}

func report(_ label: String, _ measurement: Measurement, calls: Int) {
    let cpu = measurement.cpu / Double(calls) * 1e6
    let wall = measurement.wall / Double(calls) * 1e6
    print(
        label.padding(toLength: 28, withPad: " ", startingAt: 0)
            + String(
                format: " %9.1f µs CPU/call %9.1f µs wall/call %8.0f calls/s", cpu, wall,
                Double(calls) / measurement.wall))
}

let options = Options(CommandLine.arguments)
let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
print(
    "storage-bench: \(options.calls) calls, concurrency \(options.concurrency), \(ProcessInfo.processInfo.activeProcessorCount) cores, load \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")"
)
if options.only != "postgres" {
    let directory = NSTemporaryDirectory() + "storage-bench-\(run)"
    let new = try await runNew(.sqlite(path: directory + "/new.sqlite"), prefix: "new", options: options, run: run)
    report("sqlite   SQL (libsqlite3)", new, calls: options.calls)
    try? FileManager.default.removeItem(atPath: directory)
}
if options.only != "sqlite", let url = options.postgres {
    let new = try await runNew(.postgres(url: url), prefix: "bench_new_\(run)", options: options, run: run)
    report("postgres SQL (libpq)", new, calls: options.calls)
    let cleanup = try await Database.open(.postgres(url: url))
    try await cleanup.transaction { connection in
        let prefix = "bench_new_\(run)"
        try connection.executeScript("DROP TABLE IF EXISTS \(prefix)_idempotency; DROP TABLE IF EXISTS \(prefix)_audit")
    }
    await cleanup.close()
}
