import ArgumentParser
import Essentials
import Logging
import Metrics
import Policy
import RPC
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `--policy-file`, taken by every service that applies the rules (matching's eligibility preview,
/// payment). The file is checked with `PolicyFileCheck`, the same code as `skillsctl policy check`,
/// so a file the check refuses never reaches a running service.
public struct PolicySettings: ParsableArguments, Sendable {
    public init() {}

    @Option(
        help:
            "Policy data file (JSON, format skills-policy/1; check it with `skillsctl policy check FILE`); empty: the bundled Dezhou 2019-2021 policy. [env: SKILLS_POLICY_FILE]"
    )
    public var policyFile: String = Environment.string("SKILLS_POLICY_FILE") ?? ""

    /// Checks and loads the policy; throws a `ServiceStartupError` that lists every problem.
    public func load() throws -> LoadedPolicy {
        let path: String
        let report: PolicyCheckReport
        if policyFile.isEmpty {
            guard let bundled = PolicyBook.bundledJSON() else {
                throw ServiceStartupError(
                    "the bundled policy file \(PolicyBook.defaultFileName).json is missing from the build")
            }
            path = "(built in) \(PolicyBook.defaultFileName).json"
            report = PolicyFileCheck.check(json: bundled)
        } else {
            let url = URL(fileURLWithPath: policyFile)
            path = url.path
            report = PolicyFileCheck.check(contentsOf: url)
        }
        guard report.problems.isEmpty, let book = report.book else {
            let count = report.problems.count
            throw ServiceStartupError(
                "policy file \(path) is not valid (\(count) problem\(count == 1 ? "" : "s")); not starting:\n"
                    + report.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        return LoadedPolicy(
            path: path, book: book, version: report.version, fingerprint: report.fingerprint,
            lastDay: report.lastDay)
    }
}

/// A checked policy file and how to tell which one a running service uses.
public struct LoadedPolicy: Sendable {
    public let path: String
    public let book: PolicyBook
    /// The id of the version with the latest start (`PolicyCheckReport.version`).
    public let version: String
    /// SHA-256 of the file's canonical content (`PolicyCheckReport.fingerprint`).
    public let fingerprint: String
    /// The last day any version covers; claims completed after it are refused under R1.
    public let lastDay: CivilDate?

    /// Logs the policy in force and publishes `skills_policy_info{version,fingerprint} 1` on
    /// /metrics. Call it once logging and metrics are bootstrapped (in `ServiceRunner.run`'s
    /// `services` closure).
    public func announce(logger: Logger) {
        logger.notice(
            "policy in force",
            metadata: [
                "policy_version": "\(version)", "policy_fingerprint": "\(fingerprint)",
                "policy_last_day": "\(lastDay.map { "\($0)" } ?? "?")", "policy_file": "\(path)",
            ])
        if let lastDay, lastDay < BusinessDay.wallClockToday() {
            logger.warning(
                "the policy's last period ends \(lastDay): claims completed after it are refused under R1 unless the caller names an earlier business date (--accept-business-date); add the standards of the later period to the policy file"
            )
        }
        Gauge(label: "skills_policy_info", dimensions: [("version", version), ("fingerprint", fingerprint)]).record(1)
    }

    /// The trailer every `grpc.health.v1.Health` answer carries (`skillsctl health` shows it).
    public static let trailerName = "skills-policy"

    /// Adds `skills-policy: <version> sha256:<fingerprint>` to health answers.
    public var healthTrailer: any ServerInterceptor {
        PolicyTrailerInterceptor(value: "\(version) sha256:\(fingerprint)")
    }
}

struct PolicyTrailerInterceptor: ServerInterceptor {
    let value: String

    func accept(_ context: ServerContext) throws(RPCError) {
        if context.method.service == Grpc_Health_V1_Health.name {
            context.responseTrailers.add(LoadedPolicy.trailerName, value)
        }
    }
}
