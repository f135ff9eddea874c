import Essentials
import RPC
import Schema
import Workload

/// A calendar day of the programme (Asia/Shanghai), as the services' business day.
public typealias PlatformDay = CivilDate

/// The occupations the fixtures train in; both have subsidy standards in the shipped policy.
public enum FixtureOccupations {
    public static let electrician = Occupation(code: "6-31-01-03", name: "电工")
    public static let chemicalOperator = Occupation(code: "6-11-01-03", name: "化工总控工")
}

/// The steps of the programme, each a call as the role that makes it in production, on a business
/// day of 2021 (the shipped policy has standards up to 2021-12-31). Request ids are fresh per call.
extension TestPlatform {
    /// Call options for a call made on `day` (`skills-business-date`).
    public static func on(_ day: CivilDate) -> CallOptions {
        CallOptions(metadata: Metadata([(BusinessDates.metadataKey, day.description)]))
    }

    public func requestID(_ step: String) -> String { "\(step)-\(nextSerial())" }

    /// The department that attests `category` in Dezhou (registration's attestation table).
    public static func attestingRole(for category: WorkerCategory) -> TestCaller {
        switch category {
        case .g3Student, .g6TwoAfterYouth: return .education
        case .g4PoorFamilyChild, .g5RegisteredPoor: return TestCaller(role: "poverty-office")
        case .g11PreRelease, .g12CommunityCorrection: return TestCaller(role: "justice")
        case .g14Veteran: return TestCaller(role: "veterans")
        default: return .hrss
        }
    }

    /// A valid resident ID number no other fixture worker has.
    public func newIDNumber() -> String {
        let serial = nextSerial()
        return ResidentIDNumbers.make(
            region: "371402", birth: CivilDate(1985, 1, 1).adding(days: serial / 1000), sequence: serial % 1000)
    }

    /// A valid unified social credit code no other fixture organisation has.
    public func newCreditCode() -> String { CreditCodes.make(serial: 7_000 + nextSerial()) }

    /// A worker of `category`, registered by the department that attests it.
    public func registerWorker(
        _ category: WorkerCategory, name: String = "张三", employer: String = "",
        hiredOn: CivilDate? = nil
    ) async throws -> Worker {
        var fact = CategoryFact(category: category, evidenceReference: "DZ-\(category.rawValue)-\(nextSerial())")
        switch category {
        case .g1EnterpriseEmployee: fact.employerCreditCode = employer
        case .g2NewHire:
            fact.employerCreditCode = employer
            fact.hiredOn = hiredOn?.calendarDate
        case .g3Student: fact.school = "德州学院"
        default: break
        }
        let worker = Worker(
            idNumber: newIDNumber(), name: name, phone: "13812345678",
            hukou: category == .g7RuralMigrant ? .rural : .urban, categories: [fact], district: "371402")
        return try await registration(as: Self.attestingRole(for: category)).registerWorker(
            RegisterWorkerRequest(requestId: requestID("worker"), worker: worker))
    }

    public func registerEnterprise(name: String = "德州石化有限公司") async throws -> Enterprise {
        try await registration(as: .enterprise).registerEnterprise(
            RegisterEnterpriseRequest(
                requestId: requestID("enterprise"),
                enterprise: Enterprise(creditCode: newCreditCode(), name: name, industry: "C2511", district: "371402")))
    }

    /// An institution filed by hrss and accepted for `scope`, whose system `systems` may act for it.
    public func fileInstitution(
        scope: [String] = [FixtureOccupations.electrician.code],
        systems: [String] = ["institution-dev"]
    ) async throws -> Institution {
        let filed = try await registration(as: .hrss).registerInstitution(
            RegisterInstitutionRequest(
                requestId: requestID("institution"),
                institution: Institution(
                    creditCode: newCreditCode(), name: "德州市电工培训学校", kind: .privateTraining,
                    contactPhone: "0534-2345678", address: "德城区天衢路 1 号", district: "371402",
                    systemCertificateNames: systems)))
        return try await registration(as: .hrss).reviewInstitutionFiling(
            ReviewInstitutionFilingRequest(
                requestId: requestID("review"), institutionId: filed.id, accept: true, licenceScopeOccupations: scope,
                note: "材料齐全"))
    }

