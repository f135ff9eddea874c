import PlatformTestSupport
import SQL
import Schema
import XCTest

/// A page of claims holds at most 1,000 claims and, after its first, about 512 KiB of them: 1,000
/// claims with their decisions' traces came to 2.7 MB, close to the 4 MiB a gRPC client accepts by
/// default, and built ten times that in payment's memory. The page token carries the caller
/// through every claim, once each, in order.
final class ClaimPageBytesTests: XCTestCase {
    func testPagesOfLongClaimsStopAtHalfAMebibyteAndLoseNothing() async throws {
        let platform = try await TestPlatform.start()
        let database = try XCTUnwrap(platform.databases["payment"])
        let ids = (1000..<1600).map { "c-\($0)" }
        let claims = ids.map {
            Claim(id: $0, enrollmentId: "e-\($0)", submittedBy: String(repeating: "x", count: 3000))
        }
        let stored = try XCTUnwrap(claims.first).serializedBytes().count  // ~3 KB, like a decision's trace
        try await database.transaction { connection in
            for claim in claims {
                try connection.execute(
                    """
                    INSERT INTO claims (id, enrollment_id, worker_id, offering_id, institution_id, eligible, data)
                    VALUES ($1, $2, 'w', 'o', 'i', 0, $3)
                    """, claim.id, claim.enrollmentId, claim.serializedBytes())
            }
        }
        var pages: [[String]] = []
        var token = ""
        repeat {
            let page = try await platform.payment(as: .finance).listClaims(
                ListClaimsRequest(pageSize: 1000, pageToken: token))
            pages.append(page.claims.map(\.id))
            token = page.nextPageToken
        } while !token.isEmpty && pages.count < 10
        await platform.close()

        XCTAssertEqual(pages.flatMap { $0 }, ids, "every claim once, in order")
        let perPage = (1 << 19) / stored
        XCTAssertEqual(pages.first?.count, perPage, "512 KiB of claims on the first page")
        XCTAssertEqual(pages.count, (ids.count + perPage - 1) / perPage)
    }
}
