import Schema
import ServiceKit

/// Employment reports (R7) by the `institution` role come only from a system of the offering's
/// institution: the caller's certificate common name must be in the institution's
/// `system_certificate_names` at registration. Not on a hot path, so both facts are read fresh
/// (matching for the offering's institution, registration for the names).
struct InstitutionCallerCheck: Sendable {
    let environment: ServiceEnvironment

    /// Throws `PERMISSION_DENIED` naming the institution unless the caller may report for the offering.
    func authorize(offeringID: String, context: ServerContext) async throws {
        guard context.peer.role == .institution else { return }
        let peers = environment.peers
        let offering: Offering
        do {
            offering = try await peers.matching.getOffering(
                GetOfferingRequest(offeringId: offeringID), options: peers.options)
        } catch let error as RPCError where error.code == .notFound {
            throw PaymentError.notFound("no offering \(offeringID)")
        } catch let error as RPCError {
            throw PaymentError.peer(service: "matching", error)
        }
        try await authorize(offering: offering, context: context)
    }

    /// As `authorize(offeringID:context:)`, for an offering already read from matching.
    func authorize(offering: Offering, context: ServerContext) async throws {
        guard context.peer.role == .institution else { return }
        let peers = environment.peers
        let institution: Institution
        do {
            institution = try await peers.registration.getInstitution(
                GetInstitutionRequest(institutionId: offering.institutionId),
                options: peers.options)
        } catch let error as RPCError {
            throw PaymentError.peer(service: "registration", error)
        }
        guard institution.systemCertificateNames.contains(context.peer.commonName) else {
            throw PaymentError.notInstitutionSystem(institution: institution.id, caller: context.peer.commonName)
        }
    }
}
