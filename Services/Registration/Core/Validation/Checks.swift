import Essentials
import Schema

/// Collects the problems of one request, in field order.
struct Problems {
    var errors: [ValidationError] = []

    mutating func add(_ field: String, _ code: ValidationError.Code, _ message: String) {
        errors.append(ValidationError(field: field, code: code, message: message))
    }

    mutating func add(_ error: ValidationError) {
        errors.append(error)
    }

    /// Runs a throwing validator and records its error; returns its value.
    mutating func check<T>(_ body: () throws(ValidationError) -> T) -> T? {
        do {
            return try body()
        } catch {
            errors.append(error)
            return nil
        }
    }

    /// `request_id`: non-empty, at most `RequestChecks.maxRequestIDLength` characters, printable.
    mutating func requestID(_ value: String, field: String = "request_id") {
        text(value, field: field, what: "the idempotency key", max: RequestChecks.maxRequestIDLength)
    }

    /// A required text: non-empty (not only spaces), at most `max` characters, no control characters.
    mutating func text(_ value: String, field: String, what: String, max: Int) {
        if isBlank(value) {
            add(field, .missing, "\(what) is required")
            return
        }
        optionalText(value, field: field, what: what, max: max)
    }

    /// An optional text: when set, at most `max` characters and no control characters.
    mutating func optionalText(_ value: String, field: String, what: String, max: Int) {
        // Most texts pass: no more bytes than `max` characters, no control scalar (Cc is exactly
        // U+0000-001F and U+007F-009F). Only a text that may fail is split into characters.
        if value.utf8.count <= max, !value.unicodeScalars.contains(where: isControl) { return }
        let count = value.count
        if count > max {
            add(field, .tooLong, "\(what) is too long: at most \(max) characters, got \(count)")
            return
        }
        if let (index, c) = value.enumerated().first(where: { isControl($0.element) }) {
            add(field, .invalidCharacter, "character \(index + 1) of \(what) is a control character (\(quoted(c)))")
        }
    }

    /// A required enum: recognized and not `..._UNSPECIFIED`.
    mutating func enumValue(
        field: String, typeName: String, isRecognized: Bool, isUnspecified: Bool, rawValue: Int32,
        unspecifiedName: String, allowed: [String]
    ) {
        let choices = allowed.joined(separator: ", ")
        if !isRecognized {
            add(field, .unrecognizedValue, "unknown \(typeName) value \(rawValue); expected one of \(choices)")
        } else if isUnspecified {
            add(field, .unspecifiedValue, "\(unspecifiedName) is not allowed: set one of \(choices)")
        }
    }

    /// An optional `CalendarDate` (all zero = unset): when set it must exist; with `notAfter`, it
    /// must not be later than that day. Returns the date when set and valid.
    @discardableResult
    mutating func optionalDate(
        _ date: CalendarDate?, field: String, what: String, notAfter today: (year: Int, month: Int, day: Int)? = nil
    ) -> (year: Int, month: Int, day: Int)? {
        guard let date, !(date.year == 0 && date.month == 0 && date.day == 0) else { return nil }
        let y = Int(date.year), m = Int(date.month), d = Int(date.day)
        let given = CivilDate(y, m, d)
        guard given.isValid else {
            add(field, .impossibleDate, "\(what) \(y)-\(m)-\(d) (year, month, day) is not a date that exists")
            return nil
        }
        if let today = today.map({ CivilDate($0) }), today < given {
            add(
                field, .dateInFuture, "\(what) \(given) is in the future (today is \(today))"
            )
            return nil
        }
        return (y, m, d)
    }

    /// An optional county/district code (GB/T 2260): when set, 6 digits.
    mutating func district(_ value: String, field: String) {
        guard !value.isEmpty else { return }
        if value.utf8.count == 6, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return
        }
        if value.count != 6 || value.contains(where: { asciiDigit($0) == nil }) {
            add(
                field, .invalidFormat,
                "a district code has 6 digits (GB/T 2260, e.g. 371402 for Decheng, Dezhou), got '\(value)'")
        }
    }

    /// A list of codes: each non-blank, no duplicates; with `required`, at least one.
    mutating func codeList(_ values: [String], field: String, what: String, required: Bool, maxLength: Int = 64) {
        if values.isEmpty && required {
            add(field, .missing, "at least one \(what) is required")
            return
        }
        var seen: [String: Int] = [:]
        for (index, value) in values.enumerated() {
            let path = "\(field)[\(index)]"
            if isBlank(value) {
                add(path, .missing, "\(what) must not be empty")
                continue
            }
            if let first = seen[value] {
                add(path, .duplicate, "\(what) '\(value)' is listed twice (also \(field)[\(first)])")
                continue
            }
            seen[value] = index
            optionalText(value, field: path, what: what, max: maxLength)
        }
    }
}

/// Limits shared by the request validators.
public enum RequestChecks {
    /// Longest accepted `request_id`.
    public static let maxRequestIDLength = 128
    /// Longest accepted person name.
    public static let maxPersonNameLength = 64
    /// Longest accepted organisation name, school, address or note.
    public static let maxOrganisationNameLength = 128
    /// Longest accepted free-text note (review notes).
    public static let maxNoteLength = 1024
}

func isBlank(_ value: String) -> Bool {
    // A first character that starts with a printable ASCII scalar other than space is not blank.
    if let first = value.utf8.first, first > 0x20, first < 0x7F { return false }
    return value.allSatisfy { $0.isWhitespace }
}

func isControl(_ c: Character) -> Bool {
    c.unicodeScalars.contains(where: isControl)
}

/// Whether `scalar` is in Unicode's general category Cc (a fixed set: U+0000-001F, U+007F-009F).
func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}
