import Essentials
import Schema

/// The day a call happens on in the replayed programme. Services started with
/// `--accept-business-date` take "today" from the call's `skills-business-date` metadata, so a
/// replay of 2019-2021 can select offerings before they end and complete trainings when they did.
/// Without it (`enabled == false`) calls carry no date, and offerings are published open until
/// the run's own day (`ProgrammeSetup.openUntil`).
public struct BusinessDates: Sendable, Hashable {
    public static let metadataKey = "skills-business-date"
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Call options for a call made on `day`.
    public func on(_ day: CivilDate) -> CallOptions {
        guard enabled else { return CallOptions() }
        return CallOptions(metadata: Metadata([(Self.metadataKey, day.description)]))
    }
}
