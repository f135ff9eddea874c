import XCTest

@testable import Essentials

final class RFC3339Tests: XCTestCase {
    func testFormatKnownInstants() {
        let cases: [(Int64, Int32, String)] = [
            (0, 0, "1970-01-01T00:00:00Z"),
            (0, 500_000_000, "1970-01-01T00:00:00.500Z"),
            (1_588_321_800, 123_000_000, "2020-05-01T08:30:00.123Z"),
            (1_588_321_800, 123_456_000, "2020-05-01T08:30:00.123456Z"),
            (1_588_321_800, 1, "2020-05-01T08:30:00.000000001Z"),
            (951_782_400, 0, "2000-02-29T00:00:00Z"),
            (-1, 0, "1969-12-31T23:59:59Z"),
            (RFC3339.minSeconds, 0, "0001-01-01T00:00:00Z"),
            (RFC3339.maxSeconds, 999_999_999, "9999-12-31T23:59:59.999999999Z"),
        ]
        for (seconds, nanos, text) in cases {
            XCTAssertEqual(RFC3339.format(seconds: seconds, nanos: nanos), text)
            let parsed = RFC3339.parse(text)
            XCTAssertEqual(parsed?.seconds, seconds, text)
            XCTAssertEqual(parsed?.nanos, nanos, text)
            XCTAssertEqual(RFC3339.parse(text, utcOnly: true)?.seconds, seconds, text)
        }
    }

    func testMillisecondsAlwaysWriteThreeDigits() {
        XCTAssertEqual(RFC3339.format(seconds: 0, nanos: 0, fraction: .milliseconds), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(
            RFC3339.format(seconds: 1_764_420_633, nanos: 123_999_999, fraction: .milliseconds),
            "2025-11-29T12:50:33.123Z")
    }

    func testOutOfRangeIsNil() {
        XCTAssertNil(RFC3339.format(seconds: RFC3339.minSeconds - 1, nanos: 0))
        XCTAssertNil(RFC3339.format(seconds: RFC3339.maxSeconds + 1, nanos: 0))
        XCTAssertNil(RFC3339.format(seconds: 0, nanos: -1))
        XCTAssertNil(RFC3339.format(seconds: 0, nanos: 1_000_000_000))
        XCTAssertNil(RFC3339.parse("0001-01-01T00:00:00+00:01"))
        XCTAssertNil(RFC3339.parse("9999-12-31T23:59:59-00:01"))
    }

    func testOffsetsAndCase() {
        XCTAssertEqual(RFC3339.parse("2021-01-01T08:00:00+08:00")?.seconds, 1_609_459_200)
        XCTAssertEqual(RFC3339.parse("2020-12-31t18:30:00-05:30")?.seconds, 1_609_459_200)
        XCTAssertEqual(RFC3339.parse("2021-01-01t00:00:00z")?.seconds, 1_609_459_200)
        XCTAssertNil(RFC3339.parse("2021-01-01T08:00:00+08:00", utcOnly: true))
        XCTAssertNil(RFC3339.parse("2021-01-01t00:00:00Z", utcOnly: true))
        XCTAssertNil(RFC3339.parse("2021-01-01T00:00:00z", utcOnly: true))
    }

    func testMalformedTextIsRefused() {
        for text in [
            "", "2021-01-01", "2021-01-01T00:00:00", "2021-02-29T00:00:00Z", "2021-01-01T24:00:00Z",
            "2021-01-01T00:60:00Z", "2021-01-01T00:00:60Z", "2021-01-01T00:00:00.Z", "2021-01-01T00:00:00.1234567890Z",
            "2021-01-01 00:00:00Z", "2021-01-01T00:00:00Zjunk", "2021-01-01T00:00:00+0800", "21-01-01T00:00:00Z",
        ] {
            XCTAssertNil(RFC3339.parse(text), text)
        }
    }

    func testShortFractionsScale() {
        XCTAssertEqual(RFC3339.parse("2020-01-01T00:00:00.5Z")?.nanos, 500_000_000)
        XCTAssertEqual(RFC3339.parse("2020-01-01T00:00:00.000000007Z")?.nanos, 7)
    }

    func testRandomInstantsRoundTrip() {
        var random = SeededRandom(seed: 3339)
        for _ in 0..<2000 {
            let seconds = Int64(random.int(in: Int(RFC3339.minSeconds)...Int(RFC3339.maxSeconds)))
            let nanos = Int32(random.int(in: 0...999_999_999))
            guard let text = RFC3339.format(seconds: seconds, nanos: nanos) else { return XCTFail("\(seconds)") }
            let parsed = RFC3339.parse(text)
            XCTAssertEqual(parsed?.seconds, seconds, text)
            XCTAssertEqual(parsed?.nanos, nanos, text)
        }
    }
}
