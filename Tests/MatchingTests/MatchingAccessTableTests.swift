import MatchingCore
import Schema
import XCTest

/// Every method of `MatchingService` has an entry in `MatchingAccess` (a method without one is refused to
/// every caller), and no entry names a method the contract does not have.
final class MatchingAccessTableTests: XCTestCase {
    func testEveryMethodHasAnAccessEntry() {
        XCTAssertEqual(MatchingAccess.table.methodsWithoutEntry(in: MatchingService.descriptor), [])
        XCTAssertEqual(MatchingAccess.table.entriesWithoutMethod(in: MatchingService.descriptor), [])
    }
}
