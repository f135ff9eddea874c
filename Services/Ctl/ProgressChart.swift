import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// Target T1 drawn as a hand-written SVG: overall progress against the programme target, then
/// one bar per row of each breakdown (year, worker category, industry, institution), each row
/// labelled with its name in Chinese and English and its money.
///
/// No text is clipped: every text is measured with `TextMeasure` (conservatively, CJK at a full
/// em), labels wider than `maxLabelWidth` wrap onto further lines, and the canvas grows to the
/// widest text.
struct ProgressChart {
    let progress: ProgrammeProgress

    static let minimumWidth = 960
    static let margin = 24
    static let maxLabelWidth = 420
    static let barWidth = 360
    static let labelSize = 13
    static let noteSize = 12

    /// One drawn element at its place.
    enum Element: Equatable {
        case text(x: Int, y: Int, content: String, size: Int, bold: Bool, fill: String)
        case rect(x: Int, y: Int, width: Int, height: Int, fill: String)

        /// How far right the element reaches (for text, its conservatively measured width).
        var right: Int {
            switch self {
            case let .text(x, _, content, size, bold, _): x + TextMeasure.width(content, size: size, bold: bold)
            case let .rect(x, _, width, _, _): x + width
            }
        }
    }

    /// What the chart is made of and the canvas it needs.
    struct Layout {
        var elements: [Element]
        var width: Int
        var height: Int
    }

    var layout: Layout {
        var elements: [Element] = []
        var y = 40
        let target = max(progress.target, 0)
        let percent = target > 0 ? Double(progress.total) * 100 / Double(target) : 0
        elements.append(
            .text(
                x: Self.margin, y: y,
                content: "T1: \(progress.total) of \(target) subsidised trainings (\(Self.oneDecimal(percent))%)",
                size: 20, bold: true, fill: "#111827"))
        let barY = y + 20
        y += 64
        elements.append(
            .text(
                x: Self.margin, y: y,
                content: "paid \(Money.yuan(progress.paidFen)), held \(Money.yuan(progress.heldFen)), "
                    + "payable \(Money.yuan(progress.payableFen))", size: 13, bold: false, fill: "#374151"))
        y += 20

        var running: Int64 = 0
        let yearNotes = progress.byYear.map { row -> String in
            running += row.trainings
            let share = target > 0 ? Double(running) * 100 / Double(target) : 0
            return "running total \(running), \(Self.oneDecimal(share))% of target"
        }
        let sections: [(String, [ProgressRow], [String], String)] = [
            ("By year 按年度", progress.byYear, yearNotes, "#2563eb"),
            ("By category 按人员类别", progress.byCategory, [], "#059669"),
            ("By industry 按行业", progress.byIndustry, [], "#d97706"),
            ("By institution 按培训机构", progress.byInstitution, [], "#7c3aed"),
        ]
        let labelColumn = min(
            Self.maxLabelWidth,
            sections.flatMap(\.1).flatMap(Self.labelLines).map {
                TextMeasure.width($0.text, size: $0.size, bold: false)
            }.max() ?? 0)
        for (title, rows, notes, colour) in sections {
            elements += Self.section(
                title, rows: rows, notes: notes, labelColumn: max(labelColumn, 120), colour: colour, y: &y)
        }

        let width = max(Self.minimumWidth, (elements.map(\.right).max() ?? 0) + Self.margin)
        let filled = target > 0 ? min(1, Double(progress.total) / Double(target)) : 0
        elements.insert(
            .rect(x: Self.margin, y: barY, width: width - 2 * Self.margin, height: 24, fill: "#e5e7eb"), at: 1)
        elements.insert(
            .rect(
                x: Self.margin, y: barY, width: Int(Double(width - 2 * Self.margin) * filled), height: 24,
                fill: "#2563eb"), at: 2)
        return Layout(elements: elements, width: width, height: y + 20)
    }

