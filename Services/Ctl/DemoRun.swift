import Essentials
import RPC
import Schema
import Workload

/// Drives the demo's cast through the platform with the Workload pieces a replay uses:
/// `ProgrammeSetup` (enterprises, institutions with accepted filings, catalogue, offerings), an
/// enterprise's demand (O1), `TraineeJourney` per training (O1..O5, assessment, claim, disbursement),
/// the employment report of a project-based cohort (R7) and the disbursement it releases; then it
/// reads back each claim, the ledger and T1 for the summary.
struct DemoRun: Sendable {
    /// What one training came to.
    struct TrainingResult: Sendable {
        let trainingIndex: Int
        let outcome: TraineeJourney.Outcome
        /// The claim as finance reads it once everything is paid.
        let claim: Claim
    }

    /// An employment report of a project cohort and what it released.
    struct CohortResult: Sendable {
        let offeringIndex: Int
        let report: ReportEmploymentResponse
        let disbursed: [LedgerEntry]
    }

    /// A step that failed, with the platform's reason.
    struct Failure: Error, CustomStringConvertible {
        let step: String
        let error: any Error
        var description: String { "\(step): \(error)" }
    }

    struct Results: Sendable {
        var published: PublishedProgramme
        var demand: Demand
        var trainings: [Int: TrainingResult] = [:]
        var cohorts: [CohortResult] = []
        var ledger: [LedgerEntry] = []
        var progress = ProgrammeProgress()
    }

    let cast: DemoCast
    let clients: PlatformClients
    /// Matching as the enterprise (its demand), which `PlatformClients` has no channel for.
    let enterpriseMatching: MatchingServiceClient
    let retry: CallRetry
    let requestPrefix: String
    let dates = BusinessDates(enabled: true)
    let progress: DemoProgress
    /// The common name of the institution certificate the demo acts with (O4, employment reports).
    let institutionSystem: String

    var population: Population { cast.population }

    func run() async throws(Failure) -> Results {
        let published: PublishedProgramme
        do {
            let setup = ProgrammeSetup(
                population: population, clients: clients, retry: retry, requestPrefix: requestPrefix,
                openUntil: population.offerings.map(\.end).max() ?? CivilDate(2021, 12, 31), dates: dates)
            published = try await setup.run(concurrency: 4)
        } catch {
            throw Failure(
                step: "registering enterprises and institutions, publishing the catalogue and offerings", error: error)
        }
        progress.step(
            "registered \(population.enterprises.count) enterprises and \(population.institutions.count) institutions "
                + "(filings accepted), published \(population.catalogue.count) catalogue entries and \(population.offerings.count) offerings"
        )

        do {
            try await Self.letInstitutionSystemAct(
                institutionSystem, institutionIDs: published.institutionIDs, clients: clients,
                retry: retry, requestPrefix: requestPrefix)
        } catch {
            throw Failure(
                step: "letting the system '\(institutionSystem)' act for the demo's institutions", error: error)
        }
        let demand = try await submitEnterpriseDemand()
        var results = Results(published: published, demand: demand)

        let outcomes = try await runMembers(published: published)
        for (index, outcome) in outcomes {
            results.trainings[index] = TrainingResult(trainingIndex: index, outcome: outcome, claim: Claim())
        }

        for (offeringIndex, trainees) in cast.projectCohorts.sorted(by: { $0.key < $1.key }) {
            results.cohorts.append(
                try await reportEmployment(
                    offeringIndex: offeringIndex, trained: trainees.count,
                    offeringID: published.offeringIDs[offeringIndex]))
        }

        do {
            for (index, result) in results.trainings where !result.outcome.claimID.isEmpty {
                let claim = try await retry.run("PaymentService/GetClaim") {
                    try await clients.payment("finance").getClaim(GetClaimRequest(claimId: result.outcome.claimID))
                }
                results.trainings[index] = TrainingResult(trainingIndex: index, outcome: result.outcome, claim: claim)
            }
            results.ledger = try await retry.run("PaymentService/ExportLedger") {
                try await clients.payment("finance").exportLedger(ExportLedgerRequest()) { entries in
                    var all: [LedgerEntry] = []
                    for try await entry in entries { all.append(entry) }
                    return all
                }
            }
            results.progress = try await retry.run("PaymentService/GetProgress") {
                try await clients.payment("hrss").getProgress(GetProgressRequest(year: 0))
            }
        } catch {
            throw Failure(step: "reading the claims, the ledger and T1 back", error: error)
        }
        progress.step(
            "read back \(results.trainings.count) claims, the ledger (\(results.ledger.count) entries) and T1")
        return results
    }

    /// Lists `system` among each institution's systems (hrss), unless it is already there: only a
    /// listed system may act for an institution's offerings (O4, R7). Also used by `skillsctl bench`.
    static func letInstitutionSystemAct(
        _ system: String, institutionIDs: [String], clients: PlatformClients, retry: CallRetry,
        requestPrefix: String
    ) async throws {
        for (i, id) in institutionIDs.enumerated() {
            let institution = try await retry.run("RegistrationService/GetInstitution") {
                try await clients.registration("hrss").getInstitution(GetInstitutionRequest(institutionId: id))
            }
            guard !institution.systemCertificateNames.contains(system) else { continue }
            _ = try await retry.run("RegistrationService/SetInstitutionSystems") {
                try await clients.registration("hrss").setInstitutionSystems(
                    SetInstitutionSystemsRequest(
                        requestId: "\(requestPrefix)-inst-\(i)-systems", institutionId: id,
                        systemCertificateNames: institution.systemCertificateNames + [system], expectedVersion: 0))
            }
        }
    }

