import XCTest

@testable import Essentials

final class CheckDigitsTests: XCTestCase {
    func testResidentIDNumbers() {
        // GB 11643-1999's own example, and one whose check character is X.
        XCTAssertEqual(CheckDigits.ResidentID.checkCharacter(forFirst17: "11010519491231002"), "X")
        XCTAssertTrue(CheckDigits.ResidentID.isValid("11010519491231002X"))
        XCTAssertTrue(CheckDigits.ResidentID.isValid("371402199001011239"))
        XCTAssertFalse(CheckDigits.ResidentID.isValid("371402199001011238"))
        XCTAssertFalse(CheckDigits.ResidentID.isValid("11010519491231002x"))
        XCTAssertFalse(CheckDigits.ResidentID.isValid("37140219900101123"))
        XCTAssertNil(CheckDigits.ResidentID.checkCharacter(forFirst17: "3714021990010112A"))
        XCTAssertNil(CheckDigits.ResidentID.checkCharacter(forFirst17: "371402199001011"))
        XCTAssertNil(CheckDigits.ResidentID.checkCharacter(forFirst17: "３71402199001011２3"))
        XCTAssertNil(CheckDigits.ResidentID.checkCharacter(forFirst17: [1, 2]))
    }

    func testEveryResidentIDCheckCharacterIsReachable() {
        var seen = Set<Character>()
        for sequence in 0..<200 {
            let first17 = "37140219900101" + String(1000 + sequence).suffix(3)
            guard let check = CheckDigits.ResidentID.checkCharacter(forFirst17: first17) else {
                return XCTFail(first17)
            }
            seen.insert(check)
            XCTAssertTrue(CheckDigits.ResidentID.isValid(first17 + String(check)))
        }
        XCTAssertEqual(seen, Set("0123456789X"))
    }

    func testCreditCodes() {
        XCTAssertEqual(CheckDigits.CreditCode.checkCharacter(forFirst17: "91350100M000100Y4"), "3")
        XCTAssertTrue(CheckDigits.CreditCode.isValid("91350100M000100Y43"))
        XCTAssertTrue(CheckDigits.CreditCode.isValid("91350100m000100y43"))
        XCTAssertFalse(CheckDigits.CreditCode.isValid("91350100M000100Y44"))
        XCTAssertNil(CheckDigits.CreditCode.checkCharacter(forFirst17: "91350100I000100Y4"))
        XCTAssertNil(CheckDigits.CreditCode.checkCharacter(forFirst17: "91350100M000100Y"))
        XCTAssertEqual(CheckDigits.CreditCode.value(of: "y"), 30)
        XCTAssertNil(CheckDigits.CreditCode.value(of: "O"))
        XCTAssertNil(CheckDigits.CreditCode.checkValue(forFirst17: [1]))
    }

    func testCreditCodeCheckValueZeroIsWrittenAsZero() {
        // A prefix whose weighted sum is a multiple of 31 gets check value 0, not 31.
        XCTAssertEqual(CheckDigits.CreditCode.checkValue(forFirst17: Array(repeating: 0, count: 17)), 0)
        XCTAssertTrue(CheckDigits.CreditCode.isValid("000000000000000000"))
    }
}
