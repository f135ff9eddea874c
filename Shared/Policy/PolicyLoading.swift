// Reading a policy file (JSON) into a PolicyBook. FoundationEssentials is used here only, for JSON;
// the decision path (SubsidyEngine) does not touch it.

import Essentials
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension PolicyBook {
    /// The policy file that ships with the platform (Dezhou 2019-2021, sample standards).
    public static let defaultFileName = "dezhou-2019-2021"

    /// The bytes of a policy file that ships in `Shared/Policy/Data`, built into the binary
    /// (SwiftPM's `embedInCode`). A resource bundle would need Foundation's `Bundle`, which loads
    /// libFoundation and ICU into every service (Benchmarks/README.md, "Memory").
    public static func bundledJSON(named name: String = defaultFileName) -> Data? {
        name == defaultFileName ? Data(PackageResources.dezhou_2019_2021_json) : nil
    }

    /// Loads a bundled policy file (default: Dezhou 2019-2021).
    public static func bundled(named name: String = defaultFileName) throws(PolicyDataError) -> PolicyBook {
        guard let json = bundledJSON(named: name) else {
            throw PolicyDataError("no bundled policy file \(name).json")
        }
        return try PolicyBook(json: json)
    }

    public init(contentsOf url: URL) throws(PolicyDataError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PolicyDataError("cannot read \(url.path): \(error)")
        }
        try self.init(json: data)
    }

    /// Decodes and validates a policy file. A version may name an earlier version in `extends`: its
    /// own top-level sections replace the base's, the others are inherited.
    public init(json: Data) throws(PolicyDataError) {
        let file: PolicyFileJSON
        do {
            file = try JSONDecoder().decode(PolicyFileJSON.self, from: json)
        } catch {
            throw PolicyDataError("cannot decode the policy file: \(error)")
        }
        guard file.format == PolicyFileJSON.currentFormat else {
            throw PolicyDataError("format \(file.format) is not \(PolicyFileJSON.currentFormat)")
        }
        var merged: [String: VersionJSON] = [:]
        var versions: [PolicyData] = []
        for raw in file.versions {
            var v = raw
            if let baseID = raw.extends {
                guard let base = merged[baseID] else {
                    throw PolicyDataError(
                        "version \(raw.version) extends \(baseID), which is not an earlier version of the file")
                }
                v = raw.merged(over: base)
            }
            v.extends = nil
            if merged[v.version] != nil { throw PolicyDataError("duplicate version id \(v.version)") }
            merged[v.version] = v
            versions.append(try PolicyData(validating: v))
        }
        try self.init(versions: versions)
    }
}

extension PolicyData {
    init(validating j: VersionJSON) throws(PolicyDataError) {
        let id = j.version
        let v = VersionCheck(id: id)
        try v.check(!id.isEmpty, "empty version id")
        let from = try v.need(j.effectiveFrom, "effectiveFrom")
        let to = try v.need(j.effectiveTo, "effectiveTo")
        try v.check(from.isValid && to.isValid && from <= to, "effective range \(from)..\(to) is not a valid range")
        let tz = try v.need(j.timeZone, "timeZone")
        try v.check(abs(tz.utcOffsetSeconds) <= 14 * 3600, "timeZone.utcOffsetSeconds out of range")
        let (occupations, index) = try v.occupations(v.need(j.standards, "standards"))
        let perYear = try v.need(j.perPersonPerYear, "perPersonPerYear")
        try v.check(perYear.maxSubsidisedTrainings >= 1, "perPersonPerYear.maxSubsidisedTrainings must be >= 1")
        try v.check(perYear.yearOf == "completionDate", "perPersonPerYear.yearOf must be completionDate")
        let kinds = try v.offeringKinds(v.need(j.offeringKinds, "offeringKinds"))
        let fees = try v.need(j.fees, "fees")
        let attestation = try v.need(j.attestation, "attestation")
        let payees = try v.need(j.payees, "payees")
        let certificates = try v.certificates(v.need(j.certificates, "certificates"))
        let allowance = try v.livingAllowance(v.need(j.livingAllowance, "livingAllowance"))
        let target = try v.need(j.target, "target")
        try v.check(target.subsidisedTrainings > 0 && target.fromYear <= target.toYear, "target invalid")
        let pension = try v.need(j.pension, "pension")
        self.init(
            version: id,
            title: j.title ?? id,
            notes: j.notes ?? [],
            isSampleData: j.sampleData ?? false,
            effectiveFrom: from,
            effectiveTo: to,
            fingerprint: try v.fingerprint(j),
            timeZone: tz.name,
            utcOffsetSeconds: tz.utcOffsetSeconds,
            occupations: occupations,
            maxSubsidisedTrainingsPerYear: perYear.maxSubsidisedTrainings,
            shareOfStandardPercent: kinds.shares,
            projectFirstTranchePercent: kinds.first,
            employmentThresholdPermille: kinds.threshold,
            freeGroups: GroupSet(fees.freeGroups),
            attestationRequired: GroupSet(attestation.requiredFor),
            lowIncomeSupportRequiresAttestation: attestation.lowIncomeSupport,
            monthlyPensionExcluded: pension.monthlyPensionExcluded,
            livingAllowance: allowance,
            payees: PayeeRules(
                ordinaryFree: payees.ordinaryFree,
                ordinarySubsidised: payees.ordinarySubsidised,
                newHirePreJob: payees.newHirePreJob,
                projectBased: payees.projectBased,
                livingAllowance: payees.livingAllowance),
            certificates: certificates,
            target: ProgrammeTarget(
                id: target.id, subsidisedTrainings: target.subsidisedTrainings,
                fromYear: target.fromYear, toYear: target.toYear),
            occupationIndex: index
        )
    }
}

