import AssessmentCore
import Schema
import XCTest

/// Every method of `AssessmentService` has an entry in `AssessmentAccess` (a method without one is refused to
/// every caller), and no entry names a method the contract does not have.
final class AssessmentAccessTableTests: XCTestCase {
    func testEveryMethodHasAnAccessEntry() {
        XCTAssertEqual(AssessmentAccess.table.methodsWithoutEntry(in: AssessmentService.descriptor), [])
        XCTAssertEqual(AssessmentAccess.table.entriesWithoutMethod(in: AssessmentService.descriptor), [])
    }
}
