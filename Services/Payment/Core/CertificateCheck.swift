import COpenSSL
import Schema
import ServiceKit
import Synchronization
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// R2 and A4 for a claim with one call to assessment instead of two: payment verifies the
/// certificate that `GetCertificate` returned itself, as any department can (A4).
///
/// - Revocation stays as fresh as before: `GetCertificate` is asked on every claim, and its
///   `revoked` is read in the same moment VerifyCertificate would have read it.
/// - The signature is checked with the assessment service's public key for the certificate's
///   `key_id` (`GetSigningKey`, fetched once per key id and kept: a key id names one key).
/// - The facts a decision reads (number, kind, level, worker, occupation, enrolment) must be the
///   signed content's, so an altered record in assessment's database counts as tampered, as
///   VerifyCertificate's "stored record inconsistent" does.
struct CertificateCheck: Sendable {
    let peers: Peers
    let keys: SigningKeyCache

    /// The verdict on `certificate` as assessment returned it: VALID, REVOKED or TAMPERED.
    func status(of certificate: Certificate) async throws -> VerifyCertificateResponse.Status {
        guard let key = try await publicKey(keyID: certificate.keyId),
            key.verify(content: certificate.content, signature: certificate.signature),
            SignedFacts(content: certificate.content)?.matches(certificate) == true
        else { return .tampered }
        return certificate.revoked ? .revoked : .valid
    }

    /// The key assessment signs under `keyID` ("" asks for its current key); nil when assessment
    /// does not know the id or its PEM is not an Ed25519 public key.
    private func publicKey(keyID: String) async throws -> Ed25519.PublicKey? {
        if !keyID.isEmpty, let key = keys.key(for: keyID) { return key }
        let key: SigningKey
        do {
            key = try await peers.assessment.getSigningKey(GetSigningKeyRequest(keyId: keyID), options: peers.options)
        } catch let error as RPCError where error.code == .invalidArgument || error.code == .notFound {
            return nil
        } catch let error as RPCError {
            throw PaymentError.peer(service: "assessment", error)
        }
        guard key.algorithm == "ed25519", keyID.isEmpty || key.keyId == keyID,
            let parsed = Ed25519.PublicKey(pem: key.publicKeyPem)
        else { return nil }
        keys.remember(parsed, for: key.keyId)
        return parsed
    }
}

/// The assessment service's public keys by key id, parsed once, for the life of the process:
/// decoding the PEM (OpenSSL's decoder framework) cost several times the signature check itself,
/// about a tenth of payment's CPU in a replay when it ran on every claim.
final class SigningKeyCache: Sendable {
    private let keys = Mutex<[String: Ed25519.PublicKey]>([:])

    init() {}

    func key(for keyID: String) -> Ed25519.PublicKey? { keys.withLock { $0[keyID] } }

    func remember(_ key: Ed25519.PublicKey, for keyID: String) {
        guard !keyID.isEmpty else { return }
        keys.withLock { $0[keyID] = key }
    }
}

/// The fields of a certificate's signed content (canonical JSON, format
/// `skills.v1.certificate-content/1`) that a claim is decided on.
struct SignedFacts: Equatable, Decodable {
    static let format = "skills.v1.certificate-content/1"

    var format: String
    var number: String
    var kind: String
    var level: Int
    var workerID: String
    var occupationCode: String
    var enrollmentID: String

    /// nil unless `content` is a JSON object of that format with every such field (other fields
    /// are ignored).
    init?(content: [UInt8]) {
        guard let facts = try? JSONDecoder().decode(Self.self, from: Data(content)), facts.format == Self.format
        else { return nil }
        self = facts
    }

    private enum CodingKeys: String, CodingKey {
        case format, number, kind, level
        case workerID = "worker_id"
        case occupationCode = "occupation_code"
        case enrollmentID = "enrollment_id"
    }

    /// Whether the record's own fields say what was signed.
    func matches(_ certificate: Certificate) -> Bool {
        number == certificate.number && kind == certificate.kind.protoName
            && level == Int(certificate.level.rawValue) && workerID == certificate.workerId
            && occupationCode == (certificate.occupation?.code ?? "") && enrollmentID == certificate.enrollmentId
    }
}

/// Ed25519 signature checks through libcrypto with a SubjectPublicKeyInfo PEM key.
enum Ed25519 {
    /// A parsed Ed25519 public key, to check many signatures with.
    ///
    /// `@unchecked Sendable`: the `EVP_PKEY` is never modified after `init`, OpenSSL 3 lets threads
    /// share an unmodified key, and each `verify` uses an `EVP_MD_CTX` of its own.
    final class PublicKey: @unchecked Sendable {
        /// `EVP_PKEY *`, owned; freed in `deinit`.
        private let key: OpaquePointer

        /// nil unless `pem` is a SubjectPublicKeyInfo PEM of an Ed25519 key.
        init?(pem: String) {
            defer { ERR_clear_error() }
            let bytes = Array(pem.utf8)
            let parsed = bytes.withUnsafeBytes { raw -> OpaquePointer? in
                guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
                defer { BIO_free(bio) }
                return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
            }
            guard let parsed else { return nil }
            guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_ED25519 else {
                EVP_PKEY_free(parsed)
                return nil
            }
            key = parsed
        }

        deinit { EVP_PKEY_free(key) }

        /// Whether `signature` is this key's signature of `content`; any failure is false.
        func verify(content: [UInt8], signature: [UInt8]) -> Bool {
            defer { ERR_clear_error() }
            guard signature.count == 64, let context = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
            // OpenSSL refuses a null message pointer even for an empty message.
            let message = content.isEmpty ? [0] : content
            return message.withUnsafeBufferPointer { bytes in
                signature.withUnsafeBufferPointer { sig in
                    EVP_DigestVerify(context, sig.baseAddress, sig.count, bytes.baseAddress, content.count)
                }
            } == 1
        }
    }
}
