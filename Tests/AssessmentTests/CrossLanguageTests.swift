import AssessmentCore
import Foundation
import Schema
import TestLauncher
import XCTest

/// A certificate signed here verifies in Python with `cryptography` and only the public key PEM:
/// the signature, the key format and the content encoding are all standard.
final class CrossLanguageTests: XCTestCase {
    func testPythonVerifiesWithOnlyThePublicKey() throws {
        let root = Launcher.packageRoot
        guard let python = Launcher.python(probing: "import cryptography.hazmat.primitives.asymmetric.ed25519") else {
            throw XCTSkip("no Python with cryptography: run `make test`, or set SKILLS_PYTHON")
        }
        let script = root.appendingPathComponent("Tests/AssessmentTests/python/verify_certificate.py").path
        let directory = try makeTemporaryDirectory("python")
        defer { try? FileManager.default.removeItem(at: directory) }

        let signer = try CertificateSigner.generate()
        let certificate = sampleCertificate(signer: signer, number: try CertificateNumber.generate(year: 2020))
        let key = directory.appendingPathComponent("key.pem")
        let content = directory.appendingPathComponent("content.json")
        let signature = directory.appendingPathComponent("signature.bin")
        try Data(signer.publicKeyPEM.utf8).write(to: key)
        try Data(certificate.content).write(to: content)
        try Data(certificate.signature).write(to: signature)

        let valid = try Launcher.run(python, [script, key.path, content.path, signature.path, "--canonical"])
        XCTAssertEqual(valid.status, 0, valid.output)
        XCTAssertTrue(valid.output.contains(signer.keyID), "Python computes the same key id:\n\(valid.output)")
        XCTAssertTrue(valid.output.contains(certificate.number), valid.output)

        var tampered = certificate.content
        tampered[tampered.count / 2] ^= 0x01
        try Data(tampered).write(to: content)
        let result = try Launcher.run(python, [script, key.path, content.path, signature.path])
        XCTAssertEqual(result.status, 1, result.output)

        // The genuine content under another service's key is not valid either.
        try Data(certificate.content).write(to: content)
        try Data(try CertificateSigner.generate().publicKeyPEM.utf8).write(to: key)
        let wrongKey = try Launcher.run(python, [script, key.path, content.path, signature.path])
        XCTAssertEqual(wrongKey.status, 1, wrongKey.output)
    }

}
