// How the rules word money, rates, groups and payees in their trace lines (no Foundation).

/// 1234 fen -> "12.34元".
func yuanZH(_ fen: Int64) -> String { yuanDigits(fen) + "元" }
/// 1234 fen -> "CNY 12.34".
func yuanEN(_ fen: Int64) -> String { "CNY " + yuanDigits(fen) }

func yuanDigits(_ fen: Int64) -> String {
    let m = fen.magnitude
    let cents = m % 100
    return (fen < 0 ? "-" : "") + String(m / 100) + (cents < 10 ? ".0" : ".") + String(cents)
}

/// 849 -> "84.9%".
func permilleText(_ p: Int) -> String { "\(p / 10).\(p % 10)%" }

func ordinalEN(_ n: Int) -> String {
    let tens = n % 100
    if tens >= 11 && tens <= 13 { return "\(n)th" }
    switch n % 10 {
    case 1: return "\(n)st"
    case 2: return "\(n)nd"
    case 3: return "\(n)rd"
    default: return "\(n)th"
    }
}

func groupsZH(_ g: [Group]) -> String { g.map { "\($0.rawValue)\($0.titleZH)" }.joined(separator: "、") }
func groupsEN(_ g: [Group]) -> String { g.map { "\($0.rawValue) \($0.titleEN)" }.joined(separator: ", ") }

func payeeZH(_ p: Payee) -> String {
    switch p.kind {
    case .worker: "劳动者\(p.id)"
    case .enterprise: "企业\(p.id)"
    case .institution: "培训机构\(p.id)"
    }
}

func payeeEN(_ p: Payee) -> String {
    switch p.kind {
    case .worker: "worker \(p.id)"
    case .enterprise: "enterprise \(p.id)"
    case .institution: "institution \(p.id)"
    }
}
