import NIOCore
import NIOPosix
import RPC
import Schema

/// Where the four services listen (each `host:port[,host:port]`).
public struct ServiceAddresses: Sendable, Hashable {
    public var registration: String
    public var matching: String
    public var assessment: String
    public var payment: String

    public init(registration: String, matching: String, assessment: String, payment: String) {
        self.registration = registration
        self.matching = matching
        self.assessment = assessment
        self.payment = payment
    }
}

/// Typed clients of the four services for every role a replay calls with, each role's certificate
/// from `certificateDirectory`. The busy roles get `connectionsPerService` HTTP/2 connections to
/// each address (calls spread round robin); all channels share one event loop group, and a task
/// that runs on one of its loops (`executors`) calls over that loop's connections.
public final class PlatformClients: Sendable {
    /// The roles that register workers (and attest their categories).
    public static let registeringRoles = [
        "hrss", "education", "civil-affairs", "poverty-office", "justice", "veterans",
    ]
    static let busyRoles: Set<String> = ["hrss", "institution", "assessment-org", "finance"]

    private let channels: [String: GRPCChannel]
    private let group: MultiThreadedEventLoopGroup
    /// One executor for each event loop of the clients' group: a journey that runs on one makes
    /// its calls without a hand-off between threads.
    public let executors: [EventLoopTaskExecutor]

    public init(
        addresses: ServiceAddresses, certificateDirectory: String, connectionsPerService: Int = 2,
        timeout: Duration = .seconds(30), eventLoopThreads: Int = 2
    ) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, eventLoopThreads))
        self.group = group
        self.executors = EventLoopTaskExecutor.each(of: group)
        let wanted: [(service: String, address: String, roles: [String])] = [
            ("registration", addresses.registration, Self.registeringRoles + ["enterprise"]),
            ("matching", addresses.matching, ["hrss", "worker-portal", "institution"]),
            ("assessment", addresses.assessment, ["assessment-org"]),
            ("payment", addresses.payment, ["finance", "institution", "hrss"]),
        ]
        var channels: [String: GRPCChannel] = [:]
        do {
            for (service, address, roles) in wanted {
                let targets: [ClientConfiguration.Target]
                do { targets = try ClientConfiguration.Target.list(address) } catch {
                    throw RPCError(.invalidArgument, "\(service) address: \(error)")
                }
                for role in roles {
                    let copies = Self.busyRoles.contains(role) ? max(1, connectionsPerService) : 1
                    let configuration = ClientConfiguration(
                        targets: targets, tls: .development(role, directory: certificateDirectory),
                        defaultTimeout: timeout, connectTimeout: .seconds(3), retry: .none,
                        connectionsPerTarget: copies)
                    channels["\(service)/\(role)"] = try GRPCChannel(
                        configuration: configuration, eventLoopGroup: group)
                }
            }
        } catch {
            let opened = channels
            Task {
                for channel in opened.values { await channel.close() }
                try? await group.shutdownGracefully()
            }
            throw error
        }
        self.channels = channels
    }

    private func channel(_ service: String, _ role: String) -> GRPCChannel {
        guard let channel = channels["\(service)/\(role)"] else {
            preconditionFailure("no \(service) channel for role \(role): add the role to PlatformClients.init")
        }
        return channel
    }

    public func registration(_ role: String = "hrss") -> RegistrationServiceClient {
        RegistrationServiceClient(channel("registration", role))
    }
    public func matching(_ role: String = "hrss") -> MatchingServiceClient {
        MatchingServiceClient(channel("matching", role))
    }
    public func assessment(_ role: String = "assessment-org") -> AssessmentServiceClient {
        AssessmentServiceClient(channel("assessment", role))
    }
    public func payment(_ role: String = "finance") -> PaymentServiceClient {
        PaymentServiceClient(channel("payment", role))
    }

    public func close() async {
        for channel in channels.values { await channel.close() }
        try? await group.shutdownGracefully()
    }
}
