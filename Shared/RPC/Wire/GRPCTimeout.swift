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

    /// Formats a duration in the finest unit that fits 8 digits.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanos = max(0, seconds) * 1_000_000_000 + max(0, attoseconds / 1_000_000_000)
        let limit: Int64 = 99_999_999
        if nanos <= limit { return "\(nanos)n" }
        let micros = (nanos + 999) / 1_000
        if micros <= limit { return "\(micros)u" }
        let millis = (nanos + 999_999) / 1_000_000
        if millis <= limit { return "\(millis)m" }
        let secs = (nanos + 999_999_999) / 1_000_000_000
        if secs <= limit { return "\(secs)S" }
        let minutes = (secs + 59) / 60
        if minutes <= limit { return "\(minutes)M" }
        return "\(min((minutes + 59) / 60, limit))H"
    }
}
