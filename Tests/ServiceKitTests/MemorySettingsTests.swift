import Foundation
import ServiceKit
import XCTest

/// `--sqlite-memory-mib` and `--malloc-arenas` (issue 14): defaults, flags, environment.
final class MemorySettingsTests: XCTestCase {
    override func setUp() {
        unsetenv("SKILLS_SQLITE_MEMORY_MIB")
        unsetenv("SKILLS_MALLOC_ARENAS")
    }

    override func tearDown() { setUp() }

    func testDefaultsBoundSQLiteAndTheArenas() throws {
        let settings = try ServiceSettings.parse([])
        XCTAssertEqual(settings.sqliteMemoryMiB, 8)
        XCTAssertEqual(settings.mallocArenas, 2)
    }

    func testFlagsWinOverTheEnvironment() throws {
        setenv("SKILLS_SQLITE_MEMORY_MIB", "8", 1)
        setenv("SKILLS_MALLOC_ARENAS", "0", 1)
        let environment = try ServiceSettings.parse([])
        XCTAssertEqual(environment.sqliteMemoryMiB, 8)
        XCTAssertEqual(environment.mallocArenas, 0)
        let flags = try ServiceSettings.parse(["--sqlite-memory-mib", "32", "--malloc-arenas", "4"])
        XCTAssertEqual(flags.sqliteMemoryMiB, 32)
        XCTAssertEqual(flags.mallocArenas, 4)
    }
}
