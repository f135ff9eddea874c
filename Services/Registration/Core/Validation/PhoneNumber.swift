/// A validated mainland China phone number: a mobile number (11 digits, `1[3-9]` then 9 digits,
/// e.g. `13812345678`) or a landline with its area code (`0534-1234567`: area code `0` + 2 or 3
/// digits, a hyphen, a 7- or 8-digit local number not starting with 0 or 1; the hyphen may be left
/// out, `05341234567`, when the area code is one of the 3-digit or 4-digit forms the total length
/// determines). Only ASCII digits and at most one hyphen are accepted — no spaces, no `+86`.
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case mobile
        case landline
    }

    /// The number as given (digits, and the hyphen of a landline if there was one).
    public let value: String
    public let kind: Kind
    /// The landline's area code (`0534`); empty for a mobile number.
    public let areaCode: String

    /// Dezhou's area code.
    public static let dezhouAreaCode = "0534"

    public init(validating string: String, field: String = "phone") throws(ValidationError) {
        let chars = Array(string)
        guard !chars.isEmpty else {
            throw ValidationError(field: field, code: .missing, message: "a phone number is required")
        }
        var hyphens = 0
        for (index, c) in chars.enumerated() {
            if c == "-" {
                hyphens += 1
                continue
            }
            guard asciiDigit(c) != nil else {
                throw ValidationError(
                    field: field, code: .invalidCharacter,
                    message:
                        "character \(index + 1) is \(quoted(c)): a phone number has only digits and at most one hyphen (e.g. 13812345678 or 0534-1234567)"
                )
            }
        }
        let shapeHelp =
            "expected a mobile number of 11 digits starting 13-19 (13812345678) or a landline with area code (0534-1234567)"
        guard hyphens <= 1 else {
            throw ValidationError(
                field: field, code: .invalidFormat,
                message: "more than one hyphen in '\(string)': \(shapeHelp)")
        }
        if chars.first == "1" {
            guard hyphens == 0, chars.count == 11 else {
                throw ValidationError(
                    field: field, code: .invalidFormat,
                    message: "'\(string)' is not a mobile number: \(shapeHelp)")
            }
            guard let second = asciiDigit(chars[1]), second >= 3 else {
                throw ValidationError(
                    field: field, code: .invalidFormat,
                    message: "'\(string)': mobile numbers start with 13-19, got '1\(chars[1])'")
            }
            self.value = string
            self.kind = .mobile
            self.areaCode = ""
            return
        }
        guard chars.first == "0" else {
            throw ValidationError(
                field: field, code: .invalidFormat,
                message: "'\(string)' starts with neither 1 (mobile) nor 0 (area code): \(shapeHelp)")
        }
        let area: [Character]
        let local: [Character]
        if let hyphen = chars.firstIndex(of: "-") {
            area = Array(chars[..<hyphen])
            local = Array(chars[(hyphen + 1)...])
        } else {
            // Without a hyphen: 3-digit area codes (010, 020-029) are followed by 8 digits,
            // 4-digit ones by 7 or 8.
            let isThreeDigitArea = chars.count >= 3 && (chars[1] == "1" || chars[1] == "2")
            let areaLength = isThreeDigitArea ? 3 : 4
            area = Array(chars.prefix(areaLength))
            local = Array(chars.dropFirst(areaLength))
        }
        guard (3...4).contains(area.count) else {
            throw ValidationError(
                field: field, code: .invalidFormat,
                message:
                    "area code '\(String(area))' must be 0 followed by 2 or 3 digits (Dezhou: \(Self.dezhouAreaCode))")
        }
        guard (7...8).contains(local.count), let firstLocal = local.first.flatMap(asciiDigit), firstLocal >= 2 else {
            throw ValidationError(
                field: field, code: .invalidFormat,
                message:
                    "local number '\(String(local))' after area code \(String(area)) must be 7 or 8 digits not starting with 0 or 1 (e.g. 0534-1234567)"
            )
        }
        self.value = string
        self.kind = .landline
        self.areaCode = String(area)
    }

    /// Mobile: first 3 and last 4 digits (`138****5678`); landline: the area code and the last 4
    /// digits (`0534-***4567`).
    public var masked: String { PersonalDataMasking.maskPhone(value) }

    /// The masked form, so a log line never prints the full number by accident.
    public var description: String { masked }
}
