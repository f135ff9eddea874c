import Essentials
import Schema

/// A validated PRC resident ID number (公民身份号码, GB 11643-1999).
///
/// 18 characters: a 6-digit address (region) code, the 8-digit birth date `YYYYMMDD`, a 3-digit
/// sequence number (odd for men, even for women) and a check character computed with
/// ISO 7064 MOD 11-2 over the first 17 digits (`0`...`9` or `X` for 10). A lower-case `x` is
/// accepted and normalised to `X`; nothing else is normalised (no trimming of spaces).
///
/// Checks, in this order (the first failure is thrown): length, characters, check character,
/// birth date exists, birth date not before 1900-01-01 and not after `today`, region code not
/// `000000`. `today` is passed in (no clock is read), in the policy's time zone.
public struct ResidentIDNumber: Sendable, Hashable, CustomStringConvertible {
    /// The standard's name, quoted in messages.
    public static let standard = CheckDigits.ResidentID.standard
    /// The earliest birth date accepted.
    public static let earliestBirthDate = CivilDate(1900, 1, 1)

    /// The person's sex as the sequence number encodes it.
    public enum Gender: String, Sendable, Hashable {
        case male
        case female
    }

    /// The normalised number (upper-case `X`).
    public let value: String
    public let birthYear: Int
    public let birthMonth: Int
    public let birthDay: Int

    /// Validates `string` as the field `field` (the path named in a thrown error).
    public init(
        validating string: String,
        today: (year: Int, month: Int, day: Int),
        field: String = "id_number"
    ) throws(ValidationError) {
        if let valid = Self.validASCII(string, today: today) {
            self = valid
            return
        }
        let chars = Array(string)
        guard !chars.isEmpty else {
            throw ValidationError(
                field: field, code: .missing,
                message: "a resident ID number is required (18 characters, \(Self.standard))")
        }
        guard chars.count == 18 else {
            throw ValidationError(
                field: field, code: .wrongLength,
                message: "wrong length: a resident ID number has 18 characters, got \(chars.count) (\(Self.standard))")
        }
        var digits: [Int] = []
        digits.reserveCapacity(17)
        for (index, c) in chars.prefix(17).enumerated() {
            guard let d = asciiDigit(c) else {
                throw ValidationError(
                    field: field, code: .invalidCharacter,
                    message:
                        "character \(index + 1) is \(quoted(c)): the first 17 characters must be digits 0-9 (\(Self.standard))"
                )
            }
            digits.append(d)
        }
        var given = chars[17]
        if given == "x" { given = "X" }
        guard asciiDigit(given) != nil || given == "X" else {
            throw ValidationError(
                field: field, code: .invalidCharacter,
                message:
                    "character 18 is \(quoted(chars[17])): the check character must be a digit 0-9 or 'X' (\(Self.standard))"
            )
        }
        // 17 digits were read above, so there is a check character.
        let expected = CheckDigits.ResidentID.checkCharacter(forFirst17: digits) ?? "?"
        guard given == expected else {
            throw ValidationError(
                field: field, code: .wrongCheckCharacter,
                message:
                    "wrong check character: expected '\(expected)', got '\(chars[17])' (\(Self.standard), ISO 7064 MOD 11-2)"
            )
        }
        let year = number(digits[6..<10]), month = number(digits[10..<12]), day = number(digits[12..<14])
        let printed = String(chars[6..<14])
        let birth = CivilDate(year, month, day)
        guard birth.isValid else {
            throw ValidationError(
                field: field, code: .impossibleDate,
                message:
                    "impossible birth date: characters 7-14 are '\(printed)', which is not a date that exists (YYYYMMDD)"
            )
        }
        guard birth >= Self.earliestBirthDate else {
            throw ValidationError(
                field: field, code: .dateTooEarly,
                message: "birth date \(birth) (characters 7-14) is before \(Self.earliestBirthDate)")
        }
        guard birth <= CivilDate(today) else {
            throw ValidationError(
                field: field, code: .dateInFuture,
                message: "birth date \(birth) (characters 7-14) is in the future (today is \(CivilDate(today)))")
        }
        guard digits[0..<6].contains(where: { $0 != 0 }) else {
            throw ValidationError(
                field: field, code: .invalidFormat,
                message: "region code (characters 1-6) is 000000, which names no region (GB/T 2260)")
        }
        self.value = String(chars.prefix(17)) + String(given)
        self.birthYear = year
        self.birthMonth = month
        self.birthDay = day
    }

