import Schema

/// The verdict on a presented certificate (A4): valid, revoked, unknown or tampered.
public enum VerificationOutcome: Sendable, Equatable {
    /// Issued here, the presented content is what was issued, the signature verifies, not revoked.
    case valid(Certificate)
    /// Genuine (as for `valid`) but revoked.
    case revoked(Certificate)
    /// No certificate with this number was issued here.
    case unknown
    /// The presented content or signature is not what was issued.
    case tampered(TamperReason)

    /// Why a certificate counts as tampered.
    public enum TamperReason: Sendable, Equatable {
        /// The presented signature does not verify over the presented content.
        case badSignature
        /// The presented content differs from the content issued under this number.
        case contentDiffers
        /// The stored record's fields disagree with its own signed content (the store was altered).
        case storedRecordInconsistent
    }

    /// Decides the verdict; pure apart from the signature check.
    ///
    /// - Parameters:
    ///   - stored: the certificate issued under the presented number, or nil if there is none.
    ///   - presentedContent / presentedSignature: what the holder presented.
    ///   - verifier: the public key of the key that signed `stored` (`stored.keyId`).
    ///
    /// Order: no stored certificate -> unknown; presented content differs from the stored content,
    /// or the signature does not verify over the presented content, or the stored fields do not
    /// match the stored content -> tampered; stored revoked -> revoked; else valid. A revoked
    /// certificate whose content was altered is reported as tampered.
    public static func evaluate(
        stored: Certificate?,
        presentedContent: [UInt8],
        presentedSignature: [UInt8],
        verifier: CertificateVerifier
    ) -> VerificationOutcome {
        guard let stored else { return .unknown }
        guard presentedContent == stored.content else { return .tampered(.contentDiffers) }
        guard verifier.verify(content: presentedContent, signature: presentedSignature) else {
            return .tampered(.badSignature)
        }
        guard CertificateContent(stored).bytes() == stored.content else {
            return .tampered(.storedRecordInconsistent)
        }
        return stored.revoked ? .revoked(stored) : .valid(stored)
    }

    /// The contract's status for this verdict.
    public var status: VerifyCertificateResponse.Status {
        switch self {
        case .valid: return .valid
        case .revoked: return .revoked
        case .unknown: return .unknown
        case .tampered: return .tampered
        }
    }

    /// A human-readable explanation.
    public var message: String {
        switch self {
        case .valid(let certificate):
            return "certificate \(certificate.number) is valid"
        case .revoked(let certificate):
            let reason = certificate.revocationReason.isEmpty ? "" : ": \(certificate.revocationReason)"
            return "certificate \(certificate.number) was revoked\(reason)"
        case .unknown:
            return "no certificate with this number was issued"
        case .tampered(.badSignature):
            return "the signature does not match the presented content"
        case .tampered(.contentDiffers):
            return "the presented content differs from the certificate as issued"
        case .tampered(.storedRecordInconsistent):
            return "the stored certificate does not match its signed content"
        }
    }

    /// The contract's response: the certificate as issued only for VALID and REVOKED.
    public func response() -> VerifyCertificateResponse {
        switch self {
        case .valid(let certificate), .revoked(let certificate):
            return VerifyCertificateResponse(status: status, certificate: certificate, message: message)
        case .unknown, .tampered:
            return VerifyCertificateResponse(status: status, certificate: nil, message: message)
        }
    }
}
