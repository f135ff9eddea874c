import ServiceKit
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// An unknown log level is a usage error naming the accepted words, not a silent `info`.
final class LogLevelSettingTests: XCTestCase {
    override func tearDown() {
        unsetenv("SKILLS_LOG_LEVEL")
    }

    func testKnownLevelsParse() throws {
        unsetenv("SKILLS_LOG_LEVEL")
        XCTAssertEqual(try ServiceSettings.parse([]).level, .info)
        XCTAssertEqual(try ServiceSettings.parse(["--log-level", "debug"]).level, .debug)
        XCTAssertEqual(try ServiceSettings.parse(["--log-level", "WARNING"]).level, .warning)
    }

    func testAnUnknownLevelIsAUsageError() {
        XCTAssertThrowsError(try ServiceSettings.parse(["--log-level", "verbose"])) { error in
            let message = ServiceSettings.message(for: error)
            XCTAssertTrue(message.contains("'verbose'"), message)
            XCTAssertTrue(message.contains("trace, debug, info"), message)
        }
    }

    func testAnUnknownLevelFromTheEnvironmentIsAUsageError() {
        setenv("SKILLS_LOG_LEVEL", "loud", 1)
        XCTAssertThrowsError(try ServiceSettings.parse([]))
    }
}