    private init(value: String, birthYear: Int, birthMonth: Int, birthDay: Int) {
        self.value = value
        self.birthYear = birthYear
        self.birthMonth = birthMonth
        self.birthDay = birthDay
    }

    /// The number when it passes every check, read from its UTF-8 bytes; nil otherwise, and then
    /// `init(validating:)` goes through the characters to say what is wrong. (Splitting every
    /// number into `Character`s was ~4% of a registration server's CPU under RegisterWorker load.)
    private static func validASCII(_ string: String, today: (year: Int, month: Int, day: Int))
        -> ResidentIDNumber?
    {
        let utf8 = string.utf8
        guard utf8.count == 18 else { return nil }
        var digits: [Int] = []
        digits.reserveCapacity(17)
        var last: UInt8 = 0
        for (index, byte) in utf8.enumerated() {
            if index == 17 {
                last = byte
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                digits.append(Int(byte - UInt8(ascii: "0")))
            }
        }
        let given: Character
        switch last {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): given = Character(Unicode.Scalar(last))
        case UInt8(ascii: "x"), UInt8(ascii: "X"): given = "X"
        default: return nil
        }
        let year = number(digits[6..<10]), month = number(digits[10..<12]), day = number(digits[12..<14])
        let birth = CivilDate(year, month, day)
        guard CheckDigits.ResidentID.checkCharacter(forFirst17: digits) == given, birth.isValid,
            birth >= earliestBirthDate, birth <= CivilDate(today), digits[0..<6].contains(where: { $0 != 0 })
        else { return nil }
        let value = last == UInt8(ascii: "x") ? String(string.dropLast()) + "X" : string
        return ResidentIDNumber(value: value, birthYear: year, birthMonth: month, birthDay: day)
    }

    /// The 6-digit region (address) code, e.g. `371402`.
    public var regionCode: String { String(value.prefix(6)) }

    /// The birth date as the contract's `CalendarDate` is filled: (year, month, day).
    public var birthDate: (year: Int, month: Int, day: Int) { (birthYear, birthMonth, birthDay) }

    /// The birth date as the contract's `CalendarDate` (for `Worker.birth_date`).
    public var birthCalendarDate: CalendarDate {
        CalendarDate(year: Int32(birthYear), month: Int32(birthMonth), day: Int32(birthDay))
    }

    /// Odd 17th digit: male; even: female.
    public var gender: Gender {
        let seventeenth = asciiDigit(Array(value)[16]) ?? 0
        return seventeenth % 2 == 1 ? .male : .female
    }

    /// First 4 and last 4 characters, the rest `*`: `3714**********123X`.
    public var masked: String { PersonalDataMasking.maskIDNumber(value) }

    /// The masked form, so a log line never prints the full number by accident.
    public var description: String { masked }
}

/// The value of an ASCII digit character, else `nil`.
func asciiDigit(_ c: Character) -> Int? { CheckDigits.ResidentID.asciiDigit(c) }

extension CivilDate {
    /// The date of a (year, month, day) as validation passes them around.
    init(_ date: (year: Int, month: Int, day: Int)) { self.init(date.year, date.month, date.day) }
}

func number(_ digits: ArraySlice<Int>) -> Int {
    digits.reduce(0) { $0 * 10 + $1 }
}

/// `'A'`, or the code point for invisible characters: `U+0020 (space)`.
func quoted(_ c: Character) -> String {
    if c == " " { return "' ' (a space)" }
    if let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1,
        scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
    {
        return "U+" + String(scalar.value, radix: 16, uppercase: true)
    }
    return "'\(c)'"
}
