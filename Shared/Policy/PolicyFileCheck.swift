// Validation of a whole policy file before anything uses it: `skillsctl policy check` prints the
// result, and the services refuse to start on a file with problems. One place, so the operator's
// check and the services' start-up can never disagree.

import Essentials
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One problem of a policy file, worded for the operator: it names the period, the occupation and
/// the level it is about.
public struct PolicyProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The file cannot be read.
        case file
        /// The JSON does not fit the format, or a section's values are invalid.
        case schema
        /// Two versions are in force on the same day without one adjusting the other.
        case overlap
        /// Days between periods that no version covers and `intendedGaps` does not declare.
        case gap
        /// An occupation or level priced in one period has no price in the next.
        case missingPrice = "missing-price"
    }

    public let kind: Kind
    public let message: String
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// A stretch of days decided by one version: the version's own range, cut where a later version
/// takes over.
public struct PolicyPeriod: Sendable, Hashable, CustomStringConvertible {
    public let from: CivilDate
    public let to: CivilDate
    public let version: String
    public let occupationCount: Int
    public var description: String { "period \(from)..\(to) (version \(version))" }
}

/// The result of checking a policy file.
public struct PolicyCheckReport: Sendable {
    /// Empty when the file is fit to load.
    public let problems: [PolicyProblem]
    /// The book the services decide with; `nil` when `problems` is not empty.
    public let book: PolicyBook?
    /// The periods in date order (as far as the versions could be read).
    public let periods: [PolicyPeriod]
    /// Declared gaps, as `from..to: reason`.
    public let intendedGaps: [String]
    /// The id of the version with the latest `effectiveFrom`: what `skills_policy_info` calls the
    /// policy version.
    public let version: String
    /// SHA-256 of the canonical content (the decoded file re-encoded as JSON with sorted keys), so
    /// whitespace and key order do not change it and every value does.
    public let fingerprint: String
    /// The last day any version covers: claims completed after it are refused under R1.
    public let lastDay: CivilDate?

    public var isValid: Bool { problems.isEmpty && book != nil }
}

/// Checks a policy file: the format, every version's sections, periods that neither overlap nor
/// leave gaps (unless declared in `intendedGaps`), and prices that do not silently disappear from
/// one period to the next (unless listed in `standards.withdrawn`).
///
/// A version that `extends` another is an adjustment of it (R1 dynamic adjustment): it may start
/// inside its base's period and supersedes the base from its `effectiveFrom`, as long as it does
/// not end before the base does. Any other overlap is a problem.
public enum PolicyFileCheck {
    public static func check(contentsOf url: URL) -> PolicyCheckReport {
        do {
            return check(json: try Data(contentsOf: url))
        } catch {
            return failed([
                PolicyProblem(kind: .file, message: "cannot read \(url.path): \(readFailure(url.path, error))")
            ])
        }
    }

