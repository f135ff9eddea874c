import XCTest

@testable import Essentials

final class Base64Tests: XCTestCase {
    func testEncodeKnownVectors() {
        XCTAssertEqual(Base64.encode([]), "")
        XCTAssertEqual(Base64.encode(Array("f".utf8)), "Zg==")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(Base64.encode(Array("foo".utf8)), "Zm9v")
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Base64.encode([0, 1, 255]), "AAH/")
        XCTAssertEqual(Base64.encode([0xFB, 0xFF]), "+/8=")
        XCTAssertEqual(Base64.encode([0xFB, 0xFF], urlSafe: true), "-_8=")
        XCTAssertEqual(Base64.encode([0xFB, 0xFF], urlSafe: true, padded: false), "-_8")
        XCTAssertEqual(Base64.encode(Array("f".utf8), padded: false), "Zg")
    }

    func testDecodeWithAndWithoutPadding() {
        XCTAssertEqual(Base64.decode("Zg=="), Array("f".utf8))
        XCTAssertEqual(Base64.decode("Zg"), Array("f".utf8))
        XCTAssertEqual(Base64.decode("Zm8="), Array("fo".utf8))
        XCTAssertEqual(Base64.decode("Zm8"), Array("fo".utf8))
        XCTAssertEqual(Base64.decode("Zm9vYmFy"), Array("foobar".utf8))
        XCTAssertEqual(Base64.decode(""), [])
        XCTAssertEqual(Base64.decode("+/8"), [0xFB, 0xFF])
    }

    func testAlphabets() {
        XCTAssertNil(Base64.decode("-_8"))
        XCTAssertEqual(Base64.decode("-_8", alphabets: .urlSafe), [0xFB, 0xFF])
        XCTAssertNil(Base64.decode("+/8", alphabets: .urlSafe))
        XCTAssertEqual(Base64.decode("+_8=", alphabets: [.standard, .urlSafe]), [0xFB, 0xFF])
    }

    func testDecodeRejectsInvalidInput() {
        for text in ["Z", "Zm9vY", "Zm9v!", "Zm 9v", "Zm9v\n", "Zé==", "Zg=", "Zg===", "Z===", "Zm=9", "=", "Zm9v===="]
        {
            XCTAssertNil(Base64.decode(text, alphabets: [.standard, .urlSafe]), "'\(text)' decoded")
        }
    }

    func testRandomBytesRoundTripInEveryVariant() {
        var random = SeededRandom(seed: 64)
        for length in 0..<100 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            for urlSafe in [false, true] {
                for padded in [false, true] {
                    let text = Base64.encode(bytes, urlSafe: urlSafe, padded: padded)
                    XCTAssertEqual(text.count % 4 == 0, padded || length % 3 == 0, text)
                    XCTAssertEqual(Base64.decode(text, alphabets: urlSafe ? .urlSafe : .standard), bytes, text)
                    XCTAssertEqual(Base64.decode(Substring(text), alphabets: [.standard, .urlSafe]), bytes, text)
                }
            }
        }
    }
}
