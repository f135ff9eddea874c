import Essentials
import Policy
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// T1's breakdowns (docs/POLICY.md: progress by year, worker category, industry and institution)
/// from the subsidised trainings grouped by every dimension at once, with the names an official
/// reads next to each code.
///
/// Every subsidised training is counted in exactly one row of each breakdown, so each breakdown's
/// trainings and money add up to the totals: a worker with several categories counts under one of
/// them (`categoryKey`), and a training without a registered enterprise counts under its
/// occupation's major group in the industry breakdown.
struct ProgressReport: Sendable {
    /// Subsidised trainings sharing a year, institution, reporting category, enterprise industry
    /// and occupational major group, and their money (what `PaymentStore.progressGroups` returns).
    struct Group: Sendable, Equatable {
        var year: Int
        var institutionID: String
        var institutionName: String
        var category: String
        var industry: String
        var occupationGroup: String
        var trainings: Int64
        var paidFen: Int64
        var heldFen: Int64
        var payableFen: Int64
    }

    var byYear: [ProgressRow] = []
    var byCategory: [ProgressRow] = []
    var byIndustry: [ProgressRow] = []
    var byInstitution: [ProgressRow] = []
    /// The sums over every group: trainings in `trainings`, money in the fen fields.
    var totals = ProgressRow(key: "total", label: "合计", labelEn: "total")

    /// `institutionNames` names institutions whose groups carry no name (trainings decided before
    /// payment recorded the name).
    init(groups: [Group], institutionNames: [String: String] = [:]) {
        var years: [String: ProgressRow] = [:]
        var categories: [String: ProgressRow] = [:]
        var industries: [String: ProgressRow] = [:]
        var institutions: [String: ProgressRow] = [:]
        var names = institutionNames
        for group in groups where !group.institutionName.isEmpty {
            names[group.institutionID] = group.institutionName
        }
        for group in groups {
            Self.add(group, to: &years, key: String(group.year)) { key in (key, key) }
            Self.add(
                group, to: &categories, key: group.category.isEmpty ? Self.unknownCategory : group.category,
                label: Self.categoryLabel)
            Self.add(
                group, to: &industries,
                key: Self.industryKey(industry: group.industry, occupationGroup: group.occupationGroup),
                label: Self.industryLabel)
            Self.add(group, to: &institutions, key: group.institutionID) { id in
                names[id].map { ($0, $0) } ?? ("培训机构 \(id)（名称未能取得）", "institution \(id) (name not available)")
            }
            Self.accumulate(group, into: &totals)
        }
        byYear = years.values.sorted { $0.key < $1.key }
        byCategory = categories.values.sorted { Self.categoryOrder($0.key) < Self.categoryOrder($1.key) }
        byIndustry = industries.values.sorted { Self.industryOrder($0.key) < Self.industryOrder($1.key) }
        byInstitution = institutions.values.sorted {
            ($1.trainings, $0.label, $0.key) < ($0.trainings, $1.label, $1.key)
        }
    }

    private static func add(
        _ group: Group, to rows: inout [String: ProgressRow], key: String,
        label: (String) -> (zh: String, en: String)
    ) {
        if rows[key] == nil {
            let names = label(key)
            rows[key] = ProgressRow(key: key, label: names.zh, labelEn: names.en)
        }
        if var row = rows[key] {
            accumulate(group, into: &row)
            rows[key] = row
        }
    }

    private static func accumulate(_ group: Group, into row: inout ProgressRow) {
        row.trainings += group.trainings
        row.paidFen += group.paidFen
        row.heldFen += group.heldFen
        row.payableFen += group.payableFen
    }

    // MARK: Worker categories

    static let unknownCategory = "unknown"
    static let selfDeclaredSuffix = "/self-declared"

    /// The one category a training is reported under: the worker's first category a department
    /// attested ("G8"), else the first one the worker declared ("G1/self-declared": in Dezhou no
    /// department attests G1, G13, G15, G16 or G17), else "unknown".
    static func categoryKey(_ facts: [Schema.CategoryFact]) -> String {
        let known = facts.filter { (1...17).contains(Int($0.category.rawValue)) }
        if let attested = known.first(where: \.attested) { return "G\(attested.category.rawValue)" }
        if let declared = known.first { return "G\(declared.category.rawValue)\(selfDeclaredSuffix)" }
        return unknownCategory
    }

    static func categoryLabel(_ key: String) -> (zh: String, en: String) {
        let selfDeclared = key.hasSuffix(selfDeclaredSuffix)
        let code = selfDeclared ? String(key.dropLast(selfDeclaredSuffix.count)) : key
        guard code.hasPrefix("G"), let number = Int(code.dropFirst()), let name = Classifications.workerGroup(number)
        else {
            return key == unknownCategory
                ? ("类别未登记", "no category recorded") : ("\(key)（未知类别）", "\(key) (unknown category)")
        }
        return selfDeclared
            ? ("\(code) \(name.zh)（本人申报，未经部门认定）", "\(code) \(name.en) (self-declared, not attested)")
            : ("\(code) \(name.zh)", "\(code) \(name.en)")
    }

    /// G1..G17 in order, each attested before self-declared, then anything else, "unknown" last.
    private static func categoryOrder(_ key: String) -> (Int, Int, String) {
        let selfDeclared = key.hasSuffix(selfDeclaredSuffix)
        let code = selfDeclared ? String(key.dropLast(selfDeclaredSuffix.count)) : key
        if code.hasPrefix("G"), let number = Int(code.dropFirst()) { return (number, selfDeclared ? 1 : 0, key) }
        return (key == unknownCategory ? 1000 : 999, 0, key)
    }

    // MARK: Industries

    static let occupationGroupPrefix = "occupation-group-"

    /// The enterprise's registered GB/T 4754 code where the training has one, else the
    /// occupation's major group ("occupation-group-4").
    static func industryKey(industry: String, occupationGroup: String) -> String {
        let code = industry.trimmingHorizontalWhitespace().uppercased()
        if !code.isEmpty { return code }
        return occupationGroupPrefix + (occupationGroup.isEmpty ? "unknown" : occupationGroup)
    }

    static func industryLabel(_ key: String) -> (zh: String, en: String) {
        if key.hasPrefix(occupationGroupPrefix) {
            let group = String(key.dropFirst(occupationGroupPrefix.count))
            guard let number = Int(group), let name = Classifications.occupationGroup(number) else {
                return ("职业大类不明（无登记企业）", "occupation group unknown (no registered enterprise)")
            }
            return (
                "职业大类\(number) \(name.zh)（无登记企业）", "occupation group \(number): \(name.en) (no registered enterprise)"
            )
        }
        guard let name = Classifications.industry(key) else {
            return ("\(key)（非国民经济行业分类代码）", "\(key) (not a GB/T 4754 code)")
        }
        return ("\(key) \(name.zh)", "\(key) \(name.en)")
    }

    /// Registered industries by code, then the occupation groups.
    private static func industryOrder(_ key: String) -> (Int, String) {
        (key.hasPrefix(occupationGroupPrefix) ? 1 : 0, key)
    }
}
