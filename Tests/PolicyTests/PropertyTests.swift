import Essentials
import XCTest

@testable import Policy

/// Random but plausible inputs: known and unknown occupations, all levels (and some invalid),
/// dates 2018..2022 (and some impossible), every offering kind, random categories with random
/// attestation, certificates good and bad, 0..5 earlier subsidies.
struct CaseGenerator {
    var rng: SeededRandom
    let codes: [String]

    init(seed: UInt64, policy: PolicyData) {
        rng = SeededRandom(seed: seed)
        codes = policy.occupations.map(\.code) + ["4-01-02-07", "9-99-99-99"]
    }

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }
    mutating func pick<T>(_ a: [T]) -> T { a[int(0...(a.count - 1))] }

    mutating func date() -> CivilDate {
        if chance(1) { return CivilDate(2021, 2, 30) }
        let y = int(2018...2022)
        let m = int(1...12)
        return CivilDate(y, m, int(1...CivilDate.daysInMonth(year: y, month: m)))
    }

    mutating func level() -> Int { chance(1) ? 0 : int(1...5) }

    mutating func next() -> (WorkerFacts, EnrollmentFacts, CertificateFacts?, [PriorSubsidy]) {
        var cats: [CategoryFact] = []
        for _ in 0..<int(0...3) { cats.append(CategoryFact(pick(Group.allCases), attested: chance(60))) }
        let enterprise = pick(["ENT1", "ENT2"])
        let worker = WorkerFacts(
            workerId: "W\(int(1...1000))", categories: cats, hukou: chance(50) ? .rural : .urban,
            lowIncomeSupport: chance(30), lowIncomeSupportAttested: chance(50),
            employerId: chance(80) ? enterprise : nil,
            drawsMonthlyPension: chance(5))
        let code = pick(codes)
        let lvl = level()
        let kind = pick(OfferingKind.allCases)
        let enrollment = EnrollmentFacts(
            enrollmentId: "E\(int(1...100_000))", offeringId: "O\(int(1...50))", occupationCode: code, level: lvl,
            institution: InstitutionFacts(
                institutionId: "I\(int(1...20))", filingAccepted: chance(95),
                licenceScope: chance(95) ? [code, pick(codes)] : [pick(codes)]),
            offeringKind: kind, completionDate: date(), trainingDays: int(0...60),
            attendancePercent: chance(1) ? 120 : int(50...100),
            enterpriseId: kind == .newHirePreJob ? (chance(90) ? pick(["ENT1", "ENT2"]) : nil) : nil)
        var certificate: CertificateFacts?
        if chance(92) {
            let k = pick(CertificateKind.allCases)
            certificate = CertificateFacts(
                certificateId: "C\(int(1...1000))", kind: k, occupationCode: chance(97) ? code : pick(codes),
                level: (k == .skillLevel || k == .occupationalQualification)
                    ? (chance(90) ? max(1, lvl - int(0...1)) : int(1...5)) : nil,
                verified: chance(95), revoked: chance(2), fromThisTraining: chance(97))
        }
        var priors: [PriorSubsidy] = []
        for i in 0..<int(0...5) {
            priors.append(
                PriorSubsidy(
                    enrollmentId: "P\(i)", occupationCode: pick(codes), level: int(1...5),
                    completionDate: CivilDate(int(2019...2021), int(1...12), int(1...28))))
        }
        return (worker, enrollment, certificate, priors)
    }
}

final class PropertyTests: XCTestCase {
    static let cases = 5_000

