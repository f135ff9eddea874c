/// How wide a line of SVG text is drawn, estimated without the font, on the generous side so a
/// layout built on it never cuts text off: a CJK or full-width character takes a full em (they
/// are square in every CJK font), the widest Latin letters (M, W, m, w) and @ % a full em, other
/// capitals 0.8 em, a space 0.35 em and everything else 0.65 em (DejaVu Sans, the widest fallback
/// the chart names, draws digits at 0.64 em and most lower-case letters narrower). Bold adds 10%.
/// Tests/Interop/test_progress_report.py measures the chart's SVG by the same rule.
enum TextMeasure {
    /// The width in pixels of `text` at `size` pixels.
    static func width(_ text: String, size: Int, bold: Bool = false) -> Int {
        let ems = text.unicodeScalars.reduce(0.0) { $0 + em($1) }
        return Int((ems * Double(size) * (bold ? 1.1 : 1.0)).rounded(.up))
    }

    /// `text` broken into lines no wider than `width` pixels: at spaces where there are any, else
    /// between characters (Chinese has no spaces); a single character wider than `width` stays on
    /// a line of its own.
    static func wrap(_ text: String, size: Int, width: Int) -> [String] {
        guard self.width(text, size: size) > width else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in tokens(text) {
            let candidate = line + word
            if line.isEmpty || self.width(candidate, size: size) <= width {
                line = candidate
            } else {
                lines.append(trailingSpaceTrimmed(line))
                line = word.first == " " ? String(word.drop { $0 == " " }) : word
            }
        }
        if !line.isEmpty { lines.append(trailingSpaceTrimmed(line)) }
        return lines
    }

    /// Latin words with their leading space, and every other character on its own.
    private static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        for character in text {
            if character == " " || isWide(character.unicodeScalars.first) {
                if !word.isEmpty { tokens.append(word) }
                word = String(character)
                if character != " " {
                    tokens.append(word)
                    word = ""
                }
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }

    private static func trailingSpaceTrimmed(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }

    private static func em(_ scalar: Unicode.Scalar) -> Double {
        if isWide(scalar) { return 1.0 }
        switch scalar {
        case "M", "W", "m", "w", "@", "%": return 1.0
        case " ": return 0.35
        case "A"..."Z": return 0.8
        default: return 0.65
        }
    }

    /// East Asian wide and full-width characters: Hangul Jamo, CJK radicals to Yi, Hangul
    /// syllables, CJK compatibility ideographs and forms, full-width forms, and the supplementary
    /// ideographic planes.
    private static func isWide(_ scalar: Unicode.Scalar?) -> Bool {
        guard let value = scalar?.value else { return false }
        switch value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6,
            0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
