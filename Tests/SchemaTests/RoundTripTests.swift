import Foundation
import NIOCore
import Schema
import XCTest

/// Every message type of the schema encodes and decodes back to an equal value.
final class RoundTripTests: XCTestCase {
    func testSamplesCoverEveryMessageType() {
        XCTAssertEqual(SampleMessages.all.count, SchemaCatalog.messageTypes.count)
        for (sample, type) in zip(SampleMessages.all, SchemaCatalog.messageTypes) {
            XCTAssertEqual(protoName(of: sample), type.protoName)
        }
    }

    func testEveryMessageRoundTrips() throws {
        for sample in SampleMessages.all {
            try assertRoundTrip(sample)
        }
    }

    func testEmptyMessagesEncodeToZeroBytes() throws {
        for type in SchemaCatalog.messageTypes {
            try assertEmpty(type)
        }
    }

    func testByteBufferEncodingMatchesArrayEncoding() throws {
        let sample = SampleMessages.skills_v1_SubmitClaimResponse
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        sample.encode(into: &buffer) { buffer, size in
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(size))
        }
        XCTAssertEqual(buffer.readInteger(as: UInt8.self), 0)
        XCTAssertEqual(buffer.readInteger(as: UInt32.self).map(Int.init), sample.serializedSize)
        XCTAssertEqual(Array(buffer.readableBytesView), sample.serializedBytes())
        XCTAssertEqual(try SubmitClaimResponse(buffer: buffer), sample)
    }

    /// Decoding allocates protobuf-c's tree from an arena: a tree far larger than its first chunk
    /// (sub-messages, strings and arrays of every size, one string larger than a chunk) decodes whole.
    func testATreeLargerThanTheArenasChunksDecodesWhole() throws {
        let claims = (0..<300).map { index in
            var claim = SampleMessages.skills_v1_Claim
            claim.id = "c\(index)"
            claim.workerId = String(repeating: "w", count: index * 7)
            return claim
        }
        var large = ListClaimsResponse()
        large.claims = claims
        large.nextPageToken = String(repeating: "t", count: 20_000)
        let decoded = try ListClaimsResponse(serializedBytes: large.serializedBytes())
        XCTAssertEqual(decoded, large)
        XCTAssertEqual(decoded.claims.last?.workerId.count, 299 * 7)
    }

    func testOneofCasesRoundTrip() throws {
        let byId = GetWorkerRequest(key: .workerId("w-1"))
        let byNumber = GetWorkerRequest(key: .idNumber("37140219900101123X"))
        let emptyCase = GetWorkerRequest(key: .workerId(""))
        XCTAssertEqual(try GetWorkerRequest(serializedBytes: byId.serializedBytes()), byId)
        XCTAssertEqual(try GetWorkerRequest(serializedBytes: byNumber.serializedBytes()), byNumber)
        // An empty string in a oneof is still a set case (presence is part of the value).
        XCTAssertEqual(emptyCase.serializedBytes(), [0x0A, 0x00])
        XCTAssertEqual(try GetWorkerRequest(serializedBytes: emptyCase.serializedBytes()), emptyCase)
        XCTAssertEqual(try GetWorkerRequest(serializedBytes: []), GetWorkerRequest())
    }

    func testEnumNamesAndAllCases() {
        XCTAssertEqual(WorkerCategory.allCases.count, 18)
        XCTAssertEqual(WorkerCategory.g1EnterpriseEmployee.rawValue, 1)
        XCTAssertEqual(WorkerCategory.g17Entrepreneur.protoName, "WORKER_CATEGORY_G17_ENTREPRENEUR")
        XCTAssertEqual(SkillLevel(rawValue: 5), .l5JuniorWorker)
        XCTAssertEqual(VerifyCertificateResponse.Status.tampered.rawValue, 4)
        XCTAssertEqual(Grpc_Health_V1_HealthCheckResponse.ServingStatus(rawValue: 2), .notServing)
        XCTAssertFalse(Hukou(rawValue: 42).isRecognized)
        XCTAssertEqual(Hukou(rawValue: 42), .unrecognized(42))
    }

    func testServiceDescriptors() {
        XCTAssertEqual(PaymentService.Method.submitClaim.descriptor.path, "/skills.v1.PaymentService/SubmitClaim")
        XCTAssertEqual(PaymentService.Method.exportLedger.descriptor.kind, .serverStreaming)
        XCTAssertEqual(RegistrationService.Method.listWorkers.descriptor.kind, .serverStreaming)
        XCTAssertEqual(MatchingService.Method.listOfferings.descriptor.kind, .serverStreaming)
        XCTAssertTrue(PaymentService.Method.disburse.descriptor.isIdempotent)
        XCTAssertTrue(AssessmentService.Method.verifyCertificate.descriptor.isIdempotent)
        XCTAssertEqual(Skills_Testing_V1_Echo.Method.update.descriptor.kind, .bidirectionalStreaming)
        XCTAssertEqual(Skills_Testing_V1_Echo.Method.collect.descriptor.kind, .clientStreaming)
        let names = SchemaCatalog.services.map(\.name)
        XCTAssertEqual(
            Set(names),
            [
                "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
                "skills.testing.v1.Echo", "skills.v1.RegistrationService",
                "skills.v1.MatchingService", "skills.v1.AssessmentService", "skills.v1.PaymentService",
            ])
        // Every `rpc` of each .proto has a descriptor, and no other method does.
        let protos = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Protos/skills/v1").standardized
        for (service, file) in [
            (RegistrationService.descriptor, "registration.proto"), (MatchingService.descriptor, "matching.proto"),
            (AssessmentService.descriptor, "assessment.proto"), (PaymentService.descriptor, "payment.proto"),
        ] {
            let text = (try? String(contentsOf: protos.appendingPathComponent(file), encoding: .utf8)) ?? ""
            let rpcs = text.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                guard words.count > 1, words[0] == "rpc" else { return nil }
                return String(words[1].prefix { $0 != "(" })
            }
            XCTAssertFalse(rpcs.isEmpty, "no rpc read from \(file)")
            XCTAssertEqual(Set(service.methods.map(\.method)), Set(rpcs), file)
        }
        // Every method of the public contract is idempotent: reads by name, writes by request_id.
        for service in SchemaCatalog.services {
            for method in service.methods {
                XCTAssertTrue(method.isIdempotent, "\(method.path) is neither read-only nor keyed by request_id")
            }
        }
    }

    func testDescriptorSetIsEmbedded() {
        let bytes = SchemaDescriptorSet.bytes
        XCTAssertGreaterThan(bytes.count, 1000)
        XCTAssertEqual(bytes.first, 0x0A)  // FileDescriptorSet.file, length-delimited
        XCTAssertTrue(SchemaDescriptorSet.fileNames.contains("skills/v1/payment.proto"))
        XCTAssertTrue(SchemaDescriptorSet.fileNames.contains("google/protobuf/timestamp.proto"))
    }

    // MARK: - helpers

    private func protoName(of message: some ProtoMessage) -> String {
        type(of: message).protoName
    }

    private func assertRoundTrip<M: ProtoMessage>(_ message: M, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let bytes = message.serializedBytes()
        XCTAssertFalse(bytes.isEmpty, "\(M.protoName) sample encodes to nothing", file: file, line: line)
        XCTAssertEqual(message.serializedSize, bytes.count, M.protoName, file: file, line: line)
        let decoded = try M(serializedBytes: bytes)
        XCTAssertEqual(decoded, message, "\(M.protoName) changed in a round trip", file: file, line: line)
        XCTAssertEqual(
            decoded.serializedBytes(), bytes, "\(M.protoName) re-encodes differently", file: file, line: line)
    }

    private func assertEmpty<M: ProtoMessage>(_ type: M.Type) throws {
        XCTAssertEqual(M().serializedBytes(), [], "\(M.protoName)()")
        XCTAssertEqual(try M(serializedBytes: []), M(), M.protoName)
    }
}
