import Logging
import RPC
import ServiceLifecycle
import UnixSignals

/// Reloads the server's certificate and key on SIGHUP (a rotated certificate without a restart),
/// keeping the old ones when the new files do not load. Runs in the service group until shutdown.
/// SIGHUP is trapped from `init` on, before the server accepts calls: an operator's early SIGHUP
/// must not end the process (the signal's default action).
struct CertificateReloader: Service {
    let server: GRPCServer
    let logger: Logger
    private let signals: UnixSignalsSequence

    init(server: GRPCServer, logger: Logger) async {
        self.server = server
        self.logger = logger
        self.signals = await UnixSignalsSequence(trapping: .sighup)
    }

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try server.reloadCertificates()
                logger.notice("certificates reloaded (SIGHUP)")
            } catch {
                logger.error("certificate reload failed; keeping the old ones", metadata: ["error": "\(error)"])
            }
        }
    }
}
