/// Latencies in microseconds in log-linear buckets (32 per power of two above 64 µs, so a
/// percentile overstates the recorded value by at most about 3%), with the exact maximum.
/// Mergeable; not synchronised.
public struct LatencyHistogram: Sendable, Hashable {
    static let subBuckets = 64
    static let subBucketBits = 6
    private var buckets: [Int64] = []
    public private(set) var count: Int64 = 0
    public private(set) var maxMicroseconds: Int64 = 0
    public private(set) var totalMicroseconds: Int64 = 0

    public init() {}

    static func bucket(of value: Int64) -> Int {
        let v = UInt64(max(0, value))
        if v < UInt64(subBuckets) { return Int(v) }
        let magnitude = 63 - v.leadingZeroBitCount  // >= subBucketBits
        let shift = magnitude - subBucketBits + 1
        let mantissa = Int(v >> UInt64(shift))  // subBuckets/2 ..< subBuckets
        return shift * (subBuckets / 2) + mantissa
    }

    /// The largest value that falls in bucket `index`.
    static func upperBound(of index: Int) -> Int64 {
        if index < subBuckets { return Int64(index) }
        let shift = index / (subBuckets / 2) - 1
        let mantissa = index - shift * (subBuckets / 2)
        return (Int64(mantissa + 1) << Int64(shift)) - 1
    }

    public mutating func record(microseconds: Int64) {
        let index = Self.bucket(of: microseconds)
        if index >= buckets.count { buckets += Array(repeating: 0, count: index + 1 - buckets.count) }
        buckets[index] += 1
        count += 1
        totalMicroseconds += max(0, microseconds)
        maxMicroseconds = max(maxMicroseconds, microseconds)
    }

    public mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        record(microseconds: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    /// The value at or below which `percent` of the recordings fall (0...100); 0 when empty.
    public func percentile(_ percent: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let rank = max(1, Int64((Double(count) * percent / 100).rounded(.up)))
        var seen: Int64 = 0
        for (index, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= rank { return min(Self.upperBound(of: index), maxMicroseconds) }
        }
        return maxMicroseconds
    }

    public var meanMicroseconds: Int64 { count > 0 ? totalMicroseconds / count : 0 }

    public mutating func merge(_ other: LatencyHistogram) {
        if other.buckets.count > buckets.count {
            buckets += Array(repeating: 0, count: other.buckets.count - buckets.count)
        }
        for (index, n) in other.buckets.enumerated() { buckets[index] += n }
        count += other.count
        totalMicroseconds += other.totalMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }
}
