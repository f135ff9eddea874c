import ServiceKit
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The Bool settings a deployment turns on through the environment (systemd env files, Kubernetes):
/// a service must start with each of them set to 1, and the `--no-` flag must override it.
final class BooleanSettingsTests: XCTestCase {
    private static let variables = ["SKILLS_LOG_JSON", "SKILLS_ACCEPT_BUSINESS_DATE"]

    override func tearDown() {
        for name in Self.variables { unsetenv(name) }
    }

    func testLogJSONFromTheEnvironment() throws {
        unsetenv("SKILLS_LOG_JSON")
        XCTAssertFalse(try ServiceSettings.parse([]).logJSON)
        XCTAssertTrue(try ServiceSettings.parse(["--log-json"]).logJSON)
        setenv("SKILLS_LOG_JSON", "1", 1)
        XCTAssertTrue(try ServiceSettings.parse([]).logJSON)
        XCTAssertFalse(try ServiceSettings.parse(["--no-log-json"]).logJSON)
    }

    func testAcceptBusinessDateFromTheEnvironment() throws {
        unsetenv("SKILLS_ACCEPT_BUSINESS_DATE")
        XCTAssertFalse(try ServiceSettings.parse([]).acceptBusinessDate)
        XCTAssertTrue(try ServiceSettings.parse(["--accept-business-date"]).acceptBusinessDate)
        setenv("SKILLS_ACCEPT_BUSINESS_DATE", "1", 1)
        XCTAssertTrue(try ServiceSettings.parse([]).acceptBusinessDate)
        XCTAssertFalse(try ServiceSettings.parse(["--no-accept-business-date"]).acceptBusinessDate)
    }
}
