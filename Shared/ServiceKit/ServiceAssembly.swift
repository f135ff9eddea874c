import Logging
import RPC
import SQL
import Schema

// The pieces `ServiceRunner.run` assembles a service from, for hosts other than the executable:
// tests that run every service's handlers in one process over `InProcessServer`.

extension ServiceEnvironment {
    public init(settings: ServiceSettings, database: Database, peers: Peers, logger: Logger) {
        self.init(
            settings: settings, database: database, idempotent: IdempotentCalls(database: database),
            audit: AuditTrail(database: database), peers: peers, logger: logger)
    }
}

extension ServiceManifest {
    /// Creates or upgrades ServiceKit's tables and the service's own, as the executable does at start.
    public func migrate(_ database: Database) async throws {
        try await database.migrate(ServiceKitMigrations.all + migrations)
    }

    /// `definitions` as the executable serves them: every handler runs under the business day its
    /// call names, which is refused (`FAILED_PRECONDITION`) unless `acceptBusinessDate`.
    public func served(_ definitions: [ServiceDefinition], acceptBusinessDate: Bool) -> [ServiceDefinition] {
        definitions.map { BusinessDay.applied(to: $0, accepted: acceptBusinessDate) }
    }

    /// The interceptor that decides who may call what: the service's access table by certificate role.
    public var authorization: AuthorizationInterceptor { AuthorizationInterceptor(table: accessTable) }
}
