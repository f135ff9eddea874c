import Foundation
import XCTest

@testable import Policy

/// R11: each tranche names the rules that decided it, from the engine's branch (not a fixed list),
/// and a refusal says why with its rule id.
final class RuleAttributionTests: XCTestCase {
    private func decide(
        _ worker: WorkerFacts, _ enrollment: EnrollmentFacts,
        certificate: CertificateFacts? = Fx.certificate()
    ) -> SubsidyDecision {
        SubsidyEngine.decide(
            worker: worker, enrollment: enrollment, certificate: certificate, priorSubsidies: [], book: Fx.book)
    }

    func testOrdinaryFreeTrainingIsDecidedByR1R2R8Only() {
        let d = decide(Fx.worker([Fx.attested(.g8)]), Fx.enrollment())
        XCTAssertTrue(d.isEligible)
        XCTAssertEqual(d.tranches.map(\.decidedBy), [[.r1, .r2, .r8]])
        XCTAssertEqual(d.decidedBy, [.r1, .r2, .r8])
        for rule in [RuleID.r6, .r7, .r9, .t1] { XCTAssertFalse(d.decidedBy.contains(rule), "\(rule) decided nothing") }
    }

    func testLivingAllowanceTrancheIsDecidedByR9() {
        let d = decide(Fx.worker([Fx.attested(.g5)]), Fx.enrollment())
        XCTAssertEqual(d.tranches.map(\.purpose), [.trainingSubsidy, .livingAllowance])
        XCTAssertEqual(d.tranches.map(\.decidedBy), [[.r1, .r2, .r8], [.r9]])
        XCTAssertEqual(d.decidedBy, [.r1, .r2, .r8, .r9])
    }

    func testNewHireAndProjectTranchesNameR6AndR7() {
        let worker = Fx.worker([Fx.declared(.g2)], employer: "ENT1")
        let newHire = decide(worker, Fx.enrollment(kind: .newHirePreJob, enterprise: "ENT1"))
        XCTAssertEqual(newHire.tranches.map(\.decidedBy), [[.r1, .r2, .r6]])
        let project = decide(Fx.worker(), Fx.enrollment(kind: .projectBased))
        XCTAssertEqual(project.tranches.map(\.decidedBy), [[.r1, .r2, .r7], [.r1, .r2, .r7]])
        XCTAssertTrue(project.tranches[1].isHeld)
    }

    func testCompletionAfterTheProgrammeNamesItsLastDay() {
        let d = decide(Fx.worker(), Fx.enrollment(completed: "2022-01-05"))
        XCTAssertEqual(d.refusedBy, [.r1])
        XCTAssertTrue(
            d.refusalReason.hasPrefix(
                "R1: the completion date 2022-01-05 falls after the programme's last policy period, which ends 2021-12-31"
            ), d.refusalReason)
        XCTAssertEqual(d.decidedBy, [])
    }

    func testCompletionBeforeTheProgrammeNamesItsFirstDay() {
        let d = decide(Fx.worker(), Fx.enrollment(completed: "2018-12-31"))
        XCTAssertTrue(
            d.refusalReason.contains("falls before the programme's first policy period, which begins 2019-01-01"),
            d.refusalReason)
    }

    func testRefusalReasonListsEveryRefusingRuleWithItsId() {
        let d = decide(Fx.worker(pension: true), Fx.enrollment(), certificate: nil)
        XCTAssertEqual(d.refusedBy, [.r2, .r5])
        let parts = d.refusalReason.components(separatedBy: "; ")
        XCTAssertTrue(parts.first?.hasPrefix("R2: ") ?? false, d.refusalReason)
        XCTAssertTrue(parts.contains { $0.hasPrefix("R5: ") }, d.refusalReason)
        XCTAssertEqual(decide(Fx.worker(), Fx.enrollment()).refusalReason, "")
    }

    func testReplayWithTheRecordedVersionNamesTheSameRules() {
        let original = decide(Fx.worker([Fx.attested(.g5)]), Fx.enrollment(completed: "2020-08-01"))
        let replay = SubsidyEngine.decide(
            worker: Fx.worker([Fx.attested(.g5)]), enrollment: Fx.enrollment(completed: "2020-08-01"),
            certificate: Fx.certificate(), priorSubsidies: [],
            policy: Fx.book.version(id: original.policyVersion)!)
        XCTAssertEqual(replay, original)
    }
}
