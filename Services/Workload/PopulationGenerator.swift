import Essentials
import Schema

extension Population {
    /// The shares of the groups G1..G17 among registered workers (plausible for a prefecture-level
    /// city: employees, rural migrants and students dominate; G11/G12 are rare).
    public static let categoryShares: [(WorkerCategory, Double)] = [
        (.g1EnterpriseEmployee, 22), (.g2NewHire, 8), (.g3Student, 10), (.g4PoorFamilyChild, 2), (.g5RegisteredPoor, 4),
        (.g6TwoAfterYouth, 3), (.g7RuralMigrant, 14), (.g8Unemployed, 9), (.g9PostChange, 3),
        (.g10EmploymentDifficulty, 4),
        (.g11PreRelease, 0.5), (.g12CommunityCorrection, 0.5), (.g13RuralTalent, 7), (.g14Veteran, 3),
        (.g15SpecialOperations, 4), (.g16DomesticService, 4), (.g17Entrepreneur, 2),
    ]

    /// The department that registers a worker of `category`, and so attests it (registration's
    /// attestation table); self-declared groups are registered by hrss.
    public static func registeringRole(for category: WorkerCategory, lowIncomeFamily: Bool) -> String {
        switch category {
        case .g3Student: return "education"
        case .g6TwoAfterYouth: return lowIncomeFamily ? "civil-affairs" : "education"
        case .g4PoorFamilyChild, .g5RegisteredPoor: return "poverty-office"
        case .g11PreRelease, .g12CommunityCorrection: return "justice"
        case .g14Veteran: return "veterans"
        default: return "hrss"
        }
    }

    /// The certificate name (CN) of the institution system that acts for every institution in O4
    /// (the dev certificate of the `institution` role).
    public static let institutionSystemCertificate = "institution-dev"

    static let freeGroups: Set<WorkerCategory> = [
        .g4PoorFamilyChild, .g5RegisteredPoor, .g6TwoAfterYouth, .g7RuralMigrant,
        .g8Unemployed, .g9PostChange, .g10EmploymentDifficulty, .g11PreRelease,
        .g12CommunityCorrection,
    ]
    static let districts = [
        "371402", "371403", "371422", "371423", "371424", "371425", "371426", "371427", "371428", "371481", "371482",
    ]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
    static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志新海波鹏飞宇浩然晨曦嘉怡子涵")
    static let schools = ["德州学院", "德州职业技术学院", "德州科技职业学院", "山东华宇工学院", "德州市技师学院"]
    /// "6+6" key industries (GB/T 4754 codes) and general ones; chemicals and coal are high-risk.
    static let keyIndustries = ["C26", "C34", "C36", "C38", "C13", "I65"]
    static let generalIndustries = ["E47", "F52", "H62", "O80", "A01", "B06"]
    /// Occupations a group tends to train in (the rest of the time any subsidised occupation).
    static let affinity: [WorkerCategory: [String]] = [
        .g15SpecialOperations: ["6-11-01-03", "6-30-05-02", "6-31-01-03", "6-18-02-04"],
        .g16DomesticService: ["4-10-01-06", "4-10-01-05", "4-10-01-02", "4-10-01-03"],
        .g13RuralTalent: ["5-01-02-01", "4-01-02-02", "4-01-02-07"],
        .g17Entrepreneur: ["4-01-02-02", "4-01-02-07", "4-03-02-01"],
        .g1EnterpriseEmployee: ["6-31-01-03", "6-18-02-04", "6-18-01-01", "6-18-01-02", "4-12-01-01"],
    ]

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

    // MARK: Organisations

    mutating func makeEnterprises() {
        let count = max(4, total / 150)
        for i in 0..<count {
            let key = i % 2 == 0
            let industry =
                key
                ? Population.keyIndustries[i / 2 % Population.keyIndustries.count]
                : Population.generalIndustries[i / 2 % Population.generalIndustries.count]
            let highRisk = industry == "C26" || industry == "B06"
            let code = CreditCodes.make(serial: identifierOffset * 1_000_000 + i)
            enterprises.append(
                Enterprise(
                    creditCode: code,
                    name: "德州\(Population.surnames[i % Population.surnames.count])氏\(industryName(industry))有限公司\(i)",
                    industry: industry, keyIndustry: key, inDifficulty: random.chance(0.05),
                    layoffRisk: random.chance(0.03),
                    highRisk: highRisk,
                    highRiskSector: industry == "C26" ? "chemicals" : industry == "B06" ? "coal" : "",
                    district: random.element(of: Population.districts)))
            if i % 5 == 0 { hiringEnterprises.append(i) }
        }
    }

