import PlatformTestSupport
import Schema
import XCTest

/// Scheduling, results and issuing as callers see them (A1..A3): no certificate without a passed
/// result, twice, of a kind the method does not give, or by a role other than an assessment body;
/// each refusal issues nothing; retries answer the first result. Moved from
/// Tests/Interop/test_assessment.py.
final class IssuingRulesTests: AssessmentCallsTestCase {
    private func assertNoCertificate(
        _ workerID: String, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let issued = try await certificates(of: workerID)
        XCTAssertEqual(issued, [], "a refused call issued a certificate", file: file, line: line)
    }

    func testNoCertificateBeforeAResult() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let scheduled = try await schedule(workerID: worker.id)
        let refused = await refusal { try await self.issue(scheduled.id) }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertTrue(refused?.message.contains(scheduled.id) ?? false, "\(String(describing: refused))")
        try await assertNoCertificate(worker.id)
    }

    func testAFailedResultIsRecordedAndIssuesNothing() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let scheduled = try await schedule(workerID: worker.id)
        let recorded = try await record(scheduled.id, passed: false, score: 41)
        XCTAssertEqual(recorded.result?.score, 41)
        XCTAssertEqual(recorded.result?.passed, false)
        XCTAssertEqual(recorded.result?.assessor, "王考评员")
        let refused = await refusal { try await self.issue(scheduled.id) }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertTrue(refused?.message.contains("not passed") ?? false, "\(String(describing: refused))")
        try await assertNoCertificate(worker.id)
    }

    func testAnUnknownAssessmentIsNotFound() async {
        let refused = await refusal { try await self.issue("a-nonexistent") }
        XCTAssertEqual(refused?.code, .notFound)
        XCTAssertTrue(refused?.message.contains("a-nonexistent") ?? false, "\(String(describing: refused))")
    }

    func testASecondCertificateIsRefusedWhateverTheKind() async throws {
        let (worker, scheduled) = try await passedAssessment()
        let first = try await issue(scheduled.id)
        let again = await refusal { try await self.issue(scheduled.id) }
        XCTAssertEqual(again?.code, .alreadyExists)
        XCTAssertTrue(again?.message.contains(first.number) ?? false, "\(String(describing: again))")
        let otherKind = await refusal { try await self.issue(scheduled.id, kind: .skillLevel) }
        XCTAssertEqual(otherKind?.code, .alreadyExists)
        let issued = try await certificates(of: worker.id)
        XCTAssertEqual(issued.map(\.number), [first.number])
    }

    func testOnlyAssessmentBodiesIssue() async throws {
        let (worker, scheduled) = try await passedAssessment()
        for caller in [TestCaller.hrss, .finance, .institution(), .enterprise, .workerPortal] {
            let refused = await refusal {
                try await self.client(caller).issueCertificate(
                    IssueCertificateRequest(requestId: self.rid(), assessmentId: scheduled.id), options: self.day)
            }
            XCTAssertEqual(refused?.code, .permissionDenied, caller.role)
        }
        try await assertNoCertificate(worker.id)
        _ = try await issue(scheduled.id)
        let issued = try await certificates(of: worker.id)
        XCTAssertEqual(issued.count, 1, "the assessment body still can")
    }

    func testTheKindMustFitTheMethod() async throws {
        let (worker, scheduled) = try await passedAssessment()  // level recognition: skill level only (A2)
        let names: [(CertificateKind, String)] = [
            (.specialOperationPermit, "CERTIFICATE_KIND_SPECIAL_OPERATION_PERMIT"),
            (.occupationalQualification, "CERTIFICATE_KIND_OCCUPATIONAL_QUALIFICATION"),
            (.trainingCompletion, "CERTIFICATE_KIND_TRAINING_COMPLETION"),
        ]
        for (kind, name) in names {
            let refused = await refusal { try await self.issue(scheduled.id, kind: kind) }
            XCTAssertEqual(refused?.code, .failedPrecondition, name)
            XCTAssertTrue(refused?.message.contains("A2") ?? false, "\(String(describing: refused))")
            XCTAssertTrue(refused?.message.contains(name) ?? false, "\(String(describing: refused))")
        }
        try await assertNoCertificate(worker.id)
        let certificate = try await issue(scheduled.id, kind: .skillLevel)
        XCTAssertEqual(certificate.kind, .skillLevel)
    }

    func testEachMethodIssuesItsKind() async throws {
        let kinds: [(AssessmentMethod, CertificateKind)] = [
            (.levelRecognition, .skillLevel), (.skillAppraisal, .occupationalQualification),
            (.specialAbility, .specialVocationalAbility), (.enterpriseSelfEvaluation, .skillLevel),
            (.skillsCompetition, .skillLevel), (.specialOperationExam, .specialOperationPermit),
            (.trainingCompletion, .trainingCompletion),
        ]
        for (method, kind) in kinds {
            let (_, scheduled) = try await passedAssessment(method: method)
            let certificate = try await issue(scheduled.id)
            XCTAssertEqual(certificate.kind, kind, "\(method)")
            let verified = try await status(of: certificate)
            XCTAssertEqual(verified, .valid, "\(method)")
        }
    }

    func testSchedulingRefusesAnUnregisteredWorkerAnUnknownMethodAndAGradeWithoutLevel() async throws {
        let unregistered = await refusal { try await self.schedule(workerID: "w-nonexistent") }
        XCTAssertEqual(unregistered?.code, .failedPrecondition)
        XCTAssertTrue(unregistered?.message.contains("w-nonexistent") ?? false, "\(String(describing: unregistered))")
        let worker = try await platform.registerWorker(.g8Unemployed)
        let unknownMethod = await refusal { try await self.schedule(workerID: worker.id, method: .unrecognized(99)) }
        XCTAssertEqual(unknownMethod?.code, .invalidArgument)
        XCTAssertTrue(unknownMethod?.message.contains("method") ?? false, "\(String(describing: unknownMethod))")
        let noLevel = await refusal {
            try await self.schedule(workerID: worker.id, method: .skillAppraisal, level: .unspecified)
        }
        XCTAssertEqual(noLevel?.code, .failedPrecondition)
        XCTAssertTrue(noLevel?.message.contains("A3") ?? false, "\(String(describing: noLevel))")
    }

    func testAResultIsRecordedOnceAndWithinRange() async throws {
        let worker = try await platform.registerWorker(.g8Unemployed)
        let scheduled = try await schedule(workerID: worker.id)
        let outOfRange = await refusal { try await self.record(scheduled.id, passed: true, score: 101) }
        XCTAssertEqual(outOfRange?.code, .invalidArgument)
        XCTAssertTrue(outOfRange?.message.contains("score") ?? false, "\(String(describing: outOfRange))")
        try await record(scheduled.id, passed: false, score: 30)
        let twice = await refusal { try await self.record(scheduled.id, passed: true, score: 95) }
        XCTAssertEqual(twice?.code, .failedPrecondition)
        XCTAssertTrue(twice?.message.contains("already") ?? false, "\(String(describing: twice))")
        let stillFailed = await refusal { try await self.issue(scheduled.id) }
        XCTAssertEqual(stillFailed?.code, .failedPrecondition, "still the failed result: no certificate")
    }

    func testRetriesAnswerTheFirstResultAndAReusedIDIsRefused() async throws {
        let (worker, scheduled) = try await passedAssessment()
        let requestID = rid()
        let first = try await issue(scheduled.id, requestID: requestID)
        let again = try await issue(scheduled.id, requestID: requestID)
        XCTAssertEqual(again, first)
        let issued = try await certificates(of: worker.id)
        XCTAssertEqual(issued.map(\.number), [first.number])
        let (_, other) = try await passedAssessment()
        let reused = await refusal { try await self.issue(other.id, requestID: requestID) }
        XCTAssertEqual(reused?.code, .invalidArgument)

        let request = ScheduleAssessmentRequest(
            requestId: rid(),
            assessment: Assessment(
                method: .levelRecognition, workerId: worker.id, occupation: occupation, level: .l3SeniorWorker))
        let scheduledFirst = try await client().scheduleAssessment(request, options: day)
        let scheduledAgain = try await client().scheduleAssessment(request, options: day)
        XCTAssertEqual(scheduledAgain.id, scheduledFirst.id)
    }

    func testCertificateNumbersAreUniqueAndRandom() async throws {
        var bodies: [[Character]] = []
        for _ in 0..<5 {
            let number = try await aCertificate().number
            bodies.append(Array(Array(number)[8..<24]))
        }
        XCTAssertEqual(Set(bodies.map { String($0) }).count, 5)
        for i in bodies.indices {
            for j in bodies.indices where j > i {
                let same = zip(bodies[i], bodies[j]).filter { $0 == $1 }.count
                XCTAssertLessThan(same, 8, "\(String(bodies[i])) and \(String(bodies[j])) share too much")
            }
        }
    }
}
