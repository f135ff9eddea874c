import Schema
import Testing

@testable import Workload

/// A small consistent programme (claims, ledger, acknowledgements), doctored one way per test.
struct LedgerFixture {
    var claims: [Claim] = []
    var ledger: [LedgerEntry] = []
    var expected = Reconciliation.Expectations()

    /// An eligible claim; its payable tranches are paid (ledger + acknowledgement) unless `pay` is false.
    mutating func eligible(
        _ id: String, worker: String = "w-1", occupation: String = "6-31-01-03",
        level: SkillLevel = .l4IntermediateWorker,
        year: Int32 = 2020, kind: OfferingKind = .ordinary, offering: String = "o-1",
        tranches: [(Int64, TrancheState)] = [(150_000, .paid)]
    ) {
        let decisionTranches = tranches.enumerated().map { n, t in
            Tranche(
                id: "\(id)-t\(n + 1)", index: Int32(n), amountFen: t.0, state: t.1,
                ledgerEntryId: t.1 == .paid ? "le-\(id)-t\(n + 1)" : "",
                decidedBy: ["R1", "R2", kind == .projectBased ? "R7" : "R8"])
        }
        let claim = Claim(
            id: id, enrollmentId: "e-\(id)", workerId: worker, offeringId: offering, institutionId: "i-1",
            certificateNumber: "CERT-\(id)", occupation: Occupation(code: occupation, name: ""), level: level,
            offeringKind: kind,
            decision: Decision(
                eligible: true, amountFen: tranches.reduce(0) { $0 + $1.0 }, payeeKind: .institution, payeeId: "i-1",
                tranches: decisionTranches, policyVersion: "dezhou-2019-2021/v1", subsidyYear: year))
        claims.append(claim)
        expected.claims[id] = ReplayRecord.AcknowledgedClaim(
            trainingIndex: claims.count, claimID: id, eligible: true, refusingRuleIDs: [])
        for tranche in decisionTranches where tranche.state == .paid {
            let entry = LedgerEntry(
                id: tranche.ledgerEntryId, sequence: Int64(ledger.count + 1), trancheId: tranche.id, claimId: id,
                payeeKind: .institution, payeeId: "i-1", amountFen: tranche.amountFen, purpose: .trainingSubsidy,
                policyVersion: "dezhou-2019-2021/v1", ruleIds: ["R1", "R11", "R8"], enrollmentId: "e-\(id)",
                certificateNumber: "CERT-\(id)", decidedBy: tranche.decidedBy)
            ledger.append(entry)
            expected.disbursements[tranche.id] = entry
        }
    }

    mutating func refused(_ id: String, rule: String, worker: String = "w-1") {
        claims.append(
            Claim(
                id: id, enrollmentId: "e-\(id)", workerId: worker, offeringId: "o-1", institutionId: "i-1",
                certificateNumber: "CERT-\(id)", occupation: Occupation(code: "4-03-02-01", name: ""),
                level: .l5JuniorWorker,
                offeringKind: .ordinary,
                decision: Decision(eligible: false, refusingRuleIds: [rule], policyVersion: "dezhou-2019-2021/v1")))
        expected.claims[id] = ReplayRecord.AcknowledgedClaim(
            trainingIndex: claims.count, claimID: id, eligible: false, refusingRuleIDs: [rule])
    }

    static func consistent() -> LedgerFixture {
        var f = LedgerFixture()
        f.eligible("c-1")
        f.eligible("c-2", worker: "w-2", occupation: "6-18-02-04")
        f.eligible(
            "c-3", worker: "w-3", kind: .projectBased, offering: "o-met", tranches: [(84_000, .paid), (56_000, .paid)])
        f.eligible(
            "c-4", worker: "w-4", kind: .projectBased, offering: "o-below",
            tranches: [(84_000, .paid), (56_000, .held)])
        f.refused("c-5", rule: "R4")
        f.expected.employmentRates = ["o-met": 8500, "o-below": 8490]
        return f
    }

    func check() -> Reconciliation.Report { Reconciliation.check(ledger: ledger, claims: claims, expected: expected) }
}

@Suite struct ReconciliationTests {
    @Test func aConsistentProgrammeReconciles() {
        let report = LedgerFixture.consistent().check()
        #expect(report.isConsistent, "\(report.problems)")
        #expect(report.ledgerEntries == 5 && report.paidFen == 150_000 * 2 + 84_000 * 2 + 56_000)
        #expect(report.heldTranches == 1 && report.heldFen == 56_000)
        #expect(report.eligibleClaims == 4 && report.refusalsByRule == ["R4": 1])
        #expect(report.summary.hasPrefix("reconciliation: OK"))
    }

    func expect(_ kind: Reconciliation.ProblemKind, _ doctor: (inout LedgerFixture) -> Void) {
        var fixture = LedgerFixture.consistent()
        doctor(&fixture)
        let report = fixture.check()
        #expect(report.count(kind) > 0, "expected \(kind), got \(report.problems)")
        #expect(report.summary.hasPrefix("reconciliation: FAILED"))
    }

    @Test func aGapInTheSequences() {
        expect(.sequenceGap) { $0.ledger[2].sequence = 7 }
    }

