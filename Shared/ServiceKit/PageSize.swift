/// The page-size rule of every `List…` method (a request's `page_size`): 0 asks for the default, a
/// larger size than the maximum is capped, and a negative size is refused as `INVALID_ARGUMENT` on
/// `page_size` by the service (`refusal(for:)` is the message).
public enum PageSize {
    /// Rows per page when the caller leaves `page_size` at 0.
    public static let `default` = 100
    /// The most rows one page holds, whatever the caller asks.
    public static let maximum = 1000

    /// The rows to return for `requested`, or nil when it is negative.
    public static func rows(for requested: Int32) -> Int? {
        guard requested >= 0 else { return nil }
        return requested == 0 ? Self.default : min(Int(requested), maximum)
    }

    /// What a refusal of a negative `requested` says.
    public static func refusal(for requested: Int32) -> String { "must not be negative, got \(requested)" }
}
