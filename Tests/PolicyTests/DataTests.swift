import Essentials
import Foundation
import XCTest

@testable import Policy

/// The policy file: it loads, versions supersede each other, and bad data is rejected.
final class DataTests: XCTestCase {
    func testBundledDezhouBookLoads() throws {
        let book = try PolicyBook.bundled()
        XCTAssertEqual(book.versions.map(\.version), [Fx.v1ID, Fx.v2ID])
        let v1 = Fx.v1
        XCTAssertTrue(v1.isSampleData, "the standards table is sample data and says so")
        XCTAssertTrue(v1.notes.contains { $0.contains("SAMPLE DATA") })
        XCTAssertEqual(v1.occupations.count, 20)
        XCTAssertEqual(v1.maxSubsidisedTrainingsPerYear, 3)
        XCTAssertEqual(v1.projectFirstTranchePercent, 60)
        XCTAssertEqual(v1.employmentThresholdPermille, 850)
        XCTAssertEqual(v1.timeZone, "Asia/Shanghai")
        XCTAssertEqual(v1.utcOffsetSeconds, 28_800)
        XCTAssertEqual(v1.target.subsidisedTrainings, 150_000)
        XCTAssertEqual(v1.freeGroups.groups, [.g4, .g5, .g6, .g7, .g8, .g9, .g10, .g11, .g12])
        XCTAssertEqual(v1.share(.newHirePreJob), 100)
        XCTAssertEqual(v1.livingAllowance.dailyFen, 3000)
        XCTAssertEqual(v1.livingAllowance.groups.last?.from, CivilDate(2019, 1, 1))
        XCTAssertEqual(v1.livingAllowance.groups.last?.to, CivilDate(2020, 12, 31))
        // v2 inherits every section but the standards, and adds an occupation.
        let v2 = Fx.v2
        XCTAssertEqual(v2.occupations.count, 21)
        XCTAssertEqual(v2.freeGroups, v1.freeGroups)
        XCTAssertEqual(v2.livingAllowance, v1.livingAllowance)
        XCTAssertEqual(v2.effectiveFrom, CivilDate(2020, 7, 1))
        XCTAssertEqual(v2.effectiveTo, v1.effectiveTo)
        XCTAssertNotEqual(v1.fingerprint, v2.fingerprint)
        // Loading twice gives the same fingerprints (replays can check them).
        XCTAssertEqual(try PolicyBook.bundled(), book)
        XCTAssertEqual(try PolicyBook.bundled().versions.map(\.fingerprint), book.versions.map(\.fingerprint))
    }

    func testInForcePicksTheLatestCoveringVersion() {
        let book = Fx.book
        XCTAssertNil(book.inForce(on: CivilDate(2018, 12, 31)))
        XCTAssertEqual(book.inForce(on: CivilDate(2019, 1, 1))?.version, Fx.v1ID)
        XCTAssertEqual(book.inForce(on: CivilDate(2020, 6, 30))?.version, Fx.v1ID)
        XCTAssertEqual(book.inForce(on: CivilDate(2020, 7, 1))?.version, Fx.v2ID)
        XCTAssertEqual(book.inForce(on: CivilDate(2021, 12, 31))?.version, Fx.v2ID)
        XCTAssertNil(book.inForce(on: CivilDate(2022, 1, 1)))
        XCTAssertEqual(book.versionFor(CivilDate(2022, 1, 1)).version, Fx.v2ID)
        XCTAssertNil(book.version(id: "nope"))
    }

    func testEveryStandardIsPositiveAndUrbanRuralNeutral() {
        for v in Fx.book.versions {
            for o in v.occupations {
                for level in 1...5 {
                    if let fen = o.standardFen(level: level) {
                        XCTAssertGreaterThan(fen, 0, "\(v.version) \(o.code) \(level)")
                    }
                }
            }
        }
        // R1: no input of the standard lookup depends on hukou — checked as a property too.
        for hukou in Hukou.allCases {
            let d = Runner.decide(DecisionCase(worker: Fx.worker(hukou: hukou), expect: Expect(outcome: .eligible)))
            XCTAssertEqual(d.amountFen, 150_000)
        }
    }