    @Test func aTranchePaidTwice() {
        expect(.tranchePaidTwice) { f in
            var again = f.ledger[0]
            again.id = "le-again"
            again.sequence = Int64(f.ledger.count + 1)
            f.ledger.append(again)
        }
    }

    @Test func anEntryWithoutTheFundsRuleOrCertificate() {
        expect(.untraceableEntry) { $0.ledger[1].ruleIds = ["R1"] }
        expect(.untraceableEntry) { $0.ledger[1].certificateNumber = "" }
        expect(.untraceableEntry) { $0.ledger[1].decidedBy = [] }
    }

    @Test func anEntryForAnUnknownClaim() {
        expect(.unknownClaim) { $0.ledger[0].claimId = "c-nobody" }
    }

    @Test func aRefusedClaimPaid() {
        expect(.refusedClaimPaid) { $0.claims[0].decision?.eligible = false }
    }

    @Test func anEntryThatDisagreesWithItsClaim() {
        expect(.entryDisagreesWithClaim) { $0.ledger[0].certificateNumber = "CERT-other" }
        expect(.entryDisagreesWithClaim) { $0.ledger[0].payeeId = "i-2" }
        expect(.entryDisagreesWithClaim) { $0.ledger[0].decidedBy = ["R1", "R2", "R8", "R9"] }
    }

    @Test func aPaidTrancheWithoutEntry() {
        expect(.paidTrancheWithoutEntry) { f in
            f.ledger.removeLast()
            f.expected.disbursements = f.expected.disbursements.filter { $0.key != "c-4-t1" }
        }
    }

    @Test func fourSubsidisedTrainingsInAYear() {
        expect(.tooManyInYear) { f in
            for (n, code) in ["4-03-02-01", "4-03-02-02", "4-03-02-07", "4-10-01-06"].enumerated() {
                f.eligible("c-r3-\(n)", worker: "w-9", occupation: code)
            }
        }
    }

    @Test func theSameOccupationAndLevelTwice() {
        expect(.sameOccupationAndLevelTwice) { $0.eligible("c-r4", worker: "w-1", year: 2021) }
    }

    @Test func heldTranchesWhereTheRateMetTheThreshold() {
        expect(.heldWhereNotExpected) { $0.expected.employmentRates["o-below"] = 8500 }
        expect(.heldWhereNotExpected) { $0.eligible("c-odd", worker: "w-8", tranches: [(100, .paid), (50, .held)]) }
    }

    @Test func nothingHeldWhereTheRateIsBelow() {
        expect(.notHeldWhereExpected) { $0.expected.employmentRates["o-met"] = 8499 }
    }

    @Test func anAcknowledgedPaymentMissingFromTheLedger() {
        expect(.lostAcknowledgedPayment) { f in
            f.ledger.removeAll { $0.trancheId == "c-2-t1" }
            f.claims[1].decision?.tranches[0].state = .payable
            for i in f.ledger.indices { f.ledger[i].sequence = Int64(i + 1) }
        }
        expect(.totalsDiffer) { f in
            f.expected.disbursements["c-1-t1"]?.amountFen = 149_999
        }
    }

    @Test func aPaymentNobodyAcknowledged() {
        expect(.unacknowledgedPayment) { $0.expected.disbursements["c-3-t2"] = nil }
    }

    @Test func anAcknowledgedClaimMissingOrChanged() {
        expect(.acknowledgedClaimMissing) {
            $0.expected.claims["c-lost"] = .init(
                trainingIndex: 9, claimID: "c-lost", eligible: true, refusingRuleIDs: [])
        }
        expect(.decisionChanged) {
            $0.expected.claims["c-5"] = .init(trainingIndex: 5, claimID: "c-5", eligible: true, refusingRuleIDs: [])
        }
    }

    @Test func anUnplannedDecisionAndAFailedJourney() {
        expect(.unexpectedDecision) {
            $0.expected.unexpectedDecisions = [
                .init(trainingIndex: 3, expected: .refused(rule: "R3"), eligible: true, refusingRuleIDs: [])
            ]
        }
        expect(.journeyFailed) { $0.expected.failures = [4: "UNAVAILABLE: gave up"] }
    }

    @Test func tranchesThatDoNotSumToTheDecision() {
        expect(.tranchesDoNotSum) { $0.claims[0].decision?.amountFen = 1 }
    }

    @Test func aClaimListedTwice() {
        expect(.claimListedTwice) { $0.claims.append($0.claims[4]) }
    }

    @Test func notExclusiveChecksOnlyTheReplaysClaims() {
        var f = LedgerFixture.consistent()
        f.expected.exclusive = false
        let foreign = LedgerFixture.consistent()
        // Someone else's claim and entry (booked first) are not the replay's business...
        f.claims.append(Claim(id: "c-other", workerId: "w-x", decision: Decision(eligible: true)))
        var entry = foreign.ledger[0]
        entry.claimId = "c-other"
        f.ledger.insert(entry, at: 0)
        for i in f.ledger.indices { f.ledger[i].sequence = Int64(i + 1) }
        #expect(f.check().isConsistent, "\(f.check().problems)")
        // ...but the sequences still are.
        f.ledger[3].sequence = 99
        #expect(f.check().count(.sequenceGap) == 1)
    }
}
