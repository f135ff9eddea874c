import AssessmentCore
import Schema
import XCTest

final class CertificateContentTests: XCTestCase {
    func testGoldenBytes() throws {
        let content = CertificateContent(
            number: "DZ-2020-0000000000000000", kind: .skillLevel, level: .l4IntermediateWorker,
            workerId: "w-1", workerIdNumber: "37140219900101123X", workerName: "张三",
            occupationCode: "4-10-01-01", occupationName: "家政服务员",
            issuedAt: Google_Protobuf_Timestamp(seconds: 1_588_321_800, nanos: 0),
            issuer: "鉴定中心", assessmentId: "as-1", enrollmentId: ""
        )
        let expected =
            #"{"assessment_id":"as-1","enrollment_id":"","format":"skills.v1.certificate-content/1","#
            + #""issued_at":"2020-05-01T08:30:00Z","issuer":"鉴定中心","kind":"CERTIFICATE_KIND_SKILL_LEVEL","#
            + #""level":4,"number":"DZ-2020-0000000000000000","occupation_code":"4-10-01-01","#
            + #""occupation_name":"家政服务员","worker_id":"w-1","worker_id_number":"37140219900101123X","#
            + #""worker_name":"张三"}"#
        XCTAssertEqual(String(decoding: content.bytes(), as: UTF8.self), expected)
        XCTAssertEqual(try CertificateContent(bytes: content.bytes()), content)
    }

    func testCoversEverySignedFieldOfCertificate() throws {
        let signer = try CertificateSigner.generate()
        let certificate = sampleCertificate(signer: signer, revoked: true)
        let content = try CertificateContent(bytes: certificate.content)
        var rebuilt = Certificate()
        content.apply(to: &rebuilt)
        // Everything but the unsigned fields comes back.
        var expected = certificate
        expected.content = []
        expected.signature = []
        expected.keyId = ""
        expected.revoked = false
        expected.revocationReason = ""
        expected.revokedAt = nil
        XCTAssertEqual(rebuilt, expected)
        // Changing any signed field changes the bytes.
        let base = CertificateContent(certificate)
        var variants: [CertificateContent] = []
        func vary(_ change: (inout CertificateContent) -> Void) {
            var copy = base
            change(&copy)
            variants.append(copy)
        }
        vary { $0.number = "DZ-2020-1" }
        vary { $0.kind = .occupationalQualification }
        vary { $0.level = .l3SeniorWorker }
        vary { $0.workerId = "w-2" }
        vary { $0.workerIdNumber = "37140219900101124X" }
        vary { $0.workerName = "李四" }
        vary { $0.occupationCode = "4-10-01-02" }
        vary { $0.occupationName = "保育员" }
        vary { $0.issuedAt = Google_Protobuf_Timestamp(seconds: 1_588_321_801, nanos: 0) }
        vary { $0.issuer = "other" }
        vary { $0.assessmentId = "as-2" }
        vary { $0.enrollmentId = "en-2" }
        for variant in variants {
            XCTAssertNotEqual(variant.bytes(), base.bytes(), "\(variant)")
        }
    }

    func testEscapingAndTimestamps() throws {
        var content = CertificateContent(number: "a\"b\\c\n\t\u{01}/é", kind: .trainingCompletion)
        content.issuedAt = Google_Protobuf_Timestamp(seconds: 0, nanos: 500_000_000)
        let text = String(decoding: content.bytes(), as: UTF8.self)
        XCTAssertTrue(text.contains(#""number":"a\"b\\c\n\t\u0001/é""#), text)
        XCTAssertTrue(text.contains(#""issued_at":"1970-01-01T00:00:00.500Z""#), text)
        XCTAssertTrue(text.contains(#""level":0"#), text)
        XCTAssertEqual(try CertificateContent(bytes: content.bytes()), content)

        let cases: [(Int64, Int32, String)] = [
            (1_588_321_800, 0, "2020-05-01T08:30:00Z"),
            (1_588_321_800, 123_000_000, "2020-05-01T08:30:00.123Z"),
            (1_588_321_800, 123_456_000, "2020-05-01T08:30:00.123456Z"),
            (1_588_321_800, 1, "2020-05-01T08:30:00.000000001Z"),
            (951_782_400, 0, "2000-02-29T00:00:00Z"),
            (-62_135_596_800, 0, "0001-01-01T00:00:00Z"),
            (253_402_300_799, 0, "9999-12-31T23:59:59Z"),
        ]
        for (seconds, nanos, expected) in cases {
            let content = CertificateContent(issuedAt: Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos))
            XCTAssertTrue(
                String(decoding: content.bytes(), as: UTF8.self).contains("\"issued_at\":\"\(expected)\""), expected)
            XCTAssertEqual(try CertificateContent(bytes: content.bytes()).issuedAt, content.issuedAt, expected)
        }
        // Unset time is "".
        XCTAssertTrue(String(decoding: CertificateContent().bytes(), as: UTF8.self).contains(#""issued_at":"""#))
        XCTAssertNil(try CertificateContent(bytes: CertificateContent().bytes()).issuedAt)
    }

    func testNonCanonicalBytesAreRejected() throws {
        let good = String(
            decoding: CertificateContent(number: "n", kind: .skillLevel, level: .l1SeniorTechnician).bytes(),
            as: UTF8.self)
        let bad: [String] = [
            "",
            "{}",
            good + " ",
            good.replacingOccurrences(of: ",", with: ", "),
            good.replacingOccurrences(of: #""number":"n""#, with: #""number":"\u006e""#),
            good.replacingOccurrences(of: #""level":1"#, with: #""level":01"#),
            good.replacingOccurrences(of: #""level":1"#, with: #""level":"1""#),
            good.replacingOccurrences(of: "CERTIFICATE_KIND_SKILL_LEVEL", with: "SKILL_LEVEL"),
            good.replacingOccurrences(of: "certificate-content/1", with: "certificate-content/2"),
            good.replacingOccurrences(of: #"{"assessment_id":"","#, with: "{"),
            good.replacingOccurrences(of: #"{"assessment_id":"","#, with: #"{"assessment_id":"","assessment_id":"","#),
            good.replacingOccurrences(of: #"{"assessment_id":"","#, with: #"{"a":"","assessment_id":"","#),
            // Keys out of order.
            good.replacingOccurrences(
                of: #"{"assessment_id":"","enrollment_id":"","#, with: #"{"enrollment_id":"","assessment_id":"","#),
            good.replacingOccurrences(of: #""issued_at":"""#, with: #""issued_at":"2020-02-30T00:00:00Z""#),
            good.replacingOccurrences(of: #""issued_at":"""#, with: #""issued_at":"2020-01-01T00:00:00.50Z""#),
        ]
        for text in bad {
            XCTAssertThrowsError(try CertificateContent(bytes: Array(text.utf8)), text)
        }
        var invalidUTF8 = Array(good.utf8)
        invalidUTF8.insert(0xFF, at: invalidUTF8.count - 3)
        XCTAssertThrowsError(try CertificateContent(bytes: invalidUTF8))
    }
}
