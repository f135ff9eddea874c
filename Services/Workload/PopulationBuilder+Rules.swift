import Essentials
import Schema

/// The trainings planned to meet R3, R4 and R7.
extension PopulationBuilder {
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
