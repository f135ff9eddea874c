/// The `grpc-timeout` header: at most 8 digits followed by a unit (H, M, S, m, u, n).
enum GRPCTimeout {
    /// Parses a header value; nil when it is not a valid timeout. Reads bytes, not Characters: it
    /// runs for every call that has a deadline.
    static func parse(_ value: Substring) -> Duration? {
        let bytes = value.utf8
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// Formats a duration in the finest unit that fits 8 digits (rounding up, saturating at 99999999H).
    static func format(_ duration: Duration) -> String {
        let nanos = duration.saturatingNanoseconds()
        let limit: Int64 = 99_999_999
        func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 { value / divisor + (value % divisor == 0 ? 0 : 1) }
        if nanos <= limit { return "\(nanos)n" }
        let micros = ceilDiv(nanos, 1_000)
        if micros <= limit { return "\(micros)u" }
        let millis = ceilDiv(nanos, 1_000_000)
        if millis <= limit { return "\(millis)m" }
        let seconds = ceilDiv(nanos, 1_000_000_000)
        if seconds <= limit { return "\(seconds)S" }
        let minutes = ceilDiv(seconds, 60)
        if minutes <= limit { return "\(minutes)M" }
        return "\(min(ceilDiv(minutes, 60), limit))H"
    }
}
