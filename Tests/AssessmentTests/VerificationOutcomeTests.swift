import AssessmentCore
import Schema
import XCTest

final class VerificationOutcomeTests: XCTestCase {
    func testOutcomeTable() throws {
        let signer = try CertificateSigner.generate()
        let verifier = try signer.verifier()
        let other = try CertificateSigner.generate()
        let issued = sampleCertificate(signer: signer, number: try CertificateNumber.generate(year: 2020))
        var revoked = issued
        revoked.revoked = true
        revoked.revocationReason = "obtained by fraud"

        var flipped = issued.content
        flipped[flipped.count / 2] ^= 0x01
        var badSignature = issued.signature
        badSignature[0] ^= 0x01
        // Content re-signed by someone else's key: genuine-looking, but not ours.
        var forged = CertificateContent(issued)
        forged.level = .l1SeniorTechnician
        let forgedBytes = forged.bytes()
        // The store was altered: the row says level 1, its signed content says level 4.
        var alteredRow = issued
        alteredRow.level = .l1SeniorTechnician

        struct Row {
            let name: String
            let stored: Certificate?
            let content: [UInt8]
            let signature: [UInt8]
            let expected: VerificationOutcome
        }
        let rows: [Row] = [
            Row(
                name: "valid", stored: issued, content: issued.content, signature: issued.signature,
                expected: .valid(issued)),
            Row(
                name: "revoked", stored: revoked, content: issued.content, signature: issued.signature,
                expected: .revoked(revoked)),
            Row(name: "unknown", stored: nil, content: issued.content, signature: issued.signature, expected: .unknown),
            Row(name: "unknown, garbage", stored: nil, content: [], signature: [], expected: .unknown),
            Row(
                name: "one byte flipped", stored: issued, content: flipped, signature: issued.signature,
                expected: .tampered(.contentDiffers)),
            Row(
                name: "signature flipped", stored: issued, content: issued.content, signature: badSignature,
                expected: .tampered(.badSignature)),
            Row(
                name: "no signature", stored: issued, content: issued.content, signature: [],
                expected: .tampered(.badSignature)),
            Row(
                name: "other key, same content", stored: issued, content: issued.content,
                signature: other.sign(issued.content), expected: .tampered(.badSignature)),
            Row(
                name: "other content signed by us", stored: issued, content: forgedBytes,
                signature: signer.sign(forgedBytes), expected: .tampered(.contentDiffers)),
            Row(
                name: "revoked and tampered", stored: revoked, content: flipped, signature: issued.signature,
                expected: .tampered(.contentDiffers)),
            Row(
                name: "revoked, bad signature", stored: revoked, content: issued.content, signature: badSignature,
                expected: .tampered(.badSignature)),
            Row(
                name: "store altered", stored: alteredRow, content: issued.content, signature: issued.signature,
                expected: .tampered(.storedRecordInconsistent)),
        ]
        for row in rows {
            let outcome = VerificationOutcome.evaluate(
                stored: row.stored, presentedContent: row.content, presentedSignature: row.signature, verifier: verifier
            )
            XCTAssertEqual(outcome, row.expected, row.name)
        }
    }

    func testResponseMapping() throws {
        let signer = try CertificateSigner.generate()
        let issued = sampleCertificate(signer: signer)
        let cases: [(VerificationOutcome, VerifyCertificateResponse.Status, Bool)] = [
            (.valid(issued), .valid, true),
            (.revoked(issued), .revoked, true),
            (.unknown, .unknown, false),
            (.tampered(.badSignature), .tampered, false),
            (.tampered(.contentDiffers), .tampered, false),
            (.tampered(.storedRecordInconsistent), .tampered, false),
        ]
        for (outcome, status, hasCertificate) in cases {
            let response = outcome.response()
            XCTAssertEqual(outcome.status, status)
            XCTAssertEqual(response.status, status)
            XCTAssertEqual(response.certificate != nil, hasCertificate, "\(outcome)")
            XCTAssertFalse(response.message.isEmpty)
            // The response survives the wire.
            XCTAssertEqual(try VerifyCertificateResponse(serializedBytes: response.serializedBytes()), response)
        }
    }
}
