import Schema
import XCTest

@testable import RegistrationCore

/// "Today" for every test: a fixed day, no clock.
let today = (year: 2020, month: 6, day: 15)

/// Independent ISO 7064 MOD 11-2 (written from the standard, not from the library): appends the
/// check character to 17 digits.
func residentID(_ first17: String) -> String {
    precondition(first17.count == 17)
    var sum = 0
    for (i, c) in first17.enumerated() {
        let weight = (1 << (17 - i)) % 11  // 2^(18-i-1) mod 11, i counted from 0
        sum += Int(String(c))! * weight
    }
    let check = (12 - sum % 11) % 11
    return first17 + (check == 10 ? "X" : String(check))
}

/// A valid resident ID number: region + birth YYYYMMDD + 3-digit sequence + computed check.
func residentID(region: String = "371402", birth: String, sequence: String = "123") -> String {
    residentID(region + birth + sequence)
}

/// The same number with a wrong check character (the next one in "0123456789X").
func withWrongCheck(_ id: String) -> (id: String, expected: Character, got: Character) {
    let alphabet = Array("0123456789X")
    let expected = id.last!
    let got = alphabet[(alphabet.firstIndex(of: expected)! + 1) % alphabet.count]
    return (String(id.dropLast()) + String(got), expected, got)
}

/// Independent GB 32100-2015 check: appends the check character to 17 characters.
func creditCode(_ first17: String) -> String {
    let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    precondition(first17.count == 17)
    var sum = 0
    var weight = 1
    for c in first17 {
        sum += alphabet.firstIndex(of: c)! * weight
        weight = weight * 3 % 31
    }
    let check = (31 - sum % 31) % 31
    return first17 + String(alphabet[check])
}

func withWrongCreditCheck(_ code: String) -> (code: String, expected: Character, got: Character) {
    let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    let expected = code.last!
    let got = alphabet[(alphabet.firstIndex(of: expected)! + 1) % alphabet.count]
    return (String(code.dropLast()) + String(got), expected, got)
}

/// Asserts that `body` throws a `ValidationError` with `code` (and `field`, and a message
/// containing `contains`); returns it.
@discardableResult
func assertValidationError<T>(
    _ body: () throws(ValidationError) -> T, code: ValidationError.Code, field: String? = nil,
    contains: String? = nil, _ label: String = "", file: StaticString = #filePath, line: UInt = #line
) -> ValidationError? {
    do {
        let value = try body()
        XCTFail("\(label): expected \(code), got a valid value \(value)", file: file, line: line)
        return nil
    } catch {
        XCTAssertEqual(error.code, code, "\(label): \(error)", file: file, line: line)
        if let field { XCTAssertEqual(error.field, field, "\(label)", file: file, line: line) }
        if let contains {
            XCTAssertTrue(
                error.message.contains(contains), "\(label): '\(error.message)' lacks '\(contains)'", file: file,
                line: line)
        }
        return error
    }
}

/// A valid employer credit code used throughout.
let employerCode = creditCode("91371400MA3C12345")

/// A complete, valid worker.
func validWorker() -> Worker {
    Worker(
        idNumber: residentID(birth: "19900307"),
        name: "张三",
        phone: "13812345678",
        hukou: .rural,
        categories: [
            CategoryFact(category: .g1EnterpriseEmployee, employerCreditCode: employerCode),
            CategoryFact(category: .g6TwoAfterYouth, lowIncomeFamily: true, rural: true),
            CategoryFact(category: .g8Unemployed, evidenceReference: "DZ-2020-000123"),
        ],
        district: "371402"
    )
}
