import Logging
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// O4 by the offering's institution only (issue 9): a caller with the `institution` role may
/// accept, record learning for or complete an enrolment only when its certificate's common name is
/// one of the system names registration lists for the enrolment's institution
/// (`Institution.system_certificate_names`). Other roles the access table admits (the worker
/// portal's learning records) are not checked here.
///
/// Matching keeps a copy of the names per institution (table `institution_systems`), written when
/// an offering is published, so the usual call costs one local query and no call to registration.
/// The copy is read again from registration when the caller's name is not in it (so a name hrss
/// just added works at once) or when it is older than `refreshInterval` (so a name hrss removed
/// stops working within that time). When registration cannot be reached, a copy that lists the
/// caller is trusted (availability over prompt revocation, logged); otherwise the registration
/// error is returned and nothing changes.
struct InstitutionSystemsCheck: Sendable {
    /// How long a copy that lists the caller is trusted without asking registration again.
    static let refreshInterval: Int64 = 300

    let store: MatchingStore
    let environment: ServiceEnvironment

    /// What to do with the copy for this caller.
    enum Verdict: Equatable {
        /// The copy lists the caller and is fresh.
        case allowed
        /// Ask registration (no copy, caller not in it, or stale).
        case refresh
    }

    /// Pure part of the decision, for tests.
    static func verdict(commonName: String, names: [String]?, readAt: Int64, now: Int64) -> Verdict {
        guard let names, names.contains(commonName) else { return .refresh }
        return now - readAt < refreshInterval ? .allowed : .refresh
    }

    /// Throws `PERMISSION_DENIED` naming the institution unless the caller may act for the
    /// enrolment's institution. An unknown enrolment passes (the transition reports NOT_FOUND).
    func authorize(enrollmentID: String, context: ServerContext) async throws {
        guard context.peer.role == .institution else { return }
        let caller = context.peer.commonName
        let store = self.store
        guard
            let copy = try await environment.database.readInline({
                try store.institutionSystems(enrollmentID: enrollmentID, on: $0)
            })
        else {
            return
        }
        let now = Int64(Date().timeIntervalSince1970)
        if Self.verdict(commonName: caller, names: copy.names, readAt: copy.readAt, now: now) == .allowed { return }
        let names: [String]
        do {
            names = try await currentNames(of: copy.institutionID, now: now)
        } catch let error as RPCError where error.code == .notFound {
            names = []
        } catch {
            guard let stored = copy.names, stored.contains(caller) else { throw error }
            environment.logger.warning(
                "registration unreachable; trusting matching's copy of the institution's system names",
                metadata: ["institution": "\(copy.institutionID)", "caller": "\(caller)", "error": "\(error)"])
            return
        }
        guard names.contains(caller) else {
            throw MatchingError.notInstitutionSystem(institution: copy.institutionID, caller: caller)
        }
    }

    /// Reads the names from registration and refreshes the copy.
    private func currentNames(of institutionID: String, now: Int64) async throws -> [String] {
        let peers = environment.peers
        let institution = try await peers.registration.getInstitution(
            GetInstitutionRequest(institutionId: institutionID),
            options: peers.options)
        let names = institution.systemCertificateNames
        let store = self.store
        do {
            try await environment.database.transaction(isolation: .readCommitted) { connection in
                try store.saveInstitutionSystems(
                    institutionID: institutionID, names: names, readAt: now, on: connection)
            }
        } catch {
            // The copy is a cache: failing to refresh it does not change the answer.
            environment.logger.warning(
                "could not refresh the copy of an institution's system names",
                metadata: ["institution": "\(institutionID)", "error": "\(error)"])
        }
        return names
    }
}