/// The checks of one version's sections, in file order; every error names the version.
private struct VersionCheck {
    let id: String

    func need<T>(_ v: T?, _ field: String) throws(PolicyDataError) -> T {
        guard let v else { throw PolicyDataError("version \(id): missing \(field)") }
        return v
    }

    func check(_ ok: Bool, _ message: @autoclosure () -> String) throws(PolicyDataError) {
        if !ok { throw PolicyDataError("version \(id): \(message())") }
    }

    /// R1's table, and each occupation's position in it.
    func occupations(_ std: StandardsJSON) throws(PolicyDataError) -> ([Occupation], [String: Int]) {
        try check(std.unit == "fen", "standards.unit must be fen")
        try check(!std.occupations.isEmpty, "standards.occupations is empty")
        var occupations: [Occupation] = []
        var index: [String: Int] = [:]
        for o in std.occupations {
            try check(!o.code.isEmpty, "an occupation without a code")
            try check(index[o.code] == nil, "occupation \(o.code) listed twice")
            var byLevel: [Int64?] = Array(repeating: nil, count: 6)
            for (key, price) in o.levels.sorted(by: { $0.key < $1.key }) {
                guard let level = Int(key), SkillLevel.valid.contains(level) else {
                    throw PolicyDataError("version \(id): occupation \(o.code): level \(key) is not 1...5")
                }
                guard let fen = price else {
                    throw PolicyDataError("version \(id): occupation \(o.code) \(o.zh) level \(key): no price (null)")
                }
                try check(fen > 0 && fen <= 100_000_000, "occupation \(o.code) level \(key): \(fen) fen out of range")
                byLevel[level] = fen
            }
            try check(byLevel.contains { $0 != nil }, "occupation \(o.code) has no level")
            index[o.code] = occupations.count
            occupations.append(Occupation(code: o.code, nameZH: o.zh, nameEN: o.en, standardsByLevel: byLevel))
        }
        return (occupations, index)
    }

    /// R6, R7: the share of the standard per offering kind and the project's tranche split.
    func offeringKinds(_ kinds: OfferingKindsJSON) throws(PolicyDataError) -> (
        shares: [OfferingKind: Int], first: Int, threshold: Int
    ) {
        let shares: [OfferingKind: Int] = [
            .ordinary: kinds.ordinary.shareOfStandardPercent,
            .newHirePreJob: kinds.newHirePreJob.shareOfStandardPercent,
            .projectBased: kinds.projectBased.shareOfStandardPercent,
        ]
        for (k, s) in shares {
            try check((0...100).contains(s), "offeringKinds.\(k.rawValue).shareOfStandardPercent out of 0...100")
        }
        let first = try need(kinds.projectBased.firstTranchePercent, "offeringKinds.projectBased.firstTranchePercent")
        let threshold = try need(
            kinds.projectBased.employmentThresholdPermille, "offeringKinds.projectBased.employmentThresholdPermille")
        try check((0...100).contains(first), "firstTranchePercent out of 0...100")
        try check((0...1000).contains(threshold), "employmentThresholdPermille out of 0...1000")
        return (shares, first, threshold)
    }

    /// R2, A3: the accepted certificate kinds and the level rule.
    func certificates(_ certs: CertificatesJSON) throws(PolicyDataError) -> CertificateRules {
        try check(!certs.acceptedKinds.isEmpty, "certificates.acceptedKinds is empty")
        try check(
            ["atOrAboveEnrolledLevel", "sameAsEnrolledLevel", "any"].contains(certs.levelRule),
            "certificates.levelRule \(certs.levelRule) unknown")
        return CertificateRules(
            acceptedKinds: Set(certs.acceptedKinds), kindsWithLevel: Set(certs.kindsWithLevel),
            levelRule: certs.levelRule)
    }

    /// R9: the daily amount, the cap and the group rules with their windows.
    func livingAllowance(_ la: AllowanceJSON) throws(PolicyDataError) -> LivingAllowanceRules {
        try check(la.dailyFen >= 0 && la.dailyFen <= 1_000_000, "livingAllowance.dailyFen out of range")
        try check(
            la.maxDaysPerTraining >= 0 && la.maxDaysPerTraining <= 366,
            "livingAllowance.maxDaysPerTraining out of range")
        var groups: [AllowanceGroupRule] = []
        for g in la.groups {
            if let f = g.from, let t = g.to {
                try check(f.isValid && t.isValid && f <= t, "livingAllowance window of \(g.group) invalid")
            }
            try check((g.from == nil) == (g.to == nil), "livingAllowance window of \(g.group) needs both from and to")
            groups.append(AllowanceGroupRule(group: g.group, requires: g.requires ?? .none, from: g.from, to: g.to))
        }
        return LivingAllowanceRules(dailyFen: la.dailyFen, maxDaysPerTraining: la.maxDaysPerTraining, groups: groups)
    }

