import Logging
import NIOCore
import RPC
import Schema

/// Typed clients for the other services, over mTLS with this service's own certificate. Each
/// channel spreads calls over the addresses given in the settings and retries idempotent calls
/// that hit `UNAVAILABLE`; every call has a deadline (`--peer-timeout-ms`). Each event loop of the
/// server's group holds its own connection to every address (opened on first use), so a handler's
/// call to another service stays on the loop the handler runs on.
public final class Peers: Sendable {
    public let registration: RegistrationServiceClient
    public let matching: MatchingServiceClient
    public let assessment: AssessmentServiceClient
    public let payment: PaymentServiceClient
    private let channels: [GRPCChannel]
    private let timeout: Duration

    /// Call options with the peer deadline, carrying the business day of the call being served (if
    /// it has one) on to the service called.
    public var options: CallOptions {
        var options = CallOptions(timeout: timeout)
        if let day = BusinessDay.current { options.metadata.add(BusinessDay.metadataKey, day.description) }
        return options
    }

    init(settings: ServiceSettings, tls: TLSConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        let loops = Array(eventLoopGroup.makeIterator()).count
        func channel(_ addresses: String) throws -> GRPCChannel {
            let targets: [ClientConfiguration.Target]
            do { targets = try ClientConfiguration.Target.list(addresses) } catch {
                throw ServiceStartupError("peer addresses: \(error)")
            }
            return try GRPCChannel(
                configuration: ClientConfiguration(
                    targets: targets, tls: tls, defaultTimeout: .milliseconds(settings.peerTimeoutMs),
                    connectionsPerTarget: max(1, loops)), eventLoopGroup: eventLoopGroup,
                logger: logger)
        }
        let registration = try channel(settings.registrationAddr)
        let matching = try channel(settings.matchingAddr)
        let assessment = try channel(settings.assessmentAddr)
        let payment = try channel(settings.paymentAddr)
        self.channels = [registration, matching, assessment, payment]
        self.registration = RegistrationServiceClient(registration)
        self.matching = MatchingServiceClient(matching)
        self.assessment = AssessmentServiceClient(assessment)
        self.payment = PaymentServiceClient(payment)
        self.timeout = .milliseconds(settings.peerTimeoutMs)
    }

    /// Peers over transports made elsewhere (say `InProcessTransport`s in tests); `close()` leaves
    /// them alone.
    public init(
        registration: any ClientTransport, matching: any ClientTransport, assessment: any ClientTransport,
        payment: any ClientTransport, timeout: Duration
    ) {
        self.registration = RegistrationServiceClient(registration)
        self.matching = MatchingServiceClient(matching)
        self.assessment = AssessmentServiceClient(assessment)
        self.payment = PaymentServiceClient(payment)
        self.channels = []
        self.timeout = timeout
    }

    func close() async {
        for channel in channels { await channel.close() }
    }
}

/// A service could not start; the message says why and what to change.
public struct ServiceStartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
