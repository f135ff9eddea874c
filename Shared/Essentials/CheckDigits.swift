/// The check characters of the two national identifiers the platform reads: registration validates
/// them, payment checks employers' codes (R7), the replay generates valid ones.
public enum CheckDigits {
    /// PRC resident ID numbers (公民身份号码, GB 11643-1999): 17 digits (region, birth date
    /// `YYYYMMDD`, sequence) and a check character by ISO 7064 MOD 11-2, `0`...`9` or `X`.
    public enum ResidentID {
        /// The standard's name, quoted in messages.
        public static let standard = "GB 11643-1999"
        /// Weights of the first 17 digits (2^(18-i) mod 11).
        public static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        /// The check character for (weighted sum mod 11) as index.
        public static let checkCharacters: [Character] = Array("10X98765432")

        /// The check character of 17 digits (each 0...9); `nil` unless there are 17 of them.
        public static func checkCharacter(forFirst17 digits: [Int]) -> Character? {
            guard digits.count == 17 else { return nil }
            var sum = 0
            for (digit, weight) in zip(digits, weights) { sum += digit * weight }
            return checkCharacters[sum % 11]
        }

        /// The check character of a 17-character string; `nil` unless it is 17 ASCII digits.
        public static func checkCharacter(forFirst17 text: some StringProtocol) -> Character? {
            var digits: [Int] = []
            for char in text {
                guard let digit = asciiDigit(char) else { return nil }
                digits.append(digit)
            }
            return checkCharacter(forFirst17: digits)
        }

        /// Whether `number` is 17 digits and the right check character (`X` in upper case only).
        public static func isValid(_ number: some StringProtocol) -> Bool {
            guard number.count == 18, let last = number.last else { return false }
            return checkCharacter(forFirst17: number.prefix(17)) == last
        }

        /// The value of an ASCII digit, else `nil`.
        public static func asciiDigit(_ char: Character) -> Int? {
            guard let ascii = char.asciiValue, ascii >= 48, ascii <= 57 else { return nil }
            return Int(ascii - 48)
        }
    }

    /// Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters of the
    /// 31-character alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, Z, S, V); the 18th is
    /// `31 - (sum of value × weight over the first 17 mod 31)`, with 31 written as 0. Lower-case
    /// letters count as upper case.
    public enum CreditCode {
        /// The standard's name, quoted in messages.
        public static let standard = "GB 32100-2015"
        /// The alphabet; a character's value is its index.
        public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        /// Weights of the first 17 characters (3^i mod 31).
        public static let weights: [Int] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

        /// The check value (an index into `alphabet`) of 17 values; `nil` unless there are 17.
        public static func checkValue(forFirst17 values: [Int]) -> Int? {
            guard values.count == 17 else { return nil }
            var sum = 0
            for (value, weight) in zip(values, weights) { sum += value * weight }
            let check = 31 - sum % 31
            return check == 31 ? 0 : check
        }

        /// The check character of 17 characters; `nil` when there are not 17 or one is outside the
        /// alphabet.
        public static func checkCharacter(forFirst17 text: some StringProtocol) -> Character? {
            var values: [Int] = []
            for char in text {
                guard let value = value(of: char) else { return nil }
                values.append(value)
            }
            return checkValue(forFirst17: values).map { alphabet[$0] }
        }

        /// Whether `code` is 17 characters of the alphabet and the right check character.
        public static func isValid(_ code: some StringProtocol) -> Bool {
            guard code.count == 18, let last = code.last else { return false }
            return checkCharacter(forFirst17: code.prefix(17)) == upper(last)
        }

        /// The character's value (after upper-casing), or `nil` outside the alphabet.
        public static func value(of char: Character) -> Int? { alphabet.firstIndex(of: upper(char)) }

        /// ASCII lower case to upper case; anything else unchanged.
        public static func upper(_ char: Character) -> Character {
            guard let ascii = char.asciiValue, ascii >= 97, ascii <= 122 else { return char }
            return Character(Unicode.Scalar(ascii - 32))
        }
    }
}
