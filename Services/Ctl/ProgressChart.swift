#if canImport(Glibc)
import Glibc
#endif
import Schema

/// Target T1 drawn as a hand-written SVG: overall progress against the programme target, then
/// subsidised trainings by year (with the running total's share of the target) and by category.
struct ProgressChart {
    let progress: ProgrammeProgress

    private static let width = 960
    private static let labelWidth = 300
    private static let barWidth = 480
    private static let rowHeight = 26

    var svg: String {
        var body = ""
        var y = 40
        let target = max(progress.target, 0)
        let percent = target > 0 ? Double(progress.total) * 100 / Double(target) : 0
        body += text(24, y, "T1: \(progress.total) of \(target) subsidised trainings (\(Self.oneDecimal(percent))%)", size: 20, weight: "bold")
        y += 20
        let filled = target > 0 ? min(1, Double(progress.total) / Double(target)) : 0
        body += "<rect x=\"24\" y=\"\(y)\" width=\"\(Self.width - 48)\" height=\"24\" fill=\"#e5e7eb\" rx=\"4\"/>\n"
        body += "<rect x=\"24\" y=\"\(y)\" width=\"\(Int(Double(Self.width - 48) * filled))\" height=\"24\" fill=\"#2563eb\" rx=\"4\"/>\n"
        y += 44
        body += text(24, y, "paid \(Money.yuan(progress.paidFen)), held \(Money.yuan(progress.heldFen))", size: 13, fill: "#374151")
        y += 20

        var running: Int64 = 0
        let years = progress.byYear.map { row -> (String, Int64, String) in
            running += row.trainings
            let share = target > 0 ? Double(running) * 100 / Double(target) : 0
            return (row.label, row.trainings, "running total \(running), \(Self.oneDecimal(share))% of target")
        }
        body += section("By year", rows: years, y: &y, colour: "#2563eb")
        body += section("By category", rows: progress.byCategory.map { ($0.label, $0.trainings, "") }, y: &y, colour: "#059669")

        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.width)" height="\(y + 20)" viewBox="0 0 \(Self.width) \(y + 20)" \
        font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, DejaVu Sans, sans-serif">
        <title>T1 progress: subsidised trainings against the target</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        \(body)</svg>

        """
    }

    private func section(_ title: String, rows: [(label: String, value: Int64, note: String)], y: inout Int, colour: String) -> String {
        var out = ""
        y += 36
        out += text(24, y, title, size: 16, weight: "bold")
        y += 12
        guard !rows.isEmpty else {
            y += 20
            return out + text(24, y, "no subsidised trainings yet", size: 13, fill: "#6b7280")
        }
        let largest = max(rows.map(\.value).max() ?? 1, 1)
        for row in rows {
            let length = Int(Double(Self.barWidth) * Double(max(row.value, 0)) / Double(largest))
            out += text(24, y + 17, row.label.isEmpty ? "(none)" : row.label, size: 13)
            out += "<rect x=\"\(Self.labelWidth)\" y=\"\(y + 4)\" width=\"\(length)\" height=\"18\" fill=\"\(colour)\"/>\n"
            out += text(Self.labelWidth + length + 6, y + 17, String(row.value) + (row.note.isEmpty ? "" : "  (\(row.note))"), size: 12, fill: "#374151")
            y += Self.rowHeight
        }
        return out
    }

    private func text(_ x: Int, _ y: Int, _ content: String, size: Int, weight: String = "normal", fill: String = "#111827") -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" font-weight=\"\(weight)\" fill=\"\(fill)\">\(Self.escaped(content))</text>\n"
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
                throw ChartProblem("a PNG chart needs rsvg-convert, which is not installed: apt-get install librsvg2-bin (or write FILE.svg)")
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
