import ArgumentParser
import Essentials
import Foundation
import RPC
import Schema
import Workload

#if canImport(Glibc)
    import Glibc
#endif

/// `skillsctl replay`: the whole programme replayed against the platform (issue 8): a seeded
/// synthetic population, every training driven through O1..O5, assessment and payment by
/// concurrent journeys, then the ledger reconciled with what the platform acknowledged.
/// Exit 0 when the reconciliation is exact, 1 on any inconsistency or failed journey, 3 when the
/// services cannot be reached or launched.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the programme: synthetic trainings through every service, then reconcile the ledger.",
        discussion: """
            Against running services (the --*-addr options), or with --launch, starting the four service \
            executables (from --bin-dir, default: next to skillsctl) on free loopback ports with a fresh data \
            directory (SQLite) or one database per service on the PostgreSQL server of --database. \
            --faults S (with --launch) SIGKILLs a random service every ~S seconds and restarts it on the same \
            port and data; the reconciliation must still be exact.
            """)

    enum DatesMode: String, ExpressibleByArgument, CaseIterable { case auto, on, off }

    @OptionGroup var connection: Connection
    @Option(help: "Trainings to replay.") var trainings = 2000
    @Option(help: "Seed of the synthetic population (same seed, same population).") var seed: UInt64 = 1
    @Option(help: "Journeys in flight at once.") var concurrency = 64
    @Option(help: "HTTP/2 connections to each service address for the busy roles, on skillsctl's event loops in turn.")
    var connections = 2
    @Option(help: "Deadline per call attempt, in milliseconds (attempts that miss it are retried).") var callTimeoutMs =
        30_000
    @Flag(help: "Start the four service executables instead of using running ones.") var launch = false
    @Option(help: "Where the service executables are (default: the directory of skillsctl).") var binDir: String?
    @Option(help: "Data directory of the launched services (default: a fresh temporary one).") var dataDir: String?
    @Option(
        help:
            "Database of the launched services: sqlite, or a postgres:// URL (one database per service is created next to it)."
    )
    var database = "sqlite"
    @Option(help: "With --launch: SIGKILL a random service about every this many seconds, and restart it (0: never).")
    var faults: Double = 0
    @Option(
        help:
            "Send each call's day in the programme (skills-business-date): auto (on, unless launched services cannot accept it), on, off."
    )
    var businessDates: DatesMode = .auto
    @Option(help: "Also write the report as Markdown to this file.") var reportFile: String?

    func validate() throws {
        guard trainings > 0 else { throw ValidationError("--trainings must be positive") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard faults >= 0 else { throw ValidationError("--faults must not be negative") }
        if faults > 0 && !launch { throw ValidationError("--faults needs --launch (it kills the services it started)") }
        if !launch && (binDir != nil || dataDir != nil || database != "sqlite") {
            throw ValidationError("--bin-dir, --data-dir and --database need --launch")
        }
        if database != "sqlite" && !database.hasPrefix("postgres://") && !database.hasPrefix("postgresql://") {
            throw ValidationError("--database is sqlite or a postgres:// URL, got '\(database)'")
        }
    }

    /// The services a replay runs against, and how it was set up.
    struct Target {
        /// The services this run launched (--launch), nil for running ones.
        var platform: ReplayPlatform?
        var addresses: ServiceAddresses
        var datesOn: Bool
        /// The launched services' data directory ("" for running ones).
        var dataDirectory = ""
    }

    /// How the journeys and the reconciliation went.
    struct Outcome {
        var setupFailure: (any Error)?
        var reconciliation: Reconciliation.Report?
        var reconcileFailure: (any Error)?
        var journeys: Duration = .zero
    }

    func run() async throws {
        let started = ContinuousClock.now
        let standards = try SubsidyStandards()
        let population = Population.generate(trainings: trainings, seed: seed, standards: standards)
        let certDir = URL(fileURLWithPath: connection.certDir).standardizedFileURL.path
        let target = try await reachPlatform(certDir: certDir)
        let platform = target.platform
        let clients = try await makeClients(target, certDir: certDir)
        let replay = makeReplay(population, clients: clients, datesOn: target.datesOn)
        announce(population, target)

        let interruption = platform.map(Self.stopOnInterrupt)
        defer { interruption?.forEach { $0.cancel() } }
        let outcome = await drive(replay, standards: standards, platform: platform)
        let ended = ContinuousClock.now
        await platform?.samplePeaks()
        let peaks = await platform?.peaks ?? []
        let cpu = (await platform?.cpuSeconds ?? []) + [("skillsctl", Self.ownCPUSeconds())]
        let kills = await platform?.kills ?? 0
        await clients.close()
        await platform?.stop()

        let summary = ReplaySummary(
            trainings: population.trainings.count, seed: seed, concurrency: concurrency, connections: connections,
            database: launch ? (database == "sqlite" ? "SQLite" : "PostgreSQL") : "running services",
            businessDates: target.datesOn, wall: ended - started, journeys: outcome.journeys,
            metrics: replay.metrics.snapshot(), peaks: peaks, cpu: cpu, kills: kills, faults: faults,
            reconciliation: outcome.reconciliation)
        try finish(summary, outcome)
    }

    /// With --launch, the four services started on free ports; otherwise the running ones, each of
    /// which must answer health before anything is written. Exit 3 when they cannot be reached or
    /// launched.
    func reachPlatform(certDir: String) async throws -> Target {
        // Off, offerings stay open until the run's own day, after the policy's last standard: a
        // subsidised offering cannot be published then (R1), so a running platform is assumed to
        // take business dates unless told otherwise (it says so clearly when it does not).
        var target = Target(
            addresses: ServiceAddresses(
                registration: connection.registrationAddr, matching: connection.matchingAddr,
                assessment: connection.assessmentAddr, payment: connection.paymentAddr),
            datesOn: businessDates != .off)
        guard launch else {
            try await connection.requireServing()
            return target
        }
        let bin = binDir ?? Self.ownDirectory()
        target.datesOn =
            businessDates == .on || (businessDates == .auto && ReplayPlatform.supportsBusinessDates(binDir: bin))
        target.dataDirectory = try dataDir ?? Self.temporaryDirectory()
        do {
            let launched = try ReplayPlatform(
                binDir: bin, certDir: certDir, dataDir: target.dataDirectory, database: database,
                acceptBusinessDate: target.datesOn)
            target.platform = launched
            try await launched.start()
            target.addresses = await launched.addresses
        } catch {
            await target.platform?.stop()
            FileHandleOutput.error("cannot launch the services: \(error)")
            throw ExitCode(3)
        }
        return target
    }

    /// The clients of the four services; exit 3 (stopping launched services) when they cannot be set up.
    func makeClients(_ target: Target, certDir: String) async throws -> PlatformClients {
        do {
            return try PlatformClients(
                addresses: target.addresses, certificateDirectory: certDir, connectionsPerService: connections,
                timeout: .milliseconds(callTimeoutMs))
        } catch {
            await target.platform?.stop()
            FileHandleOutput.error("cannot set up the clients: \(error)")
            throw ExitCode(3)
        }
    }

    func makeReplay(_ population: Population, clients: PlatformClients, datesOn: Bool) -> ProgrammeReplay {
        let today = CivilDate(epochSeconds: Int64(Date().timeIntervalSince1970), utcOffsetSeconds: 8 * 3600)
        return ProgrammeReplay(
            population: population, clients: clients,
            configuration: ReplayConfiguration(
                concurrency: concurrency, requestPrefix: "rp\(String(UInt32.random(in: 0...UInt32.max), radix: 36))",
                openUntil: today.adding(days: 30), dates: BusinessDates(enabled: datesOn)))
    }

    /// What is about to be replayed, on standard error.
    func announce(_ population: Population, _ target: Target) {
        FileHandleOutput.error(
            "replay: \(population.trainings.count) trainings of \(population.workers.count) workers, "
                + "\(population.offerings.count) offerings, \(population.institutions.count) institutions, \(population.enterprises.count) enterprises; "
                + "seed \(seed), concurrency \(concurrency), business dates \(target.datesOn ? "on" : "off")"
                + (launch
                    ? ", launched in \(target.dataDirectory) (\(database == "sqlite" ? "SQLite" : "PostgreSQL"))" : ""))
    }

    /// Runs the journeys (with progress, and faults when asked), waits for every restarted service
    /// to serve again, then reconciles the ledger unless the setup failed.
    func drive(_ replay: ProgrammeReplay, standards: SubsidyStandards, platform: ReplayPlatform?) async -> Outcome {
        let faultEvery = faults
        let progress = Task { await Self.showProgress(replay, platform: platform) }
        let faultTask = Task {
            if let platform, faultEvery > 0 { await Self.injectFaults(every: faultEvery, into: platform) }
        }
        var outcome = Outcome()
        let journeysStarted = ContinuousClock.now
        do {
            _ = try await replay.run()
        } catch {
            outcome.setupFailure = error
        }
        outcome.journeys = ContinuousClock.now - journeysStarted
        faultTask.cancel()
        _ = await faultTask.value
        if let platform {
            // Every restarted service must serve again before the ledger is read.
            for name in ReplayPlatform.serviceNames { try? await platform.waitUntilServing(name) }
        }
        if outcome.setupFailure == nil {
            do {
                outcome.reconciliation = try await replay.reconcile(standards: standards, exclusive: launch)
            } catch {
                outcome.reconcileFailure = error
            }
        }
        progress.cancel()
        _ = await progress.value
        return outcome
    }

    /// Prints the summary (and writes the report file); exit 3 when the services became unreachable,
    /// 1 on any other failure or inconsistency.
    func finish(_ summary: ReplaySummary, _ outcome: Outcome) throws {
        print(summary.text)
        if let reportFile {
            do {
                try summary.markdown.write(toFile: reportFile, atomically: true, encoding: .utf8)
            } catch {
                FileHandleOutput.error("cannot write \(reportFile): \(error)")
            }
        }
        if let error = outcome.setupFailure ?? outcome.reconcileFailure {
            FileHandleOutput.error("replay: \(error)")
            let unreachable =
                (error as? RPCError).map { $0.code == .unavailable || $0.code == .deadlineExceeded } ?? false
            throw ExitCode(unreachable ? 3 : 1)
        }
        if let reconciliation = outcome.reconciliation, !reconciliation.isConsistent {
            for problem in reconciliation.problems.prefix(50) { FileHandleOutput.error(problem.description) }
            if reconciliation.problems.count > 50 {
                FileHandleOutput.error("... and \(reconciliation.problems.count - 50) more")
            }
            throw ExitCode(1)
        }
    }

    /// A progress bar on a terminal, a line every 5 s otherwise (standard error).
    /// Ctrl-C or SIGTERM stops the launched services before skillsctl exits (130), instead of leaving
    /// four servers listening.
    static func stopOnInterrupt(_ platform: ReplayPlatform) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                FileHandleOutput.error("interrupted: stopping the launched services")
                Task {
                    await platform.stop()
                    Glibc.exit(130)
                }
            }
            source.resume()
            return source
        }
    }

    static func showProgress(_ replay: ProgrammeReplay, platform: ReplayPlatform?) async {
        let terminal = isatty(2) == 1
        let clock = ContinuousClock()
        let started = clock.now
        var lastCalls: Int64 = 0
        var lastTime = started
        while !Task.isCancelled {
            try? await Task.sleep(for: terminal ? .milliseconds(500) : .seconds(5))
            await platform?.samplePeaks()
            let p = replay.progress
            let now = clock.now
            let seconds =
                Double((now - lastTime).components.attoseconds) / 1e18 + Double((now - lastTime).components.seconds)
            let rate = seconds > 0 ? Double(p.calls - lastCalls) / seconds : 0
            lastCalls = p.calls
            lastTime = now
            let elapsed = Int((now - started).components.seconds)
            let fraction = p.trainingsTotal > 0 ? Double(p.trainingsDone) / Double(p.trainingsTotal) : 0
            let text =
                "\(p.phase.rawValue) \(p.trainingsDone)/\(p.trainingsTotal) trainings, \(p.calls) calls (\(Int(rate))/s), \(elapsed) s"
            if terminal {
                let width = 30
                let filled = min(width, Int(fraction * Double(width)))
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandleOutput.raw("\r[\(bar)] \(text)\u{1B}[K")
            } else {
                FileHandleOutput.error(text)
            }
        }
        if terminal { FileHandleOutput.raw("\n") }
    }

    /// Kills a random service about every `seconds` (±30%) and restarts it, until cancelled.
    static func injectFaults(every seconds: Double, into platform: ReplayPlatform) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000 * Double.random(in: 0.7...1.3))))
            } catch {
                return
            }
            let name = ReplayPlatform.serviceNames.randomElement() ?? "payment"
            do {
                try await platform.killAndRestart(name)
            } catch {
                FileHandleOutput.error("fault injection: \(error)")
            }
        }
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
            usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func ownDirectory() -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    static func temporaryDirectory() throws -> String {
        let path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "skills-replay-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

extension FileHandleOutput {
    /// Writes text to standard error as is (progress bars redraw their line).
    static func raw(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
