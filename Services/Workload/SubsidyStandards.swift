import Essentials
import Policy

/// The occupations and levels that have a subsidy standard on a given day, read from the bundled
/// policy file (R1), so that every planned training can be paid. The only file of this module that
/// sees the policy engine's types (several share names with the contract's).
public struct SubsidyStandards: Sendable {
    /// An occupation with the levels subsidised on some day, and its standard per level in fen.
    public struct Entry: Sendable, Hashable {
        public let code: String
        public let nameZH: String
        public let standardFenByLevel: [Int: Int64]
        public var levels: [Int] { standardFenByLevel.keys.sorted() }
    }

    private let book: PolicyBook
    /// R3 (the same in every shipped version).
    public let maxTrainingsPerYear: Int
    /// R7: the employment rate that releases a held tranche, in basis points (8500 = 85%).
    public let employmentThresholdBasisPoints: Int
    /// The programme's first and last day (T1).
    public let programmeStart: CivilDate
    public let programmeEnd: CivilDate

    public init() throws {
        let book = try PolicyBook.bundled()
        self.book = book
        let first = book.versions.min { $0.effectiveFrom < $1.effectiveFrom } ?? book.versions[0]
        maxTrainingsPerYear = first.maxSubsidisedTrainingsPerYear
        employmentThresholdBasisPoints = first.employmentThresholdPermille * 10
        programmeStart = first.effectiveFrom
        programmeEnd = book.versions.map(\.effectiveTo).max() ?? first.effectiveTo
    }

    /// The occupations with at least one subsidised level on `day` (the version in force then).
    public func occupations(on day: CivilDate) -> [Entry] {
        let policy = book.versionFor(day)
        return policy.occupations.compactMap { occupation in
            var levels: [Int: Int64] = [:]
            for level in 1...5 {
                if let fen = occupation.standardFen(level: level) { levels[level] = fen }
            }
            return levels.isEmpty
                ? nil : Entry(code: occupation.code, nameZH: occupation.nameZH, standardFenByLevel: levels)
        }
    }

    /// Every occupation subsidised on some day of the programme (for licence scopes and catalogues).
    public var allOccupations: [Entry] {
        var seen: [String: Entry] = [:]
        for version in book.versions {
            for entry in occupations(on: version.effectiveFrom)
            where seen[entry.code] == nil {
                seen[entry.code] = entry
            }
        }
        return seen.values.sorted { $0.code < $1.code }
    }
}
