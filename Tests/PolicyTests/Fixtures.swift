import Essentials
import Foundation
import XCTest

@testable import Policy

/// Shared fixtures: the shipped Dezhou book and builders for facts with sensible defaults
/// (an urban enterprise employee (G1), electrician level 4, completed 2019-06-15, verified skill
/// level certificate, accepted institution whose scope covers the occupation).
enum Fx {
    static let book: PolicyBook = {
        do { return try PolicyBook.bundled() } catch { fatalError("bundled policy: \(error)") }
    }()

    static let v1ID = "dezhou-2019-2021/v1"
    static let v2ID = "dezhou-2019-2021/v2"
    static var v1: PolicyData { book.version(id: v1ID)! }
    static var v2: PolicyData { book.version(id: v2ID)! }

    static let electrician = "6-31-01-03"
    static let welder = "6-18-02-04"
    static let domestic = "4-10-01-06"
    static let childcare = "4-10-01-02"
    static let cook = "4-03-02-01"

    static func date(_ s: String) -> CivilDate {
        guard let d = CivilDate(iso: s) else { fatalError("bad fixture date \(s)") }
        return d
    }

    static func worker(
        _ categories: [CategoryFact] = [CategoryFact(.g1, attested: false)],
        id: String = "W1",
        hukou: Hukou = .urban,
        lowIncome: Bool = false,
        lowIncomeAttested: Bool = false,
        employer: String? = "ENT1",
        pension: Bool = false
    ) -> WorkerFacts {
        WorkerFacts(
            workerId: id, categories: categories, hukou: hukou, lowIncomeSupport: lowIncome,
            lowIncomeSupportAttested: lowIncomeAttested, employerId: employer, drawsMonthlyPension: pension)
    }

    static func attested(_ g: Group) -> CategoryFact { CategoryFact(g, attested: true, attestedBy: "dept") }
    static func declared(_ g: Group) -> CategoryFact { CategoryFact(g, attested: false) }

    static func enrollment(
        occupation: String = electrician,
        level: Int = 4,
        completed: String = "2019-06-15",
        kind: OfferingKind = .ordinary,
        enterprise: String? = nil,
        filingAccepted: Bool = true,
        scope: [String]? = nil,
        days: Int = 20,
        attendance: Int = 100,
        id: String = "E1"
    ) -> EnrollmentFacts {
        EnrollmentFacts(
            enrollmentId: id, offeringId: "O1", occupationCode: occupation, level: level,
            institution: InstitutionFacts(
                institutionId: "I1", filingAccepted: filingAccepted, licenceScope: scope ?? [occupation]),
            offeringKind: kind, completionDate: CivilDate(iso: completed) ?? CivilDate.parseShape(completed)!,
            trainingDays: days, attendancePercent: attendance, enterpriseId: enterprise)
    }

    static func certificate(
        occupation: String = electrician,
        kind: CertificateKind = .skillLevel,
        level: Int? = 4,
        verified: Bool = true,
        revoked: Bool = false,
        fromThisTraining: Bool = true
    ) -> CertificateFacts {
        CertificateFacts(
            certificateId: "C1", kind: kind, occupationCode: occupation, level: level,
            verified: verified, revoked: revoked, fromThisTraining: fromThisTraining)
    }

    static func prior(_ occupation: String = cook, level: Int = 5, completed: String, id: String? = nil) -> PriorSubsidy
    {
        PriorSubsidy(
            enrollmentId: id ?? "P-\(occupation)-\(level)-\(completed)", occupationCode: occupation,
            level: level, completionDate: date(completed))
    }

    /// Three earlier subsidies in a year, each a different occupation (so only R3 can bite).
    static func threeIn(_ year: Int) -> [PriorSubsidy] {
        [
            prior(cook, completed: "\(year)-02-01"), prior(welder, completed: "\(year)-05-01"),
            prior(domestic, completed: "\(year)-09-01"),
        ]
    }
}

/// Both sides of a boundary: `holds` is the side where the rule is satisfied or applies; `breaks`
/// the side where it refuses or does not apply.
enum Side: String, Sendable {
    case holds
    case breaks
}

/// What a decision must look like. `nil` fields are not checked.
struct Expect: Sendable {
    var outcome: SubsidyDecision.Outcome
    var refusedBy: [RuleID] = []
    var amountFen: Int64? = nil
    var allowanceFen: Int64? = nil
    var payee: Payee? = nil
    var feeRegime: FeeRegime? = nil
    var workerAdvanceFen: Int64? = nil
    var trancheAmounts: [Int64]? = nil
    var heldFen: Int64? = nil
    var version: String? = nil
    var trainingNumberInYear: Int? = nil
    var countsTowardTarget: Bool? = nil
    /// The outcome of the trace line of the rule under test.
    var ruleLine: TraceOutcome? = nil
    /// Substrings the rule's trace line must contain (in zh or en).
    var ruleLineContains: [String] = []
    var inputProblemFields: [String]? = nil
}

struct DecisionCase: Sendable {
    var worker: WorkerFacts = Fx.worker()
    var enrollment: EnrollmentFacts = Fx.enrollment()
    var certificate: CertificateFacts? = Fx.certificate()
    var priors: [PriorSubsidy] = []
    /// Decide with this version instead of the one in force (replay, out-of-range checks).
    var version: String? = nil
    var expect: Expect
}

enum Check: Sendable {
    case decision(DecisionCase)
    /// R7: (trained, employed) -> released?
    case employment(trained: Int, employed: Int, released: Bool, problems: [String])
    /// T1: achieved -> met?
    case target(achieved: Int, met: Bool, permille: Int)
    /// R1: standard lookup on a date.
    case standard(occupation: String, level: Int, on: String, fen: Int64?, version: String?)
}