    var svg: String {
        let layout = self.layout
        var body = ""
        for element in layout.elements {
            switch element {
            case let .text(x, y, content, size, bold, fill):
                body +=
                    "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" font-weight=\"\(bold ? "bold" : "normal")\" fill=\"\(fill)\">"
                    + "\(Self.escaped(content))</text>\n"
            case let .rect(x, y, width, height, fill):
                body +=
                    "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(width)\" height=\"\(height)\" fill=\"\(fill)\" rx=\"2\"/>\n"
            }
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(layout.width)" height="\(layout.height)" \
            viewBox="0 0 \(layout.width) \(layout.height)" font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, DejaVu Sans, sans-serif">
            <title>T1 progress: subsidised trainings against the target</title>
            <rect width="100%" height="100%" fill="#ffffff"/>
            \(body)</svg>

            """
    }

    /// A row's label as drawn: the Chinese label, then the English one in grey when it says more,
    /// each wrapped to `maxLabelWidth`.
    static func labelLines(_ row: ProgressRow) -> [(text: String, size: Int, fill: String)] {
        let chinese = row.label.isEmpty ? row.key : row.label
        var lines = TextMeasure.wrap(chinese, size: labelSize, width: maxLabelWidth).map { ($0, labelSize, "#111827") }
        if !row.labelEn.isEmpty, row.labelEn != chinese {
            lines += TextMeasure.wrap(row.labelEn, size: noteSize, width: maxLabelWidth).map {
                ($0, noteSize, "#6b7280")
            }
        }
        return lines
    }

    private static func section(
        _ title: String, rows: [ProgressRow], notes: [String], labelColumn: Int, colour: String,
        y: inout Int
    ) -> [Element] {
        var out: [Element] = []
        y += 36
        out.append(.text(x: margin, y: y, content: title, size: 16, bold: true, fill: "#111827"))
        y += 12
        guard !rows.isEmpty else {
            y += 20
            out.append(
                .text(x: margin, y: y, content: "no subsidised trainings yet", size: 13, bold: false, fill: "#6b7280"))
            return out
        }
        let barX = margin + labelColumn + 16
        let largest = max(rows.map(\.trainings).max() ?? 1, 1)
        for (index, row) in rows.enumerated() {
            let lines = labelLines(row)
            for (offset, line) in lines.enumerated() {
                out.append(
                    .text(
                        x: margin, y: y + 17 + offset * 16, content: line.text, size: line.size, bold: false,
                        fill: line.fill))
            }
            let length = Int(Double(barWidth) * Double(max(row.trainings, 0)) / Double(largest))
            out.append(.rect(x: barX, y: y + 4, width: length, height: 18, fill: colour))
            var figures = "\(row.trainings) · paid \(Money.yuan(row.paidFen)) · held \(Money.yuan(row.heldFen))"
            if row.payableFen != 0 { figures += " · payable \(Money.yuan(row.payableFen))" }
            out.append(
                .text(x: barX + length + 6, y: y + 17, content: figures, size: noteSize, bold: false, fill: "#374151"))
            if index < notes.count {
                out.append(
                    .text(
                        x: barX + length + 6, y: y + 33, content: notes[index], size: noteSize - 1, bold: false,
                        fill: "#6b7280"))
            }
            y += max(lines.count, index < notes.count ? 2 : 1) * 16 + 10
        }
        return out
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// Writes the chart to `path`: SVG as is, `.png` through `rsvg-convert` (Debian librsvg2-bin).
    func write(to path: String) throws(ChartProblem) {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".svg") {
            try Self.writeFile(path, Array(svg.utf8))
        } else if lowered.hasSuffix(".png") {
            guard let converter = Self.executable(named: "rsvg-convert") else {
                throw ChartProblem(
                    "a PNG chart needs rsvg-convert, which is not installed: apt-get install librsvg2-bin (or write FILE.svg)"
                )
            }
            let svgPath = path + ".tmp.svg"
            try Self.writeFile(svgPath, Array(svg.utf8))
            defer { unlink(svgPath) }
            let status = Self.run([converter, "--format", "png", "--output", path, svgPath])
            guard status == 0 else { throw ChartProblem("rsvg-convert failed (exit status \(status)) writing \(path)") }
        } else {
            throw ChartProblem("--chart: '\(path)' must end in .svg or .png")
        }
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) throws(ChartProblem) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw ChartProblem("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw ChartProblem("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// The first `name` on PATH that may be executed.
    private static func executable(named name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs a program and waits; returns its exit status (-1 when it could not be started).
    private static func run(_ arguments: [String]) -> Int32 {
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], nil, nil, cArguments, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }
}

/// Why a chart could not be written.
struct ChartProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
