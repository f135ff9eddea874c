import Schema
import XCTest

@testable import skillsctl

/// The T1 chart (issue 16): names next to codes, and no text past the canvas.
final class ProgressChartTests: XCTestCase {
    func testCJKIsMeasuredAtAFullEm() {
        XCTAssertEqual(TextMeasure.width("德州市", size: 13), 39)
        XCTAssertGreaterThanOrEqual(TextMeasure.width("0.0% of target", size: 12), 14 * 6)
    }

    func testLongLabelsWrapAndEveryLineFits() {
        let long = String(repeating: "德州市高级技工职业培训学校", count: 5)
        let lines = TextMeasure.wrap(long, size: 13, width: 200)
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertEqual(lines.joined(), long)
        for line in lines { XCTAssertLessThanOrEqual(TextMeasure.width(line, size: 13), 200) }
        let english = TextMeasure.wrap(
            "occupation group 6: production and manufacturing personnel (no registered enterprise)", size: 12,
            width: 150)
        XCTAssertEqual(
            english.joined(separator: " "),
            "occupation group 6: production and manufacturing personnel (no registered enterprise)")
        for line in english { XCTAssertLessThanOrEqual(TextMeasure.width(line, size: 12), 150) }
    }

    private var progress: ProgrammeProgress {
        let row = { (key: String, label: String, en: String, n: Int64) in
            ProgressRow(
                key: key, label: label, trainings: n, paidFen: n * 140_000, heldFen: 60_000, payableFen: 1, labelEn: en)
        }
        return ProgrammeProgress(
            target: 150_000, total: 7,
            byYear: [row("2019", "2019", "2019", 2), row("2020", "2020", "2020", 5)],
            byCategory: [
                row(
                    "G1/self-declared", "G1 企业在职职工（本人申报，未经部门认定）",
                    "G1 enterprise employee (self-declared, not attested)", 7)
            ],
            byIndustry: [
                row(
                    "occupation-group-6", "职业大类6 生产制造及有关人员（无登记企业）",
                    "occupation group 6: production and manufacturing personnel (no registered enterprise)", 7)
            ],
            byInstitution: [row("i-1", String(repeating: "德州市高级技工职业培训学校", count: 4), "", 7)],
            paidFen: 980_000, heldFen: 60_000, payableFen: 1)
    }

    func testNoTextReachesPastTheCanvas() {
        let layout = ProgressChart(progress: progress).layout
        XCTAssertGreaterThanOrEqual(layout.width, ProgressChart.minimumWidth)
        for element in layout.elements {
            XCTAssertLessThanOrEqual(element.right, layout.width, "\(element)")
            if case let .text(x, _, _, _, _, _) = element { XCTAssertGreaterThanOrEqual(x, 0) }
        }
        let texts = layout.elements.compactMap { element -> String? in
            if case let .text(_, _, content, _, _, _) = element { return content }
            return nil
        }
        XCTAssertTrue(texts.contains("G1 企业在职职工（本人申报，未经部门认定）"))
        XCTAssertTrue(texts.contains("running total 7, 0.0% of target"))
        XCTAssertTrue(texts.contains { $0.hasPrefix("7 · paid ¥9,800.00 · held ¥600.00") })
        XCTAssertTrue(texts.contains("By institution 按培训机构"))
        // The 52-character institution name is wrapped, not drawn past the label column.
        XCTAssertFalse(texts.contains(String(repeating: "德州市高级技工职业培训学校", count: 4)))
    }

    func testTheCanvasWidensForWideFigures() {
        var wide = progress
        wide.byYear[0].paidFen = 9_999_999_999_999
        wide.byYear[0].heldFen = 9_999_999_999_999
        wide.byYear[0].payableFen = 9_999_999_999_999
        let layout = ProgressChart(progress: wide).layout
        XCTAssertGreaterThan(layout.width, ProgressChart.minimumWidth)
        XCTAssertEqual(layout.elements.map(\.right).max().map { $0 + ProgressChart.margin }, layout.width)
        XCTAssertTrue(ProgressChart(progress: wide).svg.contains("width=\"\(layout.width)\""))
    }

    func testCSVIsRFC4180WithMoneyInYuanAndFen() {
        var named = progress
        named.byInstitution[0].label = "德州\"金蓝领\"培训学校, 德城区"
        let csv = ProgressTable.csv(named, breakdowns: [.institution, .category])
        let lines = csv.components(separatedBy: "\r\n")
        XCTAssertEqual(
            lines.first,
            "breakdown,key,name_zh,name_en,trainings,paid_yuan,paid_fen,held_yuan,held_fen,payable_yuan,payable_fen")
        XCTAssertEqual(lines[1], "institution,i-1,\"德州\"\"金蓝领\"\"培训学校, 德城区\",,7,9800.00,980000,600.00,60000,0.01,1")
        XCTAssertTrue(
            lines[2].hasPrefix(
                "category,G1/self-declared,G1 企业在职职工（本人申报，未经部门认定）,\"G1 enterprise employee (self-declared, not attested)\",7,"
            ))
        XCTAssertEqual(lines.last, "", "every record ends in CRLF")
        XCTAssertEqual(ProgressTable.plainYuan(-5), "-0.05")
    }

    func testTablesNameEveryRowAndShowItsMoney() {
        let text = ProgressTable.text(progress, breakdowns: [.category])
        XCTAssertTrue(text.contains("G1 企业在职职工（本人申报，未经部门认定） · enterprise employee (self-declared, not attested)"), text)
        XCTAssertTrue(text.contains("        7        ¥9,800.00          ¥600.00            ¥0.01  G1 "), text)
        XCTAssertTrue(text.contains("        7        ¥9,800.00          ¥600.00            ¥0.01  total 合计"), text)
    }
}
