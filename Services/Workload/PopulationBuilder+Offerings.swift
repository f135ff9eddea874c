import Essentials
import Schema

/// Offerings, and places in them.
extension PopulationBuilder {
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
}
