import Essentials
import Schema
import XCTest

/// Bytes that are not a valid encoding throw `SchemaError`; nothing traps or leaks.
final class NegativeDecodingTests: XCTestCase {
    func testTruncatedBytesThrow() throws {
        for sample in SampleMessages.all {
            try assertTruncationThrows(sample)
        }
    }

    func testRandomGarbageNeverCrashes() {
        var rng = SeededRandom(seed: 0x5EED_0001)
        var decodedCount = 0
        var rejectedCount = 0
        for type in SchemaCatalog.messageTypes {
            for _ in 0..<300 {
                let length = Int(rng.next() % 96)
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if decodes(type, bytes) { decodedCount += 1 } else { rejectedCount += 1 }
            }
        }
        XCTAssertGreaterThan(rejectedCount, 0)
        XCTAssertGreaterThan(decodedCount + rejectedCount, 10_000)
    }

    func testWrongWireTypeThrows() {
        // Worker.id (field 1) is a string; here it arrives as a varint.
        XCTAssertThrowsError(try Worker(serializedBytes: [0x08, 0x01])) { error in
            XCTAssertEqual(error as? SchemaError, .malformed(message: "skills.v1.Worker"))
        }
        // Worker.version (field 12, int64) as a length-delimited field.
        XCTAssertThrowsError(try Worker(serializedBytes: [0x62, 0x01, 0x00]))
        // Worker.birth_date (field 10, message) as a fixed64.
        XCTAssertThrowsError(try Worker(serializedBytes: [0x51, 1, 2, 3, 4, 5, 6, 7, 8]))
        // A sub-message whose own bytes are garbage.
        XCTAssertThrowsError(try Worker(serializedBytes: [0x52, 0x02, 0xFF, 0xFF]))
    }

    func testInvalidUTF8Throws() {
        // Worker.name (field 3) = C3 28 (an invalid two-byte sequence).
        XCTAssertThrowsError(try Worker(serializedBytes: [0x1A, 0x02, 0xC3, 0x28])) { error in
            XCTAssertEqual(error as? SchemaError, .invalidUTF8(message: "skills.v1.Worker", field: "name"))
        }
        // Inside a repeated string: ReviewInstitutionFilingRequest.licence_scope_occupations (field 4).
        XCTAssertThrowsError(try ReviewInstitutionFilingRequest(serializedBytes: [0x22, 0x01, 0x41, 0x22, 0x01, 0xFF]))
        { error in
            XCTAssertEqual(
                error as? SchemaError,
                .invalidUTF8(message: "skills.v1.ReviewInstitutionFilingRequest", field: "licence_scope_occupations"))
        }
        // Inside a oneof: GetWorkerRequest.id_number (field 2).
        XCTAssertThrowsError(try GetWorkerRequest(serializedBytes: [0x12, 0x01, 0x80]))
        // Inside a nested message: RegisterWorkerRequest.worker (field 2).name.
        XCTAssertThrowsError(try RegisterWorkerRequest(serializedBytes: [0x12, 0x04, 0x1A, 0x02, 0xC3, 0x28])) {
            error in
            XCTAssertEqual(error as? SchemaError, .invalidUTF8(message: "skills.v1.Worker", field: "name"))
        }
        // Valid multi-byte UTF-8 decodes.
        XCTAssertEqual(try Worker(serializedBytes: [0x1A, 0x03, 0xE5, 0xBC, 0xA0]).name, "张")
    }

    func testOversizedInputThrowsBeforeParsing() {
        let bytes = [UInt8](repeating: 0, count: SchemaLimits.maxMessageBytes + 1)
        XCTAssertThrowsError(try Worker(serializedBytes: bytes)) { error in
            XCTAssertEqual(
                error as? SchemaError,
                .tooLarge(message: "skills.v1.Worker", size: bytes.count, limit: SchemaLimits.maxMessageBytes))
        }
    }

    func testHugeRepeatedCountsAreBounded() {
        // A packed repeated enum claiming a huge length with few bytes behind it (protobuf-c #796).
        let bytes: [UInt8] = [0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x02]
        XCTAssertThrowsError(try Offering(serializedBytes: bytes))
    }

    func testUnknownEnumValuesAreKeptAndReencoded() throws {
        // Worker.hukou (field 5) = 99.
        let bytes: [UInt8] = [0x28, 99]
        let worker = try Worker(serializedBytes: bytes)
        XCTAssertEqual(worker.hukou, .unrecognized(99))
        XCTAssertFalse(worker.hukou.isRecognized)
        XCTAssertEqual(worker.serializedBytes(), bytes)

        // A negative value (ten-byte varint) survives too.
        let negative: [UInt8] = [0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        let worker2 = try Worker(serializedBytes: negative)
        XCTAssertEqual(worker2.hukou, .unrecognized(-1))
        XCTAssertEqual(worker2.serializedBytes(), negative)

        // Offering.target_groups (field 11, packed repeated enum) = [1, 99].
        let packed: [UInt8] = [0x5A, 0x02, 0x01, 99]
        let offering = try Offering(serializedBytes: packed)
        XCTAssertEqual(offering.targetGroups, [.g1EnterpriseEmployee, .unrecognized(99)])
        XCTAssertEqual(offering.serializedBytes(), packed)
    }

    func testUnknownFieldsAreSkipped() throws {
        // Field 1000 (varint) is not part of Worker; field 3 follows.
        let bytes: [UInt8] = [0xC0, 0x3E, 0x05, 0x1A, 0x01, 0x41]
        XCTAssertEqual(try Worker(serializedBytes: bytes), Worker(name: "A"))
    }

    // MARK: - helpers

    private func assertTruncationThrows<M: ProtoMessage>(_ message: M) throws {
        let bytes = message.serializedBytes()
        // Dropping the last byte always cuts a field short: a varint, a fixed value or a length-delimited body.
        XCTAssertThrowsError(try M(serializedBytes: bytes.dropLast()), "\(M.protoName) minus its last byte")
        // Every other prefix either decodes (it ended on a field boundary) or throws; neither traps.
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 64)) {
            _ = try? M(serializedBytes: bytes.prefix(cut))
        }
    }
}

/// Decodes `bytes` as `type`; true when it decoded (and then re-decoding its encoding agrees).
func decodes<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) -> Bool {
    do {
        let message = try M(serializedBytes: bytes)
        let again = try M(serializedBytes: message.serializedBytes())
        XCTAssertEqual(again, message, "\(M.protoName) decoded from \(bytes) does not round-trip")
        return true
    } catch {
        return false
    }
}