    /// O1 from the enterprise side: places wanted in the occupation the enterprise employee trains in.
    func submitEnterpriseDemand() async throws(Failure) -> Demand {
        guard let enterprise = population.enterprises.first else {
            throw Failure(
                step: "the enterprise's demand", error: RPCError(.internalError, "the population has no enterprise"))
        }
        let employee =
            cast.members.first { population.workers[$0.workerIndex].primaryCategory == .g1EnterpriseEmployee }
            ?? cast.members.first
        let offering =
            employee.flatMap { $0.trainings.first }.map { population.offerings[population.trainings[$0].offeringIndex] }
            ?? population.offerings[0]
        do {
            let demand = try await retry.run("MatchingService/SubmitDemand") {
                try await enterpriseMatching.submitDemand(
                    SubmitDemandRequest(
                        requestId: "\(requestPrefix)-enterprise-demand",
                        demand: Demand(
                            requester: .enterpriseCreditCode(enterprise.creditCode), occupation: offering.occupation,
                            level: offering.skillLevel,
                            headcount: 5, district: enterprise.district, note: "demo: places for our workshop")),
                    options: dates.on(offering.start.adding(days: -40)))
            }
            progress.step("\(enterprise.name) asked for 5 places in \(offering.occupation.name) (O1)")
            return demand
        } catch {
            throw Failure(step: "the enterprise's demand (O1)", error: error)
        }
    }

    /// Every member concurrently, each member's trainings in order.
    func runMembers(published: PublishedProgramme) async throws(Failure) -> [(Int, TraineeJourney.Outcome)] {
        let outcome = await withTaskGroup(of: Result<[(Int, TraineeJourney.Outcome)], Failure>.self) { group in
            for member in cast.members {
                group.addTask { await runMember(member, published: published) }
            }
            var all: [(Int, TraineeJourney.Outcome)] = []
            var failures: [Failure] = []
            for await result in group {
                switch result {
                case .success(let outcomes): all += outcomes
                case .failure(let failure): failures.append(failure)
                }
            }
            return failures.first.map { Result.failure($0) } ?? .success(all)
        }
        return try outcome.get()
    }

    func runMember(_ member: DemoCast.Member, published: PublishedProgramme) async -> Result<
        [(Int, TraineeJourney.Outcome)], Failure
    > {
        let worker = population.workers[member.workerIndex]
        let workerID: String
        do {
            workerID = try await ProgrammeSetup.registerWorker(
                worker, clients: clients, retry: retry,
                requestID: "\(requestPrefix)-w\(member.workerIndex)")
        } catch {
            return .failure(
                Failure(
                    step: "registering \(worker.worker.name), \(member.label), by \(worker.registeringRole)",
                    error: error))
        }
        progress.step("\(worker.registeringRole) registered \(worker.worker.name), \(member.label)")
        var outcomes: [(Int, TraineeJourney.Outcome)] = []
        for index in member.trainings {
            let training = population.trainings[index]
            let offering = population.offerings[training.offeringIndex]
            let journey = TraineeJourney(
                training: training, offering: offering, workerID: workerID,
                offeringID: published.offeringIDs[training.offeringIndex],
                requestPrefix: "\(requestPrefix)-t\(index)", dates: dates)
            do {
                let outcome = try await journey.run(clients: clients, retry: retry)
                outcomes.append((index, outcome))
                let decision =
                    outcome.eligible
                    ? "claim eligible" : "claim refused \(outcome.refusingRuleIDs.joined(separator: ", "))"
                progress.step(
                    "\(worker.worker.name): \(offering.occupation.name) level \(offering.level), completed \(training.completion), "
                        + "certificate \(outcome.certificateNumber), \(decision)")
            } catch {
                return .failure(
                    Failure(
                        step:
                            "\(worker.worker.name)'s training in \(offering.occupation.name) (\(offering.start)..\(offering.end))",
                        error: error))
            }
        }
        return .success(outcomes)
    }

    /// The institution proposes that every demo trainee of the cohort found work, each with an
    /// employer and a start date (R7); hrss confirms with its own certificate, and finance pays the
    /// tranches the confirmation released.
    func reportEmployment(offeringIndex: Int, trained: Int, offeringID: String) async throws(Failure) -> CohortResult {
        let offering = population.offerings[offeringIndex]
        do {
            let (report, disbursed) = try await CohortReport(
                offering: offering, offeringID: offeringID,
                outcome: EmploymentOutcome(trained: trained, employed: trained),
                requestPrefix: "\(requestPrefix)-o\(offeringIndex)", dates: dates
            ).run(clients: clients, retry: retry)
            progress.step(
                "\(population.institutions[offering.institutionIndex].institution.name) proposed employment "
                    + "\(report.employed)/\(report.trained) for the project-based \(offering.occupation.name) cohort, "
                    + "\(report.confirmedBy) confirmed it; \(disbursed.count) held tranche(s) released and paid")
            return CohortResult(offeringIndex: offeringIndex, report: report, disbursed: disbursed)
        } catch {
            throw Failure(
                step: "employment report of the project-based cohort in \(offering.occupation.name) (R7)", error: error)
        }
    }
}
