import Essentials
import Policy
import RPC
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The calendar day (Asia/Shanghai, UTC+8, no daylight saving) that the programme's rules take as
/// "today": whether an offering has ended, a learning day is in the future, a standard is in force.
///
/// Normally the wall clock's day. Replays and demos of the 2019-2021 programme run the services with
/// `--accept-business-date`: each call may then carry `skills-business-date: YYYY-MM-DD`, the handler
/// runs with that day as `current`, and the calls it makes to other services carry it on (through
/// `Peers.options`). A service without the flag refuses such calls, so a production deployment can
/// never be told what day it is.
public enum BusinessDay {
    public static let metadataKey = "skills-business-date"

    /// The day the caller set for this call, if the service accepts one.
    @TaskLocal public static var current: CivilDate?

    public static func today() -> CivilDate { current ?? wallClockToday() }

    public static func wallClockToday() -> CivilDate {
        CivilDate(epochSeconds: Int64(Date().timeIntervalSince1970.rounded(.down)), utcOffsetSeconds: 8 * 3600)
    }

    /// The day named in the call's metadata: `nil` if absent, an `RPCError` if malformed or refused.
    static func requested(in context: ServerContext, accepted: Bool) throws -> CivilDate? {
        guard let text = context.requestMetadata[metadataKey] else { return nil }
        guard accepted else {
            throw RPCError(
                .failedPrecondition,
                "this service does not accept \(metadataKey) (start it with --accept-business-date for a replay)")
        }
        guard let day = CivilDate(iso: text) else {
            throw RPCError(.invalidArgument, "\(metadataKey) must be a date as YYYY-MM-DD, got '\(text)'")
        }
        return day
    }

    /// `definition` with every handler run under the business day its call names.
    static func applied(to definition: ServiceDefinition, accepted: Bool) -> ServiceDefinition {
        ServiceDefinition(
            descriptor: definition.descriptor,
            methods: definition.methods.map { method in
                switch method.body {
                case .unary(let body):
                    return ServerMethod(
                        descriptor: method.descriptor,
                        body: .unary { request, context in
                            try await $current.withValue(try requested(in: context, accepted: accepted)) {
                                try await body(request, context)
                            }
                        })
                case .streaming(let body):
                    return ServerMethod(
                        descriptor: method.descriptor,
                        body: .streaming { requests, responses, context in
                            try await $current.withValue(try requested(in: context, accepted: accepted)) {
                                try await body(requests, responses, context)
                            }
                        })
                }
            })
    }
}