    func testPropertiesHoldForThousandsOfRandomCases() {
        let book = Fx.book
        var gen = CaseGenerator(seed: 0x5EED_2019_2021, policy: Fx.v2)
        var eligible = 0
        var refused = 0
        var withAllowance = 0
        var projects = 0
        for i in 0..<Self.cases {
            let (w, e, c, p) = gen.next()
            let d = SubsidyEngine.decide(worker: w, enrollment: e, certificate: c, priorSubsidies: p, book: book)
            let ctx = "case \(i)\n\(d.traceText)"
            guard let policy = book.version(id: d.policyVersion) else { return XCTFail("unknown version " + ctx) }

            // No decision pays more than the standard plus the allowance (and the allowance cap).
            XCTAssertLessThanOrEqual(d.amountFen, d.standardFen, ctx)
            XCTAssertLessThanOrEqual(d.livingAllowanceFen, policy.livingAllowance.maximumFen, ctx)
            XCTAssertLessThanOrEqual(d.totalFen, d.standardFen + policy.livingAllowance.maximumFen, ctx)
            XCTAssertGreaterThanOrEqual(d.amountFen, 0, ctx)
            XCTAssertGreaterThanOrEqual(d.livingAllowanceFen, 0, ctx)

            // Tranches sum exactly to the amount (subsidy) and the allowance; none is empty.
            let subsidy = d.tranches.filter { $0.purpose == .trainingSubsidy }.reduce(Int64(0)) { $0 + $1.amountFen }
            let allowance = d.tranches.filter { $0.purpose == .livingAllowance }.reduce(Int64(0)) { $0 + $1.amountFen }
            XCTAssertEqual(subsidy, d.amountFen, ctx)
            XCTAssertEqual(allowance, d.livingAllowanceFen, ctx)
            XCTAssertEqual(d.payableNowFen + d.heldFen, d.totalFen, ctx)
            XCTAssertTrue(d.tranches.allSatisfy { $0.amountFen > 0 }, ctx)
            XCTAssertEqual(d.tranches.map(\.index), d.tranches.indices.map { $0 + 1 }, ctx)
            XCTAssertTrue(
                d.tranches.filter { $0.purpose == .livingAllowance }.allSatisfy {
                    $0.payee == Payee(.worker, w.workerId)
                }, ctx)

            // Refusals name at least one rule and pay nothing; eligible decisions name none.
            if d.isEligible {
                eligible += 1
                XCTAssertEqual(d.refusedBy, [], ctx)
                XCTAssertNotNil(d.payee, ctx)
                XCTAssertEqual(d.trace.map(\.rule), RuleID.all, ctx)
            } else {
                refused += 1
                XCTAssertFalse(d.refusedBy.isEmpty, ctx)
                XCTAssertEqual(d.totalFen, 0, ctx)
                XCTAssertEqual(d.tranches, [], ctx)
                XCTAssertNil(d.payee, ctx)
                XCTAssertFalse(d.countsTowardTarget, ctx)
                for r in d.refusedBy {
                    XCTAssertTrue(
                        d.trace.contains { $0.rule == r && $0.outcome == .refused },
                        "refusing rule \(r) without a refused line: " + ctx)
                }
            }
            if d.livingAllowanceFen > 0 { withAllowance += 1 }
            if d.heldFen > 0 { projects += 1 }
            // Free training costs the worker nothing; 先垫后补 advances exactly the subsidy.
            if d.feeRegime != .advanceThenReimburse { XCTAssertEqual(d.workerAdvanceFen, 0, ctx) }
            if d.isEligible && d.feeRegime == .advanceThenReimburse {
                XCTAssertEqual(d.workerAdvanceFen, d.amountFen, ctx)
            }

            // Replay with the same version gives the same decision; so does reordering the inputs.
            let replay = SubsidyEngine.decide(
                worker: w, enrollment: e, certificate: c, priorSubsidies: p, policy: policy)
            XCTAssertEqual(replay, d, ctx)
            var shuffledWorker = w
            shuffledWorker.categories.reverse()
            let reordered = SubsidyEngine.decide(
                worker: shuffledWorker, enrollment: e, certificate: c,
                priorSubsidies: p.reversed(), policy: policy)
            XCTAssertEqual(reordered.outcome, d.outcome, ctx)
            XCTAssertEqual(reordered.refusedBy, d.refusedBy, ctx)
            XCTAssertEqual(reordered.tranches, d.tranches, ctx)
        }
        // The generator reaches both outcomes and the interesting branches.
        XCTAssertGreaterThan(eligible, Self.cases / 10)
        XCTAssertGreaterThan(refused, Self.cases / 10)
        XCTAssertGreaterThan(withAllowance, 50)
        XCTAssertGreaterThan(projects, 50)
    }

    /// The R7 comparison agrees with exact rational arithmetic for every (trained, employed) pair up
    /// to 200 trainees, and never releases below 85%.
    func testEmploymentThresholdIsExactForSmallCohorts() {
        for trained in 1...200 {
            for employed in 0...trained {
                let r = SubsidyEngine.releaseHeldTranche(
                    employment: EmploymentReport(offeringId: "O", trained: trained, employed: employed),
                    policy: Fx.v1)
                XCTAssertEqual(r.released, employed * 20 >= trained * 17, "\(employed)/\(trained)")
            }
        }
    }

    /// Rough speed figure for the replay benchmark (~150,000 decisions). Printed, not asserted hard.
    func testDecisionThroughput() {
        var gen = CaseGenerator(seed: 42, policy: Fx.v2)
        let inputs = (0..<10_000).map { _ in gen.next() }
        let book = Fx.book
        let clock = ContinuousClock()
        var eligible = 0
        let elapsed = clock.measure {
            for (w, e, c, p) in inputs {
                if SubsidyEngine.decide(worker: w, enrollment: e, certificate: c, priorSubsidies: p, book: book)
                    .isEligible
                {
                    eligible += 1
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perSecond = Double(inputs.count) / max(seconds, 1e-9)
        print(
            "PolicyTests throughput: \(inputs.count) decisions in \(elapsed) = \(Int(perSecond)) decisions/s (\(eligible) eligible); 150,000 would take \(150_000 / max(perSecond, 1)) s"
        )
        XCTAssertGreaterThan(perSecond, 1_000, "the engine is far too slow for the replay benchmark")
    }
}
