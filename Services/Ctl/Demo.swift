import ArgumentParser
import Foundation
import RPC
import Schema
import Workload

/// `skillsctl demo`: the five orders end to end for a newcomer, against running services started
/// with `--accept-business-date` (as `make run` does): a few workers of different groups, an
/// enterprise's demand, an institution with an accepted filing, offerings, enrolments, learning,
/// completion, assessment and certificates, claims and their decisions, an employment report, and
/// finance's disbursements, all on business days of 2019-2021 so that the claims are paid.
///
/// Reruns with the same seed send the same request_ids, so the platform answers with the first
/// results and the demo succeeds again on the same data; another seed brings other people.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the five-order demo against running services and summarise what the platform decided.",
        discussion: """
            The services must accept skills-business-date (start them with --accept-business-date; make run \
            does): the demo's trainings happen in 2019-2021, the years the policy has subsidy standards for. \
            Exit codes: 0 ok, 1 a step was refused or failed (the step and the reason on stderr), 3 a service \
            is unreachable.
            """)

    @OptionGroup var connection: Connection
    @Option(help: "Seed of the demo's population: the same seed reruns idempotently, another one brings other people.")
    var seed: UInt64 = 2021
    @Option(
        help:
            "Common name of the institution certificate (--cert-dir/institution.pem) the demo's institutions are run by."
    )
    var institutionSystem = "institution-dev"
    /// Enough trainings that every wanted group has a single-training worker, few enough to set up in seconds.
    static let populationSize = 120

    func run() async throws {
        try await connection.requireServing(prefix: "demo: ", suffix: " (start the services with make run)")
        let standards: SubsidyStandards
        do {
            standards = try SubsidyStandards()
        } catch {
            FileHandleOutput.error("demo: cannot read the bundled policy file: \(error)")
            throw ExitCode(1)
        }
        let cast = DemoCast(
            population: Population.generate(trainings: Self.populationSize, seed: seed, standards: standards))
        guard !cast.members.isEmpty else {
            FileHandleOutput.error("demo: seed \(seed) gives no suitable workers; try another --seed")
            throw ExitCode(1)
        }
        let certDir = URL(fileURLWithPath: connection.certDir).standardizedFileURL.path
        let addresses = ServiceAddresses(
            registration: connection.registrationAddr, matching: connection.matchingAddr,
            assessment: connection.assessmentAddr, payment: connection.paymentAddr)
        var asEnterprise = connection
        asEnterprise.role = "enterprise"
        let clients: PlatformClients
        let enterpriseChannel: GRPCChannel
        do {
            clients = try PlatformClients(
                addresses: addresses, certificateDirectory: certDir, connectionsPerService: 1,
                timeout: .milliseconds(connection.timeoutMs), eventLoopThreads: 1)
            enterpriseChannel = try asEnterprise.channel(connection.matchingAddr)
        } catch {
            FileHandleOutput.error("demo: cannot set up the clients (certificates in \(certDir)?): \(error)")
            throw ExitCode(3)
        }
        let requestPrefix = "demo\(seed)-\(cast.fingerprint)"
        // Setup, one step per worker and per training, the cohort reports, the demand, the read-back.
        let progress = DemoProgress(steps: 3 + cast.members.count + cast.trainings.count + cast.projectCohorts.count)
        let run = DemoRun(
            cast: cast, clients: clients, enterpriseMatching: MatchingServiceClient(enterpriseChannel),
            retry: CallRetry(metrics: CallMetrics(), maxAttempts: 6), requestPrefix: requestPrefix, progress: progress,
            institutionSystem: institutionSystem)
        let outcome: Result<DemoRun.Results, DemoRun.Failure>
        do {
            outcome = .success(try await run.run())
        } catch {
            outcome = .failure(error)
        }
        progress.finish()
        await enterpriseChannel.close()
        await clients.close()
        switch outcome {
        case .success(let results):
            let summary = DemoSummary(
                cast: cast, results: results, seed: seed, requestPrefix: requestPrefix, command: Self.invokedAs)
            print(summary.text)
        case .failure(let failure):
            FileHandleOutput.error("demo failed at \(failure.description)")
            if let error = failure.error as? RPCError {
                if error.message.contains(BusinessDates.metadataKey) {
                    FileHandleOutput.error(
                        "demo: the services must be started with --accept-business-date (make run does)")
                }
                throw ExitCode(error.code == .unavailable ? 3 : 1)
            }
            throw ExitCode(1)
        }
    }

    /// `skillsctl`, or the path it was started by when that is not on PATH (e.g. .build/release/skillsctl).
    static var invokedAs: String {
        let first = CommandLine.arguments.first ?? "skillsctl"
        guard first.contains("/") else { return "skillsctl" }
        let here = FileManager.default.currentDirectoryPath + "/"
        return first.hasPrefix(here) ? String(first.dropFirst(here.count)) : first
    }
}
