import Schema
import XCTest

/// The JSON text parser and printer under the proto3 mapping.
final class JSONParserTests: XCTestCase {
    func testParsesEveryKindAndKeepsNumbersLiteral() throws {
        let value = try JSONParser.parse(
            #" {"a": [1, -0.5e3, 18446744073709551615], "b": {"c": null}, "d": true, "e": false, "f": "x"} "#)
        XCTAssertEqual(
            value,
            .object([
                .init("a", .array([.number("1"), .number("-0.5e3"), .number("18446744073709551615")])),
                .init("b", .object([.init("c", .null)])), .init("d", .bool(true)), .init("e", .bool(false)),
                .init("f", .string("x")),
            ]))
    }

    func testStringEscapesAndSurrogatePairs() throws {
        XCTAssertEqual(try JSONParser.parse(#""\u5f20\u4e09 \ud83d\ude00 \"\\\/\n\t""#), .string("张三 😀 \"\\/\n\t"))
        for bad in [#""\ud83d""#, #""\ude00x""#, #""\x""#, "\"a\u{01}\""] {
            XCTAssertThrowsError(try JSONParser.parse(bad), bad)
        }
    }

    func testRefusesWhatJSONDoesNotAllow() {
        for bad in [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", ".5", "+1", "NaN", "'a'", "{a:1}", "[1] [2]", "tru", "1e",
        ] {
            XCTAssertThrowsError(try JSONParser.parse(bad), bad) { error in
                guard case .syntax? = error as? ProtoJSONError else { return XCTFail("\(bad): \(error)") }
            }
        }
        let deep = String(repeating: "[", count: 101) + String(repeating: "]", count: 101)
        XCTAssertThrowsError(try JSONParser.parse(deep))
        XCTAssertNoThrow(try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)))
    }

    func testPrinterEscapesAndIndents() throws {
        let value = JSONValue.object([
            .init("name", .string("张三 \"q\"\n\u{01}")), .init("list", .array([.number("1"), .object([])])),
        ])
        XCTAssertEqual(value.serialized(), #"{"name":"张三 \"q\"\n\u0001","list":[1,{}]}"#)
        XCTAssertEqual(
            value.serialized(pretty: true),
            """
            {
              "name": "张三 \\"q\\"\\n\\u0001",
              "list": [
                1,
                {}
              ]
            }
            """)
        XCTAssertEqual(try JSONParser.parse(value.serialized(pretty: true)), value)
    }
}
