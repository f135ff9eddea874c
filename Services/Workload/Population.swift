import Essentials
import Schema

/// A synthetic programme: who registers, which offerings are listed, and every training the replay
/// drives, with the decision each one should get. Built by `Population.generate`; the same
/// (trainings, seed) always gives the same population.
public struct Population: Sendable {
    public let seed: UInt64
    public let enterprises: [Enterprise]
    public let institutions: [PopulationInstitution]
    public let catalogue: [CatalogEntry]
    public let offerings: [PlannedOffering]
    public let workers: [PopulationWorker]
    public let trainings: [PlannedTraining]
    /// For each worker (by index), the indices of their trainings in the order they happen.
    public let schedules: [[Int]]

    public init(
        seed: UInt64, enterprises: [Enterprise], institutions: [PopulationInstitution], catalogue: [CatalogEntry],
        offerings: [PlannedOffering], workers: [PopulationWorker], trainings: [PlannedTraining], schedules: [[Int]]
    ) {
        self.seed = seed
        self.enterprises = enterprises
        self.institutions = institutions
        self.catalogue = catalogue
        self.offerings = offerings
        self.workers = workers
        self.trainings = trainings
        self.schedules = schedules
    }

    /// The trainings of each project-based offering (offering index -> training indices).
    public var projectCohorts: [Int: [Int]] {
        var cohorts: [Int: [Int]] = [:]
        for training in trainings where offerings[training.offeringIndex].kind == .projectBased {
            cohorts[training.offeringIndex, default: []].append(training.index)
        }
        return cohorts
    }
}

/// A worker to register, with the department role that registers (and so attests) them.
public struct PopulationWorker: Sendable {
    public let index: Int
    /// The worker as RegisterWorker takes it (no id yet).
    public let worker: Worker
    public let registeringRole: String
    public let primaryCategory: WorkerCategory
}

/// A training institution to file, and the licence scope its filing is accepted with (R10).
public struct PopulationInstitution: Sendable {
    public let institution: Institution
    public let licenceScope: [String]
}

/// What the institution of a project-based offering reports after training (R7).
public struct EmploymentOutcome: Sendable, Hashable {
    public let trained: Int
    public let employed: Int

    public init(trained: Int, employed: Int) {
        self.trained = trained
        self.employed = employed
    }

    /// The rate in basis points, rounded down as the payment service reports it.
    public var rateBasisPoints: Int { trained > 0 ? employed * 10_000 / trained : 0 }

    public func meets(thresholdBasisPoints: Int) -> Bool { employed * 10_000 >= trained * thresholdBasisPoints }
}

/// An offering (O2) as the replay publishes it.
public struct PlannedOffering: Sendable {
    public let index: Int
    public let occupation: Occupation
    public let level: Int
    public let institutionIndex: Int
    public let kind: OfferingKind
    public let catalog: CatalogKind
    public let start: CivilDate
    /// The last day of training, which is every trainee's completion date.
    public let end: CivilDate
    public internal(set) var capacity: Int
    /// New hires' pre-job training (R6): the employer.
    public let enterpriseCreditCode: String
    /// Project-based training (R7): the project.
    public let projectID: String
    /// Project-based training: what is reported once every trainee's claim is decided.
    public internal(set) var employment: EmploymentOutcome?
    /// How many planned trainings take a place.
    public internal(set) var enrolled: Int

    public var skillLevel: SkillLevel { SkillLevel(rawValue: Int32(level)) }
}

/// The decision a training's claim should get.
public enum PlannedDecision: Sendable, Hashable, CustomStringConvertible {
    case eligible
    /// Refused by this rule: "R3" (a 4th training in a year) or "R4" (the same occupation and level again).
    case refused(rule: String)

    public var description: String {
        switch self {
        case .eligible: return "eligible"
        case .refused(let rule): return "refused \(rule)"
        }
    }
}

/// Learning recorded on one channel (O4).
public struct PlannedLearning: Sendable, Hashable {
    public let channel: LearningChannel
    public let minutes: Int
}

/// One trainee-training: a worker in an offering, through O1..O5, assessment and payment.
public struct PlannedTraining: Sendable {
    public let index: Int
    public let workerIndex: Int
    public let offeringIndex: Int
    public let completion: CivilDate
    public let attendancePercent: Int
    public let learning: [PlannedLearning]
    public let expected: PlannedDecision
}
