import Schema
import Synchronization

/// The public keys certificates of this service may be signed with: this replica's own, and every
/// other replica's that shares its database (A4).
///
/// Each replica signs with the key in its own data directory. Replicas behind one load balancer
/// share a database, so each records its public key there when it starts (`publish`), and any
/// replica verifies, and publishes through `GetSigningKey`, a certificate another one signed. A
/// replaced key file leaves the old key in the table, so certificates signed before stay
/// verifiable. A key id names one public key for good, so a key read once is kept in memory.
final class SigningKeyring: Sendable {
    /// A public key as the contract describes it, and a verifier for it.
    struct Entry: Sendable {
        let key: SigningKey
        let verifier: CertificateVerifier
    }

    let signer: CertificateSigner
    /// This replica's own key.
    let current: Entry
    private let store: SigningKeyStore
    private let known: Mutex<[String: Entry]>

    init(signer: CertificateSigner, notBefore: Google_Protobuf_Timestamp?, store: SigningKeyStore) throws {
        self.signer = signer
        self.current = Entry(key: signer.signingKey(notBefore: notBefore), verifier: try signer.verifier())
        self.store = store
        self.known = Mutex([signer.keyID: current])
    }

    /// Records this replica's public key in the shared database; call before serving.
    func publish() async throws {
        try await store.publish(current.key)
    }

    /// The key with this id, or nil when no replica of this database has signed with it.
    func entry(keyID: String) async throws -> Entry? {
        if let entry = known.withLock({ $0[keyID] }) { return entry }
        guard let key = try await store.key(id: keyID) else { return nil }
        // A row that does not parse as the Ed25519 key it names was not written by a replica.
        guard let verifier = try? CertificateVerifier(publicKeyPEM: key.publicKeyPem), verifier.keyID == keyID else {
            return nil
        }
        let entry = Entry(key: key, verifier: verifier)
        known.withLock { $0[keyID] = entry }
        return entry
    }
}
