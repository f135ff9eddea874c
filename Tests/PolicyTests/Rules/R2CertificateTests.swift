import XCTest

@testable import Policy

/// Shared/Policy/Rules/R2Certificate.swift alone.
final class R2CertificateTests: XCTestCase {
    func testGrantsAVerifiedCertificateFromThisTraining() {
        let v = R2Certificate.check(RuleFile.facts())
        XCTAssertEqual(v.line.outcome, .passed)
        XCTAssertTrue(v.line.en.hasPrefix("R2: verified "), v.line.en)
        XCTAssertTrue(v.line.en.hasSuffix("C1 from this training, level 4 (intermediate): pay first, reimburse after"))
    }

    func testGrantsAHigherLevelThanEnrolled() {
        XCTAssertFalse(R2Certificate.check(RuleFile.facts(certificate: Fx.certificate(level: 3))).refuses)
    }

    func testRefusesWithoutCertificate() {
        let v = R2Certificate.check(RuleFile.facts(certificate: nil))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(
            v.line.en, "R2: no certificate from this training; the subsidy is paid only after one is obtained")
    }

    func testRefusalListsEveryReasonInOrder() {
        let v = R2Certificate.check(RuleFile.facts(certificate: Fx.certificate(verified: false, revoked: true)))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(v.line.en, "R2: certificate C1 is not verified; certificate C1 is revoked")
        XCTAssertEqual(v.line.zh, "R2: 证书C1未经核验；证书C1已被撤销")
    }

    func testRefusesALowerLevelThanEnrolled() {
        let v = R2Certificate.check(RuleFile.facts(certificate: Fx.certificate(level: 5)))
        XCTAssertTrue(v.refuses)
        XCTAssertEqual(v.line.en, "R2: certificate level 5 (junior) is below the training's level 4 (intermediate)")
    }
}
