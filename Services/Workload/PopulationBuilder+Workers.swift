import Essentials
import Schema

/// Workers and their ordinary trainings.
extension PopulationBuilder {
    mutating func makeWorker(category: WorkerCategory) -> Int {
        let index = workers.count
        let ruralByGroup: Set<WorkerCategory> = [.g5RegisteredPoor, .g7RuralMigrant, .g13RuralTalent]
        let hukou: Hukou = ruralByGroup.contains(category) || random.chance(0.4) ? .rural : .urban
        var fact = CategoryFact(category: category)
        switch category {
        case .g1EnterpriseEmployee:
            fact.employerCreditCode = random.element(of: enterprises).creditCode
        case .g2NewHire:
            fact.employerCreditCode = enterprises[random.element(of: hiringEnterprises)].creditCode
            fact.hiredOn = CivilDate(2018, 12, 1).adding(days: random.int(in: 0...900)).calendarDate
        case .g3Student:
            fact.school = random.element(of: Population.schools)
        case .g6TwoAfterYouth:
            fact.rural = hukou == .rural
            fact.lowIncomeFamily = hukou == .urban && random.chance(0.5)
        case .g10EmploymentDifficulty:
            if random.chance(0.5) { fact.disabled = true } else { fact.zeroEmploymentFamily = true }
        default:
            break
        }
        fact.evidenceReference = "DZ-\(category.rawValue)-\(index)"
        // Identifiers: sequence and birth-date block from the index (unique), shifted by the seed.
        let block = index / 1000
        let birth = CivilDate(1966, 1, 1).adding(days: (block * 97 + identifierOffset) % 13_000)
        let idNumber = ResidentIDNumbers.make(
            region: random.element(of: Population.districts), birth: birth, sequence: index % 1000)
        let name =
            String(random.element(of: Population.surnames)) + String(random.element(of: Population.givenNames))
            + (random.chance(0.6) ? String(random.element(of: Population.givenNames)) : "")
        let phone = "1\(random.element(of: [3, 5, 7, 8, 9]))\(100_000_000 + random.int(in: 0...899_999_999))"
        let worker = Worker(
            idNumber: idNumber, name: name, phone: phone, hukou: hukou, categories: [fact],
            district: random.element(of: Population.districts))
        workers.append(
            PopulationWorker(
                index: index, worker: worker,
                registeringRole: Population.registeringRole(for: category, lowIncomeFamily: fact.lowIncomeFamily),
                primaryCategory: category))
        schedules.append([])
        return index
    }

    mutating func addTraining(worker: Int, offering: Int, expected: PlannedDecision) {
        let index = trainings.count
        var learning = [PlannedLearning(channel: .offline, minutes: random.int(in: 120...900))]
        if random.chance(0.3) {
            learning.append(
                PlannedLearning(channel: random.element(of: [.pc, .app, .wechat]), minutes: random.int(in: 30...300)))
        }
        trainings.append(
            PlannedTraining(
                index: index, workerIndex: worker, offeringIndex: offering, completion: offerings[offering].end,
                attendancePercent: random.int(in: 80...100), learning: learning, expected: expected))
    }

    /// Puts the worker's trainings in completion order (ties: as planned), which the journeys follow.
    mutating func schedule(worker: Int, _ indices: [Int]) {
        schedules[worker] = indices.sorted { (trainings[$0].completion, $0) < (trainings[$1].completion, $1) }
    }

    mutating func addOrdinaryWorker(trainings count: Int) {
        let category = random.weighted(Population.categoryShares)
        let worker = makeWorker(category: category)
        let affinity = Population.affinity[category]
        var taken: Set<String> = []
        var indices: [Int] = []
        for position in 0..<count {
            let kind: OfferingKind
            var enterprise = ""
            if position == 0 && category == .g2NewHire {
                kind = .newHirePreJob
                enterprise = workers[worker].worker.categories[0].employerCreditCode
            } else if Population.freeGroups.contains(category) && random.chance(0.12) {
                kind = .projectBased
            } else {
                kind = .ordinary
            }
            let offering: Int
            if kind == .newHirePreJob {
                offering = takePlace(kind: kind, accepts: { $0.enterpriseCreditCode == enterprise }) { builder in
                    builder.makeOffering(kind: .newHirePreJob, enterprise: enterprise)
                }
            } else {
                offering = takePlace(kind: kind, accepts: { !taken.contains("\($0.occupation.code)/\($0.level)") }) {
                    builder in
                    var made = builder.makeOffering(kind: kind, affinity: affinity)
                    while taken.contains("\(builder.offerings[made].occupation.code)/\(builder.offerings[made].level)")
                    {
                        made = builder.makeOffering(kind: kind)
                    }
                    return made
                }
            }
            taken.insert("\(offerings[offering].occupation.code)/\(offerings[offering].level)")
            addTraining(worker: worker, offering: offering, expected: .eligible)
            indices.append(trainings.count - 1)
        }
        schedule(worker: worker, indices)
    }
}
