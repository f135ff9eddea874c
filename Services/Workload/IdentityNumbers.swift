import Essentials

/// Resident ID numbers (GB 11643-1999) for the synthetic population: 6-digit region, 8-digit birth
/// date, 3-digit sequence and the check character (Essentials' `CheckDigits.ResidentID`).
public enum ResidentIDNumbers {
    /// A number for `region`, born on `birth`, with sequence number `sequence` (0...999).
    public static func make(region: String, birth: CivilDate, sequence: Int) -> String {
        func pad(_ n: Int, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let first17 = region + pad(birth.year, 4) + pad(birth.month, 2) + pad(birth.day, 2) + pad(sequence % 1000, 3)
        return first17 + String(CheckDigits.ResidentID.checkCharacter(forFirst17: first17) ?? "0")
    }
}

/// Unified social credit codes (GB 32100-2015) for the synthetic enterprises and institutions: 17
/// characters of the 31-character alphabet and the check character (`CheckDigits.CreditCode`).
public enum CreditCodes {
    /// A code of an enterprise (`91`) registered in `region`, numbered `serial` (distinct serials
    /// below 31^9 give distinct codes).
    public static func make(region: String = "371402", serial: Int, kind: String = "91") -> String {
        let alphabet = CheckDigits.CreditCode.alphabet
        var organisation: [Character] = []
        var rest = serial
        for _ in 0..<9 {
            organisation.append(alphabet[rest % 31])
            rest /= 31
        }
        let first17 = kind + region + String(organisation.reversed())
        return first17 + String(CheckDigits.CreditCode.checkCharacter(forFirst17: first17) ?? "0")
    }
}
