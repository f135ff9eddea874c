import AssessmentCore
import Schema
import XCTest

final class CertificateNumberTests: XCTestCase {
    func testTheYearOfIssueIsReadBack() throws {
        XCTAssertEqual(CertificateNumber.year(of: try CertificateNumber.generate(year: 2021)), 2021)
        XCTAssertNil(CertificateNumber.year(of: "DZ-2021-NOPE"))
    }

    func testUniqueAndWellFormedOver100k() throws {
        var seen = Set<String>()
        seen.reserveCapacity(100_000)
        for _ in 0..<100_000 {
            let number = try CertificateNumber.generate(year: 2020)
            XCTAssertTrue(seen.insert(number).inserted, "duplicate \(number)")
            if !CertificateNumber.isWellFormed(number) { XCTFail("not well-formed: \(number)") }
        }
        XCTAssertEqual(seen.count, 100_000)
        // Every random position takes many values: the bits are spread, not constant.
        let sample = Array(seen.prefix(2_000))
        for position in 8..<24 {
            let values = Set(sample.map { Array($0.utf8)[position] })
            XCTAssertEqual(values.count, 32, "position \(position)")
        }
    }

    func testFormat() throws {
        let number = try CertificateNumber.generate(year: 2021)
        XCTAssertEqual(number.count, 25)
        XCTAssertEqual(CertificateNumber.length, 25)
        XCTAssertTrue(number.hasPrefix("DZ-2021-"), number)
        XCTAssertTrue(number.dropFirst(8).allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) }, number)
        // Issue year in the policy's time zone (UTC+8): 2020-12-31T16:00:00Z is 2021 in Shanghai.
        XCTAssertTrue(
            try CertificateNumber.generate(issuedAt: Google_Protobuf_Timestamp(seconds: 1_609_430_400, nanos: 0))
                .hasPrefix("DZ-2021-"))
        XCTAssertTrue(
            try CertificateNumber.generate(issuedAt: Google_Protobuf_Timestamp(seconds: 1_609_430_399, nanos: 0))
                .hasPrefix("DZ-2020-"))
    }

    func testMalformedNumbersAreRejected() throws {
        let number = try CertificateNumber.generate(year: 2020)
        var bad = [
            "", "DZ-2020-", "garbage", "DZ-2020-0000000000000000", number.lowercased(), number + "0",
            String(number.dropLast()), "XX" + number.dropFirst(2), "DZ-20a0-" + number.dropFirst(8),
            "DZ_2020-" + number.dropFirst(8), "DZ-2020-" + String(repeating: "I", count: 17),
            "DZ-2020-' OR 1=1 --000000",
        ]
        // Every single-character substitution in the random part or the check is caught.
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var characters = Array(number)
        for position in 8..<25 {
            let original = characters[position]
            for replacement in alphabet where replacement != original {
                characters[position] = replacement
                bad.append(String(characters))
            }
            characters[position] = original
        }
        // Swapping two different adjacent characters is caught (Luhn mod N misses only rare pairs).
        var swapsCaught = 0
        var swaps = 0
        for position in 8..<24 where characters[position] != characters[position + 1] {
            var swapped = characters
            swapped.swapAt(position, position + 1)
            swaps += 1
            if !CertificateNumber.isWellFormed(String(swapped)) { swapsCaught += 1 }
        }
        XCTAssertGreaterThanOrEqual(swapsCaught, swaps - 1)
        for text in bad {
            XCTAssertFalse(CertificateNumber.isWellFormed(text), text)
        }
        XCTAssertTrue(CertificateNumber.isWellFormed(number))
    }
}