    /// R11: the fingerprint of the (merged) version's canonical JSON.
    func fingerprint(_ j: VersionJSON) throws(PolicyDataError) -> String {
        do {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            return fnv1a64Hex(try enc.encode(j))
        } catch {
            throw PolicyDataError("version \(id): cannot encode for the fingerprint: \(error)")
        }
    }
}

func fnv1a64Hex(_ data: Data) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in data {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01b3
    }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

// MARK: - The file format (skills-policy/1)

struct PolicyFileJSON: Codable {
    static let currentFormat = "skills-policy/1"
    var format: String
    var notes: [String]?
    var versions: [VersionJSON]
    /// Days on purpose without any version (PolicyFileCheck refuses any other gap between periods).
    var intendedGaps: [IntendedGapJSON]?
}

struct IntendedGapJSON: Codable {
    var from: CivilDate
    var to: CivilDate
    var reason: String
}

struct VersionJSON: Codable {
    var version: String
    var extends: String?
    var title: String?
    var notes: [String]?
    var sampleData: Bool?
    var effectiveFrom: CivilDate?
    var effectiveTo: CivilDate?
    var timeZone: TimeZoneJSON?
    var target: TargetJSON?
    var standards: StandardsJSON?
    var perPersonPerYear: PerYearJSON?
    var offeringKinds: OfferingKindsJSON?
    var fees: FeesJSON?
    var attestation: AttestationJSON?
    var payees: PayeesJSON?
    var certificates: CertificatesJSON?
    var livingAllowance: AllowanceJSON?
    var pension: PensionJSON?

    func merged(over b: VersionJSON) -> VersionJSON {
        VersionJSON(
            version: version, extends: nil,
            title: title ?? b.title, notes: notes ?? b.notes, sampleData: sampleData ?? b.sampleData,
            effectiveFrom: effectiveFrom ?? b.effectiveFrom, effectiveTo: effectiveTo ?? b.effectiveTo,
            timeZone: timeZone ?? b.timeZone, target: target ?? b.target, standards: standards ?? b.standards,
            perPersonPerYear: perPersonPerYear ?? b.perPersonPerYear, offeringKinds: offeringKinds ?? b.offeringKinds,
            fees: fees ?? b.fees, attestation: attestation ?? b.attestation, payees: payees ?? b.payees,
            certificates: certificates ?? b.certificates, livingAllowance: livingAllowance ?? b.livingAllowance,
            pension: pension ?? b.pension)
    }
}

struct TimeZoneJSON: Codable {
    var name: String
    var utcOffsetSeconds: Int
}

struct TargetJSON: Codable {
    var id: String
    var subsidisedTrainings: Int
    var fromYear: Int
    var toYear: Int
}

struct StandardsJSON: Codable {
    var unit: String
    var note: String?
    var occupations: [OccupationJSON]
    /// Prices of the previous period this one drops on purpose: `"CODE"` (the occupation) or
    /// `"CODE:LEVEL"` (PolicyFileCheck refuses any other price that disappears).
    var withdrawn: [String]?
}

struct OccupationJSON: Codable {
    var code: String
    var zh: String
    var en: String
    /// Level ("1"..."5") to fen; `null` is a price left blank, which validation refuses.
    var levels: [String: Int64?]
}

struct PerYearJSON: Codable {
    var maxSubsidisedTrainings: Int
    var yearOf: String
}

struct OfferingKindJSON: Codable {
    var shareOfStandardPercent: Int
    var firstTranchePercent: Int?
    var employmentThresholdPermille: Int?
}

struct OfferingKindsJSON: Codable {
    var ordinary: OfferingKindJSON
    var newHirePreJob: OfferingKindJSON
    var projectBased: OfferingKindJSON
}

struct FeesJSON: Codable {
    var freeGroups: [Group]
    var subsidisedGroups: [Group]
}

struct AttestationJSON: Codable {
    var requiredFor: [Group]
    var lowIncomeSupport: Bool
}

struct PayeesJSON: Codable {
    var ordinaryFree: PayeeKind
    var ordinarySubsidised: PayeeKind
    var newHirePreJob: PayeeKind
    var projectBased: PayeeKind
    var livingAllowance: PayeeKind
}

struct CertificatesJSON: Codable {
    var acceptedKinds: [CertificateKind]
    var kindsWithLevel: [CertificateKind]
    var levelRule: String
}

struct AllowanceGroupJSON: Codable {
    var group: Group
    var requires: AllowanceGroupRule.Requirement?
    var from: CivilDate?
    var to: CivilDate?
}

struct AllowanceJSON: Codable {
    var dailyFen: Int64
    var maxDaysPerTraining: Int
    var groups: [AllowanceGroupJSON]
}

struct PensionJSON: Codable {
    var monthlyPensionExcluded: Bool
}
