import ArgumentParser
import Logging
import SQL
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The settings every service executable takes: command-line flags first, then `SKILLS_*`
/// environment variables, then defaults that work on a laptop (loopback, a per-service port, an
/// SQLite file under `./data`, the dev certificates from `Deploy/certs/out`).
public struct ServiceSettings: ParsableArguments, Sendable {
    public init() {}

    @Option(help: "Address to listen on. [env: SKILLS_HOST]")
    public var host: String = Environment.string("SKILLS_HOST") ?? "127.0.0.1"

    @Option(
        name: .customLong("port"),
        help:
            "gRPC port (default: the service's own: registration 7101, matching 7102, assessment 7103, payment 7104). [env: SKILLS_PORT]"
    )
    var portOption: Int?

    /// The gRPC port given by `--port` or SKILLS_PORT, or nil for the service's own.
    public var port: Int? { portOption ?? Environment.int("SKILLS_PORT") }

    @Option(help: "Directory for the SQLite database and the service's keys. [env: SKILLS_DATA_DIR]")
    public var dataDir: String = Environment.string("SKILLS_DATA_DIR") ?? "data"

    @Option(
        help:
            "Database: an SQLite file path (empty: <data-dir>/<service>.sqlite) or a postgres:// URL shared by replicas. [env: SKILLS_DATABASE]"
    )
    public var database: String = Environment.string("SKILLS_DATABASE") ?? ""

    @Option(
        help:
            "Most PostgreSQL connections this replica opens (its pool); replicas times this must stay under the server's max_connections. [env: SKILLS_DATABASE_CONNECTIONS]"
    )
    public var databaseConnections: Int =
        Environment.int("SKILLS_DATABASE_CONNECTIONS") ?? Database.Options().postgresConnections

    @Option(
        name: .customLong("sqlite-memory-mib"),
        help:
            "Most memory SQLite keeps in this process, all connections' page caches together (MiB; 0: no limit). [env: SKILLS_SQLITE_MEMORY_MIB]"
    )
    public var sqliteMemoryMiB: Int =
        Environment.int("SKILLS_SQLITE_MEMORY_MIB") ?? Database.Options().sqliteSoftHeapLimitBytes >> 20

    @Option(
        help:
            "Most glibc malloc arenas (0: glibc's default, 8 per core; MALLOC_ARENA_MAX, when set, wins). [env: SKILLS_MALLOC_ARENAS]"
    )
    public var mallocArenas: Int = Environment.int("SKILLS_MALLOC_ARENAS") ?? MallocArenas.default

    @Option(help: "Directory with ca.pem and <service>.pem/.key (dev certificates). [env: SKILLS_CERT_DIR]")
    public var certDir: String = Environment.string("SKILLS_CERT_DIR") ?? "Deploy/certs/out"

    @Option(help: "This service's certificate chain (PEM); empty: <cert-dir>/<service>.pem. [env: SKILLS_TLS_CERT]")
    public var tlsCert: String = Environment.string("SKILLS_TLS_CERT") ?? ""

    @Option(help: "This service's private key (PEM); empty: <cert-dir>/<service>.key. [env: SKILLS_TLS_KEY]")
    public var tlsKey: String = Environment.string("SKILLS_TLS_KEY") ?? ""

    @Option(
        help:
            "CA bundle that clients' and other services' certificates must chain to; empty: <cert-dir>/ca.pem. [env: SKILLS_TLS_CA]"
    )
    public var tlsCA: String = Environment.string("SKILLS_TLS_CA") ?? ""

    @Option(
        name: .customLong("metrics-port"),
        help:
            "Port of the Prometheus /metrics and /healthz endpoint (HTTP, same host), or 'off' (default: gRPC port + 2000). [env: SKILLS_METRICS_PORT]"
    )
    var metricsPortOption: MetricsPort?

    /// The metrics endpoint given by `--metrics-port` or SKILLS_METRICS_PORT, or nil for gRPC port + 2000.
    public var metricsPort: MetricsPort? {
        metricsPortOption ?? Environment.string("SKILLS_METRICS_PORT").flatMap(MetricsPort.init(argument:))
    }

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. [env: SKILLS_LOG_LEVEL]")
    public var logLevel: String = Environment.string("SKILLS_LOG_LEVEL") ?? "info"

    /// The level `logLevel` names; `validate()` has refused any other word, so `.info` is never a silent
    /// stand-in for a typo such as `verbose`.
    public var level: Logger.Level { Logger.Level(rawValue: logLevel.lowercased()) ?? .info }

    /// Every Bool flag has a `--no-` form: ArgumentParser refuses a plain flag whose default (here from
    /// the environment) is true, and a service started with SKILLS_LOG_JSON=1 exited with a usage error.
    @Flag(inversion: .prefixedNo, help: "Log JSON lines instead of text. [env: SKILLS_LOG_JSON=1]")
    public var logJSON: Bool = Environment.bool("SKILLS_LOG_JSON")

