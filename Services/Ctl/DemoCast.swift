import Foundation
import Schema
import Workload

/// Who takes part in `skillsctl demo`: a handful of workers of different groups picked from a small
/// seeded population (`Population.generate`), so the demo drives the same journeys as a replay.
/// The same seed always picks the same people and trainings.
struct DemoCast: Sendable {
    /// One worker of the demo and the trainings they go through, in order.
    struct Member: Sendable {
        let workerIndex: Int
        /// What the newcomer should notice about them, e.g. "unemployed (G8)".
        let label: String
        let trainings: [Int]
    }

    static let wanted: [(category: WorkerCategory, label: String)] = [
        (.g8Unemployed, "unemployed (G8)"), (.g7RuralMigrant, "rural migrant worker (G7)"),
        (.g3Student, "university student (G3)"), (.g1EnterpriseEmployee, "enterprise employee (G1)"),
        (.g2NewHire, "new hire, pre-job training (G2)"),
    ]

    let population: Population
    let members: [Member]

    /// Every training of the cast, in the order the members were picked.
    var trainings: [Int] { members.flatMap(\.trainings) }

    /// The cast's project-based offerings (offering index -> the cast's trainings in it), which
    /// the institution reports employment for (R7).
    var projectCohorts: [Int: [Int]] {
        var cohorts: [Int: [Int]] = [:]
        for index in trainings
        where population.offerings[population.trainings[index].offeringIndex].kind == .projectBased {
            cohorts[population.trainings[index].offeringIndex, default: []].append(index)
        }
        return cohorts
    }

    /// Picks one single-training worker per wanted group (a project-based training when the group
    /// has one), then a worker who takes the same occupation and level twice (the second refused, R4).
    init(population: Population) {
        self.population = population
        var members: [Member] = []
        var taken: Set<Int> = []
        for (category, label) in Self.wanted {
            let candidates = population.workers.indices.filter { w in
                let schedule = population.schedules[w]
                return population.workers[w].primaryCategory == category && schedule.count == 1
                    && population.trainings[schedule[0]].expected == .eligible && !taken.contains(w)
            }
            let project = candidates.first {
                population.offerings[population.trainings[population.schedules[$0][0]].offeringIndex].kind
                    == .projectBased
            }
            guard let chosen = project ?? candidates.first else { continue }
            taken.insert(chosen)
            members.append(Member(workerIndex: chosen, label: label, trainings: population.schedules[chosen]))
        }
        if let repeater = population.workers.indices.first(where: { w in
            population.schedules[w].count == 2
                && population.schedules[w].last.map { population.trainings[$0].expected } == .refused(rule: "R4")
        }) {
            let category = population.workers[repeater].primaryCategory
            let group = Self.wanted.first { $0.category == category }?.label ?? Self.groupLabel(category)
            members.append(
                Member(
                    workerIndex: repeater, label: "\(group), trains twice in the same occupation and level",
                    trainings: population.schedules[repeater]))
        }
        self.members = members
    }

    /// A stable fingerprint of everything the demo registers and publishes: part of every
    /// request_id, so a rerun with the same seed finds its first results, and a different population
    /// (another seed, a changed generator) never reuses a request_id for a different request, which
    /// the platform would refuse.
    var fingerprint: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        for enterprise in population.enterprises { mix(enterprise.serializedBytes()) }
        for institution in population.institutions {
            mix(institution.institution.serializedBytes())
            mix(institution.licenceScope.joined(separator: ",").utf8)
        }
        for entry in population.catalogue { mix(entry.serializedBytes()) }
        for offering in population.offerings {
            mix(
                "\(offering.occupation.code)/\(offering.level)/\(offering.kind)/\(offering.catalog)/\(offering.start)/\(offering.end)/\(offering.capacity)/\(offering.institutionIndex)/\(offering.enterpriseCreditCode)/\(offering.projectID)"
                    .utf8)
        }
        for member in members {
            mix(population.workers[member.workerIndex].worker.serializedBytes())
            for index in member.trainings {
                let training = population.trainings[index]
                mix(
                    "\(training.offeringIndex)/\(training.completion)/\(training.attendancePercent)/\(training.learning.map { "\($0.channel):\($0.minutes)" })"
                        .utf8)
            }
        }
        return String(hash % 0x10_0000_0000, radix: 36)
    }

    static func groupLabel(_ category: WorkerCategory) -> String {
        let name = category.protoName.replacingOccurrences(of: "WORKER_CATEGORY_", with: "")
        return name.split(separator: "_").first.map(String.init) ?? name
    }
}
