import Essentials
import Logging
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Ties a service's life to the process that launched it.
///
/// A launcher (`skillsctl replay --launch`, `make run`, a test) gives the service a pipe as standard
/// input and keeps the write end. Nothing is ever written to it: when the launcher exits, however it
/// exits (SIGKILL included), the kernel closes the write end, the service reads end of file and
/// sends itself SIGTERM, which drains it like an operator's SIGTERM. Standard input that is
/// `/dev/null` or already closed reads end of file at once, so only a launcher that holds a pipe
/// should ask for this (`--exit-when-stdin-closes`).
public enum LauncherWatch {
    public static func terminateWhenStandardInputCloses(logger: Logger) {
        PosixThread.detach(name: "launcher-watch") {
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count > 0 || (count < 0 && errno == EINTR) { continue }
                break
            }
            logger.notice("standard input closed (the launcher exited): shutting down")
            awaitTerminationHandler()
            kill(getpid(), SIGTERM)
        }
    }

    /// Waits up to 2 s until SIGTERM no longer has its default action (ServiceLifecycle takes it over
    /// when the service group runs), so that a launcher gone during start-up still gets a drain
    /// rather than an abrupt end; after that the signal is sent regardless.
    static func awaitTerminationHandler() {
        for _ in 0..<200 {
            var current = sigaction()
            if sigaction(SIGTERM, nil, &current) == 0 && current.__sigaction_handler.sa_handler != nil { return }
            usleep(10_000)
        }
    }
}
