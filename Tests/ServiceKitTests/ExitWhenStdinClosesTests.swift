import ServiceKit
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `--exit-when-stdin-closes` (SKILLS_EXIT_WHEN_STDIN_CLOSES=1), which launchers turn on: the services
/// must still parse their arguments with the variable set (ArgumentParser refuses a plain Bool flag
/// whose default is true, and a service started that way exited at once with a usage error).
final class ExitWhenStdinClosesTests: XCTestCase {
    override func tearDown() {
        unsetenv("SKILLS_EXIT_WHEN_STDIN_CLOSES")
    }

    func testOffByDefaultAndOnWithTheFlag() throws {
        unsetenv("SKILLS_EXIT_WHEN_STDIN_CLOSES")
        XCTAssertFalse(try ServiceSettings.parse([]).exitWhenStdinCloses)
        XCTAssertTrue(try ServiceSettings.parse(["--exit-when-stdin-closes"]).exitWhenStdinCloses)
    }

    func testTheEnvironmentTurnsItOnAndTheNoFlagOff() throws {
        setenv("SKILLS_EXIT_WHEN_STDIN_CLOSES", "1", 1)
        XCTAssertTrue(try ServiceSettings.parse([]).exitWhenStdinCloses)
        XCTAssertTrue(try ServiceSettings.parse(["--port", "7201"]).exitWhenStdinCloses)
        XCTAssertFalse(try ServiceSettings.parse(["--no-exit-when-stdin-closes"]).exitWhenStdinCloses)
    }
}
