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

    public func run(clients: PlatformClients, retry: CallRetry) async throws -> Outcome {
        let workerID = self.workerID
        // The days of the steps: asked for and selected before the start, accepted just before it,
        // learnt during the training, completed on its last day, assessed a week later, claimed
        // two weeks later, paid after a month.
        let start = offering.start, end = training.completion
        let asked = dates.on(start.adding(days: -10)), chosen = dates.on(start.adding(days: -7)),
            accepted = dates.on(start.adding(days: -3))
        let completed = dates.on(end), assessed = dates.on(end.adding(days: 7)),
            claimed = dates.on(end.adding(days: 14))
        let paid = dates.on(end.adding(days: 30))
        // O1: the worker asks for the training.
        _ = try await retry.run("MatchingService/SubmitDemand") {
            try await clients.matching("worker-portal").submitDemand(
                SubmitDemandRequest(
                    requestId: id("demand"),
                    demand: Demand(
                        requester: .workerId(workerID), occupation: offering.occupation, level: offering.skillLevel,
                        headcount: 1,
                        district: "371402", note: "replay")), options: asked)
        }
        // O3: the worker selects the offering.
        let selected = try await retry.run("MatchingService/SelectOffering") {
            try await clients.matching("worker-portal").selectOffering(
                SelectOfferingRequest(requestId: id("select"), workerId: workerID, offeringId: offeringID),
                options: chosen)
        }
        guard let enrollmentID = selected.enrollment?.id, !enrollmentID.isEmpty else {
            throw RPCError(.internalError, "SelectOffering returned no enrolment")
        }
        // O4: the institution accepts, learning is recorded, the training completes.
        _ = try await retry.run("MatchingService/AcceptEnrollment") {
            try await clients.matching("institution").acceptEnrollment(
                AcceptEnrollmentRequest(requestId: id("accept"), enrollmentId: enrollmentID, accept: true),
                options: accepted)
        }
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
                    attendancePercent: Int32(training.attendancePercent)), options: completed)
        }
        // Assessment: skill level recognition at the trained level, a certificate (R2).
        let assessment = try await retry.run("AssessmentService/ScheduleAssessment") {
            try await clients.assessment().scheduleAssessment(
                ScheduleAssessmentRequest(
                    requestId: id("schedule"),
                    assessment: Assessment(
                        method: .levelRecognition, workerId: workerID, occupation: offering.occupation,
                        level: offering.skillLevel,
                        enrollmentId: enrollmentID, venue: "德州市职业技能鉴定中心")), options: assessed)
        }
        _ = try await retry.run("AssessmentService/RecordResult") {
            try await clients.assessment().recordResult(
                RecordResultRequest(
                    requestId: id("result"), assessmentId: assessment.id, score: Int32(60 + training.index % 41),
                    passed: true, assessor: "王考评员"), options: assessed)
        }
        let certificate = try await retry.run("AssessmentService/IssueCertificate") {
            try await clients.assessment().issueCertificate(
                IssueCertificateRequest(requestId: id("certificate"), assessmentId: assessment.id), options: assessed)
        }
        // O5: hrss hands the completed enrolment to payment, which decides.
        let payment = try await retry.run("MatchingService/RequestPayment") {
            try await clients.matching("hrss").requestPayment(
                RequestPaymentRequest(
                    requestId: id("pay"), enrollmentId: enrollmentID, certificateNumber: certificate.number),
                options: claimed)
        }
        var tranches: [Tranche] = []
        var disbursed: [LedgerEntry] = []
        if payment.eligible {
            // The claim was just acknowledged: NOT_FOUND here is a stale read, and is counted as a retry.
            let claim = try await retry.run("PaymentService/GetClaim", alsoRetrying: [.notFound]) {
                try await clients.payment("finance").getClaim(GetClaimRequest(claimId: payment.claimId), options: paid)
            }
            tranches = claim.decision?.tranches ?? []
            for tranche in tranches where tranche.state == .payable {
                disbursed.append(
                    try await Self.disburse(
                        tranche.id, requestID: id("disburse-\(tranche.id)"), options: paid, clients: clients,
                        retry: retry))
            }
        }
        return Outcome(
            enrollmentID: enrollmentID, certificateNumber: certificate.number, claimID: payment.claimId,
            eligible: payment.eligible, refusingRuleIDs: payment.refusingRuleIds, tranches: tranches,
            disbursed: disbursed)
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
