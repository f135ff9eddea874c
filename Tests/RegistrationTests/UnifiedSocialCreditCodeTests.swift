import Essentials
import XCTest

@testable import RegistrationCore

final class UnifiedSocialCreditCodeTests: XCTestCase {
    func testValidCodes() throws {
        let cases = [
            "91350100M000100Y43",  // the sample code printed in many guides to GB 32100
            creditCode("91371400MA3C12345"),
            creditCode("12371400004934567"),  // public institution (事业单位)
            creditCode("52371400MJD123456"),  // social organisation
            creditCode("91371402166543210"),
        ]
        for code in cases {
            let parsed = try UnifiedSocialCreditCode(validating: code)
            XCTAssertEqual(parsed.value, code)
            XCTAssertEqual(CheckDigits.CreditCode.checkCharacter(forFirst17: String(code.prefix(17))), code.last)
        }
        XCTAssertEqual(creditCode("91350100M000100Y4"), "91350100M000100Y43")
    }

    func testCheckValue31BecomesZeroAndEveryCheckCharacterOccurs() throws {
        var seen = Set<Character>()
        for n in 0..<2000 {
            let s = String(n)
            let code = creditCode("9137140" + String(repeating: "0", count: 10 - s.count) + s)
            seen.insert(code.last!)
            XCTAssertNoThrow(try UnifiedSocialCreditCode(validating: code), code)
        }
        XCTAssertTrue(seen.contains("0"))
        XCTAssertEqual(seen, Set("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    }

    func testLowerCaseIsNormalised() throws {
        let code = try UnifiedSocialCreditCode(validating: "91350100m000100y43")
        XCTAssertEqual(code.value, "91350100M000100Y43")
    }

    func testWrongLength() {
        for value in ["91350100M000100Y4", "91350100M000100Y433", "9135"] {
            assertValidationError(
                { () throws(ValidationError) in
                    try UnifiedSocialCreditCode(validating: value, field: "enterprise.credit_code")
                },
                code: .wrongLength, field: "enterprise.credit_code", contains: "got \(value.count)", value)
        }
        assertValidationError(
            { () throws(ValidationError) in try UnifiedSocialCreditCode(validating: "") }, code: .missing)
    }

    func testLettersOutsideTheAlphabetAreRejected() {
        let valid = creditCode("91371400MA3C12345")
        for (position, letter) in [(9, "I"), (10, "O"), (11, "Z"), (12, "S"), (13, "V"), (1, "i"), (18, "o")] {
            let chars = Array(valid)
            let value = String(chars.prefix(position - 1)) + letter + String(chars.dropFirst(position))
            assertValidationError(
                { () throws(ValidationError) in try UnifiedSocialCreditCode(validating: value) },
                code: .invalidCharacter, field: "credit_code",
                contains: "character \(position) is '\(letter)'", value)
        }
        for bad in ["-", " ", "中", "*"] {
            let value = "9137140" + bad + String(valid.dropFirst(8))
            assertValidationError(
                { () throws(ValidationError) in try UnifiedSocialCreditCode(validating: value) },
                code: .invalidCharacter, contains: "character 8", value)
        }
    }

    func testIOZSVMessageExplains() {
        let error = assertValidationError(
            { () throws(ValidationError) in try UnifiedSocialCreditCode(validating: "91350100I000100Y43") },
            code: .invalidCharacter)
        XCTAssertEqual(error?.message.contains("I, O, Z, S and V are never used"), true)
    }

    func testWrongCheckCharacter() {
        for prefix in ["91371400MA3C12345", "12371400004934567", "91350100M000100Y4"] {
            let wrong = withWrongCreditCheck(creditCode(prefix))
            let error = assertValidationError(
                { () throws(ValidationError) in
                    try UnifiedSocialCreditCode(validating: wrong.code, field: "enterprise.credit_code")
                },
                code: .wrongCheckCharacter, field: "enterprise.credit_code",
                contains: "expected '\(wrong.expected)', got '\(wrong.got)'", wrong.code)
            XCTAssertEqual(error?.message.contains("GB 32100-2015"), true)
        }
        // A swap of two characters is caught.
        assertValidationError(
            { () throws(ValidationError) in try UnifiedSocialCreditCode(validating: "93150100M000100Y43") },
            code: .wrongCheckCharacter)
    }

    func testMasked() throws {
        XCTAssertEqual(try UnifiedSocialCreditCode(validating: "91350100M000100Y43").masked, "9135**********0Y43")
    }
}

final class PhoneNumberTests: XCTestCase {
    func testValidNumbers() throws {
        let cases: [(String, PhoneNumber.Kind, String, String)] = [
            ("13812345678", .mobile, "", "138****5678"),
            ("19912345678", .mobile, "", "199****5678"),
            ("15053401234", .mobile, "", "150****1234"),
            ("0534-2345678", .landline, "0534", "0534-***5678"),
            ("0534-23456789", .landline, "0534", "0534-****6789"),
            ("05342345678", .landline, "0534", "0534***5678"),
            ("010-62345678", .landline, "010", "010-****5678"),
            ("01062345678", .landline, "010", "010****5678"),
            ("0531-82345678", .landline, "0531", "0531-****5678"),
        ]
        for (value, kind, area, masked) in cases {
            let phone = try PhoneNumber(validating: value)
            XCTAssertEqual(phone.kind, kind, value)
            XCTAssertEqual(phone.areaCode, area, value)
            XCTAssertEqual(phone.value, value)
            XCTAssertEqual(phone.masked, masked, value)
            XCTAssertEqual(String(describing: phone), masked)
        }
    }

    func testInvalidNumbers() {
        let cases: [(String, ValidationError.Code, String)] = [
            ("", .missing, "required"),
            ("12812345678", .invalidFormat, "start with 13-19"),
            ("1381234567", .invalidFormat, "not a mobile number"),
            ("138123456789", .invalidFormat, "not a mobile number"),
            ("138-12345678", .invalidFormat, "not a mobile number"),
            ("+8613812345678", .invalidCharacter, "character 1 is '+'"),
            ("138 1234 5678", .invalidCharacter, "character 4 is ' ' (a space)"),
            ("138l2345678", .invalidCharacter, "character 4 is 'l'"),
            ("0534--2345678", .invalidFormat, "more than one hyphen"),
            ("0534-0234567", .invalidFormat, "local number '0234567'"),
            ("0534-234567", .invalidFormat, "7 or 8 digits"),
            ("0534-234567890", .invalidFormat, "7 or 8 digits"),
            ("05-2345678", .invalidFormat, "area code '05'"),
            ("05341-2345678", .invalidFormat, "area code '05341'"),
            ("5342345678", .invalidFormat, "neither 1 (mobile) nor 0"),
            ("-", .invalidFormat, "neither"),
        ]
        for (value, code, message) in cases {
            assertValidationError(
                { () throws(ValidationError) in try PhoneNumber(validating: value, field: "worker.phone") },
                code: code, field: "worker.phone", contains: message, value)
        }
    }
}
