import Schema
import XCTest

@testable import PaymentCore

/// T1's breakdowns (issue 16): every training in every breakdown, money on every row, names
/// next to the codes.
final class ProgressReportTests: XCTestCase {
    private func group(
        year: Int = 2020, institution: String = "i-1", name: String = "德州市技师学院", category: String = "G8",
        industry: String = "", occupationGroup: String = "4", trainings: Int64 = 1, paid: Int64 = 0, held: Int64 = 0,
        payable: Int64 = 0
    ) -> ProgressReport.Group {
        ProgressReport.Group(
            year: year, institutionID: institution, institutionName: name, category: category, industry: industry,
            occupationGroup: occupationGroup, trainings: trainings, paidFen: paid, heldFen: held,
            payableFen: payable)
    }

    private var sample: [ProgressReport.Group] {
        [
            group(year: 2019, category: "G8", trainings: 2, paid: 280_000),
            group(
                year: 2020, institution: "i-2", name: "德州职业技术学院", category: "G1/self-declared", industry: "C26",
                occupationGroup: "6",
                trainings: 1, paid: 80_000),
            group(
                year: 2020, institution: "i-2", name: "", category: "G7", occupationGroup: "6", trainings: 3,
                paid: 90_000, held: 60_000),
            group(
                year: 2021, institution: "i-3", name: "", category: "unknown", industry: "i65", occupationGroup: "2",
                trainings: 1,
                payable: 150_000),
        ]
    }

    func testEveryBreakdownAddsUpToTheTotals() {
        let report = ProgressReport(groups: sample)
        XCTAssertEqual(report.totals.trainings, 7)
        XCTAssertEqual(report.totals.paidFen, 450_000)
        XCTAssertEqual(report.totals.heldFen, 60_000)
        XCTAssertEqual(report.totals.payableFen, 150_000)
        for rows in [report.byYear, report.byCategory, report.byIndustry, report.byInstitution] {
            XCTAssertEqual(rows.reduce(0) { $0 + $1.trainings }, report.totals.trainings)
            XCTAssertEqual(rows.reduce(0) { $0 + $1.paidFen }, report.totals.paidFen)
            XCTAssertEqual(rows.reduce(0) { $0 + $1.heldFen }, report.totals.heldFen)
            XCTAssertEqual(rows.reduce(0) { $0 + $1.payableFen }, report.totals.payableFen)
        }
        XCTAssertEqual(report.byYear.map(\.key), ["2019", "2020", "2021"])
        XCTAssertEqual(report.byYear.map(\.paidFen), [280_000, 170_000, 0])
    }

    func testCategoriesCarryTheirNamesAndSelfDeclaredOnesAreNotLost() {
        let rows = ProgressReport(groups: sample).byCategory
        XCTAssertEqual(rows.map(\.key), ["G1/self-declared", "G7", "G8", "unknown"])
        XCTAssertEqual(rows[0].label, "G1 企业在职职工（本人申报，未经部门认定）")
        XCTAssertEqual(rows[0].labelEn, "G1 enterprise employee (self-declared, not attested)")
        XCTAssertEqual(rows[2].label, "G8 登记失业人员")
        XCTAssertEqual(rows[2].labelEn, "G8 registered unemployed")
        XCTAssertEqual(rows[2].paidFen, 280_000)
        XCTAssertEqual(rows[3].label, "类别未登记")
    }

    func testIndustryIsTheEnterprisesElseTheOccupationGroup() {
        let rows = ProgressReport(groups: sample).byIndustry
        XCTAssertEqual(rows.map(\.key), ["C26", "I65", "occupation-group-4", "occupation-group-6"])
        XCTAssertEqual(rows[0].label, "C26 化学原料和化学制品制造业")
        XCTAssertEqual(rows[1].labelEn, "I65 software and information technology services")
        XCTAssertEqual(rows[2].label, "职业大类4 社会生产服务和生活服务人员（无登记企业）")
        XCTAssertEqual(
            rows[3].labelEn, "occupation group 6: production and manufacturing personnel (no registered enterprise)")
        XCTAssertEqual(ProgressReport.industryLabel("C99").zh, "C99 制造业")
        XCTAssertEqual(ProgressReport.industryLabel("Z12").zh, "Z12（非国民经济行业分类代码）")
    }

    func testInstitutionsAreNamedFromAnyOfTheirRowsElseFromRegistrationElseSaySo() {
        let rows = ProgressReport(groups: sample, institutionNames: ["i-3": "德州科技职业学院"]).byInstitution
        XCTAssertEqual(rows.map(\.key), ["i-2", "i-1", "i-3"], "most trainings first")
        XCTAssertEqual(rows.map(\.label), ["德州职业技术学院", "德州市技师学院", "德州科技职业学院"])
        let unnamed = ProgressReport(groups: sample).byInstitution.first { $0.key == "i-3" }
        XCTAssertEqual(unnamed?.label, "培训机构 i-3（名称未能取得）")
    }

    func testTheCategoryOfATrainingIsTheFirstAttestedElseTheFirstDeclared() {
        let g1 = Schema.CategoryFact(category: .g1EnterpriseEmployee)
        let g8 = Schema.CategoryFact(category: .g8Unemployed, attested: true)
        let g5 = Schema.CategoryFact(category: .g5RegisteredPoor, attested: true)
        XCTAssertEqual(ProgressReport.categoryKey([g1, g8, g5]), "G8")
        XCTAssertEqual(ProgressReport.categoryKey([g5, g8]), "G5")
        XCTAssertEqual(ProgressReport.categoryKey([g1]), "G1/self-declared")
        XCTAssertEqual(ProgressReport.categoryKey([Schema.CategoryFact(category: .unspecified)]), "unknown")
        XCTAssertEqual(ProgressReport.categoryKey([]), "unknown")
    }
}
