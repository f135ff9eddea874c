import Foundation

/// Options of the `load` subcommand, the same for both stacks.
public struct LoadOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 50051
    public var connections = 1
    /// Calls in flight in total, spread round robin over the connections (64 with 4 connections is
    /// 16 streams on each, like `h2load -c 4 -m 16`).
    public var concurrency = 1
    public var duration = 10.0
    public var payload = 1024
    public var cert = ""
    public var key = ""
    public var ca = ""
    public var serverName = "localhost"
    public var label = ""

    public static let usage = """
        load --target HOST:PORT --cert PEM --key PEM --ca PEM [--connections C] [--concurrency K] \
        [--duration S] [--payload BYTES] [--server-name NAME] [--label TEXT]
        """

    public init(arguments: ArraySlice<String>) throws {
        var it = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let v = it.next() else { throw UsageError("\(name) needs a value\n\(Self.usage)") }
            return v
        }
        func int(_ name: String) throws -> Int {
            guard let v = Int(try value(name)), v > 0 else { throw UsageError("\(name) needs a positive integer") }
            return v
        }
        while let arg = it.next() {
            switch arg {
            case "--target":
                let t = try value(arg)
                guard let colon = t.lastIndex(of: ":"), let p = Int(t[t.index(after: colon)...]) else {
                    throw UsageError("--target must be HOST:PORT")
                }
                host = String(t[..<colon])
                port = p
            case "--connections": connections = try int(arg)
            case "--concurrency": concurrency = try int(arg)
            case "--duration":
                guard let d = Double(try value(arg)), d > 0 else { throw UsageError("--duration needs seconds") }
                duration = d
            case "--payload": payload = try int(arg)
            case "--cert": cert = try value(arg)
            case "--key": key = try value(arg)
            case "--ca": ca = try value(arg)
            case "--server-name": serverName = try value(arg)
            case "--label": label = try value(arg)
            default: throw UsageError("unknown option \(arg)\n\(Self.usage)")
            }
        }
        if cert.isEmpty || key.isEmpty || ca.isEmpty { throw UsageError("--cert, --key and --ca are required (mTLS)") }
    }
}

public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads `--name value` options of a subcommand (servers).
public func option(_ name: String, in arguments: ArraySlice<String>) -> String? {
    guard let i = arguments.firstIndex(of: name), arguments.index(after: i) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: i)]
}

/// The bytes every request carries.
public func benchmarkPayload(_ size: Int) -> [UInt8] { (0..<size).map { UInt8($0 % 251) } }

/// A closed loop: `concurrency` workers, worker `i` on connection `i % connections`, each making one
/// call after another until the duration is over. Prints one JSON line to stdout.
public func runLoad(
    _ options: LoadOptions, stack: String,
    call: @escaping @Sendable (_ connection: Int) async throws -> Void
) async {
    let clock = ContinuousClock()
    let start = clock.now
    let end = start + .nanoseconds(Int64(options.duration * 1e9))
    let results = await withTaskGroup(of: (latencies: [Int64], errors: Int, lastError: String?).self) { group in
        for worker in 0..<options.concurrency {
            group.addTask {
                var latencies: [Int64] = []
                latencies.reserveCapacity(Int(options.duration * 20_000 / Double(options.concurrency)) + 16)
                var errors = 0
                var lastError: String?
                let connection = worker % options.connections
                while clock.now < end {
                    let t0 = clock.now
                    do {
                        try await call(connection)
                        let elapsed = clock.now - t0
                        latencies.append(
                            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                    } catch {
                        errors += 1
                        lastError = "\(error)"
                        if errors > 1000 && latencies.isEmpty { break }
                    }
                }
                return (latencies, errors, lastError)
            }
        }
        var all: [Int64] = []
        var errors = 0
        var lastError: String?
        for await r in group {
            all.append(contentsOf: r.latencies)
            errors += r.errors
            lastError = r.lastError ?? lastError
        }
        return (all.sorted(), errors, lastError)
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let latencies = results.0
    func pct(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let index = min(latencies.count - 1, Int((p / 100 * Double(latencies.count)).rounded(.up)) - 1)
        return Double(latencies[max(0, index)]) / 1e6
    }
    func fmt(_ x: Double) -> String { String(format: "%.3f", x) }
    var line = "{\"stack\":\"\(stack)\",\"label\":\"\(options.label)\",\"connections\":\(options.connections),"
    line += "\"concurrency\":\(options.concurrency),\"payload\":\(options.payload),\"duration_s\":\(fmt(seconds)),"
    line += "\"calls\":\(latencies.count),\"errors\":\(results.1),"
    line += "\"calls_per_s\":\(fmt(Double(latencies.count) / seconds)),"
    line +=
        "\"p50_ms\":\(fmt(pct(50))),\"p90_ms\":\(fmt(pct(90))),\"p99_ms\":\(fmt(pct(99))),\"max_ms\":\(fmt(pct(100)))}"
    print(line)
    if let lastError = results.2 {
        FileHandle.standardError.write(Data("\(results.1) calls failed; last error: \(lastError)\n".utf8))
    }
    fflush(nil)
}
