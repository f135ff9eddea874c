/// Reads the numbers of the proto3 JSON mapping: integers as JSON numbers or as decimal strings
/// (`"9007199254740993"` stays exact), floating point as numbers or `"NaN"`, `"Infinity"`, `"-Infinity"`.
enum ScalarText {
    static func integer(_ value: JSONValue, in range: ClosedRange<Int64>, path: String) throws(ProtoJSONError) -> Int64
    {
        let text = try numberText(value, path: path)
        let number: Int64
        if let exact = Int64(text) {
            number = exact
        } else if isPlainInteger(text) {
            throw .invalidValue(path: path, reason: "\(text) is out of range \(range.lowerBound)...\(range.upperBound)")
        } else {
            number =
                try integral(text, path: path, lower: -9.223372036854775808e18, upper: 9.223372036854775808e18)
                .map { Int64($0) } ?? 0
        }
        guard range.contains(number) else {
            throw .invalidValue(path: path, reason: "\(text) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    static func unsigned(_ value: JSONValue, max: UInt64, path: String) throws(ProtoJSONError) -> UInt64 {
        let text = try numberText(value, path: path)
        let number: UInt64
        if let exact = UInt64(text) {
            number = exact
        } else if isPlainInteger(text) {
            throw .invalidValue(path: path, reason: "\(text) is out of range 0...\(max)")
        } else {
            number = try integral(text, path: path, lower: 0, upper: 1.8446744073709551616e19).map { UInt64($0) } ?? 0
        }
        guard number <= max else { throw .invalidValue(path: path, reason: "\(text) is out of range 0...\(max)") }
        return number
    }

    static func double(_ value: JSONValue, path: String) throws(ProtoJSONError) -> Double {
        switch value {
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default:
            let text = try numberText(value, path: path)
            guard let number = Double(text), number.isFinite else {
                throw .invalidValue(path: path, reason: "\(text) is out of range for a double")
            }
            return number
        }
    }

    /// The text of a JSON number, or of a string holding one (JSON number syntax, nothing else).
    private static func numberText(_ value: JSONValue, path: String) throws(ProtoJSONError) -> String {
        switch value {
        case .number(let text):
            return text
        case .string(let text):
            guard case .number(let parsed)? = try? JSONParser.parse(text), parsed == text else {
                throw .invalidValue(path: path, reason: "'\(text)' is not a number")
            }
            return text
        default:
            throw .invalidValue(path: path, reason: "expected a number, got \(value.kindDescription)")
        }
    }

    private static func isPlainInteger(_ text: String) -> Bool {
        !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    }

    /// A number written with a fraction or exponent that is still a whole number in [lower, upper).
    private static func integral(_ text: String, path: String, lower: Double, upper: Double) throws(ProtoJSONError)
        -> Double?
    {
        guard let number = Double(text), number.isFinite else {
            throw .invalidValue(path: path, reason: "\(text) is not an integer")
        }
        guard number.rounded(.towardZero) == number else {
            throw .invalidValue(path: path, reason: "\(text) is not an integer")
        }
        guard number >= lower, number < upper else {
            throw .invalidValue(path: path, reason: "\(text) is out of range")
        }
        return number
    }
}
