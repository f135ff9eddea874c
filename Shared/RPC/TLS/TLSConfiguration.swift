/// Where a TLS endpoint finds its certificate, key and trust roots (PEM files).
public struct TLSConfiguration: Sendable, Hashable {
    /// The certificate chain presented to the peer (leaf first).
    public var certificateChainPath: String
    /// The private key of the leaf certificate.
    public var privateKeyPath: String
    /// The CA bundle that peers' certificates must chain to.
    public var trustRootsPath: String
    /// Servers: require and verify a client certificate (mutual TLS). On by default.
    public var requireClientCertificate: Bool

    public init(
        certificateChainPath: String, privateKeyPath: String, trustRootsPath: String,
        requireClientCertificate: Bool = true
    ) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
        self.requireClientCertificate = requireClientCertificate
    }

    /// The development certificates made by `Deploy/certs/make-dev-certs.sh` for `name`
    /// (a service such as `registration`, or a role such as `hrss`).
    public static func development(_ name: String, directory: String) -> TLSConfiguration {
        TLSConfiguration(
            certificateChainPath: "\(directory)/\(name).pem",
            privateKeyPath: "\(directory)/\(name).key",
            trustRootsPath: "\(directory)/ca.pem")
    }
}

/// A TLS failure, with the text OpenSSL gave for it.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case configuration
        case handshake
        case noApplicationProtocol
        case io
    }
    public let kind: Kind
    public let message: String
    public var description: String { message }
}
