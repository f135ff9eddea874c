import Essentials
import Schema
import XCTest

@testable import RegistrationCore

final class ResidentIDNumberTests: XCTestCase {
    func testHelperMatchesTheStandardsExample() {
        // GB 11643-1999's own example number.
        XCTAssertEqual(residentID("11010519491231002"), "11010519491231002X")
        XCTAssertEqual(CheckDigits.ResidentID.checkCharacter(forFirst17: "11010519491231002"), "X")
    }

    func testValidNumbers() throws {
        let cases: [(id: String, birth: (Int, Int, Int), gender: ResidentIDNumber.Gender)] = [
            ("11010519491231002X", (1949, 12, 31), .female),
            (residentID(birth: "19900307", sequence: "123"), (1990, 3, 7), .male),
            (residentID(region: "371422", birth: "19851111", sequence: "046"), (1985, 11, 11), .female),
            (residentID(birth: "20000229"), (2000, 2, 29), .male),  // leap day (divisible by 400)
            (residentID(birth: "20160229"), (2016, 2, 29), .male),  // leap day
            (residentID(birth: "19000101"), (1900, 1, 1), .male),  // earliest accepted
            (residentID(birth: "20200615"), (2020, 6, 15), .male),  // born today
        ]
        for c in cases {
            let id = try ResidentIDNumber(validating: c.id, today: today)
            XCTAssertEqual(id.value, c.id)
            XCTAssertTrue(id.birthDate == (c.birth.0, c.birth.1, c.birth.2), c.id)
            XCTAssertEqual(id.gender, c.gender, c.id)
            XCTAssertEqual(
                id.birthCalendarDate,
                CalendarDate(year: Int32(c.birth.0), month: Int32(c.birth.1), day: Int32(c.birth.2)))
        }
    }

    func testLowerCaseXIsAcceptedAndNormalised() throws {
        let id = try ResidentIDNumber(validating: "11010519491231002x", today: today)
        XCTAssertEqual(id.value, "11010519491231002X")
        XCTAssertEqual(id, try ResidentIDNumber(validating: "11010519491231002X", today: today))
    }

    func testCheckCharacterXIsFoundAndVerified() throws {
        // Find a sequence whose check character is X, and one whose check is each digit.
        var seen = Set<Character>()
        for seq in 0..<1000 {
            let s = String(seq)
            let id = residentID(birth: "19780512", sequence: String(repeating: "0", count: 3 - s.count) + s)
            seen.insert(id.last!)
            XCTAssertNoThrow(try ResidentIDNumber(validating: id, today: today), id)
        }
        XCTAssertEqual(seen, Set("0123456789X"))
    }

    func testWrongLength() {
        for value in [
            "1101051949123100", "11010519491231002", "11010519491231002X1", "110105194912310", "11010519491231002X ",
        ] {
            assertValidationError(
                { () throws(ValidationError) in try ResidentIDNumber(validating: value, today: today) },
                code: .wrongLength, field: "id_number", contains: "18 characters, got \(value.count)", value)
        }
        assertValidationError(
            { () throws(ValidationError) in try ResidentIDNumber(validating: "", today: today) },
            code: .missing, field: "id_number")
    }

    func testNonDigitCharacters() {
        let valid = residentID(birth: "19900307")
        let cases: [(String, String)] = [
            ("A" + valid.dropFirst(), "character 1 is 'A'"),
            (String(valid.prefix(9)) + "O" + valid.dropFirst(10), "character 10 is 'O'"),
            (String(valid.prefix(16)) + "X" + String(valid.suffix(1)), "character 17 is 'X'"),  // X only as check
            (String(valid.prefix(17)) + "Y", "character 18 is 'Y'"),
            (String(valid.prefix(17)) + "-", "character 18 is '-'"),
            ("３" + valid.dropFirst(), "character 1 is '３'"),  // full-width digit
            (" " + valid.dropFirst(), "a space"),
        ]
        for (value, message) in cases {
            assertValidationError(
                { () throws(ValidationError) in try ResidentIDNumber(validating: value, today: today) },
                code: .invalidCharacter, field: "id_number", contains: message, value)
        }
    }

    func testWrongCheckCharacterNamesTheExpectedOne() throws {
        for birth in ["19900307", "19491231", "20000229", "19780512"] {
            for seq in ["001", "002", "123", "999"] {
                let wrong = withWrongCheck(residentID(birth: birth, sequence: seq))
                let error = assertValidationError(
                    { () throws(ValidationError) in
                        try ResidentIDNumber(validating: wrong.id, today: today, field: "worker.id_number")
                    },
                    code: .wrongCheckCharacter, field: "worker.id_number",
                    contains: "expected '\(wrong.expected)', got '\(wrong.got)'", wrong.id)
                XCTAssertEqual(error?.message.contains("GB 11643-1999"), true)
            }
        }
        let error = assertValidationError(
            { () throws(ValidationError) in
                try ResidentIDNumber(validating: "110105194912310025", today: today, field: "worker.id_number")
            },
            code: .wrongCheckCharacter)
        XCTAssertEqual(
            error?.description,
            "worker.id_number: wrong check character: expected 'X', got '5' (GB 11643-1999, ISO 7064 MOD 11-2)")
    }

    func testImpossibleBirthDates() {
        for birth in [
            "19000229", "20190229", "21000229", "19901301", "19900001", "19900100", "19900431", "19900632", "00000000",
        ] {
            let id = residentID(birth: birth)
            assertValidationError(
                { () throws(ValidationError) in try ResidentIDNumber(validating: id, today: today) },
                code: .impossibleDate, field: "id_number", contains: "'\(birth)'", birth)
        }
    }

    func testBirthDateRange() {
        for birth in ["20200616", "20210101", "20991231"] {
            assertValidationError(
                { () throws(ValidationError) in try ResidentIDNumber(validating: residentID(birth: birth), today: today)
                },
                code: .dateInFuture, contains: "in the future (today is 2020-06-15)", birth)
        }
        for birth in ["18991231", "18800101"] {
            assertValidationError(
                { () throws(ValidationError) in try ResidentIDNumber(validating: residentID(birth: birth), today: today)
                },
                code: .dateTooEarly, contains: "before 1900-01-01", birth)
        }
        // GB 11643-1999's second example (born 1880) is well-formed but before 1900.
        assertValidationError(
            { () throws(ValidationError) in try ResidentIDNumber(validating: "440524188001010014", today: today) },
            code: .dateTooEarly)
    }

    func testRegionCodeMustNotBeAllZero() {
        assertValidationError(
            { () throws(ValidationError) in
                try ResidentIDNumber(validating: residentID(region: "000000", birth: "19900307"), today: today)
            },
            code: .invalidFormat, contains: "000000")
        XCTAssertNoThrow(
            try ResidentIDNumber(validating: residentID(region: "000001", birth: "19900307"), today: today))
    }

    func testMaskingAndDescription() throws {
        let id = try ResidentIDNumber(validating: residentID(birth: "19900307"), today: today)
        XCTAssertEqual(id.masked, "3714**********" + String(id.value.suffix(4)))
        XCTAssertEqual(id.masked.count, 18)
        XCTAssertEqual(String(describing: id), id.masked)
        XCTAssertEqual(
            try ResidentIDNumber(validating: "11010519491231002X", today: today).masked, "1101**********002X")
        XCTAssertEqual(id.regionCode, "371402")
    }
}
