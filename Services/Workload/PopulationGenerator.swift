import Essentials
import Schema

extension Population {
    /// A deterministic population with exactly `trainings` trainings.
    ///
    /// Besides ordinary trainings it plans new hires' pre-job training with their employer (R6),
    /// project-based cohorts whose reported employment rate falls on both sides of the threshold
    /// (R7), and a few workers who try a 4th training in one year (refused R3) or the same
    /// occupation and level twice (refused R4). Every other training completes within the
    /// programme on an occupation and level that has a standard on its completion date.
    public static func generate(trainings total: Int, seed: UInt64, standards: SubsidyStandards) -> Population {
        var builder = PopulationBuilder(total: max(0, total), seed: seed, standards: standards)
        return builder.build()
    }
}

/// The generator's working state (one use).
struct PopulationBuilder {
    let total: Int
    let seed: UInt64
    let standards: SubsidyStandards
    var random: SeededRandom
    var enterprises: [Enterprise] = []
    var hiringEnterprises: [Int] = []
    var institutions: [PopulationInstitution] = []
    var institutionsByOccupation: [String: [Int]] = [:]
    var offerings: [PlannedOffering] = []
    var open: [OfferingKind: [Int]] = [:]
    var newHireOfferingByEnterprise: [String: Int] = [:]
    var workers: [PopulationWorker] = []
    var trainings: [PlannedTraining] = []
    var schedules: [[Int]] = []
    let months: [(year: Int, month: Int)]
    /// Shifts identifiers so that different seeds give different ID numbers and credit codes.
    let identifierOffset: Int

    init(total: Int, seed: UInt64, standards: SubsidyStandards) {
        self.total = total
        self.seed = seed
        self.standards = standards
        random = SeededRandom(seed: seed ^ 0x5EED_0F_D3_2019)
        identifierOffset = Int(seed % 9973)
        var months: [(Int, Int)] = []
        var day = standards.programmeStart.firstOfMonth
        while day <= standards.programmeEnd {
            months.append((day.year, day.month))
            day = day.firstOfNextMonth
        }
        self.months = months
    }

    mutating func build() -> Population {
        makeEnterprises()
        makeInstitutions()
        let ordinaryPool = max(4, total / 45)
        for _ in 0..<ordinaryPool { _ = makeOffering(kind: .ordinary) }
        let projectPool = max(2, total / 400)
        for _ in 0..<projectPool { _ = makeOffering(kind: .projectBased) }
        let r3Testers = max(1, total / 700)
        let r4Testers = max(1, total / 700)
        var r3Left = total >= 6 ? r3Testers : 0
        var r4Left = total >= 3 ? r4Testers : 0
        while trainings.count < total {
            let remaining = total - trainings.count
            let n = workers.count
            if r3Left > 0 && remaining >= 4 && n % 97 == 3 {
                r3Left -= 1
                addR3Tester()
            } else if r4Left > 0 && remaining >= 2 && n % 89 == 5 {
                r4Left -= 1
                addR4Tester()
            } else {
                let wanted = random.weighted([(1, 85.0), (2, 12.0), (3, 3.0)])
                addOrdinaryWorker(trainings: min(wanted, remaining))
            }
        }
        setEmploymentOutcomes()
        return Population(
            seed: seed, enterprises: enterprises, institutions: institutions, catalogue: catalogue(),
            offerings: offerings, workers: workers, trainings: trainings, schedules: schedules)
    }
}
