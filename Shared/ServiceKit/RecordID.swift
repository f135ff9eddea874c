#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Identifiers the services give the records they create (`w-…` workers, `o-…` offerings, `a-…`
/// assessments ...): the prefix, a dash, the creation time in milliseconds and 64 random bits, both in
/// base 36. Time-ordered, so lists that page by id page in creation order; unguessable, so an id
/// reveals nothing a caller could enumerate.
public enum RecordID {
    public static func make(_ prefix: String, now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return "\(prefix)-\(String(millis, radix: 36))\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }
}
