import Schema
import XCTest

@testable import RegistrationCore

/// An `attested` flag the caller cannot back is refused, not dropped; hukou is the one rural fact.
final class WorkerFactsConsistencyTests: XCTestCase {
    let table = AttestationTable.dezhouDefault

    func testAnAttestedFlagTheRoleCannotGiveIsRefused() {
        let facts = [
            CategoryFact(category: .g8Unemployed, attested: true), CategoryFact(category: .g1EnterpriseEmployee),
        ]
        let problems = WorkerFactsConsistency.unbackedAttestations(
            facts, callerRole: "worker-portal", previous: [], table: table,
            field: "worker.categories")
        XCTAssertEqual(problems.map(\.field), ["worker.categories[0].attested"])
        XCTAssertTrue(problems[0].message.contains("G8 is attested by hrss, social-insurance"), problems[0].message)
        XCTAssertEqual(
            WorkerFactsConsistency.unbackedAttestations(
                facts, callerRole: "hrss", previous: [], table: table,
                field: "worker.categories"), [])
    }

    func testAStoredAttestationWithTheSameDetailsCarriesOver() {
        let stored = [
            CategoryFact(
                category: .g8Unemployed, attested: true, attestedByRole: "hrss", attestedBy: "hrss-dev",
                evidenceReference: "SY-1")
        ]
        let resent = [
            CategoryFact(category: .g8Unemployed, attested: true, attestedByRole: "hrss", evidenceReference: "SY-1")
        ]
        XCTAssertEqual(
            WorkerFactsConsistency.unbackedAttestations(
                resent, callerRole: "worker-portal", previous: stored, table: table,
                field: "f"), [])
        var changed = resent
        changed[0].evidenceReference = "SY-2"
        XCTAssertEqual(
            WorkerFactsConsistency.unbackedAttestations(
                changed, callerRole: "worker-portal", previous: stored, table: table,
                field: "f"
            ).count, 1)
    }

    func testHukouDecidesRural() {
        let g6 = [CategoryFact(category: .g6TwoAfterYouth, rural: true), CategoryFact(category: .g8Unemployed)]
        XCTAssertEqual(
            WorkerFactsConsistency.ruralContradictions(g6, hukou: .urban, field: "c").map(\.field), ["c[0].rural"])
        XCTAssertEqual(WorkerFactsConsistency.ruralContradictions(g6, hukou: .rural, field: "c"), [])
        let unset = [CategoryFact(category: .g6TwoAfterYouth)]
        XCTAssertEqual(WorkerFactsConsistency.mirrorHukou(unset, hukou: .rural).map(\.rural), [true])
        XCTAssertEqual(WorkerFactsConsistency.mirrorHukou(g6, hukou: .urban).map(\.rural), [false, false])
    }
}
