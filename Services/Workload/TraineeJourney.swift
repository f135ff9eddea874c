import Schema

/// One training driven through the platform as the programme runs it: the worker's demand (O1),
/// selecting the offering (O3), the institution accepting, recording learning and completing (O4),
/// the assessment body scheduling, recording the result and issuing the certificate, hrss requesting
/// payment through matching (O5, payment decides the claim), and finance disbursing every payable
/// tranche. Every mutation carries a request_id derived from `requestPrefix`, the same on every
/// retry. Project-based cohorts are reported separately (`CohortReport`), once every claim is decided.
public struct TraineeJourney: Sendable {
    public let training: PlannedTraining
    public let offering: PlannedOffering
    public let workerID: String
    public let offeringID: String
    public let requestPrefix: String
    public let dates: BusinessDates

    /// What the platform answered.
    public struct Outcome: Sendable {
        public let enrollmentID: String
        public let certificateNumber: String
        public let claimID: String
        public let eligible: Bool
        public let refusingRuleIDs: [String]
        /// The claim's tranches as finance read them after the decision.
        public let tranches: [Tranche]
        /// Ledger entries of the tranches disbursed by this journey.
        public let disbursed: [LedgerEntry]
    }

    public init(
        training: PlannedTraining, offering: PlannedOffering, workerID: String, offeringID: String,
        requestPrefix: String,
        dates: BusinessDates = BusinessDates(enabled: false)
    ) {
        self.dates = dates
        self.training = training
        self.offering = offering
        self.workerID = workerID
        self.offeringID = offeringID
        self.requestPrefix = requestPrefix
    }

    func id(_ step: String) -> String { "\(requestPrefix)-\(step)" }

    /// Drives the training from demand to disbursement; throws the first call that fails for good.
    public func run(clients: PlatformClients, retry: CallRetry) async throws -> Outcome {
        let enrollmentID = try await enrol(clients: clients, retry: retry)
        try await learnAndComplete(enrollmentID, clients: clients, retry: retry)
        let certificate = try await certify(enrollmentID, clients: clients, retry: retry)
        let payment = try await requestPayment(
            enrollmentID, certificate: certificate.number, clients: clients, retry: retry)
        let (tranches, disbursed) =
            payment.eligible ? try await disburseAll(payment.claimId, clients: clients, retry: retry) : ([], [])
        return Outcome(
            enrollmentID: enrollmentID, certificateNumber: certificate.number, claimID: payment.claimId,
            eligible: payment.eligible, refusingRuleIDs: payment.refusingRuleIds, tranches: tranches,
            disbursed: disbursed)
    }

    // The days of the steps: asked for and selected before the start, accepted just before it,
    // learnt during the training, completed on its last day, assessed a week later, claimed two
    // weeks later, paid after a month.
    var askedDay: CallOptions { dates.on(offering.start.adding(days: -10)) }
    var chosenDay: CallOptions { dates.on(offering.start.adding(days: -7)) }
    var acceptedDay: CallOptions { dates.on(offering.start.adding(days: -3)) }
    var completedDay: CallOptions { dates.on(training.completion) }
    var assessedDay: CallOptions { dates.on(training.completion.adding(days: 7)) }
    var claimedDay: CallOptions { dates.on(training.completion.adding(days: 14)) }
    var paidDay: CallOptions { dates.on(training.completion.adding(days: 30)) }

    /// O1 and O3: the worker asks for the training and selects the offering; the institution
    /// accepts the enrolment (O4). Returns the enrolment id.
    func enrol(clients: PlatformClients, retry: CallRetry) async throws -> String {
        let workerID = self.workerID
        _ = try await retry.run("MatchingService/SubmitDemand") {
            try await clients.matching("worker-portal").submitDemand(
                SubmitDemandRequest(
                    requestId: id("demand"),
                    demand: Demand(
                        requester: .workerId(workerID), occupation: offering.occupation, level: offering.skillLevel,
                        headcount: 1,
                        district: "371402", note: "replay")), options: askedDay)
        }
        let selected = try await retry.run("MatchingService/SelectOffering") {
            try await clients.matching("worker-portal").selectOffering(
                SelectOfferingRequest(requestId: id("select"), workerId: workerID, offeringId: offeringID),
                options: chosenDay)
        }
        guard let enrollmentID = selected.enrollment?.id, !enrollmentID.isEmpty else {
            throw RPCError(.internalError, "SelectOffering returned no enrolment")
        }
        _ = try await retry.run("MatchingService/AcceptEnrollment") {
            try await clients.matching("institution").acceptEnrollment(
                AcceptEnrollmentRequest(requestId: id("accept"), enrollmentId: enrollmentID, accept: true),
                options: acceptedDay)
        }
        return enrollmentID
    }

