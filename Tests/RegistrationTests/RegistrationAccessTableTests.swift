import RegistrationCore
import Schema
import XCTest

/// Every method of `RegistrationService` has an entry in `RegistrationAccess` (a method without one is refused to
/// every caller), and no entry names a method the contract does not have.
final class RegistrationAccessTableTests: XCTestCase {
    func testEveryMethodHasAnAccessEntry() {
        XCTAssertEqual(RegistrationAccess.table.methodsWithoutEntry(in: RegistrationService.descriptor), [])
        XCTAssertEqual(RegistrationAccess.table.entriesWithoutMethod(in: RegistrationService.descriptor), [])
    }
}
