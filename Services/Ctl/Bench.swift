import ArgumentParser
import Foundation
import RPC
import Schema
import Synchronization
import Workload

extension BenchScenarioName: ExpressibleByArgument {}

/// `skillsctl bench <scenario>`: a closed-loop load generator over mTLS for benchmarks. Each of
/// `--concurrency` loops repeats the scenario's unit of work until `--duration` has passed (the
/// calls in flight then finish); every call is timed (`CallMetrics`, no retries).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Closed-loop load on running services: calls/s and latency percentiles per method.",
        discussion: """
            Scenarios: register-worker (RegisterWorker, fresh ID numbers), get-worker (GetWorker of 32 workers \
            registered first), enrolment (a fresh worker through select, accept, learn, complete, assessment and \
            certificate, request payment, in an offering published first), verify-certificate (VerifyCertificate of \
            a certificate obtained first). enrolment and verify-certificate use business dates of 2019-2021, so the \
            services must run with --accept-business-date (make run does). Everything is written to the platform's \
            data: bench a throwaway data directory. Exit codes: 0 ok, 1 a call failed, 3 unreachable.
            """)

    @OptionGroup var connection: Connection
    @Argument(help: "register-worker, get-worker, enrolment or verify-certificate.") var scenario: BenchScenarioName
    @Option(help: "Seconds of load.") var duration: Double = 10
    @Option(help: "Loops in flight at once.") var concurrency = 16
    @Option(help: "HTTP/2 connections to each service address for the busy roles, on skillsctl's event loops in turn.")
    var connections = 2
    @Option(help: "Common name of the institution certificate (enrolment: its system must act for the institution).")
    var institutionSystem = "institution-dev"
    @Flag(help: "Print one JSON object instead of the table.") var json = false

    func validate() throws {
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard connections > 0 else { throw ValidationError("--connections must be positive") }
    }

    func run() async throws {
        let certDir = URL(fileURLWithPath: connection.certDir).standardizedFileURL.path
        let clients: PlatformClients
        do {
            clients = try PlatformClients(
                addresses: ServiceAddresses(
                    registration: connection.registrationAddr, matching: connection.matchingAddr,
                    assessment: connection.assessmentAddr, payment: connection.paymentAddr),
                certificateDirectory: certDir, connectionsPerService: connections,
                timeout: .milliseconds(connection.timeoutMs))
        } catch {
            FileHandleOutput.error("bench: cannot set up the clients (certificates in \(certDir)?): \(error)")
            throw ExitCode(3)
        }
        let prepared: BenchScenario
        do {
            prepared = try await BenchScenario.prepare(scenario, clients: clients, institutionSystem: institutionSystem)
        } catch {
            await clients.close()
            FileHandleOutput.error("bench: preparing \(scenario.rawValue) failed: \(error)")
            if let error = error as? RPCError, error.message.contains(BusinessDates.metadataKey) {
                FileHandleOutput.error(
                    "bench: the services must be started with --accept-business-date (make run does)")
            }
            throw ExitCode(Self.unreachable(error) ? 3 : 1)
        }

        let tally = BenchTally()
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + .milliseconds(Int64(duration * 1000))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var n = 0
                    while clock.now < deadline {
                        do {
                            try await prepared.iteration(worker: worker, n: n)
                            tally.succeeded()
                        } catch {
                            tally.failed(error)
                        }
                        n += 1
                    }
                }
            }
        }
        let elapsed = clock.now - started
        await clients.close()
        let counts = tally.counts
        let report = BenchReport(
            scenario: scenario, concurrency: concurrency, connections: connections, elapsed: elapsed,
            iterations: counts.done, failedIterations: counts.failed, methods: prepared.retry.metrics.snapshot(),
            firstError: counts.firstError)
        print(json ? report.json : report.text)
        if counts.failed > 0 {
            throw ExitCode(counts.firstErrorUnreachable && counts.done == 0 ? 3 : 1)
        }
    }

    static func unreachable(_ error: any Error) -> Bool {
        guard let error = error as? RPCError else { return false }
        return error.code == .unavailable || error.code == .deadlineExceeded
    }
}

/// Iterations done and failed across the loops, and the first failure.
final class BenchTally: Sendable {
    struct Counts: Sendable {
        var done: Int64 = 0
        var failed: Int64 = 0
        var firstError: String?
        var firstErrorUnreachable = false
    }

    private let state = Mutex(Counts())

    var counts: Counts { state.withLock { $0 } }

    func succeeded() { state.withLock { $0.done += 1 } }

    func failed(_ error: any Error) {
        state.withLock {
            $0.failed += 1
            if $0.firstError == nil {
                $0.firstError = "\(error)"
                $0.firstErrorUnreachable = Bench.unreachable(error)
            }
        }
    }
}
