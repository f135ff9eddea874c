import COpenSSL
import Schema

/// Signs certificate content with an Ed25519 key through libcrypto (A4).
///
/// The key is a PKCS#8 PEM file (PEM label "PRIVATE KEY", what `openssl genpkey -algorithm
/// ed25519` writes). `loadOrCreate(at:)` generates one on first start and keeps it, so a service's
/// key survives restarts in its data directory. Departments verify offline with `publicKeyPEM`
/// (SubjectPublicKeyInfo PEM) using any Ed25519 implementation, e.g. Python `cryptography`'s
/// `load_pem_public_key(...).verify(signature, content)`.
///
/// Thread safety: the `EVP_PKEY` is created once and never modified afterwards. Every `sign` call
/// uses its own fresh `EVP_MD_CTX` (`EVP_DigestSignInit` + one-shot `EVP_DigestSign`), and OpenSSL 3
/// allows a shared, unmodified `EVP_PKEY` to be used from many threads at once (reference counting
/// and the provider key cache are internally locked). So one signer may be shared by any number
/// of tasks: `@unchecked Sendable` rests on exactly that.
public final class CertificateSigner: @unchecked Sendable {
    /// The algorithm name the contract's `SigningKey.algorithm` carries.
    public static let algorithm = "ed25519"
    /// Length of an Ed25519 signature.
    public static let signatureLength = 64

    /// `EVP_PKEY *`, owned; freed in `deinit`.
    private let key: OpaquePointer
    /// The public key, SubjectPublicKeyInfo PEM.
    public let publicKeyPEM: String
    /// The public key, SubjectPublicKeyInfo DER.
    public let publicKeyDER: [UInt8]
    /// First 16 hex digits of SHA-256 over `publicKeyDER`.
    public let keyID: String

    /// Takes ownership of `key` (freed here on failure too).
    private init(taking key: OpaquePointer) throws(SigningError) {
        do {
            try LibCrypto.requireEd25519(key, "private key")
            self.publicKeyDER = try LibCrypto.publicKeyDER(key)
            self.publicKeyPEM = try LibCrypto.publicKeyPEM(key)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
        self.keyID = LibCrypto.keyID(publicKeyDER: publicKeyDER)
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// A signer from a PEM private key (PKCS#8 "PRIVATE KEY"); it must be Ed25519.
    public convenience init(privateKeyPEM: String) throws(SigningError) {
        let key = try LibCrypto.withReadBIO(Array(privateKeyPEM.utf8)) { bio throws(SigningError) -> OpaquePointer in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw LibCrypto.failure("PEM_read_bio_PrivateKey")
            }
            return key
        }
        try self.init(taking: key)
    }

    /// A signer from the PEM private key in the file at `path`.
    public convenience init(contentsOfFile path: String) throws(SigningError) {
        let bytes = try KeyFile.load(path)
        try self.init(privateKeyPEM: String(decoding: bytes, as: UTF8.self))
    }

    /// A signer with a fresh random key (not stored anywhere).
    public static func generate() throws(SigningError) -> CertificateSigner {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw LibCrypto.failure("EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw LibCrypto.failure("EVP_PKEY_keygen_init") }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw LibCrypto.failure("EVP_PKEY_keygen") }
        return try CertificateSigner(taking: key)
    }

    /// The signer whose key is at `path`; if there is no file there, generates a key and writes it
    /// (mode 0600, atomically, never over an existing file). The directory must exist. If another
    /// process creates the file first, its key is loaded instead, so both end up with one key.
    public static func loadOrCreate(at path: String) throws(SigningError) -> CertificateSigner {
        if KeyFile.exists(path) { return try CertificateSigner(contentsOfFile: path) }
        let signer = try generate()
        let pem = try signer.privateKeyPEMBytes()
        if try KeyFile.createExclusive(path, pem) { return signer }
        return try CertificateSigner(contentsOfFile: path)
    }

    /// The private key as PKCS#8 PEM (unencrypted). Only for writing the key file.
    func privateKeyPEMBytes() throws(SigningError) -> [UInt8] {
        try LibCrypto.writeBIO("PEM_write_bio_PrivateKey") { bio in
            PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil)
        }
    }

    /// The 64-byte Ed25519 signature of `bytes` (pure Ed25519, no pre-hash).
    ///
    /// Signing with a valid key fails only when OpenSSL cannot allocate memory; that is treated as
    /// a programming/environment error and stops the process rather than returning a bad signature.
    public func sign(_ bytes: [UInt8]) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else {
            preconditionFailure("EVP_MD_CTX_new failed: \(LibCrypto.takeError())")
        }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else {
            preconditionFailure("EVP_DigestSignInit failed: \(LibCrypto.takeError())")
        }
        var signature = [UInt8](repeating: 0, count: Self.signatureLength)
        var length = signature.count
        let ok = withNonNullBytes(bytes) { message, count in
            signature.withUnsafeMutableBufferPointer { out in
                EVP_DigestSign(context, out.baseAddress, &length, message, count)
            }
        }
        guard ok == 1, length == Self.signatureLength else {
            preconditionFailure("EVP_DigestSign failed: \(LibCrypto.takeError())")
        }
        return signature
    }

    /// A verifier for this signer's public key.
    public func verifier() throws(SigningError) -> CertificateVerifier {
        try CertificateVerifier(publicKeyPEM: publicKeyPEM)
    }

    /// The contract's description of this key; `notBefore` is when it came into use, if known.
    public func signingKey(notBefore: Google_Protobuf_Timestamp? = nil) -> SigningKey {
        SigningKey(keyId: keyID, publicKeyPem: publicKeyPEM, algorithm: Self.algorithm, notBefore: notBefore)
    }
}

/// Calls `body` with a non-null pointer to `bytes` (OpenSSL treats a null message pointer as an
/// error even when the length is zero), and the count.
func withNonNullBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
    if bytes.isEmpty {
        var zero: UInt8 = 0
        return withUnsafePointer(to: &zero) { body($0, 0) }
    }
    return bytes.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
}
