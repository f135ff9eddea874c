import Essentials
import Schema
import Synchronization

/// How a replay runs.
public struct ReplayConfiguration: Sendable {
    /// Journeys in flight at once (each a worker going through their trainings in order).
    public var concurrency: Int
    /// Prefix of every request_id; a fresh one per run keeps runs apart on a long-lived platform.
    public var requestPrefix: String
    /// See `ProgrammeSetup.openUntil`.
    public var openUntil: CivilDate
    public var dates: BusinessDates

    public init(
        concurrency: Int = 64, requestPrefix: String, openUntil: CivilDate,
        dates: BusinessDates = BusinessDates(enabled: false)
    ) {
        self.dates = dates
        self.concurrency = concurrency
        self.requestPrefix = requestPrefix
        self.openUntil = openUntil
    }
}

/// Where a replay is (for progress displays).
public struct ReplayProgress: Sendable {
    public enum Phase: String, Sendable { case setup, journeys, reconciliation, done }
    public var phase: Phase
    public var trainingsDone: Int
    public var trainingsTotal: Int
    public var calls: Int64
}

/// Replays a population against the platform: publishes the programme, then runs every worker's
/// trainings (`TraineeJourney`, a worker's in order, `concurrency` workers at a time), reports each
/// project cohort when its last claim is decided (`CohortReport`), and records what was acknowledged.
public final class ProgrammeReplay: Sendable {
    public let population: Population
    public let clients: PlatformClients
    public let configuration: ReplayConfiguration
    public let metrics = CallMetrics()
    public let record = ReplayRecord()
    private let phase = Mutex(ReplayProgress.Phase.setup)
    /// Project offering index -> trainees whose claim is not decided yet.
    private let cohortsPending: Mutex<[Int: Int]>

    public init(population: Population, clients: PlatformClients, configuration: ReplayConfiguration) {
        self.population = population
        self.clients = clients
        self.configuration = configuration
        cohortsPending = Mutex(population.projectCohorts.mapValues(\.count))
    }

    public var retry: CallRetry { CallRetry(metrics: metrics) }

    public var progress: ReplayProgress {
        ReplayProgress(
            phase: phase.withLock { $0 }, trainingsDone: record.completedTrainings,
            trainingsTotal: population.trainings.count, calls: metrics.completedCalls)
    }

    func enter(_ next: ReplayProgress.Phase) { phase.withLock { $0 = next } }

    /// Publishes the programme and runs every journey; journeys that fail for good are in
    /// `record.failures` (the run goes on). Throws only when the programme cannot be published.
    public func run() async throws -> PublishedProgramme {
        let prefix = configuration.requestPrefix
        let setup = ProgrammeSetup(
            population: population, clients: clients, retry: retry, requestPrefix: prefix,
            openUntil: configuration.openUntil, dates: configuration.dates)
        enter(.setup)
        let published = try await setup.run(concurrency: configuration.concurrency)
        enter(.journeys)
        let workers = population.schedules.indices.filter { !population.schedules[$0].isEmpty }
        let executors = clients.executors
        try await forEach(0..<workers.count, concurrency: configuration.concurrency, executors: executors) { n in
            await self.runWorker(workers[n], published: published)
        }
        enter(.reconciliation)
        return published
    }

    func runWorker(_ index: Int, published: PublishedProgramme) async {
        let prefix = configuration.requestPrefix
        let worker = population.workers[index]
        let schedule = population.schedules[index]
        let workerID: String
        do {
            workerID = try await ProgrammeSetup.registerWorker(
                worker, clients: clients, retry: retry, requestID: "\(prefix)-w\(index)")
        } catch {
            for training in schedule {
                record.failed(training: training, error)
                record.completed()
            }
            return
        }
        for trainingIndex in schedule {
            let training = population.trainings[trainingIndex]
            let offering = population.offerings[training.offeringIndex]
            let journey = TraineeJourney(
                training: training, offering: offering, workerID: workerID,
                offeringID: published.offeringIDs[training.offeringIndex], requestPrefix: "\(prefix)-t\(trainingIndex)",
                dates: configuration.dates)
            do {
                let outcome = try await journey.run(clients: clients, retry: retry)
                record.claimDecided(
                    .init(
                        trainingIndex: trainingIndex, claimID: outcome.claimID, eligible: outcome.eligible,
                        refusingRuleIDs: outcome.refusingRuleIDs), expected: training.expected)
                for entry in outcome.disbursed { record.disbursed(entry) }
            } catch {
                record.failed(training: trainingIndex, error)
            }
            record.completed()
            if offering.kind == .projectBased { await claimDecided(inCohort: offering, published: published) }
        }
    }

    /// Counts a decided claim of a project cohort; the last one reports the cohort's employment.
    func claimDecided(inCohort offering: PlannedOffering, published: PublishedProgramme) async {
        let last = cohortsPending.withLock { pending -> Bool in
            let left = (pending[offering.index] ?? 1) - 1
            pending[offering.index] = left
            return left == 0
        }
        guard last, let outcome = offering.employment else { return }
        let report = CohortReport(
            offering: offering, offeringID: published.offeringIDs[offering.index], outcome: outcome,
            requestPrefix: "\(configuration.requestPrefix)-o\(offering.index)", dates: configuration.dates)
        do {
            let (response, disbursed) = try await report.run(clients: clients, retry: retry)
            record.reported(response)
            for entry in disbursed { record.disbursed(entry) }
        } catch {
            record.failed(training: -1 - offering.index, error)
        }
    }

    /// Reads the ledger and every claim from payment and reconciles them with what was acknowledged.
    /// `exclusive`: the platform holds nothing but this replay (see `Reconciliation.Expectations`).
    public func reconcile(standards: SubsidyStandards, exclusive: Bool = true) async throws -> Reconciliation.Report {
        enter(.reconciliation)
        let (ledger, claims) = try await Reconciliation.fetch(payment: clients.payment("finance"), retry: retry)
        let report = Reconciliation.check(
            ledger: ledger, claims: claims,
            expected: Reconciliation.Expectations(
                record: record, maxTrainingsPerYear: standards.maxTrainingsPerYear,
                employmentThresholdBasisPoints: standards.employmentThresholdBasisPoints, exclusive: exclusive))
        enter(.done)
        return report
    }
}
