import Essentials
import Foundation
import XCTest

@testable import Policy

/// `PolicyFileCheck`: what `skillsctl policy check` prints and what a service refuses to start on.
final class PolicyFileCheckTests: XCTestCase {
    private static let v2 = "dezhou-2019-2021/v2"
    private static let next = "dezhou-2022-2024/v1"

    func testShippedFileIsValidWithTwoPeriods() throws {
        let report = PolicyFileCheck.check(json: try XCTUnwrap(PolicyBook.bundledJSON()))
        XCTAssertEqual(report.problems, [])
        XCTAssertTrue(report.isValid)
        XCTAssertEqual(report.book, try PolicyBook.bundled())
        XCTAssertEqual(report.version, Self.v2)
        XCTAssertEqual(
            report.periods.map(\.description),
            [
                "period 2019-01-01..2020-06-30 (version dezhou-2019-2021/v1)",
                "period 2020-07-01..2021-12-31 (version dezhou-2019-2021/v2)",
            ])
        XCTAssertEqual(report.lastDay, CivilDate(2021, 12, 31))
        XCTAssertEqual(report.fingerprint.count, 64)
        XCTAssertTrue(report.fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
    }

    func testFingerprintIgnoresLayoutButNotValues() throws {
        let file = try shipped()
        let compact = PolicyFileCheck.check(json: try JSONSerialization.data(withJSONObject: file))
        let pretty = PolicyFileCheck.check(
            json: try JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted]))
        XCTAssertEqual(compact.fingerprint, pretty.fingerprint)
        XCTAssertEqual(
            compact.fingerprint, PolicyFileCheck.check(json: try XCTUnwrap(PolicyBook.bundledJSON())).fingerprint)

