import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import RPC
import SQL
import Schema
import ServiceLifecycle
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a service declares about itself to be run.
public struct ServiceManifest: Sendable {
    /// Short name: `registration`, `matching`, `assessment`, `payment` (also its certificate's name).
    public let name: String
    public let defaultPort: Int
    /// Which certificate roles may call which methods.
    public let accessTable: AccessTable
    /// The service's own migrations (versions from 100).
    public let migrations: [SchemaMigration]

    public init(name: String, defaultPort: Int, accessTable: AccessTable, migrations: [SchemaMigration]) {
        self.name = name
        self.defaultPort = defaultPort
        self.accessTable = accessTable
        self.migrations = migrations
    }
}

/// What a service's handlers get to work with.
public struct ServiceEnvironment: Sendable {
    public let settings: ServiceSettings
    /// The service's database.
    public let database: Database
    public let idempotent: IdempotentCalls
    public let audit: AuditTrail
    public let peers: Peers
    public let logger: Logger
}

/// Runs a service executable: logging, metrics, storage and migrations, the gRPC server with
/// authorization, request logs and metrics, health wired to the database, certificate reload on
/// SIGHUP, and graceful shutdown on SIGTERM/SIGINT.
public enum ServiceRunner {
    /// - Parameter interceptors: run after authorization, request logs and metrics (e.g. the
    ///   policy's health trailer).
    public static func run(
        _ manifest: ServiceManifest, settings: ServiceSettings, interceptors: [any ServerInterceptor] = [],
        services: @Sendable (ServiceEnvironment) async throws -> [ServiceDefinition]
    ) async throws {
        MallocArenas.limit(to: settings.mallocArenas)
        bootstrapLogging(settings)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "skills.\(manifest.name)")
        logger.logLevel = settings.level

        let port = settings.port ?? manifest.defaultPort
        let tls = try tlsConfiguration(manifest, settings)
        let (database, location) = try await openDatabase(manifest, settings, logger: logger)
        // One event loop group per process: the server, the peer channels and the metrics endpoint.
        let eventLoops = MultiThreadedEventLoopGroup.singleton
        let peers = try Peers(settings: settings, tls: tls, eventLoopGroup: eventLoops, logger: logger)
        let environment = ServiceEnvironment(
            settings: settings, database: database, peers: peers, logger: logger)
        let accepted = settings.acceptBusinessDate
        if accepted {
            logger.warning(
                "accepting skills-business-date from callers: a replay or demo deployment, not a production one")
        }
        let definitions = manifest.served(try await services(environment), acceptBusinessDate: accepted)
        let server = try GRPCServer(
            configuration: ServerConfiguration(
                host: settings.host, port: port, tls: tls,
                shutdownGracePeriod: .seconds(settings.shutdownGrace)),
            services: definitions,
            interceptors: [
                manifest.authorization, RequestLogInterceptor(logger: logger),
                MetricsInterceptor(),
            ] + interceptors,
            logger: logger, eventLoopGroup: eventLoops)

        var lifecycle: [any Service] = [
            server,
            DatabaseHealthMonitor(
                database: database, health: server.health,
                services: definitions.map(\.descriptor.name), logger: logger),
        ]
        if case .port(let metricsPort) = settings.metricsPort ?? .port(port + 2000) {
            let health = server.health
            lifecycle.append(
                MetricsEndpoint(host: settings.host, port: metricsPort, registry: registry, logger: logger) {
                    health.status(of: "") == .serving
                })
        }
        lifecycle.append(await CertificateReloader(server: server, logger: logger))

        try await server.start()
        logger.notice(
            "\(manifest.name) serving",
            metadata: [
                "address": "\(settings.host):\(server.localPort ?? port)", "database": "\(location)",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: lifecycle.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        if settings.exitWhenStdinCloses { LauncherWatch.terminateWhenStandardInputCloses(logger: logger) }
        try await group.run()
        await peers.close()
        await database.close()
        logger.notice("\(manifest.name) stopped")
    }

    /// This service's certificate, key and trust roots: the settings' paths or the dev
    /// certificates under `--cert-dir`; every file must exist.
    static func tlsConfiguration(_ manifest: ServiceManifest, _ settings: ServiceSettings) throws -> TLSConfiguration {
        let certDir = settings.certDir
        func path(_ value: String, _ fallback: String) -> String { value.isEmpty ? "\(certDir)/\(fallback)" : value }
        let tls = TLSConfiguration(
            certificateChainPath: path(settings.tlsCert, "\(manifest.name).pem"),
            privateKeyPath: path(settings.tlsKey, "\(manifest.name).key"),
            trustRootsPath: path(settings.tlsCA, "ca.pem"))
        for path in [tls.certificateChainPath, tls.privateKeyPath, tls.trustRootsPath]
        where !FileManager.default.fileExists(atPath: path) {
            throw ServiceStartupError(
                "TLS file \(path) does not exist; run `make certs` (dev) or pass --tls-cert/--tls-key/--tls-ca")
        }
        return tls
    }

    /// Opens the service's database (`--database`, else `<data-dir>/<service>.sqlite`) and brings
    /// its schema up to date.
    static func openDatabase(_ manifest: ServiceManifest, _ settings: ServiceSettings, logger: Logger) async throws
        -> (Database, Database.Location)
    {
        let location = Database.Location(
            settings.database.isEmpty ? "\(settings.dataDir)/\(manifest.name).sqlite" : settings.database)
        logger.info("opening the database", metadata: ["database": "\(location)"])
        guard settings.databaseConnections >= 1 else {
            throw ServiceStartupError("--database-connections must be at least 1, got \(settings.databaseConnections)")
        }
        var options = Database.Options()
        options.postgresConnections = settings.databaseConnections
        options.sqliteSoftHeapLimitBytes = max(0, settings.sqliteMemoryMiB) << 20
        let database = try await Database.open(location, options: options)
        do {
            try await manifest.migrate(database)
        } catch {
            await database.close()
            throw error
        }
        return (database, location)
    }

    static func bootstrapLogging(_ settings: ServiceSettings) {
        let level = settings.level
        let json = settings.logJSON
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Keeps the health status in step with the database: NOT_SERVING while it does not answer.
/// Checks every second, so a balancer stops sending calls within about a second of an outage.
struct DatabaseHealthMonitor: Service {
    let database: Database
    let health: HealthService
    let services: [String]
    let logger: Logger

    func run() async throws {
        var healthy = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let ok = await database.ping()
            if ok != healthy {
                healthy = ok
                logger.log(
                    level: ok ? .notice : .error,
                    ok ? "database is back; serving" : "database does not answer; not serving")
                for name in services + [""] { health.setStatus(ok ? .serving : .notServing, for: name) }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
