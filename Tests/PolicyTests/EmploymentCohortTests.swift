import Essentials
import XCTest

@testable import Policy

/// R7 on evidence: which entries of an employment report count against the platform's cohort, and
/// the rate the platform computes from them (EmploymentCohort, CreditCodeCheck).
final class EmploymentCohortTests: XCTestCase {
    let completion = Fx.date("2021-06-30")
    let today = Fx.date("2021-12-20")
    /// A valid unified social credit code (check character computed by GB 32100's MOD 31).
    let employer = "91371402MA3C4D5E6" + String(CheckDigits.CreditCode.checkCharacter(forFirst17: "91371402MA3C4D5E6")!)

    func cohort(_ n: Int) -> [String: CivilDate] {
        Dictionary(uniqueKeysWithValues: (1...n).map { ("w-\($0)", completion) })
    }

    func hired(_ worker: String, on day: String = "2021-08-02", code: String? = nil) -> EmploymentCohort.Entry {
        EmploymentCohort.Entry(
            workerId: worker, evidence: .employer(creditCode: code ?? employer, startDate: Fx.date(day)))
    }

    func testTheRateIsEmployedMembersOverTheCohortAt85Percent() {
        // 17 of 20 is exactly 85 %: released. 16 of 20 and 849 of 1000 are held.
        let at = EmploymentCohort.release(employed: 17, cohortSize: 20, policy: Fx.v1)
        XCTAssertTrue(at.released)
        XCTAssertEqual(at.rateBasisPoints, 8500)
        XCTAssertFalse(EmploymentCohort.release(employed: 16, cohortSize: 20, policy: Fx.v1).released)
        XCTAssertFalse(EmploymentCohort.release(employed: 849, cohortSize: 1000, policy: Fx.v1).released)
        XCTAssertTrue(EmploymentCohort.release(employed: 850, cohortSize: 1000, policy: Fx.v1).released)
        // The audited case: 2 completed, "17 of 20" reported. The platform's cohort is 2; 17 entries
        // cannot all be members, and 1 of 2 is 50 %.
        let twoCompleted = cohort(2)
        let seventeen = (1...17).map { hired("w-\($0)") }
        let problems = EmploymentCohort.problems(in: seventeen, cohort: twoCompleted, today: today)
        XCTAssertEqual(problems.count, 15)
        XCTAssertTrue(problems.allSatisfy { !$0.malformed && $0.message.contains("not in the offering's cohort") })
        XCTAssertEqual(problems.first?.description.hasPrefix("employed_trainees[2] (w-3): worker w-3"), true)
        XCTAssertFalse(EmploymentCohort.release(employed: 1, cohortSize: 2, policy: Fx.v1).released)
        // No cohort: an input problem, nothing released.
        let none = EmploymentCohort.release(employed: 0, cohortSize: 0, policy: Fx.v1)
        XCTAssertFalse(none.released)
        XCTAssertFalse(none.inputProblems.isEmpty)
    }

    func testMembersWithValidEvidencePass() {
        let entries = [
            hired("w-1", on: "2021-06-30"), hired("w-2", on: "2021-12-20"),
            EmploymentCohort.Entry(
                workerId: "w-3",
                evidence: .contribution(
                    reference: "SI-1",
                    record: .init(
                        workerId: "w-3", month: Fx.date("2021-06-01")))),
        ]
        XCTAssertEqual(EmploymentCohort.problems(in: entries, cohort: cohort(3), today: today), [])
        XCTAssertEqual(EmploymentCohort.problems(in: [], cohort: cohort(3), today: today), [])
    }

    func testEvidenceProblemsNameTheWorkerAndTheReason() {
        let cases: [(EmploymentCohort.Entry, malformed: Bool, contains: String)] = [
            (hired("w-1", on: "2021-06-29"), true, "before the worker's completion date 2021-06-30"),
            (hired("w-1", on: "2021-12-21"), true, "in the future (today is 2021-12-20)"),
            (
                hired("w-1", code: String(employer.dropLast()) + (employer.last == "0" ? "1" : "0")), true,
                "wrong check character"
            ),
            (hired("w-1", code: "91371402MA3C4D5E"), true, "wrong length"),
            (hired("w-1", code: "91371402MA3C4D5EI"), true, "wrong length"),
            (
                EmploymentCohort.Entry(workerId: "w-1", evidence: .employer(creditCode: employer, startDate: nil)),
                true, "start_date: required"
            ),
            (EmploymentCohort.Entry(workerId: "w-1", evidence: nil), true, "evidence is required"),
            (EmploymentCohort.Entry(workerId: "", evidence: nil), true, "worker_id is required"),
            (
                EmploymentCohort.Entry(workerId: "w-1", evidence: .contribution(reference: "SI-9", record: nil)), false,
                "not attested by the social-insurance role"
            ),
            (
                EmploymentCohort.Entry(
                    workerId: "w-1",
                    evidence: .contribution(
                        reference: "SI-9",
                        record: .init(
                            workerId: "w-2", month: Fx.date("2021-08-01")))), false, "attested for another worker"
            ),
            (
                EmploymentCohort.Entry(
                    workerId: "w-1",
                    evidence: .contribution(
                        reference: "SI-9",
                        record: .init(
                            workerId: "w-1", month: Fx.date("2021-05-31")))), false,
                "is for 2021-05, before the worker's completion date"
            ),
            (
                EmploymentCohort.Entry(
                    workerId: "w-1",
                    evidence: .contribution(
                        reference: "SI-9",
                        record: .init(
                            workerId: "w-1", month: Fx.date("2022-01-01")))), false, "is for 2022-01, in the future"
            ),
            (hired("w-9"), false, "worker w-9 is not in the offering's cohort"),
        ]
        for (entry, malformed, text) in cases {
            let problems = EmploymentCohort.problems(in: [entry], cohort: cohort(2), today: today)
            XCTAssertEqual(problems.count, 1, text)
            XCTAssertEqual(problems.first?.malformed, malformed, text)
            XCTAssertTrue(problems.first?.message.contains(text) == true, "\(problems) lacks '\(text)'")
        }
        let twice = EmploymentCohort.problems(in: [hired("w-1"), hired("w-1")], cohort: cohort(2), today: today)
        XCTAssertEqual(twice.map(\.index), [1])
        XCTAssertTrue(twice[0].message.contains("more than once"))
    }

    func testCreditCodeCheckAgreesWithTheStandardsExample() {
        XCTAssertNil(CreditCodeCheck.problem(in: employer))
        XCTAssertNil(CreditCodeCheck.problem(in: employer.lowercased()))
        XCTAssertEqual(CreditCodeCheck.problem(in: ""), .missing)
        XCTAssertEqual(CreditCodeCheck.problem(in: "91371402MA3C4D5EO" + "1"), .invalidCharacter(position: 17, "O"))
        // A published code (国家市场监督管理总局 sample: 91350100M000100Y43).
        XCTAssertNil(CreditCodeCheck.problem(in: "91350100M000100Y43"))
    }
}
