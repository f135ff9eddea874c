import COpenSSL

/// Verifies Ed25519 certificate signatures with only the public key, as any department can.
///
/// Thread safety: like `CertificateSigner`, the `EVP_PKEY` is never modified after `init` and each
/// `verify` uses a fresh `EVP_MD_CTX`, so one verifier may be shared by concurrent tasks.
public final class CertificateVerifier: @unchecked Sendable {
    /// `EVP_PKEY *`, owned; freed in `deinit`.
    private let key: OpaquePointer
    /// The public key, SubjectPublicKeyInfo PEM (as given, re-encoded canonically).
    public let publicKeyPEM: String
    /// First 16 hex digits of SHA-256 over the SubjectPublicKeyInfo DER; equals the signer's.
    public let keyID: String

    /// A verifier from a SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"); must be Ed25519.
    public init(publicKeyPEM pem: String) throws(SigningError) {
        let key = try LibCrypto.withReadBIO(Array(pem.utf8)) { bio throws(SigningError) -> OpaquePointer in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                throw LibCrypto.failure("PEM_read_bio_PUBKEY")
            }
            return key
        }
        do {
            try LibCrypto.requireEd25519(key, "public key")
            self.keyID = LibCrypto.keyID(publicKeyDER: try LibCrypto.publicKeyDER(key))
            self.publicKeyPEM = try LibCrypto.publicKeyPEM(key)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Whether `signature` is a valid Ed25519 signature of `content` under this key. Any failure
    /// (wrong length, wrong key, altered content) is `false`; OpenSSL's error queue is cleared.
    public func verify(content: [UInt8], signature: [UInt8]) -> Bool {
        guard signature.count == CertificateSigner.signatureLength else { return false }
        guard let context = EVP_MD_CTX_new() else {
            ERR_clear_error()
            return false
        }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else {
            ERR_clear_error()
            return false
        }
        let result = withNonNullBytes(content) { message, count in
            signature.withUnsafeBufferPointer { sig in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, message, count)
            }
        }
        if result != 1 { ERR_clear_error() }
        return result == 1
    }
}
