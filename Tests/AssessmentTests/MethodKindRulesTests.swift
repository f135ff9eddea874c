import AssessmentCore
import Schema
import XCTest

final class MethodKindRulesTests: XCTestCase {
    func testMethodKindTable() {
        let table: [(AssessmentMethod, CertificateKind)] = [
            (.skillAppraisal, .occupationalQualification),
            (.levelRecognition, .skillLevel),
            (.specialAbility, .specialVocationalAbility),
            (.enterpriseSelfEvaluation, .skillLevel),
            (.skillsCompetition, .skillLevel),
            (.specialOperationExam, .specialOperationPermit),
            (.trainingCompletion, .trainingCompletion),
        ]
        let kinds: [CertificateKind] = [
            .occupationalQualification, .skillLevel, .specialVocationalAbility, .specialOperationPermit,
            .trainingCompletion,
        ]
        for (method, fitting) in table {
            XCTAssertEqual(MethodKindRules.kinds(for: method), [fitting], method.protoName)
            XCTAssertEqual(MethodKindRules.defaultKind(for: method), fitting)
            for kind in kinds {
                let level: SkillLevel = .l3SeniorWorker
                if kind == fitting {
                    XCTAssertNoThrow(
                        try MethodKindRules.checkIssue(method: method, kind: kind, level: level), "\(method) \(kind)")
                } else {
                    XCTAssertThrowsError(try MethodKindRules.checkIssue(method: method, kind: kind, level: level)) {
                        error in
                        guard let error = error as? AssessmentRuleError else { return XCTFail("\(error)") }
                        XCTAssertEqual(error.rule, "A2")
                        XCTAssertTrue(error.description.hasPrefix("A2: "), error.description)
                        XCTAssertEqual(error, .kindDoesNotFitMethod(kind: kind, method: method, allowed: [fitting]))
                    }
                }
            }
        }
        // Every method of the contract is covered.
        XCTAssertEqual(
            Set(table.map(\.0.rawValue)), Set(AssessmentMethod.allCases.filter { $0 != .unspecified }.map(\.rawValue)))
    }

    func testUnknownMethodAndKind() {
        for method in [AssessmentMethod.unspecified, .unrecognized(99)] {
            XCTAssertEqual(MethodKindRules.kinds(for: method), [])
            XCTAssertThrowsError(
                try MethodKindRules.checkIssue(method: method, kind: .skillLevel, level: .l3SeniorWorker)
            ) { error in
                XCTAssertEqual((error as? AssessmentRuleError)?.rule, "A1")
                XCTAssertTrue("\(error)".hasPrefix("A1: "))
            }
            XCTAssertThrowsError(try MethodKindRules.checkSchedule(method: method, level: .l3SeniorWorker))
        }
        for kind in [CertificateKind.unspecified, .unrecognized(42)] {
            XCTAssertThrowsError(
                try MethodKindRules.checkIssue(method: .levelRecognition, kind: kind, level: .l3SeniorWorker)
            ) { error in
                XCTAssertEqual(error as? AssessmentRuleError, .unknownKind(kind))
                XCTAssertEqual((error as? AssessmentRuleError)?.rule, "A2")
            }
        }
    }

    func testLevels() {
        let graded: [(AssessmentMethod, CertificateKind)] = [
            (.skillAppraisal, .occupationalQualification), (.levelRecognition, .skillLevel),
            (.enterpriseSelfEvaluation, .skillLevel), (.skillsCompetition, .skillLevel),
        ]
        let ungraded: [(AssessmentMethod, CertificateKind)] = [
            (.specialAbility, .specialVocationalAbility), (.specialOperationExam, .specialOperationPermit),
            (.trainingCompletion, .trainingCompletion),
        ]
        let levels: [SkillLevel] = [
            .l1SeniorTechnician, .l2Technician, .l3SeniorWorker, .l4IntermediateWorker, .l5JuniorWorker,
        ]
        for (method, kind) in graded + ungraded {
            for level in levels {
                XCTAssertNoThrow(try MethodKindRules.checkIssue(method: method, kind: kind, level: level))
                XCTAssertNoThrow(try MethodKindRules.checkSchedule(method: method, level: level))
            }
            for level in [SkillLevel.unrecognized(0 - 1), .unrecognized(6)] {
                XCTAssertThrowsError(try MethodKindRules.checkIssue(method: method, kind: kind, level: level)) {
                    error in
                    XCTAssertEqual(error as? AssessmentRuleError, .levelOutOfRange(level))
                    XCTAssertTrue("\(error)".hasPrefix("A3: "))
                }
                XCTAssertThrowsError(try MethodKindRules.checkSchedule(method: method, level: level))
            }
        }
        for (method, kind) in graded {
            XCTAssertTrue(MethodKindRules.requiresLevel(kind))
            XCTAssertTrue(MethodKindRules.requiresLevel(method))
            XCTAssertThrowsError(try MethodKindRules.checkIssue(method: method, kind: kind, level: .unspecified)) {
                error in
                XCTAssertEqual(error as? AssessmentRuleError, .levelRequired(kind))
                XCTAssertEqual((error as? AssessmentRuleError)?.rule, "A3")
            }
            XCTAssertThrowsError(try MethodKindRules.checkSchedule(method: method, level: .unspecified)) { error in
                XCTAssertEqual(error as? AssessmentRuleError, .levelRequiredForMethod(method))
            }
        }
        for (method, kind) in ungraded {
            XCTAssertFalse(MethodKindRules.requiresLevel(kind))
            XCTAssertFalse(MethodKindRules.requiresLevel(method))
            XCTAssertNoThrow(try MethodKindRules.checkIssue(method: method, kind: kind, level: .unspecified))
            XCTAssertNoThrow(try MethodKindRules.checkSchedule(method: method, level: .unspecified))
        }
    }
}
