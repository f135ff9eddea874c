import AssessmentCore
import Foundation
import Schema
import XCTest

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory(_ name: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent(
            "assess-\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// A certificate with every signed field set, its content and signature filled in by `signer`.
func sampleCertificate(signer: CertificateSigner, number: String = "DZ-2020-0000000000000000", revoked: Bool = false)
    -> Certificate
{
    var certificate = Certificate(
        number: number, kind: .skillLevel, level: .l4IntermediateWorker,
        workerId: "w-1", workerIdNumber: "37140219900101123X", workerName: "张三",
        occupation: Occupation(code: "4-10-01-01", name: "家政服务员"),
        issuedAt: Google_Protobuf_Timestamp(seconds: 1_588_321_800, nanos: 0),
        issuer: "德州市职业技能鉴定中心", assessmentId: "as-1", enrollmentId: "en-1"
    )
    certificate.content = CertificateContent(certificate).bytes()
    certificate.signature = signer.sign(certificate.content)
    certificate.keyId = signer.keyID
    if revoked {
        certificate.revoked = true
        certificate.revocationReason = "obtained by fraud"
        certificate.revokedAt = Google_Protobuf_Timestamp(seconds: 1_600_000_000, nanos: 0)
    }
    return certificate
}
