import Essentials
import RPC
import Schema
import Synchronization
import Workload

/// What `skillsctl bench` repeats in its closed loop, and what each scenario prepares first.
enum BenchScenarioName: String, CaseIterable, Sendable {
    case registerWorker = "register-worker"
    case getWorker = "get-worker"
    case enrolment
    case verifyCertificate = "verify-certificate"

    /// What one iteration is, for the report ("enrolments/s").
    var unit: String {
        switch self {
        case .registerWorker: return "registrations"
        case .getWorker: return "lookups"
        case .enrolment: return "enrolments"
        case .verifyCertificate: return "verifications"
        }
    }
}

/// A prepared scenario: `iteration(worker:)` is one unit of work, its calls timed into `retry.metrics`.
struct BenchScenario: Sendable {
    let name: BenchScenarioName
    let clients: PlatformClients
    let retry: CallRetry
    let identities: BenchIdentities
    private let prepared: Prepared

    /// What the preparation left for the loop.
    enum Prepared: Sendable {
        case none
        case workers([String])
        case offering(BenchOffering)
        case certificate(String)
    }

    /// The offering enrolments go into, and the business days of each step.
    struct BenchOffering: Sendable {
        let id: String
        let occupation: Occupation
        let level: SkillLevel
        let start: CivilDate
        let end: CivilDate
    }

    static let dates = BusinessDates(enabled: true)

    /// Prepares `name` (outside the measured loop; its calls are not in the figures).
    static func prepare(_ name: BenchScenarioName, clients: PlatformClients, institutionSystem: String) async throws
        -> BenchScenario
    {
        let identities = BenchIdentities()
        let setupRetry = CallRetry(metrics: CallMetrics(), maxAttempts: 6)
        let prefix = identities.runPrefix
        var prepared = Prepared.none
        switch name {
        case .registerWorker:
            break
        case .getWorker:
            var ids: [String] = []
            for n in 0..<32 {
                ids.append(
                    try await register(
                        identities.next(), clients: clients, retry: setupRetry, requestID: "\(prefix)-prep-w\(n)"))
            }
            prepared = .workers(ids)
        case .enrolment, .verifyCertificate:
            let offering = try await publishOffering(
                clients: clients, retry: setupRetry, prefix: prefix, institutionSystem: institutionSystem)
            prepared = .offering(offering)
            if name == .verifyCertificate {
                let scenario = BenchScenario(
                    name: .enrolment, clients: clients, retry: setupRetry, identities: identities, prepared: prepared)
                prepared = .certificate(try await scenario.enrol(tag: "prep"))
            }
        }
        return BenchScenario(
            name: name, clients: clients, retry: CallRetry(metrics: CallMetrics(), maxAttempts: 1),
            identities: identities, prepared: prepared)
    }

    /// An institution (filing accepted, the bench's institution system listed), the catalogue, and
    /// one offering of a small seeded population, republished with room for every enrolment of a run.
    static func publishOffering(clients: PlatformClients, retry: CallRetry, prefix: String, institutionSystem: String)
        async throws -> BenchOffering
    {
        let standards = try SubsidyStandards()
        let population = Population.generate(
            trainings: 1, seed: UInt64.random(in: 1...UInt64(Int32.max)), standards: standards)
        let published = try await ProgrammeSetup(
            population: population, clients: clients, retry: retry, requestPrefix: prefix,
            openUntil: standards.programmeEnd, dates: dates
        ).run(concurrency: 4)
        try await DemoRun.letInstitutionSystemAct(
            institutionSystem, institutionIDs: published.institutionIDs, clients: clients,
            retry: retry, requestPrefix: prefix)
        guard let planned = population.offerings.first(where: { $0.kind == .ordinary }) else {
            throw RPCError(.internalError, "the bench population has no ordinary offering")
        }
        let offering = Offering(
            occupation: planned.occupation, level: planned.skillLevel,
            institutionId: published.institutionIDs[planned.institutionIndex],
            capacity: 100_000, startDate: planned.start.calendarDate, endDate: planned.end.calendarDate, mode: .offline,
            kind: .ordinary,
            subsidyStandardFen: 0, classHours: 40, venue: "德州市实训基地1号楼", enterpriseCreditCode: "", projectId: "",
            catalog: planned.catalog)
        let response = try await retry.run("MatchingService/PublishOffering") {
            try await clients.matching("hrss").publishOffering(
                PublishOfferingRequest(requestId: "\(prefix)-bench-offering", offering: offering),
                options: dates.on(planned.start.adding(days: -30)))
        }
        return BenchOffering(
            id: response.id, occupation: planned.occupation, level: planned.skillLevel, start: planned.start,
            end: planned.end)
    }

    static func register(_ worker: Worker, clients: PlatformClients, retry: CallRetry, requestID: String) async throws
        -> String
    {
        try await retry.run("RegistrationService/RegisterWorker") {
            try await clients.registration("hrss").registerWorker(
                RegisterWorkerRequest(requestId: requestID, worker: worker))
        }.id
    }