    func industryName(_ code: String) -> String {
        switch code {
        case "C26": return "化工"
        case "C34", "C38": return "机械"
        case "C36": return "汽车"
        case "C13": return "食品"
        case "I65": return "软件"
        case "E47": return "建筑"
        case "F52": return "商贸"
        case "H62": return "餐饮"
        case "O80": return "家政"
        case "B06": return "煤业"
        default: return "农业"
        }
    }

    mutating func makeInstitutions() {
        let occupations = standards.allOccupations.map(\.code)
        let count = max(3, total / 400)
        var scopes: [[String]] = Array(repeating: [], count: count)
        // Every occupation is covered by at least two institutions, then each gets a few more.
        for (i, code) in occupations.enumerated() {
            scopes[i % count].append(code)
            scopes[(i + 1) % count].append(code)
        }
        for i in 0..<count {
            for _ in 0..<random.int(in: 2...5) {
                let code = random.element(of: occupations)
                if !scopes[i].contains(code) { scopes[i].append(code) }
            }
            scopes[i].sort()
        }
        let kinds: [InstitutionKind] = [
            .privateTraining, .publicTraining, .vocationalCollege, .technicianCollege, .university,
            .socialOrganisation, .enterpriseTrainingCentre,
        ]
        for i in 0..<count {
            let code = CreditCodes.make(serial: identifierOffset * 1_000_000 + 500_000 + i, kind: "52")
            let institution = Institution(
                creditCode: code, name: "德州市第\(i + 1)职业技能培训学校", kind: kinds[i % kinds.count],
                contactPhone: "0534-\(2_000_000 + (i * 7919 + identifierOffset) % 7_999_999)",
                address: "德城区天衢路\(i + 1)号", district: random.element(of: Population.districts),
                systemCertificateNames: [Population.institutionSystemCertificate])
            institutions.append(PopulationInstitution(institution: institution, licenceScope: scopes[i]))
            for occupation in scopes[i] { institutionsByOccupation[occupation, default: []].append(i) }
        }
    }

    func catalogue() -> [CatalogEntry] {
        standards.allOccupations.map { entry in
            let key = entry.code.hasPrefix("6-")
            return CatalogEntry(
                kind: key ? .c1KeyIndustry : .c2General, occupation: Occupation(code: entry.code, name: entry.nameZH),
                levels: entry.levels.map { SkillLevel(rawValue: Int32($0)) },
                industry: key ? "C" : "", note: "职业技能提升行动 2019-2021",
                effectiveFrom: standards.programmeStart.calendarDate,
                effectiveUntil: standards.programmeEnd.calendarDate)
        }
    }

    // MARK: Offerings

    /// A new offering ending in a random month (or `month`), on an occupation and level subsidised
    /// on its last day (`code`/`level` when given and subsidised then).
    mutating func makeOffering(
        kind: OfferingKind, month: (year: Int, month: Int)? = nil, code: String? = nil, level: Int? = nil,
        enterprise: String = "", affinity: [String]? = nil
    ) -> Int {
        let (year, monthNumber) = month ?? random.element(of: months)
        var end = CivilDate(year, monthNumber, random.int(in: 5...28))
        if end > standards.programmeEnd { end = standards.programmeEnd }
        let available = standards.occupations(on: end)
        var entry =
            available.first { $0.code == code }
            ?? {
                if let affinity, random.chance(0.6) {
                    let preferred = available.filter { affinity.contains($0.code) }
                    if !preferred.isEmpty { return random.element(of: preferred) }
                }
                return random.element(of: available)
            }()
        if institutionsByOccupation[entry.code] == nil { entry = available[0] }
        let levels = entry.levels
        let chosenLevel: Int
        if let level, levels.contains(level) {
            chosenLevel = level
        } else {
            let weights: [Int: Double] = [5: 40, 4: 35, 3: 17, 2: 6, 1: 2]
            chosenLevel = random.weighted(levels.map { ($0, weights[$0] ?? 1) })
        }
        let start = end.adding(days: -random.int(in: 7...45))
        let institutionIndex = random.element(of: institutionsByOccupation[entry.code] ?? [0])
        let capacity: Int
        switch kind {
        case .projectBased: capacity = random.int(in: 15...40)
        case .newHirePreJob: capacity = random.int(in: 10...30)
        default: capacity = random.int(in: 30...60)
        }
        let index = offerings.count
        offerings.append(
            PlannedOffering(
                index: index, occupation: Occupation(code: entry.code, name: entry.nameZH), level: chosenLevel,
                institutionIndex: institutionIndex, kind: kind,
                catalog: entry.code.hasPrefix("6-") ? .c1KeyIndustry : .c2General,
                start: start, end: end, capacity: capacity, enterpriseCreditCode: enterprise,
                projectID: kind == .projectBased ? "proj-\(seed)-\(index)" : "", employment: nil, enrolled: 0))
        open[kind, default: []].append(index)
        return index
    }

