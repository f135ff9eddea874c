import ArgumentParser
import RPC
import Schema

/// `skillsctl progress`: target T1 from payment's GetProgress, by year, worker category, industry
/// and institution, as tables, as CSV for the bureau's own reports, and drawn as a chart.
///
/// The names next to the codes come from the service (`ProgressRow.label`, `label_en`), so this
/// command keeps no table of names of its own.
struct Progress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Target T1: subsidised trainings against the programme target, by year, category, industry and institution (payment).",
        discussion: """
            Every subsidised training is counted once in each breakdown, so each breakdown adds up to the totals. \
            --csv writes RFC 4180 CSV (UTF-8, CRLF, a header row) with money in yuan (two decimals) and in fen.
            """)

    /// The breakdowns T1 is reported by.
    enum Breakdown: String, CaseIterable, ExpressibleByArgument {
        case year, category, industry, institution

        func rows(_ progress: ProgrammeProgress) -> [ProgressRow] {
            switch self {
            case .year: progress.byYear
            case .category: progress.byCategory
            case .industry: progress.byIndustry
            case .institution: progress.byInstitution
            }
        }

        var title: String {
            switch self {
            case .year: "by year 按年度"
            case .category: "by category 按人员类别"
            case .industry: "by industry 按行业"
            case .institution: "by institution 按培训机构"
            }
        }
    }

    @OptionGroup var connection: Connection
    @Option(help: "Only this year (0: all).") var year = 0
    @Option(
        help:
            "Also draw T1 by year, category, industry and institution into FILE.svg (or FILE.png, with rsvg-convert).",
        completion: .file())
    var chart: String?
    @Flag(help: "Write the breakdowns as CSV on standard output instead of tables.") var csv = false
    @Option(help: "Only this breakdown: year, category, industry or institution (default: all four).") var by:
        Breakdown?

    func run() async throws {
        if let chart, !chart.lowercased().hasSuffix(".svg"), !chart.lowercased().hasSuffix(".png") {
            FileHandleOutput.error("--chart: '\(chart)' must end in .svg or .png")
            throw ExitCode(2)
        }
        let channel = try connection.channel(connection.paymentAddr)
        let progress: ProgrammeProgress
        do {
            progress = try await PaymentServiceClient(channel).getProgress(GetProgressRequest(year: Int32(year)))
        } catch let error as RPCError {
            await channel.close()
            FileHandleOutput.error("payment: \(error)")
            throw ExitCode(error.code == .unavailable ? 3 : 1)
        }
        await channel.close()
        let breakdowns = by.map { [$0] } ?? Breakdown.allCases
        if csv {
            print(ProgressTable.csv(progress, breakdowns: breakdowns), terminator: "")
        } else {
            print(ProgressTable.text(progress, breakdowns: breakdowns), terminator: "")
        }
        if let chart {
            do {
                try ProgressChart(progress: progress).write(to: chart)
            } catch {
                FileHandleOutput.error(error.description)
                throw ExitCode(1)
            }
        }
    }
}

/// T1 as text: tables for a terminal and CSV for spreadsheets.
enum ProgressTable {
    static let csvHeader = [
        "breakdown", "key", "name_zh", "name_en", "trainings", "paid_yuan", "paid_fen", "held_yuan", "held_fen",
        "payable_yuan", "payable_fen",
    ]

    /// RFC 4180: a header row, then one record per row of each breakdown; lines end in CRLF.
    /// Totals are not repeated as records, so a column sums to them.
    static func csv(_ progress: ProgrammeProgress, breakdowns: [Progress.Breakdown]) -> String {
        var lines = [csvHeader.joined(separator: ",")]
        for breakdown in breakdowns {
            for row in breakdown.rows(progress) {
                let fields = [
                    breakdown.rawValue, row.key, row.label, row.labelEn, String(row.trainings),
                    plainYuan(row.paidFen), String(row.paidFen), plainYuan(row.heldFen), String(row.heldFen),
                    plainYuan(row.payableFen), String(row.payableFen),
                ]
                lines.append(fields.map(CSV.field).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The headline, then per breakdown its rows and a total line. Figures come first, in fixed
    /// columns, and the name last, so Chinese names (two columns wide on a terminal) cannot push
    /// the figures out of line.
    static func text(_ progress: ProgrammeProgress, breakdowns: [Progress.Breakdown]) -> String {
        let permille = progress.target > 0 ? progress.total * 1000 / progress.target : 0
        var out =
            "T1: \(progress.total) of \(progress.target) subsidised trainings (\(permille / 10).\(permille % 10)%)\n"
        out +=
            "paid \(Money.yuan(progress.paidFen)), held \(Money.yuan(progress.heldFen)), payable \(Money.yuan(progress.payableFen))\n"
        for breakdown in breakdowns {
            let rows = breakdown.rows(progress)
            out += "\n\(breakdown.title)\n"
            out += line(["trainings", "paid", "held", "payable"], name: "name")
            if rows.isEmpty { out += "  (no subsidised trainings yet)\n" }
            for row in rows {
                out += line(
                    [
                        String(row.trainings), Money.yuan(row.paidFen), Money.yuan(row.heldFen),
                        Money.yuan(row.payableFen),
                    ],
                    name: displayName(row))
            }
            let sum = { (value: (ProgressRow) -> Int64) in rows.reduce(Int64(0)) { $0 + value($1) } }
            out += line(
                [
                    String(sum(\.trainings)), Money.yuan(sum(\.paidFen)), Money.yuan(sum(\.heldFen)),
                    Money.yuan(sum(\.payableFen)),
                ],
                name: "total 合计")
        }
        return out
    }

    /// The Chinese label, then the English one where it says more, without repeating the code.
    static func displayName(_ row: ProgressRow) -> String {
        let chinese = row.label.isEmpty ? row.key : row.label
        guard !row.labelEn.isEmpty, row.labelEn != chinese else { return chinese }
        let code = chinese.split(separator: " ", maxSplits: 1).first.map { $0 + " " } ?? ""
        let english =
            chinese.count > code.count && row.labelEn.hasPrefix(code)
            ? String(row.labelEn.dropFirst(code.count)) : row.labelEn
        return "\(chinese) · \(english)"
    }

    private static func line(_ figures: [String], name: String) -> String {
        "  " + figures[0].leftPadded(9) + figures.dropFirst().map { " " + $0.leftPadded(16) }.joined() + "  " + name
            + "\n"
    }

    /// Fen as plain yuan with two decimals and no symbol or grouping, e.g. 150000 -> "1500.00".
    static func plainYuan(_ fen: Int64) -> String {
        let cents = abs(fen % 100)
        return (fen < 0 ? "-" : "") + String(abs(fen / 100)) + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
