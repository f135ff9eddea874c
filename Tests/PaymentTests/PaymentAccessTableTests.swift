import PaymentCore
import Schema
import XCTest

/// Every method of `PaymentService` has an entry in `PaymentAccess` (a method without one is refused to
/// every caller), and no entry names a method the contract does not have.
final class PaymentAccessTableTests: XCTestCase {
    func testEveryMethodHasAnAccessEntry() {
        XCTAssertEqual(PaymentAccess.table.methodsWithoutEntry(in: PaymentService.descriptor), [])
        XCTAssertEqual(PaymentAccess.table.entriesWithoutMethod(in: PaymentService.descriptor), [])
    }
}
