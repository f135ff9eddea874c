import Essentials
import NIOCore
import NIOHPACK
import XCTest

@testable import RPC
@testable import Schema

/// Unit tests of the wire-level pieces: message framing, `grpc-timeout`, `grpc-message`
/// percent-encoding, base64 and metadata conversion.

final class MessageDeframerTests: XCTestCase {
    private func framed(_ payload: [UInt8], flag: UInt8 = 0, declaredLength: UInt32? = nil) -> [UInt8] {
        var bytes: [UInt8] = [flag]
        let length = declaredLength ?? UInt32(payload.count)
        bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        return bytes + payload
    }

    private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    private func drain(_ deframer: inout MessageDeframer) throws(MessageDeframer.Failure) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        while let message = try deframer.next() { messages.append(Array(message.readableBytesView)) }
        return messages
    }

    func testMessagesSplitByteByByte() throws {
        let payloads: [[UInt8]] = [[], [42], (0..<300).map { UInt8($0 % 256) }, Array("hello".utf8)]
        let stream = payloads.flatMap { framed($0) }
        var deframer = MessageDeframer(maxMessageBytes: 1024)
        var received: [[UInt8]] = []
        for byte in stream {
            deframer.append(buffer([byte]))
            received += try drain(&deframer)
        }
        XCTAssertEqual(received, payloads)
        XCTAssertFalse(deframer.hasPartialMessage)
        XCTAssertNil(try deframer.next())
    }

    func testMessagesSplitAtEveryBoundary() throws {
        let payloads: [[UInt8]] = [Array("first".utf8), [], Array(repeating: 7, count: 70)]
        let stream = payloads.flatMap { framed($0) }
        for split in 0...stream.count {
            var deframer = MessageDeframer(maxMessageBytes: 100)
            deframer.append(buffer(Array(stream[..<split])))
            var received = try drain(&deframer)
            deframer.append(buffer(Array(stream[split...])))
            received += try drain(&deframer)
            XCTAssertEqual(received, payloads, "split at \(split)")
            XCTAssertFalse(deframer.hasPartialMessage)
        }
    }

    func testSeveralMessagesInOneChunk() throws {
        let payloads: [[UInt8]] = (1...10).map { Array(repeating: UInt8($0), count: $0 * 3) }
        var deframer = MessageDeframer(maxMessageBytes: 1024)
        deframer.append(buffer(payloads.flatMap { framed($0) }))
        XCTAssertEqual(try drain(&deframer), payloads)
        XCTAssertFalse(deframer.hasPartialMessage)
    }

    func testEmptyChunksAreHarmless() throws {
        var deframer = MessageDeframer(maxMessageBytes: 16)
        deframer.append(buffer([]))
        XCTAssertNil(try deframer.next())
        XCTAssertFalse(deframer.hasPartialMessage)
        deframer.append(buffer(framed([1, 2])))
        deframer.append(buffer([]))
        XCTAssertEqual(try drain(&deframer), [[1, 2]])
    }

    func testExactlyAtLimitIsAccepted() throws {
        var deframer = MessageDeframer(maxMessageBytes: 10)
        deframer.append(buffer(framed(Array(repeating: 1, count: 10))))
        XCTAssertEqual(try drain(&deframer), [Array(repeating: 1, count: 10)])
    }

    func testOneOverLimitIsTooLarge() {
        var deframer = MessageDeframer(maxMessageBytes: 10)
        deframer.append(buffer(framed(Array(repeating: 1, count: 11))))
        do {
            _ = try deframer.next()
            XCTFail("an 11-byte message passed a 10-byte limit")
        } catch {
            XCTAssertEqual(error, .tooLarge(length: 11, limit: 10))
        }
    }

    func testHugeDeclaredLengthFailsBeforeTheBodyArrives() {
        var deframer = MessageDeframer(maxMessageBytes: 4 * 1024 * 1024)
        deframer.append(buffer(framed([], declaredLength: UInt32.max)))
        do {
            _ = try deframer.next()
            XCTFail("a 4 GiB declared length was accepted")
        } catch {
            XCTAssertEqual(error, .tooLarge(length: Int(UInt32.max), limit: 4 * 1024 * 1024))
        }
    }

    func testCompressedFlag() {
        var deframer = MessageDeframer(maxMessageBytes: 100)
        deframer.append(buffer(framed([1, 2, 3], flag: 1)))
        do {
            _ = try deframer.next()
            XCTFail("a compressed message was accepted")
        } catch {
            XCTAssertEqual(error, .compressed)
        }
    }

    func testInvalidFlag() {
        for flag: UInt8 in [2, 0x80, 0xFF] {
            var deframer = MessageDeframer(maxMessageBytes: 100)
            deframer.append(buffer(framed([1], flag: flag)))
            do {
                _ = try deframer.next()
                XCTFail("flag \(flag) was accepted")
            } catch {
                XCTAssertEqual(error, .invalidFlag(flag))
            }
        }
    }

    func testPartialMessageDetection() throws {
        var deframer = MessageDeframer(maxMessageBytes: 100)
        let whole = framed([9, 8, 7, 6])
        // Only part of the prefix.
        deframer.append(buffer(Array(whole[..<3])))
        XCTAssertNil(try deframer.next())
        XCTAssertTrue(deframer.hasPartialMessage)
        // The whole prefix, part of the body.
        deframer.append(buffer(Array(whole[3..<7])))
        XCTAssertNil(try deframer.next())
        XCTAssertTrue(deframer.hasPartialMessage)
        // The rest.
        deframer.append(buffer(Array(whole[7...])))
        XCTAssertEqual(try drain(&deframer), [[9, 8, 7, 6]])
        XCTAssertFalse(deframer.hasPartialMessage)
        // A whole message followed by the start of another.
        deframer.append(buffer(framed([1]) + [0, 0]))
        XCTAssertEqual(try drain(&deframer), [[1]])
        XCTAssertTrue(deframer.hasPartialMessage)
    }

    func testFramingWritesThePrefix() throws {
        let request = Skills_Testing_V1_EchoRequest(text: "framed", payload: [1, 2, 3])
        let framedRequest = ProtoMessageFraming.frame(request, allocator: ByteBufferAllocator())
        var deframer = MessageDeframer(maxMessageBytes: 1024)
        deframer.append(framedRequest)
        let message = try XCTUnwrap(try deframer.next())
        XCTAssertEqual(try Skills_Testing_V1_EchoRequest(buffer: message), request)
        XCTAssertEqual(framedRequest.readableBytes, 5 + request.serializedSize)
    }
}

