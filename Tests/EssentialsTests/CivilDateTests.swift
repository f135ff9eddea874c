import Foundation
import XCTest

@testable import Essentials

final class CivilDateTests: XCTestCase {
    func testLeapYears() {
        XCTAssertTrue(CivilDate.isLeapYear(2000))
        XCTAssertFalse(CivilDate.isLeapYear(1900))
        XCTAssertTrue(CivilDate.isLeapYear(2020))
        XCTAssertFalse(CivilDate.isLeapYear(2019))
        XCTAssertEqual(CivilDate.daysInMonth(year: 2020, month: 2), 29)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2100, month: 2), 28)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2021, month: 4), 30)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2021, month: 13), 0)
    }

    func testParseAndFormatRoundTrip() {
        for text in ["2020-02-29", "0001-01-01", "9999-12-31", "1970-01-01", "2021-12-31"] {
            XCTAssertEqual(CivilDate(iso: text)?.description, text)
        }
        XCTAssertEqual(CivilDate(2021, 3, 7).description, "2021-03-07")
        XCTAssertEqual(CivilDate(iso: "2020-02-29"), CivilDate(2020, 2, 29))
    }

    func testInvalidDatesAreRefused() {
        for text in [
            "2021-02-29", "2100-02-29", "2021-04-31", "2021-13-01", "2021-00-10", "2021-01-00", "0000-01-01",
            "2021-1-01", "2021/01/01", "2021-01-011", "", "２０２１-01-01", "+021-01-01", "2021-01-0a",
        ] {
            XCTAssertNil(CivilDate(iso: text), text)
        }
        XCTAssertFalse(CivilDate(2021, 2, 30).isValid)
        XCTAssertNil(CivilDate(validating: 2021, 2, 30))
        XCTAssertNil(CivilDate(validating: 10_000, 1, 1))
        XCTAssertEqual(CivilDate(validating: 2024, 2, 29), CivilDate(2024, 2, 29))
    }

    func testDayNumbersRoundTripAcrossEras() {
        XCTAssertEqual(CivilDate(1970, 1, 1).dayNumber, 0)
        XCTAssertEqual(CivilDate(1969, 12, 31).dayNumber, -1)
        XCTAssertEqual(CivilDate(2000, 3, 1).dayNumber, 11_017)
        XCTAssertEqual(CivilDate(1, 1, 1).dayNumber, -719_162)
        var date = CivilDate(1899, 12, 25)
        for _ in 0..<1200 {
            XCTAssertEqual(CivilDate(dayNumber: date.dayNumber), date)
            let next = date.adding(days: 61)
            XCTAssertTrue(date < next)
            XCTAssertEqual(date.days(until: next), 61)
            date = next
        }
    }

    func testDayArithmetic() {
        XCTAssertEqual(CivilDate(2020, 2, 28).adding(days: 1), CivilDate(2020, 2, 29))
        XCTAssertEqual(CivilDate(2021, 2, 28).adding(days: 1), CivilDate(2021, 3, 1))
        XCTAssertEqual(CivilDate(2021, 1, 1).adding(days: -1), CivilDate(2020, 12, 31))
        XCTAssertEqual(CivilDate(2019, 1, 1).days(until: CivilDate(2022, 1, 1)), 365 * 3 + 1)
        XCTAssertEqual(CivilDate(2022, 1, 1).days(until: CivilDate(2019, 1, 1)), -(365 * 3 + 1))
    }

    func testMonthHelpers() {
        let date = CivilDate(2020, 2, 17)
        XCTAssertEqual(date.firstOfMonth, CivilDate(2020, 2, 1))
        XCTAssertEqual(date.lastOfMonth, CivilDate(2020, 2, 29))
        XCTAssertEqual(date.firstOfNextMonth, CivilDate(2020, 3, 1))
        XCTAssertEqual(CivilDate(2021, 12, 5).firstOfNextMonth, CivilDate(2022, 1, 1))
        XCTAssertEqual(date.monthText, "2020-02")
    }

    func testOrderIsTheTextOrder() {
        let dates = [CivilDate(2021, 1, 1), CivilDate(2020, 12, 31), CivilDate(2020, 2, 1), CivilDate(2020, 1, 31)]
        XCTAssertEqual(dates.sorted().map(\.description), dates.map(\.description).sorted())
    }

    func testEpochSecondsAtAnOffset() {
        // 2020-12-31T16:00:00Z is 2021-01-01 00:00 in Shanghai (UTC+8).
        XCTAssertEqual(CivilDate(epochSeconds: 1_609_430_400, utcOffsetSeconds: 28_800), CivilDate(2021, 1, 1))
        XCTAssertEqual(CivilDate(epochSeconds: 1_609_430_399, utcOffsetSeconds: 28_800), CivilDate(2020, 12, 31))
        XCTAssertEqual(CivilDate(epochSeconds: -1, utcOffsetSeconds: 0), CivilDate(1969, 12, 31))
        XCTAssertEqual(CivilDate(epochSeconds: -86_400, utcOffsetSeconds: 0), CivilDate(1969, 12, 31))
    }

    func testCodableKeepsImpossibleDatesForTheirRule() throws {
        struct Box: Codable, Equatable { var date: CivilDate }
        let encoded = try JSONEncoder().encode(Box(date: CivilDate(2021, 3, 7)))
        XCTAssertEqual(String(decoding: encoded, as: UTF8.self), #"{"date":"2021-03-07"}"#)
        XCTAssertEqual(try JSONDecoder().decode(Box.self, from: encoded), Box(date: CivilDate(2021, 3, 7)))
        let impossible = try JSONDecoder().decode(Box.self, from: Data(#"{"date":"2021-02-30"}"#.utf8))
        XCTAssertFalse(impossible.date.isValid)
        XCTAssertThrowsError(try JSONDecoder().decode(Box.self, from: Data(#"{"date":"2021-2-3"}"#.utf8)))
    }
}
