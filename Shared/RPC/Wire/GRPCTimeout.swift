/// The `grpc-timeout` header: at most 8 digits followed by a unit (H, M, S, m, u, n).
enum GRPCTimeout {
    /// Parses a header value; nil when it is not a valid timeout.
    static func parse(_ value: Substring) -> Duration? {
        guard let unit = value.last, value.count >= 2, value.count <= 9 else { return nil }
        let digits = value.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let amount = Int64(digits) else { return nil }
        switch unit {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
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
