import ServiceKit
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Ports are typed: unset means the service's own (metrics: gRPC port + 2000), `off` turns the
/// metrics endpoint off, and anything that is not a port is a usage error, not a sentinel.
final class PortSettingsTests: XCTestCase {
    override func setUp() {
        unsetenv("SKILLS_PORT")
        unsetenv("SKILLS_METRICS_PORT")
    }

    override func tearDown() { setUp() }

    func testUnsetPortsMeanTheServicesOwn() throws {
        let settings = try ServiceSettings.parse([])
        XCTAssertNil(settings.port)
        XCTAssertNil(settings.metricsPort)
    }

    func testFlagsAndEnvironment() throws {
        let flags = try ServiceSettings.parse(["--port", "7200", "--metrics-port", "off"])
        XCTAssertEqual(flags.port, 7200)
        XCTAssertEqual(flags.metricsPort, .off)
        setenv("SKILLS_PORT", "7300", 1)
        setenv("SKILLS_METRICS_PORT", "9300", 1)
        let environment = try ServiceSettings.parse([])
        XCTAssertEqual(environment.port, 7300)
        XCTAssertEqual(environment.metricsPort, .port(9300))
        XCTAssertEqual(try ServiceSettings.parse(["--port", "7400"]).port, 7400, "a flag wins over the environment")
    }

    func testZeroAndOutOfRangeAreUsageErrors() {
        for arguments in [["--port", "0"], ["--port", "70000"], ["--metrics-port", "0"], ["--metrics-port", "-1"]] {
            XCTAssertThrowsError(try ServiceSettings.parse(arguments), "\(arguments)")
        }
        setenv("SKILLS_METRICS_PORT", "-1", 1)
        XCTAssertThrowsError(try ServiceSettings.parse([])) { error in
            XCTAssertTrue(ServiceSettings.message(for: error).contains("SKILLS_METRICS_PORT"))
        }
        unsetenv("SKILLS_METRICS_PORT")
        setenv("SKILLS_PORT", "zero", 1)
        XCTAssertThrowsError(try ServiceSettings.parse([]))
    }
}