    /// Rounding: integer fen, first tranche floored, the second takes the remainder.
    func testRoundingFloorsTheFirstTrancheAndTheRestSumsExactly() throws {
        let book = try mutated { v1 in
            var std = v1["standards"] as! [String: Any]
            var occ = std["occupations"] as! [[String: Any]]
            occ[0]["levels"] = ["4": 100_001]
            std["occupations"] = occ
            v1["standards"] = std
            var kinds = v1["offeringKinds"] as! [String: Any]
            kinds["newHirePreJob"] = ["shareOfStandardPercent": 33]
            v1["offeringKinds"] = kinds
        }
        let v1 = book.version(id: Fx.v1ID)!
        XCTAssertNotEqual(v1.fingerprint, Fx.v1.fingerprint, "a changed number changes the fingerprint")
        var c = DecisionCase(
            enrollment: Fx.enrollment(kind: .projectBased), version: Fx.v1ID, expect: Expect(outcome: .eligible))
        var d = SubsidyEngine.decide(
            worker: c.worker, enrollment: c.enrollment, certificate: c.certificate, priorSubsidies: [], policy: v1)
        XCTAssertEqual(d.amountFen, 100_001)
        XCTAssertEqual(d.tranches.map(\.amountFen), [60_000, 40_001])
        c = DecisionCase(
            worker: Fx.worker([Fx.declared(.g2)]), enrollment: Fx.enrollment(kind: .newHirePreJob, enterprise: "ENT1"),
            expect: Expect(outcome: .eligible))
        d = SubsidyEngine.decide(
            worker: c.worker, enrollment: c.enrollment, certificate: c.certificate, priorSubsidies: [], policy: v1)
        XCTAssertEqual(d.amountFen, 33_000, "floor(100001 * 33 / 100)")
    }

    func testChangedDataChangesTheRulesWithoutCode() throws {
        // Another city could allow 4 trainings a year and change the allowance window: data only.
        let book = try mutated { v1 in
            v1["perPersonPerYear"] = ["maxSubsidisedTrainings": 4, "yearOf": "completionDate"]
        }
        let d = SubsidyEngine.decide(
            worker: Fx.worker(), enrollment: Fx.enrollment(completed: "2020-03-01"), certificate: Fx.certificate(),
            priorSubsidies: Fx.threeIn(2020), policy: book.version(id: Fx.v1ID)!)
        XCTAssertEqual(d.outcome, .eligible)
        XCTAssertTrue(d.trace[2].zh.contains("上限4次"))
    }

    func testInvalidPolicyDataIsRejectedWithAMessage() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("missing standards", { $0["standards"] = nil }),
            (
                "level 6",
                { v in
                    var std = v["standards"] as! [String: Any]
                    var occ = std["occupations"] as! [[String: Any]]
                    occ[0]["levels"] = ["6": 1000]
                    std["occupations"] = occ
                    v["standards"] = std
                }
            ),
            (
                "duplicate occupation",
                { v in
                    var std = v["standards"] as! [String: Any]
                    let occ = std["occupations"] as! [[String: Any]]
                    std["occupations"] = occ + [occ[0]]
                    v["standards"] = std
                }
            ),
            (
                "first tranche 160%",
                { v in
                    var kinds = v["offeringKinds"] as! [String: Any]
                    kinds["projectBased"] = [
                        "shareOfStandardPercent": 100, "firstTranchePercent": 160, "employmentThresholdPermille": 850,
                    ]
                    v["offeringKinds"] = kinds
                }
            ),
            ("effective range reversed", { $0["effectiveTo"] = "2018-01-01" }),
            ("impossible date", { $0["effectiveFrom"] = "2019-02-29" }),
            ("unknown group", { $0["fees"] = ["freeGroups": ["G99"], "subsidisedGroups": []] }),
            ("zero per year", { $0["perPersonPerYear"] = ["maxSubsidisedTrainings": 0, "yearOf": "completionDate"] }),
        ]
        for (name, mutate) in cases {
            XCTAssertThrowsError(try mutated(mutate), name) { error in
                XCTAssertTrue(error is PolicyDataError, name)
                XCTAssertFalse("\(error)".isEmpty, name)
            }
        }
        // `extends` must name an earlier version.
        var file = try bundledJSON()
        var versions = file["versions"] as! [[String: Any]]
        versions[1]["extends"] = "dezhou-2019-2021/v9"
        file["versions"] = versions
        XCTAssertThrowsError(try PolicyBook(json: JSONSerialization.data(withJSONObject: file)))
        // Duplicate version ids.
        file = try bundledJSON()
        versions = file["versions"] as! [[String: Any]]
        versions[1]["version"] = versions[0]["version"]
        file["versions"] = versions
        XCTAssertThrowsError(try PolicyBook(json: JSONSerialization.data(withJSONObject: file)))
        XCTAssertThrowsError(try PolicyBook(json: Data("{".utf8)))
    }

    // MARK: - Helpers

    func bundledJSON() throws -> [String: Any] {
        return try JSONSerialization.jsonObject(with: try XCTUnwrap(PolicyBook.bundledJSON())) as! [String: Any]
    }

    /// The bundled file with version 1 changed.
    func mutated(_ change: (inout [String: Any]) -> Void) throws -> PolicyBook {
        var file = try bundledJSON()
        var versions = file["versions"] as! [[String: Any]]
        change(&versions[0])
        file["versions"] = versions
        return try PolicyBook(json: JSONSerialization.data(withJSONObject: file))
    }
}