struct RuleCase: Sendable {
    var name: String
    var side: Side
    var check: Check
}

func dc(_ name: String, _ side: Side, _ c: DecisionCase) -> RuleCase {
    RuleCase(name: name, side: side, check: .decision(c))
}

/// Runs checks and reports through XCTest.
enum Runner {
    static func decide(_ c: DecisionCase) -> SubsidyDecision {
        if let v = c.version {
            return SubsidyEngine.decide(
                worker: c.worker, enrollment: c.enrollment, certificate: c.certificate,
                priorSubsidies: c.priors, policy: Fx.book.version(id: v)!)
        }
        return SubsidyEngine.decide(
            worker: c.worker, enrollment: c.enrollment, certificate: c.certificate,
            priorSubsidies: c.priors, book: Fx.book)
    }

    static func run(_ rule: RuleID, _ cases: [RuleCase], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(cases.isEmpty, "\(rule): no cases", file: file, line: line)
        for rc in cases { run(rule, rc, file: file, line: line) }
    }

    static func run(_ rule: RuleID, _ rc: RuleCase, file: StaticString = #filePath, line: UInt = #line) {
        let label = "\(rule) [\(rc.side.rawValue)] \(rc.name)"
        switch rc.check {
        case .decision(let c):
            let d = decide(c)
            let e = c.expect
            let ctx = "\(label)\n\(d.traceText)"
            XCTAssertEqual(d.outcome, e.outcome, ctx, file: file, line: line)
            XCTAssertEqual(d.refusedBy, e.refusedBy, ctx, file: file, line: line)
            if let v = e.amountFen { XCTAssertEqual(d.amountFen, v, "amount: " + ctx, file: file, line: line) }
            if let v = e.allowanceFen {
                XCTAssertEqual(d.livingAllowanceFen, v, "allowance: " + ctx, file: file, line: line)
            }
            if let v = e.payee { XCTAssertEqual(d.payee, v, "payee: " + ctx, file: file, line: line) }
            if let v = e.feeRegime { XCTAssertEqual(d.feeRegime, v, "regime: " + ctx, file: file, line: line) }
            if let v = e.workerAdvanceFen {
                XCTAssertEqual(d.workerAdvanceFen, v, "advance: " + ctx, file: file, line: line)
            }
            if let v = e.trancheAmounts {
                XCTAssertEqual(d.tranches.map(\.amountFen), v, "tranches: " + ctx, file: file, line: line)
            }
            if let v = e.heldFen { XCTAssertEqual(d.heldFen, v, "held: " + ctx, file: file, line: line) }
            if let v = e.version { XCTAssertEqual(d.policyVersion, v, "version: " + ctx, file: file, line: line) }
            if let v = e.trainingNumberInYear {
                XCTAssertEqual(d.trainingNumberInYear, v, "nth: " + ctx, file: file, line: line)
            }
            if let v = e.countsTowardTarget {
                XCTAssertEqual(d.countsTowardTarget, v, "T1: " + ctx, file: file, line: line)
            }
            if let v = e.inputProblemFields {
                XCTAssertEqual(d.inputProblems.map(\.field), v, "problems: " + ctx, file: file, line: line)
            }
            let lines = d.trace.filter { $0.rule == rule }
            XCTAssertFalse(lines.isEmpty, "no trace line for \(rule): " + ctx, file: file, line: line)
            if let o = e.ruleLine {
                XCTAssertEqual(lines.first?.outcome, o, "trace outcome: " + ctx, file: file, line: line)
            }
            for s in e.ruleLineContains {
                XCTAssertTrue(
                    lines.contains { $0.zh.contains(s) || $0.en.contains(s) }, "trace lacks \"\(s)\": " + ctx,
                    file: file, line: line)
            }
            for l in d.trace {
                XCTAssertTrue(
                    l.zh.hasPrefix(l.rule.rawValue + ": ") && l.en.hasPrefix(l.rule.rawValue + ": "),
                    "trace line not prefixed by its rule id: \(l)", file: file, line: line)
            }
        case .employment(let trained, let employed, let released, let problems):
            let r = SubsidyEngine.releaseHeldTranche(
                employment: EmploymentReport(offeringId: "O1", trained: trained, employed: employed),
                policy: Fx.v1)
            XCTAssertEqual(r.released, released, "\(label): \(r.trace)", file: file, line: line)
            XCTAssertEqual(r.inputProblems.map(\.field), problems, label, file: file, line: line)
            XCTAssertEqual(r.trace.rule, .r7, label, file: file, line: line)
        case .target(let achieved, let met, let permille):
            let p = SubsidyEngine.targetProgress(subsidisedTrainings: achieved, policy: Fx.v1)
            XCTAssertEqual(p.met, met, label, file: file, line: line)
            XCTAssertEqual(p.permille, permille, label, file: file, line: line)
            XCTAssertEqual(p.target, 150_000, label, file: file, line: line)
            XCTAssertEqual(p.trace.rule, .t1, label, file: file, line: line)
        case .standard(let occupation, let level, let on, let fen, let version):
            let q = SubsidyEngine.standard(occupation: occupation, level: level, on: Fx.date(on), book: Fx.book)
            XCTAssertEqual(q?.amountFen, fen, label, file: file, line: line)
            XCTAssertEqual(q?.policyVersion, version, label, file: file, line: line)
        }
    }
}
