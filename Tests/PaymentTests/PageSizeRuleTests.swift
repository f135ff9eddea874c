import PlatformTestSupport
import Schema
import ServiceKit
import XCTest

/// Every service's `List…` method follows `PageSize`: a negative `page_size` is `INVALID_ARGUMENT` on
/// `page_size` (registration, assessment and payment used to answer it with 100 rows, matching refused).
final class PageSizeRuleTests: XCTestCase {
    func testTheRule() {
        XCTAssertEqual(PageSize.rows(for: 0), PageSize.default)
        XCTAssertEqual(PageSize.rows(for: 7), 7)
        XCTAssertEqual(PageSize.rows(for: Int32.max), PageSize.maximum)
        XCTAssertNil(PageSize.rows(for: -1))
    }

    func testANegativePageSizeIsRefusedByEveryService() async throws {
        let platform = try await TestPlatform.start()
        let refusals: [(String, RefusedCall?)] = [
            (
                "registration",
                await refusal {
                    try await platform.registration(as: .hrss).listInstitutions(ListInstitutionsRequest(pageSize: -1))
                }
            ),
            (
                "matching",
                await refusal {
                    try await platform.matching(as: .hrss).listEnrollments(ListEnrollmentsRequest(pageSize: -1))
                }
            ),
            (
                "assessment",
                await refusal {
                    try await platform.assessment(as: .hrss).listCertificates(
                        ListCertificatesRequest(workerId: "w-1", pageSize: -1))
                }
            ),
            (
                "payment",
                await refusal {
                    try await platform.payment(as: .hrss).listClaims(ListClaimsRequest(pageSize: -1))
                }
            ),
        ]
        await platform.close()
        for (service, refused) in refusals {
            XCTAssertEqual(refused?.code, .invalidArgument, service)
            XCTAssertTrue(refused?.message.contains("page_size") ?? false, "\(service): \(refused?.message ?? "")")
            XCTAssertTrue(refused?.message.contains("got -1") ?? false, "\(service): \(refused?.message ?? "")")
        }
    }
}
