/// A deterministic random number generator (SplitMix64, Steele, Lea and Flood 2014): the same seed
/// gives the same sequence on every machine and Swift version, which `SystemRandomNumberGenerator`
/// cannot promise. The replay's synthetic population and the property and fuzz tests draw from it.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range`, independent of the standard library's algorithm (which may
    /// change between Swift versions and so change a seeded population).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % width)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// An element of `items` chosen with the given weights (which need not sum to 1).
    public mutating func weighted<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var point = unit() * total
        for (item, weight) in items {
            if point < weight { return item }
            point -= weight
        }
        return items[items.count - 1].0
    }

    /// A uniformly chosen element of `items`, which must not be empty.
    public mutating func element<T>(of items: [T]) -> T {
        items[int(in: 0...(items.count - 1))]
    }

    /// A double in 0..<1 from the top 53 bits.
    private mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
