import Testing

@testable import Workload

@Suite struct LatencyHistogramTests {
    @Test func percentilesOfAUniformSpreadAreWithinTheBucketPrecision() {
        var h = LatencyHistogram()
        for v in 1...10_000 { h.record(microseconds: Int64(v)) }
        #expect(h.count == 10_000)
        #expect(h.maxMicroseconds == 10_000)
        for (p, exact) in [(50.0, 5_000.0), (90.0, 9_000.0), (99.0, 9_900.0)] {
            let value = Double(h.percentile(p))
            #expect(value >= exact && value <= exact * 1.032, "p\(p) = \(value), exact \(exact)")
        }
        #expect(h.percentile(100) == 10_000)
        #expect(h.meanMicroseconds == 5_000)
    }

    @Test func smallValuesAreExactAndEmptyIsZero() {
        var h = LatencyHistogram()
        #expect(h.percentile(50) == 0)
        for v in [3, 3, 7, 60] { h.record(microseconds: Int64(v)) }
        #expect(h.percentile(50) == 3)
        #expect(h.percentile(75) == 7)
        #expect(h.percentile(99) == 60)
    }

    @Test func aSlowTailShowsInP99AndMax() {
        var h = LatencyHistogram()
        for _ in 0..<985 { h.record(.milliseconds(2)) }
        for _ in 0..<15 { h.record(.milliseconds(900)) }
        #expect(h.percentile(50) >= 2_000 && h.percentile(50) < 2_070)
        #expect(h.percentile(99) >= 900_000 && h.percentile(99) < 930_000)
        #expect(h.maxMicroseconds == 900_000)
    }

    @Test func mergingEqualsRecordingTogether() {
        var a = LatencyHistogram(), b = LatencyHistogram(), both = LatencyHistogram()
        for v in stride(from: 1, to: 50_000, by: 7) {
            if v % 2 == 0 { a.record(microseconds: Int64(v)) } else { b.record(microseconds: Int64(v)) }
            both.record(microseconds: Int64(v))
        }
        a.merge(b)
        #expect(a == both)
    }

    @Test func bucketBoundsCoverEveryValue() {
        for v in [0, 1, 63, 64, 65, 127, 128, 1_000, 65_535, 1_000_000, 60_000_000] as [Int64] {
            let bucket = LatencyHistogram.bucket(of: v)
            #expect(LatencyHistogram.upperBound(of: bucket) >= v)
            #expect(bucket == 0 || LatencyHistogram.upperBound(of: bucket - 1) < v)
        }
    }
}