    /// O4: learning is recorded day by day from the start, then the training completes.
    func learnAndComplete(_ enrollmentID: String, clients: PlatformClients, retry: CallRetry) async throws {
        let start = offering.start, end = training.completion
        for (n, learning) in training.learning.enumerated() {
            let role = learning.channel == .offline ? "institution" : "worker-portal"
            let day = min(start.adding(days: n), end)
            _ = try await retry.run("MatchingService/RecordLearning") {
                try await clients.matching(role).recordLearning(
                    RecordLearningRequest(
                        requestId: id("learn\(n)"), enrollmentId: enrollmentID, channel: learning.channel,
                        minutes: Int64(learning.minutes),
                        day: dates.enabled ? day.calendarDate : nil), options: dates.on(day))
            }
        }
        _ = try await retry.run("MatchingService/CompleteTraining") {
            try await clients.matching("institution").completeTraining(
                CompleteTrainingRequest(
                    requestId: id("complete"), enrollmentId: enrollmentID,
                    completionDate: training.completion.calendarDate,
                    attendancePercent: Int32(training.attendancePercent)), options: completedDay)
        }
    }

    /// Assessment: skill level recognition at the trained level, a certificate (R2).
    func certify(_ enrollmentID: String, clients: PlatformClients, retry: CallRetry) async throws -> Certificate {
        let workerID = self.workerID
        let assessment = try await retry.run("AssessmentService/ScheduleAssessment") {
            try await clients.assessment().scheduleAssessment(
                ScheduleAssessmentRequest(
                    requestId: id("schedule"),
                    assessment: Assessment(
                        method: .levelRecognition, workerId: workerID, occupation: offering.occupation,
                        level: offering.skillLevel,
                        enrollmentId: enrollmentID, venue: "德州市职业技能鉴定中心")), options: assessedDay)
        }
        _ = try await retry.run("AssessmentService/RecordResult") {
            try await clients.assessment().recordResult(
                RecordResultRequest(
                    requestId: id("result"), assessmentId: assessment.id, score: Int32(60 + training.index % 41),
                    passed: true, assessor: "王考评员"), options: assessedDay)
        }
        return try await retry.run("AssessmentService/IssueCertificate") {
            try await clients.assessment().issueCertificate(
                IssueCertificateRequest(requestId: id("certificate"), assessmentId: assessment.id), options: assessedDay
            )
        }
    }

    /// O5: hrss hands the completed enrolment to payment, which decides.
    func requestPayment(_ enrollmentID: String, certificate: String, clients: PlatformClients, retry: CallRetry)
        async throws -> RequestPaymentResponse
    {
        try await retry.run("MatchingService/RequestPayment") {
            try await clients.matching("hrss").requestPayment(
                RequestPaymentRequest(requestId: id("pay"), enrollmentId: enrollmentID, certificateNumber: certificate),
                options: claimedDay)
        }
    }

    /// Finance reads the eligible claim and disburses every payable tranche.
    func disburseAll(_ claimID: String, clients: PlatformClients, retry: CallRetry) async throws -> (
        tranches: [Tranche], disbursed: [LedgerEntry]
    ) {
        // The claim was just acknowledged: NOT_FOUND here is a stale read, and is counted as a retry.
        let claim = try await retry.run("PaymentService/GetClaim", alsoRetrying: [.notFound]) {
            try await clients.payment("finance").getClaim(GetClaimRequest(claimId: claimID), options: paidDay)
        }
        let tranches = claim.decision?.tranches ?? []
        var disbursed: [LedgerEntry] = []
        for tranche in tranches where tranche.state == .payable {
            disbursed.append(
                try await Self.disburse(
                    tranche.id, requestID: id("disburse-\(tranche.id)"), options: paidDay, clients: clients,
                    retry: retry))
        }
        return (tranches, disbursed)
    }

    /// Finance pays a payable tranche from the special fund (R11).
    public static func disburse(
        _ trancheID: String, requestID: String, options: CallOptions = CallOptions(), clients: PlatformClients,
        retry: CallRetry
    ) async throws -> LedgerEntry {
        try await retry.run("PaymentService/Disburse") {
            try await clients.payment("finance").disburse(
                DisburseRequest(requestId: requestID, trancheId: trancheID), options: options)
        }
    }
}
