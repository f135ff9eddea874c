import COpenSSL
import Synchronization

/// An OpenSSL `SSL_CTX` configured for gRPC: TLS 1.2 minimum, ALPN `h2`, a certificate and key,
/// trust roots and peer verification (mutual TLS on servers).
///
/// `SSL_CTX` is reference counted and, once configured, safe to create `SSL` objects from on any
/// thread; nothing mutates it after `init`. That is why it is `@unchecked Sendable`.
public final class OpenSSLContext: @unchecked Sendable {
    public enum Role: Sendable { case server, client }

    let pointer: OpaquePointer
    public let role: Role
    public let configuration: TLSConfiguration

    public init(role: Role, configuration: TLSConfiguration) throws(TLSError) {
        guard let ctx = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw Self.error(.configuration, "SSL_CTX_new failed")
        }
        self.pointer = ctx
        self.role = role
        self.configuration = configuration

        skills_SSL_CTX_set_min_proto_version(ctx, skills_TLS1_2_VERSION())
        _ = skills_SSL_CTX_set_options(
            ctx,
            skills_SSL_OP_NO_COMPRESSION() | skills_SSL_OP_NO_RENEGOTIATION()
                | skills_SSL_OP_CIPHER_SERVER_PREFERENCE())
        _ = skills_SSL_CTX_set_mode(ctx, skills_SSL_MODE_RELEASE_BUFFERS())
        _ = skills_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")

        guard SSL_CTX_use_certificate_chain_file(ctx, configuration.certificateChainPath) == 1 else {
            throw Self.error(.configuration, "cannot load certificate chain \(configuration.certificateChainPath)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw Self.error(.configuration, "cannot load private key \(configuration.privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw Self.error(
                .configuration, "private key \(configuration.privateKeyPath) does not match the certificate")
        }
        guard SSL_CTX_load_verify_locations(ctx, configuration.trustRootsPath, nil) == 1 else {
            throw Self.error(.configuration, "cannot load trust roots \(configuration.trustRootsPath)")
        }

        switch role {
        case .server:
            let mode =
                configuration.requireClientCertificate
                ? (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) : SSL_VERIFY_NONE
            SSL_CTX_set_verify(ctx, mode, nil)
            // Clients see our CA as the acceptable issuer for their certificate.
            if let names = SSL_load_client_CA_file(configuration.trustRootsPath) {
                SSL_CTX_set_client_CA_list(ctx, names)
            }
            skills_SSL_CTX_require_h2(ctx)
            _ = skills_SSL_CTX_set_session_cache_mode(ctx, skills_SSL_SESS_CACHE_SERVER())
            var sessionID: [UInt8] = Array("skills-grpc".utf8)
            SSL_CTX_set_session_id_context(ctx, &sessionID, UInt32(sessionID.count))
        case .client:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            var alpn: [UInt8] = [2, UInt8(ascii: "h"), UInt8(ascii: "2")]
            guard SSL_CTX_set_alpn_protos(ctx, &alpn, UInt32(alpn.count)) == 0 else {
                throw Self.error(.configuration, "cannot set ALPN")
            }
        }
    }

    deinit { SSL_CTX_free(pointer) }

    /// The oldest queued OpenSSL error as text (clears the queue).
    static func lastErrorText() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let code = skills_ERR_get_error_string(&buffer, buffer.count)
        guard code != 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func error(_ kind: TLSError.Kind, _ message: String) -> TLSError {
        let detail = lastErrorText()
        return TLSError(kind: kind, message: detail.isEmpty ? message : "\(message): \(detail)")
    }
}

/// The current TLS context of an endpoint, which can be re-read from its files without a restart
/// (certificate rotation). New connections use the newest context; open ones keep theirs.
public final class TLSContextStore: Sendable {
    private let current: Mutex<OpenSSLContext>

    public init(role: OpenSSLContext.Role, configuration: TLSConfiguration) throws(TLSError) {
        current = Mutex(try OpenSSLContext(role: role, configuration: configuration))
    }

    public var context: OpenSSLContext { current.withLock { $0 } }

    /// Re-reads the certificate, key and trust roots. On failure the old context stays in use.
    public func reload() throws(TLSError) {
        let old = context
        let fresh = try OpenSSLContext(role: old.role, configuration: old.configuration)
        current.withLock { $0 = fresh }
    }
}