    /// One unit of the scenario.
    func iteration(worker: Int, n: Int) async throws {
        switch (name, prepared) {
        case (.registerWorker, _):
            _ = try await Self.register(
                identities.next(), clients: clients, retry: retry, requestID: "\(identities.runPrefix)-\(worker)-\(n)")
        case (.getWorker, .workers(let ids)):
            let id = ids[(worker + n) % ids.count]
            _ = try await retry.run("RegistrationService/GetWorker") {
                try await clients.registration("hrss").getWorker(GetWorkerRequest(key: .workerId(id)))
            }
        case (.enrolment, _):
            _ = try await enrol(tag: "\(worker)-\(n)")
        case (.verifyCertificate, .certificate(let number)):
            _ = try await retry.run("AssessmentService/VerifyCertificate") {
                try await clients.assessment().verifyCertificate(VerifyCertificateRequest(number: number))
            }
        default:
            throw RPCError(.internalError, "scenario \(name.rawValue) was not prepared")
        }
    }

    /// A fresh worker through the five orders: registered, selects the offering (O3), accepted,
    /// learns and completes (O4), is assessed and certified (the claim needs the certificate, R2),
    /// and hrss requests payment (O5). Returns the certificate number.
    func enrol(tag: String) async throws -> String {
        guard case .offering(let offering) = prepared else { throw RPCError(.internalError, "no offering prepared") }
        let prefix = "\(identities.runPrefix)-\(tag)"
        let dates = Self.dates
        let workerID = try await Self.register(
            identities.next(), clients: clients, retry: retry, requestID: "\(prefix)-w")
        let selected = try await retry.run("MatchingService/SelectOffering") {
            try await clients.matching("worker-portal").selectOffering(
                SelectOfferingRequest(requestId: "\(prefix)-select", workerId: workerID, offeringId: offering.id),
                options: dates.on(offering.start))
        }
        guard let enrollmentID = selected.enrollment?.id, !enrollmentID.isEmpty else {
            throw RPCError(.internalError, "SelectOffering returned no enrolment")
        }
        _ = try await retry.run("MatchingService/AcceptEnrollment") {
            try await clients.matching("institution").acceptEnrollment(
                AcceptEnrollmentRequest(requestId: "\(prefix)-accept", enrollmentId: enrollmentID, accept: true),
                options: dates.on(offering.start))
        }
        _ = try await retry.run("MatchingService/RecordLearning") {
            try await clients.matching("institution").recordLearning(
                RecordLearningRequest(
                    requestId: "\(prefix)-learn", enrollmentId: enrollmentID, channel: .offline, minutes: 480,
                    day: offering.start.calendarDate),
                options: dates.on(offering.start))
        }
        _ = try await retry.run("MatchingService/CompleteTraining") {
            try await clients.matching("institution").completeTraining(
                CompleteTrainingRequest(
                    requestId: "\(prefix)-complete", enrollmentId: enrollmentID,
                    completionDate: offering.end.calendarDate, attendancePercent: 95),
                options: dates.on(offering.end))
        }
        let assessed = dates.on(offering.end.adding(days: 7))
        let assessment = try await retry.run("AssessmentService/ScheduleAssessment") {
            try await clients.assessment().scheduleAssessment(
                ScheduleAssessmentRequest(
                    requestId: "\(prefix)-schedule",
                    assessment: Assessment(
                        method: .levelRecognition, workerId: workerID, occupation: offering.occupation,
                        level: offering.level,
                        enrollmentId: enrollmentID, venue: "德州市职业技能鉴定中心")), options: assessed)
        }
        _ = try await retry.run("AssessmentService/RecordResult") {
            try await clients.assessment().recordResult(
                RecordResultRequest(
                    requestId: "\(prefix)-result", assessmentId: assessment.id, score: 80, passed: true,
                    assessor: "王考评员"), options: assessed)
        }
        let certificate = try await retry.run("AssessmentService/IssueCertificate") {
            try await clients.assessment().issueCertificate(
                IssueCertificateRequest(requestId: "\(prefix)-certificate", assessmentId: assessment.id),
                options: assessed)
        }
        _ = try await retry.run("MatchingService/RequestPayment") {
            try await clients.matching("hrss").requestPayment(
                RequestPaymentRequest(
                    requestId: "\(prefix)-pay", enrollmentId: enrollmentID, certificateNumber: certificate.number),
                options: dates.on(offering.end.adding(days: 14)))
        }
        return certificate.number
    }
}

/// Fresh, valid workers for a bench run: resident ID numbers from a random region and birth day
/// per run, a sequence of 1000 per day, so two runs collide only when they draw the same block.
final class BenchIdentities: Sendable {
    static let regions = [
        "371402", "371403", "371422", "371423", "371424", "371425", "371426", "371427", "371428", "371481", "371482",
    ]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭")
    static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明")

    let runPrefix = "bench\(String(UInt64.random(in: 0...UInt64(UInt32.max)), radix: 36))"
    private let region = BenchIdentities.regions.randomElement() ?? "371402"
    private let firstDay = CivilDate(1965, 1, 1).adding(days: Int.random(in: 0...12_000))
    private let counter = Mutex(0)

    func next() -> Worker {
        let n = counter.withLock { value -> Int in
            value += 1
            return value - 1
        }
        let idNumber = ResidentIDNumbers.make(
            region: region, birth: firstDay.adding(days: n / 1000), sequence: n % 1000)
        let name =
            String(Self.surnames[n % Self.surnames.count])
            + String(Self.givenNames[(n / Self.surnames.count) % Self.givenNames.count])
        var fact = CategoryFact(category: .g8Unemployed)
        fact.evidenceReference = "BENCH-\(n)"
        return Worker(
            idNumber: idNumber, name: name, phone: "139\(10_000_000 + n % 89_999_999)", hukou: .urban,
            categories: [fact],
            district: region)
    }
}