    /// An open offering of `kind` that `accepts`, or a new one from `make`.
    mutating func takePlace(
        kind: OfferingKind, accepts: (PlannedOffering) -> Bool, make: (inout PopulationBuilder) -> Int
    ) -> Int {
        var chosen: Int?
        let candidates = open[kind] ?? []
        if !candidates.isEmpty {
            for _ in 0..<24 {
                let index = random.element(of: candidates)
                if accepts(offerings[index]) {
                    chosen = index
                    break
                }
            }
        }
        let index = chosen ?? make(&self)
        offerings[index].enrolled += 1
        if offerings[index].enrolled >= offerings[index].capacity {
            open[kind]?.removeAll { $0 == index }
        }
        return index
    }

    // MARK: Workers

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

    /// Four trainings completing in one year, on four occupations: the 4th is refused (R3).
    mutating func addR3Tester() {
        let worker = makeWorker(category: random.weighted(Population.categoryShares.filter { $0.0 != .g2NewHire }))
        let year = random.element(of: Array(Set(months.map(\.year))).sorted())
        var codes: Set<String> = []
        var indices: [Int] = []
        for _ in 0..<4 {
            let offering = takePlace(
                kind: .ordinary, accepts: { $0.end.year == year && !codes.contains($0.occupation.code) }
            ) { builder in
                var made = builder.makeOffering(
                    kind: .ordinary, month: builder.random.element(of: builder.months.filter { $0.year == year }))
                while codes.contains(builder.offerings[made].occupation.code) {
                    made = builder.makeOffering(
                        kind: .ordinary, month: builder.random.element(of: builder.months.filter { $0.year == year }))
                }
                return made
            }
            codes.insert(offerings[offering].occupation.code)
            addTraining(worker: worker, offering: offering, expected: .eligible)
            indices.append(trainings.count - 1)
        }
        schedule(worker: worker, indices)
        // The last in completion order is the 4th of the year.
        if let last = schedules[worker].last { trainings[last] = trainings[last].expecting(.refused(rule: "R3")) }
    }

    /// The same occupation and level in two offerings: the second is refused (R4).
    mutating func addR4Tester() {
        let worker = makeWorker(category: random.weighted(Population.categoryShares.filter { $0.0 != .g2NewHire }))
        let first = takePlace(kind: .ordinary, accepts: { _ in true }) { $0.makeOffering(kind: .ordinary) }
        let code = offerings[first].occupation.code
        let level = offerings[first].level
        let month = (year: offerings[first].end.year, month: offerings[first].end.month)
        let second = takePlace(
            kind: .ordinary, accepts: { $0.index != first && $0.occupation.code == code && $0.level == level }
        ) { builder in
            // makeOffering falls back to another occupation or level when the asked one has no
            // standard on the day it draws; ask again in the first offering's month.
            var made = builder.makeOffering(kind: .ordinary, month: month, code: code, level: level)
            for _ in 0..<20
            where builder.offerings[made].occupation.code != code || builder.offerings[made].level != level {
                made = builder.makeOffering(kind: .ordinary, month: month, code: code, level: level)
            }
            return made
        }
        addTraining(worker: worker, offering: first, expected: .eligible)
        addTraining(worker: worker, offering: second, expected: .eligible)
        schedule(worker: worker, [trainings.count - 2, trainings.count - 1])
        // R4 only if the two really share occupation and level (the fallback above can fail).
        let repeated = offerings[second].occupation.code == code && offerings[second].level == level
        if repeated, let last = schedules[worker].last {
            trainings[last] = trainings[last].expecting(.refused(rule: "R4"))
        }
    }

    /// Project cohorts report rates on both sides of the threshold: alternately above and below,
    /// one exactly at it when the cohort size allows.
    mutating func setEmploymentOutcomes() {
        let threshold = standards.employmentThresholdBasisPoints
        var meets = true
        for index in offerings.indices where offerings[index].kind == .projectBased && offerings[index].enrolled > 0 {
            let trained = offerings[index].enrolled
            let employed: Int
            if meets {
                let atLeast = (trained * threshold + 9_999) / 10_000
                employed = min(trained, atLeast + random.int(in: 0...max(0, (trained - atLeast) / 2)))
            } else {
                let below = (trained * threshold - 1) / 10_000
                employed = max(0, below - random.int(in: 0...min(below, 3)))
            }
            offerings[index].employment = EmploymentOutcome(trained: trained, employed: employed)
            meets.toggle()
        }
    }
}

extension PlannedTraining {
    func expecting(_ decision: PlannedDecision) -> PlannedTraining {
        PlannedTraining(
            index: index, workerIndex: workerIndex, offeringIndex: offeringIndex, completion: completion,
            attendancePercent: attendancePercent, learning: learning, expected: decision)
    }
}
