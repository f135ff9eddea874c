import Essentials
import Policy
import Schema

/// The employment of a project-based cohort (R7), once every trainee's claim is decided: the
/// offering's institution reads the cohort the platform knows (matching's enrolments of the
/// offering that are COMPLETED or later), proposes the first `outcome.employed` of them as employed,
/// each with an employer's credit code and a start date a month after their completion, and the
/// bureau (hrss, another certificate) confirms; finance then pays the tranches the confirmation
/// released. The platform computes the rate, so a cohort that lost trainees to failures is reported
/// at its real size.
public struct CohortReport: Sendable {
    public let offering: PlannedOffering
    public let offeringID: String
    public let outcome: EmploymentOutcome
    public let requestPrefix: String
    public let dates: BusinessDates

    public init(
        offering: PlannedOffering, offeringID: String, outcome: EmploymentOutcome, requestPrefix: String,
        dates: BusinessDates = BusinessDates(enabled: false)
    ) {
        self.dates = dates
        self.offering = offering
        self.offeringID = offeringID
        self.outcome = outcome
        self.requestPrefix = requestPrefix
    }

    /// The confirmed report and the ledger entries of the tranches it released.
    public func run(clients: PlatformClients, retry: CallRetry) async throws -> (
        report: ReportEmploymentResponse, disbursed: [LedgerEntry]
    ) {
        let proposed = offering.end.adding(days: 90), confirmed = proposed.adding(days: 5)
        let cohort = try await Self.cohort(
            offeringID: offeringID, clients: clients, retry: retry, options: dates.on(proposed))
        let employer = CreditCodes.make(region: "371402", serial: 700_000 + offering.index)
        let employed = cohort.prefix(max(0, outcome.employed)).map { member in
            let start = min(member.completion.adding(days: 30), proposed)
            return EmployedTrainee(
                workerId: member.workerID,
                evidence: .employer(EmployerEvidence(creditCode: employer, startDate: start.calendarDate)))
        }
        let proposal = try await retry.run("PaymentService/ReportEmployment") {
            try await clients.payment("institution").reportEmployment(
                ReportEmploymentRequest(
                    requestId: "\(requestPrefix)-propose", offeringId: offeringID, asOf: proposed.calendarDate,
                    employedTrainees: employed),
                options: dates.on(proposed))
        }
        let report = try await retry.run("PaymentService/ConfirmEmployment") {
            try await clients.payment("hrss").confirmEmployment(
                ConfirmEmploymentRequest(
                    requestId: "\(requestPrefix)-confirm", offeringId: offeringID, revision: proposal.revision),
                options: dates.on(confirmed))
        }
        var disbursed: [LedgerEntry] = []
        for tranche in report.released {
            disbursed.append(
                try await TraineeJourney.disburse(
                    tranche.id, requestID: "\(requestPrefix)-disburse-\(tranche.id)",
                    options: dates.on(confirmed.adding(days: 5)), clients: clients, retry: retry))
        }
        return (report, disbursed)
    }

    /// A member of the cohort as matching knows it.
    public struct Member: Sendable, Hashable {
        public let workerID: String
        public let enrollmentID: String
        public let completion: CivilDate
    }

    /// The offering's enrolments that are COMPLETED or later, by enrolment id (the order is stable,
    /// so a rerun proposes the same trainees with the same request).
    public static func cohort(offeringID: String, clients: PlatformClients, retry: CallRetry, options: CallOptions)
        async throws -> [Member]
    {
        var members: [Member] = []
        var token = ""
        repeat {
            let page = try await retry.run("MatchingService/ListEnrollments") {
                try await clients.matching("institution").listEnrollments(
                    ListEnrollmentsRequest(offeringId: offeringID, pageSize: 1000, pageToken: token), options: options)
            }
            for enrollment in page.enrollments where [.completed, .claimed, .paid].contains(enrollment.state) {
                guard let day = enrollment.completionDate?.civilDate, day.isValid else { continue }
                members.append(Member(workerID: enrollment.workerId, enrollmentID: enrollment.id, completion: day))
            }
            token = page.nextPageToken
        } while !token.isEmpty
        return members.sorted { $0.enrollmentID < $1.enrollmentID }
    }
}
