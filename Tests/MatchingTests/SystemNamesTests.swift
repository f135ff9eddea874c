import Foundation
import XCTest

@testable import MatchingCore

/// Matching's copy of an institution's system names is stored as JSON; `systemNames` reads it
/// without JSONDecoder in the usual case and must read exactly what JSONDecoder reads.
final class SystemNamesTests: XCTestCase {
    private func decoded(_ json: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(json.utf8))
    }

    func testReadsWhatJSONEncoderWrote() throws {
        let lists: [[String]] = [
            [], ["institution-dev"], ["inst-a", "inst-b", "inst-c"], ["德州职业培训学校", "x"], ["a/b"], ["quote\"d"],
            ["back\\slash"], ["tab\there"], ["]", ",", "[", ""], ["\u{7f}"],
        ]
        for names in lists {
            let json = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
            XCTAssertEqual(MatchingStore.systemNames(json), names, json)
        }
    }

    func testAgreesWithJSONDecoderOnOtherText() {
        for json in [
            "", "[", "]", "[]", "[ ]", "[\"a\"", "\"a\"]", "[\"a\",]", "[,\"a\"]", "[\"a\" ,\"b\"]", "[\"a\"]x",
            "[\"a\"\"b\"]", "[\"a\",\"b\",\"c\"]", "[1]", "[\"a\",1]", "null", "{}", "[\"\\u0041\"]", "[\"a\nb\"]",
        ] {
            XCTAssertEqual(MatchingStore.systemNames(json), decoded(json), json)
        }
    }
}
