import Schema
import XCTest

/// The proto3 JSON mapping over the embedded descriptor set, checked against the generated
/// types' own (protobuf-c) encoding.
final class JSONMappingTests: XCTestCase {
    private let mapping = Result { try ProtoJSON() }

    private func codec() throws -> ProtoJSON { try mapping.get() }

    private func name(of message: some ProtoMessage) -> String { type(of: message).protoName }

    // MARK: Round trips

    func testEverySampleRoundTripsThroughJSONToTheSameBytes() throws {
        let json = try codec()
        for sample in SampleMessages.all {
            let bytes = sample.serializedBytes()
            for emitDefaults in [false, true] {
                for pretty in [false, true] {
                    let text = try json.decode(bytes, as: name(of: sample), emitDefaults: emitDefaults).serialized(
                        pretty: pretty)
                    let back = try json.encode(text, as: name(of: sample))
                    XCTAssertEqual(back, bytes, "\(name(of: sample)) via \(text)")
                }
            }
        }
    }

    func testEveryEmptyMessageIsAnEmptyObject() throws {
        let json = try codec()
        for type in SchemaCatalog.messageTypes where type.protoName != "google.protobuf.Timestamp" {
            XCTAssertEqual(try json.decode([UInt8](), as: type.protoName), .object([]), type.protoName)
            XCTAssertEqual(try json.encode("{}", as: type.protoName), [], type.protoName)
        }
    }

    func testEncodedMessageRepacksToTheSameBytes() throws {
        for sample in SampleMessages.all {
            let bytes = sample.serializedBytes()
            XCTAssertEqual(try EncodedMessage(bytes: bytes).serializedBytes(), bytes, name(of: sample))
            XCTAssertEqual(try EncodedMessage(bytes: bytes).serializedSize, bytes.count)
        }
        XCTAssertThrowsError(try EncodedMessage(bytes: [0x0A, 0x05, 0x01]))
        XCTAssertThrowsError(try EncodedMessage(bytes: [0x80]))
    }

    // MARK: Names, enums, numbers

