// The policy in force, as data (docs/POLICY.md: every number is policy data, not code). `PolicyData` is
// one immutable version; `PolicyBook` holds every version of a policy file. Loading (JSON) lives in
// PolicyLoading.swift; this file has no Foundation.

import Essentials

/// One occupation of the standards table (R1), with the subsidy per level in fen.
public struct Occupation: Sendable, Hashable {
    public let code: String
    public let nameZH: String
    public let nameEN: String
    /// Index 1...5 (index 0 unused): the standard in fen, `nil` when the level is not subsidised.
    public let standardsByLevel: [Int64?]

    public func standardFen(level: Int) -> Int64? {
        guard SkillLevel.valid.contains(level) else { return nil }
        return standardsByLevel[level]
    }
}

/// R9 eligibility of one group.
public struct AllowanceGroupRule: Sendable, Hashable {
    public enum Requirement: String, Sendable, Hashable, Codable {
        case none
        /// G6: rural hukou, or urban with (attested) minimum living support.
        case ruralHukouOrLowIncomeSupport
        case ruralHukou
        case lowIncomeSupport
    }

    public let group: Group
    public let requires: Requirement
    /// A window on the completion date (inclusive), or `nil` for the whole version.
    public let from: CivilDate?
    public let to: CivilDate?
}

public struct LivingAllowanceRules: Sendable, Hashable {
    public let dailyFen: Int64
    public let maxDaysPerTraining: Int
    /// In order: the first matching rule gives the allowance (paid once, never added up).
    public let groups: [AllowanceGroupRule]

    /// The most a single decision can pay as allowance.
    public var maximumFen: Int64 { dailyFen * Int64(maxDaysPerTraining) }
}

public struct PayeeRules: Sendable, Hashable {
    public let ordinaryFree: PayeeKind
    public let ordinarySubsidised: PayeeKind
    public let newHirePreJob: PayeeKind
    public let projectBased: PayeeKind
    public let livingAllowance: PayeeKind
}

public struct CertificateRules: Sendable, Hashable {
    public let acceptedKinds: Set<CertificateKind>
    public let kindsWithLevel: Set<CertificateKind>
    /// "atOrAboveEnrolledLevel": certificate level number <= enrolled level number.
    public let levelRule: String
}

public struct ProgrammeTarget: Sendable, Hashable {
    public let id: String
    public let subsidisedTrainings: Int
    public let fromYear: Int
    public let toYear: Int
}

/// One version of the policy. Immutable: a later adjustment is a new version (PolicyBook), so a
/// decision replayed with its version gives the same answer.
public struct PolicyData: Sendable, Equatable {
    public let version: String
    public let title: String
    public let notes: [String]
    public let isSampleData: Bool
    /// Inclusive range of completion dates this version decides.
    public let effectiveFrom: CivilDate
    public let effectiveTo: CivilDate
    /// FNV-1a 64 over the canonical JSON of the (merged) version: changes when any number changes.
    public let fingerprint: String
    public let timeZone: String
    public let utcOffsetSeconds: Int
    public let occupations: [Occupation]
    /// R3.
    public let maxSubsidisedTrainingsPerYear: Int
    /// R6 (and ordinary / project): share of the standard paid, percent.
    public let shareOfStandardPercent: [OfferingKind: Int]
    /// R7.
    public let projectFirstTranchePercent: Int
    public let employmentThresholdPermille: Int
    /// R8.
    public let freeGroups: GroupSet
    /// Issue 4: categories that count only when attested.
    public let attestationRequired: GroupSet
    public let lowIncomeSupportRequiresAttestation: Bool
    /// R5.
    public let monthlyPensionExcluded: Bool
    public let livingAllowance: LivingAllowanceRules
    public let payees: PayeeRules
    public let certificates: CertificateRules
    public let target: ProgrammeTarget

    let occupationIndex: [String: Int]

    public static func == (a: PolicyData, b: PolicyData) -> Bool {
        a.version == b.version && a.fingerprint == b.fingerprint
    }

    public func occupation(_ code: String) -> Occupation? {
        guard let i = occupationIndex[code] else { return nil }
        return occupations[i]
    }

    /// R1: the standard of this version for an occupation and level, in fen.
    public func standardFen(occupation code: String, level: Int) -> Int64? {
        occupation(code)?.standardFen(level: level)
    }

    public func isInForce(on date: CivilDate) -> Bool { effectiveFrom <= date && date <= effectiveTo }

    /// The largest standard of the table (property tests, sanity checks).
    public var maximumStandardFen: Int64 {
        occupations.flatMap { $0.standardsByLevel.compactMap { $0 } }.max() ?? 0
    }

    public func share(_ kind: OfferingKind) -> Int { shareOfStandardPercent[kind] ?? 100 }

    public func payeeKind(for regime: FeeRegime) -> PayeeKind {
        switch regime {
        case .free: payees.ordinaryFree
        case .advanceThenReimburse: payees.ordinarySubsidised
        case .enterprise: payees.newHirePreJob
        case .project: payees.projectBased
        }
    }
}

/// Every version of a policy file. Versions are never edited; a later version supersedes an earlier
/// one from its `effectiveFrom` on (the in-force version for a date is the covering version with the
/// latest `effectiveFrom`; on a tie the later one in the file).
public struct PolicyBook: Sendable, Equatable {
    public let versions: [PolicyData]
    private let byID: [String: Int]

    public init(versions: [PolicyData]) throws(PolicyDataError) {
        var byID: [String: Int] = [:]
        for (i, v) in versions.enumerated() {
            if byID[v.version] != nil { throw PolicyDataError("duplicate version id \(v.version)") }
            byID[v.version] = i
        }
        guard !versions.isEmpty else { throw PolicyDataError("a policy book needs at least one version") }
        self.versions = versions
        self.byID = byID
    }

    public static func == (a: PolicyBook, b: PolicyBook) -> Bool { a.versions == b.versions }

    /// A version by id, for replaying a stored decision (R11).
    public func version(id: String) -> PolicyData? {
        guard let i = byID[id] else { return nil }
        return versions[i]
    }

    /// The version in force on a date (R1), or `nil` when none covers it.
    public func inForce(on date: CivilDate) -> PolicyData? {
        var best: PolicyData?
        for v in versions where v.isInForce(on: date) {
            if let b = best, v.effectiveFrom < b.effectiveFrom { continue }
            best = v
        }
        return best
    }

    /// The version a decision for `date` uses: the one in force, else the newest (which then
    /// refuses under R1 with "no policy in force").
    public func versionFor(_ date: CivilDate) -> PolicyData {
        inForce(on: date) ?? versions.max { $0.effectiveFrom < $1.effectiveFrom } ?? versions[versions.count - 1]
    }
}

public struct PolicyDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "policy data: \(message)" }
}