final class GRPCTimeoutTests: XCTestCase {
    func testParsesEveryUnit() {
        XCTAssertEqual(GRPCTimeout.parse("2H"), .seconds(7200))
        XCTAssertEqual(GRPCTimeout.parse("3M"), .seconds(180))
        XCTAssertEqual(GRPCTimeout.parse("4S"), .seconds(4))
        XCTAssertEqual(GRPCTimeout.parse("5m"), .milliseconds(5))
        XCTAssertEqual(GRPCTimeout.parse("6u"), .microseconds(6))
        XCTAssertEqual(GRPCTimeout.parse("7n"), .nanoseconds(7))
        XCTAssertEqual(GRPCTimeout.parse("0S"), .zero)
        XCTAssertEqual(GRPCTimeout.parse("00000010m"), .milliseconds(10))
    }

    func testEightDigitLimit() {
        XCTAssertEqual(GRPCTimeout.parse("99999999S"), .seconds(99_999_999))
        XCTAssertEqual(GRPCTimeout.parse("99999999H"), .seconds(Int64(99_999_999) * 3600))
        XCTAssertNil(GRPCTimeout.parse("123456789S"))
        XCTAssertNil(GRPCTimeout.parse("000000001S"))
    }

    func testRejectsInvalidValues() {
        for text in ["", "1", "S", "123456789S", "1x", "-1S", "+1S", " 1S", "1S ", "1.5S", "1s", "١S", "0x1S", "1HS"] {
            XCTAssertNil(GRPCTimeout.parse(Substring(text)), "'\(text)' parsed")
        }
    }

