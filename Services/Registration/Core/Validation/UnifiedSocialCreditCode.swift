import Essentials
import Policy

/// A validated unified social credit code (统一社会信用代码, GB 32100-2015).
///
/// 18 characters from the 31-character alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, Z, S,
/// V); the 18th is a check character, `31 - (sum of value × weight over the first 17 mod 31)`, and 31
/// becomes 0 (Essentials' `CheckDigits.CreditCode`).
/// Lower-case letters are accepted and normalised to upper case; nothing else is normalised.
/// Checks, in this order: length, characters, check character.
public struct UnifiedSocialCreditCode: Sendable, Hashable, CustomStringConvertible {
    /// The standard's name, quoted in messages.
    public static let standard = CreditCodeCheck.standard

    /// The normalised code (upper case).
    public let value: String

    /// Validates `string` as the field `field` (the path named in a thrown error).
    public init(validating string: String, field: String = "credit_code") throws(ValidationError) {
        // The check itself is Policy's (CreditCodeCheck, shared with payment's R7 evidence); the
        // typed codes and the hint about never-used letters are registration's.
        switch CreditCodeCheck.problem(in: string) {
        case nil:
            self.value = String(string.map(CheckDigits.CreditCode.upper))
        case .missing?:
            throw ValidationError(field: field, code: .missing, message: CreditCodeCheck.Problem.missing.message)
        case .wrongLength(let count)?:
            throw ValidationError(
                field: field, code: .wrongLength, message: CreditCodeCheck.Problem.wrongLength(count).message)
        case .invalidCharacter(let position, let c)?:
            let hint =
                ["I", "O", "Z", "S", "V"].contains(CheckDigits.CreditCode.upper(c))
                ? "; the letters I, O, Z, S and V are never used" : ""
            throw ValidationError(
                field: field, code: .invalidCharacter,
                message:
                    "character \(position) is \(quoted(c)): only digits and the letters ABCDEFGHJKLMNPQRTUWXY are allowed\(hint) (\(Self.standard))"
            )
        case .wrongCheckCharacter(let expected, let found)?:
            throw ValidationError(
                field: field, code: .wrongCheckCharacter,
                message: CreditCodeCheck.Problem.wrongCheckCharacter(expected: expected, found: found).message)
        }
    }

    /// First 4 and last 4 characters, the rest `*`. Credit codes are public register data; the
    /// mask is for logs that should not carry identifiers in full.
    public var masked: String { PersonalDataMasking.maskKeepingEnds(value, leading: 4, trailing: 4) }

    public var description: String { value }
}
