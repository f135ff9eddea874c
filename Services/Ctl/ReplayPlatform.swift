import Foundation
import RPC
import Schema
import Workload

#if canImport(Glibc)
    import Glibc
#endif

/// The four service executables started by `skillsctl replay --launch`: free loopback ports, a
/// fresh data directory (SQLite) or one PostgreSQL database per service, SIGKILL and restart on the
/// same port and data (`--faults`), and each process's peak resident memory (VmHWM).
/// The services exit when skillsctl does, however it ends (SIGKILL included): see `launch`.
actor ReplayPlatform {
    static let serviceNames = ["registration", "matching", "assessment", "payment"]

    struct Service {
        let name: String
        let port: Int
        let dataDir: String
        let database: String?
        var process: Process?
        /// The write end of the process's standard input; see `launch`.
        var lifeline: Pipe?
        var peakKiB: Int = 0
        var starts = 0
        /// CPU time (user + system, clock ticks) of earlier incarnations, and of the running one when last sampled.
        var earlierTicks = 0
        var currentTicks = 0
    }

    let binDir: String
    let certDir: String
    let dataDir: String
    let acceptBusinessDate: Bool
    private(set) var services: [String: Service] = [:]
    private var createdDatabases: [(url: String, name: String)] = []
    private(set) var kills = 0

    init(binDir: String, certDir: String, dataDir: String, database: String, acceptBusinessDate: Bool) throws {
        self.binDir = binDir
        self.certDir = certDir
        self.dataDir = dataDir
        self.acceptBusinessDate = acceptBusinessDate
        var services: [String: Service] = [:]
        var created: [(String, String)] = []
        for name in Self.serviceNames {
            let dir = "\(dataDir)/\(name)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var url: String?
            if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
                // One database per service (each owns its tables, docs/DESIGN.md), next to the given one.
                let dbName = "replay_\(getpid())_\(name)"
                try Self.psql(database, "CREATE DATABASE \(dbName)")
                created.append((database, dbName))
                url = Self.replacingDatabase(in: database, with: dbName)
            }
            services[name] = Service(name: name, port: try Self.freePort(), dataDir: dir, database: url)
        }
        self.services = services
        self.createdDatabases = created
    }

    /// Whether the service executables in `binDir` accept `--accept-business-date`.
    static func supportsBusinessDates(binDir: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(binDir)/skills-matching")
        process.arguments = ["--help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return false }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).contains("accept-business-date")
    }

    var addresses: ServiceAddresses {
        func address(_ name: String) -> String { "127.0.0.1:\(services[name]?.port ?? 0)" }
        return ServiceAddresses(
            registration: address("registration"), matching: address("matching"),
            assessment: address("assessment"), payment: address("payment"))
    }

    func arguments(_ service: Service) -> [String] {
        let a = addresses
        var arguments = [
            "--host", "127.0.0.1", "--port", String(service.port), "--metrics-port", "off", "--data-dir",
            service.dataDir,
            "--cert-dir", certDir, "--registration-addr", a.registration, "--matching-addr", a.matching,
            "--assessment-addr", a.assessment, "--payment-addr", a.payment, "--log-level", "warning",
        ]
        if let database = service.database { arguments += ["--database", database] }
        if acceptBusinessDate { arguments.append("--accept-business-date") }
        return arguments
    }

    /// Starts every service and waits until all serve.
    func start() async throws {
        for name in Self.serviceNames { try launch(name) }
        for name in Self.serviceNames { try await waitUntilServing(name) }
    }

    private func launch(_ name: String) throws {
        guard var service = services[name] else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(binDir)/skills-\(name)")
        process.arguments = arguments(service)
        let logPath = "\(dataDir)/\(name).log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        // Standard input is a pipe only this process writes to (never, in fact): when skillsctl exits,
        // even by SIGKILL, the kernel closes it and the service, told to by the environment variable
        // (older executables ignore it), reads end of file and shuts down as on SIGTERM.
        let lifeline = Pipe()
        process.standardInput = lifeline
        process.environment = ProcessInfo.processInfo.environment.merging(["SKILLS_EXIT_WHEN_STDIN_CLOSES": "1"]) { $1 }
        try process.run()
        service.process = process
        service.lifeline = lifeline
        service.starts += 1
        services[name] = service
    }

    func waitUntilServing(_ name: String, timeout: Duration = .seconds(60)) async throws {
        guard let service = services[name] else { return }
        let channel = try GRPCChannel(
            configuration: ClientConfiguration(
                targets: [ClientConfiguration.Target(host: "127.0.0.1", port: service.port)],
                tls: .development("hrss", directory: certDir),
                defaultTimeout: .seconds(2), connectTimeout: .seconds(1), retry: .none))
        defer { Task { await channel.close() } }
        let deadline = ContinuousClock.now + timeout
        let grpcName =
            [
                "registration": RegistrationService.name, "matching": MatchingService.name,
                "assessment": AssessmentService.name, "payment": PaymentService.name,
            ][name] ?? ""
        while ContinuousClock.now < deadline {
            guard services[name]?.process?.isRunning == true else {
                throw ReplayFailure.launch("skills-\(name) exited before serving; see \(dataDir)/\(name).log")
            }
            if let response = try? await Grpc_Health_V1_HealthClient(channel).check(
                Grpc_Health_V1_HealthCheckRequest(service: grpcName)),
                response.status == .serving
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ReplayFailure.launch("skills-\(name) did not serve within \(timeout); see \(dataDir)/\(name).log")
    }

    /// Samples every running process's VmHWM into its peak.
    func samplePeaks() {
        for name in Self.serviceNames {
            guard let pid = services[name]?.process?.processIdentifier, services[name]?.process?.isRunning == true
            else { continue }
            let peak = max(services[name]?.peakKiB ?? 0, Self.peakResidentKiB(pid: pid))
            services[name]?.peakKiB = peak
            if let ticks = Self.cpuTicks(pid: pid) { services[name]?.currentTicks = ticks }
        }
    }

    /// SIGKILLs `name` (no shutdown, no flushing) and starts it again on the same port and data.
    func killAndRestart(_ name: String) async throws {
        samplePeaks()
        guard let process = services[name]?.process else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        kills += 1
        if var service = services[name] {
            service.earlierTicks += service.currentTicks
            service.currentTicks = 0
            services[name] = service
        }
        try launch(name)
        try await waitUntilServing(name)
    }

    /// SIGTERM to every service (SIGKILL after 15 s); drops the databases it created.
    func stop() async {
        samplePeaks()
        for name in Self.serviceNames {
            if let process = services[name]?.process, process.isRunning { kill(process.processIdentifier, SIGTERM) }
        }
        let deadline = ContinuousClock.now + .seconds(15)
        for name in Self.serviceNames {
            guard let process = services[name]?.process else { continue }
            while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        for (url, name) in createdDatabases { try? Self.psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        createdDatabases = []
    }

    var peaks: [(name: String, kiB: Int, starts: Int)] {
        Self.serviceNames.compactMap { name in services[name].map { (name, $0.peakKiB, $0.starts) } }
    }

    /// CPU seconds (user + system) each service used, over all its incarnations, as last sampled.
    var cpuSeconds: [(name: String, seconds: Double)] {
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return Self.serviceNames.compactMap { name in
            services[name].map { (name, Double($0.earlierTicks + $0.currentTicks) / max(1, hz)) }
        }
    }

    // MARK: Helpers

    static func peakResidentKiB(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: field 3 (state) is fields[0], so utime (14) is fields[11], stime (15) fields[12].
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReplayFailure.launch("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw ReplayFailure.launch("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let slash = url[schemeEnd.upperBound...].firstIndex(of: "/") else {
            return url + "/" + name
        }
        let rest = url[slash...].dropFirst()
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(url[..<slash]) + "/" + name + query
    }

    static func psql(_ url: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-qtAX", "-c", sql]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReplayFailure.launch(
                "psql \(sql): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
    }
}

/// Why a replay could not run.
enum ReplayFailure: Error, CustomStringConvertible {
    case launch(String)
    var description: String {
        switch self {
        case .launch(let message): return message
        }
    }
}