        var changed = try nextPeriod(from: "2022-01-01")
        var standards = try XCTUnwrap(changed["standards"] as? [String: Any])
        var occupations = try XCTUnwrap(standards["occupations"] as? [[String: Any]])
        occupations[0]["levels"] = ["5": 121_001, "4": 165_000, "3": 209_000, "2": 286_000, "1": 352_000]
        standards["occupations"] = occupations
        changed["standards"] = standards
        let a = PolicyFileCheck.check(json: try adding([try nextPeriod(from: "2022-01-01")]))
        let b = PolicyFileCheck.check(json: try adding([changed]))
        XCTAssertTrue(a.isValid && b.isValid)
        XCTAssertNotEqual(a.fingerprint, b.fingerprint)
    }

    func testGoodFileWithALaterPeriod() throws {
        let report = PolicyFileCheck.check(json: try adding([try nextPeriod(from: "2022-01-01")]))
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.version, Self.next)
        XCTAssertEqual(report.lastDay, CivilDate(2024, 12, 31))
        XCTAssertEqual(report.periods.last?.description, "period 2022-01-01..2024-12-31 (version dezhou-2022-2024/v1)")
        let book = try XCTUnwrap(report.book)
        XCTAssertEqual(book.inForce(on: CivilDate(2023, 3, 1))?.version, Self.next)
        XCTAssertEqual(
            book.inForce(on: CivilDate(2023, 3, 1))?.standardFen(occupation: "6-31-01-03", level: 3), 209_000)
    }

    func testOverlappingPeriodIsRefused() throws {
        var overlapping = try nextPeriod(from: "2021-06-01")
        overlapping["extends"] = nil
        overlapping.merge(try XCTUnwrap(try shippedVersions().first), uniquingKeysWith: { mine, _ in mine })
        let report = PolicyFileCheck.check(json: try adding([overlapping]))
        XCTAssertNil(report.book)
        XCTAssertEqual(report.problems.map(\.kind), [.overlap, .overlap])
        let message = try XCTUnwrap(report.problems.last?.message)
        XCTAssertTrue(
            message.contains(
                "period 2021-06-01..2024-12-31 (version dezhou-2022-2024/v1) overlaps period 2020-07-01..2021-12-31 (version dezhou-2019-2021/v2) on 2021-06-01..2021-12-31"
            ), message)
        XCTAssertTrue(message.contains("start it on 2022-01-01"), message)
    }

    func testAdjustmentEndingBeforeItsBaseIsAnOverlap() throws {
        var short = try nextPeriod(from: "2021-01-01")
        short["effectiveTo"] = "2021-06-30"
        let report = PolicyFileCheck.check(json: try adding([short]))
        XCTAssertEqual(report.problems.map(\.kind), [.overlap, .overlap])
        XCTAssertTrue(
            report.problems[1].message.contains("would be in force again from 2021-07-01"), report.problems[1].message)
    }

    func testGapIsRefusedUnlessDeclared() throws {
        let later = try nextPeriod(from: "2022-03-01")
        let report = PolicyFileCheck.check(json: try adding([later]))
        XCTAssertNil(report.book)
        XCTAssertEqual(report.problems.map(\.kind), [.gap])
        XCTAssertTrue(
            report.problems[0].message.contains("no version covers 2022-01-01..2022-02-28"), report.problems[0].message)

        let declared = PolicyFileCheck.check(
            json: try adding(
                [later], gaps: [["from": "2022-01-01", "to": "2022-02-28", "reason": "new table not yet published"]]))
        XCTAssertEqual(declared.problems, [])
        XCTAssertEqual(declared.intendedGaps, ["2022-01-01..2022-02-28: new table not yet published"])

        let wrong = PolicyFileCheck.check(
            json: try adding([later], gaps: [["from": "2022-01-01", "to": "2022-01-31", "reason": "typo"]]))
        XCTAssertEqual(wrong.problems.map(\.kind), [.gap, .gap])
        XCTAssertTrue(
            wrong.problems[1].message.contains("2022-01-01..2022-01-31, which is not exactly a gap"),
            wrong.problems[1].message)
    }

    func testMissingPriceIsRefusedUnlessWithdrawn() throws {
        var later = try nextPeriod(from: "2022-01-01")
        var standards = try XCTUnwrap(later["standards"] as? [String: Any])
        var occupations = try XCTUnwrap(standards["occupations"] as? [[String: Any]])
        XCTAssertEqual(occupations[0]["code"] as? String, "6-31-01-03")
        occupations[0]["levels"] = ["5": 121_000, "4": 165_000, "2": 286_000, "1": 352_000]
        standards["occupations"] = occupations
        later["standards"] = standards
        let report = PolicyFileCheck.check(json: try adding([later]))
        XCTAssertEqual(report.problems.map(\.kind), [.missingPrice])
        XCTAssertTrue(
            report.problems[0].message.hasPrefix(
                "period 2022-01-01..2024-12-31 (version dezhou-2022-2024/v1): occupation 6-31-01-03 电工 level 3 has no price"
            ), report.problems[0].message)

        standards["withdrawn"] = ["6-31-01-03:3"]
        later["standards"] = standards
        XCTAssertEqual(PolicyFileCheck.check(json: try adding([later])).problems, [])
        // A version that inherits those standards inherits the prices, and withdraws nothing itself.
        let inheriting: [String: Any] = [
            "version": "dezhou-2025/v1", "extends": Self.next, "effectiveFrom": "2025-01-01",
            "effectiveTo": "2025-12-31",
        ]
        XCTAssertEqual(PolicyFileCheck.check(json: try adding([later, inheriting])).problems, [])

        standards["withdrawn"] = ["6-31-01-03:3", "", "6-31-01-03:x", "9-99-99-99"]
        later["standards"] = standards
        let odd = PolicyFileCheck.check(json: try adding([later]))
        XCTAssertEqual(odd.problems.map(\.kind), [.schema, .schema, .schema])
        XCTAssertTrue(odd.problems.allSatisfy { $0.message.contains("standards.withdrawn lists") }, "\(odd.problems)")
    }

    func testBlankPriceIsAMissingPrice() throws {
        var later = try nextPeriod(from: "2022-01-01")
        var standards = try XCTUnwrap(later["standards"] as? [String: Any])
        var occupations = try XCTUnwrap(standards["occupations"] as? [[String: Any]])
        occupations[1]["levels"] = ["5": 121_000, "4": NSNull(), "3": 209_000, "2": 286_000, "1": 352_000]
        standards["occupations"] = occupations
        later["standards"] = standards
        let report = PolicyFileCheck.check(json: try adding([later]))
        XCTAssertEqual(report.problems.map(\.kind), [.missingPrice])
        XCTAssertTrue(
            report.problems[0].message.contains("occupation 6-18-02-04 焊工 level 4 has no price (null)"),
            report.problems[0].message)
    }

    func testSchemaProblemNamesThePath() throws {
        var later = try nextPeriod(from: "2022-01-01")
        later["effectiveTo"] = "2024/12/31"
        let report = PolicyFileCheck.check(json: try adding([later]))
        XCTAssertEqual(report.problems.map(\.kind), [.schema])
        XCTAssertTrue(report.problems[0].message.contains("versions[2].effectiveTo"), report.problems[0].message)
        XCTAssertEqual(PolicyFileCheck.check(json: Data("{".utf8)).problems.map(\.kind), [.schema])
    }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(sha256Hex(Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha256Hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            sha256Hex([UInt8](repeating: 0x61, count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // MARK: - Files

    private func shipped() throws -> [String: Any] {
        let data = try XCTUnwrap(PolicyBook.bundledJSON())
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func shippedVersions() throws -> [[String: Any]] {
        try XCTUnwrap(try shipped()["versions"] as? [[String: Any]])
    }

    /// A version for 2022-2024 that adjusts v2 and prices everything v2 prices.
    private func nextPeriod(from: String) throws -> [String: Any] {
        let v2 = try XCTUnwrap(try shippedVersions().last)
        return [
            "version": Self.next, "extends": Self.v2, "effectiveFrom": from, "effectiveTo": "2024-12-31",
            "standards": try XCTUnwrap(v2["standards"]),
        ]
    }

    private func adding(_ versions: [[String: Any]], gaps: [[String: Any]]? = nil) throws -> Data {
        var file = try shipped()
        file["versions"] = try shippedVersions() + versions
        if let gaps { file["intendedGaps"] = gaps }
        return try JSONSerialization.data(withJSONObject: file)
    }
}
