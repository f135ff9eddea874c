import AssessmentCore
import Foundation
import Schema
import XCTest

final class SigningTests: XCTestCase {
    func testSignVerifyRoundTrip() throws {
        let signer = try CertificateSigner.generate()
        let verifier = try signer.verifier()
        let content = Array("{\"number\":\"DZ-2020-1\"}".utf8)
        let signature = signer.sign(content)
        XCTAssertEqual(signature.count, 64)
        XCTAssertTrue(verifier.verify(content: content, signature: signature))
        // Ed25519 is deterministic.
        XCTAssertEqual(signer.sign(content), signature)
        // Empty content signs and verifies too.
        XCTAssertTrue(verifier.verify(content: [], signature: signer.sign([])))
        XCTAssertEqual(verifier.keyID, signer.keyID)
    }

    func testFlippedByteInContentOrSignatureFails() throws {
        let signer = try CertificateSigner.generate()
        let verifier = try signer.verifier()
        let content = CertificateContent(sampleCertificate(signer: signer)).bytes()
        let signature = signer.sign(content)
        for index in [0, content.count / 2, content.count - 1] {
            var tampered = content
            tampered[index] ^= 0x01
            XCTAssertFalse(verifier.verify(content: tampered, signature: signature), "byte \(index)")
        }
        var badSignature = signature
        badSignature[10] ^= 0x80
        XCTAssertFalse(verifier.verify(content: content, signature: badSignature))
        XCTAssertFalse(verifier.verify(content: content, signature: Array(signature.prefix(63))))
        XCTAssertFalse(verifier.verify(content: content, signature: signature + [0]))
        XCTAssertFalse(verifier.verify(content: content, signature: []))
    }

    func testWrongKeyFails() throws {
        let signer = try CertificateSigner.generate()
        let other = try CertificateSigner.generate()
        XCTAssertNotEqual(signer.keyID, other.keyID)
        let content = Array("certificate".utf8)
        XCTAssertFalse(try other.verifier().verify(content: content, signature: signer.sign(content)))
    }

    func testKeyPersistsAcrossRestarts() throws {
        let directory = try makeTemporaryDirectory("key")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("signing-key.pem").path

        let first = try CertificateSigner.loadOrCreate(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let pem = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(pem.hasPrefix(Self.pemHeader("BEGIN")), pem)
        // No temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["signing-key.pem"])

        let second = try CertificateSigner.loadOrCreate(at: path)
        XCTAssertEqual(second.keyID, first.keyID)
        XCTAssertEqual(second.publicKeyPEM, first.publicKeyPEM)
        let reloaded = try CertificateSigner(contentsOfFile: path)
        XCTAssertEqual(reloaded.keyID, first.keyID)
        let content = Array("same key".utf8)
        XCTAssertTrue(try first.verifier().verify(content: content, signature: second.sign(content)))
    }

    func testMissingDirectoryAndBadKeysAreErrors() throws {
        XCTAssertThrowsError(
            try CertificateSigner.loadOrCreate(at: "/nonexistent-dir-\(UInt32.random(in: 0...UInt32.max))/key.pem")
        ) { error in
            guard case SigningError.io = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try CertificateSigner(privateKeyPEM: "not a key")) { error in
            guard case SigningError.openssl = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(
            try CertificateVerifier(publicKeyPEM: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
        // A P-256 key is rejected as the wrong type.
        let p256 = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEy3fRPCv/Wk71D5mdMY5MA+AmElDJ
            VpBbKYfAnb0WkYiVeVoknt7kcTJE9jhsk7cbscBDusiHevrtHCTnPNKnJA==
            -----END PUBLIC KEY-----
            """
        XCTAssertThrowsError(try CertificateVerifier(publicKeyPEM: p256)) { error in
            XCTAssertEqual(error as? SigningError, .wrongKeyType("public key"))
        }
    }

    func testPublicKeyPEMAndKeyID() throws {
        let signer = try CertificateSigner.generate()
        let pem = signer.publicKeyPEM
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"), pem)
        XCTAssertTrue(pem.hasSuffix("-----END PUBLIC KEY-----\n"), pem)
        // Ed25519 SubjectPublicKeyInfo: 12-byte header + 32-byte key.
        XCTAssertEqual(signer.publicKeyDER.count, 44)
        XCTAssertEqual(
            Array(signer.publicKeyDER.prefix(12)),
            [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00])
        let verifier = try CertificateVerifier(publicKeyPEM: pem)
        XCTAssertEqual(verifier.keyID, signer.keyID)
        XCTAssertEqual(verifier.publicKeyPEM, pem)
        XCTAssertEqual(signer.keyID.count, 16)
        XCTAssertTrue(signer.keyID.allSatisfy { "0123456789abcdef".contains($0) }, signer.keyID)
        let key = signer.signingKey()
        XCTAssertEqual(key.algorithm, "ed25519")
        XCTAssertEqual(key.keyId, signer.keyID)
        XCTAssertEqual(key.publicKeyPem, pem)
    }

    static func pemHeader(_ word: String) -> String { "-----\(word) " + "PRIVATE KEY-----" }

    func testKnownKeyFromRFC8032() throws {
        // RFC 8032 section 7.1, TEST 1: the published secret key 9d61b19d..., empty message. The PEM
        // is assembled here (PKCS#8 prefix for Ed25519 + the 32-byte seed) so that no key file,
        // not even a public test vector, sits in the repository as such.
        let pem =
            Self.pemHeader("BEGIN") + "\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
            + Self.pemHeader("END") + "\n"
        let signer = try CertificateSigner(privateKeyPEM: pem)
        XCTAssertEqual(
            Array(signer.publicKeyDER.suffix(32)),
            hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        XCTAssertEqual(
            signer.sign([]),
            hex(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
            ))
    }

    func testConcurrentSigningFromEightTasks() async throws {
        let signer = try CertificateSigner.generate()
        let verifier = try signer.verifier()
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var failures = 0
                    for index in 0..<500 {
                        let content = Array("task \(task) certificate \(index)".utf8)
                        let signature = signer.sign(content)
                        if signature.count != 64 || !verifier.verify(content: content, signature: signature) {
                            failures += 1
                        }
                        if verifier.verify(content: content + [1], signature: signature) { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        XCTAssertEqual(failures, 0)
    }

    private func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
