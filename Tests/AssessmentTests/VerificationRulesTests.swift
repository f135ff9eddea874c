import PlatformTestSupport
import Schema
import XCTest

/// Verifying and revoking certificates as callers see it (A4): tampered content or signature,
/// unknown and malformed numbers, who may verify, who may revoke, and revocations refused without
/// changing anything. Moved from Tests/Interop/test_assessment.py, which keeps what crosses the
/// wire or the language (issuer from the client certificate, canonical JSON and Ed25519 checked by
/// Python's `cryptography`, the key across restarts, the audit trail on disk).
final class VerificationRulesTests: AssessmentCallsTestCase {
    func testOneChangedByteOfContentIsTampered() async throws {
        let certificate = try await aCertificate()
        let content = certificate.content
        for index in [0, 10, content.count / 2, content.count - 1] {
            let answer = try await verify(certificate.number, flipped(content, at: index), certificate.signature)
            XCTAssertEqual(answer.status, .tampered, "byte \(index): \(answer.message)")
            XCTAssertNil(answer.certificate, "byte \(index)")
        }
        // A forged name, still valid JSON, is tampered too.
        let text = String(decoding: content, as: UTF8.self).replacingOccurrences(of: "李四", with: "王五")
        let forged = try await verify(certificate.number, Array(text.utf8), certificate.signature)
        XCTAssertEqual(forged.status, .tampered, forged.message)
        let original = try await status(of: certificate)
        XCTAssertEqual(original, .valid)
    }

    func testAChangedSignatureOrAnotherCertificatesPairIsTampered() async throws {
        let certificate = try await aCertificate()
        var signatures = [0, 31, 63].map { flipped(certificate.signature, at: $0) }
        signatures += [[], Array(certificate.signature.dropLast())]
        for signature in signatures {
            let answer = try await verify(certificate.number, certificate.content, signature)
            XCTAssertEqual(answer.status, .tampered, answer.message)
        }
        let other = try await aCertificate()
        let swapped = try await verify(certificate.number, other.content, other.signature)
        XCTAssertEqual(swapped.status, .tampered, "another genuine pair under this number")
    }

    func testAnUnknownWellFormedNumberIsUnknownAndNotFound() async throws {
        let certificate = try await aCertificate()
        let number = wellFormedNumber(String(repeating: "0", count: 15) + "1")
        let answer = try await verify(number, certificate.content, certificate.signature)
        XCTAssertEqual(answer.status, .unknown, answer.message)
        XCTAssertNil(answer.certificate)
        let missing = await refusal {
            try await self.client(.finance).getCertificate(GetCertificateRequest(number: number))
        }
        XCTAssertEqual(missing?.code, .notFound)
    }

    func testMalformedNumbersAndATypoAreUnknown() async throws {
        let certificate = try await aCertificate()
        let alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        var characters = Array(certificate.number)
        characters[10] = alphabet.first { $0 != characters[10] } ?? "0"
        let numbers = [
            "", "garbage", "DZ-2026-", "dz-2026-0000000000000001X", "DZ-2026-0000000000000000Z",
            "DZ-2026-00000000000000001", "DZ-2026-0000000000000001&", String(characters),
        ]
        for number in numbers {
            let answer = try await verify(number, certificate.content, certificate.signature)
            XCTAssertEqual(answer.status, .unknown, "\(number): \(answer.message)")
        }
    }

    func testEveryVerifyingRoleMayVerify() async throws {
        let certificate = try await aCertificate()
        let callers: [TestCaller] = [
            .finance, .hrss, .institution(), .enterprise, .workerPortal, .socialInsurance,
        ]
        for caller in callers {
            let answer = try await status(of: certificate, as: caller)
            XCTAssertEqual(answer, .valid, caller.role)
        }
    }

    func testHrssMayRevokeAndTheRevocationShowsAtOnce() async throws {
        let certificate = try await aCertificate()
        let revoked = try await revoke(certificate.number, reason: "复核不合格", as: .hrss)
        XCTAssertTrue(revoked.revoked)
        XCTAssertEqual(revoked.revocationReason, "复核不合格")
        let answer = try await verify(certificate.number, certificate.content, certificate.signature)
        XCTAssertEqual(answer.status, .revoked, answer.message)
        XCTAssertTrue(answer.message.contains("复核不合格"), answer.message)
        let altered = try await verify(certificate.number, flipped(certificate.content, at: 5), certificate.signature)
        XCTAssertEqual(altered.status, .tampered, "a revoked certificate with altered content")
    }

    func testASecondRevocationIsRefusedAndKeepsTheFirstReason() async throws {
        let certificate = try await aCertificate()
        _ = try await revoke(certificate.number, reason: "first")
        let refused = await refusal { try await self.revoke(certificate.number, reason: "second") }
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertTrue(refused?.message.contains("already revoked") ?? false, "\(String(describing: refused))")
        let stored = try await client(.finance).getCertificate(GetCertificateRequest(number: certificate.number))
        XCTAssertEqual(stored.revocationReason, "first")
    }

    func testARevocationNeedsAReasonTheRightRoleAndAKnownCertificate() async throws {
        let certificate = try await aCertificate()
        for reason in ["", "   "] {
            let refused = await refusal { try await self.revoke(certificate.number, reason: reason) }
            XCTAssertEqual(refused?.code, .invalidArgument, "reason '\(reason)'")
            XCTAssertTrue(refused?.message.contains("reason") ?? false, "\(String(describing: refused))")
        }
        for caller in [TestCaller.finance, .institution(), .workerPortal] {
            let refused = await refusal { try await self.revoke(certificate.number, reason: "不该由我撤销", as: caller) }
            XCTAssertEqual(refused?.code, .permissionDenied, caller.role)
        }
        let stillValid = try await status(of: certificate)
        XCTAssertEqual(stillValid, .valid, "the refused revocations changed nothing")
        let unknown = await refusal {
            try await self.revoke(self.wellFormedNumber(String(repeating: "0", count: 14) + "77"), reason: "x")
        }
        XCTAssertEqual(unknown?.code, .notFound)
    }

    func testARetriedRevocationReturnsTheFirstAnswer() async throws {
        let certificate = try await aCertificate()
        let request = RevokeCertificateRequest(requestId: rid(), number: certificate.number, reason: "重复请求")
        let first = try await client().revokeCertificate(request, options: day)
        let again = try await client().revokeCertificate(request, options: day)
        XCTAssertEqual(again, first)
    }
}
