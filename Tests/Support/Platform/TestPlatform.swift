import AssessmentCore
import Foundation
import Logging
import MatchingCore
import PaymentCore
import Policy
import RPC
import RegistrationCore
import SQL
import Schema
import ServiceKit
import Synchronization

/// Who a test calls as: what a server would read from the caller's TLS client certificate.
public struct TestCaller: Sendable, Hashable {
    public var role: String
    public var commonName: String

    public init(role: String, commonName: String? = nil) {
        self.role = role
        self.commonName = commonName ?? "\(role)-dev"
    }

    /// The identity a server sees (subject `CN=<commonName>, OU=<role>`, as the dev certificates).
    public var identity: PeerIdentity {
        PeerIdentity(commonName: commonName, organizationalUnits: [role], organization: "Dezhou Skills Platform (dev)")
    }

    public static let hrss = TestCaller(role: "hrss")
    public static let finance = TestCaller(role: "finance")
    public static let education = TestCaller(role: "education")
    public static let civilAffairs = TestCaller(role: "civil-affairs")
    public static let enterprise = TestCaller(role: "enterprise")
    public static let workerPortal = TestCaller(role: "worker-portal")
    public static let assessmentOrg = TestCaller(role: "assessment-org")
    public static let socialInsurance = TestCaller(role: "social-insurance")
    /// An institution's system; it may act for an institution only once hrss lists `commonName`
    /// among the institution's systems.
    public static func institution(_ commonName: String = "institution-dev") -> TestCaller {
        TestCaller(role: "institution", commonName: commonName)
    }
    /// One of the platform's services calling another (`CN=skills-<name>, OU=<name>`).
    public static func service(_ name: String) -> TestCaller { TestCaller(role: name, commonName: "skills-\(name)") }
}

/// The four services' handlers in one process, each on its own SQLite database in a temporary
/// directory, served by an `InProcessServer` with its access table and the business-day rule, and
/// calling each other over `InProcessTransport` with their own service identity, as the
/// executables do over mutual TLS. A test calls any service as any caller:
///
/// ```swift
/// let platform = try await TestPlatform.start()
/// let worker = try await platform.registration(as: .hrss).registerWorker(request)
/// await platform.close()
/// ```
public final class TestPlatform: Sendable {
    public let registrationServer = InProcessServer()
    public let matchingServer = InProcessServer()
    public let assessmentServer = InProcessServer()
    public let paymentServer = InProcessServer()
    /// Where the databases and assessment's signing key live; removed by `close()`.
    public let directory: String
    /// Each service's database, by service name, for tests that look behind the API.
    public let databases: [String: Database]
    private let serials = Atomic<Int>(0)

    /// A number not handed out before by this platform: for unique request ids, ID numbers and codes.
    public func nextSerial() -> Int { serials.wrappingAdd(1, ordering: .relaxed).newValue }

    private init(directory: String, databases: [String: Database]) {
        self.directory = directory
        self.databases = databases
    }

    /// Builds and wires the four services. With `acceptBusinessDate` (the default) calls may carry
    /// `skills-business-date`, as in `make run`'s demo.
    public static func start(
        acceptBusinessDate: Bool = true, fundFen: Int64 = 50_000_000_000,
        peerTimeout: Duration = .seconds(5)
    ) async throws -> TestPlatform {
        let directory = NSTemporaryDirectory() + "skills-test-platform-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = ["--data-dir", directory, "--peer-timeout-ms", "\(Int(peerTimeout.components.seconds * 1000))"]
        if acceptBusinessDate { arguments.append("--accept-business-date") }
        let settings = try ServiceSettings.parse(arguments)
        let logger = Logger(label: "skills.test-platform") { _ in SwiftLogNoOpLogHandler() }
        // The bundled policy, checked and loaded as matching and payment load it at start.
        var policySettings = try PolicySettings.parse([])
        policySettings.policyFile = ""
        let policy = try policySettings.load()

        let manifests = [
            "registration": RegistrationHandler.manifest, "matching": MatchingHandler.manifest,
            "assessment": AssessmentHandler.manifest, "payment": PaymentHandler.manifest(initialFundFen: fundFen),
        ]
        var databases: [String: Database] = [:]
        for (name, manifest) in manifests {
            let path = "\(directory)/\(name).sqlite"
            let database = try await Database.open(.sqlite(path: path))
            try await manifest.migrate(database)
            databases[name] = database
        }
        let platform = TestPlatform(directory: directory, databases: databases)
        func environment(_ name: String) throws -> ServiceEnvironment {
            guard let database = databases[name] else {
                throw RPCError(.internalError, "no database for \(name)")
            }
            return ServiceEnvironment(
                settings: settings, database: database,
                peers: platform.peers(of: name, timeout: peerTimeout), logger: logger)
        }
        let definitions: [(InProcessServer, ServiceManifest, ServiceDefinition, [any ServerInterceptor])] = [
            (
                platform.registrationServer, RegistrationHandler.manifest,
                RegistrationHandler(environment: try environment("registration")).serviceDefinition, []
            ),
            (
                platform.matchingServer, MatchingHandler.manifest,
                MatchingHandler(environment: try environment("matching"), policy: policy).serviceDefinition,
                [policy.healthTrailer]
            ),
            (
                platform.assessmentServer, AssessmentHandler.manifest,
                try await AssessmentHandler.start(environment: try environment("assessment")).serviceDefinition, []
            ),
            (
                platform.paymentServer, PaymentHandler.manifest(initialFundFen: fundFen),
                PaymentHandler(environment: try environment("payment"), book: policy.book).serviceDefinition,
                [policy.healthTrailer]
            ),
        ]
        for (server, manifest, definition, extra) in definitions {
            server.serve(
                manifest.served([definition], acceptBusinessDate: acceptBusinessDate),
                interceptors: [manifest.authorization] + extra, logger: logger)
        }
        return platform
    }

    /// The clients a service's handlers use for the others, calling with the service's identity.
    private func peers(of service: String, timeout: Duration) -> Peers {
        let caller = TestCaller.service(service).identity
        return Peers(
            registration: InProcessTransport(server: registrationServer, peer: caller),
            matching: InProcessTransport(server: matchingServer, peer: caller),
            assessment: InProcessTransport(server: assessmentServer, peer: caller),
            payment: InProcessTransport(server: paymentServer, peer: caller), timeout: timeout)
    }

    public func registration(as caller: TestCaller) -> RegistrationServiceClient {
        RegistrationServiceClient(InProcessTransport(server: registrationServer, peer: caller.identity))
    }

    public func matching(as caller: TestCaller) -> MatchingServiceClient {
        MatchingServiceClient(InProcessTransport(server: matchingServer, peer: caller.identity))
    }

    public func assessment(as caller: TestCaller) -> AssessmentServiceClient {
        AssessmentServiceClient(InProcessTransport(server: assessmentServer, peer: caller.identity))
    }

    public func payment(as caller: TestCaller) -> PaymentServiceClient {
        PaymentServiceClient(InProcessTransport(server: paymentServer, peer: caller.identity))
    }

    /// Closes the databases and removes the directory.
    public func close() async {
        for database in databases.values { await database.close() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
