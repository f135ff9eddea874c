import XCTest

@testable import RegistrationCore

/// The validators' fast paths read control characters by code point and texts by bytes; they must
/// say what the character-by-character checks say.
final class ControlCharacterTests: XCTestCase {
    func testControlScalarsAreUnicodeCategoryCc() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            XCTAssertEqual(
                isControl(scalar), scalar.properties.generalCategory == .control, "U+\(String(value, radix: 16))")
        }
    }

    func testBlankTextsAsCharactersSayIt() {
        for text in ["", " ", "\t", "\u{3000}", " a", "a", "a ", "~", "\u{7f}", "\u{85}", "é", "\u{2003}x", "!\u{301}"]
        {
            XCTAssertEqual(isBlank(text), text.allSatisfy(\.isWhitespace), text.debugDescription)
        }
    }

    func testTextProblemsAreTheSameAsCountedByCharacter() {
        for text in ["韩霞", "abc", "a\u{0}b", "e\u{301}e\u{301}", "\u{9f}", "\u{a0}", String(repeating: "字", count: 30)]
        {
            var problems = Problems()
            problems.optionalText(text, field: "f", what: "the text", max: 40)
            let expected = text.count > 40 || text.contains(where: isControl)
            XCTAssertEqual(!problems.errors.isEmpty, expected, text.debugDescription)
        }
    }
}
