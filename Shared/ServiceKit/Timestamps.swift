import Foundation
import Policy
import Schema

/// Instants as the platform stores them: RFC 3339 in UTC with milliseconds, e.g.
/// `2026-11-29T12:50:33.123Z`.
///
/// Formatted with integer date arithmetic: an `ISO8601DateFormatter` made per call (ICU underneath)
/// cost ~28% of a registration server's CPU under RegisterWorker load, since every mutation stamps
/// its audit, history and idempotency rows.
public enum Timestamps {
    public static func nowRFC3339() -> String { rfc3339(Date()) }

    public static func rfc3339(_ date: Date) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded())
        let (days, msOfDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        let day = PolicyDate(dayNumber: msOfDay < 0 ? days - 1 : days)
        let ms = msOfDay < 0 ? msOfDay + 86_400_000 : msOfDay
        var text = day.description
        text.reserveCapacity(24)
        text += "T"
        append(ms / 3_600_000, width: 2, to: &text)
        text += ":"
        append(ms / 60_000 % 60, width: 2, to: &text)
        text += ":"
        append(ms / 1000 % 60, width: 2, to: &text)
        text += "."
        append(ms % 1000, width: 3, to: &text)
        text += "Z"
        return text
    }

    /// The instant as a protobuf `Timestamp`.
    public static func timestamp(_ date: Date = Date()) -> Google_Protobuf_Timestamp {
        let interval = date.timeIntervalSince1970
        let seconds = Int64(interval.rounded(.down))
        return Google_Protobuf_Timestamp(seconds: seconds, nanos: Int32((interval - Double(seconds)) * 1_000_000_000))
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }
}