final class PolicyDateTests: XCTestCase {
    func testValidity() {
        XCTAssertTrue(CivilDate(2020, 2, 29).isValid)
        XCTAssertFalse(CivilDate(2019, 2, 29).isValid)
        XCTAssertFalse(CivilDate(2100, 2, 29).isValid)
        XCTAssertTrue(CivilDate(2000, 2, 29).isValid)
        XCTAssertFalse(CivilDate(2021, 4, 31).isValid)
        XCTAssertFalse(CivilDate(2021, 13, 1).isValid)
        XCTAssertFalse(CivilDate(2021, 0, 1).isValid)
        XCTAssertNil(CivilDate(iso: "2021-02-30"))
        XCTAssertNil(CivilDate(iso: "2021-2-3"))
        XCTAssertNil(CivilDate(iso: "2021/02/03"))
        XCTAssertEqual(CivilDate(iso: "2020-12-31"), CivilDate(2020, 12, 31))
        XCTAssertEqual(CivilDate(2021, 1, 1).description, "2021-01-01")
        XCTAssertLessThan(CivilDate(2020, 12, 31), CivilDate(2021, 1, 1))
    }

    func testDayNumbersRoundTrip() {
        XCTAssertEqual(CivilDate(1970, 1, 1).dayNumber, 0)
        XCTAssertEqual(CivilDate(2020, 1, 1).dayNumber, 18_262)
        for n in stride(from: -700_000, through: 2_900_000, by: 97) {  // years 53 ... 9909
            let d = CivilDate(dayNumber: n)
            XCTAssertTrue(d.isValid, "\(n)")
            XCTAssertEqual(d.dayNumber, n)
        }
    }

    func testShanghaiCivilDateOfAnInstant() {
        // 2019-12-31T15:59:59Z is 23:59:59 in Shanghai; one second later it is 2020-01-01.
        XCTAssertEqual(CivilDate(epochSeconds: 1_577_807_999, utcOffsetSeconds: 28_800), CivilDate(2019, 12, 31))
        XCTAssertEqual(CivilDate(epochSeconds: 1_577_808_000, utcOffsetSeconds: 28_800), CivilDate(2020, 1, 1))
        XCTAssertEqual(CivilDate(epochSeconds: 1_577_808_000, utcOffsetSeconds: 0), CivilDate(2019, 12, 31))
        XCTAssertEqual(CivilDate(epochSeconds: -1, utcOffsetSeconds: 0), CivilDate(1969, 12, 31))
        // Agrees with Foundation's Asia/Shanghai calendar over a range of instants.
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        for s in stride(from: Int64(1_546_300_800), to: 1_640_995_200, by: 86_399 * 3 + 7) {
            let c = cal.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(s)))
            XCTAssertEqual(
                CivilDate(epochSeconds: s, utcOffsetSeconds: 28_800), CivilDate(c.year!, c.month!, c.day!), "\(s)")
        }
    }

    func testCodableAsString() throws {
        let data = try JSONEncoder().encode([CivilDate(2020, 12, 31)])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "[\"2020-12-31\"]")
        XCTAssertEqual(try JSONDecoder().decode([CivilDate].self, from: data), [CivilDate(2020, 12, 31)])
        XCTAssertThrowsError(try JSONDecoder().decode([CivilDate].self, from: Data("[\"31/12/2020\"]".utf8)))
    }
}
