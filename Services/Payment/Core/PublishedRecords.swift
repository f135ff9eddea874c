import Schema
import Synchronization

/// Records of other services that never change once published, kept by id for the life of the
/// process, so that deciding a claim does not ask for them again:
/// - an offering's published document (matching has no method that changes one; only its
///   `enrolled` count moves, and payment never reads it: it is kept as 0 here);
/// - an enterprise's GB/T 4754 industry (registration has no method that changes an enterprise).
///
/// Only records found are kept (one published later is asked for when it is needed). Bounded:
/// when `limit` are kept, the next one starts the map again.
final class PublishedRecords: Sendable {
    static let limit = 2048

    private let offerings = Mutex<[String: Offering]>([:])
    private let industries = Mutex<[String: String]>([:])

    init() {}

    /// The published offering `id`, from `fetch` the first time.
    func offering(_ id: String, fetch: () async throws -> Offering) async throws -> Offering {
        if let known = offerings.withLock({ $0[id] }) { return known }
        var offering = try await fetch()
        offering.enrolled = 0
        let published = offering
        offerings.withLock { Self.keep(published, for: id, in: &$0) }
        return published
    }

    /// The industry registered for the enterprise `creditCode`, if asked for before.
    func industry(of creditCode: String) -> String? { industries.withLock { $0[creditCode] } }

    func remember(industry: String, of creditCode: String) {
        industries.withLock { Self.keep(industry, for: creditCode, in: &$0) }
    }

    private static func keep<Value>(_ value: Value, for key: String, in map: inout [String: Value]) {
        if map.count >= limit { map.removeAll(keepingCapacity: true) }
        map[key] = value
    }
}