    func testOutputUsesJSONNamesAndInputAcceptsBoth() throws {
        let json = try codec()
        let request = RegisterWorkerRequest(
            requestId: "r-1", worker: Worker(idNumber: "37140219900101123X", name: "张三", hukou: .urban))
        let text = try json.decode(request.serializedBytes(), as: RegisterWorkerRequest.protoName).serialized()
        XCTAssertEqual(
            text, #"{"requestId":"r-1","worker":{"idNumber":"37140219900101123X","name":"张三","hukou":"HUKOU_URBAN"}}"#)
        let original =
            #"{"request_id":"r-1","worker":{"id_number":"37140219900101123X","name":"张三","hukou":"HUKOU_URBAN"}}"#
        XCTAssertEqual(try json.encode(original, as: RegisterWorkerRequest.protoName), request.serializedBytes())
    }

    func testEnumsByNameOrNumberAndUnknownNamesNameThePath() throws {
        let json = try codec()
        let byNumber = try json.encode(#"{"worker": {"hukou": 1}}"#, as: RegisterWorkerRequest.protoName)
        let byName = try json.encode(#"{"worker": {"hukou": "HUKOU_URBAN"}}"#, as: RegisterWorkerRequest.protoName)
        XCTAssertEqual(byNumber, byName)
        XCTAssertThrowsError(
            try json.encode(#"{"worker": {"hukou": "HUKOU_MARS"}}"#, as: RegisterWorkerRequest.protoName)
        ) { error in
            guard case .invalidValue(let path, let reason)? = error as? ProtoJSONError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, "worker.hukou")
            XCTAssertTrue(reason.contains("HUKOU_MARS") && reason.contains("HUKOU_URBAN"), reason)
        }
        let unknownNumber = Hukou(rawValue: 42)
        let bytes = Worker(hukou: unknownNumber).serializedBytes()
        XCTAssertEqual(try json.decode(bytes, as: Worker.protoName), .object([.init("hukou", .number("42"))]))
    }

    func testInt64IsAStringOnOutputAndExactOnInput() throws {
        let json = try codec()
        let big: Int64 = 9_007_199_254_740_993  // 2^53 + 1: a Double would round it
        let progress = ProgrammeProgress(target: 150_000, paidFen: big)
        XCTAssertEqual(
            try json.decode(progress.serializedBytes(), as: ProgrammeProgress.protoName)["paidFen"],
            .string(String(big)))
        for text in [
            #"{"paidFen": "9007199254740993", "target": 150000}"#,
            #"{"paid_fen": 9007199254740993, "target": "1.5e5"}"#,
        ] {
            let decoded = try ProgrammeProgress(serializedBytes: json.encode(text, as: ProgrammeProgress.protoName))
            XCTAssertEqual(decoded.paidFen, big)
            XCTAssertEqual(decoded.target, 150_000)
        }
        let minimum = try ProgrammeProgress(
            serializedBytes: json.encode(#"{"total": "-9223372036854775808"}"#, as: ProgrammeProgress.protoName))
        XCTAssertEqual(minimum.total, .min)
    }

    func testRepeatedEnumsArePackedLikeProtobufC() throws {
        let json = try codec()
        let entry = CatalogEntry(levels: [.l4IntermediateWorker, .l5JuniorWorker])
        let text = try json.decode(entry.serializedBytes(), as: CatalogEntry.protoName).serialized()
        XCTAssertTrue(
            text.contains(#""levels":["SKILL_LEVEL_L4_INTERMEDIATE_WORKER","SKILL_LEVEL_L5_JUNIOR_WORKER"]"#), text)
        XCTAssertEqual(try json.encode(text, as: CatalogEntry.protoName), entry.serializedBytes())
        XCTAssertEqual(
            try json.encode(#"{"levels": [4, "SKILL_LEVEL_L5_JUNIOR_WORKER"]}"#, as: CatalogEntry.protoName),
            entry.serializedBytes())
    }

    func testOneofsAndEmptyOneofMembers() throws {
        let json = try codec()
        XCTAssertEqual(
            try json.encode(#"{"workerId": ""}"#, as: GetWorkerRequest.protoName),
            GetWorkerRequest(key: .workerId("")).serializedBytes())
        XCTAssertEqual(
            try json.decode(GetWorkerRequest(key: .workerId("")).serializedBytes(), as: GetWorkerRequest.protoName),
            .object([.init("workerId", .string(""))]))
        XCTAssertThrowsError(try json.encode(#"{"workerId": "w", "idNumber": "x"}"#, as: GetWorkerRequest.protoName)) {
            error in
            XCTAssertTrue("\(error)".contains("only one of 'key'"), "\(error)")
        }
    }

    func testBytesAreBase64() throws {
        let json = try codec()
        let response = Grpc_Reflection_V1_FileDescriptorResponse(fileDescriptorProto: [[0, 255, 1], [], [0xFB, 0xFF]])
        let decoded = try json.decode(
            response.serializedBytes(), as: Grpc_Reflection_V1_FileDescriptorResponse.protoName)
        XCTAssertEqual(decoded["fileDescriptorProto"], .array([.string("AP8B"), .string(""), .string("+/8=")]))
        let urlSafe = try json.encode(
            #"{"fileDescriptorProto": ["AP8B", "", "-_8"]}"#, as: Grpc_Reflection_V1_FileDescriptorResponse.protoName)
        XCTAssertEqual(urlSafe, response.serializedBytes())
        XCTAssertThrowsError(
            try json.encode(
                #"{"fileDescriptorProto": ["A*B"]}"#, as: Grpc_Reflection_V1_FileDescriptorResponse.protoName)
        ) { error in
            XCTAssertEqual(
                error as? ProtoJSONError, .invalidValue(path: "fileDescriptorProto[0]", reason: "not valid base64"))
        }
    }

    func testTimestampsAreRFC3339() throws {
        let json = try codec()
        let cases: [(Int64, Int32, String)] = [
            (0, 0, "1970-01-01T00:00:00Z"), (1_714_550_400, 500_000_000, "2024-05-01T08:00:00.500Z"),
            (-1, 999_999_999, "1969-12-31T23:59:59.999999999Z"), (951_782_400, 1000, "2000-02-29T00:00:00.000001Z"),
            (-62_135_596_800, 0, "0001-01-01T00:00:00Z"), (253_402_300_799, 0, "9999-12-31T23:59:59Z"),
        ]
        for (seconds, nanos, text) in cases {
            let worker = Worker(pensionAttestedAt: Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos))
            XCTAssertEqual(
                try json.decode(worker.serializedBytes(), as: Worker.protoName)["pensionAttestedAt"], .string(text))
            XCTAssertEqual(
                try json.encode(#"{"pensionAttestedAt": "\#(text)"}"#, as: Worker.protoName), worker.serializedBytes())
        }
        let beijing = try Worker(
            serializedBytes: json.encode(#"{"pensionAttestedAt": "2024-05-01T16:00:00.5+08:00"}"#, as: Worker.protoName)
        )
        XCTAssertEqual(beijing.pensionAttestedAt, Google_Protobuf_Timestamp(seconds: 1_714_550_400, nanos: 500_000_000))
        for bad in [
            "2024-02-30T00:00:00Z", "2024-05-01 08:00:00Z", "2024-05-01T08:00:00", "10000-01-01T00:00:00Z",
            "2024-05-01T08:00:00.1234567891Z",
        ] {
            XCTAssertThrowsError(try json.encode(#"{"pensionAttestedAt": "\#(bad)"}"#, as: Worker.protoName), bad) {
                error in
                guard case .invalidValue(let path, _)? = error as? ProtoJSONError else { return XCTFail("\(error)") }
                XCTAssertEqual(path, "pensionAttestedAt")
            }
        }
    }

    // MARK: Errors

    func testUnknownFieldsNameThePath() throws {
        let json = try codec()
        XCTAssertThrowsError(try json.encode(#"{"worker": {"nmae": "张三"}}"#, as: RegisterWorkerRequest.protoName)) {
            error in
            XCTAssertEqual(error as? ProtoJSONError, .unknownField(path: "worker.nmae", message: "skills.v1.Worker"))
        }
        XCTAssertThrowsError(
            try json.encode(#"{"worker": {"categories": [{}, {"bogus": 1}]}}"#, as: RegisterWorkerRequest.protoName)
        ) { error in
            guard case .unknownField(let path, _)? = error as? ProtoJSONError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "worker.categories[1].bogus")
        }
    }

    func testBadValuesAreRefusedWithThePath() throws {
        let json = try codec()
        let refusals: [(String, String, String)] = [
            (RegisterWorkerRequest.protoName, #"{"worker": {"name": 3}}"#, "worker.name"),
            (RegisterWorkerRequest.protoName, #"{"worker": "张三"}"#, "worker"),
            (
                RegisterWorkerRequest.protoName, #"{"worker": {"drawsMonthlyPension": "yes"}}"#,
                "worker.drawsMonthlyPension"
            ),
            (RegisterWorkerRequest.protoName, #"{"requestId": "a", "request_id": "b"}"#, "request_id"),
            (RegisterWorkerRequest.protoName, #"{"worker": {"categories": {}}}"#, "worker.categories"),
            (ProgrammeProgress.protoName, #"{"total": "9223372036854775808"}"#, "total"),
            (ProgrammeProgress.protoName, #"{"total": 1.5}"#, "total"),
            (ProgrammeProgress.protoName, #"{"total": "12abc"}"#, "total"),
            (GetProgressRequest.protoName, #"{"year": 2147483648}"#, "year"),
            (CatalogEntry.protoName, #"{"levels": [null]}"#, "levels[0]"),
        ]
        for (type, text, path) in refusals {
            XCTAssertThrowsError(try json.encode(text, as: type), text) { error in
                switch error as? ProtoJSONError {
                case .invalidValue(let actual, _)?, .unknownField(let actual, _)?: XCTAssertEqual(actual, path, text)
                default: XCTFail("\(text): \(error)")
                }
            }
        }
        XCTAssertThrowsError(try json.encode("{}", as: "skills.v1.NoSuchMessage")) { error in
            XCTAssertEqual(error as? ProtoJSONError, .unknownType("skills.v1.NoSuchMessage"))
        }
        XCTAssertThrowsError(try json.encode(#"{"requestId": "r-1",}"#, as: RegisterWorkerRequest.protoName)) { error in
            guard case .syntax? = error as? ProtoJSONError else { return XCTFail("\(error)") }
        }
    }

    func testNullMeansNotSet() throws {
        let json = try codec()
        XCTAssertEqual(
            try json.encode(#"{"requestId": null, "worker": null}"#, as: RegisterWorkerRequest.protoName), [])
    }

    func testMalformedBytesAreRefused() throws {
        let json = try codec()
        XCTAssertThrowsError(try json.decode([0x12, 0x05, 0x0A], as: RegisterWorkerRequest.protoName))
        // Field 1 (request_id, a string) sent as a varint.
        XCTAssertThrowsError(try json.decode([0x08, 0x01], as: RegisterWorkerRequest.protoName)) { error in
            guard case .malformed(let path, _, _)? = error as? ProtoJSONError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "requestId")
        }
        XCTAssertThrowsError(try json.decode([0x0A, 0x02, 0xC3, 0x28], as: RegisterWorkerRequest.protoName))
    }

    // MARK: The descriptor pool

    func testPoolKnowsEveryServiceAndMessage() throws {
        let pool = try DescriptorPool.embedded()
        for type in SchemaCatalog.messageTypes { XCTAssertNotNil(pool.message(named: type.protoName), type.protoName) }
        let health = try XCTUnwrap(pool.service(named: "grpc.health.v1.Health"))
        XCTAssertEqual(health.method(named: "Watch")?.serverStreaming, true)
        let matching = try XCTUnwrap(pool.service(named: "skills.v1.MatchingService"))
        XCTAssertEqual(matching.method(named: "selectoffering")?.inputType, "skills.v1.SelectOfferingRequest")
        XCTAssertEqual(pool.message(named: "skills.v1.Worker")?.field(jsonKey: "id_number")?.jsonName, "idNumber")
    }
}
