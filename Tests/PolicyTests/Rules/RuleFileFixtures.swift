import XCTest

@testable import Policy

/// Builders for testing one rule file of Shared/Policy/Rules alone: the facts a rule reads and the
/// settlement the paying rules (R7, R8, R9, R11, T1) receive, with `Fx`'s defaults (an urban G1
/// electrician at level 4, completed 2019-06-15, under v1).
enum RuleFile {
    static func facts(
        worker: WorkerFacts = Fx.worker(),
        enrollment: EnrollmentFacts = Fx.enrollment(),
        certificate: CertificateFacts? = Fx.certificate(),
        priors: [PriorSubsidy] = [],
        policy: PolicyData = Fx.v1
    ) -> ClaimFacts {
        ClaimFacts(
            worker: worker, enrollment: enrollment, certificate: certificate, priorSubsidies: priors, policy: policy)
    }

    /// What the eligibility rules would leave: `eligible` decides, the rest follows from the facts.
    static func settled(_ facts: ClaimFacts, eligible: Bool = true) -> Settlement {
        SubsidyEngine.settle(facts, standardFen: R1Standard.check(facts).standardFen, eligible: eligible)
    }
}

/// `SubsidyEngine.decide` is the rule files composed in docs/POLICY.md order: its trace is their
/// lines, and a refusal names exactly the rule files that refused.
final class RuleCompositionTests: XCTestCase {
    func testDecideTracesEveryRuleFileInOrder() {
        let cases: [(WorkerFacts, EnrollmentFacts, CertificateFacts?, [PriorSubsidy])] = [
            (Fx.worker([Fx.attested(.g5)]), Fx.enrollment(kind: .projectBased), Fx.certificate(), []),
            (Fx.worker(pension: true), Fx.enrollment(filingAccepted: false), nil, Fx.threeIn(2019)),
        ]
        for (w, e, c, p) in cases {
            let f = RuleFile.facts(worker: w, enrollment: e, certificate: c, priors: p)
            let decision = SubsidyEngine.decide(
                worker: w, enrollment: e, certificate: c, priorSubsidies: p, policy: Fx.v1)
            let gates: [TraceLine] = [
                R1Standard.check(f).line, R2Certificate.check(f).line, R3YearlyLimit.check(f).line,
                R4NeverTwice.check(f).line, R5Pension.check(f).line, R6PreJobTraining.check(f).line,
            ]
            let r10 = R10Filing.check(f).line
            let refused = (gates + [r10]).filter { $0.outcome == .refused }.map(\.rule)
            let s = RuleFile.settled(f, eligible: refused.isEmpty)
            let r7 = R7ProjectBased.split(f, s)
            let r9 = R9LivingAllowance.check(f, s, nextIndex: r7.tranches.count + 1)
            let expected =
                gates + [
                    r7.line, R8FreeTraining.check(f, s).line, r9.line, r10,
                    R11SpecialFund.check(f, s, refusedBy: refused, allowanceFen: r9.allowanceFen).line,
                    T1Target.check(f, eligible: s.eligible, year: R3YearlyLimit.check(f).year).line,
                ]
            XCTAssertEqual(decision.trace, expected)
            XCTAssertEqual(decision.refusedBy, refused)
            XCTAssertEqual(decision.tranches, r7.tranches + (r9.tranche.map { [$0] } ?? []))
        }
    }
}
