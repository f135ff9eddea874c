import Foundation
import NIOCore
import RPC
import Schema
import XCTest

@testable import ServiceKit

final class BusinessDayTests: XCTestCase {
    typealias Response = Skills_Testing_V1_EchoResponse

    /// A one-method service that answers with the business day its handler sees.
    static let reportsToday = ServiceDefinition(
        descriptor: ServiceDescriptor(name: "skills.testing.v1.Echo", methods: []),
        methods: [
            ServerMethod(
                descriptor: MethodDescriptor(service: "skills.testing.v1.Echo", method: "Get", kind: .unary),
                body: .unary { _, _ in Response(text: BusinessDay.today().description) })
        ])

    func call(header: String?, accepted: Bool) async throws -> String {
        var metadata = Metadata()
        if let header { metadata.add(BusinessDay.metadataKey, header) }
        let context = ServerContext(
            method: MethodDescriptor(service: "skills.testing.v1.Echo", method: "Get", kind: .unary),
            requestMetadata: metadata, deadline: nil,
            peer: PeerIdentity(commonName: "hrss-dev", organizationalUnits: ["hrss"]), remoteAddress: "test")
        guard case .unary(let body) = BusinessDay.applied(to: Self.reportsToday, accepted: accepted).methods[0].body
        else {
            XCTFail("unary expected")
            return ""
        }
        let response = try await body(ByteBuffer(), context)
        return (response as? Response)?.text ?? ""
    }

    func testWithoutTheHeaderTodayIsTheWallClockDayInShanghai() async throws {
        let expected = BusinessDay.wallClockToday().description
        let answered = try await call(header: nil, accepted: true)
        XCTAssertEqual(answered, expected)
        let refusingAnswered = try await call(header: nil, accepted: false)
        XCTAssertEqual(refusingAnswered, expected)
    }

    func testAnAcceptingServiceRunsTheHandlerOnTheCallersDay() async throws {
        let answered = try await call(header: "2020-02-29", accepted: true)
        XCTAssertEqual(answered, "2020-02-29")
        XCTAssertNil(BusinessDay.current, "the day does not leak out of the call")
    }

    func testAServiceThatDoesNotAcceptBusinessDatesRefusesThem() async throws {
        do {
            _ = try await call(header: "2020-02-29", accepted: false)
            XCTFail("expected FAILED_PRECONDITION")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .failedPrecondition)
            XCTAssertTrue(error.message.contains("--accept-business-date"), error.message)
        }
    }

    func testAMalformedBusinessDateIsInvalidArgument() async throws {
        for bad in ["2021-02-29", "2020-2-1", "yesterday", ""] {
            do {
                _ = try await call(header: bad, accepted: true)
                XCTFail("expected INVALID_ARGUMENT for '\(bad)'")
            } catch let error as RPCError {
                XCTAssertEqual(error.code, .invalidArgument, bad)
            }
        }
    }

    func testTimestampsMatchFoundationsRFC3339WithMilliseconds() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        // The platform stamps instants from its own clock: after 1970 (before it, Foundation's rounding
        // of fractional seconds differs by a millisecond).
        let instants =
            [0, 951_782_400.999, 1_582_934_399.5, 4_102_444_799.001]
            + (0..<2000).map { _ in Double(Int64.random(in: 0...4_000_000_000_000, using: &generator)) / 1000 }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            XCTAssertEqual(Timestamps.rfc3339(date), formatter.string(from: date), "\(seconds)")
        }
    }
}
