import ArgumentParser
import Essentials
import Foundation
import Policy

/// `skillsctl policy check FILE`: the check the services run on `--policy-file` before they start
/// (`PolicyFileCheck`), for an operator preparing a new file.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Policy data files (the subsidy standards and rules the services decide with).",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Validate a policy file: format, periods without overlaps or undeclared gaps, every price carried into the next period.",
            discussion:
                "On success prints the policy version and fingerprint (what the services show as skills_policy_info) and exits 0; otherwise prints each problem on standard error and exits 1."
        )

        @Argument(help: "The policy file (JSON, format skills-policy/1).")
        var file: String

        func run() throws {
            let report = PolicyFileCheck.check(contentsOf: URL(fileURLWithPath: file))
            guard report.isValid else {
                var stderr = StandardError()
                let count = report.problems.count
                print("\(file): \(count) problem\(count == 1 ? "" : "s")", to: &stderr)
                for problem in report.problems { print("  \(problem)", to: &stderr) }
                throw ExitCode(1)
            }
            print("\(file): OK")
            print("version:     \(report.version)")
            print("fingerprint: sha256:\(report.fingerprint)")
            print("periods:")
            for period in report.periods {
                print("  \(period.from)..\(period.to)  \(period.version)  (\(period.occupationCount) occupations)")
            }
            for gap in report.intendedGaps { print("  intended gap \(gap)") }
            if let last = report.lastDay {
                let offset = report.book?.versions.last?.utcOffsetSeconds ?? 8 * 3600
                let today = CivilDate(epochSeconds: Int64(Date().timeIntervalSince1970), utcOffsetSeconds: offset)
                let ended =
                    last < today
                    ? " (that is before today, \(today): a service started with this file refuses today's claims)" : ""
                print("after \(last): no subsidy standard; claims completed later are refused under R1\(ended)")
            }
        }
    }
}

/// `print(..., to: &stderr)`.
private struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