    /// An offering published by hrss (O2) a month before it starts.
    public func publishOffering(
        institutionID: String, occupation: Occupation = FixtureOccupations.electrician,
        level: SkillLevel = .l4IntermediateWorker, kind: OfferingKind = .ordinary,
        start: CivilDate, end: CivilDate, capacity: Int32 = 10,
        enterpriseCreditCode: String = "", projectID: String = ""
    ) async throws -> Offering {
        try await matching(as: .hrss).publishOffering(
            PublishOfferingRequest(
                requestId: requestID("offering"),
                offering: Offering(
                    occupation: occupation, level: level, institutionId: institutionID, capacity: capacity,
                    startDate: start.calendarDate, endDate: end.calendarDate, mode: .offline, kind: kind,
                    classHours: 80,
                    venue: "德城区实训基地", enterpriseCreditCode: enterpriseCreditCode, projectId: projectID)),
            options: Self.on(start.adding(days: -30)))
    }

    /// O3 and O4: the worker selects the offering, the institution accepts, records 4 hours of
    /// learning on the first day and completes the training on `completion`.
    public func train(
        workerID: String, offering: Offering, completion: CivilDate,
        institution: TestCaller = .institution()
    ) async throws -> Enrollment {
        let start = offering.startDate.map { CivilDate(Int($0.year), Int($0.month), Int($0.day)) } ?? completion
        let selected = try await matching(as: .workerPortal).selectOffering(
            SelectOfferingRequest(requestId: requestID("select"), workerId: workerID, offeringId: offering.id),
            options: Self.on(start.adding(days: -7)))
        let enrollmentID = selected.enrollment?.id ?? ""
        _ = try await matching(as: institution).acceptEnrollment(
            AcceptEnrollmentRequest(requestId: requestID("accept"), enrollmentId: enrollmentID, accept: true),
            options: Self.on(start.adding(days: -3)))
        _ = try await matching(as: institution).recordLearning(
            RecordLearningRequest(
                requestId: requestID("learn"), enrollmentId: enrollmentID, channel: .offline, minutes: 240,
                day: start.calendarDate),
            options: Self.on(start))
        return try await matching(as: institution).completeTraining(
            CompleteTrainingRequest(
                requestId: requestID("complete"), enrollmentId: enrollmentID, completionDate: completion.calendarDate,
                attendancePercent: 96), options: Self.on(completion))
    }

    /// The assessment body schedules a level recognition for the enrolment, records a pass and
    /// issues the certificate (R2), on `day`.
    public func certify(
        _ enrollment: Enrollment, occupation: Occupation = FixtureOccupations.electrician,
        level: SkillLevel = .l4IntermediateWorker, on day: CivilDate
    ) async throws -> Certificate {
        let assessment = assessment(as: .assessmentOrg)
        let scheduled = try await assessment.scheduleAssessment(
            ScheduleAssessmentRequest(
                requestId: requestID("schedule"),
                assessment: Assessment(
                    method: .levelRecognition, workerId: enrollment.workerId, occupation: occupation, level: level,
                    enrollmentId: enrollment.id, venue: "德州市职业技能鉴定中心")), options: Self.on(day))
        _ = try await assessment.recordResult(
            RecordResultRequest(
                requestId: requestID("result"), assessmentId: scheduled.id, score: 88, passed: true, assessor: "王考评员"),
            options: Self.on(day))
        return try await assessment.issueCertificate(
            IssueCertificateRequest(requestId: requestID("certificate"), assessmentId: scheduled.id),
            options: Self.on(day))
    }

    /// O5: hrss hands the completed, certified enrolment to payment, which decides the claim.
    public func requestPayment(_ enrollment: Enrollment, certificate: Certificate, on day: CivilDate) async throws
        -> RequestPaymentResponse
    {
        try await matching(as: .hrss).requestPayment(
            RequestPaymentRequest(
                requestId: requestID("pay"), enrollmentId: enrollment.id, certificateNumber: certificate.number),
            options: Self.on(day))
    }
}

/// What a refused call looked like to the caller.
public struct RefusedCall: Error, Sendable, CustomStringConvertible {
    public let code: StatusCode
    public let message: String
    public var description: String { "\(code): \(message)" }
}

/// The status a call failed with; a call that succeeded (or failed otherwise) is reported as
/// `nil`, so tests can assert on exactly what a caller sees.
public func refusal<T>(_ call: () async throws -> T) async -> RefusedCall? {
    do {
        _ = try await call()
        return nil
    } catch let error as RPCError {
        return RefusedCall(code: error.code, message: error.message)
    } catch {
        return nil
    }
}