    /// Why a file could not be read, in words (FoundationEssentials has no `localizedDescription`).
    private static func readFailure(_ path: String, _ error: any Error) -> String {
        var isDirectory = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory { return "it is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "\(error)"
    }

    public static func check(json: Data) -> PolicyCheckReport {
        let file: PolicyFileJSON
        do {
            file = try JSONDecoder().decode(PolicyFileJSON.self, from: json)
        } catch let error as DecodingError {
            return failed([PolicyProblem(kind: .schema, message: describe(error))])
        } catch {
            return failed([PolicyProblem(kind: .schema, message: "not JSON: \(error)")])
        }
        var problems: [PolicyProblem] = []
        if file.format != PolicyFileJSON.currentFormat {
            problems.append(
                PolicyProblem(
                    kind: .schema, message: "format is '\(file.format)', expected '\(PolicyFileJSON.currentFormat)'"))
        }
        let (versions, raw, versionProblems) = readVersions(file)
        problems += versionProblems
        let order = versions.indices.sorted { (versions[$0].effectiveFrom, $0) < (versions[$1].effectiveFrom, $1) }
        let sorted = order.map { versions[$0] }
        let sortedRaw = order.map { raw[$0] }
        problems += overlaps(sorted, sortedRaw)
        problems += gaps(sorted, declared: file.intendedGaps ?? [])
        let periods = periods(sorted)
        problems += missingPrices(periods, sorted, sortedRaw)

        var book: PolicyBook?
        if problems.isEmpty, !versions.isEmpty {
            do {
                book = try PolicyBook(versions: versions)
            } catch {
                problems.append(PolicyProblem(kind: .schema, message: error.message))
            }
        } else if versions.isEmpty, problems.isEmpty {
            problems.append(PolicyProblem(kind: .schema, message: "the file has no version"))
        }
        return PolicyCheckReport(
            problems: problems, book: problems.isEmpty ? book : nil, periods: periods,
            intendedGaps: (file.intendedGaps ?? []).map { "\($0.from)..\($0.to): \($0.reason)" },
            version: sorted.last?.version ?? "", fingerprint: fingerprint(file),
            lastDay: versions.map(\.effectiveTo).max())
    }

    private static func failed(_ problems: [PolicyProblem]) -> PolicyCheckReport {
        PolicyCheckReport(
            problems: problems, book: nil, periods: [], intendedGaps: [], version: "", fingerprint: "", lastDay: nil)
    }

    /// Every version merged over its base and validated; a version with a problem is left out.
    private static func readVersions(_ file: PolicyFileJSON) -> ([PolicyData], [VersionJSON], [PolicyProblem]) {
        var merged: [String: VersionJSON] = [:]
        var versions: [PolicyData] = []
        var raw: [VersionJSON] = []
        var problems: [PolicyProblem] = []
        for original in file.versions {
            var version = original
            if let baseID = original.extends {
                guard let base = merged[baseID] else {
                    problems.append(
                        PolicyProblem(
                            kind: .schema,
                            message:
                                "version \(original.version) extends \(baseID), which is not an earlier valid version of the file"
                        ))
                    continue
                }
                version = original.merged(over: base)
            }
            version.extends = nil
            guard merged[version.version] == nil else {
                problems.append(PolicyProblem(kind: .schema, message: "version id \(version.version) is used twice"))
                continue
            }
            let blank = (version.standards?.occupations ?? []).flatMap { occupation in
                occupation.levels.keys.sorted().filter { occupation.levels[$0] == .some(nil) }.map { level in
                    PolicyProblem(
                        kind: .missingPrice,
                        message:
                            "version \(version.version) (from \(version.effectiveFrom.map { "\($0)" } ?? "?")): occupation \(occupation.code) \(occupation.zh) level \(level) has no price (null)"
                    )
                }
            }
            guard blank.isEmpty else {
                problems += blank
                continue
            }
            do {
                let data = try PolicyData(validating: version)
                merged[version.version] = version
                versions.append(data)
                // What this version itself says: its base, and the prices it withdraws (a version
                // that inherits the standards inherits the prices too, so it withdraws none).
                version.extends = original.extends
                version.standards?.withdrawn = original.standards?.withdrawn
                raw.append(version)
            } catch {
                problems.append(PolicyProblem(kind: .schema, message: error.message))
            }
        }
        return (versions, raw, problems)
    }

    /// Versions in date order (ties in file order), with the base each one adjusts.
    private static func overlaps(_ versions: [PolicyData], _ raw: [VersionJSON]) -> [PolicyProblem] {
        var problems: [PolicyProblem] = []
        let bases = Dictionary(raw.map { ($0.version, $0.extends) }, uniquingKeysWith: { first, _ in first })
        func adjusts(_ version: String, _ base: String) -> Bool {
            var current = bases[version] ?? nil
            while let id = current {
                if id == base { return true }
                current = bases[id] ?? nil
            }
            return false
        }
        for (i, a) in versions.enumerated() {
            for b in versions[(i + 1)...] where b.effectiveFrom <= a.effectiveTo {
                let shared = "\(b.effectiveFrom)..\(min(a.effectiveTo, b.effectiveTo))"
                if b.effectiveFrom == a.effectiveFrom {
                    problems.append(
                        PolicyProblem(
                            kind: .overlap,
                            message:
                                "versions \(a.version) and \(b.version) both start on \(a.effectiveFrom): which one is in force on \(shared) is ambiguous"
                        ))
                } else if !adjusts(b.version, a.version) {
                    problems.append(
                        PolicyProblem(
                            kind: .overlap,
                            message:
                                "period \(b.effectiveFrom)..\(b.effectiveTo) (version \(b.version)) overlaps period \(a.effectiveFrom)..\(a.effectiveTo) (version \(a.version)) on \(shared); "
                                + "start it on \(a.effectiveTo.adding(days: 1)), or declare \"extends\": \"\(a.version)\" if it adjusts that version from \(b.effectiveFrom) on"
                        ))
                } else if b.effectiveTo < a.effectiveTo {
                    problems.append(
                        PolicyProblem(
                            kind: .overlap,
                            message:
                                "version \(b.version) adjusts \(a.version) from \(b.effectiveFrom) but ends on \(b.effectiveTo), before \(a.version) does (\(a.effectiveTo)): "
                                + "\(a.version) would be in force again from \(b.effectiveTo.adding(days: 1))"))
                }
            }
        }
        return problems
    }

    /// Uncovered days between the first and the last day, against the declared gaps.
    private static func gaps(_ versions: [PolicyData], declared: [IntendedGapJSON]) -> [PolicyProblem] {
        var problems: [PolicyProblem] = []
        var found: [(from: CivilDate, to: CivilDate, before: PolicyData, after: PolicyData)] = []
        var reach: PolicyData?
        for v in versions {
            if let r = reach, v.effectiveFrom > r.effectiveTo.adding(days: 1) {
                found.append((r.effectiveTo.adding(days: 1), v.effectiveFrom.adding(days: -1), r, v))
            }
            if reach.map({ v.effectiveTo > $0.effectiveTo }) ?? true { reach = v }
        }
        for gap in found where !declared.contains(where: { $0.from == gap.from && $0.to == gap.to }) {
            problems.append(
                PolicyProblem(
                    kind: .gap,
                    message:
                        "no version covers \(gap.from)..\(gap.to), between version \(gap.before.version) (ends \(gap.before.effectiveTo)) and version \(gap.after.version) (begins \(gap.after.effectiveFrom)); "
                        + "claims completed then would be refused under R1. Close it, or declare it in intendedGaps if intended"
                ))
        }
        for d in declared where !found.contains(where: { $0.from == d.from && $0.to == d.to }) {
            problems.append(
                PolicyProblem(
                    kind: .gap,
                    message:
                        "intendedGaps declares \(d.from)..\(d.to), which is not exactly a gap between periods"
                        + (found.isEmpty
                            ? " (the file has none)"
                            : " (the gaps are \(found.map { "\($0.from)..\($0.to)" }.joined(separator: ", ")))")))
        }
        return problems
    }

    /// The stretch each version decides (the covering version with the latest start wins).
    private static func periods(_ versions: [PolicyData]) -> [PolicyPeriod] {
        versions.enumerated().compactMap { i, v in
            let next = versions[(i + 1)...].first {
                $0.effectiveFrom > v.effectiveFrom && $0.effectiveFrom <= v.effectiveTo
            }
            let end = next.map { $0.effectiveFrom.adding(days: -1) } ?? v.effectiveTo
            guard end >= v.effectiveFrom, !versions[(i + 1)...].contains(where: { $0.effectiveFrom == v.effectiveFrom })
            else { return nil }
            return PolicyPeriod(
                from: v.effectiveFrom, to: end, version: v.version, occupationCount: v.occupations.count)
        }
    }

    /// A price of one period that the next period neither sets nor withdraws.
    private static func missingPrices(_ periods: [PolicyPeriod], _ versions: [PolicyData], _ raw: [VersionJSON])
        -> [PolicyProblem]
    {
        let byID = Dictionary(versions.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let withdrawnByID = Dictionary(
            raw.map { ($0.version, Set($0.standards?.withdrawn ?? [])) }, uniquingKeysWith: { first, _ in first })
        var problems: [PolicyProblem] = []
        for (earlier, later) in zip(periods, periods.dropFirst()) {
            guard let before = byID[earlier.version], let after = byID[later.version] else { continue }
            let withdrawn = withdrawnByID[later.version] ?? []
            for occupation in before.occupations where !withdrawn.contains(occupation.code) {
                let missing = SkillLevel.valid.reversed().filter { level in
                    occupation.standardFen(level: level) != nil
                        && after.standardFen(occupation: occupation.code, level: level) == nil
                        && !withdrawn.contains("\(occupation.code):\(level)")
                }
                guard let first = missing.first else { continue }
                let what =
                    after.occupation(occupation.code) == nil
                    ? "is missing (no price at levels \(missing.map(String.init).joined(separator: ", ")))"
                    : (missing.count == 1
                        ? "level \(first) has no price"
                        : "levels \(missing.map(String.init).joined(separator: ", ")) have no price")
                let entry = after.occupation(occupation.code) == nil ? occupation.code : "\(occupation.code):\(first)"
                problems.append(
                    PolicyProblem(
                        kind: .missingPrice,
                        message:
                            "\(later): occupation \(occupation.code) \(occupation.nameZH) \(what) (\(earlier) prices it); "
                            + "add the price, or list \"\(entry)\" in standards.withdrawn if it is dropped on purpose"))
            }
            for entry in withdrawn.sorted() {
                let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                let priced =
                    parts.first.flatMap { before.occupation($0) }.map { occupation in
                        parts.count == 1
                            || (parts.count == 2 && Int(parts[1]).flatMap { occupation.standardFen(level: $0) } != nil)
                    } ?? false
                if !priced {
                    problems.append(
                        PolicyProblem(
                            kind: .schema,
                            message:
                                "\(later): standards.withdrawn lists \"\(entry)\", which \(earlier) does not price (write CODE or CODE:LEVEL)"
                        ))
                }
            }
        }
        return problems
    }

    private static func fingerprint(_ file: PolicyFileJSON) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let canonical = try? encoder.encode(file) else { return "" }
        return sha256Hex(canonical)
    }

    /// A decoding error as `path: what is wrong`, e.g. `versions[0].standards.occupations[2].levels.4: expected Int64`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(top level)" : text)
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type) (\(context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): missing \(type) value"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
