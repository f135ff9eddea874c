import Foundation
import Schema
import TestLauncher
import XCTest

/// Bytes written by Python `protobuf` classes generated from the same Protos/ (grpcio-tools) decode
/// in Swift to the same values, and the reverse, for a message of every service.
final class CrossImplementationTests: XCTestCase {
    func testPythonAndSwiftAgree() throws {
        let root = Launcher.packageRoot
        guard let python = Launcher.python(probing: "import grpc_tools, google.protobuf") else {
            throw XCTSkip("no Python with grpc_tools: run `make test`, or set SKILLS_PYTHON")
        }
        let script = root.appendingPathComponent("Tests/SchemaTests/python/crossimpl.py").path
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "crossimpl-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // Swift -> Python.
        for fixture in CrossImplementationFixtures.all {
            try Data(fixture.message.serializedBytes())
                .write(to: directory.appendingPathComponent("swift_\(fixture.name).bin"))
        }
        let check = try Launcher.run(python, [script, "check", directory.path])
        XCTAssertEqual(check.status, 0, "Python rejected Swift's bytes:\n\(check.output)")

        // Python -> Swift.
        let write = try Launcher.run(python, [script, "write", directory.path])
        XCTAssertEqual(write.status, 0, write.output)
        for fixture in CrossImplementationFixtures.all {
            let bytes = try Data(contentsOf: directory.appendingPathComponent("py_\(fixture.name).bin"))
            try assertDecodes(fixture.message, from: [UInt8](bytes), name: fixture.name)
            // Both encoders write fields in field-number order, so the bytes agree too.
            XCTAssertEqual(
                fixture.message.serializedBytes(), [UInt8](bytes), "\(fixture.name): Swift and Python bytes differ")
        }
    }

    private func assertDecodes<M: ProtoMessage>(_ expected: M, from bytes: [UInt8], name: String) throws {
        let decoded = try M(serializedBytes: bytes)
        XCTAssertEqual(decoded, expected, "\(name) written by Python decodes to a different value")
    }

}

/// The values `Tests/SchemaTests/python/crossimpl.py` builds; keep the two in step.
enum CrossImplementationFixtures {
    struct Fixture {
        let name: String
        let message: any ProtoMessage
    }

    static let occupation = Occupation(code: "4-10-01-01", name: "家政服务员")

    static let all: [Fixture] = [
        Fixture(
            name: "RegisterWorkerRequest",
            message: RegisterWorkerRequest(
                requestId: "req-0001",
                worker: Worker(
                    id: "w-1", idNumber: "37140219900101123X", name: "张三", phone: "13800000000",
                    hukou: .rural,
                    categories: [
                        CategoryFact(
                            category: .g6TwoAfterYouth, attested: true, attestedByRole: "civil-affairs",
                            attestedBy: "cn=mz-01",
                            attestedAt: Google_Protobuf_Timestamp(seconds: 1_577_836_800, nanos: 500),
                            lowIncomeFamily: true, rural: true, validUntil: CalendarDate(year: 2021, month: 12, day: 31)
                        ),
                        CategoryFact(category: .g14Veteran, evidenceReference: "TY-2019-88"),
                    ],
                    birthDate: CalendarDate(year: 2003, month: 5, day: 17), district: "371402", version: 3,
                    createdAt: Google_Protobuf_Timestamp(seconds: 1_546_300_800)))),
        Fixture(name: "GetWorkerRequest", message: GetWorkerRequest(key: .idNumber("37140219900101123X"))),
        Fixture(
            name: "SelectOfferingResponse",
            message: SelectOfferingResponse(
                enrollment: Enrollment(
                    id: "e-9", workerId: "w-1", offeringId: "o-7", institutionId: "i-3", state: .selected,
                    learning: [
                        LearningTime(channel: .offline, minutes: 120), LearningTime(channel: .wechat, minutes: 45),
                    ],
                    attendancePercent: 87, completionDate: CalendarDate(year: 2020, month: 6, day: 30),
                    selectedAt: Google_Protobuf_Timestamp(seconds: 1_590_000_000)),
                eligibility: EligibilityPreview(
                    eligible: false, refusingRuleIds: ["R3", "R4"], message: "每人每年不超过3次 / at most 3 a year",
                    estimatedSubsidyFen: 120_000, freeForWorker: true, livingAllowance: true))),
        Fixture(
            name: "Certificate",
            message: Certificate(
                number: "DZ-2020-000123", kind: .skillLevel, level: .l4IntermediateWorker,
                workerId: "w-1", workerIdNumber: "37140219900101123X", workerName: "张三", occupation: occupation,
                issuedAt: Google_Protobuf_Timestamp(seconds: 1_593_500_000, nanos: 123_456_789), issuer: "德州市职业技能鉴定中心",
                content: [0, 1, 254, 255] + Array("证书".utf8), signature: (0..<64).map { UInt8(($0 * 7) % 256) },
                keyId: "k1", revoked: true, revocationReason: "fraud",
                revokedAt: Google_Protobuf_Timestamp(seconds: 1_600_000_000))),
        Fixture(
            name: "VerifyCertificateResponse",
            message: VerifyCertificateResponse(
                status: .tampered, message: "signature mismatch")),
        Fixture(
            name: "SubmitClaimResponse",
            message: SubmitClaimResponse(
                claim: Claim(
                    id: "c-1", enrollmentId: "e-9", workerId: "w-1", offeringId: "o-7", institutionId: "i-3",
                    certificateNumber: "DZ-2020-000123", occupation: occupation, level: .l4IntermediateWorker,
                    offeringKind: .projectBased, completionDate: CalendarDate(year: 2020, month: 6, day: 30),
                    decision: Decision(
                        eligible: true, amountFen: 150_000, payeeKind: .institution, payeeId: "i-3",
                        tranches: [
                            Tranche(
                                id: "t-1", index: 0, amountFen: 90_000, state: .payable, condition: "R7: delivered"),
                            Tranche(
                                id: "t-2", index: 1, amountFen: 60_000, state: .held,
                                condition: "R7: employment rate >= 85%"),
                        ],
                        livingAllowanceFen: 30_000, policyVersion: "dezhou-2019-2021.1",
                        trace: [
                            TraceLine(ruleId: "R1", zh: "同类工种同一等级同等补贴", en: "one standard"),
                            TraceLine(ruleId: "R7", zh: "项目制培训", en: "project-based"),
                        ],
                        standardFen: 150_000, subsidyYear: 2020),
                    submittedAt: Google_Protobuf_Timestamp(seconds: 1_594_000_000), submittedBy: "cn=matching"))),
        Fixture(
            name: "EchoRequest",
            message: Skills_Testing_V1_EchoRequest(
                text: "héllo 世界", payload: (0...255).map { UInt8($0) }, failWithCode: -5, failWithMessage: "x",
                repeat: 3, delayMs: 2_147_483_647)),
    ]
}
