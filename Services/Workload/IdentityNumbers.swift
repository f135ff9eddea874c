import Policy

/// Resident ID numbers (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence and
/// an ISO 7064 MOD 11-2 check character.
public enum ResidentIDNumbers {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters = Array("10X98765432")

    /// The check character of the first 17 digits; nil unless they are 17 ASCII digits.
    public static func checkCharacter(first17: String) -> Character? {
        let digits = first17.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == 17, first17.count == 17 else { return nil }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    /// A number for `region`, born on `birth`, with sequence number `sequence` (0...999).
    public static func make(region: String, birth: CivilDay, sequence: Int) -> String {
        func pad(_ n: Int, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let first17 = region + pad(birth.year, 4) + pad(birth.month, 2) + pad(birth.day, 2) + pad(sequence % 1000, 3)
        return first17 + String(checkCharacter(first17: first17) ?? "0")
    }

    public static func isValid(_ number: String) -> Bool {
        guard number.count == 18, let last = number.last else { return false }
        return checkCharacter(first17: String(number.prefix(17))) == last
    }
}

/// Unified social credit codes (GB 32100-2015): 17 characters of the 31-character alphabet and a
/// MOD 31 check character (the check is Policy's `CreditCodeCheck`, which the services use).
public enum CreditCodes {
    static let alphabet = CreditCodeCheck.alphabet

    /// The check character of the first 17 characters; nil when one is outside the alphabet.
    public static func checkCharacter(first17: String) -> Character? {
        let values = first17.compactMap { CreditCodeCheck.value(of: $0) }
        guard values.count == 17, first17.count == 17 else { return nil }
        return alphabet[CreditCodeCheck.checkValue(forFirst17: values)]
    }

    /// A code of an enterprise (`91`) registered in `region`, numbered `serial` (distinct serials
    /// below 31^9 give distinct codes).
    public static func make(region: String = "371402", serial: Int, kind: String = "91") -> String {
        var organisation: [Character] = []
        var rest = serial
        for _ in 0..<9 {
            organisation.append(alphabet[rest % 31])
            rest /= 31
        }
        let first17 = kind + region + String(organisation.reversed())
        return first17 + String(checkCharacter(first17: first17) ?? "0")
    }

    public static func isValid(_ code: String) -> Bool {
        guard code.count == 18, let last = code.last else { return false }
        return checkCharacter(first17: String(code.prefix(17))) == last
    }
}
