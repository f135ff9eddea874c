import ArgumentParser
import RPC
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// `skillsctl`: the operators' and integrators' command line, over mutual TLS with a role's
/// certificate. Exit codes: 0 success, 1 the platform answered "no" (not serving, an error status),
/// 2 usage errors (ArgumentParser), 3 a service could not be reached.
///
/// Started by the top-level code at the end of this file rather than `@main`: with more than one
/// file in the target, SwiftPM compiles main.swift as top-level code, where `@main` is refused.
struct SkillsCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skillsctl",
        abstract: "Operate and query the skills platform over mTLS.",
        subcommands: [
            Health.self, Progress.self, Ledger.self, Call.self, Replay.self, Demo.self, Bench.self, PolicyCommand.self,
        ])
}

/// Where the services are and who is calling.
struct Connection: ParsableArguments {
    @Option(help: "Directory with ca.pem and <role>.pem/.key.") var certDir = "Deploy/certs/out"
    @Option(help: "The certificate (role) to call with, e.g. hrss, finance.") var role = "hrss"
    @Option(help: "Registration address(es).") var registrationAddr = "127.0.0.1:7101"
    @Option(help: "Matching address(es).") var matchingAddr = "127.0.0.1:7102"
    @Option(help: "Assessment address(es).") var assessmentAddr = "127.0.0.1:7103"
    @Option(help: "Payment address(es).") var paymentAddr = "127.0.0.1:7104"
    @Option(help: "Deadline per call, in milliseconds.") var timeoutMs = 5000

    func channel(_ addresses: String) throws -> GRPCChannel {
        let targets: [ClientConfiguration.Target]
        do { targets = try ClientConfiguration.Target.list(addresses) } catch { throw ValidationError("\(error)") }
        return try GRPCChannel(
            configuration: ClientConfiguration(
                targets: targets, tls: .development(role, directory: certDir), defaultTimeout: .milliseconds(timeoutMs),
                retry: .init(maxAttempts: 2)))
    }

    /// Exits 3 unless every service answers health with SERVING; the message names the first that
    /// does not, between `prefix` and `suffix`.
    func requireServing(prefix: String = "", suffix: String = "") async throws {
        for service in services {
            let channel = try channel(service.addresses)
            let status = try? await Grpc_Health_V1_HealthClient(channel).check(
                Grpc_Health_V1_HealthCheckRequest(service: service.grpcName))
            await channel.close()
            guard status?.status == .serving else {
                FileHandleOutput.error("\(prefix)\(service.name) at \(service.addresses) is not serving\(suffix)")
                throw ExitCode(3)
            }
        }
    }

    var services: [(name: String, addresses: String, grpcName: String)] {
        [
            ("registration", registrationAddr, RegistrationService.name),
            ("matching", matchingAddr, MatchingService.name),
            ("assessment", assessmentAddr, AssessmentService.name), ("payment", paymentAddr, PaymentService.name),
        ]
    }
}

/// Colours only on a terminal.
enum Style {
    static let isTerminal = isatty(1) == 1
    static func paint(_ text: String, _ code: String) -> String {
        isTerminal ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask every service's grpc.health.v1.Health; exit 0 only when all serve.")
    @OptionGroup var connection: Connection

    func run() async throws {
        var allServing = true
        for service in connection.services {
            let channel = try connection.channel(service.addresses)
            let status: String
            let answer = ResponseMetadata()
            do {
                let response = try await Grpc_Health_V1_HealthClient(channel).check(
                    Grpc_Health_V1_HealthCheckRequest(service: service.grpcName),
                    options: CallOptions(responseMetadata: answer))
                status = response.status.protoName
            } catch let error as RPCError {
                status = error.code == .unavailable || error.code == .deadlineExceeded ? "UNREACHABLE" : "\(error.code)"
            }
            await channel.close()
            if status != "SERVING" { allServing = false }
            let shown = Style.paint(status, status == "SERVING" ? "32" : "31")
            print("\(service.name.rightPadded(13)) \(service.addresses.rightPadded(22)) \(shown)")
            // Services that apply the rules name their policy file's version and fingerprint (ServiceKit's
            // LoadedPolicy), on a line of its own so that a service's line still ends with its status.
            if let policy = answer.trailers["skills-policy"] { print("\("".rightPadded(13)) policy \(policy)") }
        }
        if !allServing { throw ExitCode(1) }
    }
}

// Progress (T1): ProgressCommand.swift.

struct Ledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The special fund's ledger.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stream the ledger (finance or hrss role) as CSV on standard output.")
        @OptionGroup var connection: Connection
        @Flag(help: "CSV with a header line (the only format for now).") var csv = false
        @Option(help: "Only entries after this sequence number.") var afterSequence: Int64 = 0
        @Option(help: "Only this claim's entries.") var claim = ""

        func run() async throws {
            let channel = try connection.channel(connection.paymentAddr)
            print(
                "sequence,id,booked_at_unix,tranche_id,claim_id,enrollment_id,certificate_number,payee_kind,payee_id,amount_fen,purpose,policy_version,rule_ids,decided_by"
            )
            do {
                try await PaymentServiceClient(channel).exportLedger(
                    ExportLedgerRequest(afterSequence: afterSequence, claimId: claim)
                ) { entries in
                    for try await entry in entries {
                        let fields: [String] = [
                            String(entry.sequence), entry.id, String(entry.bookedAt?.seconds ?? 0), entry.trancheId,
                            entry.claimId,
                            entry.enrollmentId, entry.certificateNumber, entry.payeeKind.protoName, entry.payeeId,
                            String(entry.amountFen), entry.purpose.protoName, entry.policyVersion,
                            entry.ruleIds.joined(separator: " "),
                            entry.decidedBy.joined(separator: " "),
                        ]
                        print(fields.map(CSV.field).joined(separator: ","))
                    }
                }
            } catch let error as RPCError {
                await channel.close()
                FileHandleOutput.error("payment: \(error)")
                throw ExitCode(error.code == .unavailable ? 3 : 1)
            }
            await channel.close()
        }
    }
}

enum CSV {
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return value }
        var quoted = "\""
        for character in value {
            if character == "\"" { quoted.append("\"") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

enum Money {
    /// Fen as yuan with two decimals, e.g. 150000 -> "¥1,500.00".
    static func yuan(_ fen: Int64) -> String {
        let yuan = fen / 100
        let cents = abs(fen % 100)
        var digits = String(abs(yuan))
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        return (fen < 0 ? "-" : "") + "¥" + digits + grouped + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}

enum FileHandleOutput {
    /// Writes `skillsctl: message` as a line to standard error.
    static func error(_ message: String) { line("skillsctl: \(message)") }

    /// Writes a line to standard error (file descriptor 2).
    static func line(_ text: String) {
        let bytes = Array("\(text)\n".utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
    func rightPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// Parses and runs the command. Usage errors exit 2 as documented above (ArgumentParser's own
/// code for them is 64); everything else exits as ArgumentParser decides (`ExitCode(n)` as n).
func runSkillsCtl() async {
    do {
        var command = try SkillsCtl.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        if SkillsCtl.exitCode(for: error) == .validationFailure {
            FileHandleOutput.line(SkillsCtl.fullMessage(for: error))
            exit(2)
        }
        SkillsCtl.exit(withError: error)
    }
}

await runSkillsCtl()
