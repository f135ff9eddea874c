import Essentials
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Instants as the platform stores them: RFC 3339 in UTC with milliseconds, e.g.
/// `2026-11-29T12:50:33.123Z`.
///
/// Formatted by Essentials' `RFC3339` (integer arithmetic): an `ISO8601DateFormatter` made per call
/// (ICU underneath) cost ~28% of a registration server's CPU under RegisterWorker load, since every
/// mutation stamps its audit, history and idempotency rows.
public enum Timestamps {
    public static func nowRFC3339() -> String { rfc3339(Date()) }

    public static func rfc3339(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = millis / 1000
        var milliOfSecond = millis % 1000
        if milliOfSecond < 0 {
            seconds -= 1
            milliOfSecond += 1000
        }
        // Nil only outside years 1...9999, which no clock reading reaches.
        return RFC3339.format(seconds: seconds, nanos: Int32(milliOfSecond) * 1_000_000, fraction: .milliseconds) ?? ""
    }

    /// The instant as a protobuf `Timestamp`.
    public static func timestamp(_ date: Date = Date()) -> Google_Protobuf_Timestamp {
        let interval = date.timeIntervalSince1970
        let seconds = Int64(interval.rounded(.down))
        return Google_Protobuf_Timestamp(seconds: seconds, nanos: Int32((interval - Double(seconds)) * 1_000_000_000))
    }
}