    func testFormatsInTheFinestUnitThatFits() {
        XCTAssertEqual(GRPCTimeout.format(.nanoseconds(5)), "5n")
        XCTAssertEqual(GRPCTimeout.format(.nanoseconds(99_999_999)), "99999999n")
        XCTAssertEqual(GRPCTimeout.format(.milliseconds(100)), "100000u")
        XCTAssertEqual(GRPCTimeout.format(.seconds(1)), "1000000u")
        XCTAssertEqual(GRPCTimeout.format(.seconds(200)), "200000m")
        XCTAssertEqual(GRPCTimeout.format(.seconds(1_000_000)), "1000000S")
        XCTAssertEqual(GRPCTimeout.format(.seconds(200_000_000)), "3333334M")
        XCTAssertEqual(GRPCTimeout.format(.seconds(7_000_000_000)), "1944445H")
        XCTAssertEqual(GRPCTimeout.format(.zero), "0n")
        XCTAssertEqual(GRPCTimeout.format(.seconds(-5)), "0n")
    }

    func testFormatRoundsUpAndRoundTrips() throws {
        let durations: [Duration] = [
            .nanoseconds(1), .microseconds(123_456_789), .milliseconds(1_500),
            .seconds(30), .seconds(86_400), .seconds(3_000_000_000),
        ]
        for duration in durations {
            let text = GRPCTimeout.format(duration)
            XCTAssertLessThanOrEqual(text.count, 9, text)
            let parsed = try XCTUnwrap(GRPCTimeout.parse(Substring(text)), text)
            XCTAssertGreaterThanOrEqual(parsed, duration, "\(text) is shorter than \(duration)")
        }
    }
}

final class StatusMessageCodingTests: XCTestCase {
    func testPrintableASCIIIsUntouched() {
        let text = "permission denied: role 'finance' may not call /x.Y/Z (try again) ~!@#$^&*"
        XCTAssertEqual(StatusMessageCoding.encode(text), text)
        XCTAssertEqual(StatusMessageCoding.decode(text), text)
    }

    func testChineseRoundTrips() {
        let text = "拒绝: R3 每人每年不超过3次"
        let encoded = StatusMessageCoding.encode(text)
        XCTAssertTrue(encoded.hasPrefix("%E6%8B%92%E7%BB%9D: R3 "), encoded)
        XCTAssertTrue(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, encoded)
        XCTAssertEqual(StatusMessageCoding.decode(encoded), text)
    }

    func testPercentItselfIsEncoded() {
        XCTAssertEqual(StatusMessageCoding.encode("100%"), "100%25")
        XCTAssertEqual(StatusMessageCoding.decode("100%25"), "100%")
        XCTAssertEqual(StatusMessageCoding.decode(StatusMessageCoding.encode("%41")), "%41")
    }

    func testControlCharactersAreEncoded() {
        XCTAssertEqual(StatusMessageCoding.encode("a\nb\tc"), "a%0Ab%09c")
        XCTAssertEqual(StatusMessageCoding.decode("a%0Ab%09c"), "a\nb\tc")
        XCTAssertEqual(StatusMessageCoding.encode("\u{7F}"), "%7F")
    }

    func testMalformedSequencesAreKept() {
        XCTAssertEqual(StatusMessageCoding.decode("%zz"), "%zz")
        XCTAssertEqual(StatusMessageCoding.decode("50%"), "50%")
        XCTAssertEqual(StatusMessageCoding.decode("%4"), "%4")
        XCTAssertEqual(StatusMessageCoding.decode("a%G1b"), "a%G1b")
        XCTAssertEqual(StatusMessageCoding.decode("%41%zz%42"), "A%zzB")
        XCTAssertEqual(StatusMessageCoding.decode("%e6%8b%92"), "拒")
    }