    @Option(help: "Addresses of the registration service, comma-separated host:port. [env: SKILLS_REGISTRATION_ADDR]")
    public var registrationAddr: String = Environment.string("SKILLS_REGISTRATION_ADDR") ?? "127.0.0.1:7101"

    @Option(help: "Addresses of the matching service. [env: SKILLS_MATCHING_ADDR]")
    public var matchingAddr: String = Environment.string("SKILLS_MATCHING_ADDR") ?? "127.0.0.1:7102"

    @Option(help: "Addresses of the assessment service. [env: SKILLS_ASSESSMENT_ADDR]")
    public var assessmentAddr: String = Environment.string("SKILLS_ASSESSMENT_ADDR") ?? "127.0.0.1:7103"

    @Option(help: "Addresses of the payment service. [env: SKILLS_PAYMENT_ADDR]")
    public var paymentAddr: String = Environment.string("SKILLS_PAYMENT_ADDR") ?? "127.0.0.1:7104"

    @Option(help: "Deadline for calls to other services, in milliseconds. [env: SKILLS_PEER_TIMEOUT_MS]")
    public var peerTimeoutMs: Int = Environment.int("SKILLS_PEER_TIMEOUT_MS") ?? 5000

    @Option(help: "Seconds that in-flight calls get to finish on SIGTERM. [env: SKILLS_SHUTDOWN_GRACE]")
    public var shutdownGrace: Int = Environment.int("SKILLS_SHUTDOWN_GRACE") ?? 10

    @Flag(
        inversion: .prefixedNo,
        help:
            "Take 'today' from the caller's skills-business-date metadata (replays and demos of 2019-2021; never in production). [env: SKILLS_ACCEPT_BUSINESS_DATE=1]"
    )
    public var acceptBusinessDate: Bool = Environment.bool("SKILLS_ACCEPT_BUSINESS_DATE")

    /// `inversion`: ArgumentParser rejects a plain Bool flag whose default (here from the environment) is true.
    @Flag(
        inversion: .prefixedNo,
        help:
            "Shut down as on SIGTERM when standard input reaches end of file: a launcher that passes a pipe it holds makes the service exit when the launcher does, even on SIGKILL. [env: SKILLS_EXIT_WHEN_STDIN_CLOSES=1]"
    )
    public var exitWhenStdinCloses: Bool = Environment.bool("SKILLS_EXIT_WHEN_STDIN_CLOSES")

    public func validate() throws {
        if let port = portOption ?? Environment.string("SKILLS_PORT").map({ Int($0) ?? 0 }),
            !ListenPort.valid.contains(port)
        {
            throw ValidationError("port \(port) (--port or SKILLS_PORT) is not a port number from 1 to 65535")
        }
        if metricsPortOption == nil, let text = Environment.string("SKILLS_METRICS_PORT"),
            MetricsPort(argument: text) == nil
        {
            throw ValidationError("SKILLS_METRICS_PORT '\(text)' is neither 'off' nor a port number from 1 to 65535")
        }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("log level '\(logLevel)' (--log-level or SKILLS_LOG_LEVEL) is not one of: \(levels)")
        }
    }
}

/// Reads `SKILLS_*` variables.
public enum Environment {
    public static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
    public static func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
    public static func bool(_ name: String) -> Bool { ["1", "true", "yes"].contains(string(name)?.lowercased() ?? "") }
}

/// How many malloc arenas glibc may create. By default glibc gives threads that contend for the
/// allocator arenas of their own, up to 8 per core, and memory freed in one arena serves only
/// that arena's threads. A service has a dozen threads (event loops, SQLite connections, the
/// Swift concurrency pool): in a replay, payment's peak fell from 85 to 72 MiB with 2 arenas.
public enum MallocArenas {
    public static let `default` = 2

    /// Applies `count` (before the threads that would contend start); 0, or `MALLOC_ARENA_MAX`
    /// set in the environment, leaves glibc's choice.
    public static func limit(to count: Int) {
        #if os(Linux) && canImport(Glibc)
            guard count > 0, Environment.string("MALLOC_ARENA_MAX") == nil else { return }
            _ = glibcMallopt(mArenaMax, Int32(clamping: count))
        #endif
    }

    #if os(Linux) && canImport(Glibc)
        /// `M_ARENA_MAX` of glibc's <malloc.h>, which Swift's Glibc module does not include.
        private static let mArenaMax: Int32 = -8
    #endif
}

#if os(Linux) && canImport(Glibc)
    /// glibc's `int mallopt(int param, int value)` (<malloc.h> is not part of Swift's Glibc module).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
