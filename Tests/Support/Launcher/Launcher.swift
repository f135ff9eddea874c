import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way Swift tests start an executable: it runs to its end, and its standard output and
/// error come back together with its exit status.
///
/// posix_spawn and waitpid rather than Foundation's `Process` with a `Pipe`: reading a pipe to its
/// end waits until every holder of its write end is gone, and a command may leave a daemon behind
/// that inherited it (`pg_ctl start` leaves the server). The output goes to a temporary file
/// instead, read once the command itself has exited.
public enum Launcher {
    /// How a command ended.
    public struct Outcome: Sendable, CustomStringConvertible {
        /// The exit status; 128 + the signal number when a signal ended it (as a shell reports it).
        public let status: Int32
        /// Standard output and standard error, interleaved as written.
        public let output: String

        public var succeeded: Bool { status == 0 }
        public var description: String { "status \(status): \(output)" }
    }

    /// A command could not be started at all (no such file, not executable ...).
    public struct SpawnFailed: Error, CustomStringConvertible {
        public let executable: String
        public let code: Int32
        public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
    }

    /// The repository root: three levels up from `Tests/Support/Launcher/Launcher.swift`.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `executable` (an absolute path) with `arguments` and waits for it to exit.
    ///
    /// - Parameters:
    ///   - directory: the working directory (default: this process's).
    ///   - environment: the complete environment (default: this process's).
    public static func run(
        _ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil
    ) throws -> Outcome {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("launcher-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        // posix_spawn_file_actions_addchdir_np is not visible to Swift: a shell changes directory.
        let command =
            directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0.path, executable] + arguments }
            ?? [executable] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let pairs = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp = pairs.map { $0.map { strdup($0) } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }

        var pid: pid_t = 0
        let spawned: Int32
        if let envp {
            spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        } else {
            spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        }
        guard spawned == 0 else { throw SpawnFailed(executable: executable, code: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Outcome(status: exitStatus(status), output: output)
    }

    /// WIFEXITED / WEXITSTATUS / WTERMSIG, macros Swift does not import.
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// A Python interpreter that can run `probe` (say `import cryptography`): `SKILLS_PYTHON` if set,
    /// else the project's `.venv`; nil when neither can.
    public static func python(probing probe: String) -> String? {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["SKILLS_PYTHON"], !explicit.isEmpty {
            candidates.append(explicit)
        }
        candidates.append(packageRoot.appendingPathComponent(".venv/bin/python").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if let outcome = try? run(candidate, ["-c", probe]), outcome.succeeded { return candidate }
        }
        return nil
    }
}
