import Essentials
import Schema
import XCTest

@testable import MatchingCore

final class ThreeOnesProgressTests: XCTestCase {
    private let student = StudentRecord(workerID: "w-1", school: "德州学院", name: "李四", idNumber: "371402200101011234")

    private func date(_ y: Int32, _ m: Int32, _ d: Int32) -> CalendarDate { CalendarDate(year: y, month: m, day: d) }

    func testNothingRecordedIsNotStarted() {
        let progress = ThreeOnesProgress.progress(student: student, records: [])
        XCTAssertEqual(progress.status, .notStarted)
        XCTAssertEqual(progress.partsCompleted, 0)
        XCTAssertEqual(progress.entrepreneurshipTraining?.status, .notStarted)
    }

    func testStagesAndCountedEnrolmentsAddUp() {
        let awareness = StudentActivity(
            id: "sa-1", workerId: "w-1", kind: .entrepreneurshipTraining, stage: .awareness, title: "GYB",
            startDate: date(2020, 3, 1), endDate: date(2020, 3, 5), hours: 16, completed: true)
        let plan = StudentActivity(
            id: "sa-2", workerId: "w-1", kind: .entrepreneurshipTraining, stage: .businessPlan, title: "SYB",
            startDate: date(2020, 4, 1), endDate: date(2020, 4, 10), hours: 40, completed: true)
        let practice = StudentActivity(
            id: "sa-3", workerId: "w-1", kind: .employmentPractice, title: "实训", startDate: date(2020, 7, 1))
        let offering = Offering(
            id: "o-1", occupation: Occupation(code: "6-31-01-03", name: "电工"), level: .l4IntermediateWorker,
            startDate: date(2020, 5, 1), classHours: 80)
        let enrollment = Enrollment(
            id: "e-1", workerId: "w-1", offeringId: "o-1", institutionId: "i-1", state: .claimed,
            completionDate: date(2020, 6, 30), certificateNumber: "DZ-1")
        let counted = ThreeOnesProgress.activity(enrollment: enrollment, offering: offering, school: "德州学院")
        XCTAssertEqual(counted?.completed, true)
        XCTAssertEqual(counted?.hours, 80)
        var withdrawn = enrollment
        withdrawn.state = .withdrawn
        XCTAssertNil(ThreeOnesProgress.activity(enrollment: withdrawn, offering: offering, school: "德州学院"))

        let progress = ThreeOnesProgress.progress(
            student: student, records: [plan, practice, awareness] + [counted].compactMap { $0 })
        XCTAssertEqual(progress.status, .inProgress)
        XCTAssertEqual(progress.partsCompleted, 2)
        let entrepreneurship = progress.entrepreneurshipTraining
        XCTAssertEqual(entrepreneurship?.status, .completed)
        XCTAssertEqual(entrepreneurship?.hours, 56)
        XCTAssertEqual(entrepreneurship?.completedOn, date(2020, 3, 5))
        XCTAssertEqual(entrepreneurship?.activities.map(\.id), ["sa-1", "sa-2"])
        XCTAssertEqual(progress.employmentPractice?.status, .inProgress)
        XCTAssertEqual(progress.vocationalTraining?.completedOn, date(2020, 6, 30))

        let rows = StudentCreditExport.rows(progress, filter: .init())
        XCTAssertEqual(rows.map(\.kind), [.vocationalTraining, .entrepreneurshipTraining])
        XCTAssertEqual(
            rows[1].csv,
            "德州学院,w-1,371402200101011234,李四,ENTREPRENEURSHIP_TRAINING,COMPLETED,2020-03-05,56,2,,[AWARENESS] GYB; [BUSINESS_PLAN] SYB\r\n"
        )
        var filter = StudentCreditExport.Filter()
        filter.from = CivilDate(date(2020, 4, 1))
        XCTAssertEqual(StudentCreditExport.rows(progress, filter: filter).map(\.kind), [.vocationalTraining])
        filter.includeIncomplete = true
        XCTAssertEqual(
            StudentCreditExport.rows(progress, filter: filter).map(\.kind), [.vocationalTraining, .employmentPractice])
    }

    func testOnlyHrssAndEducationRecordEveryKind() {
        XCTAssertTrue(ThreeOnesProgress.mayRecord(role: "education", kind: .employmentPractice))
        XCTAssertTrue(ThreeOnesProgress.mayRecord(role: "institution", kind: .entrepreneurshipTraining))
        XCTAssertFalse(ThreeOnesProgress.mayRecord(role: "institution", kind: .employmentPractice))
        XCTAssertFalse(ThreeOnesProgress.mayRecord(role: "enterprise", kind: .vocationalTraining))
    }

    func testCSVQuotesCommasQuotesAndLineBreaks() {
        XCTAssertEqual(
            StudentCreditExport.csvLine(["a", "b,c", "say \"hi\"", "x\ny"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        )
    }
}

final class DemandTrendRuleTests: XCTestCase {
    func testTrendDirections() {
        XCTAssertEqual(DemandTrendRule.trend(recent: 0, previous: 0), .steady)
        XCTAssertEqual(DemandTrendRule.trend(recent: 5, previous: 0), .new)
        XCTAssertEqual(DemandTrendRule.trend(recent: 11, previous: 10), .rising)
        XCTAssertEqual(DemandTrendRule.trend(recent: 10, previous: 10), .steady)
        XCTAssertEqual(DemandTrendRule.trend(recent: 9, previous: 10), .falling)
        XCTAssertEqual(DemandTrendRule.trend(recent: 0, previous: 3), .falling)
    }

    func testPeriodsAndDayArithmetic() {
        let periods = DemandTrendRule.Periods(asOf: CivilDate(2020, 3, 1), days: 30)
        XCTAssertEqual(
            [periods.previousStart, periods.recentStart, periods.asOf], ["2020-01-01", "2020-01-31", "2020-03-01"])
        XCTAssertEqual(CivilDate(2020, 2, 28).adding(days: 1).description, "2020-02-29")
        XCTAssertEqual(CivilDate(1970, 1, 1).dayNumber, 0)
        XCTAssertEqual(CivilDate(2021, 12, 31).adding(days: 1).description, "2022-01-01")
    }
}