    func testRandomStringsRoundTrip() {
        var rng = SeededRandom(seed: 7)
        let pool = Array("aZ09 %\n\t~é拒😀\u{0}\u{7F}")
        for _ in 0..<500 {
            let length = Int(rng.next() % 20)
            let text = String((0..<length).map { _ in pool[Int(rng.next() % UInt64(pool.count))] })
            XCTAssertEqual(StatusMessageCoding.decode(StatusMessageCoding.encode(text)), text)
        }
    }
}

final class MetadataCodingTests: XCTestCase {
    func testReservedAndPseudoHeadersAreNotMetadata() {
        let headers: HPACKHeaders = [
            ":method": "POST", ":path": "/a.B/C", ":authority": "localhost", ":scheme": "https",
            "content-type": "application/grpc", "te": "trailers", "grpc-timeout": "1S", "grpc-encoding": "identity",
            "grpc-accept-encoding": "identity", "user-agent": "test", "x-custom": "value", "x-other": "2",
        ]
        let metadata = MetadataCoding.metadata(from: headers)
        XCTAssertEqual(metadata.entries.map(\.name), ["x-custom", "x-other"])
        XCTAssertEqual(metadata["x-custom"], "value")
    }

    func testBinaryValuesAreDecoded() {
        let headers: HPACKHeaders = [
            "x-data-bin": "AAH/", "x-unpadded-bin": "Zg", "x-list-bin": "AAE=, AgM", "x-bad-bin": "!!!",
            "x-text": "AAH/",
        ]
        let metadata = MetadataCoding.metadata(from: headers)
        XCTAssertEqual(metadata.binary("x-data-bin"), [0, 1, 255])
        XCTAssertEqual(metadata.binary("x-unpadded-bin"), Array("f".utf8))
        let list = metadata.entries.filter { $0.name == "x-list-bin" }.map(\.value)
        XCTAssertEqual(list, [.binary([0, 1]), .binary([2, 3])])
        XCTAssertNil(metadata.binary("x-bad-bin"), "an undecodable -bin value must be dropped")
        XCTAssertEqual(metadata["x-text"], "AAH/", "only -bin names are base64")
    }

    func testAppendLowersNamesAndSkipsInvalidOnes() {
        var metadata = Metadata()
        metadata.add(Metadata.Entry(name: "X-Upper", value: .string("1")))
        metadata.add(Metadata.Entry(name: "bad name", value: .string("2")))
        metadata.add(Metadata.Entry(name: "ümlaut", value: .string("3")))
        metadata.add(Metadata.Entry(name: "", value: .string("4")))
        metadata.add(Metadata.Entry(name: ":path", value: .string("/evil")))
        metadata.add(Metadata.Entry(name: "x/slash", value: .string("5")))
        metadata.add("grpc-status", "0")
        metadata.add("Content-Type", "text/plain")
        metadata.add("te", "x")
        metadata.add("x-ok_name.v1", "6")
        metadata.add("x-data-bin", binary: [0, 1, 255])
        var headers = HPACKHeaders()
        MetadataCoding.append(metadata, to: &headers)
        XCTAssertEqual(headers.map(\.name), ["x-upper", "x-ok_name.v1", "x-data-bin"])
        XCTAssertEqual(headers.first(name: "x-upper"), "1")
        XCTAssertEqual(headers.first(name: "x-data-bin"), "AAH/")
    }

    func testRoundTripThroughHeaders() {
        var metadata = Metadata()
        metadata.add("x-a", "one")
        metadata.add("x-a", "two")
        metadata.add("x-c-bin", binary: Array(0...255))
        var headers = HPACKHeaders()
        MetadataCoding.append(metadata, to: &headers)
        XCTAssertEqual(MetadataCoding.metadata(from: headers), metadata)
    }

    func testEmptyBinaryValueRoundTrips() throws {
        var metadata = Metadata()
        metadata.add("x-empty-bin", binary: [])
        var headers = HPACKHeaders()
        MetadataCoding.append(metadata, to: &headers)
        XCTAssertEqual(headers.first(name: "x-empty-bin"), "")
        let decoded = MetadataCoding.metadata(from: headers)
        XCTAssertEqual(decoded, metadata)
    }
}
